"""The periodic check of uploads that never report completion (``aws s3 cp``), and the background
thread of the server that runs it every ``upload_check_interval`` seconds.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from docket.services.files import UPLOADABLE, Content, FileService
from docket.store.blobs import check_upload
from docket.store.protocol import Filter, Query, StoredItem, Visibility

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    uuid: str
    key: str
    state: str  # waiting, uploaded, upload failed, error
    reason: str = ""


def check_uploads(files: FileService) -> list[CheckResult]:
    """Verify what landed for every File still uploading; record ``uploaded`` or ``upload failed``."""
    query = Query(
        tuple(files.file_types()),
        Visibility(everything=True),
        (Filter("status", ("uploading", "to be uploaded by workflow")),),
        limit=None,
    )
    results = []
    for item in files.store.search(query).items:
        contents = [files.content(item)]
        contents += [
            files.content(item, e["file_format"])
            for e in item.properties.get("extra_files") or []
            if e.get("file_format") and e.get("status") != "uploaded"
        ]
        results += [_check_one(files, item, content) for content in contents]
    if files.scoped is not None:
        try:
            files.scoped.sweep_expired_credentials()
        except Exception as exc:
            log.warning("sweeping expired upload credentials failed: %s", exc)
    return results


def _check_one(files: FileService, item: StoredItem, content: Content) -> CheckResult:
    with files.completing(content.key):
        current = files.store.get(item.uuid)
        if current is None or current.properties.get("status") not in UPLOADABLE:
            return CheckResult(item.uuid, content.key, "waiting")
        outcome = check_upload(files.blobs, content.expected())
        if outcome.state == "verified" and outcome.info is not None:
            files.record_success(current, content, outcome.info)
            return CheckResult(item.uuid, content.key, "uploaded")
        if outcome.state == "failed":
            files.record_failure(current, content, outcome.reason)
            return CheckResult(item.uuid, content.key, "upload failed", outcome.reason)
        return CheckResult(item.uuid, content.key, outcome.state, outcome.reason)


class UploadChecker:
    """Runs ``FileService.check_uploads`` every ``interval`` seconds until stopped."""

    def __init__(self, files: FileService, interval: float) -> None:
        self.files = files
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="docket-upload-check", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                for result in self.files.check_uploads():
                    if result.state in ("uploaded", "upload failed"):
                        log.info("upload check: %s %s %s", result.key, result.state, result.reason)
            except Exception:
                log.exception("the periodic upload check failed; trying again in %s s", self.interval)
