"""Reading pages: home with counts per type, collections, faceted search, and item pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from docket.api.traversal import locate
from docket.errors import BadRequest, NotFound
from docket.model.types import TypeInfo
from docket.services import permissions
from docket.services.principal import Principal
from docket.web.context import page, portal_of, principal_of, render
from docket.web.items import item_page

SORTS = (
    ("-date_created", "Newest first"),
    ("date_created", "Oldest first"),
    ("status", "Status"),
)
LIMITS = ("25", "50", "100")


@page
def home(request: Request, _form: FormData | None) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    counts = portal.store.count_by_type(permissions.visibility(principal))
    rows = [
        {
            "name": info.name,
            "title": info.schema.get("title", info.name),
            "href": f"/{info.collection}/",
            "count": counts.get(info.name, 0),
            "can_add": permissions.can_create(principal, info),
            "add": f"/{info.collection}/add",
        }
        for info in portal.model.concrete_types()
    ]
    rows.sort(key=lambda r: r["title"].lower())
    populated = [r for r in rows if r["count"]]
    empty = [r for r in rows if not r["count"]]
    return render(request, "home.html", populated=populated, empty=empty, total=sum(counts.values()))


@page
def anything(request: Request, _form: FormData | None) -> Response:
    """``/search/``, a collection, or an item: whatever the path names."""
    portal = portal_of(request)
    principal = principal_of(request)
    path = request.path_params.get("path", "")
    if path.strip("/") == "search":
        return search_page(request, principal, list(request.query_params.multi_items()), "/search/", None)
    target = locate(portal, principal, path)
    if target.collection is not None:
        info = target.collection
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "type"]
        return search_page(request, principal, [("type", info.name), *params], f"/{info.collection}/", info)
    if target.item is None or target.view:
        raise NotFound(request.url.path)
    return item_page(request, principal, target.item)


def search_page(
    request: Request,
    principal: Principal,
    params: list[tuple[str, str]],
    base: str,
    collection: TypeInfo | None,
) -> Response:
    portal = portal_of(request)
    params = [(k, v) for k, v in params if k not in ("format", "frame", "field")]
    try:
        found = portal.search.search(principal, params, base_path=base)
    except BadRequest as exc:
        return render(request, "error.html", status=400, title="Bad search", detail=exc.detail)
    body = found.body
    labels = _term_labels(request, principal, body["facets"])
    facets = []
    for facet in body["facets"]:
        if not facet["terms"] or (collection is not None and facet["field"] == "type"):
            continue
        terms = []
        for term in facet["terms"]:
            pair = (facet["field"], str(term["key"]))
            selected = pair in params
            rest = [p for p in params if p != pair and p[0] != "from"]
            href = _url(base, rest if selected else [*rest, pair], collection)
            terms.append(
                {"label": labels.get(str(term["key"]), term["key"]), "count": term["doc_count"], "selected": selected}
                | {"href": href}
            )
        facets.append({"field": facet["field"], "title": facet["title"], "terms": terms})
    filters = [
        {"field": k, "label": labels.get(v, v), "href": _url(base, [p for p in params if p != (k, v)], collection)}
        for k, v in params
        if k not in ("q", "sort", "limit", "from", "searchTerm") and not (collection is not None and k == "type")
    ]
    limit = int(v) if (v := _last(params, "limit")) and v.isdigit() and int(v) > 0 else 25
    start = int(v) if (v := _last(params, "from")) and v.isdigit() else 0
    others = [p for p in params if p[0] != "from"]
    prev_href = _url(base, [*others, ("from", str(max(0, start - limit)))], collection) if start > 0 else None
    next_href = (
        _url(base, [*others, ("from", str(start + limit))], collection) if start + limit < body["total"] else None
    )
    hidden = [(k, v) for k, v in params if k not in ("q", "sort", "limit", "from") and not (collection and k == "type")]
    rows = [_row(portal, item) for item in body["@graph"]]
    can_add = collection is not None and not collection.abstract and permissions.can_create(principal, collection)
    title = collection.schema.get("title", collection.name) if collection else "Search"
    return render(
        request,
        "search.html",
        title=title,
        collection=collection,
        can_add=can_add,
        base=base,
        total=body["total"],
        rows=rows,
        facets=facets,
        filters=filters,
        hidden=hidden,
        q=_last(params, "q") or "",
        sort=_last(params, "sort") or "-date_created",
        sorts=SORTS,
        limit=str(limit),
        limits=LIMITS,
        start=start,
        prev_href=prev_href,
        next_href=next_href,
        json_href=_url(base, params, collection, json=True),
    )


def _row(portal: Any, item: dict[str, Any]) -> dict[str, Any]:
    lab = item.get("lab")
    info = portal.model.types.get(item["@type"][0])
    return {
        "href": item["@id"],
        "title": item.get("display_title", item["@id"]),
        "type": info.schema.get("title", info.name) if info else item["@type"][0],
        "status": item.get("status", ""),
        "lab": lab.get("display_title") if isinstance(lab, dict) else "",
        "description": item.get("description", ""),
        "created": str(item.get("date_created", ""))[:10],
        "alias": (item.get("aliases") or [""])[0],
    }


def _term_labels(request: Request, principal: Principal, facets: list[dict[str, Any]]) -> dict[str, str]:
    """Readable names for facet terms: type titles, and linked items' display titles instead of their paths."""
    portal = portal_of(request)
    labels = {info.name: info.schema.get("title", info.name) for info in portal.model.types.values()}
    resolver = portal.items.resolver()
    paths = {str(t["key"]) for f in facets for t in f["terms"] if str(t["key"]).startswith("/")}
    refs = {p: resolver.resolve(p) for p in paths}
    found = portal.store.get_many([r.uuid for r in refs.values() if r])
    for path, ref in refs.items():
        item = found.get(ref.uuid) if ref else None
        if item is not None and permissions.can_view(principal, item):
            info = portal.model.types[item.item_type]
            labels[path] = portal.renderer.display_title(info, item.properties, item.uuid)
    return labels


def _url(base: str, params: list[tuple[str, str]], collection: TypeInfo | None, json: bool = False) -> str:
    shown = [p for p in params if not (collection is not None and p[0] == "type")]
    if json:
        shown = [*shown, ("format", "json")]
    return f"{base}?{urlencode(shown)}" if shown else base


def _last(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    return values[-1] if values else None
