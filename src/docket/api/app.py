"""The ASGI application: routes, error rendering and the portal shared by every request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from docket import __version__
from docket.api import drs, endpoints, files, items
from docket.api.errors import error_response, on_domain_error, on_unexpected
from docket.errors import DocketError
from docket.services.portal import Portal
from docket.services.upload_check import UploadChecker
from docket.settings import Settings

log = logging.getLogger("docket.api")


def create_app(portal: Portal) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        checker = UploadChecker(portal.files, portal.settings.upload_check_interval)
        checker.start()
        try:
            yield
        finally:
            checker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Docket",
        version=__version__,
        description="Snovault-compatible REST API of a Docket data coordination portal.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.portal = portal
    app.add_exception_handler(DocketError, on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(Exception, on_unexpected)
    app.include_router(endpoints.router)
    # Before the item routes: their catch-all paths would take file content and DRS URLs.
    files.install(portal)
    app.include_router(files.router)
    app.include_router(drs.router)
    app.include_router(items.router)
    from docket.web.app import install  # the web pages answer browsers on these same URLs

    install(app, portal)
    return app


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = request.url.path if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, detail)


async def _on_request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, "; ".join(str(e.get("msg", "")) for e in exc.errors()))


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings come from the environment the CLI prepared."""
    portal = Portal(Settings.from_env())
    return create_app(portal)
