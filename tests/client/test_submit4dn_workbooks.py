"""Submit4DN's own test workbooks (tests/data/submit4dn, see its README) submitted with docket submit."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from docket.client.http import PortalClient
from docket.client.workbook import Outcome
from docket.client.workbook.reader import read_sheets
from tests.client.conftest import LAB
from tests.client.sheets import fill
from tests.factories import Factory, User

DATA = Path(__file__).resolve().parent.parent / "data" / "submit4dn"


@pytest.fixture
def s4dn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Submit4DN's test folder layout: workbooks name files as ./tests/data_files/<name>."""
    shutil.copytree(DATA / "data_files", tmp_path / "tests" / "data_files")
    monkeypatch.chdir(tmp_path)
    return DATA


def warnings_of(outcome: Outcome) -> list[str]:
    return [p.message for p in outcome.problems if not p.is_error]


def test_file_fastq_upload(
    s4dn: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    outcome = submit(s4dn / "File_fastq_upload.xlsx", commit=True)
    assert outcome.ok, outcome.problems
    [item] = outcome.written
    assert item["aliases"] == ["dcic:test_alias"]
    assert item["lab"] == f"/labs/{LAB}/" and item["award"] == "/awards/test-award/"
    assert item["filename"] == "example.fastq.gz"
    data = (s4dn / "data_files" / "example.fastq.gz").read_bytes()
    assert item["md5sum"] == hashlib.md5(data).hexdigest()
    assert outcome.entries[0].upload is not None and outcome.entries[0].upload.name == "example.fastq.gz"


def test_file_fastq_insert(s4dn: Path, submit: Callable[..., Outcome]) -> None:
    outcome = submit(s4dn / "File_fastq_insert.xlsx", commit=True)
    assert outcome.ok, outcome.problems
    [item] = outcome.written
    assert (item["file_format"], item["aliases"]) == ("/file-formats/fastq/", ["dcic:test_alias"])
    assert "some_field" not in str(item)
    assert any("file_format_specifications" in w and "ignored" in w for w in warnings_of(outcome))


def test_file_fastq_pairing(
    s4dn: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    outcome = submit(s4dn / "FileFastq_pairing.xlsx", commit=True)
    assert outcome.ok, outcome.problems
    assert len(outcome.written) == 13
    client = connect(submitter)
    f1_1, f1_2 = client.get("/test_lab:f1_1", frame="object"), client.get("/test_lab:alt_f1_2", frame="object")
    assert f1_1["related_files"] == [{"relationship_type": "paired with", "file": f1_2["@id"]}]
    assert f1_1["lab"] == f"/labs/{LAB}/"  # from the submitter: the sheet has no lab column


def test_vendor_workbooks(s4dn: Path, submit: Callable[..., Outcome], factory: Factory, admin: User) -> None:
    factory.lab("sample-lab", award="SampleAward")
    outcome = submit(s4dn / "Vendor_insert.xlsx", user=admin, commit=True)
    assert outcome.ok, outcome.problems
    [vendor] = outcome.written
    assert (vendor["title"], vendor["url"], vendor["lab"]) == (
        "Sample Vendor",
        "https://www.sample_vendor.com/",
        "/labs/sample-lab/",
    )

    empty = submit(s4dn / "Vendor.xlsx", user=admin, commit=True)
    assert empty.ok and empty.entries == []


def test_document_with_attachment(
    s4dn: Path, tmp_path: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    # Lab and award names may not hold "_" (4DN's patterns too), so some_lab and some_award cannot exist.
    outcome = submit(s4dn / "Document_insert.xlsx", commit=True)
    found = {(p.where.cell, p.message) for p in outcome.errors if p.where}
    assert found == {
        ("D5", "Unable to resolve link: /Lab/some_lab"),
        ("E5", "Unable to resolve link: /Award/some_award"),
    }
    # The same row for a lab and award that exist commits, the image attached as a data: URI.
    copy = tmp_path / "Document_insert.xlsx"
    fill(s4dn / "Document_insert.xlsx", {"Document": [{"lab": LAB, "award": "test-award"}]}, copy)
    outcome = submit(copy, commit=True)
    assert outcome.ok, outcome.problems
    [document] = outcome.written
    assert (document["aliases"], document["attachment"]["download"]) == (["dcic:testdoc"], "test.jpg")
    assert document["document_type"] == "general protocol"
    assert document["attachment"]["type"] == "image/jpeg"


def test_experiment_workbooks_report_every_problem_at_its_cell(
    s4dn: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    files = [s4dn / "Exp_HiC_insert.xlsx", s4dn / "Exp_Set_Replicate_insert.xlsx", s4dn / "Exp_Set_insert.xlsx"]
    outcome = submit(files, commit=True)
    found = {(p.where.sheet, p.where.cell, p.field, p.message.split(" (")[0]) for p in outcome.errors if p.where}
    pattern = r"'sample_repset' does not match '^[^\\s\\\\\\/]+:[^\\s\\\\\\/]+$'"
    assert found == {
        ("ExperimentHiC", "F5", "biosample", "Unable to resolve link: /Biosample/test-biosample"),
        (
            "ExperimentHiC",
            "AC5",
            "experiment_relation.experiment",
            "Unable to resolve link: /Experiment/crazy_experiment",
        ),
        ("ExperimentHiC", "AK1", "filename", "ExperimentHiC has no submittable field 'filename'"),
        ("ExperimentSetReplicate", "B5", "aliases", pattern),
        ("ExperimentSetReplicate", "C5", "description", "'description' is a required property"),
        ("ExperimentSet", "B5", "aliases", pattern.replace("sample_repset", "sample_expset")),
        ("ExperimentSet", "C5", "description", "'description' is a required property"),
    }
    assert outcome.written == []
    assert connect(submitter).get_or_none("/dcic:test") is None


def test_cell_values_read_as_submit4dn_reads_them(s4dn: Path) -> None:
    [sheet] = read_sheets(s4dn / "test_cell_values.xlsx")
    # column A is the label column, so the values are the first data cells of rows 3..6
    assert sheet.header == [True] and sheet.types == [10100]
    assert list(sheet.rows) == [(3, [5.5]), (4, ["2016-09-02"]), (5, ["2022-01-01"]), (6, ["testing"])]
