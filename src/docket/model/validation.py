"""Schema validation: one compiled validator per type, every error reported with its JSON path."""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import date, datetime
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker

from docket.errors import FieldError, schema_error
from docket.model.schemas import validation_schema
from docket.model.types import Model, TypeInfo

_checker = FormatChecker(formats=())
_MD5 = re.compile(r"^[a-f0-9]{32}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@_checker.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


@_checker.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if isinstance(value, str):
        uuidlib.UUID(value)
    return True


@_checker.checks("md5sum")
def _is_md5(value: object) -> bool:
    return not isinstance(value, str) or bool(_MD5.match(value))


@_checker.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


_FORMATS = ("date-time", "date", "uuid", "md5sum", "email", "uri", "accession")


def _draft7(node: Any) -> Any:
    """The schema in the draft-07 dialect fastjsonschema compiles (``dependentRequired`` -> ``dependencies``)."""
    if isinstance(node, list):
        return [_draft7(n) for n in node]
    if not isinstance(node, dict):
        return node
    result = {k: _draft7(v) for k, v in node.items() if k != "dependentRequired"}
    if "dependentRequired" in node:
        result["dependencies"] = node["dependentRequired"]
    if "$schema" in result:
        result["$schema"] = "http://json-schema.org/draft-07/schema#"
    return result


# The format checks (date, date-time, uuid, md5sum, email) for validators built outside this module,
# e.g. by the workbook client from a server's profiles.
FORMAT_CHECKER = _checker


class Validators:
    """Compiled validators for every concrete type of a model, built once.

    A fastjsonschema function compiled from the same schema answers "valid" quickly for the common
    case; only an item it rejects goes through jsonschema, which lists every error with its path.
    Both use the same format checks, so they agree on what is valid.
    """

    def __init__(self, model: Model) -> None:
        self._by_type: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Any] = {}
        for info in model.types.values():
            schema = validation_schema(info.schema)
            Draft202012Validator.check_schema(schema)
            self._by_type[info.name] = Draft202012Validator(schema, format_checker=_checker)

    def _fast_validator(self, name: str) -> Any:
        """Compiled on first use: compiling every type up front would slow every start by seconds."""
        if name not in self._fast:
            formats = {f: (lambda value, f=f: _checker.conforms(value, f)) for f in _FORMATS}
            self._fast[name] = fastjsonschema.compile(_draft7(dict(self._by_type[name].schema)), formats=formats)
        return self._fast[name]

    def validate(self, info: TypeInfo, item: dict[str, Any], index: int | None = None) -> list[FieldError]:
        """Every schema error of ``item`` against its type, sorted by path."""
        try:
            self._fast_validator(info.name)(item)
        except fastjsonschema.JsonSchemaException:
            pass
        else:
            return []
        errors = []
        for err in self._by_type[info.name].iter_errors(item):
            errors.append(schema_error(list(err.absolute_path), err.message, index))
        errors.sort(key=lambda e: [str(p) for p in e.path])
        return errors
