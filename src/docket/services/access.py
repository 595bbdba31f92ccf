"""Controlled access: human-derived data is visible only to its lab, admins and its access group.

The model declares (``model.json`` ``controlled_access``) which types are controlled (IndividualHuman,
when its ``protected_data`` flag is on) and how the restriction flows to derived items: a Biosource from
its ``individual``, a Biosample from its ``biosource``, an Experiment from its ``biosample``, a set from
its experiments, a File from the experiments that list it (``<-files``: an incoming link). The group is
kept in the ``access_group`` column, which every visibility check reads; it is recomputed inside the
writing transaction for the written items and, transitively, for the items derived from them.
"""

from __future__ import annotations

from typing import Any

from docket.model.types import Model, TypeInfo
from docket.store.protocol import StoredItem, Writer

# The group of a controlled item that names none: only its lab and admins may see it.
LAB_ONLY = "controlled:lab-only"
# Derivation chains are short (individual, biosource, biosample, experiment, set, file).
_MAX_ROUNDS = 20


class AccessPolicy:
    def __init__(self, model: Model) -> None:
        config: dict[str, Any] = model.controlled_access
        self.model = model
        self.controlled: dict[str, dict[str, Any]] = config.get("types", {})
        self.inherit: dict[str, list[str]] = config.get("inherit", {})
        # Per concrete type: the rules it inherits by, and whether it takes part at all.
        self._rules = {name: self._rules_of(info) for name, info in model.types.items()}
        self._forward_rels = sorted({r for rules in self.inherit.values() for r in rules if not r.startswith("<-")})
        self._pushed_fields = sorted({r[2:] for rules in self.inherit.values() for r in rules if r.startswith("<-")})
        self._involved = {
            name
            for name, info in model.types.items()
            if self._rules[name] or self._spec(info) is not None or self._is_source(info)
        }

    @property
    def active(self) -> bool:
        return bool(self.controlled)

    def _rules_of(self, info: TypeInfo) -> list[str]:
        return [rule for name in info.type_names for rule in self.inherit.get(name, [])]

    def _spec(self, info: TypeInfo) -> dict[str, Any] | None:
        for name in info.type_names:
            if name in self.controlled:
                return self.controlled[name]
        return None

    def _is_source(self, info: TypeInfo) -> bool:
        """Whether some inheriting type links to this one (so its group can flow onwards)."""
        names = set(info.type_names)
        for type_name, rules in self.inherit.items():
            for rule in rules:
                field = rule[2:] if rule.startswith("<-") else rule
                holders = [type_name] if not rule.startswith("<-") else list(self.model.types)
                for holder in holders:
                    for link in self.model.types[holder].links:
                        if link.name == field and names & set(link.targets):
                            return True
        return False

    def refresh(self, written: list[StoredItem], writer: Writer) -> None:
        """Recompute the group of the written items and, where one changed, of everything derived from it."""
        if not self.active:
            return
        current = {item.uuid: item for item in written if item.item_type in self._involved}
        rounds = 0
        while current and rounds < _MAX_ROUNDS:
            rounds += 1
            groups = self._groups(list(current.values()), writer)
            changed = [u for u, item in current.items() if groups[u] != item.index.access_group]
            for uuid in changed:
                writer.set_access_group(uuid, groups[uuid])
            queue = self._dependents([current[u] for u in changed], writer)
            current = writer.read(queue) if queue else {}

    def _groups(self, items: list[StoredItem], writer: Writer) -> dict[str, str | None]:
        groups: dict[str, str | None] = {}
        sources: dict[str, list[str]] = {}
        for item in items:
            info = self.model.types[item.item_type]
            spec = self._spec(info)
            props = item.properties
            if spec is not None:
                flagged = props.get(spec.get("flag", "protected_data"), spec.get("default", True))
                group = props.get(spec.get("group", "access_group"))
                groups[item.uuid] = (group if isinstance(group, str) and group else LAB_ONLY) if flagged else None
                continue
            sources[item.uuid] = []
            for rule in self._rules[item.item_type]:
                if not rule.startswith("<-"):
                    value = props.get(rule)
                    sources[item.uuid] += [
                        v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
                    ]
        incoming_rels = sorted({r[2:] for i in items for r in self._rules[i.item_type] if r.startswith("<-")})
        if incoming_rels:
            for source, _rel, target in writer.links_from_many([i.uuid for i in items], incoming_rels):
                if target in sources:
                    sources[target].append(source)
        found = writer.read([s for linked in sources.values() for s in linked])
        for uuid, linked in sources.items():
            groups[uuid] = next(
                (found[s].index.access_group for s in linked if s in found and found[s].index.access_group), None
            )
        return groups

    def _dependents(self, changed: list[StoredItem], writer: Writer) -> list[str]:
        """Items whose group is derived from one of these."""
        if not changed:
            return []
        found: list[str] = []
        if self._forward_rels:
            for source, _rel, _target in writer.links_from_many([i.uuid for i in changed], self._forward_rels):
                found.append(source)
        for item in changed:
            for field in self._pushed_fields:
                value = item.properties.get(field)
                found += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
        candidates = writer.read(found)
        return [u for u, item in candidates.items() if any(r for r in self._rules[item.item_type])]
