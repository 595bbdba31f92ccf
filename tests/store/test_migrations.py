"""Migrations: a database made by an older Docket upgrades in place when the server starts."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from docket.services.portal import Portal
from docket.services.principal import SYSTEM
from docket.settings import Settings
from docket.store.engine import _alembic_config, make_engine, migrate

UUID = "0f3c9f7e-4c4b-4a6e-9a57-3f1c1b6f2a10"


def test_an_older_database_upgrades_and_keeps_its_items(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        doc = json.dumps({"name": "human", "taxon_id": "9606", "status": "released", "schema_version": "1"})
        conn.execute(
            text(
                "INSERT INTO items (uuid, item_type, properties, sid, status, created) "
                "VALUES (:u, 'Organism', :d, 1, 'released', '2025-01-01T00:00:00+00:00')"
            ),
            {"u": UUID, "d": doc},
        )
        conn.execute(text("INSERT INTO keys (name, value, uuid) VALUES ('organism:name', 'human', :u)"), {"u": UUID})
    assert "portal_settings" not in inspect(engine).get_table_names()
    engine.dispose()

    portal = Portal(Settings(database=url, upload_check_interval=0))
    assert portal.initialize() is False  # not new: no reference items are loaded over existing data
    assert "portal_settings" in inspect(portal.engine).get_table_names()
    item = portal.store.get(UUID)
    assert item is not None and item.properties["taxon_id"] == "9606"
    assert portal.items.resolver().resolve("/Organism/human") is not None
    portal.two_factor.set(SYSTEM, "everyone")
    assert migrate(portal.engine) is False  # at head: nothing more to do
    assert portal.two_factor.current() == "everyone"
    portal.close()
