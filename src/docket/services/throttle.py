"""Slowing down password and code guessing: after a few failures, sign-in attempts wait.

Failures are counted per account email and per client address within a sliding window; once either
reaches the limit, further attempts are refused until the oldest failure leaves the window. Counts
live in this process's memory, so with several workers each keeps its own count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class SignInThrottle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, *subjects: str) -> float:
        """0 when an attempt for these subjects (email, address) may go ahead, else how long to wait."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for subject in subjects:
                times = self._recent(subject, now)
                if len(times) >= self.max_failures:
                    longest = max(longest, times[0] + self.window - now)
        return longest

    def failed(self, *subjects: str) -> None:
        now = self.clock()
        with self._lock:
            for subject in subjects:
                self._recent(subject, now).append(now)

    def succeeded(self, *subjects: str) -> None:
        with self._lock:
            for subject in subjects:
                self._failures.pop(subject, None)

    def _recent(self, subject: str, now: float) -> deque[float]:
        times = self._failures.setdefault(subject, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
