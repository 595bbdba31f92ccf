"""GA4GH DRS 1.4 over File items: service-info, objects by uuid or accession, access URLs, permissions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_files import content, md5, new_file, put_chunks
from tests.factories import Factory, biosource

DRS = "/ga4gh/drs/v1"


def uploaded_file(client: TestClient, factory: Factory, released: bool = False) -> tuple[dict, bytes]:
    submitter = factory.submitter()
    data = content(12_345, seed=9)
    item = new_file(client, submitter, data)
    put_chunks(client, submitter, item, data, 5000)
    if released:
        client.patch(item["@id"], json={"status": "released"}, auth=factory.admin().auth)
    return item, data


def test_service_info(client: TestClient) -> None:
    info = client.get(f"{DRS}/service-info").json()
    assert info["type"] == {"group": "org.ga4gh", "artifact": "drs", "version": "1.4.0"}
    assert {"id", "name", "organization", "version"} <= set(info)


def test_object_by_uuid_and_accession(client: TestClient, factory: Factory) -> None:
    item, data = uploaded_file(client, factory, released=True)
    for object_id in (item["uuid"], item["accession"]):
        obj = client.get(f"{DRS}/objects/{object_id}").json()
        assert obj["id"] == object_id
        assert obj["size"] == len(data)
        assert obj["checksums"] == [{"checksum": md5(data), "type": "md5"}]
        assert obj["self_uri"] == f"drs://testserver/{object_id}"
        assert obj["created_time"]
        assert obj["name"] == f"{item['accession']}.fastq.gz"
        [method] = obj["access_methods"]
        assert method["type"] == "https"
        access = client.get(f"{DRS}/objects/{object_id}/access/{method['access_id']}").json()
        assert access["url"] == "http://testserver" + item["href"]
        assert client.get(access["url"]).content == data


def test_unreleased_objects_are_hidden_from_anonymous_callers(client: TestClient, factory: Factory) -> None:
    item, data = uploaded_file(client, factory)
    for path in (f"{DRS}/objects/{item['uuid']}", f"{DRS}/objects/{item['uuid']}/access/https"):
        response = client.get(path)
        assert response.status_code == 404
        assert set(response.json()) == {"msg", "status_code"}
        assert response.json()["status_code"] == 404
    owner = factory.submitter()
    assert client.get(f"{DRS}/objects/{item['uuid']}", auth=owner.auth).json()["size"] == len(data)


def test_restricted_content_is_403(client: TestClient, factory: Factory) -> None:
    item, _data = uploaded_file(client, factory, released=True)
    client.patch(item["@id"], json={"restricted": True}, auth=factory.admin().auth)
    response = client.get(f"{DRS}/objects/{item['accession']}")
    assert (response.status_code, response.json()["status_code"]) == (403, 403)


def test_non_files_and_unknown_ids_are_404(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    factory.lab()
    source = client.post("/Biosource", json=biosource(status="released"), auth=admin.auth).json()["@graph"][0]
    assert client.get(f"{DRS}/objects/{source['uuid']}").status_code == 404
    assert client.get(f"{DRS}/objects/4DNFINOSUCH1").json() == {
        "msg": "No DRS object '4DNFINOSUCH1'",
        "status_code": 404,
    }
    item, _data = uploaded_file(client, factory, released=True)
    assert client.get(f"{DRS}/objects/{item['uuid']}/access/s3").status_code == 404


def test_files_not_yet_uploaded_have_no_drs_object(client: TestClient, factory: Factory) -> None:
    item = new_file(client, factory.submitter(), content(10))
    response = client.get(f"{DRS}/objects/{item['uuid']}", auth=factory.admin().auth)
    assert response.status_code == 404
