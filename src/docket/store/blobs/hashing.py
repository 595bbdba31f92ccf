"""md5 computed while streaming, and a small cache of hash states for uploads in progress."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

# hashlib objects have no public type; Any keeps mypy quiet without a cast at every use.
Hasher = Any


def new_md5() -> Hasher:
    return hashlib.md5(usedforsecurity=False)


def md5_of_chunks(chunks: Iterable[bytes], hasher: Hasher | None = None) -> tuple[Hasher, int]:
    """Feed ``chunks`` to ``hasher`` (a new md5 if None); return it and the number of bytes seen."""
    hasher = new_md5() if hasher is None else hasher
    size = 0
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
    return hasher, size


class HashStates:
    """md5 states of uploads in progress in this process, so a chunk need not re-read what came before.

    An entry is valid only for the exact offset it was stored at; anything else (another process wrote
    in between, the state was evicted) makes :meth:`take` return None and the caller re-hashes.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._states: OrderedDict[str, tuple[int, Hasher]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, offset: int) -> Hasher | None:
        with self._lock:
            entry = self._states.pop(key, None)
        if entry is None or entry[0] != offset:
            return None
        return entry[1]

    def put(self, key: str, offset: int, hasher: Hasher) -> None:
        with self._lock:
            self._states[key] = (offset, hasher)
            self._states.move_to_end(key)
            while len(self._states) > self._capacity:
                self._states.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)
