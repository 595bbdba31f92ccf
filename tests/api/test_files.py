"""File content through the API, in process: credentials, Docket's resumable upload, verification, downloads.

The same flows on S3 (SeaweedFS) are at the end; the 1 GB runs and the CLI are in tests/test_upload_cli.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from docket.services.portal import Portal
from docket.store.blobs.s3 import S3BlobStore
from tests.factories import Factory, User, fastq
from tests.seaweed import SeaweedFS

KiB = 1 << 10


def content(size: int, seed: int = 1) -> bytes:
    return (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def new_file(client: TestClient, user: User, data: bytes | None = None, **extra: Any) -> dict[str, Any]:
    body = fastq(**extra)
    if data is not None:
        body.update(md5sum=md5(data), file_size=len(data))
    response = client.post("/FileFastq", json=body, auth=user.auth)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()["@graph"][0]
    return item


def put_chunks(client: TestClient, user: User, item: dict[str, Any], data: bytes, chunk: int) -> httpx.Response:
    url = item["@id"] + "@@upload/content"
    response = None
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        headers = {"Content-Range": f"bytes {start}-{start + len(piece) - 1}/{len(data)}"}
        response = client.put(url, content=piece, headers=headers, auth=user.auth)
        assert response.status_code in (200, 422), response.text
    assert response is not None
    return response


@pytest.fixture
def submitter(factory: Factory) -> User:
    return factory.submitter()


# -- credentials ---------------------------------------------------------------------------------------


def test_post_file_returns_docket_upload_url_on_the_local_store(client: TestClient, submitter: User) -> None:
    item = new_file(client, submitter)
    creds = item["upload_credentials"]
    assert creds["upload_url"] == item["@id"] + "@@upload/content"
    assert creds["key"] == f"{item['uuid']}/{item['accession']}.fastq.gz"
    assert creds["upload_protocol"] == "docket-content-range/1"
    assert item["upload_key"] == creds["key"]
    assert item["href"] == f"{item['@id']}@@download/{item['accession']}.fastq.gz"
    assert "extra_file_creds" not in item
    assert "external" not in item

    for path in (item["@id"] + "upload/", item["@id"] + "@@upload"):
        got = client.get(path, auth=submitter.auth).json()
        [entry] = got["@graph"]
        assert entry["upload_credentials"] == creds
        assert entry["extra_files_creds"] == []
        assert "extra_file_creds" not in entry


def test_only_editors_see_upload_credentials(client: TestClient, factory: Factory, submitter: User) -> None:
    item = new_file(client, submitter)
    admin = factory.admin()
    assert "upload_credentials" in client.get(item["@id"], auth=admin.auth).json()
    other = factory.submitter("other-lab")
    assert client.get(item["@id"] + "upload/", auth=other.auth).status_code == 404
    assert client.get(item["@id"], params={"frame": "raw"}, auth=admin.auth).json().get("external") is None


def test_reissue_refused_unless_uploading(client: TestClient, submitter: User) -> None:
    data = content(10 * KiB)
    item = new_file(client, submitter, data)
    reissued = client.post(item["@id"] + "upload/", json={}, auth=submitter.auth)
    assert reissued.status_code == 200
    assert reissued.json()["@graph"][0]["upload_credentials"]["key"] == item["upload_key"]
    put_chunks(client, submitter, item, data, 4 * KiB)
    refused = client.post(item["@id"] + "@@upload", json={}, auth=submitter.auth)
    assert refused.status_code == 403
    assert refused.json()["detail"] == 'status must be "uploading" to issue new credentials'


# -- Docket's resumable upload -------------------------------------------------------------------------


def test_chunked_upload_verifies_and_downloads_byte_identical(
    client: TestClient, submitter: User, portal: Portal
) -> None:
    data = content(300 * KiB + 7)
    item = new_file(client, submitter, data)
    url = item["@id"] + "@@upload/content"
    assert client.head(url, auth=submitter.auth).headers["Upload-Offset"] == "0"

    first = client.put(
        url, content=data[:100_000], headers={"Content-Range": f"bytes 0-99999/{len(data)}"}, auth=submitter.auth
    )
    assert (first.status_code, first.json()["offset"], first.json()["complete"]) == (200, 100_000, False)
    got = client.get(url, auth=submitter.auth)
    assert (got.headers["Upload-Offset"], got.json()["file_status"]) == ("100000", "uploading")

    wrong = client.put(url, content=data[:10], headers={"Content-Range": f"bytes 0-9/{len(data)}"}, auth=submitter.auth)
    assert (wrong.status_code, wrong.headers["Upload-Offset"], wrong.json()["offset"]) == (409, "100000", 100_000)

    last = client.put(
        url,
        content=data[100_000:],
        headers={"Content-Range": f"bytes 100000-{len(data) - 1}/{len(data)}"},
        auth=submitter.auth,
    )
    assert last.status_code == 200, last.text
    assert last.json()["complete"] is True
    done = last.json()["@graph"][0]
    assert (done["status"], done["content_md5sum"], done["file_size"]) == ("uploaded", md5(data), len(data))
    assert "upload_credentials" not in done

    download = client.get(item["href"], auth=submitter.auth)
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["etag"] == f'"{md5(data)}"'
    part = client.get(item["href"], headers={"Range": "bytes=10-19"}, auth=submitter.auth)
    assert (part.status_code, part.content, part.headers["content-range"]) == (
        206,
        data[10:20],
        f"bytes 10-19/{len(data)}",
    )
    tail = client.get(item["href"], headers={"Range": "bytes=-5"}, auth=submitter.auth)
    assert (tail.status_code, tail.content) == (206, data[-5:])
    outside = client.get(item["href"], headers={"Range": f"bytes={len(data)}-"}, auth=submitter.auth)
    assert outside.status_code == 416

    history = client.get(item["@id"] + "@@history", auth=submitter.auth).json()["revisions"]
    assert history[-1]["user_title"] == "system"
    assert history[-1]["properties"]["status"] == "uploaded"
    assert client.head(url, auth=submitter.auth).headers["Upload-Offset"] == str(len(data))


def test_corrupted_upload_ends_upload_failed_and_is_never_served(client: TestClient, submitter: User) -> None:
    data = content(64 * KiB)
    item = new_file(client, submitter, data)
    corrupted = data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:]
    last = put_chunks(client, submitter, item, corrupted, 16 * KiB)
    assert last.status_code == 422
    assert "md5" in last.json()["detail"]
    failed = client.get(item["@id"], params={"frame": "object"}, auth=submitter.auth).json()
    assert failed["status"] == "upload failed"
    assert "does not match" in failed["status_reason"]

    refused = client.get(item["href"], auth=submitter.auth)
    assert refused.status_code == 409
    assert "failed verification" in refused.json()["detail"]

    # Retry: credentials again, status back to uploading, the right bytes this time.
    again = client.post(item["@id"] + "upload/", json={}, auth=submitter.auth).json()["@graph"][0]
    assert again["status"] == "uploading"
    assert "status_reason" not in again
    assert put_chunks(client, submitter, item, data, 16 * KiB).json()["complete"] is True
    assert client.get(item["href"], auth=submitter.auth).content == data


def test_declared_size_mismatch_is_refused_before_any_byte(client: TestClient, submitter: User) -> None:
    data = content(1000)
    item = new_file(client, submitter, data)
    response = client.put(
        item["@id"] + "@@upload/content",
        content=data + b"x",
        headers={"Content-Range": "bytes 0-1000/1001"},
        auth=submitter.auth,
    )
    assert response.status_code == 400
    assert "file_size 1000" in response.json()["detail"]


def test_chunk_over_the_limit_is_413(
    client: TestClient, submitter: User, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal, "settings", dataclasses.replace(portal.settings, max_chunk_bytes=1000))
    data = content(2000)
    item = new_file(client, submitter, data)
    response = client.put(
        item["@id"] + "@@upload/content",
        content=data,
        headers={"Content-Range": "bytes 0-1999/2000"},
        auth=submitter.auth,
    )
    assert response.status_code == 413


def test_only_editors_may_send_content(client: TestClient, factory: Factory, submitter: User) -> None:
    data = content(100)
    item = new_file(client, submitter, data)
    url = item["@id"] + "@@upload/content"
    headers = {"Content-Range": "bytes 0-99/100"}
    assert client.put(url, content=data, headers=headers).status_code == 404
    member = factory.user("member@test-lab.example.org")
    member_key = member.auth
    assert client.put(url, content=data, headers=headers, auth=member_key).status_code in (403, 404)


def test_upload_without_declared_md5_records_the_content_md5(client: TestClient, submitter: User) -> None:
    data = content(5000, seed=7)
    body = fastq()
    body.pop("md5sum")
    item = client.post("/FileFastq", json=body, auth=submitter.auth).json()["@graph"][0]
    done = put_chunks(client, submitter, item, data, 2048).json()["@graph"][0]
    assert (done["status"], done["md5sum"], done["content_md5sum"]) == ("uploaded", md5(data), md5(data))


def test_periodic_check_completes_an_upload_whose_completion_was_lost(
    client: TestClient, submitter: User, portal: Portal
) -> None:
    data = content(50 * KiB)
    item = new_file(client, submitter, data)
    url = item["@id"] + "@@upload/content"
    # A total of "*" never completes by itself: as if the last answer had been lost.
    response = client.put(
        url, content=data, headers={"Content-Range": f"bytes 0-{len(data) - 1}/*"}, auth=submitter.auth
    )
    assert response.json() == {"offset": len(data), "complete": False}
    results = portal.files.check_uploads()
    assert [(r.uuid, r.state) for r in results if r.uuid == item["uuid"]] == [(item["uuid"], "uploaded")]
    assert client.get(item["@id"], auth=submitter.auth).json()["status"] == "uploaded"


def test_abort_discards_the_upload_in_progress(client: TestClient, submitter: User) -> None:
    data = content(4000)
    item = new_file(client, submitter, data)
    url = item["@id"] + "@@upload/content"
    client.put(url, content=data[:1000], headers={"Content-Range": "bytes 0-999/4000"}, auth=submitter.auth)
    assert client.delete(url, auth=submitter.auth).headers["Upload-Offset"] == "0"
    assert client.head(url, auth=submitter.auth).headers["Upload-Offset"] == "0"


# -- downloads and permissions ---------------------------------------------------------------------------


def test_anonymous_cannot_download_unreleased_files(client: TestClient, factory: Factory, submitter: User) -> None:
    data = content(3000)
    item = new_file(client, submitter, data)
    put_chunks(client, submitter, item, data, 1000)
    anonymous = client.get(item["href"])
    assert anonymous.status_code == 404
    assert data not in anonymous.content
    other = factory.submitter("other-lab")
    assert client.get(item["href"], auth=other.auth).status_code == 404

    admin = factory.admin()
    assert client.patch(item["@id"], json={"status": "released"}, auth=admin.auth).status_code == 200
    assert client.get(item["href"]).content == data

    client.patch(item["@id"], json={"restricted": True}, auth=admin.auth)
    assert client.get(item["href"]).status_code == 403
    assert client.get(item["href"], auth=submitter.auth).content == data


def test_download_before_upload_is_404(client: TestClient, submitter: User) -> None:
    item = new_file(client, submitter, content(10))
    response = client.get(item["href"], auth=submitter.auth)
    assert response.status_code == 404
    assert "no verified content" in response.json()["detail"]


# -- S3 (SeaweedFS) ---------------------------------------------------------------------------------------


@pytest.fixture
def s3_portal(portal: Portal, seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3BlobStore]:
    store = S3BlobStore(seaweedfs.bucket, f"api-{uuid.uuid4().hex[:12]}", seaweedfs.options())
    monkeypatch.setattr(portal, "blobs", store)
    monkeypatch.setattr(portal.files, "blobs", store)
    yield store


def s3_client_with(creds: dict[str, str], seaweedfs: SeaweedFS) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=seaweedfs.endpoint_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"] or None,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def test_s3_credentials_write_their_own_key_only(
    client: TestClient, submitter: User, seaweedfs: SeaweedFS, s3_portal: S3BlobStore, portal: Portal
) -> None:
    data_a, data_b = content(20 * KiB, 1), content(20 * KiB, 2)
    a, b = new_file(client, submitter, data_a), new_file(client, submitter, data_b)
    creds = a["upload_credentials"]
    for spelling in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "upload_url", "key"):
        assert spelling in creds
    assert (creds["access_key"], creds["secret_key"]) == (creds["AccessKeyId"], creds["SecretAccessKey"])
    assert creds["upload_url"] == f"s3://{s3_portal.bucket}/{s3_portal.incoming_key(a['upload_key'])}"
    assert creds["docket_upload_url"] == a["@id"] + "@@upload/content"

    s3 = s3_client_with(creds, seaweedfs)
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=s3_portal.bucket, Key=s3_portal.incoming_key(b["upload_key"]), Body=data_a)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError):
        s3.put_object(Bucket=s3_portal.bucket, Key=s3_portal.object_key(a["upload_key"]), Body=data_a)
    s3.put_object(Bucket=s3_portal.bucket, Key=s3_portal.incoming_key(a["upload_key"]), Body=data_a)

    # Submit4DN never reports completion: the periodic check finds the object and verifies it.
    outcomes = {r.uuid: r.state for r in portal.files.check_uploads()}
    assert outcomes[a["uuid"]] == "uploaded"
    assert outcomes[b["uuid"]] == "waiting"
    done = client.get(a["@id"], params={"frame": "object"}, auth=submitter.auth).json()
    assert (done["status"], done["content_md5sum"]) == ("uploaded", md5(data_a))
    with pytest.raises(ClientError):  # revoked once the upload was verified
        s3.put_object(Bucket=s3_portal.bucket, Key=s3_portal.incoming_key(a["upload_key"]), Body=b"late")

    redirect = client.get(a["href"], auth=submitter.auth, follow_redirects=False)
    assert redirect.status_code == 307
    assert httpx.get(redirect.headers["location"]).content == data_a
    soft = client.get(a["href"], params={"soft": "true"}, auth=submitter.auth).json()
    assert soft["@type"] == ["SoftRedirect"]


def test_s3_chunked_upload_and_corruption(
    client: TestClient, submitter: User, s3_portal: S3BlobStore, seaweedfs: SeaweedFS
) -> None:
    data = content(3 * (1 << 20) + 11)
    item = new_file(client, submitter, data)
    assert put_chunks(client, submitter, item, data, 1 << 20).json()["complete"] is True
    redirect = client.get(item["href"], auth=submitter.auth, follow_redirects=False)
    assert httpx.get(redirect.headers["location"]).content == data

    bad = new_file(client, submitter, content(5000, 3))
    assert put_chunks(client, submitter, bad, content(5000, 4), 2000).status_code == 422
    assert client.get(bad["href"], auth=submitter.auth, follow_redirects=False).status_code == 409


def test_s3_submit4dn_upload_that_does_not_match_ends_upload_failed(
    client: TestClient, submitter: User, seaweedfs: SeaweedFS, s3_portal: S3BlobStore, portal: Portal
) -> None:
    item = new_file(client, submitter, content(4000, 5))
    s3 = s3_client_with(item["upload_credentials"], seaweedfs)
    s3.put_object(Bucket=s3_portal.bucket, Key=s3_portal.incoming_key(item["upload_key"]), Body=content(4000, 6))
    outcomes = {r.uuid: r for r in portal.files.check_uploads()}
    assert outcomes[item["uuid"]].state == "upload failed"
    failed = client.get(item["@id"], auth=submitter.auth).json()
    assert failed["status"] == "upload failed"
    assert client.get(item["href"], auth=submitter.auth, follow_redirects=False).status_code == 409
    again = client.post(item["@id"] + "upload/", json={}, auth=submitter.auth).json()["@graph"][0]
    assert again["status"] == "uploading"
    assert again["upload_credentials"]["AccessKeyId"] != item["upload_credentials"]["AccessKeyId"]
