"""Validation that needs linked items: pure functions given a ``lookup`` of linked items by uuid.

- Files: the file name's extension must be one the file format allows (``standard_file_extension`` or
  ``other_allowed_extensions``), for the main file and each extra file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from docket.errors import FieldError

Lookup = Callable[[str], dict[str, Any] | None]
Check = Callable[[dict[str, Any], Lookup], Iterator[FieldError]]


def _extensions(file_format: dict[str, Any]) -> list[str]:
    names = [file_format.get("standard_file_extension"), *file_format.get("other_allowed_extensions", [])]
    return [f".{n.lstrip('.')}" for n in names if isinstance(n, str) and n]


def _extension_error(filename: str, file_format: dict[str, Any], path: tuple[str | int, ...]) -> FieldError | None:
    allowed = _extensions(file_format)
    if not allowed or any(filename.endswith(ext) for ext in allowed):
        return None
    shown = ", ".join(f"'{ext}'" for ext in allowed)
    return FieldError(
        name="File: invalid extension",
        description=f"Filename {filename} extension does not agree with specified file format. Valid extension(s): {shown}",
        path=path,
    )


def _file_extensions(props: dict[str, Any], lookup: Lookup) -> Iterator[FieldError]:
    fmt = lookup(props["file_format"]) if isinstance(props.get("file_format"), str) else None
    filename = props.get("filename")
    if fmt and isinstance(filename, str):
        error = _extension_error(filename, fmt, ("filename",))
        if error:
            yield error
    for i, extra in enumerate(props.get("extra_files") or []):
        if not isinstance(extra, dict):
            continue
        extra_fmt = lookup(extra["file_format"]) if isinstance(extra.get("file_format"), str) else None
        extra_name = extra.get("filename")
        if extra_fmt and isinstance(extra_name, str):
            error = _extension_error(extra_name, extra_fmt, ("extra_files", i, "filename"))
            if error:
                yield error


CHECKS: dict[str, list[Check]] = {"File": [_file_extensions]}


def run_checks(type_names: list[str], props: dict[str, Any], lookup: Lookup) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in type_names:
        for check in CHECKS.get(name, []):
            errors.extend(check(props, lookup))
    return errors
