"""Per-request plumbing of the pages: the session cookie, the caller, CSRF checks and template rendering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docket import __version__
from docket.errors import Forbidden
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.services.sessions import COOKIE_NAME, Session

HERE = Path(__file__).parent
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    # Every template is HTML: escape every value unless a view marks it Markup on purpose (the QR code SVG).
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals["version"] = __version__


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def set_session(request: Request, session: Session) -> None:
    """Replace the visitor's session; the response carries the new cookie."""
    request.state.session = session
    request.state.session_out = session
    request.state.principal = None


def principal_of(request: Request) -> Principal:
    """The signed-in user (or anonymous); reads the database, so call it from a worker thread."""
    cached = getattr(request.state, "principal", None)
    if cached is None:
        cached = portal_of(request).sessions.principal(session_of(request))
        request.state.principal = cached
    return cached


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    portal = portal_of(request)
    principal = principal_of(request)
    user = portal.store.get(principal.user_uuid) if principal.user_uuid else None
    base = {
        "request": request,
        "path": request.url.path,
        "portal_title": portal.model.title,
        "principal": principal,
        "user_name": _user_name(portal, user) if user else None,
        "csrf_token": portal.sessions.csrf_token(session_of(request)),
        "link": lambda item: _link(portal, item),
    }
    html = templates.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _link(portal: Portal, item: Any) -> tuple[str, str]:
    """(href, text) of a link to a stored item."""
    info = portal.model.types[item.item_type]
    return portal.renderer.at_id(item), portal.renderer.display_title(info, item.properties, item.uuid)


def _user_name(portal: Portal, user: Any) -> str:
    return portal.renderer.display_title(portal.model.types["User"], user.properties, user.uuid)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/login?next={quote(target)}")


def safe_next(raw: str | None) -> str:
    """Only same-site paths: ``next=//evil.example`` or ``next=https://...`` would be an open redirect."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/"


Handler = Callable[[Request, FormData | None], Response]


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A page endpoint: reads and CSRF-checks a POSTed form, then runs the (blocking) handler in a thread."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        form = None
        if request.method == "POST":
            form = await request.form()
            token = form.get("csrf_token")
            if not portal_of(request).sessions.check_csrf(
                session_of(request), token if isinstance(token, str) else None
            ):
                raise Forbidden("This form has expired or came from another site; reload the page and try again.")
        return await run_in_threadpool(handler, request, form)

    return endpoint


def form_value(form: FormData | None, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


class SessionCookie:
    """ASGI middleware: every page request carries a session (a new anonymous one if the cookie is missing,
    forged or expired); a new or replaced session goes back in an HttpOnly, SameSite=Lax cookie."""

    def __init__(self, app: ASGIApp, portal: Portal) -> None:
        self.app = app
        self.portal = portal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sessions = self.portal.sessions
        cookies = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                try:
                    cookies.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is treated as no cookie
                    cookies = SimpleCookie()
        morsel = cookies.get(COOKIE_NAME)
        session = sessions.decode(morsel.value if morsel else None)
        state = scope.setdefault("state", {})
        state["session"] = session or sessions.anonymous()
        state["session_out"] = None if session else state["session"]
        secure = self._secure(scope)

        async def send_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("session_out") is not None:
                out: Session = state["session_out"]
                attributes = f"Path=/; HttpOnly; SameSite=Lax; Max-Age={sessions.lifetime}"
                if secure:
                    attributes += "; Secure"
                cookie = f"{COOKIE_NAME}={sessions.encode(out)}; {attributes}"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_cookie)

    def _secure(self, scope: Scope) -> bool:
        mode = self.portal.settings.secure_cookies
        if mode in ("always", "never"):
            return mode == "always"
        return scope.get("scheme") == "https"
