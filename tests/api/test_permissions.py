"""Who may read and write what: anonymous, submitters of one lab or another, admins."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory, biosource


def test_anonymous_sees_only_released_items(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    admin = factory.admin()
    draft = client.post("/Biosource", json=biosource(), auth=submitter.auth).json()["@graph"][0]
    public = client.post("/Biosource", json=biosource(status="released"), auth=admin.auth).json()["@graph"][0]

    assert client.get(draft["@id"]).status_code == 404
    assert client.get(public["@id"]).status_code == 200
    found = client.get("/search/", params={"type": "Biosource", "lab": "test-lab"}).json()["@graph"]
    assert [i["uuid"] for i in found] == [public["uuid"]]
    assert client.get(f"/users/{submitter.uuid}/").status_code == 404


def test_submitter_creates_only_for_own_labs(client: TestClient, factory: Factory) -> None:
    factory.lab("other-lab", award="OTHER-AWARD")
    submitter = factory.submitter()
    response = client.post("/Biosource", json=biosource(lab="other-lab", award="OTHER-AWARD"), auth=submitter.auth)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": "body", "name": "Schema: lab", "description": "'other-lab' is not in user submits_for"}
    ]


def test_other_labs_cannot_see_or_edit_unreleased_items(client: TestClient, factory: Factory) -> None:
    mine = factory.submitter("test-lab")
    theirs = factory.submitter("other-lab")
    item = client.post("/Biosource", json=biosource(), auth=mine.auth).json()["@graph"][0]
    assert client.get(item["@id"], auth=theirs.auth).status_code == 404
    assert client.patch(item["@id"], json={"override_biosource_name": "x"}, auth=theirs.auth).status_code == 404
    assert client.get(item["@id"], auth=mine.auth).status_code == 200


def test_released_items_are_readable_but_frozen_for_submitters(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    admin = factory.admin()
    item = client.post("/Biosource", json=biosource(), auth=submitter.auth).json()["@graph"][0]
    assert client.patch(item["@id"], json={"status": "released"}, auth=submitter.auth).status_code == 422
    assert client.patch(item["@id"], json={"status": "released"}, auth=admin.auth).status_code == 200
    response = client.patch(item["@id"], json={"override_biosource_name": "x"}, auth=submitter.auth)
    assert response.status_code == 403
    assert response.json()["@type"] == ["HTTPForbidden", "Error"]
    assert client.patch(item["@id"], json={"override_biosource_name": "x"}, auth=admin.auth).status_code == 200


def test_anonymous_and_non_submitters_cannot_write(client: TestClient, factory: Factory) -> None:
    factory.lab()
    reader = factory.user("reader@example.org")
    assert client.post("/Biosource", json=biosource()).status_code == 403
    assert client.post("/Biosource", json=biosource(), auth=reader.auth).status_code == 403
    submitter = factory.submitter()
    assert client.post("/Lab", json={"name": "new-lab", "title": "New"}, auth=submitter.auth).status_code == 403


def test_admin_may_do_anything(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    factory.lab()
    lab = client.post("/Lab", json={"name": "new-lab", "title": "New Lab"}, auth=admin.auth)
    assert lab.status_code == 201
    item = client.post("/Biosource", json=biosource(lab="new-lab", status="released"), auth=admin.auth)
    assert item.status_code == 201, item.text
    deleted = client.delete(item.json()["@graph"][0]["@id"], auth=admin.auth)
    assert deleted.json()["@graph"][0]["status"] == "deleted"
    submitter = factory.submitter()
    assert client.delete(lab.json()["@graph"][0]["@id"], auth=submitter.auth).status_code == 403


def test_users_see_themselves_but_not_other_users(client: TestClient, factory: Factory) -> None:
    one = factory.submitter("test-lab")
    two = factory.submitter("other-lab")
    assert client.get(f"/users/{one.uuid}/", auth=one.auth).status_code == 200
    assert client.get(f"/users/{two.uuid}/", auth=one.auth).status_code == 404
    assert "secret_access_key_hash" not in str(client.get(f"/users/{one.uuid}/@@links", auth=one.auth).json())


def test_secret_hashes_never_leave_the_server(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    keys = client.get("/search/", params={"type": "AccessKey", "frame": "raw"}, auth=admin.auth).json()["@graph"]
    assert keys and all("secret_access_key_hash" not in k for k in keys)
    profile = client.get("/profiles/AccessKey.json").json()
    assert "secret_access_key_hash" not in profile["properties"]
