"""/profiles/: every type's schema, as Submit4DN, dcicutils and encode_utils read it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory


def test_profiles_are_keyed_by_type_name_including_abstract_types(client: TestClient) -> None:
    profiles = client.get("/profiles/", params={"frame": "object"}).json()
    assert {"Biosample", "FileFastq", "File", "Lab", "User"} <= set(profiles)
    assert profiles["File"]["isAbstract"] is True
    assert "/profiles/file_fastq.json" in profiles["File"]["children"]
    for name, schema in profiles.items():
        if name.startswith("_"):
            continue
        assert schema["$id"] == schema["id"] == f"/profiles/{schema['$id'].split('/')[-1]}"
        assert schema["identifyingProperties"]


def test_one_profile_by_type_name_or_item_type(client: TestClient) -> None:
    by_name = client.get("/profiles/Biosample.json").json()
    assert by_name == client.get("/profiles/biosample.json").json()
    assert by_name["required"] == ["biosource", "award", "lab"]
    assert by_name["properties"]["biosource"]["items"]["linkTo"] == "Biosource"
    assert by_name["properties"]["display_title"]["calculatedProperty"] is True
    assert by_name["properties"]["accession"]["accessionType"] == "BS"
    assert "facets" in by_name and by_name["@type"] == ["JSONSchema"]
    fastq = client.get("/profiles/FileFastq.json").json()
    assert fastq["properties"]["md5sum"]["uniqueKey"] == "alias"
    assert fastq["rdfs:subClassOf"] == "/profiles/File.json"


def test_restricted_fields_are_readonly_for_submitters_only(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    admin = factory.admin()
    as_submitter = client.get("/profiles/Biosample.json", auth=submitter.auth).json()
    as_admin = client.get("/profiles/Biosample.json", auth=admin.auth).json()
    assert as_submitter["properties"]["status"]["readonly"] is True
    assert "readonly" not in as_admin["properties"]["status"]
