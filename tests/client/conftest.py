"""The workbook tools against the in-process portal: a PortalClient whose HTTP goes through the ASGI
test client, for users made by the factories. The CLI tests use a real server (tests/client/test_cli.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docket.api.app import create_app
from docket.client.http import PortalClient
from docket.client.keys import Credentials
from docket.client.workbook import Outcome, Submission, SubmitOptions
from docket.services.portal import Portal
from tests.factories import Factory, User

LAB, AWARD = "test-lab", "test-award"


class InProcessClient(PortalClient):
    def __init__(self, portal: Portal, user: User) -> None:
        super().__init__(Credentials(user.key, user.secret, "http://testserver"))
        self.http.close()
        self.http = TestClient(create_app(portal), base_url="http://testserver", raise_server_exceptions=False)
        self.http.auth = user.auth
        self.http.headers["accept"] = "application/json"


@pytest.fixture
def submitter(factory: Factory) -> User:
    factory.lab(LAB, award=AWARD)
    return factory.user("sheets@test-lab.example.org", lab=LAB)


@pytest.fixture
def admin(factory: Factory) -> User:
    return factory.admin()


@pytest.fixture
def connect(portal: Portal) -> Iterator[Callable[[User], PortalClient]]:
    made: list[PortalClient] = []

    def make(user: User) -> PortalClient:
        client = InProcessClient(portal, user)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def submit(connect: Callable[[User], PortalClient], submitter: User) -> Callable[..., Outcome]:
    """``submit(files, user=None, **options)`` runs a Submission and returns its outcome."""

    def run(files: list[Path] | Path, user: User | None = None, **options: object) -> Outcome:
        paths = files if isinstance(files, list) else [files]
        client = connect(user or submitter)
        return Submission(client, SubmitOptions(**options)).run(paths)  # type: ignore[arg-type]

    return run
