"""Blobs in S3-compatible object storage (AWS S3, SeaweedFS, MinIO), through boto3.

Layout under ``s3://bucket/prefix/``::

    incoming/<key>    where uploads land: scoped credentials can write here and nowhere else
    partial/<key>     the tail of a chunked upload in progress (see s3_multipart)
    <key>             verified content, with metadata docket-md5; only this is ever served

``complete`` streams the incoming object to compute its md5 (the ETag of a multipart object is not
an md5), or reuses the md5 computed while this process received the chunks, then makes a server-side
copy to ``<key>`` conditional on the ETag it verified, and deletes the incoming object. A client
whose credentials are still valid can overwrite ``incoming/<key>`` but never the served object.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from docket.store.blobs.errors import (
    BlobNotFound,
    ChecksumMismatch,
    OffsetMismatch,
    RangeNotSatisfiable,
    UploadNotFound,
    UploadTooLarge,
)
from docket.store.blobs.hashing import HashStates, md5_of_chunks, new_md5
from docket.store.blobs.keys import check_key
from docket.store.blobs.protocol import BlobInfo, UploadCredentials, UploadStatus
from docket.store.blobs.s3_multipart import MultipartWriter, is_missing
from docket.store.blobs.scoping import IamUserMinter, Minter, PresignedMinter, StsMinter

MD5_META = "docket-md5"
READ_CHUNK = 1 << 20
SCOPING_STRATEGIES = ("auto", "iam-user", "sts", "presigned")


@dataclass(frozen=True)
class S3Options:
    """How to reach the S3 server and how to scope upload credentials.

    Credentials left None come from boto3's usual chain (AWS_* env vars, ~/.aws, instance role).
    ``scoping="auto"`` means ``sts`` on AWS (no endpoint_url) and ``iam-user`` elsewhere.
    """

    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    scoping: str = "auto"
    sts_method: str = "federation"
    sts_role_arn: str | None = None
    iam_endpoint_url: str | None = None  # default: endpoint_url (SeaweedFS serves IAM on the S3 port)
    sts_endpoint_url: str | None = None
    iam_user_prefix: str = "docket-up-"
    credentials_ttl: timedelta = timedelta(hours=36)
    part_size: int = 64 << 20
    extra_client_config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> S3Options:
        overrides.setdefault("endpoint_url", os.environ.get("DOCKET_S3_ENDPOINT_URL") or None)
        return cls(**overrides)

    def resolved_scoping(self) -> str:
        if self.scoping not in SCOPING_STRATEGIES:
            raise ValueError(f"scoping must be one of {SCOPING_STRATEGIES}, not {self.scoping!r}")
        if self.scoping == "auto":
            return "sts" if self.endpoint_url is None else "iam-user"
        return self.scoping


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ("bucket", "some/prefix/")."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url!r}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url!r}")
    prefix = prefix.strip("/")
    return bucket, (prefix + "/" if prefix else "")


@dataclass(frozen=True)
class PresignedMultipart:
    """URLs for a client to upload ``part_count`` parts and complete, without credentials."""

    key: str
    upload_id: str
    part_urls: list[str]
    complete_url: str
    expiration: datetime


class S3BlobStore:
    def __init__(self, bucket: str, prefix: str = "", options: S3Options | None = None) -> None:
        self.options = options or S3Options.from_env()
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = self._client("s3", self.options.endpoint_url)
        self._writer = MultipartWriter(self.client, bucket, self.options.part_size)
        self._hashes = HashStates()
        self._minter: Minter | None = None

    @classmethod
    def from_url(cls, url: str, options: S3Options | None = None) -> S3BlobStore:
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix, options)

    def __repr__(self) -> str:
        return f"S3BlobStore('s3://{self.bucket}/{self.prefix}')"

    def _client(self, service: str, endpoint_url: str | None) -> Any:
        o = self.options
        config = Config(
            s3={"addressing_style": "path" if o.endpoint_url else "auto"},
            retries={"max_attempts": 5, "mode": "standard"},
            **o.extra_client_config,
        )
        if service == "s3":
            # boto3 presigns with SigV2 by default, which SeaweedFS mis-verifies when a query value
            # holds "=" (response-content-disposition); SigV4 is what every AWS region accepts anyway.
            config = config.merge(Config(signature_version="s3v4"))
        return boto3.session.Session().client(
            service,
            endpoint_url=endpoint_url,
            region_name=o.region,
            aws_access_key_id=o.access_key_id,
            aws_secret_access_key=o.secret_access_key,
            aws_session_token=o.session_token,
            config=config,
        )

    # -- object names -----------------------------------------------------------------------

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def incoming_key(self, key: str) -> str:
        return self.prefix + "incoming/" + check_key(key)

    def _tail_key(self, key: str) -> str:
        return self.prefix + "partial/" + check_key(key)

    def _hash_slot(self, key: str, upload_id: str) -> str:
        return f"{key}\0{upload_id}"

    # -- uploads through Docket ---------------------------------------------------------------

    def open_upload(self, key: str) -> UploadStatus:
        incoming = self.incoming_key(key)
        upload_id = self._writer.find(incoming) or self._writer.start(incoming)
        return UploadStatus(key, self._writer.state(incoming, self._tail_key(key), upload_id).offset)

    def upload_offset(self, key: str) -> int | None:
        incoming = self.incoming_key(key)
        upload_id = self._writer.find(incoming)
        if upload_id is None:
            return None
        return self._writer.state(incoming, self._tail_key(key), upload_id).offset

    def write_chunk(self, key: str, offset: int, chunks: Iterable[bytes]) -> int:
        incoming, tail = self.incoming_key(key), self._tail_key(key)
        upload_id = self._writer.find(incoming)
        if upload_id is None:
            raise UploadNotFound(key)
        state = self._writer.state(incoming, tail, upload_id)
        if offset != state.offset:
            raise OffsetMismatch(key, offset, state.offset)
        slot = self._hash_slot(key, upload_id)
        hasher = self._hashes.take(slot, state.offset)
        if hasher is None and state.offset == 0:
            hasher = new_md5()
        # Without a hash state (another process wrote the beginning) complete() streams the object.
        try:
            new_offset = self._writer.write(incoming, tail, state, offset, chunks, hasher)
        except UploadTooLarge as exc:
            self._hashes.drop(slot)
            raise UploadTooLarge(key, exc.detail) from None
        except BaseException:
            self._hashes.drop(slot)
            raise
        if hasher is not None:
            self._hashes.put(slot, new_offset, hasher)
        return new_offset

    def complete(self, key: str, expected_md5: str | None, expected_size: int | None) -> BlobInfo:
        incoming = self.incoming_key(key)
        hasher = None
        upload_id = self._writer.find(incoming)
        if upload_id is not None:
            try:
                size = self._writer.finish(incoming, self._tail_key(key), upload_id)
            except ClientError as exc:
                if not is_missing(exc):
                    raise
                # Another process completed this upload meanwhile: go on with what it left.
            else:
                hasher = self._hashes.take(self._hash_slot(key, upload_id), size)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=incoming)
        except ClientError as exc:
            if is_missing(exc):
                return self._already_complete(key, expected_md5, expected_size)
            raise
        etag, size = head["ETag"], int(head["ContentLength"])
        info = BlobInfo(key, size, hasher.hexdigest()) if hasher is not None else self._hash_object(key, incoming, etag)
        if not info.matches(expected_md5, expected_size):
            self.client.delete_object(Bucket=self.bucket, Key=incoming)
            raise ChecksumMismatch(
                key,
                expected_md5=expected_md5,
                actual_md5=info.md5,
                expected_size=expected_size,
                actual_size=info.size,
            )
        self.client.copy(
            {"Bucket": self.bucket, "Key": incoming},
            self.bucket,
            self.object_key(key),
            ExtraArgs={
                "Metadata": {MD5_META: info.md5},
                "MetadataDirective": "REPLACE",
                "CopySourceIfMatch": etag,
            },
            Config=TransferConfig(multipart_chunksize=max(self.options.part_size, 64 << 20)),
        )
        self.client.delete_object(Bucket=self.bucket, Key=incoming)
        return info

    def _hash_object(self, key: str, object_key: str, etag: str) -> BlobInfo:
        body = self.client.get_object(Bucket=self.bucket, Key=object_key, IfMatch=etag)["Body"]
        try:
            hasher, size = md5_of_chunks(body.iter_chunks(READ_CHUNK))
        finally:
            body.close()
        return BlobInfo(key, size, hasher.hexdigest())

    def _already_complete(self, key: str, expected_md5: str | None, expected_size: int | None) -> BlobInfo:
        info = self.stat(key)
        if info is None or not info.matches(expected_md5, expected_size):
            raise UploadNotFound(key)
        return info

    def abort_upload(self, key: str) -> None:
        incoming = self.incoming_key(key)
        self._writer.abort(incoming, self._tail_key(key))
        self.client.delete_object(Bucket=self.bucket, Key=incoming)

    def landed(self, key: str) -> int | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.incoming_key(key))
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return int(head["ContentLength"])

    # -- verified blobs ---------------------------------------------------------------------

    def stat(self, key: str) -> BlobInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        md5 = head.get("Metadata", {}).get(MD5_META)
        if not md5:
            return None  # not put there by complete(): never verified
        return BlobInfo(key, int(head["ContentLength"]), md5)

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if start < 0 or (end is not None and end < start):
            raise RangeNotSatisfiable(key, start, end, self._size_or_missing(key))
        if end is not None and end == start:
            self._size_or_missing(key)
            return iter(())
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            response = self.client.get_object(**args)
        except ClientError as exc:
            if is_missing(exc):
                raise BlobNotFound(key) from None
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                size = self._size_or_missing(key)
                if start == size:
                    return iter(())
                raise RangeNotSatisfiable(key, start, end, size) from None
            raise
        body = response["Body"]
        if not response.get("Metadata", {}).get(MD5_META):
            body.close()
            raise BlobNotFound(key)
        return _BodyReader(body)

    def _size_or_missing(self, key: str) -> int:
        info = self.stat(key)
        if info is None:
            raise BlobNotFound(key)
        return info.size

    def presigned_get(self, key: str, expires: int = 300, filename: str | None = None) -> str | None:
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return str(self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires))

    def delete(self, key: str) -> None:
        self.abort_upload(key)
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    # -- scoped upload credentials ------------------------------------------------------------

    @property
    def minter(self) -> Minter:
        if self._minter is None:
            o = self.options
            strategy = o.resolved_scoping()
            if strategy == "iam-user":
                iam = self._client("iam", o.iam_endpoint_url or o.endpoint_url)
                self._minter = IamUserMinter(iam, self.bucket, o.iam_user_prefix)
            elif strategy == "sts":
                sts = self._client("sts", o.sts_endpoint_url or o.endpoint_url)
                self._minter = StsMinter(sts, self.bucket, o.sts_method, o.sts_role_arn)
            else:
                self._minter = PresignedMinter(self.client, self.bucket)
        return self._minter

    def mint_upload_credentials(self, key: str, ttl: timedelta | None = None) -> UploadCredentials:
        return self.minter.mint(self.incoming_key(key), ttl or self.options.credentials_ttl)

    def revoke_upload_credentials(self, key: str) -> int:
        return self.minter.revoke(self.incoming_key(key))

    def sweep_expired_credentials(self, now: datetime | None = None) -> int:
        return self.minter.sweep(now or datetime.now(UTC))

    def presign_multipart(self, key: str, part_count: int, ttl: timedelta | None = None) -> PresignedMultipart:
        """Start a multipart upload into the incoming area and presign its parts and completion.

        The client PUTs part ``n`` (1-based) to ``part_urls[n-1]``, then POSTs the usual
        CompleteMultipartUpload XML to ``complete_url``; then Docket's ``complete`` verifies it.
        """
        incoming = self.incoming_key(key)
        seconds = min(int((ttl or self.options.credentials_ttl).total_seconds()), 7 * 24 * 3600)
        upload_id = self._writer.start(incoming)
        common = {"Bucket": self.bucket, "Key": incoming, "UploadId": upload_id}
        part_urls = [
            self.client.generate_presigned_url("upload_part", Params={**common, "PartNumber": n}, ExpiresIn=seconds)
            for n in range(1, part_count + 1)
        ]
        complete_url = self.client.generate_presigned_url("complete_multipart_upload", Params=common, ExpiresIn=seconds)
        expiration = datetime.now(UTC) + timedelta(seconds=seconds)
        return PresignedMultipart(key, upload_id, part_urls, complete_url, expiration)


class _BodyReader(Iterator[bytes]):
    def __init__(self, body: Any) -> None:
        self._body = body
        self._chunks = body.iter_chunks(READ_CHUNK)

    def __next__(self) -> bytes:
        try:
            return bytes(next(self._chunks))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._body.close()
