"""Item and collection URLs: GET in every frame, POST to a collection, PATCH, PUT and DELETE on an item."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from docket.api.bodies import flag, read_json
from docket.api.context import portal_of, principal_of
from docket.api.envelopes import check_only_result, result
from docket.api.traversal import Target, locate
from docket.errors import BadRequest, Forbidden, NotFound
from docket.services import permissions
from docket.services.audits import audit_json
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.services.render import FRAMES
from docket.store.protocol import StoredItem

router = APIRouter()


def _frame(request: Request, default: str = "page") -> str:
    frame = request.query_params.get("frame", default)
    if frame not in FRAMES:
        raise BadRequest(f"Unknown frame {frame!r}; use one of {', '.join(FRAMES)}")
    return frame


def render_item(portal: Portal, principal: Principal, item: StoredItem, frame: str) -> dict[str, Any]:
    if frame == "raw" and not permissions.can_edit(principal, item):
        raise Forbidden("frame=raw needs edit rights on the item")
    body = portal.renderer.render_one(item, frame, principal)
    if frame in ("page", "embedded"):
        body["audit"] = audit_json(portal.audits.findings(item))
    return body


def written(
    portal: Portal, principal: Principal, request: Request, stored: list[StoredItem], status: int
) -> JSONResponse:
    mode = request.query_params.get("render", "")
    if mode.lower() == "false":
        graph: list[Any] = [portal.renderer.at_id(i) for i in stored]
    elif mode == "uuid":
        graph = [f"/{i.uuid}" for i in stored]
    else:
        graph = portal.renderer.render(stored, "object", principal)
    headers = {"Location": portal.renderer.at_id(stored[0])} if stored and status == 201 else None
    return result(graph, status_code=status, headers=headers)


# -- GET ---------------------------------------------------------------------------------------------


@router.get("/{path:path}", include_in_schema=False)
async def get_path(request: Request, path: str) -> Response:
    portal = portal_of(request)

    def handle() -> Response:
        principal = principal_of(request)
        target = locate(portal, principal, path)
        if target.collection is not None:
            return _collection(portal, principal, request, target)
        if target.item is None:
            raise NotFound(request.url.path)
        return _item_view(portal, principal, request, target)

    return await run_in_threadpool(handle)


def _collection(portal: Portal, principal: Principal, request: Request, target: Target) -> Response:
    info = target.collection
    assert info is not None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "type"]
    found = portal.search.search(principal, [("type", info.name), *params], base_path=f"/{info.collection}/")
    body = found.body
    body["@type"] = [f"{info.name}Collection", "Collection"]
    body["title"] = info.schema.get("title", info.name)
    return JSONResponse(body)


def _item_view(portal: Portal, principal: Principal, request: Request, target: Target) -> Response:
    item = target.item
    assert item is not None
    view = target.view
    if view is None:
        return JSONResponse(render_item(portal, principal, item, _frame(request)))
    if view in FRAMES:
        return JSONResponse(render_item(portal, principal, item, view))
    if view == "history":
        return JSONResponse(_history(portal, principal, item))
    if view == "links":
        return JSONResponse(_links(portal, principal, item))
    if view == "audit":
        findings = audit_json(portal.audits.findings(item))
        return JSONResponse({"@id": portal.renderer.at_id(item) + "@@audit", "uuid": item.uuid, "audit": findings})
    handler = VIEWS.get(("GET", view))
    if handler is None:
        raise NotFound(request.url.path)
    return handler(portal, principal, request, target, None)


def _history(portal: Portal, principal: Principal, item: StoredItem) -> dict[str, Any]:
    info = portal.model.types[item.item_type]
    revisions = portal.store.history(item.uuid)
    users = portal.store.get_many([r.user_uuid for r in revisions if r.user_uuid])
    entries = []
    for rev in revisions:
        user = users.get(rev.user_uuid or "")
        entries.append(
            {
                "sid": rev.sid,
                "timestamp": rev.timestamp,
                "transaction_id": rev.transaction_id,
                "user": portal.renderer.at_id(user) if user else None,
                "user_title": portal.renderer.display_title(portal.model.types["User"], user.properties, user.uuid)
                if user
                else "system",
                "changed": rev.changed,
                "properties": {k: v for k, v in rev.properties.items() if k not in info.write_only},
            }
        )
    return {
        "@id": portal.renderer.at_id(item) + "@@history",
        "@type": ["History"],
        "uuid": item.uuid,
        "revisions": entries,
    }


def _links(portal: Portal, principal: Principal, item: StoredItem) -> dict[str, Any]:
    sources = portal.store.links_to(item.uuid)
    found = portal.store.get_many([s for s, _ in sources])
    linking = []
    for source, rel in sources:
        other = found.get(source)
        if other is None or not permissions.can_view(principal, other):
            continue
        info = portal.model.types[other.item_type]
        linking.append(
            {
                "uuid": other.uuid,
                "@id": portal.renderer.at_id(other),
                "@type": info.type_names,
                "display_title": portal.renderer.display_title(info, other.properties, other.uuid),
                "field": rel,
            }
        )
    return {"status": "success", "@id": portal.renderer.at_id(item) + "@@links", "uuids_linking_to": linking}


# Views contributed by other modules (uploads, audits): (method, view name) -> handler.
VIEWS: dict[tuple[str, str], Any] = {}


# -- writes ------------------------------------------------------------------------------------------


@router.post("/{path:path}", include_in_schema=False)
async def post_path(request: Request, path: str) -> Response:
    portal = portal_of(request)
    body = await read_json(request, portal.settings.max_body_bytes)

    def handle() -> Response:
        principal = principal_of(request)
        target = locate(portal, principal, path)
        if target.collection is not None:
            return create_in(portal, principal, request, target.collection.name, body)
        if target.item is not None and target.view:
            handler = VIEWS.get(("POST", target.view))
            if handler is not None:
                return handler(portal, principal, request, target, body)
        raise NotFound(request.url.path)

    return await run_in_threadpool(handle)


def create_in(portal: Portal, principal: Principal, request: Request, type_name: str, body: Any) -> Response:
    hook = CREATE_HOOKS.get(type_name)
    if hook is not None:
        return hook(portal, principal, request, body)
    check_only = flag(request, "check_only")
    stored = portal.items.write(principal, [Change("create", type_name, body)], check_only=check_only)
    if check_only:
        return check_only_result()
    return written(portal, principal, request, stored, 201)


# Collections whose POST is not a plain create (access keys): type name -> handler.
CREATE_HOOKS: dict[str, Any] = {}


@router.patch("/{path:path}", include_in_schema=False)
async def patch_path(request: Request, path: str) -> Response:
    return await _update(request, path, "patch")


@router.put("/{path:path}", include_in_schema=False)
async def put_path(request: Request, path: str) -> Response:
    return await _update(request, path, "put")


async def _update(request: Request, path: str, op: str) -> Response:
    portal = portal_of(request)
    body = await read_json(request, portal.settings.max_body_bytes)

    def handle() -> Response:
        principal = principal_of(request)
        target = locate(portal, principal, path)
        if target.item is None or target.view:
            raise NotFound(request.url.path)
        fields = [f.strip() for f in request.query_params.get("delete_fields", "").split(",") if f.strip()]
        change = Change(op, target.item.item_type, body, target=target.item, delete_fields=fields)  # type: ignore[arg-type]
        check_only = flag(request, "check_only")
        stored = portal.items.write(principal, [change], check_only=check_only)
        if check_only:
            return check_only_result()
        return written(portal, principal, request, stored, 200)

    return await run_in_threadpool(handle)


@router.delete("/{path:path}", include_in_schema=False)
async def delete_path(request: Request, path: str) -> Response:
    portal = portal_of(request)

    def handle() -> Response:
        principal = principal_of(request)
        target = locate(portal, principal, path)
        if target.item is None or target.view:
            raise NotFound(request.url.path)
        if target.item.item_type == "AccessKey":
            key_id = target.item.properties["access_key_id"]
            revoked = portal.accounts.revoke_key(principal, key_id)
            return result(portal.renderer.render([revoked], "object", principal), notification=f"Revoked {key_id}")
        if not principal.is_admin:
            raise Forbidden("Only admins may delete items")
        if flag(request, "purge"):
            raise BadRequest("Purging items is not supported; items are kept with status 'deleted'")
        change = Change("patch", target.item.item_type, {"status": "deleted"}, target=target.item)
        stored = portal.items.write(principal, [change])
        graph = portal.renderer.render(stored, "object", principal)
        return result(graph, notification=f"Set status of {target.item.uuid} to deleted")

    return await run_in_threadpool(handle)
