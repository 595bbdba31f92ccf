"""Blob keys: relative POSIX paths that are safe as file paths and as S3 object names."""

from __future__ import annotations

import re

from docket.store.blobs.errors import InvalidBlobKey

# The S3 store keeps unverified content under these first segments, so no key may start with them.
RESERVED_FIRST_SEGMENTS = frozenset({"incoming", "partial"})
MAX_KEY_LENGTH = 900  # below S3's 1024 bytes, leaving room for a prefix and the "incoming/" area
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+=@,-]*")


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe blob key, else raise :class:`InvalidBlobKey`.

    A key is one or more ``/``-separated segments of letters, digits and ``._+=@,-``; no segment
    starts with a dot (so no ``..``, no hidden files) and the first segment is not reserved.
    """
    if not isinstance(key, str) or not key:
        raise InvalidBlobKey(str(key), "empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidBlobKey(key, f"longer than {MAX_KEY_LENGTH} characters")
    segments = key.split("/")
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise InvalidBlobKey(key, f"bad path segment {segment!r}")
    if segments[0] in RESERVED_FIRST_SEGMENTS:
        raise InvalidBlobKey(key, f"the first segment {segments[0]!r} is reserved")
    return key
