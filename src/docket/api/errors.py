"""The one table that maps domain errors to HTTP status codes and snovault-shaped JSON bodies."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from docket.errors import (
    BadRequest,
    DocketError,
    Forbidden,
    KeysConflict,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

log = logging.getLogger("docket.api")

# status: (@type name, title, description)
HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: (
        "HTTPBadRequest",
        "Bad Request",
        "The server could not comply with the request since it is either malformed or otherwise incorrect.",
    ),
    401: (
        "HTTPUnauthorized",
        "No Access",
        "This server could not verify that you are authorized to access the document you requested.  Either you "
        "supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply "
        "the credentials required.",
    ),
    403: ("HTTPForbidden", "Forbidden", "Access was denied to this resource."),
    404: ("HTTPNotFound", "Not Found", "The resource could not be found."),
    405: ("HTTPMethodNotAllowed", "Method Not Allowed", "The method is not allowed for this resource."),
    409: ("HTTPConflict", "Conflict", "There was a conflict when trying to complete your request."),
    413: ("HTTPRequestEntityTooLarge", "Request Entity Too Large", "The body of the request is too large."),
    415: ("HTTPUnsupportedMediaType", "Unsupported Media Type", ""),
    416: ("HTTPRequestRangeNotSatisfiable", "Request Range Not Satisfiable", "The Range requested is not available."),
    422: ("HTTPUnprocessableEntity", "Unprocessable Entity", "The request could not be processed."),
    500: (
        "HTTPInternalServerError",
        "Internal Server Error",
        "The server has either erred or is incapable of performing the requested operation.",
    ),
}

_STATUS_OF: list[tuple[type[DocketError], int]] = [
    (BadRequest, 400),
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (KeysConflict, 409),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
]


def error_body(code: int, detail: str = "", **extra: Any) -> dict[str, Any]:
    kind, title, description = HTTP_ERRORS.get(code, HTTP_ERRORS[500])
    body: dict[str, Any] = {
        "@type": [kind, "Error"],
        "status": "error",
        "code": code,
        "title": title,
        "description": description,
        "detail": detail,
    }
    body.update(extra)
    return body


def error_response(code: int, detail: str = "", headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(code, detail, **extra), status_code=code, headers=headers)


def validation_response(exc: ValidationFailed) -> JSONResponse:
    body = {
        "@type": ["ValidationFailure", "Error"],
        "status": "error",
        "code": 422,
        "title": "Unprocessable Entity",
        "description": "Failed validation",
        "errors": [e.to_json() for e in exc.errors],
    }
    return JSONResponse(body, status_code=422)


def render_domain_error(exc: DocketError) -> JSONResponse:
    if isinstance(exc, ValidationFailed):
        return validation_response(exc)
    for kind, code in _STATUS_OF:
        if isinstance(exc, kind):
            extra: dict[str, Any] = {}
            headers = None
            if isinstance(exc, KeysConflict) and exc.index is not None:
                extra["index"] = exc.index
            if isinstance(exc, NotAuthenticated):
                extra["comment"] = exc.detail
                headers = {"WWW-Authenticate": 'Basic realm="docket"'}
            return error_response(code, exc.detail, headers=headers, **extra)
    log.error("unmapped domain error %s: %s", type(exc).__name__, exc.detail)
    return error_response(500, "Unexpected error")


async def on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocketError)
    return render_domain_error(exc)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "The server hit an unexpected error; it has been logged.")
