"""Small factories for test data: labs, awards, users with keys, and item bodies."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

from docket.services.bootstrap import create_key_for, find_or_create
from docket.services.portal import Portal

_counter = itertools.count(1)


@dataclass(frozen=True)
class User:
    email: str
    key: str
    secret: str
    uuid: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.key, self.secret)


class Factory:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def lab(self, name: str = "test-lab", award: str = "TEST-AWARD-1") -> str:
        award_uuid = find_or_create(
            self.portal, "Award", ("award:name", award), {"name": award, "title": f"Award {award}"}
        )
        return find_or_create(
            self.portal,
            "Lab",
            ("lab:name", name),
            {"name": name, "title": f"Lab {name}", "awards": [award_uuid]},
        )

    def user(self, email: str, admin: bool = False, lab: str | None = None) -> User:
        if lab:
            self.lab(lab)
        key = create_key_for(self.portal, email, admin=admin, lab=lab)
        uuid = self.portal.accounts.user_by_email(email)
        assert uuid is not None
        return User(email, key.access_key_id, key.secret_access_key, uuid.uuid)

    def admin(self) -> User:
        return self.user("admin@example.org", admin=True)

    def submitter(self, lab: str = "test-lab") -> User:
        return self.user(f"submitter@{lab}.example.org", lab=lab)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def biosource(lab: str = "test-lab", award: str = "TEST-AWARD-1", **extra: Any) -> dict[str, Any]:
    return {
        "aliases": [f"{lab}:{unique('bsrc')}"],
        "biosource_type": "immortalized cell line",
        "cell_line": "GM12878",
        "lab": lab,
        "award": award,
        **extra,
    }


def biosample(source: str, lab: str = "test-lab", award: str = "TEST-AWARD-1", **extra: Any) -> dict[str, Any]:
    return {"aliases": [f"{lab}:{unique('bs')}"], "biosource": [source], "lab": lab, "award": award, **extra}


def fastq(lab: str = "test-lab", award: str = "TEST-AWARD-1", **extra: Any) -> dict[str, Any]:
    name = unique("reads")
    return {
        "aliases": [f"{lab}:{name}"],
        "file_format": "fastq",
        "filename": f"{name}.fastq.gz",
        "md5sum": hashlib.md5(name.encode()).hexdigest(),
        "lab": lab,
        "award": award,
        **extra,
    }
