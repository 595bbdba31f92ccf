"""Blobs on the local filesystem (the default store, ``./docket-files``).

Layout under the root::

    incoming/<key>     an upload in progress: appended to by write_chunk, locked with flock
    blobs/<key>        verified content, put in place by os.replace once its md5 and size matched
    meta/<key>.json    {"md5", "size"} of the verified content

A blob is readable only while its meta file exists and its size matches. ``complete`` removes the old
meta first and writes the new one last, so a crash at any point leaves a key unreadable, never readable
with the wrong checksum. Every write is fsync'd, and so is the directory of every rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from docket.store.blobs.errors import (
    BlobNotFound,
    ChecksumMismatch,
    InvalidBlobKey,
    OffsetMismatch,
    RangeNotSatisfiable,
    UploadNotFound,
)
from docket.store.blobs.hashing import Hasher, HashStates, md5_of_chunks
from docket.store.blobs.keys import check_key
from docket.store.blobs.protocol import BlobInfo, UploadStatus

READ_CHUNK = 1 << 20


class LocalBlobStore:
    def __init__(self, root: str | os.PathLike[str] = "docket-files", read_chunk: int = READ_CHUNK) -> None:
        self.root = Path(root).absolute()
        self._areas = {name: self.root / name for name in ("incoming", "blobs", "meta")}
        for area in self._areas.values():
            area.mkdir(parents=True, exist_ok=True)
        self._read_chunk = read_chunk
        self._hashes = HashStates()

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    # -- paths ------------------------------------------------------------------------------

    def _path(self, area: str, key: str, suffix: str = "") -> Path:
        check_key(key)
        base = self._areas[area]
        path = base / (key + suffix)
        # check_key already forbids "..", absolute paths and hidden names; this also catches
        # a symlink planted inside the root that points out of it.
        real_base = os.path.realpath(base)
        if not os.path.realpath(path).startswith(real_base + os.sep):
            raise InvalidBlobKey(key, "resolves outside the store")
        return path

    # -- uploads ----------------------------------------------------------------------------

    def open_upload(self, key: str) -> UploadStatus:
        path = self._path("incoming", key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            offset = os.fstat(fd).st_size
            if offset == 0:
                os.fsync(fd)
                _fsync_dir(path.parent)
        finally:
            os.close(fd)
        return UploadStatus(key, offset)

    def upload_offset(self, key: str) -> int | None:
        try:
            return self._path("incoming", key).stat().st_size
        except FileNotFoundError:
            return None

    def write_chunk(self, key: str, offset: int, chunks: Iterable[bytes]) -> int:
        path = self._path("incoming", key)
        with _locked_upload(path, key, os.O_WRONLY) as fd:
            current = os.fstat(fd).st_size
            if offset != current:
                raise OffsetMismatch(key, offset, current)
            hasher = self._hashes.take(key, current) or self._rehash(path, current, key)
            os.lseek(fd, current, os.SEEK_SET)
            consistent = True
            try:
                for chunk in chunks:
                    consistent = False
                    _write_all(fd, chunk)
                    hasher.update(chunk)
                    current += len(chunk)
                    consistent = True
            finally:
                os.fsync(fd)
                if consistent:
                    self._hashes.put(key, current, hasher)
                else:
                    self._hashes.drop(key)
            return current

    def complete(self, key: str, expected_md5: str | None, expected_size: int | None) -> BlobInfo:
        incoming = self._path("incoming", key)
        blob, meta = self._path("blobs", key), self._path("meta", key, ".json")
        lock = _locked_upload(incoming, key, os.O_RDONLY)
        with contextlib.ExitStack() as stack:
            try:
                fd = lock.__enter__()
            except UploadNotFound:
                return self._already_complete(key, expected_md5, expected_size)
            stack.push(lock)
            stack.callback(self._hashes.drop, key)
            size = os.fstat(fd).st_size
            hasher = self._hashes.take(key, size) or self._rehash(incoming, size, key)
            info = BlobInfo(key, size, hasher.hexdigest())
            if not info.matches(expected_md5, expected_size):
                incoming.unlink()
                raise ChecksumMismatch(
                    key,
                    expected_md5=expected_md5,
                    actual_md5=info.md5,
                    expected_size=expected_size,
                    actual_size=size,
                )
            self._put_in_place(incoming, blob, meta, info)
            return info

    @staticmethod
    def _put_in_place(incoming: Path, blob: Path, meta: Path, info: BlobInfo) -> None:
        blob.parent.mkdir(parents=True, exist_ok=True)
        meta.parent.mkdir(parents=True, exist_ok=True)
        # Old meta first, new meta last: in between, the key is unreadable rather than mislabelled.
        with contextlib.suppress(FileNotFoundError):
            meta.unlink()
        meta_tmp = meta.with_name(meta.name + ".tmp")
        _write_file(meta_tmp, json.dumps({"md5": info.md5, "size": info.size}).encode())
        os.replace(incoming, blob)
        os.replace(meta_tmp, meta)
        for directory in {incoming.parent, blob.parent, meta.parent}:
            _fsync_dir(directory)

    def _already_complete(self, key: str, expected_md5: str | None, expected_size: int | None) -> BlobInfo:
        info = self.stat(key)
        if info is None or not info.matches(expected_md5, expected_size):
            raise UploadNotFound(key)
        return info

    def abort_upload(self, key: str) -> None:
        self._hashes.drop(key)
        path = self._path("incoming", key)
        try:
            with _locked_upload(path, key, os.O_RDONLY):
                path.unlink()
        except UploadNotFound:
            pass

    def landed(self, key: str) -> int | None:
        check_key(key)
        return None  # every local upload goes through write_chunk and is completed explicitly

    def _rehash(self, path: Path, size: int, key: str) -> Hasher:
        with open(path, "rb") as f:
            hasher, seen = md5_of_chunks(_read_range(f, 0, size, self._read_chunk))
        if seen != size:
            raise UploadNotFound(key)  # truncated under us: treat as gone
        return hasher

    # -- verified blobs ---------------------------------------------------------------------

    def stat(self, key: str) -> BlobInfo | None:
        blob, meta = self._path("blobs", key), self._path("meta", key, ".json")
        try:
            recorded = json.loads(meta.read_bytes())
            size = blob.stat().st_size
        except FileNotFoundError:
            return None
        if size != recorded["size"]:
            return None
        return BlobInfo(key, size, recorded["md5"])

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        info = self.stat(key)
        if info is None:
            raise BlobNotFound(key)
        try:
            f = open(self._path("blobs", key), "rb")  # noqa: SIM115 - _FileReader closes it
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        size = os.fstat(f.fileno()).st_size
        if size != info.size:
            f.close()
            raise BlobNotFound(key)
        stop = size if end is None else min(end, size)
        if start < 0 or start > size or stop < start:
            f.close()
            raise RangeNotSatisfiable(key, start, end, size)
        return _FileReader(f, start, stop, self._read_chunk)

    def presigned_get(self, key: str, expires: int = 300, filename: str | None = None) -> str | None:
        check_key(key)
        return None

    def delete(self, key: str) -> None:
        self.abort_upload(key)
        for path in (self._path("meta", key, ".json"), self._path("blobs", key)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                _fsync_dir(path.parent)


class _locked_upload(contextlib.AbstractContextManager[int]):
    """Open the upload file and hold an exclusive flock on it.

    After the lock is granted, the path must still name the same file: a concurrent ``complete``
    or ``abort_upload`` may have moved or removed it while we waited.
    """

    def __init__(self, path: Path, key: str, flags: int) -> None:
        self.path, self.key, self.flags = path, key, flags
        self.fd = -1

    def __enter__(self) -> int:
        try:
            fd = os.open(self.path, self.flags)
        except FileNotFoundError:
            raise UploadNotFound(self.key) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.stat(self.path).st_ino != os.fstat(fd).st_ino:
                raise UploadNotFound(self.key)
        except FileNotFoundError:
            os.close(fd)
            raise UploadNotFound(self.key) from None
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return fd

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the flock
            self.fd = -1


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_range(f: BinaryIO, start: int, stop: int, chunk: int) -> Iterator[bytes]:
    f.seek(start)
    remaining = stop - start
    while remaining > 0:
        data = f.read(min(chunk, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data


class _FileReader(Iterator[bytes]):
    """Iterates over a byte range of an open file; closes it at the end or on ``close()``."""

    def __init__(self, f: BinaryIO, start: int, stop: int, chunk: int) -> None:
        self._f = f
        self._chunks = _read_range(f, start, stop, chunk)

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._f.close()
