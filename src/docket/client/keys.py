"""Credentials for the command-line tools, read from a ``keypairs.json`` file as Submit4DN does.

The file holds named entries ``{"default": {"key": ..., "secret": ..., "server": ...}}``; ``--keyfile``
picks the file (default ``~/keypairs.json``) and ``--key`` the entry (default ``default``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_KEYFILE = Path("~/keypairs.json")


class KeyfileError(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    key: str
    secret: str
    server: str

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(key={self.key!r}, server={self.server!r})"


def load_credentials(keyfile: str | Path | None = None, name: str = "default") -> Credentials:
    path = Path(keyfile or DEFAULT_KEYFILE).expanduser()
    try:
        entries = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeyfileError(f"No key file at {path}; create one with `docket keys create` or pass --keyfile") from None
    except json.JSONDecodeError as exc:
        raise KeyfileError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    entry = entries.get(name) if isinstance(entries, dict) else None
    if not isinstance(entry, dict):
        names = ", ".join(sorted(entries)) if isinstance(entries, dict) else "none"
        raise KeyfileError(f"{path} has no entry {name!r} (entries: {names})")
    missing = [field for field in ("key", "secret", "server") if not entry.get(field)]
    if missing:
        raise KeyfileError(f"{path} entry {name!r} lacks {', '.join(missing)}")
    return Credentials(entry["key"], entry["secret"], str(entry["server"]).rstrip("/"))
