"""One conformance suite for every BlobStore: local disk and S3 (a real SeaweedFS)."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable, Iterator

import httpx
import pytest

from docket.store.blobs import (
    BlobNotFound,
    BlobStore,
    ChecksumMismatch,
    InvalidBlobKey,
    OffsetMismatch,
    RangeNotSatisfiable,
    UploadNotFound,
)
from tests.store.blob_data import Generated, MiB, md5_of

KEY = "4b3c/4DNFIABCDEF1.fastq.gz"
Reopen = Callable[[BlobStore], BlobStore]


def upload(store: BlobStore, key: str, data: Generated, pieces: list[int] | None = None) -> int:
    """Upload ``data`` in calls of the given sizes (default: one call)."""
    store.open_upload(key)
    offset = 0
    for size in pieces or [data.size]:
        offset = store.write_chunk(key, offset, data.chunks(offset, offset + size, chunk=MiB // 3))
    return offset


def read_all(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(store.open_read(key, start, end))


def test_chunked_upload_verifies_and_reads_back(store: BlobStore) -> None:
    data = Generated(12 * MiB + 123)
    assert store.stat(KEY) is None
    offset = upload(store, KEY, data, [3 * MiB, 4 * MiB + 17, 2, 5 * MiB + 104])
    assert offset == data.size
    assert store.upload_offset(KEY) == data.size
    assert store.stat(KEY) is None  # not readable before it is verified
    info = store.complete(KEY, data.md5, data.size)
    assert (info.key, info.size, info.md5) == (KEY, data.size, data.md5)
    assert store.stat(KEY) == info
    assert store.upload_offset(KEY) is None
    assert md5_of(store.open_read(KEY)) == (data.md5, data.size)


def test_wrong_offset_is_refused_with_the_current_offset(store: BlobStore) -> None:
    data = Generated(7 * MiB)
    assert store.open_upload(KEY).offset == 0
    store.write_chunk(KEY, 0, data.chunks(0, 6 * MiB))
    for wrong in (0, 5 * MiB, 6 * MiB + 1):
        with pytest.raises(OffsetMismatch) as caught:
            store.write_chunk(KEY, wrong, [b"x"])
        assert (caught.value.key, caught.value.offset, caught.value.current) == (KEY, wrong, 6 * MiB)
    assert store.open_upload(KEY).offset == 6 * MiB  # open_upload again resumes
    store.write_chunk(KEY, 6 * MiB, data.chunks(6 * MiB))
    assert store.complete(KEY, data.md5, None).md5 == data.md5


def test_resume_in_another_process_keeps_the_md5_right(store: BlobStore, reopen: Reopen) -> None:
    data = Generated(11 * MiB + 5, seed=2)
    upload(store, KEY, data, [2 * MiB + 7])
    other = reopen(store)  # no hash state in memory: it must re-hash or re-read what is stored
    assert other.upload_offset(KEY) == 2 * MiB + 7
    other.write_chunk(KEY, 2 * MiB + 7, data.chunks(2 * MiB + 7, 9 * MiB))
    assert store.write_chunk(KEY, 9 * MiB, data.chunks(9 * MiB)) == data.size
    assert reopen(store).complete(KEY, data.md5, data.size).md5 == data.md5
    assert md5_of(store.open_read(KEY)) == (data.md5, data.size)


def test_interrupted_chunk_keeps_what_arrived(store: BlobStore, reopen: Reopen) -> None:
    data = Generated(9 * MiB, seed=3)

    def dropped_connection() -> Iterator[bytes]:
        yield from data.chunks(0, 6 * MiB + 11)
        raise ConnectionResetError("client went away")

    store.open_upload(KEY)
    with pytest.raises(ConnectionResetError):
        store.write_chunk(KEY, 0, dropped_connection())
    resumed = reopen(store)
    offset = resumed.upload_offset(KEY)
    assert offset == 6 * MiB + 11
    resumed.write_chunk(KEY, offset, data.chunks(offset))
    assert resumed.complete(KEY, data.md5, data.size).md5 == data.md5


def test_corrupted_upload_is_refused_and_never_readable(store: BlobStore) -> None:
    data = Generated(6 * MiB, seed=4)
    upload(store, KEY, data)
    with pytest.raises(ChecksumMismatch) as caught:
        store.complete(KEY, "0" * 32, data.size)
    assert (caught.value.actual_md5, caught.value.actual_size) == (data.md5, data.size)
    assert store.stat(KEY) is None
    with pytest.raises(BlobNotFound):
        store.open_read(KEY)
    assert store.upload_offset(KEY) is None  # discarded: the client starts again
    url = store.presigned_get(KEY)
    if url is not None:
        assert httpx.get(url).status_code == 404


def test_wrong_size_is_refused(store: BlobStore) -> None:
    data = Generated(1000, seed=5)
    upload(store, KEY, data)
    with pytest.raises(ChecksumMismatch) as caught:
        store.complete(KEY, data.md5, 999)
    assert caught.value.expected_size == 999
    assert store.stat(KEY) is None


def test_refused_replacement_keeps_the_verified_blob(store: BlobStore) -> None:
    first, second = Generated(2000, seed=6), Generated(3000, seed=7)
    upload(store, KEY, first)
    store.complete(KEY, first.md5, first.size)
    upload(store, KEY, second)
    with pytest.raises(ChecksumMismatch):
        store.complete(KEY, first.md5, None)
    assert read_all(store, KEY) == first.read()
    upload(store, KEY, second)
    store.complete(KEY, second.md5.upper(), second.size)  # declared md5s are case-insensitive
    assert read_all(store, KEY) == second.read()


def test_complete_is_idempotent(store: BlobStore) -> None:
    data = Generated(100, seed=8)
    upload(store, KEY, data)
    info = store.complete(KEY, data.md5, data.size)
    assert store.complete(KEY, data.md5, data.size) == info
    with pytest.raises(UploadNotFound):
        store.complete(KEY, "f" * 32, None)
    assert store.stat(KEY) == info


def test_empty_blob(store: BlobStore) -> None:
    store.open_upload(KEY)
    assert store.write_chunk(KEY, 0, []) == 0
    info = store.complete(KEY, "d41d8cd98f00b204e9800998ecf8427e", 0)
    assert info.size == 0
    assert read_all(store, KEY) == b""


def test_range_reads(store: BlobStore) -> None:
    data = Generated(3 * MiB + 10, seed=9)
    upload(store, KEY, data)
    store.complete(KEY, data.md5, data.size)
    whole = data.read()
    for start, end in [(0, 1), (5, 17), (MiB - 3, 2 * MiB + 5), (3 * MiB, None), (0, None), (100, 100)]:
        assert read_all(store, KEY, start, end) == whole[start:end], (start, end)
    assert read_all(store, KEY, 3 * MiB + 5, 10**12) == whole[3 * MiB + 5 :]  # end past the blob: clamped
    assert read_all(store, KEY, data.size) == b""
    with pytest.raises(RangeNotSatisfiable):
        store.open_read(KEY, data.size + 1)
    with pytest.raises(RangeNotSatisfiable):
        store.open_read(KEY, 10, 5)


def test_partial_read_can_be_closed_early(store: BlobStore) -> None:
    data = Generated(4 * MiB, seed=10)
    upload(store, KEY, data)
    store.complete(KEY, data.md5, data.size)
    reader = store.open_read(KEY)
    assert len(next(reader)) > 0
    reader.close()  # type: ignore[attr-defined]


def test_stat_and_read_of_missing_blobs(store: BlobStore) -> None:
    assert store.stat("nope/nothing.bin") is None
    with pytest.raises(BlobNotFound):
        store.open_read("nope/nothing.bin")
    with pytest.raises(UploadNotFound):
        store.write_chunk("nope/nothing.bin", 0, [b"x"])
    with pytest.raises(UploadNotFound):
        store.complete("nope/nothing.bin", None, None)
    assert store.upload_offset("nope/nothing.bin") is None
    assert store.landed("nope/nothing.bin") is None


def test_delete(store: BlobStore) -> None:
    data = Generated(5000, seed=11)
    upload(store, KEY, data)
    store.complete(KEY, data.md5, data.size)
    upload(store, KEY, data, [100])  # and an upload in progress
    store.delete(KEY)
    assert store.stat(KEY) is None
    assert store.upload_offset(KEY) is None
    with pytest.raises(BlobNotFound):
        store.open_read(KEY)
    store.delete(KEY)  # idempotent


def test_abort_upload(store: BlobStore) -> None:
    upload(store, KEY, Generated(6 * MiB), [6 * MiB - 1])
    store.abort_upload(KEY)
    assert store.upload_offset(KEY) is None
    assert store.open_upload(KEY).offset == 0


@pytest.mark.parametrize(
    "key",
    ["", "/abs/x", "../x", "a/../b", "a//b", "a/./b", ".hidden", "a/", "a\\b", "a b", "incoming/x", "é"],
)
def test_unsafe_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidBlobKey):
        store.open_upload(key)
    with pytest.raises(InvalidBlobKey):
        store.stat(key)


def test_large_streamed_upload_keeps_memory_flat(store: BlobStore) -> None:
    """200 MB in and out; Python's allocations stay far below the data size."""
    data = Generated(200 * MiB, seed=12)
    tracemalloc.start()
    try:
        upload(store, KEY, data, [70 * MiB, 130 * MiB])
        info = store.complete(KEY, data.md5, data.size)
        assert md5_of(store.open_read(KEY)) == (data.md5, data.size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == data.size
    assert peak < 32 * MiB, f"peak Python allocations {peak / MiB:.1f} MiB"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DOCKET_RUN_SLOW"), reason="set DOCKET_RUN_SLOW=1 for 1 GB tests")
def test_one_gigabyte_upload_resumed_halfway(store: BlobStore, reopen: Reopen) -> None:
    data = Generated(1024 * MiB + 7, seed=13)
    tracemalloc.start()
    try:
        store.open_upload(KEY)
        store.write_chunk(KEY, 0, data.chunks(0, 512 * MiB + 3))
        resumed = reopen(store)
        offset = resumed.upload_offset(KEY)
        assert offset == 512 * MiB + 3
        resumed.write_chunk(KEY, offset, data.chunks(offset))
        resumed.complete(KEY, data.md5, data.size)
        assert md5_of(resumed.open_read(KEY)) == (data.md5, data.size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * MiB, f"peak Python allocations {peak / MiB:.1f} MiB"


def test_presigned_get_serves_the_verified_blob(store: BlobStore) -> None:
    data = Generated(2 * MiB + 1, seed=14)
    upload(store, KEY, data)
    store.complete(KEY, data.md5, data.size)
    url = store.presigned_get(KEY, expires=60, filename="4DNFIABCDEF1.fastq.gz")
    if url is None:
        return  # the local store has no URLs: the HTTP layer streams open_read instead
    whole = httpx.get(url)
    assert whole.status_code == 200
    assert whole.content == data.read()
    assert "4DNFIABCDEF1.fastq.gz" in whole.headers["content-disposition"]
    part = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data.read(10, 20)
