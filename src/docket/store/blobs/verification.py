"""The periodic check of uploads that never report completion (Submit4DN's ``aws s3 cp``).

The service layer calls :func:`check_uploads` every so often with the File items still ``uploading``
and turns each outcome into a status: ``verified`` -> ``uploaded``, ``failed`` -> ``upload failed``
(with ``reason``), ``waiting`` -> unchanged, ``error`` -> unchanged, try again later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from docket.store.blobs.errors import ChecksumMismatch, UploadNotFound
from docket.store.blobs.protocol import BlobInfo, BlobStore

log = logging.getLogger(__name__)

CheckState = Literal["waiting", "verified", "failed", "error"]


@dataclass(frozen=True)
class ExpectedBlob:
    key: str
    md5: str | None
    size: int | None = None


@dataclass(frozen=True)
class CheckOutcome:
    key: str
    state: CheckState
    info: BlobInfo | None = None
    reason: str = ""


def check_upload(store: BlobStore, expected: ExpectedBlob) -> CheckOutcome:
    """Verify the upload of one blob if it has arrived; never raises for a single bad key."""
    key, md5, size = expected.key, expected.md5, expected.size
    try:
        arrived = store.landed(key) is not None
        # A chunked upload whose last chunk arrived but whose completion was lost (crash, timeout).
        arrived = arrived or (size is not None and store.upload_offset(key) == size)
        if arrived:
            return CheckOutcome(key, "verified", store.complete(key, md5, size))
        info = store.stat(key)
        if info is not None and info.matches(md5, size):
            return CheckOutcome(key, "verified", info)
        return CheckOutcome(key, "waiting")
    except ChecksumMismatch as exc:
        return CheckOutcome(key, "failed", reason=exc.detail)
    except UploadNotFound:
        return CheckOutcome(key, "waiting")  # removed between landed() and complete()
    except Exception as exc:
        log.warning("checking upload %s failed: %s", key, exc)
        return CheckOutcome(key, "error", reason=f"{type(exc).__name__}: {exc}")


def check_uploads(store: BlobStore, expected: Iterable[ExpectedBlob]) -> list[CheckOutcome]:
    return [check_upload(store, e) for e in expected]
