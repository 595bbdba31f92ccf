"""Turn any identifier a user may write into an item's uuid.

Accepted forms: a uuid; an accession; an alias ``lab:id``; an ``@id`` path (``/labs/test-lab/``);
``/<TypeName>/<key>`` or ``/<collection>/<key>``; ``/<uuid>`` or ``/<alias>``; and, for a link whose
schema names one type, that type's own keys (a lab's name, a file format's name).

A ``Resolver`` lives for one request. It caches what it found and can prefetch many identifiers with
two queries, which is what keeps a 1,000-item batch fast. Items created earlier in the same batch
are visible to it through ``add_pending``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from docket.model.identifiers import is_alias, is_uuid
from docket.model.types import Model, TypeInfo
from docket.store.protocol import Filter, ItemStore, Query, Visibility

Key = tuple[str, str]


@dataclass(frozen=True)
class Ref:
    uuid: str
    item_type: str


@dataclass(frozen=True)
class _Plan:
    """Where to look for one identifier: candidate uuids and keys, in order, within allowed types."""

    uuids: tuple[str, ...]
    keys: tuple[Key, ...]
    allowed: frozenset[str] | None
    lookup: tuple[str, str, str] | None = None  # (type name, property, value)


class Resolver:
    def __init__(self, model: Model, store: ItemStore) -> None:
        self.model = model
        self.store = store
        self._types: dict[str, str] = {}
        self._keys: dict[Key, str] = {}
        self._missing_keys: set[Key] = set()
        self._missing_uuids: set[str] = set()
        self._lookups: dict[tuple[str, str, str], Ref | None] = {}
        self._properties: dict[str, dict[str, Any] | None] = {}
        self._type_keys = _namespaces_of(model)

    # -- pending items of a batch -----------------------------------------------------------------

    def add_pending(self, uuid: str, item_type: str, keys: Iterable[Key]) -> None:
        self._types[uuid] = item_type
        self._missing_uuids.discard(uuid)
        for key in keys:
            self._keys[key] = uuid
            self._missing_keys.discard(key)

    def properties(self, uuid: str) -> dict[str, Any] | None:
        """A stored item's properties, remembered for the life of this resolver (one request)."""
        if uuid not in self._properties:
            found = self.store.get(uuid)
            self._properties[uuid] = found.properties if found else None
        return self._properties[uuid]

    def item_type(self, uuid: str) -> str | None:
        if uuid not in self._types and uuid not in self._missing_uuids:
            self._fetch_types([uuid])
        return self._types.get(uuid)

    # -- resolution -------------------------------------------------------------------------------

    def resolve(self, identifier: str, type_name: str | None = None) -> Ref | None:
        plan = self._plan(identifier, type_name)
        if plan is None:
            return None
        self._fetch(plan.uuids, plan.keys)
        for uuid in plan.uuids:
            ref = self._accept(uuid, plan.allowed)
            if ref:
                return ref
        for key in plan.keys:
            found = self._keys.get(key)
            ref = self._accept(found, plan.allowed) if found else None
            if ref:
                return ref
        if plan.lookup:
            return self._by_lookup(*plan.lookup)
        return None

    def prefetch(self, identifiers: Iterable[tuple[str, str | None]]) -> None:
        uuids: list[str] = []
        keys: list[Key] = []
        for identifier, type_name in identifiers:
            plan = self._plan(identifier, type_name)
            if plan:
                uuids.extend(plan.uuids)
                keys.extend(plan.keys)
        self._fetch(uuids, keys)

    def _accept(self, uuid: str | None, allowed: frozenset[str] | None) -> Ref | None:
        if not uuid:
            return None
        item_type = self._types.get(uuid)
        if item_type is None or (allowed is not None and item_type not in allowed):
            return None
        return Ref(uuid, item_type)

    def _plan(self, identifier: str, type_name: str | None) -> _Plan | None:
        value = identifier.strip()
        if not value:
            return None
        if value.startswith("/"):
            parts = [unquote(p) for p in value.split("?", 1)[0].split("/") if p]
            if len(parts) == 1:
                return self._root_plan(parts[0])
            if len(parts) == 2:
                info = self.model.find_type(parts[0])
                if info is None:
                    return None
                return self._typed_plan(parts[1], info)
            return None
        if type_name is not None:
            return self._typed_plan(value, self.model.types[type_name])
        return self._root_plan(value)

    def _root_plan(self, value: str) -> _Plan:
        uuids = (value,) if is_uuid(value) else ()
        keys: list[Key] = []
        if self.model.is_accession(value):
            keys.append(("accession", value))
        if is_alias(value):
            keys.append(("alias", value))
        return _Plan(uuids, tuple(keys), None)

    def _typed_plan(self, value: str, info: TypeInfo) -> _Plan:
        family = frozenset(self.model.concrete_subtypes(info.name))
        uuids = (value,) if is_uuid(value) else ()
        keys = [(ns, value) for ns in self._type_keys[info.name]]
        if is_alias(value) and ("alias", value) not in keys:
            keys.append(("alias", value))
        lookup = (info.name, info.lookup_key, value) if info.lookup_key else None
        return _Plan(uuids, tuple(keys), family, lookup)

    # -- fetching ---------------------------------------------------------------------------------

    def _fetch(self, uuids: Iterable[str], keys: Iterable[Key]) -> None:
        wanted_keys = [k for k in dict.fromkeys(keys) if k not in self._keys and k not in self._missing_keys]
        if wanted_keys:
            found = self.store.find_keys(wanted_keys)
            for key in wanted_keys:
                if key in found:
                    self._keys[key] = found[key]
                else:
                    self._missing_keys.add(key)
        needed = [*uuids, *(self._keys[k] for k in wanted_keys if k in self._keys)]
        self._fetch_types(needed)

    def _fetch_types(self, uuids: Iterable[str]) -> None:
        wanted = [u for u in dict.fromkeys(uuids) if u not in self._types and u not in self._missing_uuids]
        if not wanted:
            return
        found = self.store.item_types(wanted)
        for uuid in wanted:
            if uuid in found:
                self._types[uuid] = found[uuid]
            else:
                self._missing_uuids.add(uuid)

    def _by_lookup(self, type_name: str, prop: str, value: str) -> Ref | None:
        memo = (type_name, prop, value)
        if memo not in self._lookups:
            self._lookups[memo] = self._search_lookup(type_name, prop, value)
        return self._lookups[memo]

    def _search_lookup(self, type_name: str, prop: str, value: str) -> Ref | None:
        query = Query(
            item_types=tuple(self.model.concrete_subtypes(type_name)),
            visibility=Visibility(everything=True),
            filters=(Filter(prop, (value,)),),
            limit=2,
        )
        page = self.store.search(query)
        if len(page.items) != 1:
            return None
        found = page.items[0]
        self._types[found.uuid] = found.item_type
        return Ref(found.uuid, found.item_type)


_NAMESPACES: dict[int, dict[str, list[str]]] = {}


def _namespaces_of(model: Model) -> dict[str, list[str]]:
    """Per type, the key namespaces a bare value is looked up in; computed once per model."""
    found = _NAMESPACES.get(id(model))
    if found is None:
        found = {name: _typed_namespaces(model, info) for name, info in model.types.items()}
        _NAMESPACES[id(model)] = found
    return found


def _typed_namespaces(model: Model, info: TypeInfo) -> list[str]:
    """The unique-key namespaces a bare value may be looked up in for this type and its subtypes."""
    namespaces: list[str] = []
    for name in [info.name, *info.subtypes]:
        for namespace, template in model.types[name].unique_keys.values():
            if template == "{}" and namespace not in namespaces:
                namespaces.append(namespace)
    return namespaces
