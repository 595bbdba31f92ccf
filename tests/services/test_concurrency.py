"""Concurrent writers never end up sharing an accession or an alias."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from docket.errors import KeysConflict
from docket.model.loader import model_path
from docket.services.bootstrap import load_inserts
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import SYSTEM
from docket.settings import Settings
from tests.factories import Factory, biosource


def _create(portal: Portal, body: dict) -> str:
    try:
        [item] = portal.items.write(SYSTEM, [Change("create", "Biosource", body)])
    except KeysConflict as exc:
        return f"conflict:{exc.keys}"
    return item.uuid


def test_threads_racing_for_one_alias_get_one_winner(portal: Portal, factory: Factory) -> None:
    factory.lab()
    body = biosource()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: _create(portal, dict(body)), range(16)))
    winners = [o for o in outcomes if not o.startswith("conflict")]
    assert len(winners) == 1
    assert all(o == f"conflict:[('alias', '{body['aliases'][0]}')]" for o in outcomes if o not in winners)
    owners = portal.store.find_keys([("alias", body["aliases"][0])])
    assert list(owners.values()) == winners


def test_many_threads_creating_items_get_distinct_accessions(portal: Portal, factory: Factory) -> None:
    factory.lab()
    with ThreadPoolExecutor(8) as pool:
        uuids = list(pool.map(lambda _: _create(portal, biosource()), range(200)))
    items = portal.store.get_many(uuids)
    accessions = [i.properties["accession"] for i in items.values()]
    assert len(items) == 200
    assert len(set(accessions)) == 200


@pytest.fixture
def tiny_accession_portal(tmp_path: Path, database_url: str, session_portal: Portal) -> Iterator[Portal]:
    """A copy of the default model whose accessions have only 9 possible values per type."""
    folder = tmp_path / "tiny"
    shutil.copytree(model_path("4dn"), folder)
    manifest = json.loads((folder / "model.json").read_text())
    manifest["accession"] = {"prefix": "TST", "alphabet": "ABC", "length": 2}
    (folder / "model.json").write_text(json.dumps(manifest))
    from tests.conftest import _wipe

    _wipe(session_portal)
    portal = Portal(Settings(database=database_url, model=str(folder)))
    load_inserts(portal)
    yield portal
    portal.close()


def test_accession_space_exhaustion_never_duplicates(tiny_accession_portal: Portal) -> None:
    portal = tiny_accession_portal
    Factory(portal).lab()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: _create(portal, biosource()), range(30)))
    created = [o for o in outcomes if not o.startswith("conflict")]
    accessions = [i.properties["accession"] for i in portal.store.get_many(created).values()]
    assert len(accessions) == len(set(accessions)) == len(created)
    assert 0 < len(created) <= 9
    assert all("accession" in o for o in outcomes if o.startswith("conflict"))
