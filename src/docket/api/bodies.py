"""Reading JSON request bodies: content type, size limit and decoding, each with a clear error."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from docket.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType


async def read_json(request: Request, limit: int) -> Any:
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json":
        shown = media or "missing"
        raise UnsupportedMediaType(f"Request content type {shown} is not 'application/json'")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The body is {int(declared)} bytes; the limit is {limit} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body is over the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadRequest("The request body is empty; expected a JSON object")
    if b"\\u0000" in raw:
        raise BadRequest("The body contains a NUL character (\\u0000), which cannot be stored")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def flag(request: Request, name: str) -> bool:
    """A boolean query parameter, read as snovault's asbool does (``True``, ``true``, ``1``, ``yes``, ``on``)."""
    return request.query_params.get(name, "").strip().lower() in ("true", "1", "yes", "on", "t", "y")
