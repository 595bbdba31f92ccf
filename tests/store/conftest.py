"""Fixtures for the blob stores; the SeaweedFS server itself comes from tests/seaweed.py."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from docket.store.blobs import BlobStore, LocalBlobStore
from docket.store.blobs.s3 import S3BlobStore
from tests.seaweed import MiB, SeaweedFS

__all__ = ["MiB", "SeaweedFS"]


@pytest.fixture
def s3_store(seaweedfs: SeaweedFS) -> S3BlobStore:
    """An S3 store under a fresh prefix of the session's bucket."""
    return S3BlobStore(seaweedfs.bucket, f"t-{uuid.uuid4().hex[:12]}", seaweedfs.options())


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "files")
    return request.getfixturevalue("s3_store")  # type: ignore[no-any-return]


@pytest.fixture
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """A fresh instance over the same storage: what another worker process or a restart sees."""

    def again(store: BlobStore) -> BlobStore:
        if isinstance(store, LocalBlobStore):
            return LocalBlobStore(store.root)
        assert isinstance(store, S3BlobStore)
        return S3BlobStore(store.bucket, store.prefix, store.options)

    return again
