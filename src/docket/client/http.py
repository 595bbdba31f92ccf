"""An HTTP client for any snovault-compatible portal, Docket's own endpoints included when present.

Requests carry HTTP Basic credentials and JSON. Connection failures and 502/503/504 answers are
retried with back-off for idempotent requests only, so a POST is never sent twice by accident.
Error answers become ``PortalError`` with the status and the server's JSON body.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from docket.client.keys import Credentials

_RETRY_STATUS = {502, 503, 504}
_IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


class PortalError(Exception):
    def __init__(self, status: int, body: Any, method: str, url: str) -> None:
        self.status = status
        self.body = body
        detail = body.get("detail") or body.get("description") if isinstance(body, dict) else str(body)[:200]
        super().__init__(f"{method} {url} answered {status}: {detail}")


class PortalClient:
    def __init__(self, credentials: Credentials, timeout: float = 120.0, retries: int = 4) -> None:
        self.credentials = credentials
        self.retries = retries
        self.http = httpx.Client(
            base_url=credentials.server,
            auth=(credentials.key, credentials.secret),
            headers={"accept": "application/json"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (), **kwargs: Any) -> httpx.Response:
        attempts = self.retries + 1 if method.upper() in _IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError:
                if attempt + 1 >= attempts:
                    raise
            else:
                if response.status_code not in _RETRY_STATUS or attempt + 1 >= attempts:
                    break
            time.sleep(min(2**attempt, 10))
        if response.status_code >= 400 and response.status_code not in ok:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            raise PortalError(response.status_code, body, method, path)
        return response

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", path, params=params or None).json()
        return result

    def get_or_none(self, path: str, **params: Any) -> dict[str, Any] | None:
        response = self.request("GET", path, params=params or None, ok=(404,))
        return None if response.status_code == 404 else response.json()

    def post(self, path: str, body: Any, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", path, json=body, params=params or None).json()
        return result

    def patch(self, path: str, body: Any, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("PATCH", path, json=body, params=params or None).json()
        return result

    def has_batch(self) -> bool:
        """Whether the server offers Docket's all-or-nothing ``POST /batch``."""
        response = self.request("GET", "/openapi.json", ok=(404, 401, 403))
        return response.status_code == 200 and "/batch" in response.json().get("paths", {})

    def search(self, query: str, page_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every item a search finds, paging with from/limit."""
        start = 0
        while True:
            response = self.request("GET", f"/search/?{query}&limit={page_size}&from={start}", ok=(404,))
            graph = response.json().get("@graph", [])
            yield from graph
            if len(graph) < page_size:
                return
            start += page_size
