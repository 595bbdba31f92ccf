"""What only the local store does: files, locks, and crash states."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from docket.store.blobs import (
    BlobNotFound,
    ExpectedBlob,
    InvalidBlobKey,
    LocalBlobStore,
    OffsetMismatch,
    check_uploads,
    open_blob_store,
)
from tests.store.blob_data import Generated, MiB

KEY = "ab/4DNFI0000001.bam"


def test_open_blob_store_picks_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_blob_store(tmp_path / "files"), LocalBlobStore)
    with pytest.raises(TypeError):
        open_blob_store(tmp_path / "files", part_size=1)


def test_layout_and_no_temporary_leftovers(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = Generated(1000)
    store.open_upload(KEY)
    store.write_chunk(KEY, 0, data.chunks())
    assert (tmp_path / "incoming" / KEY).stat().st_size == 1000
    assert not (tmp_path / "blobs" / KEY).exists()
    store.complete(KEY, data.md5, 1000)
    assert (tmp_path / "blobs" / KEY).read_bytes() == data.read()
    assert not (tmp_path / "incoming" / KEY).exists()
    assert sorted(p.name for p in (tmp_path / "meta" / "ab").iterdir()) == ["4DNFI0000001.bam.json"]


def test_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "files")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, tmp_path / "files" / "incoming" / "evil")
    with pytest.raises(InvalidBlobKey):
        store.open_upload("evil/x.bin")
    assert list(outside.iterdir()) == []


def test_blob_without_its_meta_is_not_served(tmp_path: Path) -> None:
    """The state a crash between the rename and the meta write leaves behind."""
    store = LocalBlobStore(tmp_path)
    data = Generated(100)
    store.open_upload(KEY)
    store.write_chunk(KEY, 0, data.chunks())
    store.complete(KEY, data.md5, 100)
    (tmp_path / "meta" / (KEY + ".json")).unlink()
    assert store.stat(KEY) is None
    with pytest.raises(BlobNotFound):
        store.open_read(KEY)


def test_concurrent_writers_at_the_same_offset_cannot_both_append(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.open_upload(KEY)
    started, release = threading.Event(), threading.Event()
    results: list[object] = []

    def slow_chunks() -> object:
        yield b"a" * MiB
        started.set()
        release.wait(10)
        yield b"b" * MiB

    def first() -> None:
        results.append(store.write_chunk(KEY, 0, slow_chunks()))

    thread = threading.Thread(target=first)
    thread.start()
    started.wait(10)

    def second() -> None:
        try:
            results.append(store.write_chunk(KEY, 0, [b"c" * 10]))
        except OffsetMismatch as exc:
            results.append(exc.current)

    other = threading.Thread(target=second)
    other.start()
    release.set()
    thread.join(10)
    other.join(10)
    assert sorted(results, key=str) == [2 * MiB, 2 * MiB]  # the second waited, then was refused
    assert store.upload_offset(KEY) == 2 * MiB


def test_periodic_check_completes_a_finished_upload_whose_completion_was_lost(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    done, partial = Generated(5000, seed=1), Generated(5000, seed=2)
    store.open_upload("a/done.bin")
    store.write_chunk("a/done.bin", 0, done.chunks())
    store.open_upload("a/partial.bin")
    store.write_chunk("a/partial.bin", 0, partial.chunks(0, 4000))
    outcomes = check_uploads(
        LocalBlobStore(tmp_path),  # a restarted server
        [
            ExpectedBlob("a/done.bin", done.md5, done.size),
            ExpectedBlob("a/partial.bin", partial.md5, partial.size),
            ExpectedBlob("a/no-size.bin", partial.md5),
        ],
    )
    assert [o.state for o in outcomes] == ["verified", "waiting", "waiting"]
    assert store.stat("a/done.bin") is not None
    assert store.upload_offset("a/partial.bin") == 4000
