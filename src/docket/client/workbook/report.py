"""Problems found in a submission, shown as one table grouped by sheet, and written into a copy of the
workbook with every bad cell highlighted and commented (``--report errors.xlsx``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import coordinate_from_string, get_column_letter
from rich.console import Console
from rich.table import Table

from docket.client.workbook.reader import read_sheets

_BAD = PatternFill("solid", start_color="FFFF9999", end_color="FFFF9999")
_WARN = PatternFill("solid", start_color="FFFFE699", end_color="FFFFE699")


@dataclass(frozen=True)
class Where:
    """A cell: file, sheet and coordinate (``B7``). An empty coordinate means the whole sheet or file."""

    file: str
    sheet: str
    cell: str = ""

    def at(self, cell: str) -> Where:
        return Where(self.file, self.sheet, cell)


@dataclass(frozen=True)
class Problem:
    where: Where | None
    field: str
    message: str
    level: str = "error"  # or "warning": shown, but the submission can go on

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def sort_key(self) -> tuple[str, str, int, int, str]:
        if self.where is None:
            return ("", "", 0, 0, self.message)
        row, col = _row_col(self.where.cell)
        return (self.where.file, self.where.sheet, row, col, self.message)


def _row_col(cell: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    if not match:
        return (0, 0)
    letters, row = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (int(row), col)


def unique(problems: Iterable[Problem]) -> list[Problem]:
    """Problems once each, sorted by file, sheet, row and column."""
    seen: dict[tuple[object, ...], Problem] = {}
    for p in problems:
        seen.setdefault((p.where, p.field, p.message), p)
    return sorted(seen.values(), key=Problem.sort_key)


def print_table(problems: list[Problem], console: Console, several_files: bool) -> None:
    table = Table(
        title=f"{sum(p.is_error for p in problems)} error(s), {sum(not p.is_error for p in problems)} warning(s)"
    )
    if several_files:
        table.add_column("File")
    for name in ("Sheet", "Cell", "Field", "Problem"):
        table.add_column(name, overflow="fold")
    previous: tuple[str, str] | None = None
    for p in problems:
        where = p.where or Where("", "")
        group = (where.file, where.sheet)
        if previous is not None and group != previous:
            table.add_section()
        previous = group
        style = "red" if p.is_error else "yellow"
        cells = [where.sheet or "-", where.cell or "-", p.field or "-", f"[{style}]{_escape(p.message)}[/{style}]"]
        table.add_row(*([Path(where.file).name if where.file else "-"] if several_files else []), *cells)
    console.print(table)


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def write_report(path: Path, sources: list[Path], problems: list[Problem]) -> None:
    """A copy of the submitted workbook(s) with bad cells filled red (warnings yellow) and commented.

    One xlsx source is copied as it is; csv/tsv sources (or several files) become sheets of one new book.
    """
    by_sheet: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        if p.where is not None:
            by_sheet.setdefault((p.where.file, p.where.sheet), []).append(p)
    if len(sources) == 1 and sources[0].suffix.lower() in (".xlsx", ".xlsm"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(sources[0])
        sheet_of = {(str(sources[0]), ws.title): ws for ws in book.worksheets}
    else:
        book = Workbook()
        if book.active is not None:
            book.remove(book.active)
        sheet_of = {}
        for source in sources:
            for sheet in read_sheets(source):
                ws = book.create_sheet(_unique_title(book, sheet.name))
                ws.append(["#Field Name:", *sheet.header])
                ws.append(["#Field Type:", *sheet.types])
                for number, values in sheet.rows:
                    while ws.max_row < number - 1:
                        ws.append([])
                    ws.append([None, *values])
                sheet_of[(str(source), sheet.name)] = ws
    summary = book.create_sheet("Problems", 0)
    summary.append(["File", "Sheet", "Cell", "Field", "Level", "Problem"])
    for p in problems:
        where = p.where or Where("", "")
        summary.append([Path(where.file).name, where.sheet, where.cell, p.field, p.level, p.message])
    for (file, sheet_name), found in by_sheet.items():
        ws = sheet_of.get((file, sheet_name))
        if ws is None:
            continue
        texts: dict[str, list[Problem]] = {}
        for p in found:
            texts.setdefault(p.where.cell or "A1", []).append(p)  # type: ignore[union-attr]
        for cell_name, listed in texts.items():
            try:
                coordinate_from_string(cell_name)
            except ValueError:
                continue
            cell = ws[cell_name]
            cell.fill = _BAD if any(p.is_error for p in listed) else _WARN
            text = "\n".join(f"{p.field}: {p.message}" if p.field else p.message for p in listed)
            cell.comment = Comment(text[:30000], "docket submit", width=320, height=120)
    for col in range(1, 7):
        summary.column_dimensions[get_column_letter(col)].width = 60 if col == 6 else 18
    book.save(path)


def _unique_title(book: Workbook, title: str) -> str:
    candidate, n = title[:31], 1
    while candidate in book.sheetnames:
        n += 1
        candidate = f"{title[:28]}-{n}"
    return candidate
