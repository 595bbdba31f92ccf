"""Test data for the blob stores: content generated on the fly, never held whole in memory."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

MiB = 1 << 20


class Generated:
    """``size`` pseudo-random bytes, reproducible block by block from ``seed``."""

    def __init__(self, size: int, seed: int = 1, block: int = MiB) -> None:
        self.size, self.seed, self.block = size, seed, block

    def _block(self, index: int) -> bytes:
        length = min(self.block, self.size - index * self.block)
        return random.Random(self.seed * 1_000_003 + index).randbytes(length)

    def chunks(self, start: int = 0, end: int | None = None, chunk: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) in pieces of at most ``chunk`` (default: the block size)."""
        end = self.size if end is None else min(end, self.size)
        chunk = chunk or self.block
        position = start
        while position < end:
            index, within = divmod(position, self.block)
            data = self._block(index)[within : within + min(chunk, end - position)]
            yield data
            position += len(data)

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        return b"".join(self.chunks(start, end))

    @cached_property
    def md5(self) -> str:
        hasher = hashlib.md5(usedforsecurity=False)
        for data in self.chunks():
            hasher.update(data)
        return hasher.hexdigest()

    def write_to(self, path: Path) -> Path:
        with open(path, "wb") as f:
            for data in self.chunks():
                f.write(data)
        return path


def md5_of(chunks: Iterator[bytes]) -> tuple[str, int]:
    hasher, size = hashlib.md5(usedforsecurity=False), 0
    for data in chunks:
        hasher.update(data)
        size += len(data)
    return hasher.hexdigest(), size


def clean_aws_env(**extra: str) -> dict[str, str]:
    """The environment for `aws`, without the caller's AWS settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env.update(extra)
    return env
