"""File content over HTTP: upload credentials, Docket's resumable upload, and downloads.

The resumable upload protocol (``docket-content-range/1``, see docs/uploads.md)::

    HEAD|GET <file @id>@@upload/content[?extra=<format>]   -> 200, Upload-Offset: N  (bytes stored so far)
    PUT      <same>  Content-Range: bytes A-B/TOTAL  <raw bytes A..B>
             -> 200 {"offset": B+1, "complete": false}
             -> 200 {"complete": true, "@graph": [file]}      when B+1 == TOTAL and the content verified
             -> 409 {"offset": N}  + Upload-Offset: N         when A is not the current offset
             -> 422 {"detail": reason}                        when the content failed verification
    PUT      <same>  Content-Range: bytes */TOTAL  (empty)   completes an upload that already holds TOTAL bytes
    DELETE   <same>                                         discards the upload in progress

Chunk bodies are raw bytes, streamed into the blob store as they arrive (never read whole).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from docket.api import items as item_views
from docket.api.bodies import flag
from docket.api.context import portal_of, principal_of
from docket.api.envelopes import result
from docket.api.errors import error_response
from docket.api.traversal import Target, locate
from docket.errors import BadRequest, DocketError, Forbidden, NotFound, PayloadTooLarge
from docket.services import permissions
from docket.services.files import UPLOADABLE, Content, ContentUnavailable
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.store.blobs import OffsetMismatch, RangeNotSatisfiable
from docket.store.protocol import StoredItem

router = APIRouter()

PIECE = 1 << 20  # bytes handed to the store at a time
_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def install(portal: Portal) -> None:
    """Register the upload views and the create hook of every File type."""
    item_views.VIEWS[("GET", "upload")] = upload_view
    item_views.VIEWS[("POST", "upload")] = reissue_view
    for name in portal.files.file_types():
        item_views.CREATE_HOOKS[name] = create_file


# -- credentials -----------------------------------------------------------------------------------


def create_file(portal: Portal, principal: Principal, request: Request, body: Any) -> Response:
    """POST to a File collection: the usual create, then credentials for the content."""
    check_only = flag(request, "check_only")
    type_name = locate(portal, principal, request.url.path).collection
    assert type_name is not None
    change = Change("create", type_name.name, body)
    stored = portal.items.write(principal, [change], check_only=check_only)
    if check_only:
        return result()
    return item_views.written(portal, principal, request, portal.files.after_create(stored), 201)


def upload_view(portal: Portal, principal: Principal, request: Request, target: Target, _body: Any) -> Response:
    """``GET <file>/upload/``: the current credentials of the file and of its extra files."""
    item = _file(target)
    if target.extra:
        raise NotFound(request.url.path)
    if not portal.files.is_file(item.item_type) or not permissions.can_edit(principal, item):
        raise Forbidden("Unauthorized: item_edit failed permission check")
    return JSONResponse({"@graph": [_upload_entry(portal, item)]})


def reissue_view(portal: Portal, principal: Principal, request: Request, target: Target, _body: Any) -> Response:
    """``POST <file>/upload/``: fresh credentials; ``upload failed`` goes back to ``uploading``."""
    if target.extra:
        raise NotFound(request.url.path)
    stored = portal.files.issue_credentials(principal, _file(target))
    [rendered] = portal.renderer.render([stored], "object", principal)
    rendered["extra_files_creds"] = portal.files.extra_files_creds(stored)
    return result([rendered])


def _upload_entry(portal: Portal, item: StoredItem) -> dict[str, Any]:
    entry: dict[str, Any] = {"@id": portal.renderer.at_id(item), "status": item.properties.get("status")}
    if item.properties.get("status") in UPLOADABLE:
        entry["upload_credentials"] = portal.files.credentials(item, portal.files.content(item))
    # "extra_files_creds", never "extra_file_creds": Submit4DN crashes on a list under the latter.
    entry["extra_files_creds"] = portal.files.extra_files_creds(item)
    return entry


def _file(target: Target) -> StoredItem:
    if target.item is None:
        raise NotFound("No such file")
    return target.item


# -- Docket's resumable upload ---------------------------------------------------------------------


def _located(portal: Portal, request: Request, path: str) -> tuple[Principal, StoredItem, Content]:
    principal = principal_of(request)
    item = locate(portal, principal, path).item
    if item is None or not portal.files.is_file(item.item_type):
        raise NotFound(request.url.path)
    extra = portal.files.resolve_extra(item, request.query_params.get("extra"))
    return principal, item, portal.files.content(item, extra)


def _offset_response(offset: int, http_status: int = 200, **body: Any) -> JSONResponse:
    headers = {"Upload-Offset": str(offset), "Cache-Control": "no-store"}
    if offset > 0:
        headers["Range"] = f"bytes=0-{offset - 1}"
    return JSONResponse({"offset": offset, **body}, status_code=http_status, headers=headers)


@router.api_route("/{path:path}/@@upload/content", methods=["GET", "HEAD"], include_in_schema=False)
async def upload_offset(request: Request, path: str) -> Response:
    portal = portal_of(request)

    def handle() -> Response:
        principal, item, content = _located(portal, request, path)
        if not permissions.can_edit(principal, item):
            raise Forbidden("Unauthorized: item_edit failed permission check")
        status = item.properties.get("status")
        return _offset_response(
            portal.files.offset(item, content), file_status=status, size=content.size, key=content.key
        )

    return await run_in_threadpool(handle)


@router.delete("/{path:path}/@@upload/content", include_in_schema=False)
async def upload_abort(request: Request, path: str) -> Response:
    portal = portal_of(request)

    def handle() -> Response:
        principal, item, content = _located(portal, request, path)
        portal.files.abort(principal, item, content)
        return _offset_response(0)

    return await run_in_threadpool(handle)


@router.put("/{path:path}/@@upload/content", include_in_schema=False)
async def upload_chunk(request: Request, path: str) -> Response:
    portal = portal_of(request)
    start, end, total = _content_range(request)
    length = 0 if start is None or end is None else end - start + 1
    if length > portal.settings.max_chunk_bytes:
        raise PayloadTooLarge(f"The chunk is {length} bytes; the limit is {portal.settings.max_chunk_bytes} bytes")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != length:
        raise BadRequest(f"Content-Length {declared} does not match the Content-Range length {length}")

    def prepare() -> tuple[StoredItem, Content, int] | Response:
        principal, item, content = _located(portal, request, path)
        if permissions.can_edit(principal, item) and _already_done(portal, item, content, total):
            return _offset_response(total or 0, complete=True, status="success", file_status="uploaded")
        portal.files.check_can_upload(principal, item)
        if total is not None and content.size is not None and total != content.size:
            raise BadRequest(f"The file declares file_size {content.size}, the upload is {total} bytes")
        return item, content, portal.files.offset(item, content)

    prepared = await run_in_threadpool(prepare)
    if isinstance(prepared, Response):
        return prepared
    item, content, current = prepared
    if start is None:  # "bytes */TOTAL": nothing to write, complete if everything is there
        offset = current
    else:
        if start != current:
            return _mismatch(current)

        def write(chunks: Iterable[bytes]) -> int:
            return portal.files.write(content, start, chunks)

        try:
            offset, failure = await _stream_into(request, length, write)
        except OffsetMismatch as exc:
            return _mismatch(exc.current)
        if failure is not None:
            return _offset_response(offset, 400, detail=f"The chunk was cut short: {failure}", complete=False)
    if total is None or offset < total:
        return _offset_response(offset, complete=False)
    if offset > total:
        raise BadRequest(f"The upload holds {offset} bytes, more than the declared total {total}")

    def finish() -> Response:
        stored = portal.files.complete(item, content)
        principal = principal_of(request)
        [rendered] = portal.renderer.render([stored], "object", principal)
        failed = stored.properties.get("status") == "upload failed" if content.extra is None else _extra_failed(stored)
        if failed:
            reason = stored.properties.get("status_reason", "")
            failure: dict[str, Any] = {"file_status": "upload failed", "@graph": [rendered]}
            return error_response(422, reason, None, **failure)
        done: dict[str, Any] = {"complete": True, "status": "success", "@type": ["result"], "@graph": [rendered]}
        return _offset_response(offset, 200, **done)

    return await run_in_threadpool(finish)


def _already_done(portal: Portal, item: StoredItem, content: Content, total: int | None) -> bool:
    """A retried last chunk of an upload that completed meanwhile: answer as the first time."""
    if content.extra is not None or item.properties.get("status") != "uploaded" or total is None:
        return False
    info = portal.blobs.stat(content.key)
    return info is not None and info.size == total and info.matches(item.properties.get("md5sum"), None)


def _extra_failed(stored: StoredItem) -> bool:
    return any(e.get("status") == "upload failed" for e in stored.properties.get("extra_files") or [])


def _mismatch(current: int) -> JSONResponse:
    return _offset_response(
        current, 409, status="error", code=409, detail=f"The upload is at offset {current}; resume from there"
    )


def _content_range(request: Request) -> tuple[int | None, int | None, int | None]:
    header = request.headers.get("content-range")
    if header is None:
        declared = request.headers.get("content-length")
        if declared is None or not declared.isdigit():
            raise BadRequest("A chunk needs a Content-Range header: bytes START-END/TOTAL")
        size = int(declared)
        return (0, size - 1, size) if size else (None, None, 0)
    matched = _CONTENT_RANGE.fullmatch(header.strip())
    if not matched:
        raise BadRequest(f"Malformed Content-Range {header!r}; expected bytes START-END/TOTAL or bytes */TOTAL")
    first, last, total_text = matched.groups()
    total = None if total_text == "*" else int(total_text)
    if first is None:
        if total is None:
            raise BadRequest("Content-Range bytes */* says nothing")
        return None, None, total
    start, end = int(first), int(last)
    if end < start or (total is not None and end >= total):
        raise BadRequest(f"Content-Range {header!r} is not a valid range")
    return start, end, total


async def _stream_into(
    request: Request, length: int, write: Callable[[Iterable[bytes]], int]
) -> tuple[int, Exception | None]:
    """Feed the request body (at most ``length`` bytes) to ``write`` in a worker thread, as it arrives.

    Returns the new offset and what cut the body short, if anything (what arrived is kept).
    """
    send, receive = anyio.create_memory_object_stream[bytes](max_buffer_size=4)
    failure: Exception | None = None

    async def pump() -> None:
        nonlocal failure
        received, buffer = 0, bytearray()
        try:
            async with send:
                async for piece in request.stream():
                    if received + len(piece) > length:
                        raise BadRequest(f"The body is longer than the {length} bytes of its Content-Range")
                    received += len(piece)
                    buffer += piece
                    if len(buffer) >= PIECE:
                        await send.send(bytes(buffer))
                        buffer.clear()
                if buffer:
                    await send.send(bytes(buffer))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # the writer stopped early; its own error is reported
        except (ClientDisconnect, DocketError, OSError) as exc:
            failure = exc

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                yield anyio.from_thread.run(receive.receive)
            except anyio.EndOfStream:
                return

    def run() -> tuple[int | None, BaseException | None]:
        try:
            return write(chunks()), None
        except BaseException as exc:
            return None, exc
        finally:
            anyio.from_thread.run_sync(receive.close)

    async with anyio.create_task_group() as group:
        group.start_soon(pump)
        offset, error = await anyio.to_thread.run_sync(run)
    if error is not None:
        raise error
    assert offset is not None
    return offset, failure


# -- downloads -----------------------------------------------------------------------------------------


@router.api_route("/{path:path}/@@download/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
async def download(request: Request, path: str, filename: str) -> Response:
    portal = portal_of(request)

    def handle() -> Response:
        principal = principal_of(request)
        item = locate(portal, principal, path).item
        if item is None or not portal.files.is_file(item.item_type):
            raise NotFound(request.url.path)
        content = _content_named(portal, item, filename)
        try:
            info = portal.files.servable(principal, item, content)
        except ContentUnavailable as exc:
            return error_response(409 if exc.failed else 404, exc.detail)
        url = portal.blobs.presigned_get(content.key, expires=300, filename=content.filename)
        if url is not None:
            if flag(request, "soft"):
                return JSONResponse({"@type": ["SoftRedirect"], "location": url, "expires": 300})
            return RedirectResponse(url, status_code=307)
        return _stream(portal, request, content, info.size, info.md5)

    return await run_in_threadpool(handle)


def _content_named(portal: Portal, item: StoredItem, filename: str) -> Content:
    for fmt in portal.files.extra_formats(item):
        extra = portal.files.content(item, fmt)
        if extra.filename == filename:
            return extra
    return portal.files.content(item)


def _stream(portal: Portal, request: Request, content: Content, size: int, md5: str) -> Response:
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{md5}"',
        "Content-Disposition": f'attachment; filename="{content.filename}"',
    }
    start, end, status = 0, size, 200
    wanted = request.headers.get("range")
    if wanted:
        parsed = _parse_range(wanted, size)
        if parsed is None:
            headers["Content-Range"] = f"bytes */{size}"
            return error_response(416, f"Range {wanted!r} is outside the {size} bytes of the file", headers=headers)
        start, end = parsed
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type="application/octet-stream")
    try:
        reader = portal.blobs.open_read(content.key, start, end)
    except RangeNotSatisfiable:
        return error_response(416, f"Range {wanted!r} is not satisfiable")
    return StreamingResponse(
        _closing(reader), status_code=status, headers=headers, media_type="application/octet-stream"
    )


def _closing(reader: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from reader
    finally:
        close = getattr(reader, "close", None)
        if close is not None:
            close()


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=a-b`` range as [start, end); None if unsatisfiable. Several ranges: the first."""
    matched = _RANGE.fullmatch(header.split(",")[0].strip())
    if not matched or not (matched[1] or matched[2]):
        return None
    if not matched[1]:  # the last N bytes
        count = int(matched[2])
        return (max(size - count, 0), size) if count and size else None
    start = int(matched[1])
    end = min(int(matched[2]) + 1, size) if matched[2] else size
    if start >= size or end <= start:
        return None
    return start, end
