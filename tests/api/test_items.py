"""Creating, reading and changing items over the snovault-shaped API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import Factory, biosample, biosource, fastq


def test_post_by_type_name_item_type_and_collection_returns_result_envelope(
    client: TestClient, factory: Factory
) -> None:
    factory.lab()
    admin = factory.admin()
    for path in ("/Biosource", "/biosource", "/biosources/"):
        response = client.post(path, json=biosource(), auth=admin.auth)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "success"
        assert body["@type"] == ["result"]
        [item] = body["@graph"]
        assert re.fullmatch(r"4DNSR[1-9A-Z]{7}", item["accession"])
        assert item["@id"] == f"/biosources/{item['accession']}/"
        assert response.headers["location"] == item["@id"]
        assert item["lab"] == "/labs/test-lab/"
        assert item["award"] == "/awards/TEST-AWARD-1/"
        assert item["status"] == "in review by lab"
        assert item["submitted_by"] == f"/users/{admin.uuid}/"


def test_item_resolves_by_every_identifier(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    body = biosource()
    created = client.post("/Biosource", json=body, auth=submitter.auth).json()["@graph"][0]
    alias = body["aliases"][0]
    paths = [
        f"/{created['uuid']}",
        f"/{created['accession']}",
        f"/{alias}",
        created["@id"],
        f"/Biosource/{created['accession']}",
        f"/Biosource/{alias}",
        f"/biosources/{created['uuid']}/",
    ]
    for path in paths:
        response = client.get(path, params={"frame": "object"}, auth=submitter.auth)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["uuid"] == created["uuid"]


def test_frames_object_embedded_raw(client: TestClient, factory: Factory) -> None:
    factory.lab()
    admin = factory.admin()
    source = client.post("/Biosource", json=biosource(), auth=admin.auth).json()["@graph"][0]
    sample = client.post("/Biosample", json=biosample(source["aliases"][0]), auth=admin.auth).json()["@graph"][0]

    obj = client.get(sample["@id"], params={"frame": "object"}, auth=admin.auth).json()
    assert obj["biosource"] == [source["@id"]]
    assert obj["@type"] == ["Biosample", "Item"]
    assert obj["display_title"] == sample["accession"]

    page = client.get(sample["@id"], auth=admin.auth).json()
    assert page["biosource"][0]["@id"] == source["@id"]
    assert page["biosource"][0]["uuid"] == source["uuid"]
    assert page["lab"]["@id"] == "/labs/test-lab/"

    raw = client.get(sample["@id"], params={"frame": "raw"}, auth=admin.auth).json()
    assert raw["biosource"] == [source["uuid"]]
    assert "@id" not in raw

    # reverse link: the biosource lists the biosample made from it
    again = client.get(source["@id"], params={"frame": "object"}, auth=admin.auth).json()
    assert again["biosamples"] == [sample["@id"]]


def test_subtype_type_list_and_collection_paths(client: TestClient, factory: Factory) -> None:
    factory.lab()
    admin = factory.admin()
    item = client.post("/FileFastq", json=fastq(), auth=admin.auth).json()["@graph"][0]
    assert item["@type"] == ["FileFastq", "File", "Item"]
    assert item["@id"].startswith("/files-fastq/4DNFI")
    assert item["status"] == "uploading"
    assert client.get(f"/File/{item['accession']}", auth=admin.auth).status_code == 200
    assert client.get(f"/files/{item['accession']}/", auth=admin.auth).status_code == 200


def test_lab_page_frame_embeds_awards_and_object_frame_lists_ids(client: TestClient, factory: Factory) -> None:
    factory.lab()
    submitter = factory.submitter()
    page = client.get("/labs/test-lab/", auth=submitter.auth).json()
    assert page["awards"][0]["@id"] == "/awards/TEST-AWARD-1/"
    obj = client.get("/labs/test-lab/", params={"frame": "object"}, auth=submitter.auth).json()
    assert obj["awards"] == ["/awards/TEST-AWARD-1/"]
    award = client.get("/awards/TEST-AWARD-1/", params={"frame": "object"}, auth=submitter.auth).json()
    assert award["@id"] in obj["awards"]


def test_patch_delete_fields_and_unchanged_uuid(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    created = client.post("/Biosource", json=biosource(description="first"), auth=submitter.auth).json()["@graph"][0]
    uuid = created["uuid"]

    response = client.patch(f"/{uuid}", json={"override_biosource_name": "liver", "uuid": uuid}, auth=submitter.auth)
    assert response.status_code == 200, response.text
    assert response.json()["@graph"][0]["override_biosource_name"] == "liver"

    response = client.patch(
        f"/{uuid}", params={"delete_fields": "description,override_biosource_name"}, json={}, auth=submitter.auth
    )
    assert response.status_code == 200, response.text
    after = client.get(f"/{uuid}", params={"frame": "object"}, auth=submitter.auth).json()
    assert "description" not in after and "override_biosource_name" not in after
    assert after["cell_line"] == "GM12878"

    response = client.patch(f"/{uuid}", json={"uuid": "00000000-0000-4000-8000-000000000000"}, auth=submitter.auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "Schema: uuid"


def test_put_replaces_submitted_fields_and_keeps_identity(client: TestClient, factory: Factory) -> None:
    factory.lab()
    admin = factory.admin()
    body = biosource(description="old", override_biosource_name="lung")
    created = client.post("/Biosource", json=body, auth=admin.auth).json()["@graph"][0]
    replacement = {k: v for k, v in body.items() if k not in ("description", "override_biosource_name")}
    response = client.put(created["@id"], json=replacement, auth=admin.auth)
    assert response.status_code == 200, response.text
    item = response.json()["@graph"][0]
    assert "description" not in item and "override_biosource_name" not in item
    assert item["accession"] == created["accession"]
    assert item["date_created"] == created["date_created"]


def test_check_only_validates_and_writes_nothing(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    body = biosource()
    response = client.post("/Biosource", params={"check_only": "True"}, json=body, auth=submitter.auth)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "@type": ["result"]}
    assert client.get(f"/{body['aliases'][0]}", auth=submitter.auth).status_code == 404

    bad = client.post(
        "/Biosource", params={"check_only": "true"}, json={**body, "biosource_type": "x"}, auth=submitter.auth
    )
    assert bad.status_code == 422

    created = client.post("/Biosource", json=body, auth=submitter.auth).json()["@graph"][0]
    response = client.patch(
        f"/{created['uuid']}?check_only=True", json={"override_biosource_name": "kidney"}, auth=submitter.auth
    )
    assert response.status_code == 200
    assert (
        "override_biosource_name"
        not in client.get(f"/{created['uuid']}", params={"frame": "object"}, auth=submitter.auth).json()
    )


def test_links_written_by_alias_accession_name_and_path_resolve(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    source = client.post("/Biosource", json=biosource(), auth=submitter.auth).json()["@graph"][0]
    for reference in (source["aliases"][0], source["accession"], source["uuid"], source["@id"]):
        body = {**biosample(reference), "lab": "/labs/test-lab/"}
        response = client.post("/Biosample", json=body, auth=submitter.auth)
        assert response.status_code == 201, response.text
        assert response.json()["@graph"][0]["biosource"] == [source["@id"]]


def test_history_records_who_when_and_what_changed(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    created = client.post("/Biosource", json=biosource(), auth=submitter.auth).json()["@graph"][0]
    client.patch(f"/{created['uuid']}", json={"override_biosource_name": "heart"}, auth=submitter.auth)
    history = client.get(f"{created['@id']}@@history", auth=submitter.auth).json()
    revisions = history["revisions"]
    assert [r["sid"] for r in revisions] == [1, 2]
    assert revisions[1]["changed"] == ["last_modified", "override_biosource_name"]
    assert revisions[1]["user"] == f"/users/{submitter.uuid}/"
    assert revisions[0]["properties"]["cell_line"] == "GM12878"


def test_links_view_lists_items_linking_here(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    source = client.post("/Biosource", json=biosource(), auth=submitter.auth).json()["@graph"][0]
    sample = client.post("/Biosample", json=biosample(source["uuid"]), auth=submitter.auth).json()["@graph"][0]
    body = client.get(f"/{source['uuid']}/@@links", auth=submitter.auth).json()
    assert body["status"] == "success"
    assert [(x["uuid"], x["field"]) for x in body["uuids_linking_to"]] == [(sample["uuid"], "biosource")]


def test_me_embeds_submits_for_and_omits_it_for_non_submitters(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    me = client.get("/me", auth=submitter.auth).json()
    assert me["email"] == submitter.email
    assert me["submits_for"][0]["@id"] == "/labs/test-lab/"
    admin = factory.admin()
    assert "submits_for" not in client.get("/me", auth=admin.auth).json()
    anonymous = client.get("/me")
    assert anonymous.status_code == 403
    assert anonymous.json()["detail"] == "Not logged in."
