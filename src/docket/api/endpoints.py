"""Fixed endpoints: home, health, /me, profiles, search, access keys and Docket's own /batch."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from docket import __version__
from docket.api.bodies import flag, read_json
from docket.api.context import portal_of, principal_of
from docket.api.envelopes import check_only_result, result
from docket.api.items import CREATE_HOOKS, written
from docket.api.traversal import find_item
from docket.errors import FieldError, Forbidden, NotFound, ValidationFailed
from docket.services import permissions
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.services.profiles import all_profiles, profile

router = APIRouter()


@router.get("/health", tags=["portal"])
async def health(request: Request) -> JSONResponse:
    portal = portal_of(request)
    return JSONResponse(
        {
            "@type": ["Health"],
            "status": "ok",
            "version": __version__,
            "database": portal.engine.dialect.name,
            "model": portal.model.name,
            "file_upload_bucket": portal.settings.files,
        }
    )


@router.get("/me", tags=["portal"])
async def me(request: Request) -> JSONResponse:
    portal = portal_of(request)

    def handle() -> JSONResponse:
        principal = principal_of(request)
        if principal.user_uuid is None:
            raise Forbidden("Not logged in.")
        user = portal.store.get(principal.user_uuid)
        if user is None:
            raise NotFound("/me")
        frame = request.query_params.get("frame", "page")
        body = portal.renderer.render_one(user, "object" if frame == "object" else "page", principal)
        if not body.get("submits_for"):
            body.pop("submits_for", None)  # Submit4DN indexes submits_for[0] when the key is present
        return JSONResponse(body)

    return await run_in_threadpool(handle)


@router.get("/profiles/", tags=["model"])
@router.get("/profiles", include_in_schema=False)
async def profiles(request: Request) -> JSONResponse:
    portal = portal_of(request)
    principal = await run_in_threadpool(principal_of, request)
    return JSONResponse(all_profiles(portal.model, principal))


@router.get("/profiles/{name}.json", tags=["model"])
@router.get("/profiles/{name}", include_in_schema=False)
async def one_profile(request: Request, name: str) -> JSONResponse:
    portal = portal_of(request)
    principal = await run_in_threadpool(principal_of, request)
    info = portal.model.find_type(name.removesuffix(".json"))
    if info is None:
        raise NotFound(f"/profiles/{name}")
    return JSONResponse(profile(portal.model, info, principal))


@router.get("/search/", tags=["search"])
@router.get("/search", include_in_schema=False)
async def search(request: Request) -> JSONResponse:
    portal = portal_of(request)

    def handle() -> JSONResponse:
        principal = principal_of(request)
        found = portal.search.search(principal, request.query_params.multi_items())
        return JSONResponse(found.body, status_code=200 if found.found else 404)

    return await run_in_threadpool(handle)


# -- batch -------------------------------------------------------------------------------------------


class BatchEntry(BaseModel):
    """One item of a batch: a new item of ``type``, or (``op: patch``) changes to the item ``id`` names."""

    type: str | None = Field(
        None,
        description="Type name (Biosample), item type (biosample) or collection (biosamples); required to create",
    )
    op: Literal["create", "patch"] = "create"
    id: str | None = Field(None, description="For op=patch: any identifier of the item (uuid, accession, alias, @id)")
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Item properties; links may name other items of the same batch by alias",
    )
    delete_fields: list[str] = Field(default_factory=list, description="For op=patch: fields to remove")


class BatchRequest(BaseModel):
    items: list[BatchEntry]


_BATCH_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": BatchRequest.model_json_schema()}},
    },
    "responses": {
        "201": {"description": "Every item written, in order, in the @graph of a result envelope"},
        "200": {"description": "With check_only=true: everything valid, nothing written"},
        "409": {"description": "A unique key (alias, accession, name, md5) is taken; `index` names the item"},
        "422": {"description": "Validation failed; each error names the item `index` and the field `path`"},
    },
}


@router.post(
    "/batch",
    tags=["submission"],
    summary="Create or patch many items in one all-or-nothing transaction",
    description=(
        "Items may link to each other by alias in any order. Every item is validated before anything is written; "
        "one bad item rejects the whole batch. With `check_only=true`, nothing is written."
    ),
    openapi_extra=_BATCH_DOC,
)
async def batch(request: Request) -> Response:
    portal = portal_of(request)
    body = await read_json(request, portal.settings.max_body_bytes)

    def handle() -> Response:
        principal = principal_of(request)
        changes = _batch_changes(portal, principal, body)
        check_only = flag(request, "check_only")
        stored = portal.items.write(principal, changes, check_only=check_only)
        if check_only:
            return check_only_result()
        return written(portal, principal, request, stored, 201)

    return await run_in_threadpool(handle)


def _batch_changes(portal: Portal, principal: Principal, body: Any) -> list[Change]:
    entries = body.get("items") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise ValidationFailed([FieldError("Batch: items", "The body must be an object with an 'items' array")])
    errors: list[FieldError] = []
    changes: list[Change] = []
    for i, raw in enumerate(entries):
        try:
            entry = BatchEntry.model_validate(raw)
        except ValueError as exc:
            first = str(exc).splitlines()
            errors.append(FieldError(f"Batch: items.{i}", "; ".join(first[1:3]) or "Invalid entry", (), i))
            continue
        if entry.op == "create":
            info = portal.model.find_type(entry.type or "")
            if info is None:
                errors.append(FieldError(f"Batch: items.{i}.type", f"Unknown item type {entry.type!r}", ("type",), i))
                continue
            changes.append(Change("create", info.name, entry.properties, index=i))
        else:
            try:
                target = find_item(portal, principal, entry.id or "")
            except NotFound:
                errors.append(FieldError(f"Batch: items.{i}.id", f"No item {entry.id!r} to patch", ("id",), i))
                continue
            changes.append(
                Change(
                    "patch",
                    target.item_type,
                    entry.properties,
                    target=target,
                    delete_fields=entry.delete_fields,
                    index=i,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return changes


# -- access keys -------------------------------------------------------------------------------------


def _create_access_key(portal: Portal, principal: Principal, request: Request, body: Any) -> Response:
    description = body.get("description") if isinstance(body, dict) else None
    if principal.is_anonymous:
        raise Forbidden("Sign in (with an existing key) to create an access key")
    new = portal.accounts.create_key(principal, description if isinstance(description, str) else None)
    graph = portal.renderer.render([new.item], "object", principal)
    return result(
        graph,
        status_code=201,
        access_key_id=new.access_key_id,
        secret_access_key=new.secret_access_key,
    )


CREATE_HOOKS["AccessKey"] = _create_access_key


@router.post("/access-keys/{key_id}/revoke", tags=["access keys"])
async def revoke_key(request: Request, key_id: str) -> Response:
    portal = portal_of(request)

    def handle() -> Response:
        principal = principal_of(request)
        item = portal.accounts.revoke_key(principal, key_id)
        return result(portal.renderer.render([item], "object", principal), notification=f"Revoked {key_id}")

    return await run_in_threadpool(handle)


@router.get("/", tags=["portal"])
async def home(request: Request) -> JSONResponse:
    portal = portal_of(request)

    def handle() -> JSONResponse:
        principal = principal_of(request)
        counts = portal.store.count_by_type(permissions.visibility(principal))
        collections = {
            info.name: {"@id": f"/{info.collection}/", "count": counts.get(info.name, 0)}
            for info in portal.model.concrete_types()
        }
        return JSONResponse(
            {
                "@id": "/",
                "@type": ["Portal"],
                "title": "Docket",
                "model": portal.model.title,
                "collections": collections,
            }
        )

    return await run_in_threadpool(handle)
