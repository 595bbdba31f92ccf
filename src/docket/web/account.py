"""The signed-in user's own page: access keys (shown once), password, and two-factor enrollment."""

from __future__ import annotations

import json
from typing import Any

import segno
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from docket.errors import ValidationFailed
from docket.services.bootstrap import keypairs_entry
from docket.services.passwords import MIN_PASSWORD_LENGTH, two_factor_required
from docket.services.sessions import ENROLL, FULL
from docket.store.protocol import StoredItem
from docket.web.context import (
    form_value,
    login_redirect,
    page,
    portal_of,
    principal_of,
    redirect,
    render,
    safe_next,
    session_of,
    set_session,
)


def _signed_in_user(request: Request) -> StoredItem | None:
    principal = principal_of(request)
    return portal_of(request).store.get(principal.user_uuid) if principal.user_uuid else None


@page
def profile(request: Request, _form: FormData | None) -> Response:
    user = _signed_in_user(request)
    if user is None:
        return login_redirect(request)
    return _profile(request, user)


def _profile(request: Request, user: StoredItem, status: int = 200, **extra: Any) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    frame = portal.renderer.render_one(user, "embedded", principal)
    keys = [k for k in portal.accounts.keys_of(user.uuid)]
    keys.sort(key=lambda k: (k.properties.get("status") != "current", k.created), reverse=False)
    return render(
        request,
        "account.html",
        status=status,
        title="Your account",
        user=frame,
        keys=keys,
        two_factor=bool(user.properties.get("totp_secret")),
        two_factor_required=two_factor_required(portal.two_factor.current(), user),
        has_password=bool(user.properties.get("password_hash")),
        min_password=MIN_PASSWORD_LENGTH,
        **{"new_key": None, "password_error": None, "password_done": False, **extra},
    )


@page
def add_key(request: Request, form: FormData | None) -> Response:
    user = _signed_in_user(request)
    if user is None or form is None:
        return login_redirect(request)
    portal = portal_of(request)
    new = portal.accounts.create_key(principal_of(request), form_value(form, "description").strip() or None)
    server = str(request.base_url).rstrip("/")
    snippet = json.dumps(keypairs_entry(new, server), indent=2)
    return _profile(
        request,
        user,
        status=201,
        new_key={"id": new.access_key_id, "secret": new.secret_access_key} | {"snippet": snippet},
    )


@page
def revoke_key(request: Request, form: FormData | None) -> Response:
    if _signed_in_user(request) is None or form is None:
        return login_redirect(request)
    portal_of(request).accounts.revoke_key(principal_of(request), request.path_params["key_id"])
    return redirect("/account#keys")


@page
def change_password(request: Request, form: FormData | None) -> Response:
    user = _signed_in_user(request)
    if user is None or form is None:
        return login_redirect(request)
    portal = portal_of(request)
    email = user.properties.get("email", "")
    if user.properties.get("password_hash") and portal.passwords.verify(email, form_value(form, "current")) is None:
        return _profile(request, user, status=400, password_error="Your current password is not right.")
    if form_value(form, "new") != form_value(form, "confirm"):
        return _profile(request, user, status=400, password_error="The two new passwords differ.")
    try:
        user = portal.passwords.set_password(user, form_value(form, "new"))
    except ValidationFailed as exc:
        return _profile(request, user, status=400, password_error=exc.errors[0].description)
    set_session(request, portal.sessions.restamp(session_of(request), user))
    return _profile(request, user, password_done=True)


@page
def two_factor(request: Request, form: FormData | None) -> Response:
    """Enroll an authenticator app: scan the QR code (or type the secret), then prove it with a code."""
    portal = portal_of(request)
    session = session_of(request)
    user = portal.sessions.user_of(session) if session.stage in (FULL, ENROLL) else None
    if user is None:
        return login_redirect(request)
    nxt = safe_next(form_value(form, "next") if form else request.query_params.get("next"))
    secret = form_value(form, "secret") if form else portal.passwords.new_totp_secret()
    error = None
    if form is not None:
        if not portal.sessions.check_value(session, "totp", secret, form_value(form, "secret_mac")):
            return redirect("/account/two-factor")
        enrolled = portal.passwords.enroll(user, secret, form_value(form, "code"))
        if enrolled is not None:
            set_session(request, portal.sessions.for_user(enrolled, FULL))
            return redirect(nxt if session.stage == ENROLL else "/account")
        error = "That code is not right; check the phone's clock and try the next code."
    email = user.properties.get("email", "")
    uri = portal.passwords.provisioning_uri(secret, email, "Docket")
    # segno draws the QR code from our own bytes: the SVG holds no user text, so it can go in unescaped.
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app"))
    return render(
        request,
        "two_factor_enroll.html",
        status=400 if error else 200,
        title="Set up two-factor sign-in",
        qr=qr,
        secret=secret,
        secret_mac=portal.sessions.sign_value(session, "totp", secret),
        required=session.stage == ENROLL,
        next=nxt,
        error=error,
    )


@page
def remove_two_factor(request: Request, form: FormData | None) -> Response:
    user = _signed_in_user(request)
    if user is None or form is None:
        return login_redirect(request)
    portal = portal_of(request)
    if two_factor_required(portal.two_factor.current(), user):
        return _profile(request, user, status=400, password_error="This portal requires two-factor sign-in for you.")
    user = portal.passwords.remove_two_factor(user)
    set_session(request, portal.sessions.restamp(session_of(request), user))
    return redirect("/account")
