"""docket workbook and docket submit as commands against a real ``docket serve`` (its demo admin key)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from tests.client.sheets import fill, fill_delimited
from tests.clients import RunningServer, docket_server

LAB, AWARD = "demo-lab", "DEMO-0001"


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with docket_server(database_url, tmp_path_factory.mktemp("sheets-server")) as running:
        yield running
    assert "Traceback" not in running.log_text(), running.log_text()


@pytest.fixture
def keyfile(server: RunningServer, tmp_path: Path) -> Path:
    path = tmp_path / "keypairs.json"
    path.write_text(json.dumps({"default": server.key}))
    return path


def docket(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docket.cli", *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )


def test_workbook_then_submit(server: RunningServer, keyfile: Path, tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    made = docket("workbook", "--keyfile", keyfile, "--type", "Biosource", "--type", "Biosample", "-o", book)
    assert made.returncode == 0, made.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheets = load_workbook(book)
    assert sheets.sheetnames == ["Instructions", "Biosource", "Biosample", "Lookups"]
    assert sheets["Lookups"].sheet_state == "hidden"
    row1 = [c.value for c in sheets["Biosource"][1]]
    assert row1[0] == "#Field Name:" and "*biosource_type" in row1
    assert [c.value for c in sheets["Biosource"]["A"][:4]] == [
        "#Field Name:",
        "#Field Type:",
        "#Description:",
        "#Additional Info:",
    ]
    enum_checks = [dv for dv in sheets["Biosource"].data_validations.dataValidation if dv.showErrorMessage]
    assert enum_checks, "biosource_type offers its choices as a dropdown"

    t = uuid.uuid4().hex[:8]
    rows = {
        "Biosource": [{"aliases": f"{LAB}:{t}-src", "lab": LAB, "award": AWARD, "biosource_type": "stem cell"}],
        "Biosample": [{"aliases": f"{LAB}:{t}-bs", "lab": LAB, "award": AWARD, "biosource": f"{LAB}:{t}-src"}],
    }
    fill(book, rows)
    dry = docket("submit", "--keyfile", keyfile, book)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Dry run" in dry.stdout
    done = docket("submit", "--keyfile", keyfile, book, "--commit")
    assert done.returncode == 0, done.stdout + done.stderr
    got = httpx.get(f"{server.url}/{LAB}:{t}-bs", params={"frame": "object"}, auth=server.auth).json()
    assert got["biosource"][0].startswith("/biosources/")


def test_errors_exit_non_zero_with_a_table_and_a_report(server: RunningServer, keyfile: Path, tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    assert docket("workbook", "--keyfile", keyfile, "--type", "Biosource", "-o", book).returncode == 0
    t = uuid.uuid4().hex[:8]
    fill(book, {"Biosource": [{"aliases": f"{LAB}:{t}", "lab": LAB, "award": AWARD, "biosource_type": "green"}]})
    report = tmp_path / "errors.xlsx"
    done = docket("submit", "--keyfile", keyfile, book, "--commit", "--report", report)
    assert done.returncode == 1
    assert "'green' is not one of" in done.stdout and "Biosource" in done.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        marked = load_workbook(report)
    bad = [c for row in marked["Biosource"].iter_rows(min_row=5, max_row=5) for c in row if c.comment]
    assert len(bad) == 1 and bad[0].value == "green"
    assert "is not one of" in bad[0].comment.text
    assert bad[0].fill.start_color.rgb == "FFFF9999"
    assert marked["Problems"]["F2"].value.startswith("'green' is not one of")
    assert httpx.get(f"{server.url}/{LAB}:{t}", auth=server.auth).status_code == 404


def test_tsv_workbook_one_file_per_type(server: RunningServer, keyfile: Path, tmp_path: Path) -> None:
    made = docket(
        "workbook", "--keyfile", keyfile, "--type", "Biosource", "--type", "Biosample", "-o", tmp_path / "book.tsv"
    )
    assert made.returncode == 0, made.stderr
    source, sample = tmp_path / "book.Biosource.tsv", tmp_path / "book.Biosample.tsv"
    assert source.exists() and sample.exists()
    t = uuid.uuid4().hex[:8]
    fill_delimited(
        source, [{"aliases": f"{LAB}:{t}-src", "lab": LAB, "award": AWARD, "biosource_type": "tissue"}], "\t"
    )
    fill_delimited(
        sample, [{"aliases": f"{LAB}:{t}-bs", "lab": LAB, "award": AWARD, "biosource": f"{LAB}:{t}-src"}], "\t"
    )
    done = docket("submit", "--keyfile", keyfile, sample, source, "--commit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert httpx.get(f"{server.url}/{LAB}:{t}-bs", auth=server.auth).status_code == 200
