"""The snovault response envelopes."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


def result(
    graph: list[Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"status": "success", "@type": ["result"]}
    if graph is not None:
        body["@graph"] = graph
    body.update(extra)
    return JSONResponse(body, status_code=status_code, headers=headers)


def check_only_result() -> JSONResponse:
    return result()
