"""Who is calling: HTTP Basic with an access key id and secret, or anonymous."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from docket.errors import Forbidden, NotAuthenticated
from docket.services.portal import Portal
from docket.services.principal import ANONYMOUS, Principal
from docket.services.sessions import COOKIE_NAME

_BAD = "Invalid Authorization header or Auth Challenge response."


def principal_from_request(portal: Portal, request: Request) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        return _from_session(portal, request)
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        raise NotAuthenticated(_BAD)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated(_BAD) from None
    key_id, sep, secret = decoded.partition(":")
    if not sep or not key_id or not secret:
        raise NotAuthenticated(_BAD)
    return portal.accounts.authenticate(key_id, secret)


def _from_session(portal: Portal, request: Request) -> Principal:
    """A signed-in browser (the web pages' scripts: pickers, uploads) calls the API with its session cookie.
    Writes must also echo the page's CSRF token in ``X-CSRF-Token``, which another site cannot read."""
    session = portal.sessions.decode(request.cookies.get(COOKIE_NAME))
    if session is None or not session.signed_in:
        return ANONYMOUS
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and not portal.sessions.check_csrf(session, request.headers.get("x-csrf-token")):
        raise Forbidden("A browser session must send the page's CSRF token in X-CSRF-Token")
    return portal.sessions.principal(session)
