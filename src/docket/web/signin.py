"""Signing in (email and password, then a TOTP code when the user has one) and signing out."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from docket.services.passwords import two_factor_required
from docket.services.sessions import ENROLL, FULL, SECOND_FACTOR
from docket.web.context import form_value, page, portal_of, redirect, render, safe_next, session_of, set_session


@page
def sign_in(request: Request, form: FormData | None) -> Response:
    portal = portal_of(request)
    nxt = safe_next(form_value(form, "next") if form else request.query_params.get("next"))
    if form is None:
        return render(request, "signin.html", title="Sign in", next=nxt, email="", error=None)
    email = form_value(form, "email").strip()
    subjects = (f"email:{email.lower()}", f"address:{_address(request)}")
    wait = portal.throttle.wait_seconds(*subjects)
    if wait:
        error = f"Too many failed sign-ins; try again in {_minutes(wait)}."
        return render(request, "signin.html", status=429, title="Sign in", next=nxt, email=email, error=error)
    user = portal.passwords.verify(email, form_value(form, "password"))
    if user is None:
        portal.throttle.failed(*subjects)
        error = "That email and password do not match an account."
        return render(request, "signin.html", status=400, title="Sign in", next=nxt, email=email, error=error)
    portal.throttle.succeeded(subjects[0])
    if user.properties.get("totp_secret"):
        set_session(request, portal.sessions.for_user(user, SECOND_FACTOR))
        return redirect(f"/login/two-factor?next={quote(nxt)}")
    if two_factor_required(portal.two_factor.current(), user):
        set_session(request, portal.sessions.for_user(user, ENROLL))
        return redirect(f"/account/two-factor?next={quote(nxt)}")
    set_session(request, portal.sessions.for_user(user, FULL))
    return redirect(nxt)


@page
def second_factor(request: Request, form: FormData | None) -> Response:
    portal = portal_of(request)
    session = session_of(request)
    nxt = safe_next(form_value(form, "next") if form else request.query_params.get("next"))
    user = portal.sessions.user_of(session) if session.stage == SECOND_FACTOR else None
    if user is None:
        return redirect("/login")
    if form is None:
        return render(request, "two_factor_code.html", title="Two-factor code", next=nxt, error=None)
    subjects = (f"code:{user.uuid}", f"address:{_address(request)}")
    wait = portal.throttle.wait_seconds(*subjects)
    if wait:
        error = f"Too many wrong codes; try again in {_minutes(wait)}."
        return render(request, "two_factor_code.html", status=429, title="Two-factor code", next=nxt, error=error)
    if not portal.passwords.check_code(user.properties.get("totp_secret", ""), form_value(form, "code")):
        portal.throttle.failed(*subjects)
        error = "That code is not right; codes change every 30 seconds."
        return render(request, "two_factor_code.html", status=400, title="Two-factor code", next=nxt, error=error)
    portal.throttle.succeeded(subjects[0])
    set_session(request, portal.sessions.for_user(user, FULL))
    return redirect(nxt)


@page
def sign_out(request: Request, form: FormData | None) -> Response:
    if form is None:
        return render(request, "signout.html", title="Sign out")
    set_session(request, portal_of(request).sessions.anonymous())
    return redirect("/")


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")
