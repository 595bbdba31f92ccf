"""Errors of the blob stores. Each carries the key and the figures a client needs to act on it.

Hierarchy (all under ``docket.errors.DocketError``)::

    BlobError
    ├── InvalidBlobKey      the key is not a safe relative path       (also BadRequest)
    ├── BlobNotFound        no verified blob under that key           (also NotFound)
    ├── UploadNotFound      no upload in progress under that key      (also NotFound)
    ├── OffsetMismatch      a chunk was sent for the wrong offset; ``current`` says where to resume
    ├── ChecksumMismatch    md5 or size differ from what was declared; the content was discarded
    ├── RangeNotSatisfiable a read range outside the blob
    ├── UploadTooLarge      an S3 upload would need more than 10,000 parts  (also PayloadTooLarge)
    └── ScopingUnavailable  the S3 server cannot mint scoped upload credentials this way
"""

from __future__ import annotations

from docket.errors import BadRequest, DocketError, NotFound, PayloadTooLarge


class BlobError(DocketError):
    """Base of every blob store error."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


class InvalidBlobKey(BlobError, BadRequest):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(key, f"Invalid blob key {key!r}: {reason}")
        self.reason = reason


class BlobNotFound(BlobError, NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(key, f"No verified blob under {key!r}")


class UploadNotFound(BlobError, NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(key, f"No upload in progress under {key!r}")


class OffsetMismatch(BlobError):
    """``offset`` is what the client sent; ``current`` is how many bytes the store holds."""

    def __init__(self, key: str, offset: int, current: int) -> None:
        super().__init__(key, f"Upload {key!r} is at offset {current}, not {offset}")
        self.offset = offset
        self.current = current


class ChecksumMismatch(BlobError):
    def __init__(
        self,
        key: str,
        *,
        expected_md5: str | None,
        actual_md5: str,
        expected_size: int | None,
        actual_size: int,
    ) -> None:
        problems = []
        if expected_size is not None and expected_size != actual_size:
            problems.append(f"size {actual_size} != declared {expected_size}")
        if expected_md5 is not None and expected_md5.lower() != actual_md5:
            problems.append(f"md5 {actual_md5} != declared {expected_md5}")
        super().__init__(key, f"Upload {key!r} does not match its declaration: " + "; ".join(problems))
        self.expected_md5 = expected_md5
        self.actual_md5 = actual_md5
        self.expected_size = expected_size
        self.actual_size = actual_size


class RangeNotSatisfiable(BlobError):
    def __init__(self, key: str, start: int, end: int | None, size: int) -> None:
        super().__init__(key, f"Range [{start}, {end}) is outside blob {key!r} of {size} bytes")
        self.start = start
        self.end = end
        self.size = size


class UploadTooLarge(BlobError, PayloadTooLarge):
    pass


class ScopingUnavailable(BlobError):
    def __init__(self, key: str, strategy: str, reason: str) -> None:
        super().__init__(key, f"Cannot mint {strategy!r} upload credentials: {reason}")
        self.strategy = strategy
        self.reason = reason
