"""SQL over JSON documents, spelled once for SQLite (JSON1) and once for PostgreSQL (JSONB).

Field names reaching these functions have been checked against the model by the services; they are
still passed as bound parameters or quoted JSON paths, never spliced raw.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, bindparam, case, func, text, type_coerce


class JsonDialect:
    """Builds the dialect-specific clauses; ``n`` makes bound parameter names unique in a statement."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"
        self._n = 0

    def _param(self) -> str:
        self._n += 1
        return f"j{self._n}"

    def contains(self, field: str, value: Any) -> ColumnElement[bool]:
        """The field equals ``value``, or is an array holding it."""
        f, v = self._param(), self._param()
        if self.pg:
            return _boolean(f"(items.properties -> :{f}) @> CAST(:{v} AS jsonb)", **{f: field, v: json.dumps(value)})
        bound = int(value) if isinstance(value, bool) else value
        return _boolean(
            f"EXISTS (SELECT 1 FROM json_each(items.properties, :{f}) AS je WHERE je.value = :{v})",
            **{f: _path(field), v: bound},
        )

    def absent(self, field: str) -> ColumnElement[bool]:
        f = self._param()
        if self.pg:
            return _boolean(f"(items.properties -> :{f}) IS NULL", **{f: field})
        return _boolean(f"json_type(items.properties, :{f}) IS NULL", **{f: _path(field)})

    def text_match(self, needle: str) -> ColumnElement[bool]:
        q = self._param()
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if self.pg:
            return _boolean(f"CAST(items.properties AS TEXT) ILIKE :{q} ESCAPE '\\'", **{q: pattern})
        return _boolean(f"items.properties LIKE :{q} ESCAPE '\\'", **{q: pattern})

    def sort_key(self, field: str) -> ColumnElement[Any]:
        f = self._param()
        if self.pg:
            return type_coerce(text(f"(items.properties -> :{f})").bindparams(**{f: field}), String)
        return type_coerce(text(f"json_extract(items.properties, :{f})").bindparams(**{f: _path(field)}), String)

    def facet_values(self, field: str) -> Any:
        """A table-valued FROM element yielding each value of the field (array elements one by one)."""
        f = self._param()
        if self.pg:
            doc = text(f"items.properties -> :{f}").bindparams(**{f: field})
            arr = case(
                (func.jsonb_typeof(doc) == "array", doc),
                else_=func.jsonb_build_array(doc),
            )
            return func.jsonb_array_elements_text(arr).table_valued("value")
        return func.json_each(text("items.properties"), bindparam(f, _path(field))).table_valued("value")


def _boolean(sql: str, **params: Any) -> ColumnElement[bool]:
    """A parenthesised SQL fragment usable with and_/or_/not_."""
    return type_coerce(text(f"({sql})").bindparams(**params), Boolean)


def _path(field: str) -> str:
    return '$."' + field.replace('"', "") + '"'
