"""Search: ``/search/?type=T&<prop>=v&field=f&limit=N|all&from=K&sort=-date_created&q=text``.

Filters are property equality (array membership included), ``prop!=v`` negation, ``No value`` for
absence, and one step through a link (``lab.name=x``). Link filters accept any identifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from docket.errors import BadRequest
from docket.model.types import Model, TypeInfo
from docket.services import permissions
from docket.services.audits import AuditService
from docket.services.principal import Principal
from docket.services.render import Renderer
from docket.services.resolver import Resolver
from docket.store.protocol import Filter, ItemStore, Query, Visibility

RESERVED = {
    "audit",
    "type",
    "field",
    "limit",
    "from",
    "sort",
    "frame",
    "format",
    "datastore",
    "q",
    "searchTerm",
    "redirected_from",
}
DEFAULT_LIMIT = 25
NO_VALUE = "No value"
NO_MATCH = "(no item matches)"
_LINKED_MATCH_LIMIT = 5000
# Audits are computed on demand, so the audit facet and filter look at no more than this many items.
AUDIT_SCAN_LIMIT = 5000


@dataclass
class SearchResult:
    body: dict[str, Any]
    found: bool


class SearchService:
    def __init__(self, model: Model, store: ItemStore, renderer: Renderer, audits: AuditService) -> None:
        self.model = model
        self.store = store
        self.renderer = renderer
        self.audits = audits

    def search(
        self, principal: Principal, params: Sequence[tuple[str, str]], base_path: str = "/search/"
    ) -> SearchResult:
        types = [v for k, v in params if k == "type"] or ["Item"]
        infos = [self._type(t) for t in types]
        concrete = tuple(dict.fromkeys(n for i in infos for n in self._family(i)))
        fields = [v for k, v in params if k == "field"]
        frame = _last(params, "frame") or "embedded"
        if frame not in ("object", "embedded", "page", "raw"):
            raise BadRequest(f"Unknown frame {frame!r}; use object, embedded or raw")
        if frame == "raw" and not principal.is_admin:
            raise BadRequest("frame=raw needs admin rights")
        limit = _limit(_last(params, "limit"))
        offset = _int(_last(params, "from") or "0", "from")
        sort = tuple(_sort(v) for k, v in params if k == "sort") or (("date_created", True),)
        text = _last(params, "q") or _last(params, "searchTerm")

        resolver = Resolver(self.model, self.store)
        filters = tuple(self._filters(params, concrete, resolver))
        for field, _desc in sort:
            if field not in ("date_created", "uuid", "status"):
                self._property(field, concrete)
        visibility = permissions.visibility(principal)
        audit_counts: dict[str, int] | None = None
        if self.audits.applies_to(concrete):
            scan = self.store.search(Query(concrete, visibility, filters, text, limit=AUDIT_SCAN_LIMIT))
            levels = {item.uuid: {f.level for f in self.audits.findings(item)} for item in scan.items}
            audit_counts = {}
            for found in levels.values():
                for level in found:
                    audit_counts[level] = audit_counts.get(level, 0) + 1
            wanted = [v for k, v in params if k == "audit"]
            if wanted:
                matching = tuple(u for u, found in levels.items() if found & set(wanted)) or (NO_MATCH,)
                filters = (*filters, Filter("uuid", matching))
        query = Query(concrete, visibility, filters, text, sort, offset, limit)
        page = self.store.search(query)
        graph = self.renderer.render(page.items, frame, principal)
        if fields:
            keep = {*fields, "@id", "@type", "uuid", "display_title"}
            graph = [{k: v for k, v in item.items() if k in keep} for item in graph]
        facet_fields = self._facet_fields(infos)
        counts = self.store.facets(Query(concrete, visibility, filters, text, limit=None), [f for f, _ in facet_fields])
        query_string = urlencode(list(params))
        facets = self._facets(facet_fields, counts, principal)
        if audit_counts is not None:
            terms = [{"key": k, "doc_count": n} for k, n in sorted(audit_counts.items())]
            facets.append({"field": "audit", "title": "Audit", "total": sum(audit_counts.values()), "terms": terms})
        body = {
            "@id": f"{base_path}?{query_string}",
            "@type": ["Search"],
            "@context": "/terms/",
            "title": "Search",
            "@graph": graph,
            "total": page.total,
            "facets": facets,
            "filters": _filter_list(params, base_path),
            "notification": "Success" if page.total else "No results found",
            "sort": {f: {"order": "desc" if d else "asc"} for f, d in sort},
            "clear_filters": f"{base_path}?" + urlencode([("type", t) for t in types]),
        }
        return SearchResult(body, bool(page.total))

    def _type(self, name: str) -> TypeInfo:
        if name == "Item":
            return TypeInfo("Item", "item", "items", None, True, {"properties": {}}, subtypes=list(self.model.types))
        info = self.model.find_type(name)
        if info is None:
            raise BadRequest(f"Invalid type: {name}")
        return info

    def _family(self, info: TypeInfo) -> list[str]:
        if info.name == "Item":
            return [t.name for t in self.model.concrete_types()]
        return self.model.concrete_subtypes(info.name)

    def _property(self, field: str, types: Sequence[str]) -> tuple[dict[str, Any], TypeInfo]:
        for name in types:
            info = self.model.types[name]
            spec = info.properties.get(field)
            # Write-only fields (secret hashes, storage locations) can be neither filtered nor sorted on.
            if spec is not None and not spec.get("calculatedProperty") and field not in info.write_only:
                return spec, self.model.types[name]
        raise BadRequest(f"Unknown field {field!r} for type(s) {', '.join(sorted(set(types)))}")

    def _filters(self, params: Sequence[tuple[str, str]], types: Sequence[str], resolver: Resolver) -> list[Filter]:
        grouped: dict[tuple[str, bool], list[Any]] = {}
        for key, raw in params:
            if key in RESERVED:
                continue
            if "\x00" in raw or "\x00" in key:
                raise BadRequest(f"{key}: NUL characters are not allowed")
            negate = key.endswith("!")
            field = key.rstrip("!")
            if "." in field:
                head, _, sub = field.partition(".")
                grouped.setdefault((head, negate), []).extend(self._through_link(head, sub, raw, types))
                continue
            if field == "uuid":
                grouped.setdefault((field, negate), []).append(raw)
                continue
            spec, info = self._property(field, types)
            grouped.setdefault((field, negate), []).append(self._typed(spec, info, field, raw, resolver))
        # A link filter that matched no item must still match nothing; no stored value looks like this one.
        return [Filter(f, tuple(values) or (NO_MATCH,), negate) for (f, negate), values in grouped.items()]

    def _typed(self, spec: dict[str, Any], info: TypeInfo, field: str, raw: str, resolver: Resolver) -> Any:
        if raw == NO_VALUE:
            return None
        leaf = spec.get("items", spec) if spec.get("type") == "array" else spec
        if "linkTo" in leaf:
            targets = leaf["linkTo"]
            hint = targets if isinstance(targets, str) and not raw.startswith("/") else None
            ref = resolver.resolve(raw, hint)
            return ref.uuid if ref else raw
        kind = leaf.get("type")
        try:
            if kind == "integer":
                return int(raw)
            if kind == "number":
                return float(raw)
        except ValueError:
            raise BadRequest(f"{field}={raw!r}: expected a {kind}") from None
        if kind == "boolean":
            return raw.lower() in ("true", "1", "yes")
        return raw

    def _through_link(self, head: str, sub: str, raw: str, types: Sequence[str]) -> list[str]:
        spec, _info = self._property(head, types)
        leaf = spec.get("items", spec) if spec.get("type") == "array" else spec
        target = leaf.get("linkTo")
        if not isinstance(target, str):
            raise BadRequest(f"{head}.{sub}: {head!r} is not a link to one type")
        family = tuple(self.model.concrete_subtypes(target))
        sub_spec, sub_info = self._property(sub, family)
        value = self._typed(sub_spec, sub_info, sub, raw, Resolver(self.model, self.store))
        query = Query(family, Visibility(everything=True), (Filter(sub, (value,)),), limit=_LINKED_MATCH_LIMIT)
        return [item.uuid for item in self.store.search(query).items]

    def _facet_fields(self, infos: Sequence[TypeInfo]) -> list[tuple[str, str]]:
        fields = [("type", "Data Type"), ("status", "Status")]
        if len(infos) == 1 and infos[0].name != "Item":
            info = infos[0]
            if info.has_lab:
                fields.append(("lab", "Lab"))
            for name, spec in info.schema.get("facets", {}).items():
                if name in info.properties and (name, spec.get("title", name)) not in fields:
                    fields.append((name, spec.get("title", name)))
        return fields

    def _facets(
        self, facet_fields: list[tuple[str, str]], counts: dict[str, dict[str, int]], principal: Principal
    ) -> list[dict[str, Any]]:
        uuids = [term for terms in counts.values() for term in terms if len(term) == 36]
        linked = self.store.get_many(uuids)
        facets = []
        for field, title in facet_fields:
            terms: list[dict[str, Any]] = []
            for key, n in sorted(counts.get(field, {}).items(), key=lambda kv: (-kv[1], kv[0])):
                target = linked.get(key)
                if target is not None:
                    if not permissions.can_view(principal, target):
                        continue
                    key = self.renderer.at_id(target)
                terms.append({"key": key, "doc_count": n})
            total = sum(t["doc_count"] for t in terms)
            facets.append({"field": field, "title": title, "total": total, "terms": terms})
        return facets


def _last(params: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    return values[-1] if values else None


def _int(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}={raw!r}: expected a whole number") from None
    if value < 0:
        raise BadRequest(f"{name}={raw!r}: must not be negative")
    return value


def _limit(raw: str | None) -> int | None:
    if raw is None:
        return DEFAULT_LIMIT
    if raw == "all":
        return None
    return _int(raw, "limit")


def _sort(raw: str) -> tuple[str, bool]:
    return (raw[1:], True) if raw.startswith("-") else (raw, False)


def _filter_list(params: Sequence[tuple[str, str]], base_path: str) -> list[dict[str, str]]:
    result = []
    for i, (key, value) in enumerate(params):
        if key in RESERVED and key != "type":
            continue
        rest = [p for j, p in enumerate(params) if j != i]
        result.append({"field": key, "term": value, "remove": f"{base_path}?{urlencode(rest)}"})
    return result
