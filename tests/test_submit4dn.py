"""Real, unmodified Submit4DN (get_field_info and import_data) against a running Docket server."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from tests.clients import RunningServer, clients_venv, docket_server
from tests.seaweed import SeaweedFS
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
def server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, seaweedfs: SeaweedFS
) -> Iterator[RunningServer]:
    """Docket with its files on the test S3 server, as a production install would have them."""
    prefix = f"submit4dn-{uuid.uuid4().hex[:8]}"
    args = ["--files", f"s3://{seaweedfs.bucket}/{prefix}", "--s3-endpoint-url", seaweedfs.endpoint_url]
    args += ["--upload-scoping", "iam-user", "--upload-check-interval", "1"]
    env = {"DOCKET_S3_ACCESS_KEY_ID": seaweedfs.access_key, "DOCKET_S3_SECRET_ACCESS_KEY": seaweedfs.secret_key}
    with docket_server(database_url, tmp_path_factory.mktemp("submit4dn"), args=args, env=env) as running:
        yield running
    assert "Traceback" not in running.log_text(), running.log_text()


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


def _run(tool: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(_tool(tool)), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=600, env=env)


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


def _aws_env(seaweedfs: SeaweedFS) -> dict[str, str]:
    """What a submitter sets so that Submit4DN's `aws s3 cp` reaches this portal's S3 server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = f"{clients_venv() / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["AWS_ENDPOINT_URL"] = seaweedfs.endpoint_url
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def _get(server: RunningServer, path: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}{path}", params={"frame": "object"}, auth=server.auth, timeout=30)
    assert response.status_code == 200, (path, response.text)
    body: dict[str, Any] = response.json()
    return body


def _wait_for_status(server: RunningServer, path: str, wanted: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    item = _get(server, path)
    while item["status"] != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
        item = _get(server, path)
    return item


def test_import_update_uploads_files_then_patchall_deletes(
    server: RunningServer, keyfile: Path, seaweedfs: SeaweedFS, tmp_path: Path
) -> None:
    fastqs = _fastqs(tmp_path)
    book = replicate_workbook(tmp_path / "submit.xlsx", "demo-lab", fastqs)
    created = _run(
        "import_data",
        "--keyfile",
        str(keyfile),
        "--update",
        "--remote",
        str(book),
        cwd=tmp_path,
        env=_aws_env(seaweedfs),
    )
    output = created.stdout + created.stderr
    assert created.returncode == 0, output
    assert "Traceback" not in output and "ERROR" not in output, output

    source = _get(server, "/demo-lab:s4-src")
    samples = [_get(server, f"/demo-lab:s4-bs{n}") for n in (1, 2)]
    assert all(s["biosource"] == [source["@id"]] for s in samples)
    experiments = [_get(server, f"/demo-lab:s4-hic{n}") for n in (1, 2)]
    replicate_set = _get(server, "/demo-lab:s4-set")
    assert [(r["replicate_exp"], r["bio_rep_no"], r["tec_rep_no"]) for r in replicate_set["replicate_exps"]] == [
        (experiments[0]["@id"], 1, 1),
        (experiments[1]["@id"], 2, 1),
    ]
    assert sorted(replicate_set["experiments_in_set"]) == sorted(e["@id"] for e in experiments)
    for n, path in enumerate(fastqs, start=1):
        item = _wait_for_status(server, f"/demo-lab:s4-fastq{n}", "uploaded")
        assert item["status"] == "uploaded", item
        assert item["md5sum"] == item["content_md5sum"] == hashlib.md5(path.read_bytes()).hexdigest()
        assert item["file_size"] == path.stat().st_size
        assert experiments[n - 1]["files"] == [item["@id"]]

    patch = write_workbook(
        tmp_path / "patch.xlsx",
        {
            "Biosample": (
                [("aliases", "array of string"), ("*biosource", "array of Item:Biosource"), ("description", "string")],
                [
                    ["demo-lab:s4-bs1", "demo-lab:s4-src", "first replicate, recounted"],
                    ["demo-lab:s4-bs2", "demo-lab:s4-src", "*delete*"],
                ],
            )
        },
    )
    patched = _run("import_data", "--keyfile", str(keyfile), "--patchall", "--remote", str(patch), cwd=tmp_path)
    assert patched.returncode == 0 and "ERROR" not in patched.stdout, patched.stdout + patched.stderr
    first, second = (_get(server, f"/demo-lab:s4-bs{n}") for n in (1, 2))
    assert first["description"] == "first replicate, recounted"
    assert "description" not in second
    assert first["biosource"] == second["biosource"] == [source["@id"]]
    assert first["aliases"] == ["demo-lab:s4-bs1"]
