"""``docket workbook``: generate a submission workbook from the server's profiles.

Submit4DN's layout (one sheet per type; rows ``#Field Name:``, ``#Field Type:``, ``#Description:``,
``#Additional Info:``; data from row 5, column B), so Submit4DN's ``import_data`` reads what this writes
and ``docket submit`` reads what ``get_field_info`` writes. On top of that: an Instructions sheet,
dropdowns for enums, required columns highlighted, and link columns offering existing items from a
hidden Lookups sheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from docket.client.http import PortalClient
from docket.client.workbook.schemas import PRESET_COMMON, PRESET_COMMON_SETS, PRESETS, Column, PortalSchemas

HEADER_LABELS = ("#Field Name:", "#Field Type:", "#Description:", "#Additional Info:")
INSTRUCTIONS_SHEET = "Instructions"
LOOKUP_SHEET = "Lookups"
FIRST_DATA_ROW = 5
LOOKUP_LIMIT = 2000  # existing items offered per link target
_REQUIRED_FILL = PatternFill("solid", start_color="FFF4B183", end_color="FFF4B183")
_HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
_LABEL_FILL = PatternFill("solid", start_color="FFBFBFBF", end_color="FFBFBFBF")

INSTRUCTIONS = """\
How to fill this workbook
Each sheet is one item type; each row below the four grey header rows is one item. Do not edit rows 1-4 or column A.
Row 1 names the field. A * marks a required field; required columns are highlighted in orange.
Row 2 gives the type: string, integer, number, boolean, array of ... (comma-separated values), Item:<Type> (a link).
Row 3 describes the field; row 4 lists allowed values (Choices), which the cells also offer as a dropdown.
Links: name another item by alias (lab:identifier), accession, uuid or @id. Items in this workbook link to each other by alias, across sheets and files.
Link cells offer the existing items you may link to (from the server, when the workbook was made); new aliases are allowed too.
Embedded objects: columns field.sub fill the first object of a list, field.sub-1 the second, and so on.
Experiments: replicate_set, bio_rep_no and tec_rep_no fill the ExperimentSetReplicate named in replicate_set.
Files: put the local path of the file in filename; it is uploaded after the items are committed.
To remove a field from an existing item (with docket submit --patch), write *delete* in its cell.
A row whose column A starts with # is ignored; so is a column whose name starts with #.
Check the workbook:   docket submit book.xlsx            (nothing is written; every problem is listed by cell)
Write it:             docket submit book.xlsx --commit   (all items in one transaction: all or nothing)
Bulk edit:            docket submit edits.xlsx --patch --commit
"""


@dataclass
class SheetSpec:
    type_name: str
    columns: list[Column]


def select_types(schemas: PortalSchemas, types: Iterable[str] = (), preset: str | None = None) -> list[str]:
    """The sheet types for ``--type``/``--preset`` (all concrete types in sheet order when neither is given)."""
    wanted: list[str] = []
    for name in types:
        found = schemas.find(name)
        if found is None:
            raise ValueError(f"The server has no item type {name!r}")
        wanted.append(found)
    if preset:
        if preset not in PRESETS:
            raise ValueError(f"Unknown preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}")
        for name in [*PRESETS[preset], *PRESET_COMMON, *PRESET_COMMON_SETS]:
            found = schemas.find(name)
            if found:
                wanted.append(found)
    if not wanted:
        return [t for t in schemas.sheet_types if t not in ("User", "Award", "Lab", "OntologyTerm", "AccessKey")]
    return sorted(dict.fromkeys(wanted), key=lambda t: (schemas.sheet_rank(t), t))


class WorkbookBuilder:
    """Gathers everything a workbook shows from the server: columns, choices and linkable items."""

    def __init__(self, client: PortalClient, schemas: PortalSchemas) -> None:
        self.client = client
        self.schemas = schemas
        me = client.get_or_none("/me") or {}
        self.admin = "admin" in (me.get("groups") or [])
        self._lookups: dict[str, list[str]] = {}

    def sheets(self, types: list[str]) -> list[SheetSpec]:
        return [SheetSpec(t, self.schemas.columns(t, self.admin, self._choices(t))) for t in types]

    def _choices(self, type_name: str) -> dict[str, list[str]]:
        props = self.schemas.properties(type_name)
        found: dict[str, list[str]] = {}
        if "file_format" in props and self.schemas.is_a(type_name, "File") and "FileFormat" in self.schemas.profiles:
            query = f"type=FileFormat&field=file_format&valid_item_types={type_name}"
            found["file_format"] = [i["file_format"] for i in self.client.search(query) if "file_format" in i]
        if "experiment_type" in props and self.schemas.is_experiment(type_name):
            query = f"type=ExperimentType&field=title&valid_item_types={type_name}"
            found["experiment_type"] = [i["title"] for i in self.client.search(query) if "title" in i]
        return found

    def linkable(self, target: str) -> list[str]:
        """Identifiers of existing items of ``target`` the user can see: first alias, else accession, else @id."""
        if target not in self._lookups:
            names: list[str] = []
            query = f"type={target}&field=aliases&field=accession&field=@id&sort=-date_created"
            for item in self.client.search(query, page_size=500):
                aliases = item.get("aliases") or []
                names.append(aliases[0] if aliases else item.get("accession") or item.get("@id", ""))
                if len(names) >= LOOKUP_LIMIT:
                    break
            self._lookups[target] = sorted(n for n in dict.fromkeys(names) if n)
        return self._lookups[target]


def write_xlsx(path: Path, sheets: list[SheetSpec], builder: WorkbookBuilder | None) -> None:
    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = INSTRUCTIONS_SHEET
    for row, line in enumerate(INSTRUCTIONS.splitlines(), start=1):
        intro.cell(row=row, column=1, value=line).font = Font(bold=row == 1, size=14 if row == 1 else 11)
    intro.column_dimensions["A"].width = 140
    lookups = book.create_sheet(LOOKUP_SHEET)
    lists = _ListSheet(lookups)
    for spec in sheets:
        _write_sheet(book.create_sheet(spec.type_name), spec, lists, builder)
    book.move_sheet(LOOKUP_SHEET, offset=len(book.sheetnames))
    lookups.sheet_state = "hidden"
    book.save(path)


class _ListSheet:
    """Columns of the hidden Lookups sheet, one per list of values, shared between identical lists."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self._ranges: dict[tuple[str, ...], str] = {}

    def range_for(self, title: str, values: list[str]) -> str:
        key = tuple(values)
        if key not in self._ranges:
            col = len(self._ranges) + 1
            self.sheet.cell(row=1, column=col, value=title)
            for row, value in enumerate(values, start=2):
                self.sheet.cell(row=row, column=col, value=value)
            letter = get_column_letter(col)
            self._ranges[key] = f"{quote_sheetname(self.sheet.title)}!${letter}$2:${letter}${len(values) + 1}"
        return self._ranges[key]


def _write_sheet(sheet: Worksheet, spec: SheetSpec, lists: _ListSheet, builder: WorkbookBuilder | None) -> None:
    for row, label in enumerate(HEADER_LABELS, start=1):
        cell = sheet.cell(row=row, column=1, value=label)
        cell.font = Font(bold=True)
        cell.fill = _LABEL_FILL
    sheet.column_dimensions["A"].width = 18
    last_row = 1000
    for col, column in enumerate(spec.columns, start=2):
        info = "Choices:" + repr(list(column.choices)) if column.choices else "-"
        for row, value in enumerate((column.header, column.type, column.description, info), start=1):
            cell = sheet.cell(row=row, column=col, value=value)
            cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
            cell.alignment = Alignment(wrap_text=row > 2, vertical="top")
            if row == 1:
                cell.font = Font(bold=True)
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.name) + 4))
        data_range = f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"
        is_array = column.type.startswith("array") and "embedded" not in column.type
        if column.choices:
            formula = lists.range_for(f"{spec.type_name}.{column.name}", list(column.choices))
            check = DataValidation(type="list", formula1=f"={formula}", allow_blank=True)
            check.error = f"Choose one of the listed values for {column.name}"
            check.showErrorMessage = not is_array  # arrays hold several comma-separated choices
            check.add(data_range)
            sheet.add_data_validation(check)
        elif column.link and builder is not None:
            offered = builder.linkable(column.link)
            if offered:
                formula = lists.range_for(f"Item:{column.link}", offered)
                check = DataValidation(type="list", formula1=f"={formula}", allow_blank=True)
                check.showErrorMessage = False  # new aliases defined in the workbook are welcome too
                check.prompt = f"An existing {column.link}, or the alias of one in this workbook"
                check.showInputMessage = True
                check.add(data_range)
                sheet.add_data_validation(check)
        if column.required:
            sheet.cell(row=1, column=col).comment = Comment("Required", "docket")
    sheet.freeze_panes = f"B{FIRST_DATA_ROW}"


def write_delimited(path: Path, sheets: list[SheetSpec], delimiter: str) -> list[Path]:
    """One file per type next to ``path``: ``book.tsv`` gives ``book.Biosource.tsv``, ``book.Biosample.tsv``…"""
    written = []
    for spec in sheets:
        target = path.with_name(f"{path.stem}.{spec.type_name}{path.suffix}")
        rows: list[list[Any]] = [
            [HEADER_LABELS[0], *(c.header for c in spec.columns)],
            [HEADER_LABELS[1], *(c.type for c in spec.columns)],
            [HEADER_LABELS[2], *(c.description for c in spec.columns)],
            [HEADER_LABELS[3], *("Choices:" + repr(list(c.choices)) if c.choices else "-" for c in spec.columns)],
        ]
        with target.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, delimiter=delimiter).writerows(rows)
        written.append(target)
    return written


def generate_workbook(
    client: PortalClient,
    output: Path,
    types: Iterable[str] = (),
    preset: str | None = None,
    fmt: str | None = None,
) -> list[Path]:
    """Write the workbook (or one csv/tsv file per type) and return the paths written."""
    schemas = PortalSchemas(client.get("/profiles/", frame="object"))
    builder = WorkbookBuilder(client, schemas)
    sheets = builder.sheets(select_types(schemas, types, preset))
    fmt = fmt or (output.suffix.lstrip(".").lower() or "xlsx")
    if fmt == "xlsx":
        write_xlsx(output, sheets, builder)
        return [output]
    if fmt in ("csv", "tsv"):
        return write_delimited(output, sheets, "," if fmt == "csv" else "\t")
    raise ValueError(f"Unknown format {fmt!r}; use xlsx, csv or tsv")
