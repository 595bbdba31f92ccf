"""Who is calling: HTTP Basic with an access key id and secret, or anonymous."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from docket.errors import NotAuthenticated
from docket.services.portal import Portal
from docket.services.principal import ANONYMOUS, Principal

_BAD = "Invalid Authorization header or Auth Challenge response."


def principal_from_request(portal: Portal, request: Request) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
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
