"""Bad input is refused with a clear JSON error naming what is wrong, and nothing is written."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from docket.services.portal import Portal
from tests.factories import Factory, User, biosource


def _count(portal: Portal) -> int:
    return sum(1 for _ in portal.store.iter_all())


@pytest.fixture
def submitter(factory: Factory) -> User:
    return factory.submitter()


def _assert_error(response, code: int, kind: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == code, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["@type"] == [kind, "Error"]
    assert body["status"] == "error"
    assert body["code"] == code
    return body


def test_malformed_json_is_400(client: TestClient, portal: Portal, submitter: User) -> None:
    before = _count(portal)
    response = client.post(
        "/Biosource", content=b'{"aliases": [', headers={"content-type": "application/json"}, auth=submitter.auth
    )
    body = _assert_error(response, 400, "HTTPBadRequest")
    assert "Malformed JSON" in body["detail"] and "line 1" in body["detail"]
    assert _count(portal) == before


def test_wrong_content_type_is_415(client: TestClient, portal: Portal, submitter: User) -> None:
    before = _count(portal)
    response = client.post(
        "/Biosource", content=json.dumps(biosource()), headers={"content-type": "text/plain"}, auth=submitter.auth
    )
    body = _assert_error(response, 415, "HTTPUnsupportedMediaType")
    assert body["detail"] == "Request content type text/plain is not 'application/json'"
    assert _count(portal) == before


def test_unknown_type_is_404(client: TestClient, portal: Portal, submitter: User) -> None:
    before = _count(portal)
    body = _assert_error(client.post("/Spaceship", json={}, auth=submitter.auth), 404, "HTTPNotFound")
    assert body["detail"] == "/Spaceship"
    assert _count(portal) == before


def test_unknown_field_is_422_naming_it(client: TestClient, portal: Portal, submitter: User) -> None:
    before = _count(portal)
    response = client.post("/Biosource", json={**biosource(), "colour": "blue"}, auth=submitter.auth)
    body = _assert_error(response, 422, "ValidationFailure")
    assert body["title"] == "Unprocessable Entity" and body["description"] == "Failed validation"
    assert {
        "location": "body",
        "name": "Schema: ",
        "description": "Additional properties are not allowed ('colour' was unexpected)",
    } in body["errors"]
    assert _count(portal) == before


def test_body_over_ten_megabytes_is_413(client: TestClient, portal: Portal, submitter: User) -> None:
    before = _count(portal)
    huge = {**biosource(), "description": "x" * (10 * 1024 * 1024 + 1)}
    body = _assert_error(client.post("/Biosource", json=huge, auth=submitter.auth), 413, "HTTPRequestEntityTooLarge")
    assert "limit" in body["detail"]
    assert _count(portal) == before


def test_link_to_missing_item_is_422_in_snovault_form(client: TestClient, portal: Portal, submitter: User) -> None:
    before = _count(portal)
    body = {"aliases": ["test-lab:bs-x"], "biosource": ["test-lab:nowhere"], "lab": "test-lab", "award": "TEST-AWARD-1"}
    errors = _assert_error(client.post("/Biosample", json=body, auth=submitter.auth), 422, "ValidationFailure")[
        "errors"
    ]
    assert errors == [
        {
            "location": "body",
            "name": "Schema: biosource.0",
            "description": "Unable to resolve link: /Biosource/test-lab:nowhere",
        }
    ]
    assert _count(portal) == before


def test_every_schema_error_is_reported_with_its_path(client: TestClient, submitter: User) -> None:
    body = {
        "biosource_type": "green",
        "lab": "test-lab",
        "award": "no-such-award",
        "aliases": ["no colon"],
        "status": "released",
    }
    errors = client.post("/Biosource", json=body, auth=submitter.auth).json()["errors"]
    names = sorted(e["name"] for e in errors)
    assert names == ["Schema: aliases.0", "Schema: award", "Schema: biosource_type", "Schema: status"]
    by_name = {e["name"]: e["description"] for e in errors}
    assert by_name["Schema: status"] == "permission 'import_items' required"
    assert by_name["Schema: award"] == "Unable to resolve link: /Award/no-such-award"


def test_calculated_property_cannot_be_submitted(client: TestClient, submitter: User) -> None:
    errors = client.post("/Biosource", json={**biosource(), "biosamples": []}, auth=submitter.auth).json()["errors"]
    assert errors == [
        {"location": "body", "name": "Schema: biosamples", "description": "submission of calculatedProperty disallowed"}
    ]


def test_body_that_is_not_an_object_is_422(client: TestClient, submitter: User) -> None:
    response = client.post("/Biosource", json=["not", "an", "object"], auth=submitter.auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["description"] == "The item must be a JSON object"


def test_bad_credentials_are_401_with_challenge(client: TestClient) -> None:
    body = _assert_error(client.get("/me", auth=("NOPE", "wrong")), 401, "HTTPUnauthorized")
    assert body["title"] == "No Access"
    assert "Basic" in client.get("/me", auth=("NOPE", "wrong")).headers["www-authenticate"]
    _assert_error(client.get("/me", headers={"authorization": "Basic !!!"}), 401, "HTTPUnauthorized")


def test_unknown_paths_and_items_are_json_404(client: TestClient) -> None:
    body = _assert_error(client.get("/test-lab:missing", headers={"accept": "application/json"}), 404, "HTTPNotFound")
    assert body["detail"] == "/test-lab:missing"
    _assert_error(client.get("/no/such/deep/path"), 404, "HTTPNotFound")
    _assert_error(client.get("/profiles/Nope.json"), 404, "HTTPNotFound")


def test_duplicate_alias_is_409_with_snovault_detail(client: TestClient, portal: Portal, submitter: User) -> None:
    body = biosource()
    assert client.post("/Biosource", json=body, auth=submitter.auth).status_code == 201
    before = _count(portal)
    again = _assert_error(client.post("/Biosource", json=body, auth=submitter.auth), 409, "HTTPConflict")
    assert again["detail"] == f"Keys conflict: [('alias', '{body['aliases'][0]}')]"
    assert _count(portal) == before


def test_unique_names_and_md5_are_enforced(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    factory.lab()
    lab = client.post("/Lab", json={"name": "test-lab", "title": "Again"}, auth=admin.auth)
    assert lab.json()["detail"] == "Keys conflict: [('lab:name', 'test-lab')]"
    md5 = "0" * 32
    first = {"file_format": "fastq", "md5sum": md5, "lab": "test-lab", "award": "TEST-AWARD-1"}
    assert client.post("/FileFastq", json=first, auth=admin.auth).status_code == 201
    second = client.post("/FileFastq", json=first, auth=admin.auth)
    assert second.status_code == 409
    assert second.json()["detail"] == f"Keys conflict: [('alias', 'md5:{md5}')]"
