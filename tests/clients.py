"""Real processes for the real-server test and the benchmark: ``docket serve`` on a free port, and the
client tools users run (dcicutils.ff_utils) in their own virtualenv.

The clients virtualenv (``make clients``) is named by DOCKET_CLIENTS_VENV, relative to the repository
root unless absolute; it defaults to ``.venv-clients``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
FF_UTILS_CALLS = Path(__file__).resolve().parent / "scripts" / "ff_utils_calls.py"


def clients_venv() -> Path:
    venv = Path(os.environ.get("DOCKET_CLIENTS_VENV", ".venv-clients"))
    return venv if venv.is_absolute() else REPO / venv


def clients_python() -> Path | None:
    """The clients virtualenv's python, or None when that virtualenv has not been made."""
    python = clients_venv() / "bin" / "python"
    return python if python.exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    url: str
    key: dict[str, str]
    """The admin's keypairs.json entry printed by ``--demo``: key, secret and server."""
    log: Path
    pid: int
    """The server's process id, which is also its process group (its workers are in it)."""

    @property
    def auth(self) -> tuple[str, str]:
        return (self.key["key"], self.key["secret"])

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def docket_server(
    database: str,
    workdir: Path,
    workers: int = 1,
    timeout: float = 60,
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> Iterator[RunningServer]:
    """Run ``docket serve --demo`` until the block ends; the server is stopped however the block ends.

    ``args`` are more flags (``--files s3://...``); ``env`` adds variables (secrets such as S3 keys).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    out, log = workdir / "server.out", workdir / "server.log"
    command = [
        *(sys.executable, "-m", "docket.cli", "serve", "--demo"),
        *("--database", database, "--port", str(port), "--workers", str(workers)),
        *(args if "--files" in args else ("--files", str(workdir / "files"), *args)),
    ]
    # Only the flags configure the server: no DOCKET_* setting of the caller's shell leaks in.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    environment.update(env or {})
    with out.open("wb") as stdout, log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment, start_new_session=True)
    try:
        key = _wait_until_serving(process, f"http://127.0.0.1:{port}", out, log, timeout)
        yield RunningServer(key["server"], key, log, process.pid)
    finally:
        _stop(process)


def _wait_until_serving(
    process: subprocess.Popen[bytes], url: str, out: Path, log: Path, timeout: float
) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    key: dict[str, str] | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docket serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        if key is None:
            key = _keypairs_entry(out.read_text())
        if key is not None:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return key
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"docket serve did not answer /health within {timeout}s:\n{log.read_text(errors='replace')}")


def _keypairs_entry(printed: str) -> dict[str, str] | None:
    """The ``default`` entry of the keypairs.json object ``--demo`` prints, once it is printed whole."""
    try:
        entries, _end = json.JSONDecoder().raw_decode(printed.lstrip())
    except json.JSONDecodeError:
        return None
    entry: dict[str, str] = entries["default"]
    return entry


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            pass
    # uvicorn's worker processes share the server's session; take down any that outlived it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait(timeout=15)


class ClientError(Exception):
    """An exception ff_utils raised in the clients' process; its message is ff_utils' text."""


def ff_utils_calls(
    python: Path, key: dict[str, str], calls: list[tuple[str, list[Any], dict[str, Any]]], timeout: float = 300
) -> list[dict[str, Any]]:
    """Run ``ff_utils.<function>(*args, key=key, **kwargs)`` for each call in one clients' process.

    Each result is ``{"result": value, "seconds": t}`` or ``{"error": text, "seconds": t}``.
    """
    request = {"key": key, "calls": [{"function": f, "args": a, "kwargs": k} for f, a, k in calls]}
    done = subprocess.run(
        [str(python), str(FF_UTILS_CALLS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{FF_UTILS_CALLS.name} exited with {done.returncode}:\n{done.stderr}")
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    return results


def ff_utils(python: Path, key: dict[str, str], function: str, *args: Any, **kwargs: Any) -> Any:
    """One ff_utils call: its return value, or ClientError with the text of what it raised."""
    [outcome] = ff_utils_calls(python, key, [(function, list(args), kwargs)])
    if "error" in outcome:
        raise ClientError(outcome["error"])
    return outcome["result"]
