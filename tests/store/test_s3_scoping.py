"""Upload credentials scoped to one key, proven against a real SeaweedFS with boto3 and `aws s3 cp`."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import boto3
import httpx
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from docket.store.blobs import (
    ExpectedBlob,
    ScopedUploads,
    ScopingUnavailable,
    UploadCredentials,
    check_uploads,
)
from docket.store.blobs.s3 import S3BlobStore
from tests.store.blob_data import Generated, MiB, clean_aws_env, md5_of
from tests.store.conftest import SeaweedFS

KEY_A = "a1b2/4DNFIAAAAAA1.fastq.gz"
KEY_B = "b2c3/4DNFIBBBBBB2.fastq.gz"


def client_for(seaweedfs: SeaweedFS, creds: UploadCredentials) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=seaweedfs.endpoint_url,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.session_token or None,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


def put_eventually(client: Any, bucket: str, key: str, body: bytes) -> None:
    """IAM changes reach the S3 gateway through the filer's metadata stream: allow a moment."""
    deadline = time.monotonic() + 10
    while True:
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body)
            return
        except ClientError as exc:
            if time.monotonic() > deadline or error_code(exc) not in {"InvalidAccessKeyId", "AccessDenied"}:
                raise
            time.sleep(0.2)


def aws_cp(aws_cli: str, seaweedfs: SeaweedFS, creds: UploadCredentials, path: Path, url: str) -> Any:
    """What Submit4DN runs, with the environment it builds (AWS_SECURITY_TOKEN, maybe empty)."""
    env = clean_aws_env(
        AWS_ACCESS_KEY_ID=creds.access_key,
        AWS_SECRET_ACCESS_KEY=creds.secret_key,
        AWS_SECURITY_TOKEN=creds.session_token,
        AWS_ENDPOINT_URL=seaweedfs.endpoint_url,
    )
    command = [aws_cli, "s3", "cp", "--only-show-errors", str(path), url]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_s3_store_offers_scoped_uploads(s3_store: S3BlobStore) -> None:
    assert isinstance(s3_store, ScopedUploads)


def test_iam_user_credentials_write_one_key_only(seaweedfs: SeaweedFS, s3_store: S3BlobStore) -> None:
    creds = s3_store.mint_upload_credentials(KEY_A, ttl=timedelta(hours=1))
    assert creds.strategy == "iam-user"
    assert creds.upload_url == f"s3://{seaweedfs.bucket}/{s3_store.incoming_key(KEY_A)}"
    assert creds.expiration > datetime.now(UTC) + timedelta(minutes=59)
    client = client_for(seaweedfs, creds)
    put_eventually(client, seaweedfs.bucket, creds.key, b"first try")

    # Multipart through boto3's transfer manager (12 MB, 5 MB parts).
    data = Generated(12 * MiB, seed=21)
    client.upload_fileobj(
        _Stream(data),
        seaweedfs.bucket,
        creds.key,
        Config=TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB),
    )
    forbidden = [
        s3_store.incoming_key(KEY_B),  # another file's upload
        s3_store.object_key(KEY_A),  # the served object of the same file
        creds.key + ".extra",
    ]
    for other in forbidden:
        with pytest.raises(ClientError) as caught:
            client.put_object(Bucket=seaweedfs.bucket, Key=other, Body=b"x")
        assert error_code(caught.value) == "AccessDenied", other
    with pytest.raises(ClientError) as caught:
        client.get_object(Bucket=seaweedfs.bucket, Key=creds.key)
    assert error_code(caught.value) == "AccessDenied"

    assert s3_store.landed(KEY_A) == data.size
    info = s3_store.complete(KEY_A, data.md5, data.size)  # ETag is multipart: md5 streamed
    assert info.md5 == data.md5
    assert md5_of(s3_store.open_read(KEY_A)) == (data.md5, data.size)


def test_revoked_credentials_fail_at_once(seaweedfs: SeaweedFS, s3_store: S3BlobStore) -> None:
    first = s3_store.mint_upload_credentials(KEY_A)
    second = s3_store.mint_upload_credentials(KEY_A)  # re-issued, as POST /<file>/upload/ does
    other = s3_store.mint_upload_credentials(KEY_B)
    for creds in (first, second, other):
        put_eventually(client_for(seaweedfs, creds), seaweedfs.bucket, creds.key, b"x")
    assert s3_store.revoke_upload_credentials(KEY_A) == 2
    for creds in (first, second):
        with pytest.raises(ClientError) as caught:
            client_for(seaweedfs, creds).put_object(Bucket=seaweedfs.bucket, Key=creds.key, Body=b"y")
        assert error_code(caught.value) in {"InvalidAccessKeyId", "AccessDenied"}
    client_for(seaweedfs, other).put_object(Bucket=seaweedfs.bucket, Key=other.key, Body=b"y")
    assert s3_store.revoke_upload_credentials(KEY_B) == 1


def test_expired_credentials_are_swept(seaweedfs: SeaweedFS, s3_store: S3BlobStore) -> None:
    short = s3_store.mint_upload_credentials(KEY_A, ttl=timedelta(minutes=5))
    long = s3_store.mint_upload_credentials(KEY_B, ttl=timedelta(hours=5))
    put_eventually(client_for(seaweedfs, short), seaweedfs.bucket, short.key, b"x")
    assert s3_store.sweep_expired_credentials(datetime.now(UTC) + timedelta(minutes=10)) >= 1
    with pytest.raises(ClientError):
        client_for(seaweedfs, short).put_object(Bucket=seaweedfs.bucket, Key=short.key, Body=b"y")
    put_eventually(client_for(seaweedfs, long), seaweedfs.bucket, long.key, b"x")
    s3_store.revoke_upload_credentials(KEY_B)


def test_aws_cli_uploads_with_scoped_credentials(
    seaweedfs: SeaweedFS, s3_store: S3BlobStore, aws_cli: str, tmp_path: Path
) -> None:
    """`aws s3 cp` of a 20 MB file (multipart above 8 MB) lands; the periodic check verifies it."""
    data = Generated(20 * MiB + 3, seed=22)
    path = data.write_to(tmp_path / "reads.fastq.gz")
    creds = s3_store.mint_upload_credentials(KEY_A)  # used at once, as Submit4DN does

    refused = aws_cp(aws_cli, seaweedfs, creds, path, f"s3://{seaweedfs.bucket}/{s3_store.incoming_key(KEY_B)}")
    assert refused.returncode != 0
    assert "AccessDenied" in refused.stderr

    expected = [ExpectedBlob(KEY_A, data.md5), ExpectedBlob(KEY_B, data.md5)]
    done = aws_cp(aws_cli, seaweedfs, creds, path, creds.upload_url)
    assert done.returncode == 0, done.stderr
    outcomes = {o.key: o for o in check_uploads(s3_store, expected)}
    assert outcomes[KEY_A].state == "verified"
    assert outcomes[KEY_A].info is not None and outcomes[KEY_A].info.size == data.size
    assert outcomes[KEY_B].state == "waiting"
    assert s3_store.revoke_upload_credentials(KEY_A) == 1
    after = aws_cp(aws_cli, seaweedfs, creds, path, creds.upload_url)
    assert after.returncode != 0
    assert md5_of(s3_store.open_read(KEY_A)) == (data.md5, data.size)


def test_periodic_check_fails_a_corrupted_landing(seaweedfs: SeaweedFS, s3_store: S3BlobStore) -> None:
    declared, sent = Generated(3000, seed=23), Generated(3000, seed=24)
    creds = s3_store.mint_upload_credentials(KEY_A)
    put_eventually(client_for(seaweedfs, creds), seaweedfs.bucket, creds.key, sent.read())
    [outcome] = check_uploads(s3_store, [ExpectedBlob(KEY_A, declared.md5, declared.size)])
    assert outcome.state == "failed"
    assert declared.md5 in outcome.reason
    assert s3_store.stat(KEY_A) is None
    assert s3_store.landed(KEY_A) is None  # discarded; the client may upload again
    s3_store.revoke_upload_credentials(KEY_A)


def test_snovault_spellings(s3_store: S3BlobStore) -> None:
    creds = s3_store.mint_upload_credentials(KEY_A)
    body = creds.as_snovault()
    assert body["AccessKeyId"] == body["access_key"] == creds.access_key
    assert body["SecretAccessKey"] == body["secret_key"]
    assert body["SessionToken"] == body["session_token"] == ""
    assert body["upload_url"] == f"s3://{s3_store.bucket}/{body['key']}"
    assert " " in body["Expiration"] and "T" in body["expiration"]
    s3_store.revoke_upload_credentials(KEY_A)


def test_presigned_put_and_multipart(seaweedfs: SeaweedFS) -> None:
    store = S3BlobStore(seaweedfs.bucket, f"t-{uuid.uuid4().hex[:12]}", seaweedfs.options(scoping="presigned"))
    creds = store.mint_upload_credentials(KEY_A)
    assert creds.access_key == "" and creds.put_url
    small = Generated(1000, seed=25)
    assert httpx.put(creds.put_url, content=small.read()).status_code == 200
    assert httpx.put(creds.put_url.replace("4DNFIAAAAAA1", "4DNFIAAAAAA9"), content=b"x").status_code == 403
    assert store.complete(KEY_A, small.md5, small.size).size == small.size

    data = Generated(7 * MiB, seed=26)
    plan = store.presign_multipart(KEY_B, part_count=2)
    etags = []
    for number, (start, end) in enumerate([(0, 5 * MiB), (5 * MiB, data.size)], start=1):
        response = httpx.put(plan.part_urls[number - 1], content=data.read(start, end))
        assert response.status_code == 200, response.text
        etags.append(response.headers["ETag"])
    parts = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(e)}</ETag></Part>" for n, e in enumerate(etags, 1)
    )
    done = httpx.post(plan.complete_url, content=f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>")
    assert done.status_code == 200, done.text
    assert store.landed(KEY_B) == data.size
    assert store.complete(KEY_B, data.md5, data.size).md5 == data.md5


def test_sts_is_reported_unavailable_on_seaweedfs(seaweedfs: SeaweedFS) -> None:
    """SeaweedFS has no STS; the error must say so rather than hand out unscoped keys."""
    store = S3BlobStore(seaweedfs.bucket, "sts", seaweedfs.options(scoping="sts"))
    with pytest.raises(ScopingUnavailable) as caught:
        store.mint_upload_credentials(KEY_A)
    assert caught.value.strategy == "sts"


class _Stream:
    """A file-like view of generated data (read only), for boto3's upload_fileobj."""

    def __init__(self, data: Generated) -> None:
        self._chunks = data.chunks()
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out
