"""Blob storage for data files: a protocol, a local filesystem store and an S3 store.

``open_blob_store("docket-files")`` or ``open_blob_store("s3://bucket/prefix")`` picks one.
"""

from __future__ import annotations

import os

from docket.store.blobs.errors import (
    BlobError,
    BlobNotFound,
    ChecksumMismatch,
    InvalidBlobKey,
    OffsetMismatch,
    RangeNotSatisfiable,
    ScopingUnavailable,
    UploadNotFound,
    UploadTooLarge,
)
from docket.store.blobs.keys import check_key
from docket.store.blobs.local import LocalBlobStore
from docket.store.blobs.protocol import BlobInfo, BlobStore, ScopedUploads, UploadCredentials, UploadStatus
from docket.store.blobs.verification import CheckOutcome, ExpectedBlob, check_upload, check_uploads

__all__ = [
    "BlobError",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "CheckOutcome",
    "ChecksumMismatch",
    "ExpectedBlob",
    "InvalidBlobKey",
    "LocalBlobStore",
    "OffsetMismatch",
    "RangeNotSatisfiable",
    "ScopedUploads",
    "ScopingUnavailable",
    "UploadCredentials",
    "UploadNotFound",
    "UploadStatus",
    "UploadTooLarge",
    "check_key",
    "check_upload",
    "check_uploads",
    "open_blob_store",
]


def open_blob_store(location: str | os.PathLike[str] = "docket-files", **s3_options: object) -> BlobStore:
    """A local store for a path, an S3 store for ``s3://bucket/prefix`` (boto3 imported only then).

    ``s3_options`` are fields of :class:`docket.store.blobs.s3.S3Options`; ``endpoint_url`` defaults to
    ``DOCKET_S3_ENDPOINT_URL``.
    """
    location = os.fspath(location)
    if location.startswith("s3://"):
        from docket.store.blobs.s3 import S3BlobStore, S3Options

        return S3BlobStore.from_url(location, S3Options.from_env(**s3_options))
    if s3_options:
        raise TypeError(f"S3 options given for a local store: {sorted(s3_options)}")
    return LocalBlobStore(location)
