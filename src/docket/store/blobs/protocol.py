"""What every blob store offers, and what an S3 store adds: upload credentials scoped to one key.

The life of a blob::

    open_upload(key)                      an upload exists, at offset 0 (or where it stopped)
    write_chunk(key, offset, chunks)*     appends; refuses any offset but the current one
    complete(key, md5, size)              verifies, and only then makes the blob readable
    stat / open_read / presigned_get      see verified blobs only
    delete(key)

Uploads that arrive by another path (``aws s3 cp`` with credentials from ``mint_upload_credentials``)
never call ``write_chunk``; ``landed(key)`` tells that such an upload has arrived, and ``complete``
verifies it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class BlobInfo:
    """A verified blob: its key, size in bytes and md5 as lower-case hex."""

    key: str
    size: int
    md5: str

    def matches(self, expected_md5: str | None, expected_size: int | None) -> bool:
        """True unless a declared md5 or size (None: not declared) differs from this blob's."""
        if expected_size is not None and expected_size != self.size:
            return False
        return expected_md5 is None or expected_md5.strip().lower() == self.md5


@dataclass(frozen=True)
class UploadStatus:
    """An upload in progress: ``offset`` bytes are stored; the next chunk must start there."""

    key: str
    offset: int


@runtime_checkable
class BlobStore(Protocol):
    def open_upload(self, key: str) -> UploadStatus:
        """Start an upload under ``key``, or return the one in progress (resume). Idempotent."""
        ...

    def upload_offset(self, key: str) -> int | None:
        """Bytes stored so far for the upload in progress under ``key``; None if there is none."""
        ...

    def write_chunk(self, key: str, offset: int, chunks: Iterable[bytes]) -> int:
        """Append ``chunks`` at ``offset`` and return the new offset.

        Raises OffsetMismatch (with ``current``) unless ``offset`` is the current offset, and
        UploadNotFound if no upload is open. If ``chunks`` fails midway, what arrived is kept,
        as far as the store could make it durable: ask ``upload_offset`` where to resume.
        """
        ...

    def complete(self, key: str, expected_md5: str | None, expected_size: int | None) -> BlobInfo:
        """Verify the upload and make it the blob under ``key`` (replacing any earlier one).

        md5 and size are those of the stored bytes, never trusted from the client. On mismatch the
        upload is discarded and ChecksumMismatch raised; the earlier blob, if any, stays. Calling it
        again after success returns the blob's info if it matches (idempotent retry).
        """
        ...

    def abort_upload(self, key: str) -> None:
        """Discard the upload in progress under ``key``, if any."""
        ...

    def landed(self, key: str) -> int | None:
        """Size of an upload that arrived in full without ``write_chunk`` (e.g. ``aws s3 cp``) and
        awaits ``complete``; None if there is none. Always None on stores without such a path."""
        ...

    def stat(self, key: str) -> BlobInfo | None:
        """The verified blob under ``key``, or None."""
        ...

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the verified blob (``end`` None or past the end: to the end).

        Raises BlobNotFound or RangeNotSatisfiable at call time, before any byte is produced.
        The returned iterator has a ``close()``; call it if not reading to the end.
        """
        ...

    def presigned_get(self, key: str, expires: int = 300, filename: str | None = None) -> str | None:
        """A URL that serves the blob for ``expires`` seconds, or None if the store has none (local)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob and any upload in progress under ``key``. Idempotent."""
        ...


@dataclass(frozen=True)
class UploadCredentials:
    """Credentials that can write one object and nothing else.

    ``key`` and ``upload_url`` name where the client writes (the store's unverified area), not the
    blob key. ``strategy`` says how they were minted; ``put_url`` is set by the presigned strategy.
    """

    strategy: str
    bucket: str
    key: str
    upload_url: str
    expiration: datetime
    access_key: str = ""
    secret_key: str = ""
    session_token: str = ""
    put_url: str | None = None

    def as_snovault(self) -> dict[str, str]:
        """Both spellings: fourfront/Submit4DN (``AccessKeyId``...) and ENCODE (``access_key``...)."""
        body = {
            "AccessKeyId": self.access_key,
            "SecretAccessKey": self.secret_key,
            "SessionToken": self.session_token,
            # fourfront renders str(datetime): a space, not a "T".
            "Expiration": str(self.expiration),
            "upload_url": self.upload_url,
            "key": self.key,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "session_token": self.session_token,
            "expiration": self.expiration.isoformat(),
        }
        if self.put_url is not None:
            body["put_url"] = self.put_url
        return body


@runtime_checkable
class ScopedUploads(Protocol):
    """A store that can hand a client credentials to upload one key directly (S3)."""

    def mint_upload_credentials(self, key: str, ttl: timedelta | None = None) -> UploadCredentials:
        """Credentials that may write the upload area of ``key`` only, valid for ``ttl``."""
        ...

    def revoke_upload_credentials(self, key: str) -> int:
        """Revoke every credential minted for ``key`` that can be revoked; return how many."""
        ...

    def sweep_expired_credentials(self, now: datetime | None = None) -> int:
        """Remove minted credentials past their expiration; return how many."""
        ...
