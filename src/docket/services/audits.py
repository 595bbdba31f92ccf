"""Running the model's audits on stored items, and shaping their findings as snovault does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docket.model.audits import AUDITS, Finding, run_audits
from docket.model.types import Model
from docket.store.protocol import ItemStore, StoredItem


class AuditService:
    def __init__(self, model: Model, store: ItemStore) -> None:
        self.model = model
        self.store = store

    def applies_to(self, type_names: Iterable[str]) -> bool:
        return any(name in AUDITS for t in type_names for name in self.model.types[t].type_names)

    def findings(self, item: StoredItem) -> list[Finding]:
        cache: dict[str, dict[str, Any] | None] = {}

        def lookup(uuid: str) -> dict[str, Any] | None:
            if uuid not in cache:
                found = self.store.get(uuid) if isinstance(uuid, str) else None
                cache[uuid] = self._doc(found) if found else None
            return cache[uuid]

        info = self.model.types[item.item_type]
        return run_audits(info.type_names, self._doc(item), lookup)

    def _doc(self, item: StoredItem) -> dict[str, Any]:
        return {**item.properties, "@type": self.model.types[item.item_type].type_names, "uuid": item.uuid}


def audit_json(findings: list[Finding]) -> dict[str, list[dict[str, Any]]]:
    """Findings grouped by level: ``{"ERROR": [{"category", "detail", "level_name", "path"}]}``."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        grouped.setdefault(finding.level, []).append(
            {
                "category": finding.category,
                "detail": finding.detail,
                "level_name": finding.level,
                "path": list(finding.path),
            }
        )
    return grouped
