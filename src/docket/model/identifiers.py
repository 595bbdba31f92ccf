"""Identifiers: uuids, accessions, aliases and the characters allowed in a key."""

from __future__ import annotations

import re
import secrets
import uuid as uuidlib

from docket.model.types import AccessionScheme

ALIAS = re.compile(r"^[^\s\\/]+:[^\s\\/]+$")
_KEY_CHARS = re.compile(r"^[A-Za-z0-9_\-:,. @]+$")


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def is_uuid(value: str) -> bool:
    if len(value) != 36:
        return False
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def mint_accession(scheme: AccessionScheme, code: str) -> str:
    """A fresh random accession such as ``4DNBS3K7QZ2A``; uniqueness is enforced by the keys table."""
    tail = "".join(secrets.choice(scheme.alphabet) for _ in range(scheme.length))
    return f"{scheme.prefix}{code}{tail}"


def is_alias(value: str) -> bool:
    return bool(ALIAS.match(value))


def valid_key_value(value: str) -> bool:
    """Whether a unique-key value may appear in a URL path segment (snovault's rule)."""
    return bool(_KEY_CHARS.match(value))
