"""Schema validation: one compiled validator per type, every error reported with its JSON path."""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import date, datetime
from typing import Any

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


# The format checks (date, date-time, uuid, md5sum, email) for validators built outside this module,
# e.g. by the workbook client from a server's profiles.
FORMAT_CHECKER = _checker


class Validators:
    """Compiled validators for every concrete type of a model, built once."""

    def __init__(self, model: Model) -> None:
        self._by_type: dict[str, Draft202012Validator] = {}
        for info in model.types.values():
            schema = validation_schema(info.schema)
            Draft202012Validator.check_schema(schema)
            self._by_type[info.name] = Draft202012Validator(schema, format_checker=_checker)

    def validate(self, info: TypeInfo, item: dict[str, Any], index: int | None = None) -> list[FieldError]:
        """Every schema error of ``item`` against its type, sorted by path."""
        errors = []
        for err in self._by_type[info.name].iter_errors(item):
            errors.append(schema_error(list(err.absolute_path), err.message, index))
        errors.sort(key=lambda e: [str(p) for p in e.path])
        return errors
