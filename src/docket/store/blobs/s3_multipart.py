"""Resumable chunked writes into one S3 multipart upload.

Chunks arrive in any size; S3 parts must be at least 5 MiB except the last, and a multipart upload
holds at most 10,000 of them. So bytes are gathered in a spool (memory up to ``spool_size``, then a
temporary file) and sent as a part whenever ``part_size`` is reached, and at the end of a call if at
least 5 MiB are left. What is left below 5 MiB is kept as a small "tail" object; its metadata records
how many parts existed when it was written, so a tail made stale by a crash (its bytes already sent
in a later part) is recognised and ignored. The stored offset is therefore always::

    sum(sizes of the listed parts) + size of the tail, if the tail is current

and nothing but S3 holds the state: any process can resume any upload.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from botocore.exceptions import ClientError

from docket.store.blobs.errors import OffsetMismatch, UploadTooLarge
from docket.store.blobs.hashing import Hasher

MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 10_000
TAIL_PARTS = "docket-parts"  # metadata of a tail: the part count it follows


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str


@dataclass(frozen=True)
class UploadState:
    upload_id: str
    parts: list[Part]
    tail_size: int  # 0 if there is no current tail

    @property
    def offset(self) -> int:
        return sum(p.size for p in self.parts) + self.tail_size


def is_missing(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in {"404", "NoSuchKey", "NoSuchUpload", "NotFound"} or status == 404


class MultipartWriter:
    def __init__(self, client: Any, bucket: str, part_size: int, spool_size: int = 8 << 20) -> None:
        if part_size < MIN_PART:
            raise ValueError(f"part_size must be at least {MIN_PART} bytes")
        self.client, self.bucket = client, bucket
        self.part_size, self.spool_size = part_size, spool_size

    def find(self, key: str) -> str | None:
        """The id of the oldest multipart upload in progress for exactly ``key``."""
        uploads = self._uploads(key)
        return uploads[0] if uploads else None

    def _uploads(self, key: str) -> list[str]:
        uploads = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            uploads += [u for u in page.get("Uploads", []) if u["Key"] == key]
        uploads.sort(key=lambda u: (u["Initiated"], u["UploadId"]))
        return [str(u["UploadId"]) for u in uploads]

    def start(self, key: str) -> str:
        return str(self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"])

    def state(self, key: str, tail_key: str, upload_id: str) -> UploadState:
        parts: list[Part] = []
        paginator = self.client.get_paginator("list_parts")
        for page in paginator.paginate(Bucket=self.bucket, Key=key, UploadId=upload_id):
            parts += [Part(p["PartNumber"], p["Size"], p["ETag"]) for p in page.get("Parts", [])]
        parts.sort(key=lambda p: p.number)
        return UploadState(upload_id, parts, self._tail_size(tail_key, len(parts)))

    def _tail_size(self, tail_key: str, part_count: int) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=tail_key)
        except ClientError as exc:
            if is_missing(exc):
                return 0
            raise
        if head.get("Metadata", {}).get(TAIL_PARTS) != str(part_count):
            return 0
        return int(head["ContentLength"])

    def write(
        self,
        key: str,
        tail_key: str,
        state: UploadState,
        offset: int,
        chunks: Iterable[bytes],
        hasher: Hasher | None,
    ) -> int:
        """Append ``chunks`` at ``offset``; return the new offset. ``hasher`` sees every byte appended."""
        if offset != state.offset:
            raise OffsetMismatch(key, offset, state.offset)
        current, count = state.offset, len(state.parts)
        with tempfile.SpooledTemporaryFile(max_size=self.spool_size) as spool:
            held = self._load_tail(tail_key, state.tail_size, spool)
            try:
                for chunk in chunks:
                    spool.write(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
                    held += len(chunk)
                    current += len(chunk)
                    if held >= self.part_size:
                        count = self._send_part(key, state.upload_id, count + 1, spool, held)
                        held = 0
                if held >= MIN_PART:
                    count = self._send_part(key, state.upload_id, count + 1, spool, held)
                    held = 0
            except BaseException:
                # Keep what arrived (a client that drops mid-chunk resumes after it), but the
                # original error is the one to report.
                with contextlib.suppress(Exception):
                    self._save_tail(tail_key, spool, held, count, had_tail=state.tail_size > 0)
                raise
            self._save_tail(tail_key, spool, held, count, had_tail=state.tail_size > 0)
        return current

    def finish(self, key: str, tail_key: str, upload_id: str) -> int:
        """Send the tail as the last part and complete the upload into ``key``; return its size."""
        state = self.state(key, tail_key, upload_id)
        parts = list(state.parts)
        if state.tail_size:
            with tempfile.SpooledTemporaryFile(max_size=self.spool_size) as spool:
                held = self._load_tail(tail_key, state.tail_size, spool)
                number = len(parts) + 1
                self._send_part(key, upload_id, number, spool, held)
            parts = self.state(key, tail_key, upload_id).parts
        if not parts:
            # S3 cannot complete a multipart upload without parts: an empty blob is a plain PUT.
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"")
        else:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]},
            )
        self._delete(tail_key)
        return sum(p.size for p in parts)

    def abort(self, key: str, tail_key: str) -> None:
        for upload_id in self._uploads(key):
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except ClientError as exc:
                if not is_missing(exc):
                    raise
        self._delete(tail_key)

    # -- internals ----------------------------------------------------------------------

    def _send_part(self, key: str, upload_id: str, number: int, spool: IO[bytes], size: int) -> int:
        if number > MAX_PARTS:
            raise UploadTooLarge(key, f"Upload {key!r} needs more than {MAX_PARTS} parts: send larger chunks")
        spool.seek(0)
        self.client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=_Bounded(spool, size),
            ContentLength=size,
        )
        spool.seek(0)
        spool.truncate()
        return number

    def _load_tail(self, tail_key: str, size: int, spool: IO[bytes]) -> int:
        if not size:
            return 0
        body = self.client.get_object(Bucket=self.bucket, Key=tail_key)["Body"]
        with contextlib.closing(body):
            for data in body.iter_chunks(1 << 20):
                spool.write(data)
        return size

    def _save_tail(self, tail_key: str, spool: IO[bytes], held: int, count: int, had_tail: bool) -> None:
        if held:
            spool.seek(0)
            self.client.put_object(
                Bucket=self.bucket,
                Key=tail_key,
                Body=_Bounded(spool, held),
                ContentLength=held,
                Metadata={TAIL_PARTS: str(count)},
            )
        elif had_tail:
            self._delete(tail_key)

    def _delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if not is_missing(exc):
                raise


class _Bounded:
    """The first ``size`` bytes of a seekable file, as a seekable file (what botocore wants)."""

    def __init__(self, f: IO[bytes], size: int) -> None:
        self._f, self._size = f, size
        self._start = f.tell()

    def read(self, n: int = -1) -> bytes:
        left = self._size - (self._f.tell() - self._start)
        if left <= 0:
            return b""
        return self._f.read(left if n is None or n < 0 else min(n, left))

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0:
            target = self._start + offset
        elif whence == 1:
            target = self._f.tell() + offset
        else:
            target = self._start + self._size + offset
        return self._f.seek(target) - self._start

    def tell(self) -> int:
        return self._f.tell() - self._start
