"""/search/: types with subtypes, filters, fields, paging, sorting, facets and the empty answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory, User, biosample, biosource, fastq


def _seed(client: TestClient, user: User, n: int) -> list[dict]:
    return [
        client.post("/Biosource", json=biosource(override_biosource_name=f"t{i % 3}"), auth=user.auth).json()["@graph"][
            0
        ]
        for i in range(n)
    ]


def test_type_includes_subtypes_and_envelope(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    item = client.post("/FileFastq", json=fastq(), auth=submitter.auth).json()["@graph"][0]
    body = client.get("/search/", params={"type": "File"}, auth=submitter.auth).json()
    assert body["@type"] == ["Search"]
    assert [i["uuid"] for i in body["@graph"]] == [item["uuid"]]
    assert body["total"] == 1
    type_facet = next(f for f in body["facets"] if f["field"] == "type")
    assert type_facet["terms"] == [{"key": "FileFastq", "doc_count": 1}]


def test_no_results_is_404_with_empty_graph(client: TestClient) -> None:
    response = client.get("/search/", params={"type": "Biosample"})
    assert response.status_code == 404
    assert response.json()["@graph"] == []
    assert response.json()["total"] == 0
    assert response.json()["notification"] == "No results found"


def test_unknown_type_and_field_are_400(client: TestClient) -> None:
    assert client.get("/search/", params={"type": "Spaceship"}).json()["detail"] == "Invalid type: Spaceship"
    response = client.get("/search/", params={"type": "Biosource", "colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()["detail"]


def test_property_filters_negation_and_array_membership(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    items = _seed(client, submitter, 6)
    t0 = client.get(
        "/search/",
        params={"type": "Biosource", "lab": "test-lab", "override_biosource_name": "t0"},
        auth=submitter.auth,
    ).json()
    assert sorted(i["uuid"] for i in t0["@graph"]) == sorted(
        i["uuid"] for i in items if i["override_biosource_name"] == "t0"
    )
    not_t0 = client.get(
        "/search/",
        params={"type": "Biosource", "lab": "test-lab", "override_biosource_name!": "t0"},
        auth=submitter.auth,
    ).json()
    assert not_t0["total"] == 4
    either = client.get(
        "/search/?type=Biosource&lab=test-lab&override_biosource_name=t0&override_biosource_name=t1",
        auth=submitter.auth,
    ).json()
    assert either["total"] == 4
    fastq_formats = client.get("/search/", params={"type": "FileFormat", "valid_item_types": "FileFastq"}).json()
    assert [f["file_format"] for f in fastq_formats["@graph"]] == ["fastq"]


def test_link_filters_accept_identifiers_and_one_hop(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    [source] = _seed(client, submitter, 1)
    sample = client.post("/Biosample", json=biosample(source["uuid"]), auth=submitter.auth).json()["@graph"][0]
    for value in (source["accession"], source["@id"], source["aliases"][0]):
        body = client.get("/search/", params={"type": "Biosample", "biosource": value}, auth=submitter.auth).json()
        assert [i["uuid"] for i in body["@graph"]] == [sample["uuid"]], value
    hop = client.get("/search/", params={"type": "Biosample", "lab.name": "test-lab"}, auth=submitter.auth).json()
    assert hop["total"] == 1
    none = client.get("/search/", params={"type": "Biosample", "lab.name": "nobody"}, auth=submitter.auth)
    assert none.status_code == 404


def test_paging_with_from_and_limit_is_stable(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    items = _seed(client, submitter, 12)
    seen: list[str] = []
    for start in range(0, 15, 5):
        page = client.get(
            "/search/",
            params={"type": "Biosource", "lab": "test-lab", "limit": 5, "from": start, "sort": "-date_created"},
            auth=submitter.auth,
        ).json()
        assert page["total"] == 12
        seen += [i["uuid"] for i in page["@graph"]]
    assert sorted(seen) == sorted(i["uuid"] for i in items)
    assert seen == [i["uuid"] for i in reversed(items)]
    everything = client.get(
        "/search/", params={"type": "Biosource", "lab": "test-lab", "limit": "all"}, auth=submitter.auth
    ).json()
    assert len(everything["@graph"]) == 12


def test_field_restricts_returned_properties(client: TestClient) -> None:
    body = client.get("/search/", params={"type": "FileFormat", "field": "file_format", "limit": 50}).json()
    assert body["@graph"]
    for item in body["@graph"]:
        assert set(item) == {"@id", "@type", "uuid", "display_title", "file_format"}


def test_sort_by_property_and_facets_from_schema(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    _seed(client, submitter, 6)
    body = client.get(
        "/search/",
        params={"type": "Biosource", "lab": "test-lab", "sort": "override_biosource_name"},
        auth=submitter.auth,
    ).json()
    override_biosource_names = [i["override_biosource_name"] for i in body["@graph"]]
    assert override_biosource_names == sorted(override_biosource_names)
    facets = {f["field"]: f for f in body["facets"]}
    assert facets["biosource_type"]["terms"] == [{"key": "immortalized cell line", "doc_count": 6}]
    assert facets["lab"]["terms"] == [{"key": "/labs/test-lab/", "doc_count": 6}]
    assert facets["status"]["terms"] == [{"key": "in review by lab", "doc_count": 6}]


def test_text_search(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    client.post("/Biosource", json=biosource(description="needle in a haystack"), auth=submitter.auth)
    client.post("/Biosource", json=biosource(description="just hay"), auth=submitter.auth)
    body = client.get("/search/", params={"type": "Biosource", "q": "NEEDLE"}, auth=submitter.auth).json()
    assert [i["description"] for i in body["@graph"]] == ["needle in a haystack"]


def test_collection_listing(client: TestClient) -> None:
    body = client.get("/file-formats/").json()
    assert body["@type"] == ["FileFormatCollection", "Collection"]
    assert {i["file_format"] for i in body["@graph"]} >= {"fastq", "bam"}


def test_write_only_fields_cannot_be_searched_or_sorted(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    for params in ({"secret_access_key_hash": "x"}, {"sort": "secret_access_key_hash"}):
        response = client.get("/search/", params={"type": "AccessKey", **params}, auth=admin.auth)
        assert response.status_code == 400
        assert "secret_access_key_hash" in response.json()["detail"]
