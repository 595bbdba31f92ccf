"""``docket submit``: read workbooks, resolve and validate every row, then check or commit them.

Steps: stream the rows into entries (cells typed, every value's cell remembered); register aliases
across all files; for ``--patch`` find the existing items; fill lab and award; look up links that
name items outside the submission; fill the replicate and experiment sets; validate every entry
locally against the server's profiles; then ``POST /batch?check_only=true`` (dry run) or
``POST /batch`` (``--commit``, all or nothing); finally upload the files named in ``filename`` cells.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from docket.client.http import PortalClient
from docket.client.workbook.reader import read_sheets
from docket.client.workbook.report import Problem, Where, print_table, unique, write_report
from docket.client.workbook.resolve import Identifiers
from docket.client.workbook.rows import Entry, SheetReader
from docket.client.workbook.schemas import NO_ATTRIBUTION, PortalSchemas
from docket.client.workbook.server import PerItemSender, _validation_problem, send_batch
from docket.client.workbook.uploads import Upload, upload_files

T = TypeVar("T")


@dataclass
class SubmitOptions:
    commit: bool = False
    patch: bool = False
    report: Path | None = None
    lab: str | None = None
    award: str | None = None
    use_batch: bool | None = None  # None: ask the server


@dataclass
class Outcome:
    entries: list[Entry]
    problems: list[Problem]
    written: list[Any] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class Submission:
    def __init__(self, client: PortalClient, options: SubmitOptions, console: Console | None = None) -> None:
        self.client = client
        self.options = options
        self.console = console or Console(stderr=True)
        self.problems: list[Problem] = []
        self.timings: dict[str, float] = {}
        self.schemas = PortalSchemas(client.get("/profiles/", frame="object"))
        self.ids = Identifiers(client, self.schemas, self.problems)

    def run(self, files: list[Path]) -> Outcome:
        with self._progress() as progress:
            self._progress_bar = progress
            with self._timed("read"):
                entries = self.read(files)
            with self._timed("resolve"):
                self.prepare(entries)
                sets = self.ids.build_sets(entries, self.options.patch)
                self.ids.lookup(self.ids.external_links(sets))
                entries += sets
            for entry in entries:
                if entry.op == "create":
                    entry.delete_fields.clear()  # *delete* means nothing for a new item (as in Submit4DN)
            use_batch = self.options.use_batch
            if use_batch is None:
                use_batch = self.client.has_batch()
            early = None
            if use_batch and not self.options.commit and entries:
                # A dry run checks on the server while it validates locally; the two are independent.
                pool = ThreadPoolExecutor(1)
                early = pool.submit(
                    self._timed_call, "validate_server", send_batch, self.client, entries, True, self.ids.canonical
                )
                pool.shutdown(wait=False)
            with self._timed("validate_local"):
                self.validate(entries)
            if early is not None:
                task = self._task(f"Checking {len(entries)} items on the server", None)
                problems, _ = early.result()
                self._advance(task)
                self._add_server_problems(problems)
                written: list[Any] = []
            else:
                written = self.send(entries, use_batch)
        outcome = Outcome(entries, unique(self.problems), written, self.timings)
        if self.options.report is not None:
            write_report(self.options.report, files, outcome.problems)
        return outcome

    # -- reading -------------------------------------------------------------------------------------

    def read(self, files: list[Path]) -> list[Entry]:
        entries: list[Entry] = []
        for path in files:
            for sheet in read_sheets(path):
                type_name = self.schemas.find(sheet.name)
                if type_name is None or self.schemas.is_abstract(type_name):
                    self.problems.append(
                        Problem(
                            Where(str(path), sheet.name),
                            "",
                            "not an item type the server has; sheet skipped",
                            "warning",
                        )
                    )
                    continue
                reader = SheetReader(self.schemas, sheet, type_name, self.problems)
                task = self._task(f"Reading {sheet.name}", sheet.size)
                for entry in reader.entries():
                    entries.append(entry)
                    self.ids.register(entry)
                    self._advance(task)
                reader.finish()
        # Submit4DN's sheet order, so a per-item fallback posts referenced types first; files keep their order.
        entries.sort(key=lambda e: self.schemas.sheet_rank(e.type_name))
        return entries

    # -- resolving -----------------------------------------------------------------------------------

    def prepare(self, entries: list[Entry]) -> None:
        if self.options.patch:
            task = self._task("Finding existing items", len(entries))
            existing = self.ids.find_existing(entries, lambda n: self._advance(task, n))
            for i, found in existing.items():
                entry = entries[i]
                entry.op, entry.target, entry.existing = "patch", found.uuid, found.item
                if entry.aliases:
                    merged = list(dict.fromkeys([*(found.item.get("aliases") or []), *entry.aliases]))
                    entry.properties["aliases"] = merged
        self._attribute(entries)
        wanted = self.ids.external_links(entries)
        task = self._task("Looking up linked items", len(set(wanted)))
        self.ids.lookup(wanted, lambda n: self._advance(task, n))

    def _attribute(self, entries: list[Entry]) -> None:
        """New items without lab or award get the submitter's (Submit4DN's fix_attribution)."""
        lab, award = self.options.lab, self.options.award
        if not (lab and award):
            me = self.client.get_or_none("/me") or {}
            labs = [x.get("@id") for x in me.get("submits_for") or [] if isinstance(x, dict)]
            lab = lab or (labs[0] if labs else None)
            if lab and not award:
                page = self.client.get_or_none(lab if lab.startswith("/") else f"/Lab/{lab}") or {}
                awards = [a.get("@id") if isinstance(a, dict) else a for a in page.get("awards") or []]
                award = awards[0] if len(awards) == 1 else None
        for entry in entries:
            if entry.op != "create" or entry.type_name in NO_ATTRIBUTION:
                continue
            props = self.schemas.properties(entry.type_name)
            for name, value in (("lab", lab), ("award", award)):
                if value and name in props and name not in entry.properties:
                    entry.properties[name] = value

    # -- validating ----------------------------------------------------------------------------------

    def validate(self, entries: list[Entry]) -> None:
        task = self._task("Validating", len(entries))
        for entry in entries:
            document = self._document(entry)
            validator = self.schemas.validator(entry.type_name)
            for error in validator.iter_errors(document):
                path = list(error.absolute_path)
                name = "Schema: " + ".".join(str(p) for p in path)
                self.problems.append(
                    _validation_problem({"path": path, "description": error.message, "name": name}, entry)
                )
            self.ids.check_links(entry)
            self._advance(task)

    def _document(self, entry: Entry) -> dict[str, Any]:
        """What the item will be: defaults (new items) or the stored item (patches), with the row on top."""
        props = self.schemas.properties(entry.type_name)
        if entry.op == "patch":
            base = {
                k: v
                for k, v in (entry.existing or {}).items()
                if k in props and not props[k].get("calculatedProperty") and k not in entry.delete_fields
            }
        else:
            base = {
                k: spec["default"]
                for k, spec in props.items()
                if "default" in spec and not spec.get("calculatedProperty")
            }
        return {**base, **entry.properties}

    # -- sending -------------------------------------------------------------------------------------

    def _add_server_problems(self, problems: list[Problem]) -> None:
        """Server problems, except at a cell and field a local check already explained (more precisely)."""
        local = {(p.where, p.field) for p in self.problems if p.is_error}
        for problem in problems:
            if (problem.where, problem.field) in local and problem.where is not None:
                continue
            message = problem.message
            for uuid, value in self.ids.typed_as.items():
                if uuid in message:
                    message = message.replace(uuid, value)  # the server saw the uuid the client resolved
            self.problems.append(replace(problem, message=message))

    def send(self, entries: list[Entry], use_batch: bool) -> list[Any]:
        local_errors = any(p.is_error for p in self.problems)
        if not entries:
            return []
        if not use_batch:
            return self._send_per_item(entries, local_errors)
        if self.options.commit and not local_errors:
            task = self._task(f"Committing {len(entries)} items", None)
            with self._timed("commit"):
                problems, written = send_batch(self.client, entries, False, self.ids.canonical)
            self._advance(task)
            self._add_server_problems(problems)
            if not problems:
                self._upload(entries, written)
            return written
        task = self._task(f"Checking {len(entries)} items on the server", None)
        with self._timed("validate_server"):
            problems, _ = send_batch(self.client, entries, True, self.ids.canonical)
        self._advance(task)
        self._add_server_problems(problems)
        return []

    def _send_per_item(self, entries: list[Entry], local_errors: bool) -> list[Any]:
        sender = PerItemSender(self.client, self.schemas, self.ids.aliases)
        if self.options.commit and not local_errors:
            self.problems.append(
                Problem(
                    None, "", "the server has no /batch: items are written one by one, not all or nothing", "warning"
                )
            )
            task = self._task("Writing items one by one", len(entries))
            with self._timed("commit"):
                problems, written = sender.commit(entries, lambda n: self._advance(task, n))
            self._add_server_problems(problems)
            if not problems:
                self._upload(entries, written)
            return [w for w in written if w is not None]
        task = self._task("Checking items one by one", len(entries))
        with self._timed("validate_server"):
            self._add_server_problems(sender.check(entries, lambda n: self._advance(task, n)))
        return []

    def _upload(self, entries: list[Entry], written: list[Any]) -> None:
        uploads = [
            Upload(entry, item, entry.upload)
            for entry, item in zip(entries, written, strict=False)
            if entry.upload is not None and isinstance(item, dict)
        ]
        if uploads:
            with self._timed("upload"):
                self.problems.extend(upload_files(self.client, uploads, self.console))

    # -- progress and timing -------------------------------------------------------------------------

    @contextmanager
    def _progress(self) -> Iterator[Progress]:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        with progress:
            yield progress

    def _task(self, description: str, total: int | None) -> Any:
        return self._progress_bar.add_task(description, total=total)

    def _advance(self, task: Any, n: int = 1) -> None:
        self._progress_bar.advance(task, n)

    def _timed_call(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        with self._timed(name):
            return fn(*args)

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def summarize(outcome: Outcome, options: SubmitOptions, console: Console, files: list[Path]) -> None:
    """The problem table (if any) and one line saying what happened."""
    if outcome.problems:
        print_table(outcome.problems, console, several_files=len(files) > 1)
    counts = Counter(e.type_name for e in outcome.entries)
    ops = Counter(e.op for e in outcome.entries)
    listed = ", ".join(f"{n} {t}" for t, n in counts.items()) or "no items"
    verb = f"{ops['create']} new, {ops['patch']} to patch"
    if not outcome.ok:
        console.print(f"[red]{len(outcome.errors)} error(s); nothing was written.[/red] ({listed}; {verb})")
    elif options.commit:
        console.print(f"[green]Committed {len(outcome.written)} items[/green] ({listed}; {verb})")
    else:
        console.print(f"[green]All valid[/green] ({listed}; {verb}). Dry run: nothing written; add --commit to write.")
