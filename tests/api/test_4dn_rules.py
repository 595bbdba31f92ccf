"""The 4DN model's server-side rules: replicate sets, audits, controlled access and file name checks."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Factory, User, biosample, biosource, fastq, unique


def _post(client: TestClient, user: User, type_name: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/{type_name}", json=body, auth=user.auth)
    assert response.status_code == 201, response.text
    return response.json()["@graph"][0]


def _experiment(sample: str, **extra: Any) -> dict[str, Any]:
    return {
        "aliases": [f"test-lab:{unique('hic')}"],
        "experiment_type": "in situ Hi-C",
        "biosample": sample,
        "lab": "test-lab",
        "award": "TEST-AWARD-1",
        **extra,
    }


def _replicate_set(client: TestClient, user: User, same_biosource: bool) -> dict[str, Any]:
    first = _post(client, user, "Biosource", biosource())
    second = first if same_biosource else _post(client, user, "Biosource", biosource())
    sample1 = _post(client, user, "Biosample", biosample(first["uuid"]))
    sample2 = _post(client, user, "Biosample", biosample(second["uuid"]))
    exp1 = _post(client, user, "ExperimentHiC", _experiment(sample1["uuid"]))
    exp2 = _post(client, user, "ExperimentHiC", _experiment(sample2["uuid"]))
    body = {
        "description": "two biological replicates",
        "lab": "test-lab",
        "award": "TEST-AWARD-1",
        "replicate_exps": [
            {"replicate_exp": exp1["aliases"][0], "bio_rep_no": 1, "tec_rep_no": 1},
            {"replicate_exp": exp2["aliases"][0], "bio_rep_no": 2, "tec_rep_no": 1},
        ],
    }
    return _post(client, user, "ExperimentSetReplicate", body)


def test_replicate_set_lists_its_experiments_both_ways(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    replicate_set = _replicate_set(client, submitter, same_biosource=True)
    experiments = [r["replicate_exp"] for r in replicate_set["replicate_exps"]]
    assert replicate_set["experiments_in_set"] == experiments
    assert replicate_set["@type"] == ["ExperimentSetReplicate", "ExperimentSet", "Item"]
    exp = client.get(experiments[0], params={"frame": "object"}, auth=submitter.auth).json()
    assert exp["experiment_sets"] == [replicate_set["@id"]]
    assert exp["@type"] == ["ExperimentHiC", "Experiment", "Item"]


def test_audits_are_served_embedded_and_searchable(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    good = _replicate_set(client, submitter, same_biosource=True)
    bad = _replicate_set(client, submitter, same_biosource=False)

    assert client.get(f"{good['@id']}@@audit", auth=submitter.auth).json()["audit"] == {}
    findings = client.get(f"{bad['@id']}@@audit", auth=submitter.auth).json()["audit"]
    assert findings, "biological replicates from different biosources must be flagged"
    assert client.get(bad["@id"], auth=submitter.auth).json()["audit"] == findings

    levels = sorted(findings)
    search = client.get("/search/", params={"type": "ExperimentSetReplicate"}, auth=submitter.auth).json()
    facet = next(f for f in search["facets"] if f["field"] == "audit")
    assert {t["key"]: t["doc_count"] for t in facet["terms"]} == dict.fromkeys(levels, 1)
    flagged = client.get("/search/", params={"type": "ExperimentSetReplicate", "audit": levels[0]}, auth=submitter.auth)
    assert [i["uuid"] for i in flagged.json()["@graph"]] == [bad["uuid"]], flagged.text


def _human(client: TestClient, user: User, **extra: Any) -> dict[str, Any]:
    body = {"organism": "human", "sex": "female", "lab": "test-lab", "award": "TEST-AWARD-1", **extra}
    return _post(client, user, "IndividualHuman", body)


def test_human_derived_items_are_hidden_from_everyone_outside_lab_and_group(
    client: TestClient, factory: Factory
) -> None:
    factory.lab()
    admin = factory.admin()
    submitter = factory.submitter()
    outsider = factory.submitter("other-lab")
    donor = _human(client, admin, status="released", access_group="dbgap-phs001")
    source = _post(client, admin, "Biosource", biosource(individual=donor["uuid"], status="released"))
    sample = _post(client, admin, "Biosample", biosample(source["uuid"], status="released"))

    for item in (donor, source, sample):
        anonymous = client.get(item["@id"])
        assert anonymous.status_code == 404 and anonymous.json()["@type"] == ["HTTPNotFound", "Error"]
        assert "accession" not in anonymous.text
        assert client.get(item["@id"], auth=outsider.auth).status_code == 404
        assert client.get(item["@id"], auth=submitter.auth).status_code == 200
        assert client.get(item["@id"], auth=admin.auth).status_code == 200
    assert client.get("/search/", params={"type": "Biosample", "lab": "test-lab"}).status_code == 404

    member = factory.user("member@example.org")
    client.patch(f"/users/{member.uuid}/", json={"viewing_groups": ["dbgap-phs001"]}, auth=admin.auth)
    assert client.get(sample["@id"], auth=member.auth).status_code == 200


def test_linking_an_existing_item_to_a_human_donor_hides_it(client: TestClient, factory: Factory) -> None:
    factory.lab()
    admin = factory.admin()
    source = _post(client, admin, "Biosource", biosource(status="released"))
    sample = _post(client, admin, "Biosample", biosample(source["uuid"], status="released"))
    assert client.get(sample["@id"]).status_code == 200
    donor = _human(client, admin)
    client.patch(source["@id"], json={"individual": donor["uuid"]}, auth=admin.auth)
    assert client.get(source["@id"]).status_code == 404
    assert client.get(sample["@id"]).status_code == 404
    client.patch(donor["@id"], json={"protected_data": False}, auth=admin.auth)
    assert client.get(sample["@id"]).status_code == 200


def test_file_name_must_carry_an_extension_of_its_format(client: TestClient, factory: Factory) -> None:
    submitter = factory.submitter()
    response = client.post("/FileFastq", json=fastq(filename="reads.txt"), auth=submitter.auth)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["name"] == "File: invalid extension"
    assert error["description"].startswith("Filename reads.txt extension does not agree with specified file format")
    assert client.post("/FileFastq", json=fastq(filename="reads.fq.gz"), auth=submitter.auth).status_code == 201
