"""Workbooks in Submit4DN's layout (field names row, field types row, then data rows), written by openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

Column = tuple[str, str]  # (field name as in the header, Submit4DN field type)


def write_workbook(path: Path, sheets: dict[str, tuple[list[Column], list[list[Any]]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(["#Field Name:", *(c[0] for c in columns)])
        sheet.append(["#Field Type:", *(c[1] for c in columns)])
        sheet.append(["#Description:", *("-" for _ in columns)])
        sheet.append(["#Additional Info:", *("-" for _ in columns)])
        for row in rows:
            sheet.append([None, *row])
    book.save(path)
    return path


def replicate_workbook(path: Path, lab: str, fastq_files: list[Path]) -> Path:
    """Biosource, Biosample, two ExperimentHiC in one replicate set, the set, and FileFastq rows."""
    files = [[f"{lab}:s4-fastq{i}", "fastq", str(p), str(i)] for i, p in enumerate(fastq_files, start=1)]
    return write_workbook(
        path,
        {
            "Biosource": (
                [("aliases", "array of string"), ("*biosource_type", "string"), ("cell_line", "string")],
                [[f"{lab}:s4-src", "immortalized cell line", "GM12878"]],
            ),
            "Biosample": (
                [("aliases", "array of string"), ("*biosource", "array of Item:Biosource"), ("description", "string")],
                [
                    [f"{lab}:s4-bs1", f"{lab}:s4-src", "first replicate"],
                    [f"{lab}:s4-bs2", f"{lab}:s4-src", "second replicate"],
                ],
            ),
            "FileFastq": (
                [
                    ("aliases", "array of string"),
                    ("*file_format", "Item:FileFormat"),
                    ("filename", "string"),
                    ("paired_end", "string"),
                ],
                files,
            ),
            "ExperimentHiC": (
                [
                    ("aliases", "array of string"),
                    ("*replicate_set", "Item:ExperimentSetReplicate"),
                    ("*bio_rep_no", "integer"),
                    ("*tec_rep_no", "integer"),
                    ("*experiment_type", "Item:ExperimentType"),
                    ("*biosample", "Item:Biosample"),
                    ("files", "array of Item:FileFastq"),
                    ("description", "string"),
                ],
                [
                    [
                        f"{lab}:s4-hic1",
                        f"{lab}:s4-set",
                        1,
                        1,
                        "in situ Hi-C",
                        f"{lab}:s4-bs1",
                        ",".join(f[0] for f in files[:1]),
                        "rep one",
                    ],
                    [
                        f"{lab}:s4-hic2",
                        f"{lab}:s4-set",
                        2,
                        1,
                        "in situ Hi-C",
                        f"{lab}:s4-bs2",
                        ",".join(f[0] for f in files[1:2]),
                        "rep two",
                    ],
                ],
            ),
            "ExperimentSetReplicate": (
                [("aliases", "array of string"), ("*description", "string")],
                [[f"{lab}:s4-set", "GM12878 in situ Hi-C, two biological replicates"]],
            ),
        },
    )
