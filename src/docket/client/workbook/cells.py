"""Cell values to typed JSON values, by the property schema of their column.

Arrays are comma-separated (Submit4DN also strips ``[``, ``]`` and ``'`` around them), numbers and
booleans are parsed, and a value that cannot be converted raises ``CellError`` with a message for
the submitter. ``*delete*`` is recognised by the caller before conversion.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from pathlib import Path
from typing import Any

DELETE = "*delete*"
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".txt": "text/plain",
    ".tsv": "text/tab-separated-values",
    ".html": "text/html",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


class CellError(ValueError):
    """A cell value that does not fit its column."""


def convert(raw: Any, spec: dict[str, Any]) -> Any:
    kind = spec.get("type")
    if kind == "array":
        if isinstance(raw, str):
            parts = [p.strip() for p in raw.strip("[]'").split(",")]
            return [convert(p, spec.get("items", {})) for p in parts if p]
        return [convert(raw, spec.get("items", {}))]
    if kind == "integer":
        return _integer(raw)
    if kind == "number":
        return _number(raw)
    if kind == "boolean":
        return _boolean(raw)
    if kind == "object":
        raise CellError("an object cannot be written in one cell")
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    return str(raw).strip() if not isinstance(raw, str) else raw


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise CellError(f"{raw!r} is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.replace("_", "x"))
        except ValueError:
            try:
                number = float(raw)
            except ValueError:
                pass
            else:
                if number.is_integer():
                    return int(number)
    raise CellError(f"{raw!r} is not a whole number")


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise CellError(f"{raw!r} is not a number")
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, str):
        try:
            number = float(raw.replace("_", "x"))
        except ValueError:
            pass
        else:
            if number == number and number not in (float("inf"), float("-inf")):
                return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number
    raise CellError(f"{raw!r} is not a number")


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{raw!r} is not TRUE or FALSE")


def local_file(raw: str, base: Path) -> Path | None:
    """The local file a cell names: relative to the current folder (as Submit4DN), else the workbook's."""
    path = Path(raw).expanduser()
    for candidate in (path, base / path):
        if candidate.is_file():
            return candidate
    return None


def attachment(raw: Any, base: Path) -> dict[str, Any]:
    """A local file as an attachment object with a data: URI, as Submit4DN sends it."""
    path = local_file(str(raw), base)
    if path is None:
        raise CellError(f"no file {raw!r} (paths are relative to the current folder or the workbook)")
    mime = _ATTACHMENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if mime not in _ATTACHMENT_TYPES.values():
        raise CellError(f"{path.name}: attachments must be one of {', '.join(sorted(_ATTACHMENT_TYPES))}")
    data = path.read_bytes()
    return {
        "download": path.name,
        "type": mime,
        "href": f"data:{mime};base64,{base64.b64encode(data).decode()}",
    }


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
