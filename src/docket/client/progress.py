"""Progress of ``docket upload`` drawn with rich: one bar per file in flight and one overall."""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichBars

from docket.client.upload import Progress, UploadOutcome, UploadTask


class RichProgress(Progress):
    def __init__(self, total_bytes: int, files: int, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bars = RichBars(
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.overall = self.bars.add_task(f"all {files} file(s)", total=total_bytes)
        self._positions: dict[TaskID, int] = {}
        self._labels: dict[TaskID, str] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.bars.stop()

    def start(self, task: UploadTask, size: int) -> object:
        handle = self.bars.add_task(task.label, total=size)
        with self._lock:
            self._positions[handle] = 0
            self._labels[handle] = task.label
        return handle

    def position(self, handle: object, offset: int) -> None:
        assert isinstance(handle, int)
        task_id = TaskID(handle)
        with self._lock:
            delta = offset - self._positions.get(task_id, 0)
            self._positions[task_id] = offset
        self.bars.update(task_id, completed=offset)
        self.bars.advance(self.overall, delta)

    def status(self, handle: object, text: str) -> None:
        assert isinstance(handle, int)
        self.bars.update(TaskID(handle), description=f"{self._labels[TaskID(handle)]} ({text})")

    def finish(self, handle: object, outcome: UploadOutcome) -> None:
        if not isinstance(handle, int):
            return
        task_id = TaskID(handle)
        if outcome.state != "failed":
            self.position(handle, outcome.size)
        mark = {"uploaded": "[green]uploaded", "skipped": "[cyan]skipped", "failed": "[red]failed"}[outcome.state]
        self.bars.update(task_id, description=f"{outcome.task.label} {mark}[/]")
