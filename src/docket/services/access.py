"""Controlled access: human-derived data is visible only to its lab, admins and its access group.

The model declares (``model.json`` ``controlled_access``) which types are controlled (IndividualHuman,
when its ``protected_data`` flag is on) and how the restriction flows to derived items: a Biosource from
its ``individual``, a Biosample from its ``biosource``, an Experiment from its ``biosample``, a set from
its experiments, a File from the experiments that list it (``<-files``: an incoming link). The group is
kept in the ``access_group`` column, which every visibility check reads; it is recomputed inside the
writing transaction for the written items and, transitively, for the items derived from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docket.model.types import Model, TypeInfo
from docket.store.protocol import StoredItem, Writer

# The group of a controlled item that names none: only its lab and admins may see it.
LAB_ONLY = "controlled:lab-only"
_MAX_PROPAGATION = 10_000


class AccessPolicy:
    def __init__(self, model: Model) -> None:
        config: dict[str, Any] = model.controlled_access
        self.model = model
        self.controlled: dict[str, dict[str, Any]] = config.get("types", {})
        self.inherit: dict[str, list[str]] = config.get("inherit", {})

    @property
    def active(self) -> bool:
        return bool(self.controlled)

    def _rules(self, info: TypeInfo) -> list[str]:
        return [rule for name in info.type_names for rule in self.inherit.get(name, [])]

    def _controlled_spec(self, info: TypeInfo) -> dict[str, Any] | None:
        for name in info.type_names:
            if name in self.controlled:
                return self.controlled[name]
        return None

    def group_of(self, item: StoredItem, writer: Writer) -> str | None:
        info = self.model.types[item.item_type]
        spec = self._controlled_spec(info)
        props = item.properties
        if spec is not None:
            if props.get(spec.get("flag", "protected_data"), spec.get("default", True)):
                group = props.get(spec.get("group", "access_group"))
                return group if isinstance(group, str) and group else LAB_ONLY
            return None
        for uuid in self._sources(item, info, writer):
            found = writer.read([uuid]).get(uuid)
            if found is not None and found.index.access_group:
                return found.index.access_group
        return None

    def _sources(self, item: StoredItem, info: TypeInfo, writer: Writer) -> Iterable[str]:
        for rule in self._rules(info):
            if rule.startswith("<-"):
                yield from (s for s, _rel in writer.links_to(item.uuid, [rule[2:]]))
            else:
                value = item.properties.get(rule)
                yield from (v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))

    def _dependents(self, item: StoredItem, writer: Writer) -> list[str]:
        """Items whose group is derived from this one."""
        found: list[str] = []
        for type_name, rules in self.inherit.items():
            family = set(self.model.concrete_subtypes(type_name))
            for rule in rules:
                if rule.startswith("<-"):
                    value = item.properties.get(rule[2:])
                    targets = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
                    items = writer.read(targets)
                    found += [u for u, t in items.items() if t.item_type in family]
                else:
                    sources = [s for s, _rel in writer.links_to(item.uuid, [rule])]
                    items = writer.read(sources)
                    found += [u for u, t in items.items() if t.item_type in family]
        return found

    def refresh(self, written: list[StoredItem], writer: Writer) -> None:
        """Recompute the group of the written items and of everything derived from them."""
        if not self.active:
            return
        queue = [item.uuid for item in written]
        seen: set[str] = set()
        while queue and len(seen) < _MAX_PROPAGATION:
            uuid = queue.pop(0)
            if uuid in seen:
                continue
            seen.add(uuid)
            item = writer.read([uuid]).get(uuid)
            if item is None:
                continue
            group = self.group_of(item, writer)
            if group != item.index.access_group:
                writer.set_access_group(uuid, group)
            queue.extend(self._dependents(item, writer))
