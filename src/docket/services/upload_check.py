"""The periodic check of uploads that never report completion, as a background thread of the server."""

from __future__ import annotations

import logging
import threading

from docket.services.files import FileService

log = logging.getLogger(__name__)


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
