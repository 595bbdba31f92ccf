"""The relational layout, shared by SQLite and PostgreSQL (JSON there is JSONB).

- ``items``: the current properties of every item, plus the few columns that permission filters and
  sorting need in SQL (status, lab, owner, access_group, created).
- ``revisions``: append-only; one row per write, with who, when, the transaction and the changed fields.
- ``keys``: every unique key (accession, alias, lab name, md5, ...), globally unique by (name, value).
- ``links``: one row per link value, indexed both ways for reverse links and ``@@links``.
- ``portal_settings``: values admins change at run time (the two-factor policy), by name.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

JsonDoc = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()

items = Table(
    "items",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("item_type", String(100), nullable=False),
    Column("properties", JsonDoc, nullable=False),
    Column("sid", Integer, nullable=False),
    Column("status", String(60), nullable=True),
    Column("lab", String(36), nullable=True),
    Column("owner", String(36), nullable=True),
    Column("access_group", String(200), nullable=True),
    Column("created", String(40), nullable=False),
    Index("ix_items_type_created", "item_type", "created"),
    Index("ix_items_lab", "lab"),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, index=True),
    Column("sid", Integer, nullable=False),
    Column("properties", JsonDoc, nullable=False),
    Column("changed", JsonDoc, nullable=False),
    Column("user_uuid", String(36), nullable=True),
    Column("timestamp", String(40), nullable=False),
    Column("transaction_id", String(36), nullable=False),
)

keys = Table(
    "keys",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("value", String(1000), primary_key=True),
    Column("uuid", String(36), nullable=False, index=True),
)

portal_settings = Table(
    "portal_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated", String(40), nullable=False),
    Column("updated_by", String(36), nullable=True),
)

links = Table(
    "links",
    metadata,
    Column("source", String(36), primary_key=True),
    Column("rel", String(200), primary_key=True),
    Column("target", String(36), primary_key=True),
    Index("ix_links_target", "target", "rel"),
)
