"""The sign-in throttle counts failures in a sliding window, per subject."""

from __future__ import annotations

from docket.services.throttle import SignInThrottle


def test_failures_block_until_the_oldest_leaves_the_window() -> None:
    now = [1000.0]
    throttle = SignInThrottle(max_failures=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_seconds("email:a") == 0
        throttle.failed("email:a", "address:x")
        now[0] += 10
    assert throttle.wait_seconds("email:a") == 30  # now 1030; the failure at 1000 leaves the window at 1060
    assert throttle.wait_seconds("address:x", "email:b") == 30  # the address is counted too
    assert throttle.wait_seconds("email:b") == 0
    now[0] = 1061
    assert throttle.wait_seconds("email:a") == 0
    throttle.failed("email:a")
    throttle.succeeded("email:a")
    assert throttle.wait_seconds("email:a") == 0
