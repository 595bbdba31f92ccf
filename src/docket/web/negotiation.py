"""Which requests the web pages answer, and which the JSON API does, on the same URLs.

A GET whose Accept header prefers ``text/html`` to ``application/json`` is a browser navigating: the pages
answer it. ``*/*`` and no Accept header at all rank both equally, and ties go to JSON, so API clients
(``accept: application/json``, curl, requests, Submit4DN) see exactly the API they always did. A POST of a
form (urlencoded or multipart) is a page's form; the API only takes JSON bodies. A few paths exist only
as pages (sign-in, account, admin, static assets) and ``@@`` views (downloads, uploads, history) are
always the API's, whatever the browser asks for.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_ONLY = frozenset({"static", "login", "logout", "account", "admin"})
API_ONLY = frozenset({"health", "me", "profiles", "batch", "openapi.json", "api", "terms", "access-keys"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
HTML_TYPES = ("text/html", "application/xhtml+xml")


def prefers_html(accept: str | None) -> bool:
    """True when the Accept header ranks HTML strictly above JSON (specific types over wildcards)."""
    if not accept:
        return False
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        ranks[media] = max(ranks.get(media, 0.0), quality)

    def rank(specific: tuple[str, ...], family: str) -> float:
        for media in specific:
            if media in ranks:
                return ranks[media]
        return ranks.get(family, ranks.get("*/*", 0.0))

    html = rank(HTML_TYPES, "text/*")
    json = rank(("application/json", "application/ld+json"), "application/*")
    return html > json


def goes_to_web(scope: Scope) -> bool:
    path: str = scope["path"]
    first = path.strip("/").split("/", 1)[0]
    if first in WEB_ONLY:
        return True
    if first in API_ONLY or "@@" in path:
        return False
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    method = scope["method"]
    if method in ("GET", "HEAD"):
        wanted = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("format")
        if wanted in ("json", "html"):
            return wanted == "html"
        return prefers_html(headers.get("accept"))
    if method == "POST":
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return media in FORM_TYPES
    return False


class Negotiate:
    """ASGI middleware in front of the API: hands page requests to the web app, everything else on."""

    def __init__(self, app: ASGIApp, web: ASGIApp) -> None:
        self.app = app
        self.web = web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if goes_to_web(scope):
            await self.web(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            # The same URL answers HTML or JSON by Accept; caches must keep them apart.
            if message["type"] == "http.response.start" and scope["method"] in ("GET", "HEAD"):
                message["headers"] = [*message.get("headers", []), (b"vary", b"Accept")]
            await send(message)

        await self.app(scope, receive, send_with_vary)
