"""Per-request access to the portal and the caller."""

from __future__ import annotations

from starlette.requests import Request

from docket.api.auth import principal_from_request
from docket.services.portal import Portal
from docket.services.principal import Principal


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def principal_of(request: Request) -> Principal:
    """The caller, authenticated once per request (call it from a worker thread: it may hash)."""
    cached = getattr(request.state, "principal", None)
    if cached is None:
        cached = principal_from_request(portal_of(request), request)
        request.state.principal = cached
    return cached
