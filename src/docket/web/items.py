"""The item page: every field (links as links), reverse links, audits, revision history and files."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from docket.model.links import iter_links
from docket.model.types import TypeInfo
from docket.services import permissions
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.store.protocol import StoredItem
from docket.web.context import portal_of, render

FILE_TYPE = "File"


def upload_href(portal: Portal, item: StoredItem) -> str:
    """The resumable upload URL the page's widget talks to (HEAD: Upload-Offset; PUT with Content-Range)."""
    return portal.files.upload_url(item)


def download_href(portal: Portal, item: StoredItem) -> str:
    return portal.files.download_url(item)


def item_page(request: Request, principal: Principal, item: StoredItem) -> Response:
    portal = portal_of(request)
    info = portal.model.types[item.item_type]
    frame = portal.renderer.render_one(item, "object", principal)
    linked = _linked(portal, principal, item, info)
    fields = []
    stored = {**item.properties, "uuid": item.uuid}
    for name, spec in info.properties.items():
        if name in info.write_only or name in info.rev_links or name not in frame:
            continue
        node = _calculated(frame[name]) if name in info.calculated else _node(spec, stored.get(name), linked)
        fields.append({"name": name, "title": spec.get("title", name), "node": node})
    is_file = FILE_TYPE in info.type_names
    can_edit = permissions.can_edit(principal, item)
    return render(
        request,
        "item.html",
        title=frame["display_title"],
        item=item,
        info=info,
        type_title=info.schema.get("title", info.name),
        at_id=frame["@id"],
        fields=fields,
        reverse=_reverse(portal, principal, item),
        audits=portal.audits.findings(item),
        history=_history(portal, item, info),
        files=_files(portal, principal, item, linked),
        is_file=is_file,
        download=download_href(portal, item) if is_file else None,
        upload_url=upload_href(portal, item) if is_file and can_edit else None,
        can_edit=can_edit,
        edit_href=frame["@id"] + "edit",
        can_release=principal.is_admin and item.properties.get("status") not in ("released", None),
    )


def _linked(portal: Portal, principal: Principal, item: StoredItem, info: TypeInfo) -> dict[str, StoredItem | None]:
    """Every item the page links to, or None where the caller may not see it."""
    uuids = [v for _f, _p, v in iter_links(item.properties, info.links) if isinstance(v, str)]
    found = portal.store.get_many(uuids)
    return {u: (found[u] if u in found and permissions.can_view(principal, found[u]) else None) for u in uuids}


def _node(spec: dict[str, Any], value: Any, linked: dict[str, StoredItem | None]) -> dict[str, Any]:
    if isinstance(value, list):
        items = spec.get("items", {})
        return {"kind": "list", "items": [_node(items, v, linked) for v in value]}
    if isinstance(value, dict):
        props = spec.get("properties", {})
        return {
            "kind": "object",
            "fields": [
                (props.get(k, {}).get("title", k), _node(props.get(k, {}), v, linked)) for k, v in value.items()
            ],
        }
    if "linkTo" in spec and isinstance(value, str):
        target = linked.get(value)
        if target is None:
            return {"kind": "text", "text": value}
        return {"kind": "link", "item": target}
    if isinstance(value, bool):
        return {"kind": "text", "text": "yes" if value else "no"}
    return {"kind": "text", "text": "" if value is None else str(value)}


def _calculated(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {"kind": "list", "items": [_calculated(v) for v in value]}
    if isinstance(value, str) and value.startswith("/"):
        return {"kind": "href", "href": value, "text": value}
    if isinstance(value, dict):
        return {"kind": "object", "fields": [(k, _calculated(v)) for k, v in value.items()]}
    return {"kind": "text", "text": "" if value is None else str(value)}


def _reverse(portal: Portal, principal: Principal, item: StoredItem) -> list[dict[str, Any]]:
    sources = portal.store.links_to(item.uuid)
    found = portal.store.get_many([s for s, _ in sources])
    rows = []
    for source, rel in sources:
        other = found.get(source)
        if other is None or not permissions.can_view(principal, other) or other.item_type == "AccessKey":
            continue
        info = portal.model.types[other.item_type]
        rows.append({"item": other, "type": info.schema.get("title", info.name), "field": rel})
    return sorted(rows, key=lambda r: (r["type"], r["field"]))


def _history(portal: Portal, item: StoredItem, info: TypeInfo) -> list[dict[str, Any]]:
    revisions = portal.store.history(item.uuid)
    users = portal.store.get_many([r.user_uuid for r in revisions if r.user_uuid])
    rows = []
    for rev in reversed(revisions):
        user = users.get(rev.user_uuid or "")
        rows.append(
            {
                "sid": rev.sid,
                "when": rev.timestamp[:19].replace("T", " "),
                "user": user,
                "changed": [c for c in rev.changed if c not in info.write_only],
            }
        )
    return rows


def _files(
    portal: Portal, principal: Principal, item: StoredItem, linked: dict[str, StoredItem | None]
) -> list[dict[str, Any]]:
    """Files this item links to or is linked from, with status and download link."""
    candidates = [i for i in linked.values() if i is not None]
    sources = portal.store.get_many([s for s, _ in portal.store.links_to(item.uuid)])
    candidates += [s for s in sources.values() if permissions.can_view(principal, s)]
    rows, seen = [], set()
    for other in candidates:
        if other.uuid in seen or FILE_TYPE not in portal.model.types[other.item_type].type_names:
            continue
        seen.add(other.uuid)
        rows.append({"item": other, "download": download_href(portal, other)})
    return rows
