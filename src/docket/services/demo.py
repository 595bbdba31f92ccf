"""A small demo data set: one lab and award, an admin and a submitter, biosources, biosamples and files."""

from __future__ import annotations

import hashlib
from typing import Any

from docket.services.accounts import NewKey
from docket.services.bootstrap import create_key_for, find_or_create
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import SYSTEM

DEMO_LAB = "demo-lab"
DEMO_AWARD = "DEMO-0001"
ADMIN_EMAIL = "admin@docket.example.org"
SUBMITTER_EMAIL = "submitter@docket.example.org"


def load_demo(portal: Portal) -> NewKey:
    """Load the demo items once (all in one transaction) and return a new admin access key."""
    if portal.store.find_keys([("lab:name", DEMO_LAB)]):
        return create_key_for(portal, ADMIN_EMAIL, admin=True)
    award = find_or_create(
        portal,
        "Award",
        ("award:name", DEMO_AWARD),
        {"name": DEMO_AWARD, "title": "Demo consortium award", "project": "4DN"},
    )
    find_or_create(
        portal,
        "Lab",
        ("lab:name", DEMO_LAB),
        {
            "name": DEMO_LAB,
            "title": "Demo Lab",
            "awards": [award],
            "institute_name": "Docket Institute",
            "status": "current",
        },
    )
    key = create_key_for(portal, ADMIN_EMAIL, admin=True)
    create_key_for(portal, SUBMITTER_EMAIL, lab=DEMO_LAB)
    portal.items.write(SYSTEM, [Change("create", t, body, index=i) for i, (t, body) in enumerate(_items())])
    return key


def _items() -> list[tuple[str, dict[str, Any]]]:
    common = {"lab": DEMO_LAB, "award": DEMO_AWARD}
    rows: list[tuple[str, dict[str, Any]]] = []
    for n, (kind, line) in enumerate(
        [("immortalized cell line", "GM12878"), ("stem cell", "H1-hESC"), ("primary cell", "HFF")], start=1
    ):
        rows.append(
            (
                "Biosource",
                {
                    **common,
                    "aliases": [f"{DEMO_LAB}:biosource-{n}"],
                    "biosource_type": kind,
                    "cell_line": line,
                    "organism": "human",
                    "status": "released",
                },
            )
        )
    for n in range(1, 5):
        rows.append(
            (
                "Biosample",
                {
                    **common,
                    "aliases": [f"{DEMO_LAB}:biosample-{n}"],
                    "biosource": [f"{DEMO_LAB}:biosource-{(n - 1) % 3 + 1}"],
                    "description": f"Demo biosample {n}",
                    "status": "released" if n <= 2 else "in review by lab",
                },
            )
        )
    for n in range(1, 3):
        md5 = hashlib.md5(f"demo-file-{n}".encode()).hexdigest()
        rows.append(
            (
                "FileFastq",
                {
                    **common,
                    "aliases": [f"{DEMO_LAB}:fastq-{n}"],
                    "file_format": "fastq",
                    "filename": f"demo_R{n}.fastq.gz",
                    "md5sum": md5,
                    "paired_end": str(n),
                },
            )
        )
    return rows
