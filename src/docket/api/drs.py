"""GA4GH Data Repository Service 1.4: File items as DRS objects, so workflow engines read them directly.

``GET /ga4gh/drs/v1/objects/{id}`` (id: a File's uuid or accession) describes the verified content;
``GET /ga4gh/drs/v1/objects/{id}/access/https`` gives a URL for it: Docket's own ``@@download`` URL
on the local store, a short-lived presigned URL on S3. Errors have the DRS shape ``{msg, status_code}``.
Permissions are those of the item: an object the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from docket import __version__
from docket.api.context import portal_of, principal_of
from docket.api.traversal import find_item
from docket.errors import DocketError, Forbidden, NotAuthenticated, NotFound
from docket.services.files import ContentUnavailable
from docket.services.portal import Portal
from docket.services.principal import Principal

router = APIRouter(prefix="/ga4gh/drs/v1", tags=["drs"])
ACCESS_ID = "https"
URL_SECONDS = 300


def _error(status: int, msg: str) -> JSONResponse:
    return JSONResponse({"msg": msg, "status_code": status}, status_code=status)


async def _answer(request: Request, build: Any) -> JSONResponse:
    def handle() -> JSONResponse:
        try:
            return JSONResponse(build(portal_of(request), principal_of(request)))
        except NotAuthenticated as exc:
            return _error(401, exc.detail)
        except Forbidden as exc:
            return _error(403, exc.detail)
        except (NotFound, ContentUnavailable) as exc:
            return _error(404, exc.detail)
        except DocketError as exc:
            return _error(400, exc.detail)

    return await run_in_threadpool(handle)


@router.get("/service-info")
async def service_info(request: Request) -> JSONResponse:
    portal = portal_of(request)
    host = request.url.netloc
    return JSONResponse(
        {
            "id": f"org.docket.{host}".replace(":", "."),
            "name": f"Docket DRS ({portal.model.title})",
            "type": {"group": "org.ga4gh", "artifact": "drs", "version": "1.4.0"},
            "description": "File items of a Docket portal, served as GA4GH DRS objects.",
            "organization": {"name": "Docket", "url": str(request.base_url).rstrip("/")},
            "version": __version__,
            "drs": {"maxBulkRequestLength": 1},
        }
    )


@router.get("/objects/{object_id}")
async def get_object(request: Request, object_id: str) -> JSONResponse:
    def build(portal: Portal, principal: Principal) -> dict[str, Any]:
        item, content, info = _content(portal, principal, object_id)
        props = item.properties
        download = str(request.base_url).rstrip("/") + portal.files.download_url(item, content)
        access: dict[str, Any] = {"type": "https", "access_id": ACCESS_ID}
        if portal.blobs.presigned_get(content.key, expires=1) is None:
            access["access_url"] = {"url": download}  # a stable URL; S3's presigned ones go via access_id
        body = {
            "id": object_id,
            "name": content.filename,
            "self_uri": f"drs://{request.url.netloc}/{object_id}",
            "size": info.size,
            "created_time": props.get("date_created") or item.created,
            "updated_time": (props.get("last_modified") or {}).get("date_modified") or item.created,
            "version": str(item.sid),
            "mime_type": "application/octet-stream",
            "checksums": [{"checksum": info.md5, "type": "md5"}],
            "access_methods": [access],
            "description": props.get("description") or "",
            "aliases": [a for a in [props.get("accession"), item.uuid, *props.get("aliases", [])] if a],
        }
        return body

    return await _answer(request, build)


@router.get("/objects/{object_id}/access/{access_id}")
async def get_access(request: Request, object_id: str, access_id: str) -> JSONResponse:
    def build(portal: Portal, principal: Principal) -> dict[str, Any]:
        if access_id != ACCESS_ID:
            raise NotFound(f"No access method {access_id!r} for {object_id}")
        item, content, _info = _content(portal, principal, object_id)
        url = portal.blobs.presigned_get(content.key, expires=URL_SECONDS, filename=content.filename)
        if url is None:
            url = str(request.base_url).rstrip("/") + portal.files.download_url(item, content)
        return {"url": url}

    return await _answer(request, build)


def _content(portal: Portal, principal: Principal, object_id: str) -> Any:
    try:
        item = find_item(portal, principal, "/" + object_id)
    except NotFound:
        raise NotFound(f"No DRS object {object_id!r}") from None
    if not portal.files.is_file(item.item_type):
        raise NotFound(f"No DRS object {object_id!r}")
    content = portal.files.content(item)
    return item, content, portal.files.servable(principal, item, content)
