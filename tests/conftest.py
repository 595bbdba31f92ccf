"""Shared fixtures: a portal on SQLite (or on PostgreSQL when DOCKET_TEST_DATABASE_URL is set), an
in-process API client, and users with keys made by the factories.

PostgreSQL lane: DOCKET_TEST_DATABASE_URL names a server database the tests may connect to (e.g.
postgresql://postgres@127.0.0.1:5432/postgres); the run creates its own fresh database beside it and
drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from docket.api.app import create_app
from docket.services.bootstrap import load_inserts
from docket.services.portal import Portal
from docket.services.throttle import SignInThrottle
from docket.settings import Settings
from docket.store.engine import normalize_url
from docket.store.tables import metadata
from tests.factories import Factory
from tests.seaweed import aws_cli, seaweedfs

__all__ = ["aws_cli", "seaweedfs"]  # fixtures for every test that needs S3


def _fresh_postgres(url: str) -> tuple[str, str]:
    admin_url = make_url(normalize_url(url))
    name = f"docket_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres(url: str, name: str) -> None:
    engine = create_engine(make_url(normalize_url(url)), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("DOCKET_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'docket.db'}"
        return
    url, name = _fresh_postgres(server)
    try:
        yield url
    finally:
        _drop_postgres(server, name)


@pytest.fixture(scope="session")
def session_portal(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    settings = Settings(database=database_url, files=str(tmp_path_factory.mktemp("files")), upload_check_interval=0)
    portal = Portal(settings)
    portal.initialize()
    yield portal
    portal.close()


def _wipe(portal: Portal) -> None:
    with portal.engine.begin() as conn:
        if portal.engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names}"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def portal(session_portal: Portal) -> Portal:
    """The session's portal, emptied and reloaded with the model's inserts before each test."""
    _wipe(session_portal)
    load_inserts(session_portal)
    session_portal.throttle = SignInThrottle()  # failed sign-ins of earlier tests must not count here
    return session_portal


@pytest.fixture
def client(portal: Portal) -> Iterator[TestClient]:
    with TestClient(create_app(portal), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def factory(portal: Portal) -> Factory:
    return Factory(portal)
