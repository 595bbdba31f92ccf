"""Rendering stored items into the snovault frames.

- ``raw``: the stored document (links as uuids) plus ``uuid``;
- ``object``: links as ``@id`` paths, plus ``@id``, ``@type``, ``uuid``, ``display_title`` and reverse links;
- ``embedded`` (the default page frame): ``object``, with the type's ``embedded`` link fields expanded
  into the linked items' object frames, where the caller may see them.

Write-only properties (secret hashes) appear in no frame.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from docket.model.links import LinkField, Path, iter_links, map_links
from docket.model.types import Model, TypeInfo
from docket.services import permissions
from docket.services.principal import Principal
from docket.store.protocol import ItemStore, StoredItem

FRAMES = ("object", "embedded", "page", "raw")
HIDDEN_REV_STATUSES = ("deleted", "replaced")
_TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")

Extra = Callable[[TypeInfo, StoredItem, dict[str, Any], Principal], None]


class Renderer:
    def __init__(self, model: Model, store: ItemStore) -> None:
        self.model = model
        self.store = store
        # Extra calculated properties contributed by other services (uploads, audits), per frame.
        self.extras: list[Extra] = []

    # -- identifiers ------------------------------------------------------------------------------

    def at_id(self, item: StoredItem) -> str:
        info = self.model.types[item.item_type]
        name = item.properties.get(info.name_key) if info.name_key else None
        if not name or item.properties.get("status") == "replaced":
            name = item.uuid
        return f"/{info.collection}/{name}/"

    def display_title(self, info: TypeInfo, props: dict[str, Any], uuid: str) -> str:
        for template in [*info.display_title, "title", "name", "accession"]:
            if "{" in template:
                fields = _TEMPLATE_FIELD.findall(template)
                if all(props.get(f) for f in fields):
                    return template.format(**{f: props[f] for f in fields})
            elif props.get(template):
                return str(props[template])
        aliases = props.get("aliases")
        return str(aliases[0]) if aliases else uuid

    # -- frames -----------------------------------------------------------------------------------

    def render(self, stored: Sequence[StoredItem], frame: str, principal: Principal) -> list[dict[str, Any]]:
        if frame == "raw":
            return [self._raw(item) for item in stored]
        linked = self._linked(stored)
        reverse = self._reverse_links(stored)
        rendered = [self._object(item, linked, principal, reverse) for item in stored]
        if frame in ("embedded", "page"):
            self._embed(stored, rendered, linked, principal)
        return rendered

    def render_one(self, item: StoredItem, frame: str, principal: Principal) -> dict[str, Any]:
        return self.render([item], frame, principal)[0]

    def _raw(self, item: StoredItem) -> dict[str, Any]:
        info = self.model.types[item.item_type]
        body = {k: v for k, v in item.properties.items() if k not in info.write_only}
        body["uuid"] = item.uuid
        return body

    def _linked(self, stored: Sequence[StoredItem]) -> dict[str, StoredItem]:
        uuids: list[str] = []
        for item in stored:
            info = self.model.types[item.item_type]
            uuids.extend(v for _f, _p, v in iter_links(item.properties, info.links) if isinstance(v, str))
        known = {item.uuid: item for item in stored}
        missing = [u for u in uuids if u not in known]
        return {**known, **self.store.get_many(missing)}

    def _object(
        self,
        item: StoredItem,
        linked: dict[str, StoredItem],
        principal: Principal,
        reverse: dict[tuple[str, str], list[StoredItem]] | None = None,
    ) -> dict[str, Any]:
        info = self.model.types[item.item_type]

        def to_path(_field: LinkField, _path: Path, value: Any) -> Any:
            target = linked.get(value) if isinstance(value, str) else None
            return self.at_id(target) if target else value

        props = {k: v for k, v in item.properties.items() if k not in info.write_only}
        body = map_links(props, info.links, to_path)
        body["@id"] = self.at_id(item)
        body["@type"] = info.type_names
        body["uuid"] = item.uuid
        body["display_title"] = self.display_title(info, item.properties, item.uuid)
        if info.rev_links and reverse is None:
            reverse = self._reverse_links([item])
        for prop, (source_type, source_field) in info.rev_links.items():
            family = set(self.model.concrete_subtypes(source_type))
            body[prop] = [
                self.at_id(source)
                for source in (reverse or {}).get((item.uuid, source_field), [])
                if source.item_type in family
                and source.properties.get("status") not in HIDDEN_REV_STATUSES
                and permissions.can_view(principal, source)
            ]
        for extra in self.extras:
            extra(info, item, body, principal)
        return body

    def _reverse_links(self, stored: Sequence[StoredItem]) -> dict[tuple[str, str], list[StoredItem]]:
        """Items linking to each of ``stored`` through a field some reverse link reads, in two queries."""
        rels = sorted({f for i in stored for _t, f in self.model.types[i.item_type].rev_links.values()})
        targets = [i.uuid for i in stored if self.model.types[i.item_type].rev_links]
        found = self.store.links_into(targets, rels)
        sources = self.store.get_many([s for s, _r, _t in found])
        result: dict[tuple[str, str], list[StoredItem]] = {}
        for source, rel, target in found:
            if source in sources:
                result.setdefault((target, rel), []).append(sources[source])
        return result

    def _embed(
        self,
        stored: Sequence[StoredItem],
        rendered: list[dict[str, Any]],
        linked: dict[str, StoredItem],
        principal: Principal,
    ) -> None:
        cache: dict[str, dict[str, Any]] = {}
        for item, body in zip(stored, rendered, strict=True):
            info = self.model.types[item.item_type]
            for field in info.embedded:
                value = item.properties.get(field)
                if isinstance(value, list):
                    body[field] = [self._embed_one(v, linked, principal, cache) for v in value]
                elif isinstance(value, str):
                    body[field] = self._embed_one(value, linked, principal, cache)

    def _embed_one(
        self, uuid: Any, linked: dict[str, StoredItem], principal: Principal, cache: dict[str, dict[str, Any]]
    ) -> Any:
        target = linked.get(uuid) if isinstance(uuid, str) else None
        if target is None:
            return uuid
        if not permissions.can_view(principal, target):
            return self.at_id(target)
        if uuid not in cache:
            cache[uuid] = self._object(target, self._linked([target]), principal)
        return cache[uuid]
