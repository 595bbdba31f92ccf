"""Filling generated workbooks in tests: rows given as {column name: value}, placed under row 4."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def fill(path: Path, rows: dict[str, list[dict[str, Any]]], out: Path | None = None) -> Path:
    """Write ``rows`` into the sheets of the workbook at ``path`` (column names with or without ``*``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(path)
    for sheet_name, sheet_rows in rows.items():
        sheet = book[sheet_name]
        columns = {str(c.value).lstrip("*"): c.column for c in sheet[1] if c.value and c.column > 1}
        for offset, row in enumerate(sheet_rows):
            for name, value in row.items():
                if name not in columns:
                    columns[name] = sheet.max_column + 1
                    sheet.cell(row=1, column=columns[name], value=name)
                sheet.cell(row=5 + offset, column=columns[name]).value = value
    target = out or path
    book.save(target)
    return target


def header_cell(path: Path, sheet: str, column: str) -> str:
    """The column letter of a field in a sheet (e.g. ``"F"``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(path, read_only=True)
    try:
        for cell in next(book[sheet].iter_rows(max_row=1)):
            if cell.value and str(cell.value).lstrip("*") == column:
                return str(cell.column_letter)
    finally:
        book.close()
    raise KeyError(column)


def fill_delimited(path: Path, rows: list[dict[str, Any]], delimiter: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle, delimiter=delimiter))
    names = [n.lstrip("*") for n in lines[0]]
    for row in rows:
        lines.append(["" if n not in row else str(row[n]) for n in names])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(lines)
