"""``docket upload`` against a real ``docket serve``: one file, manifests, a killed upload that resumes,
and (with DOCKET_RUN_SLOW=1) 1 GB through every path into both stores, downloaded byte-identical:
Docket's chunked upload on the local store and on S3 (SeaweedFS), and ``aws s3 cp`` with the scoped
credentials, completed by the server's periodic check.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients import RunningServer, docket_server
from tests.conftest import _drop_postgres, _fresh_postgres
from tests.seaweed import SeaweedFS
from tests.store.blob_data import clean_aws_env

MiB = 1 << 20
GiB = 1 << 30
LAB, AWARD = "demo-lab", "DEMO-0001"
slow = pytest.mark.skipif(not os.environ.get("DOCKET_RUN_SLOW"), reason="set DOCKET_RUN_SLOW=1 for 1 GB tests")


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Makes a fresh database per server: SQLite, or PostgreSQL on that lane."""
    made: list[tuple[str, str]] = []
    server = os.environ.get("DOCKET_TEST_DATABASE_URL")

    def fresh() -> str:
        if not server:
            return f"sqlite:///{tmp_path_factory.mktemp('cli-db') / 'docket.db'}"
        url, name = _fresh_postgres(server)
        made.append((server, name))
        return url

    yield fresh
    for url, name in made:
        _drop_postgres(url, name)


@pytest.fixture(scope="module")
def server(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("upload-server")
    try:
        with docket_server(databases(), workdir) as running:
            yield running
        assert "Traceback" not in running.log_text(), running.log_text()
    finally:
        shutil.rmtree(workdir / "files", ignore_errors=True)


@pytest.fixture(scope="module")
def s3_server(
    databases: Any, tmp_path_factory: pytest.TempPathFactory, seaweedfs: SeaweedFS
) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("upload-server-s3")
    prefix = f"cli-{uuid.uuid4().hex[:12]}"
    args = ["--files", f"s3://{seaweedfs.bucket}/{prefix}", "--s3-endpoint-url", seaweedfs.endpoint_url]
    args += ["--upload-scoping", "iam-user", "--upload-check-interval", "1"]
    env = {"DOCKET_S3_ACCESS_KEY_ID": seaweedfs.access_key, "DOCKET_S3_SECRET_ACCESS_KEY": seaweedfs.secret_key}
    try:
        with docket_server(databases(), workdir, args=args, env=env) as running:
            yield running
        assert "Traceback" not in running.log_text(), running.log_text()
    finally:
        s3 = seaweedfs.admin_client()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=seaweedfs.bucket, Prefix=prefix):  # type: ignore[attr-defined]
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=seaweedfs.bucket, Key=obj["Key"])  # type: ignore[attr-defined]


def keyfile(server: RunningServer, folder: Path) -> Path:
    path = folder / "keypairs.json"
    path.write_text(json.dumps({"default": server.key}))
    return path


def make_file(path: Path, size: int, seed: int = 1) -> str:
    """Write ``size`` pseudo-random bytes and return their md5, without holding them in memory."""
    hasher, block = hashlib.md5(usedforsecurity=False), hashlib.sha256(str(seed).encode()).digest() * (MiB // 32)
    with open(path, "wb") as f:
        written, counter = 0, 0
        while written < size:
            piece = (counter.to_bytes(8, "big") + block)[: min(MiB, size - written)]
            f.write(piece)
            hasher.update(piece)
            written += len(piece)
            counter += 1
    return hasher.hexdigest()


def create_item(server: RunningServer, md5: str | None, size: int | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"lab": LAB, "award": AWARD, "file_format": "fastq", **extra}
    body["aliases"] = [f"{LAB}:cli-{uuid.uuid4().hex[:12]}"]
    if md5:
        body["md5sum"] = md5
    if size is not None:
        body["file_size"] = size
    response = httpx.post(f"{server.url}/FileFastq", json=body, auth=server.auth, timeout=60)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()["@graph"][0]
    return item


def upload_command(server: RunningServer, folder: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "docket.cli", "upload", *args, "--keyfile", str(keyfile(server, folder))]


def run_upload(server: RunningServer, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(upload_command(server, folder, *args), capture_output=True, text=True, timeout=1800)


def item_of(server: RunningServer, at_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}{at_id}", params={"frame": "object"}, auth=server.auth, timeout=60)
    result: dict[str, Any] = response.json()
    return result


def downloaded_md5(server: RunningServer, item: dict[str, Any]) -> tuple[str, int]:
    hasher, size = hashlib.md5(usedforsecurity=False), 0
    with httpx.Client(auth=server.auth, timeout=300, follow_redirects=False) as http:
        url = f"{server.url}{item['href']}"
        first = http.get(url)
        if first.status_code == 307:
            url = first.headers["location"]
        else:
            assert first.status_code == 200, first.text[:500]
        with httpx.stream("GET", url, timeout=300) if first.status_code == 307 else http.stream("GET", url) as r:
            assert r.status_code == 200
            for data in r.iter_bytes(MiB):
                hasher.update(data)
                size += len(data)
    return hasher.hexdigest(), size


# -- everyday runs ---------------------------------------------------------------------------------------


def test_upload_one_file_then_skip_it(server: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "reads.fastq.gz"
    md5 = make_file(path, 3 * MiB + 5)
    item = create_item(server, md5)
    done = run_upload(server, tmp_path, str(path), "--item", item["accession"], "--chunk-size", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("uploaded\t")
    after = item_of(server, item["@id"])
    assert (after["status"], after["content_md5sum"], after["file_size"]) == ("uploaded", md5, 3 * MiB + 5)
    assert downloaded_md5(server, after) == (md5, 3 * MiB + 5)

    again = run_upload(server, tmp_path, str(path), "--item", item["uuid"], "-q")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("skipped\t")


def test_manifest_creates_items_uploads_in_parallel_and_reports_failures(server: RunningServer, tmp_path: Path) -> None:
    first, second, third = (tmp_path / f"r{i}.fastq.gz" for i in (1, 2, 3))
    md5s = [make_file(p, (i + 1) * MiB + i, seed=10 + i) for i, p in enumerate((first, second, third))]
    existing = create_item(server, md5s[2])
    manifest = tmp_path / "files.tsv"
    rows = [
        ["path", "item", "type", "lab", "award", "file_format", "paired_end", "read_length"],
        [first.name, "", "FileFastq", LAB, AWARD, "fastq", "1", "100"],
        [str(second), "", "FileFastq", LAB, AWARD, "fastq", "2", "100"],
        [third.name, existing["accession"], "", "", "", "", "", ""],
        ["missing.fastq.gz", existing["uuid"], "", "", "", "", "", ""],
    ]
    manifest.write_text("\n".join("\t".join(r) for r in rows) + "\n")
    done = run_upload(server, tmp_path, "--manifest", str(manifest), "--jobs", "3")
    assert done.returncode == 1
    states = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert states == ["uploaded", "uploaded", "uploaded", "failed"]
    assert "missing.fastq.gz" in done.stderr and "Failures:" in done.stderr

    found = httpx.get(f"{server.url}/search/", params={"type": "FileFastq", "md5sum": md5s[0]}, auth=server.auth)
    [created] = found.json()["@graph"]
    assert (created["status"], created["read_length"], created["filename"]) == ("uploaded", 100, first.name)

    csv_manifest = tmp_path / "files.csv"
    csv_manifest.write_text("\n".join(",".join(r) for r in rows[:4]) + "\n")
    again = run_upload(server, tmp_path, "--manifest", str(csv_manifest), "-q")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [line.split("\t")[0] for line in again.stdout.splitlines()] == ["skipped"] * 3


def test_corrupted_upload_fails_with_a_summary(server: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "bad.fastq.gz"
    make_file(path, MiB)
    item = create_item(server, hashlib.md5(b"something else", usedforsecurity=False).hexdigest())
    done = run_upload(server, tmp_path, str(path), "--item", item["@id"], "-q")
    assert done.returncode == 1
    assert "upload failed" in done.stdout
    after = item_of(server, item["@id"])
    assert after["status"] == "upload failed"
    assert httpx.get(f"{server.url}{after['href']}", auth=server.auth).status_code == 409


def test_killed_upload_resumes_and_completes(server: RunningServer, tmp_path: Path) -> None:
    size = 48 * MiB
    path = tmp_path / "big.fastq.gz"
    md5 = make_file(path, size, seed=5)
    item = create_item(server, md5, size)
    url = f"{server.url}{item['@id']}@@upload/content"
    command = upload_command(server, tmp_path, str(path), "--item", item["accession"], "-q")
    process = subprocess.Popen([*command, "--chunk-size", "4", "--limit-rate", "8"], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        offset = 0
        while offset < size // 3 and time.monotonic() < deadline:
            time.sleep(0.1)
            offset = int(httpx.head(url, auth=server.auth).headers["Upload-Offset"])
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    stopped_at = int(httpx.head(url, auth=server.auth).headers["Upload-Offset"])
    assert size // 3 <= stopped_at < size
    assert item_of(server, item["@id"])["status"] == "uploading"

    resumed = run_upload(server, tmp_path, str(path), "--item", item["accession"], "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed at byte {stopped_at}" in resumed.stdout
    after = item_of(server, item["@id"])
    assert (after["status"], after["content_md5sum"]) == ("uploaded", md5)
    assert downloaded_md5(server, after) == (md5, size)


# -- 1 GB through every path -------------------------------------------------------------------------------


@pytest.fixture
def gigabyte(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, str]]:
    """1 GiB of content unique to the test (md5sum is a unique key across a server's files)."""
    path = tmp_path / "gigabyte.fastq.gz"
    md5 = make_file(path, GiB, seed=zlib.crc32(request.node.name.encode()))
    yield path, md5
    path.unlink()


@slow
def test_1gb_chunked_upload_to_the_local_store(server: RunningServer, tmp_path: Path, gigabyte: Any) -> None:
    path, md5 = gigabyte
    item = create_item(server, md5, GiB)
    done = run_upload(server, tmp_path, str(path), "--item", item["accession"], "-q")
    assert done.returncode == 0, done.stderr
    assert downloaded_md5(server, item_of(server, item["@id"])) == (md5, GiB)


@slow
def test_1gb_chunked_upload_to_s3(s3_server: RunningServer, tmp_path: Path, gigabyte: Any) -> None:
    path, md5 = gigabyte
    item = create_item(s3_server, md5, GiB)
    done = run_upload(s3_server, tmp_path, str(path), "--item", item["accession"], "-q")
    assert done.returncode == 0, done.stderr
    assert downloaded_md5(s3_server, item_of(s3_server, item["@id"])) == (md5, GiB)


@slow
def test_1gb_aws_s3_cp_with_scoped_credentials_completed_by_the_periodic_check(
    s3_server: RunningServer, seaweedfs: SeaweedFS, aws_cli: str, tmp_path: Path, gigabyte: Any
) -> None:
    path, md5 = gigabyte
    item = create_item(s3_server, md5)  # Submit4DN declares no file_size
    creds = item["upload_credentials"]
    env = clean_aws_env(
        AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
        AWS_SECURITY_TOKEN=creds["SessionToken"],
        AWS_ENDPOINT_URL=seaweedfs.endpoint_url,
    )
    copied = subprocess.run(
        [aws_cli, "s3", "cp", "--only-show-errors", str(path), creds["upload_url"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert copied.returncode == 0, copied.stderr
    deadline = time.monotonic() + 600
    while item_of(s3_server, item["@id"])["status"] == "uploading" and time.monotonic() < deadline:
        time.sleep(1)
    after = item_of(s3_server, item["@id"])
    assert (after["status"], after["content_md5sum"], after["file_size"]) == ("uploaded", md5, GiB)
    assert downloaded_md5(s3_server, after) == (md5, GiB)
