"""Rows to items: each data row becomes an ``Entry`` holding the item's properties and, for every
property path, the cell it came from, so any later error (local or from the server) points at a cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openpyxl.utils import get_column_letter

from docket.client.workbook.cells import DELETE, CellError, attachment, convert, local_file, md5_of
from docket.client.workbook.reader import Sheet
from docket.client.workbook.report import Problem, Where
from docket.client.workbook.schemas import EXPERIMENT_SET_COLUMN, REPLICATE_COLUMNS, PortalSchemas

_HEADER = re.compile(r"^(?P<field>[^.]+?)(?:\.(?P<sub>[^.]+?)(?:-(?P<n>\d+))?)?$")
ColumnKind = Literal["field", "embedded", "set", "attachment"]


@dataclass(frozen=True)
class SheetColumn:
    index: int  # position in the row's values (column B is 0)
    letter: str
    name: str
    field: str
    kind: ColumnKind
    spec: dict[str, Any]
    sub: str | None = None
    n: int = 0


@dataclass
class Entry:
    """One item to create or patch, and where each of its values came from."""

    type_name: str
    where: Where  # file, sheet and the row's column-A cell
    row: int
    properties: dict[str, Any]
    cells: dict[tuple[str | int, ...], Where] = field(default_factory=dict)
    delete_fields: list[str] = field(default_factory=list)
    op: Literal["create", "patch"] = "create"
    target: str | None = None  # the existing item's uuid, for a patch
    upload: Path | None = None
    sets: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # replicate_set / experiment_set values
    existing: dict[str, Any] | None = None  # the item on the server (object frame), for a patch
    columns: dict[str, str] = field(default_factory=dict)  # field -> column letter in the row's sheet (shared)

    @property
    def aliases(self) -> list[str]:
        found = self.properties.get("aliases")
        return [a for a in found if isinstance(a, str)] if isinstance(found, list) else []

    @property
    def label(self) -> str:
        return self.aliases[0] if self.aliases else f"{self.where.sheet} row {self.row}"

    def cell_for(self, path: tuple[str | int, ...]) -> Where:
        """The cell a property path came from: ``("biosource", 0)`` → the biosource cell."""
        for size in range(len(path), 0, -1):
            found = self.cells.get(path[:size]) or self.cells.get(tuple(p for p in path[:size] if isinstance(p, str)))
            if found is not None:
                return found
        if path and isinstance(path[0], str) and path[0] in self.columns:
            return self.where.at(f"{self.columns[path[0]]}{self.row}")  # an empty cell of an existing column
        return self.where

    def column_cell(self, field_name: str) -> Where:
        return self.cell_for((field_name,))


class SheetReader:
    """Turns the rows of one sheet into entries, reporting cell and column problems as it goes."""

    def __init__(self, schemas: PortalSchemas, sheet: Sheet, type_name: str, problems: list[Problem]) -> None:
        self.schemas = schemas
        self.sheet = sheet
        self.type_name = type_name
        self.problems = problems
        self.base = sheet.file.parent
        self.where = Where(str(sheet.file), sheet.name)
        self.columns: list[SheetColumn] = []
        self._unknown: dict[int, tuple[str, str]] = {}
        self._used_unknown: set[int] = set()
        self.has_filename = "filename" in schemas.properties(type_name)
        self._parse_header()
        self.letters = {c.field: c.letter for c in self.columns if c.kind in ("field", "attachment", "set")}

    def _parse_header(self) -> None:
        props = self.schemas.properties(self.type_name)
        experiment = self.schemas.is_experiment(self.type_name)
        seen: dict[str, str] = {}
        for index, raw in enumerate(self.sheet.header):
            letter = get_column_letter(index + 2)
            if raw is None or str(raw).strip() == "":
                continue
            name = str(raw).strip().replace("*", "")
            if name.startswith("#"):
                continue  # a commented-out column
            name = name.split(":")[0] if ":" in name and "." not in name.split(":")[0] else name
            if name in seen:
                self.problems.append(
                    Problem(self.where.at(f"{letter}1"), name, f"column repeats {seen[name]}1; only one is read")
                )
                continue
            seen[name] = letter
            column = self._column(index, letter, name, props, experiment)
            if column is None:
                self._unknown[index] = (letter, name)
            else:
                self.columns.append(column)

    def _column(
        self, index: int, letter: str, name: str, props: dict[str, Any], experiment: bool
    ) -> SheetColumn | None:
        if experiment and name in (*REPLICATE_COLUMNS, EXPERIMENT_SET_COLUMN):
            kind = "integer" if name in ("bio_rep_no", "tec_rep_no") else "string"
            return SheetColumn(index, letter, name, name, "set", {"type": kind})
        match = _HEADER.match(name)
        if not match:
            return None
        top, sub, n = match["field"], match["sub"], int(match["n"] or 0)
        spec: Any = props.get(top)
        if not isinstance(spec, dict) or spec.get("calculatedProperty"):
            return None
        if sub is None:
            if spec.get("type") == "object":
                if spec.get("attachment") or top == "attachment":
                    return SheetColumn(index, letter, name, top, "attachment", spec)
                return None
            return SheetColumn(index, letter, name, top, "field", spec)
        items: dict[str, Any] = spec.get("items", {}) if spec.get("type") == "array" else {}
        sub_spec = items.get("properties", {}).get(sub) if items.get("type") == "object" else None
        if not isinstance(sub_spec, dict):
            return None
        return SheetColumn(index, letter, name, top, "embedded", sub_spec, sub, n)

    def entries(self) -> Any:
        for number, values in self.sheet.rows:
            entry = self._entry(number, values)
            if entry is not None:
                yield entry

    def finish(self) -> None:
        """Report unknown columns: an error if any row filled them, a warning otherwise."""
        for index, (letter, name) in sorted(self._unknown.items()):
            used = index in self._used_unknown
            message = f"{self.type_name} has no submittable field {name!r}"
            self.problems.append(
                Problem(
                    self.where.at(f"{letter}1"),
                    name,
                    message if used else message + " (the column is empty, so it is ignored)",
                    "error" if used else "warning",
                )
            )

    def _entry(self, number: int, values: list[Any]) -> Entry | None:
        for index in self._unknown:
            if index < len(values) and values[index] is not None:
                self._used_unknown.add(index)
        entry = Entry(self.type_name, self.where.at(f"A{number}"), number, {}, columns=self.letters)
        embedded: dict[str, dict[int, dict[str, Any]]] = {}
        embedded_cells: dict[str, dict[int, dict[str, Where]]] = {}
        for column in self.columns:
            raw = values[column.index] if column.index < len(values) else None
            if raw is None:
                continue
            if isinstance(raw, str):
                raw = raw.strip(", ")
                if not raw:
                    continue
            where = self.where.at(f"{column.letter}{number}")
            if raw == DELETE:
                if column.kind in ("field", "embedded", "attachment") and column.field not in entry.delete_fields:
                    entry.delete_fields.append(column.field)
                    entry.cells.setdefault((column.field,), where)
                continue
            value: Any
            try:
                if column.kind == "attachment":
                    value = attachment(raw, self.base)
                elif column.kind == "field" and column.field == "filename" and self.has_filename:
                    value = self._filename(entry, str(raw), where)
                else:
                    value = convert(raw, column.spec)
            except CellError as exc:
                self.problems.append(Problem(where, column.name, str(exc)))
                continue
            if column.kind == "set":
                entry.sets[column.field] = (value, where)
            elif column.kind == "embedded":
                assert column.sub is not None
                embedded.setdefault(column.field, {}).setdefault(column.n, {})[column.sub] = value
                embedded_cells.setdefault(column.field, {}).setdefault(column.n, {})[column.sub] = where
            else:
                entry.properties[column.field] = value
                entry.cells[(column.field,)] = where
        for top, objects in embedded.items():
            listed = []
            for position, n in enumerate(sorted(objects)):
                listed.append(objects[n])
                for sub, where in embedded_cells[top][n].items():
                    entry.cells[(top, position, sub)] = where
                entry.cells.setdefault((top, position), next(iter(embedded_cells[top][n].values())))
            entry.properties[top] = listed
            entry.cells.setdefault((top,), entry.cells[(top, 0)])
        if not entry.properties and not entry.delete_fields and not entry.sets:
            return None
        return entry

    def _filename(self, entry: Entry, raw: str, where: Where) -> str:
        """A filename cell names a local file to upload: send its base name (and md5sum, as Submit4DN does)."""
        path = local_file(raw, self.base)
        if path is None:
            if "/" in raw or "\\" in raw:
                self.problems.append(
                    Problem(where, "filename", f"no local file {raw!r}; the item keeps the name only", "warning")
                )
            return Path(raw).name
        entry.upload = path
        entry.properties.setdefault("md5sum", md5_of(path))
        entry.cells.setdefault(("md5sum",), where)
        return path.name
