"""Real, unmodified Submit4DN (get_field_info and import_data) against a running Docket server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.clients import RunningServer, clients_venv, docket_server
from tests.submit4dn_workbooks import replicate_workbook, write_workbook

SHEET_ORDER = [
    "User",
    "Award",
    "Lab",
    "Document",
    "Protocol",
    "ExperimentType",
    "Publication",
    "Organism",
    "Vendor",
    "IndividualChicken",
    "IndividualFly",
    "IndividualHuman",
    "IndividualMouse",
    "IndividualPrimate",
    "IndividualZebrafish",
    "FileFormat",
    "Enzyme",
    "GenomicRegion",
    "Gene",
    "BioFeature",
    "Construct",
    "TreatmentRnai",
    "TreatmentAgent",
    "Antibody",
    "Modification",
    "Image",
    "Biosource",
    "BiosampleCellCulture",
    "Biosample",
    "FileFastq",
    "FileProcessed",
    "FileReference",
    "FileCalibration",
    "FileSet",
    "FileSetCalibration",
    "MicroscopeSettingD1",
    "MicroscopeSettingD2",
    "MicroscopeSettingA1",
    "MicroscopeSettingA2",
    "FileMicroscopy",
    "FileSetMicroscopeQc",
    "ImagingPath",
    "ExperimentMic",
    "ExperimentHiC",
    "ExperimentCaptureC",
    "ExperimentRepliseq",
    "ExperimentAtacseq",
    "ExperimentChiapet",
    "ExperimentDamid",
    "ExperimentSeq",
    "ExperimentTsaseq",
    "ExperimentSet",
    "ExperimentSetReplicate",
    "WorkflowRunSbg",
    "WorkflowRunAwsem",
]


def _tool(name: str) -> Path:
    path = clients_venv() / "bin" / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: `make clients` installs Submit4DN")
        pytest.skip(f"{path} is missing: run `make clients`")
    return path


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with docket_server(database_url, tmp_path_factory.mktemp("submit4dn")) as running:
        yield running


@pytest.fixture(scope="module")
def keyfile(server: RunningServer, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key of the demo lab's submitter, made with `docket keys create` on the server's database."""
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "docket.cli",
            "keys",
            "create",
            "--email",
            "submitter@docket.example.org",
            "--lab",
            "demo-lab",
            "--server",
            server.url,
            "--database",
            database_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    path = tmp_path_factory.mktemp("keys") / "keypairs.json"
    path.write_text(json.dumps(json.loads(made.stdout)))
    return path


def _run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(_tool(tool)), *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_get_field_info_all_writes_every_sheet(keyfile: Path, tmp_path: Path) -> None:
    result = _run("get_field_info", "--keyfile", str(keyfile), "--type", "all", "--outfile", "all.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    book = openpyxl.load_workbook(tmp_path / "all.xlsx")
    assert book.sheetnames == [s for s in SHEET_ORDER]
    fastq = [c.value for c in book["FileFastq"][1]]
    assert "*file_format" in fastq and "filename" in fastq
    choices = [c.value for c in book["FileFastq"][4]]
    assert "Choices:['fastq']" in choices
    hic = [c.value for c in book["ExperimentHiC"][1]]
    assert {"*replicate_set", "*bio_rep_no", "*tec_rep_no", "*experiment_type", "*biosample"} <= set(hic)


def _fastqs(folder: Path) -> list[Path]:
    paths = []
    for n in (1, 2):
        path = folder / f"reads_R{n}.fastq.gz"
        path.write_bytes(f"@read{n}\nACGT\n+\nFFFF\n".encode() * (1000 * n))
        paths.append(path)
    return paths


def test_import_data_dry_run_passes(keyfile: Path, tmp_path: Path) -> None:
    book = replicate_workbook(tmp_path / "submit.xlsx", "demo-lab", _fastqs(tmp_path))
    result = _run("import_data", "--keyfile", str(keyfile), str(book), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert "ERROR" not in output, output
    summary = [line for line in output.splitlines() if "posted" in line]
    assert [line.split("(")[0] for line in summary] == [
        "BIOSOURCE",
        "BIOSAMPLE",
        "FILEFASTQ",
        "EXPERIMENTHIC",
        "EXPERIMENTSETREPLICATE",
    ]
    assert all(line.rstrip().endswith(" 0 errors") for line in summary), output


def test_invalid_row_gets_a_readable_error_report(keyfile: Path, tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "bad.xlsx",
        {
            "Biosource": (
                [("aliases", "array of string"), ("*biosource_type", "string"), ("cell_line", "string")],
                [["demo-lab:s4-bad-src", "moon rock", "GM12878"]],
            )
        },
    )
    result = _run("import_data", "--keyfile", str(keyfile), "--update", "--remote", str(book), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "ERROR biosource" in output
    assert "Field 'Schema: biosource_type'" in output and "'moon rock' is not one of" in output
