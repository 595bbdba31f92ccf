"""POST /batch: many items of many types, linked by alias, written all together or not at all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from docket.services.portal import Portal
from tests.factories import Factory, biosample, biosource


def _count(portal: Portal) -> int:
    return sum(1 for _ in portal.store.iter_all())


def test_batch_links_by_alias_in_any_order(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    source = biosource()
    sample = biosample(source["aliases"][0])
    child = biosample(
        source["aliases"][0],
        biosample_relation=[{"relationship_type": "derived from", "biosample": sample["aliases"][0]}],
    )
    entries = [
        {"type": "Biosample", "properties": child},
        {"type": "biosamples", "properties": sample},
        {"type": "Biosource", "properties": source},
    ]
    response = client.post("/batch", json={"items": entries}, auth=submitter.auth)
    assert response.status_code == 201, response.text
    graph = response.json()["@graph"]
    assert [g["@type"][0] for g in graph] == ["Biosample", "Biosample", "Biosource"]
    assert graph[0]["biosample_relation"][0]["biosample"] == graph[1]["@id"]
    assert graph[1]["biosource"] == [graph[2]["@id"]]


def test_thousand_items_with_one_invalid_writes_nothing(client: TestClient, portal: Portal, factory: Factory) -> None:
    submitter = factory.submitter()
    entries = [{"type": "Biosource", "properties": biosource()} for _ in range(1000)]
    entries[637]["properties"]["biosource_type"] = "moon rock"
    before = _count(portal)
    response = client.post("/batch", json={"items": entries}, auth=submitter.auth)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["index"] == 637
    assert error["path"] == ["biosource_type"]
    assert error["name"] == "Schema: biosource_type"
    assert _count(portal) == before


def test_batch_check_only_and_success_counts(client: TestClient, portal: Portal, factory: Factory) -> None:
    submitter = factory.submitter()
    entries = [{"type": "Biosource", "properties": biosource()} for _ in range(50)]
    before = _count(portal)
    check = client.post("/batch", params={"check_only": "true"}, json={"items": entries}, auth=submitter.auth)
    assert check.status_code == 200 and _count(portal) == before
    written = client.post("/batch", params={"render": "false"}, json={"items": entries}, auth=submitter.auth)
    assert written.status_code == 201
    assert len(written.json()["@graph"]) == 50 and _count(portal) == before + 50


def test_duplicate_alias_within_a_batch_and_against_the_database(
    client: TestClient, portal: Portal, factory: Factory
) -> None:
    submitter = factory.submitter()
    body = biosource()
    same_twice = client.post(
        "/batch", json={"items": [{"type": "Biosource", "properties": body}] * 2}, auth=submitter.auth
    )
    assert same_twice.status_code == 422
    assert same_twice.json()["errors"][0]["index"] == 1
    assert "Keys conflict" in same_twice.json()["errors"][0]["description"]

    client.post("/Biosource", json=body, auth=submitter.auth)
    before = _count(portal)
    entries = [{"type": "Biosource", "properties": biosource()}, {"type": "Biosource", "properties": body}]
    conflict = client.post("/batch", json={"items": entries}, auth=submitter.auth)
    assert conflict.status_code == 409
    assert conflict.json()["index"] == 1
    assert conflict.json()["detail"] == f"Keys conflict: [('alias', '{body['aliases'][0]}')]"
    assert _count(portal) == before


def test_batch_patch_entries(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    source = client.post(
        "/Biosource", json=biosource(description="d", override_biosource_name="t"), auth=submitter.auth
    ).json()["@graph"][0]
    entries = [
        {
            "op": "patch",
            "id": source["aliases"][0],
            "properties": {"override_biosource_name": "u"},
            "delete_fields": ["description"],
        }
    ]
    response = client.post("/batch", json={"items": entries}, auth=submitter.auth)
    assert response.status_code == 200 or response.status_code == 201, response.text
    item = client.get(source["@id"], params={"frame": "object"}, auth=submitter.auth).json()
    assert item["override_biosource_name"] == "u" and "description" not in item


def test_malformed_batch_entries_are_reported_by_index(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    entries = [{"type": "Nothing", "properties": {}}, {"op": "patch", "id": "test-lab:missing"}, {"op": "explode"}]
    response = client.post("/batch", json={"items": entries}, auth=submitter.auth)
    assert response.status_code == 422
    assert [e["index"] for e in response.json()["errors"]] == [0, 1, 2]
    assert client.post("/batch", json={"entries": []}, auth=submitter.auth).status_code == 422


def test_batch_is_in_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "post" in spec["paths"]["/batch"]
    schema = spec["paths"]["/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "items" in schema["properties"]
