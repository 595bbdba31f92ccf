"""The one smoke test of the real thing: ``docket serve`` in its own process, driven by dcicutils.ff_utils
(the client library 4DN tools are built on) from its own virtualenv, on the lane's database.
"""

from __future__ import annotations

import ast
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients import ClientError, RunningServer, clients_python, clients_venv, docket_server, ff_utils
from tests.factories import biosource

LAB, AWARD = "demo-lab", "DEMO-0001"


@pytest.fixture(scope="module")
def python() -> Path:
    found = clients_python()
    if found is None:
        message = f"the client tools' virtualenv {clients_venv()} is missing; make it with `make clients`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with docket_server(database_url, tmp_path_factory.mktemp("real-server")) as running:
        yield running
    assert "Traceback" not in running.log_text(), running.log_text()


@pytest.fixture(scope="module")
def ff(python: Path, server: RunningServer) -> Any:
    """``ff("post_metadata", body, "Biosource")`` calls ff_utils with the server's admin key."""

    def call(function: str, *args: Any, **kwargs: Any) -> Any:
        return ff_utils(python, server.key, function, *args, **kwargs)

    return call


def failure(error: ClientError) -> tuple[int, dict[str, Any]]:
    """The status code and body ff_utils put in its exception, read back as Submit4DN's parse_exception does."""
    matched = re.fullmatch(r"Bad status code for \w+ request for \S+: (\d+)\. Reason: (.*)", str(error), re.DOTALL)
    assert matched, str(error)
    return int(matched[1]), ast.literal_eval(matched[2])


def demo_biosource(**extra: Any) -> dict[str, Any]:
    return biosource(lab=LAB, award=AWARD, aliases=[f"{LAB}:real-{uuid.uuid4().hex[:12]}"], **extra)


def test_posted_item_reads_back_by_uuid_alias_and_accession(ff: Any) -> None:
    body = demo_biosource()
    posted = ff("post_metadata", body, "Biosource")
    assert posted["status"] == "success"
    [item] = posted["@graph"]
    assert item["lab"] == f"/labs/{LAB}/"

    for identifier in (item["uuid"], body["aliases"][0], item["accession"]):
        got = ff("get_metadata", identifier, add_on="frame=object")
        assert (got["uuid"], got["@id"], got["aliases"]) == (item["uuid"], item["@id"], body["aliases"])
    page = ff("get_metadata", item["@id"])
    assert page["lab"]["@id"] == f"/labs/{LAB}/"


def test_patch_then_delete_fields(ff: Any) -> None:
    item = ff("post_metadata", demo_biosource(description="to be removed"), "Biosource")["@graph"][0]

    patched = ff("patch_metadata", {"url": "https://example.org/cells"}, item["uuid"])
    assert patched["@graph"][0]["url"] == "https://example.org/cells"

    ff("delete_field", item["uuid"], "description,url")
    after = ff("get_metadata", item["uuid"], add_on="frame=object")
    assert "description" not in after
    assert "url" not in after
    assert after["cell_line"] == item["cell_line"]


def test_search_pages_with_from_and_limit(ff: Any, server: RunningServer) -> None:
    token = f"paging-{uuid.uuid4().hex[:12]}"
    entries = [{"type": "Biosource", "properties": demo_biosource(description=token)} for _ in range(60)]
    response = httpx.post(f"{server.url}/batch", json={"items": entries}, auth=server.auth, timeout=60)
    assert response.status_code == 201, response.text
    seeded = {item["uuid"] for item in response.json()["@graph"]}

    # ff_utils asks for pages of 50 with from=0, from=50, ... until a page comes back short.
    found = ff("search_metadata", f"search/?type=Biosource&description={token}")
    assert len(found) == 60
    assert {item["uuid"] for item in found} == seeded

    query = f"search/?type=Biosource&description={token}&sort=-date_created&limit=50"
    first = ff("get_metadata", f"{query}&from=0")
    rest = ff("get_metadata", f"{query}&from=50")
    assert (len(first["@graph"]), len(rest["@graph"]), rest["total"]) == (50, 10, 60)
    assert {i["uuid"] for i in first["@graph"]} | {i["uuid"] for i in rest["@graph"]} == seeded


def test_invalid_post_reads_422_validation_failure(ff: Any) -> None:
    with pytest.raises(ClientError) as raised:
        ff("post_metadata", demo_biosource(biosource_type="green", colour="blue"), "Biosource")
    code, body = failure(raised.value)
    assert code == 422
    assert {k: body[k] for k in ("@type", "status", "code", "title", "description")} == {
        "@type": ["ValidationFailure", "Error"],
        "status": "error",
        "code": 422,
        "title": "Unprocessable Entity",
        "description": "Failed validation",
    }
    described = {(e["name"], e["description"].split(" is not one of ")[0]) for e in body["errors"]}
    assert described == {
        ("Schema: biosource_type", "'green'"),
        ("Schema: ", "Additional properties are not allowed ('colour' was unexpected)"),
    }


def test_missing_alias_reads_404(ff: Any) -> None:
    with pytest.raises(ClientError) as raised:
        ff("get_metadata", f"{LAB}:no-such-biosource", add_on="frame=object")
    code, body = failure(raised.value)
    assert code == 404
    assert (body["@type"], body["code"], body["detail"]) == (
        ["HTTPNotFound", "Error"],
        404,
        f"/{LAB}:no-such-biosource",
    )
