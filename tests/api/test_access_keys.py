"""Access keys: created by their user, shown once, stored hashed, and revocable."""

from __future__ import annotations

from fastapi.testclient import TestClient

from docket.services.portal import Portal
from tests.factories import Factory


def test_create_use_and_revoke_a_key(client: TestClient, portal: Portal, factory: Factory) -> None:
    submitter = factory.submitter()
    response = client.post("/access-keys/", json={"description": "laptop"}, auth=submitter.auth)
    assert response.status_code == 201, response.text
    body = response.json()
    key, secret = body["access_key_id"], body["secret_access_key"]
    assert body["@graph"][0]["access_key_id"] == key
    assert "secret_access_key_hash" not in body["@graph"][0]
    stored = portal.store.get(body["@graph"][0]["uuid"])
    assert stored is not None and secret not in str(stored.properties)

    assert client.get("/me", auth=(key, secret)).json()["email"] == submitter.email
    assert client.get("/me", auth=(key, secret + "x")).status_code == 401

    revoked = client.post(f"/access-keys/{key}/revoke", json={}, auth=submitter.auth)
    assert revoked.status_code == 200
    assert client.get("/me", auth=(key, secret)).status_code == 401
    assert client.get("/me", auth=submitter.auth).status_code == 200


def test_only_the_owner_or_an_admin_revokes(client: TestClient, factory: Factory) -> None:
    one = factory.submitter("test-lab")
    two = factory.submitter("other-lab")
    assert client.post(f"/access-keys/{one.key}/revoke", json={}, auth=two.auth).status_code == 404
    assert client.delete(f"/access-keys/{one.key}/", auth=two.auth).status_code == 404
    assert client.delete(f"/access-keys/{one.key}/", auth=one.auth).status_code == 200
    assert client.get("/me", auth=one.auth).status_code == 401


def test_anonymous_cannot_create_keys(client: TestClient) -> None:
    assert client.post("/access-keys/", json={}).status_code == 403


def test_nul_characters_are_refused(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    response = client.post(
        "/Biosource",
        content=b'{"description": "a\\u0000b"}',
        headers={"content-type": "application/json"},
        auth=submitter.auth,
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
