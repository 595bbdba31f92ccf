"""The pages' own ASGI app, put in front of the API by ``install``: same portal, same URLs, HTML out."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from docket.errors import DocketError, Forbidden, NotAuthenticated, ValidationFailed
from docket.services.portal import Portal
from docket.web import account, admin, browse, signin, submit
from docket.web.context import HERE, SessionCookie, login_redirect, principal_of, render
from docket.web.negotiation import Negotiate

log = logging.getLogger("docket.web")

_STATUS = {"BadRequest": 400, "NotAuthenticated": 401, "Forbidden": 403, "NotFound": 404, "KeysConflict": 409}


def create_web_app(portal: Portal) -> Starlette:
    routes = [
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Route("/login", signin.sign_in, methods=["GET", "POST"]),
        Route("/login/two-factor", signin.second_factor, methods=["GET", "POST"]),
        Route("/logout", signin.sign_out, methods=["GET", "POST"]),
        Route("/account", account.profile),
        Route("/account/keys", account.add_key, methods=["POST"]),
        Route("/account/keys/{key_id}/revoke", account.revoke_key, methods=["POST"]),
        Route("/account/password", account.change_password, methods=["POST"]),
        Route("/account/two-factor", account.two_factor, methods=["GET", "POST"]),
        Route("/account/two-factor/remove", account.remove_two_factor, methods=["POST"]),
        Route("/admin", admin.index, methods=["GET", "POST"]),
        Route("/admin/users", admin.users),
        Route("/admin/users/{uuid}", admin.users, methods=["POST"]),
        Route("/admin/release", admin.release, methods=["GET", "POST"]),
        Route("/", browse.home),
        Route("/{collection}/add", submit.add, methods=["GET", "POST"]),
        Route("/{path:path}/edit", submit.edit, methods=["GET", "POST"]),
        Route("/{path:path}", browse.anything),
    ]
    web = Starlette(routes=routes, exception_handlers={DocketError: _on_error, HTTPException: _on_http})
    web.state.portal = portal
    web.add_middleware(SessionCookie, portal=portal)
    return web


def install(app: FastAPI, portal: Portal) -> None:
    """Serve pages to browsers on the API's URLs (see ``negotiation``)."""
    app.add_middleware(Negotiate, web=create_web_app(portal))


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DocketError)
    return await run_in_threadpool(_error_page, request, exc)


def _error_page(request: Request, exc: DocketError) -> Response:
    principal = principal_of(request)
    if isinstance(exc, NotAuthenticated | Forbidden) and principal.is_anonymous and request.method == "GET":
        return login_redirect(request)
    if isinstance(exc, ValidationFailed):
        detail = "; ".join(e.description for e in exc.errors)
        return render(request, "error.html", status=422, title="Not saved", detail=detail)
    status = _STATUS.get(type(exc).__name__, 500)
    if status == 500:
        log.error("unmapped domain error %s: %s", type(exc).__name__, exc.detail)
    title = {404: "Not found", 403: "Not allowed", 400: "Bad request"}.get(status, "Something went wrong")
    return render(request, "error.html", status=status, title=title, detail=exc.detail)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return await run_in_threadpool(
        lambda: render(request, "error.html", status=exc.status_code, title="Not found", detail=request.url.path)
    )
