"""Spreadsheet submission: workbooks generated from a portal's profiles (``docket workbook``) and
submitted cell by cell, all or nothing (``docket submit``).

Modules: ``schemas`` (profiles → types, columns, validators), ``writer`` (workbook generation),
``reader`` (streaming rows), ``cells`` (typed values), ``rows`` (rows → entries with cell maps),
``resolve`` (aliases, links, existing items, replicate sets), ``server`` (``/batch`` or per-item
requests, server errors → cells), ``report`` (the problem table and the annotated copy),
``uploads`` (the hook to the file uploader), ``submit`` (the whole run).
"""

from docket.client.workbook.report import Problem, Where
from docket.client.workbook.submit import Outcome, Submission, SubmitOptions, summarize
from docket.client.workbook.writer import generate_workbook

__all__ = ["Outcome", "Problem", "Submission", "SubmitOptions", "Where", "generate_workbook", "summarize"]
