"""Initial layout: items, revisions, keys, links.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("item_type", sa.String(100), nullable=False),
        sa.Column("properties", JsonDoc, nullable=False),
        sa.Column("sid", sa.Integer, nullable=False),
        sa.Column("status", sa.String(60), nullable=True),
        sa.Column("lab", sa.String(36), nullable=True),
        sa.Column("owner", sa.String(36), nullable=True),
        sa.Column("access_group", sa.String(200), nullable=True),
        sa.Column("created", sa.String(40), nullable=False),
    )
    op.create_index("ix_items_type_created", "items", ["item_type", "created"])
    op.create_index("ix_items_lab", "items", ["lab"])
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("sid", sa.Integer, nullable=False),
        sa.Column("properties", JsonDoc, nullable=False),
        sa.Column("changed", JsonDoc, nullable=False),
        sa.Column("user_uuid", sa.String(36), nullable=True),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("transaction_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_revisions_uuid", "revisions", ["uuid"])
    op.create_table(
        "keys",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(1000), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
    )
    op.create_index("ix_keys_uuid", "keys", ["uuid"])
    op.create_table(
        "links",
        sa.Column("source", sa.String(36), primary_key=True),
        sa.Column("rel", sa.String(200), primary_key=True),
        sa.Column("target", sa.String(36), primary_key=True),
    )
    op.create_index("ix_links_target", "links", ["target", "rel"])


def downgrade() -> None:
    for table in ("links", "keys", "revisions", "items"):
        op.drop_table(table)
