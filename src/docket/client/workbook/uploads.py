"""The hook between ``docket submit --commit`` and the file uploader of the file-storage issue.

For every committed file row that named a local file, this hook calls the uploader's
``upload_file(client, item, path, console=...)`` (``docket.client.upload``); a failed upload becomes a
problem reported at the row's ``filename`` cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from docket.client.http import PortalClient, PortalError
from docket.client.upload import upload_file
from docket.client.workbook.report import Problem
from docket.client.workbook.rows import Entry


@dataclass(frozen=True)
class Upload:
    entry: Entry
    item: dict[str, Any]  # the written item (object frame), with its accession and upload credentials
    path: Path


def upload_files(client: PortalClient, uploads: list[Upload], console: Console) -> list[Problem]:
    problems = []
    for upload in uploads:
        where = upload.entry.column_cell("filename")
        try:
            upload_file(client, upload.item, upload.path, console=console)
        except (PortalError, OSError, RuntimeError) as exc:
            problems.append(Problem(where, "filename", f"upload of {upload.path} failed: {exc}"))
    return problems
