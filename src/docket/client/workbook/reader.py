"""Streaming rows out of xlsx, csv and tsv workbooks, cell values normalised as Submit4DN's ``cell_value``.

An xlsx file is opened read-only, so rows are read as they are needed and a 100,000-row sheet does
not sit in memory. Each sheet yields its field-name row, its type row and then ``(row number, values)``
for the data rows: rows whose column A starts with ``#`` and blank rows are skipped.
"""

from __future__ import annotations

import csv
import datetime
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from docket.client.workbook.writer import INSTRUCTIONS_SHEET, LOOKUP_SHEET

_MAX_BLANK_RUN = 1000  # a sheet formatted to its last row is not read to row 1,048,576


@dataclass
class Sheet:
    file: Path
    name: str
    header: list[Any]
    types: list[Any]
    rows: Iterator[tuple[int, list[Any]]]
    """Data rows: the Excel row number and the values from column B on."""
    size: int | None = None
    """The sheet's last row as the file records it, when it does (for progress bars)."""


def normalize(value: Any) -> Any:
    """A cell value as Submit4DN sees it: strings stripped, whole floats as ints, dates as ISO text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def read_sheets(path: Path) -> Iterator[Sheet]:
    """Every sheet of a workbook file with at least the two header rows (other sheets are skipped)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        yield from _delimited(path, "\t" if suffix != ".csv" else ",")
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx(path)
    else:
        raise ValueError(f"{path}: not an xlsx, csv or tsv file")


def _xlsx(path: Path) -> Iterator[Sheet]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions and headers it does not read
        book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            if sheet.title in (INSTRUCTIONS_SHEET, LOOKUP_SHEET) or sheet.sheet_state != "visible":
                continue
            rows = sheet.iter_rows(values_only=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                header = next(rows, None)
                types = next(rows, None)
            if header is None:
                continue
            size = sheet.max_row if isinstance(sheet.max_row, int) else None
            yield Sheet(path, sheet.title, list(header[1:]), list((types or ())[1:]), _data_rows(rows, 3), size)
    finally:
        book.close()


def _delimited(path: Path, delimiter: str) -> Iterator[Sheet]:
    handle = path.open(newline="", encoding="utf-8-sig")
    try:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        types = next(reader, None)
        if header is None:
            return
        yield Sheet(path, sheet_name_of(path), list(header[1:]), list((types or [])[1:]), _data_rows(reader, 3))
    finally:
        handle.close()


def sheet_name_of(path: Path) -> str:
    """``book.Biosource.tsv`` and ``Biosource.tsv`` both hold the Biosource sheet."""
    return path.stem.rsplit(".", 1)[-1]


def _data_rows(rows: Any, first: int) -> Iterator[tuple[int, list[Any]]]:
    blank_run = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, raw in enumerate(rows, start=first):
            values = [normalize(v) for v in raw]
            if not any(v is not None for v in values):
                blank_run += 1
                if blank_run >= _MAX_BLANK_RUN:
                    return
                continue
            blank_run = 0
            label = values[0] if values else None
            if isinstance(label, str) and label.startswith("#"):
                continue
            yield number, values[1:]
