"""docket submit through the in-process portal: round trip, every error class at its cell, all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from docket.client.http import PortalClient
from docket.client.workbook import Outcome, generate_workbook
from tests.client.conftest import AWARD, LAB
from tests.client.sheets import fill, header_cell
from tests.factories import User

FIVE = ["Biosource", "Biosample", "FileFastq", "ExperimentHiC", "ExperimentSetReplicate"]


@pytest.fixture
def book(tmp_path: Path, connect: Callable[[User], PortalClient], submitter: User) -> Path:
    [path] = generate_workbook(connect(submitter), tmp_path / "book.xlsx", FIVE)
    return path


def tag() -> str:
    return uuid.uuid4().hex[:8]


def five_sheet_rows(t: str) -> dict[str, list[dict[str, Any]]]:
    a = f"{LAB}:{t}"
    return {
        "Biosource": [
            {"aliases": f"{a}-src, {a}-src-b", "biosource_type": "immortalized cell line", "cell_line": "GM12878",
             "description": "source"},
        ],
        "Biosample": [
            {"aliases": f"{a}-bs1", "biosource": f"{a}-src", "preparation_date": "2024-01-02", "description": "one"},
            {"aliases": f"{a}-bs2", "biosource": f"{a}-src-b", "biosample_relation.relationship_type": "derived from",
             "biosample_relation.biosample": f"{a}-bs1", "dbxrefs": "GEO:1, GEO:2"},
        ],
        "FileFastq": [
            {"aliases": f"{a}-f1", "file_format": "fastq", "filename": f"{t}_R1.fastq.gz", "paired_end": "1",
             "read_length": 150, "related_files.relationship_type": "paired with", "related_files.file": f"{a}-f2"},
            {"aliases": f"{a}-f2", "file_format": "fastq", "filename": f"{t}_R2.fastq.gz", "paired_end": "2",
             "read_length": "150"},
        ],
        "ExperimentHiC": [
            {"aliases": f"{a}-e1", "experiment_type": "in situ Hi-C", "biosample": f"{a}-bs1", "files": f"{a}-f1, {a}-f2",
             "biosample_quantity": 1.5, "biosample_quantity_units": "cells", "digestion_enzyme": "MboI",
             "replicate_set": f"{a}-set", "bio_rep_no": 1, "tec_rep_no": 1},
            {"aliases": f"{a}-e2", "experiment_type": "in situ Hi-C", "biosample": f"{a}-bs2", "crosslinking_time": "10",
             "crosslinking_temperature": 37, "crosslinking_method": "1% Formaldehyde",
             "replicate_set": f"{a}-set", "bio_rep_no": 2, "tec_rep_no": 1},
        ],
        "ExperimentSetReplicate": [{"aliases": f"{a}-set", "description": "replicates"}],
    }  # fmt: skip


def read_back(client: PortalClient, identifier: str) -> dict[str, Any]:
    return client.get(f"/{identifier}", frame="object")


def test_round_trip_five_sheets(
    book: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    rows = five_sheet_rows(t)
    fill(book, rows)

    dry = submit(book)
    assert dry.ok, dry.problems
    assert dry.written == []
    client = connect(submitter)
    assert client.get_or_none(f"/{LAB}:{t}-src") is None

    outcome = submit(book, commit=True)
    assert outcome.ok, outcome.problems
    assert len(outcome.written) == 8

    at_id = {}
    for sheet_rows in rows.values():
        for row in sheet_rows:
            first = row["aliases"].split(",")[0]
            at_id[first] = read_back(client, first)["@id"]
    at_id[f"{LAB}:{t}-src-b"] = at_id[f"{LAB}:{t}-src"]

    src = read_back(client, f"{LAB}:{t}-src")
    assert src["aliases"] == [f"{LAB}:{t}-src", f"{LAB}:{t}-src-b"]
    assert (src["biosource_type"], src["cell_line"], src["description"]) == (
        "immortalized cell line",
        "GM12878",
        "source",
    )
    assert (src["lab"], src["award"]) == (f"/labs/{LAB}/", f"/awards/{AWARD}/")  # filled from the submitter

    bs1, bs2 = read_back(client, f"{LAB}:{t}-bs1"), read_back(client, f"{LAB}:{t}-bs2")
    assert bs1["biosource"] == [src["@id"]]
    assert (bs1["preparation_date"], bs1["description"]) == ("2024-01-02", "one")
    assert bs2["biosample_relation"] == [{"relationship_type": "derived from", "biosample": bs1["@id"]}]
    assert bs2["dbxrefs"] == ["GEO:1", "GEO:2"]

    f1, f2 = read_back(client, f"{LAB}:{t}-f1"), read_back(client, f"{LAB}:{t}-f2")
    assert (f1["filename"], f1["paired_end"], f1["read_length"]) == (f"{t}_R1.fastq.gz", "1", 150)
    assert f1["related_files"] == [{"relationship_type": "paired with", "file": f2["@id"]}]
    assert f1["file_format"] == "/file-formats/fastq/"
    assert (f2["read_length"], f2["paired_end"]) == (150, "2")

    e1, e2 = read_back(client, f"{LAB}:{t}-e1"), read_back(client, f"{LAB}:{t}-e2")
    assert e1["files"] == [f1["@id"], f2["@id"]]
    assert (e1["biosample"], e1["biosample_quantity"], e1["biosample_quantity_units"]) == (bs1["@id"], 1.5, "cells")
    assert e1["digestion_enzyme"] == "/enzymes/MboI/"
    assert (e2["biosample"], e2["crosslinking_time"]) == (bs2["@id"], 10)
    assert "replicate_set" not in e1 and "bio_rep_no" not in e1

    rep = read_back(client, f"{LAB}:{t}-set")
    assert rep["description"] == "replicates"
    assert rep["replicate_exps"] == [
        {"replicate_exp": e1["@id"], "bio_rep_no": 1, "tec_rep_no": 1},
        {"replicate_exp": e2["@id"], "bio_rep_no": 2, "tec_rep_no": 1},
    ]
    assert rep["experiments_in_set"] == [e1["@id"], e2["@id"]]


def problems_at(outcome: Outcome) -> set[tuple[str, str, str]]:
    return {(p.where.sheet, p.where.cell, p.field) for p in outcome.errors if p.where}


def find(outcome: Outcome, sheet: str, cell: str) -> str:
    found = [p.message for p in outcome.errors if p.where and (p.where.sheet, p.where.cell) == (sheet, cell)]
    assert found, f"no error at {sheet}!{cell}: {outcome.problems}"
    return " | ".join(found)


def test_every_error_class_is_reported_at_its_cell(
    book: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    a = f"{LAB}:{t}"
    fill(
        book,
        {
            "Biosource": [
                {"aliases": f"{a}-ok", "biosource_type": "stem cell"},  # row 5, good
                {"aliases": f"{a}-enum", "biosource_type": "green"},  # row 6: enum
                {"aliases": f"{a}-req", "cell_line": "HeLa"},  # row 7: required biosource_type missing
                {"aliases": f"{a}-ok", "biosource_type": "tissue"},  # row 8: duplicate alias
                {"aliases": f"{a}-col", "biosource_type": "tissue", "colour": "blue"},  # row 9: unknown column
            ],
            "Biosample": [
                {"aliases": f"{a}-bs1", "biosource": f"{a}-nowhere"},  # row 5: unresolved link
                {"aliases": f"{a}-bs2", "biosource": f"{a}-f1"},  # row 6: link to the wrong type
                {"aliases": f"{a}-bs3", "biosource": f"{a}-ok", "preparation_date": "2024-13-45"},  # row 7: bad date
            ],
            "FileFastq": [
                {"aliases": f"{a}-f1", "file_format": "fastq", "read_length": "many"},  # row 5: bad integer
            ],
            "ExperimentHiC": [
                {
                    "aliases": f"{a}-e1",
                    "experiment_type": "in situ Hi-C",
                    "biosample": f"{a}-bs3",
                    "biosample_quantity": "lots",
                    "replicate_set": f"{a}-set",
                    "bio_rep_no": 1,
                    "tec_rep_no": "x",
                },
            ],
            "ExperimentSetReplicate": [{"aliases": f"{a}-set", "description": "s"}],
        },
    )
    outcome = submit(book, commit=True)
    assert not outcome.ok
    col = {name: header_cell(book, "Biosource", name) for name in ("aliases", "biosource_type", "colour")}
    assert "'green' is not one of" in find(outcome, "Biosource", f"{col['biosource_type']}6")
    assert "'biosource_type' is a required property" in find(outcome, "Biosource", f"{col['biosource_type']}7")
    assert f"alias '{a}-ok' is already used by Biosource!{col['aliases']}5" in find(
        outcome, "Biosource", f"{col['aliases']}8"
    )
    assert "Biosource has no submittable field 'colour'" in find(outcome, "Biosource", f"{col['colour']}1")

    biosource = header_cell(book, "Biosample", "biosource")
    assert f"Unable to resolve link: /Biosource/{a}-nowhere" in find(outcome, "Biosample", f"{biosource}5")
    assert f"'{a}-f1' is not of type 'Biosource'" in find(outcome, "Biosample", f"{biosource}6")
    date = header_cell(book, "Biosample", "preparation_date")
    assert "'2024-13-45' is not a 'date'" in find(outcome, "Biosample", f"{date}7")

    assert "'many' is not a whole number" in find(
        outcome, "FileFastq", f"{header_cell(book, 'FileFastq', 'read_length')}5"
    )
    quantity = header_cell(book, "ExperimentHiC", "biosample_quantity")
    assert "'lots' is not a number" in find(outcome, "ExperimentHiC", f"{quantity}5")
    assert "'x' is not a whole number" in find(
        outcome, "ExperimentHiC", f"{header_cell(book, 'ExperimentHiC', 'tec_rep_no')}5"
    )

    # one bad row anywhere: nothing written, not even the good rows
    client = connect(submitter)
    assert client.get_or_none(f"/{a}-ok") is None
    assert client.get_or_none(f"/{a}-set") is None


def test_one_bad_row_writes_nothing(
    book: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    rows = five_sheet_rows(t)
    rows["FileFastq"][1]["paired_end"] = "3"  # one bad cell in the last file row
    fill(book, rows)
    outcome = submit(book, commit=True)
    assert [(p.where.sheet, p.field) for p in outcome.errors if p.where] == [("FileFastq", "paired_end")]
    assert outcome.written == []
    client = connect(submitter)
    for sheet_rows in rows.values():
        for row in sheet_rows:
            assert client.get_or_none(f"/{row['aliases'].split(',')[0]}") is None


def test_server_only_errors_come_back_at_their_cells(book: Path, submit: Callable[..., Outcome], factory: Any) -> None:
    """A lab the submitter does not submit for is only known to the server; its 422 names item and path."""
    factory.lab("other-lab", award="OTHER-AWARD")
    t = tag()
    fill(book, {"Biosource": [{"aliases": f"{LAB}:{t}", "biosource_type": "stem cell", "lab": "other-lab"}]})
    outcome = submit(book)
    lab = header_cell(book, "Biosource", "lab")
    assert "'other-lab' is not in user submits_for" in find(outcome, "Biosource", f"{lab}5")


def test_existing_aliases_are_reported_as_conflicts(book: Path, submit: Callable[..., Outcome]) -> None:
    t = tag()
    fill(book, {"Biosource": [{"aliases": f"{LAB}:{t}", "biosource_type": "stem cell"}]})
    assert submit(book, commit=True).ok
    again = submit(book, commit=True)
    aliases = header_cell(book, "Biosource", "aliases")
    assert "already taken on the server (use --patch" in find(again, "Biosource", f"{aliases}5")


def test_patch_changes_only_given_fields_and_delete_removes(
    book: Path, tmp_path: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    rows = five_sheet_rows(t)
    fill(book, rows)
    assert submit(book, commit=True).ok
    client = connect(submitter)
    before = read_back(client, f"{LAB}:{t}-bs1")

    edits = tmp_path / "edits.xlsx"
    [blank] = generate_workbook(client, tmp_path / "blank.xlsx", ["Biosample"])
    fill(blank, {"Biosample": [
        {"aliases": f"{LAB}:{t}-bs1", "description": "edited", "preparation_date": "*delete*"},
        {"aliases": f"{LAB}:{t}-bs-new", "biosource": f"{LAB}:{t}-src", "description": "*delete*"},
    ]}, edits)  # fmt: skip
    outcome = submit(edits, patch=True, commit=True)
    assert outcome.ok, outcome.problems
    assert [e.op for e in outcome.entries] == ["patch", "create"]

    after = read_back(client, f"{LAB}:{t}-bs1")
    assert after["description"] == "edited"
    assert "preparation_date" not in after
    unchanged = {k: v for k, v in before.items() if k not in ("description", "preparation_date", "last_modified")}
    assert {k: after[k] for k in unchanged} == unchanged
    assert read_back(client, f"{LAB}:{t}-bs-new")["biosource"] == [read_back(client, f"{LAB}:{t}-src")["@id"]]


def test_patch_cannot_delete_a_required_field(
    book: Path, tmp_path: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    fill(book, {"Biosource": [{"aliases": f"{LAB}:{t}", "biosource_type": "stem cell"}]})
    assert submit(book, commit=True).ok
    [edits] = generate_workbook(connect(submitter), tmp_path / "edits.xlsx", ["Biosource"])
    fill(edits, {"Biosource": [{"aliases": f"{LAB}:{t}", "biosource_type": "*delete*"}]})
    outcome = submit(edits, patch=True, commit=True)
    assert "'biosource_type' is a required property" in find(
        outcome, "Biosource", f"{header_cell(edits, 'Biosource', 'biosource_type')}5"
    )
    assert read_back(connect(submitter), f"{LAB}:{t}")["biosource_type"] == "stem cell"


def test_replicates_add_to_a_set_already_on_the_server(
    book: Path, tmp_path: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    fill(book, five_sheet_rows(t))
    assert submit(book, commit=True).ok
    client = connect(submitter)
    [more] = generate_workbook(client, tmp_path / "more.xlsx", ["ExperimentHiC"])
    fill(more, {"ExperimentHiC": [
        {"aliases": f"{LAB}:{t}-e3", "experiment_type": "in situ Hi-C", "biosample": f"{LAB}:{t}-bs2",
         "replicate_set": f"{LAB}:{t}-set", "bio_rep_no": 2, "tec_rep_no": 2},
    ]})  # fmt: skip
    outcome = submit(more, commit=True)
    assert outcome.ok, outcome.problems
    rep = read_back(client, f"{LAB}:{t}-set")
    assert [(r["bio_rep_no"], r["tec_rep_no"]) for r in rep["replicate_exps"]] == [(1, 1), (2, 1), (2, 2)]
    assert rep["replicate_exps"][2]["replicate_exp"] == read_back(client, f"{LAB}:{t}-e3")["@id"]


def test_without_batch_items_go_one_by_one(
    book: Path, submit: Callable[..., Outcome], connect: Callable[[User], PortalClient], submitter: User
) -> None:
    t = tag()
    fill(book, five_sheet_rows(t))
    dry = submit(book, use_batch=False)
    assert dry.ok, dry.problems
    outcome = submit(book, use_batch=False, commit=True)
    assert outcome.ok, outcome.problems
    assert any("not all or nothing" in p.message for p in outcome.problems)
    client = connect(submitter)
    f1 = read_back(client, f"{LAB}:{t}-f1")
    assert f1["related_files"] == [
        {"relationship_type": "paired with", "file": read_back(client, f"{LAB}:{t}-f2")["@id"]}
    ]
    assert len(read_back(client, f"{LAB}:{t}-set")["replicate_exps"]) == 2
