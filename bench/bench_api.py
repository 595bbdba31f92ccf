"""Throughput and latency of the HTTP API on a real ``docket serve``, and how /batch compares with posting
one item per request the way snovault clients (Submit4DN, dcicutils.ff_utils) do.

    .venv/bin/python bench/bench_api.py [--workers 2] [--concurrency 8] [--n-posts 2000] ...

Phases, in this order on one fresh database (SQLite in a temporary folder unless --database is given):

  single POST   --n-posts items, one POST /Biosource per item, from --concurrency keep-alive clients
  batch POST    --batches requests of --batch-size items each to POST /batch, one after the other
  GET by uuid   --n-gets GET /<uuid>?frame=object of the posted items, from --concurrency clients
  ff_utils      --ff-posts items with dcicutils.ff_utils.post_metadata, one by one, as a user's script
                does (needs the clients virtualenv, ``make clients``; skipped with 0 or when missing)

Figures are printed, and written as JSON to bench/results/ (not tracked). The client runs on the same
machine as the server and shares its CPUs; the "server CPU" and "client CPU" columns show who used what
(server CPU is read from /proc for the server's process group, so it shows "?" off Linux).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import itertools
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the real-server helpers live with the real-server test

from tests.clients import RunningServer, clients_python, docket_server, ff_utils_calls  # noqa: E402

RESULTS = REPO / "bench" / "results"
LAB, AWARD = "demo-lab", "DEMO-0001"
TARGETS = {"single POST": 300.0, "batch POST": 5000.0, "GET by uuid": 1500.0}  # items/s, 2 cores, 2 workers


@dataclass
class Phase:
    name: str
    requests: int
    items: int
    seconds: float
    client_cpu: float
    server_cpu: float | None
    latencies: list[float] = field(repr=False)
    errors: list[str] = field(default_factory=list)

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the request latencies, in milliseconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(1, round(p / 100 * len(ordered) + 0.5))
        return ordered[min(rank, len(ordered)) - 1] * 1000

    def summary(self) -> dict[str, Any]:
        body = asdict(self)
        del body["latencies"]
        body["errors"] = len(self.errors)
        body.update(
            requests_per_second=round(self.requests_per_second, 1),
            items_per_second=round(self.items_per_second, 1),
            p50_ms=round(self.percentile(50), 2),
            p99_ms=round(self.percentile(99), 2),
            target_items_per_second=TARGETS.get(self.name),
        )
        return body


Request = tuple[str, str, bytes | None]  # method, path, JSON body already encoded


def request(method: str, path: str, body: Any = None) -> Request:
    return (method, path, None if body is None else json.dumps(body).encode())


def drive(server: RunningServer, name: str, requests: list[Request], items_each: int, concurrency: int) -> Phase:
    """Send the requests from ``concurrency`` threads, each on its own keep-alive connection.

    The load comes from the standard library's http.client rather than httpx: on a 2-core machine
    the client shares the CPUs with the server, and httpx spends about 0.5 ms of CPU per request
    (it tops out near 1,500 requests/s against /health here) where http.client spends about 0.12 ms.
    """
    counter = itertools.count()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    address = urlsplit(server.url)
    token = base64.b64encode(":".join(server.auth).encode()).decode()
    headers = {"authorization": f"Basic {token}", "accept": "application/json", "content-type": "application/json"}

    def worker() -> None:
        mine: list[float] = []
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=300)
        while (i := next(counter)) < len(requests):
            method, path, body = requests[i]
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()  # http.client reconnects on the next request
                with lock:
                    errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                continue
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                with lock:
                    errors.append(f"{method} {path}: {response.status} {answer[:300].decode(errors='replace')}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    cpu, server_cpu, started = time.process_time(), group_cpu(server.pid), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = group_cpu(server.pid)
    server_used = after - server_cpu if after is not None and server_cpu is not None else None
    return Phase(name, len(requests), len(requests) * items_each, seconds, cpu, server_used, latencies, errors)


def group_cpu(group: int) -> float | None:
    """CPU seconds used so far by the processes of a process group (the server and its workers); Linux only."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[2]) == group:  # fields[2] is pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def biosources(run: str, start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "aliases": [f"{LAB}:bench-{run}-{n}"],
            "biosource_type": "immortalized cell line",
            "cell_line": "GM12878",
            "description": f"bench {run} item {n}",
            "lab": LAB,
            "award": AWARD,
        }
        for n in range(start, start + count)
    ]


def uuids_of(server: RunningServer, count: int) -> list[str]:
    with httpx.Client(base_url=server.url, auth=server.auth, timeout=300) as client:
        response = client.get(
            "/search/", params={"type": "Biosource", "lab": LAB, "field": "uuid", "limit": str(count)}
        )
        response.raise_for_status()
        return [item["uuid"] for item in response.json()["@graph"]]


def ff_utils_phase(server: RunningServer, run: str, count: int) -> Phase | str:
    python = clients_python()
    if python is None:
        return "skipped: no clients virtualenv (make clients)"
    calls: list[tuple[str, list[Any], dict[str, Any]]] = [
        ("post_metadata", [body, "Biosource"], {}) for body in biosources(f"{run}-ff", 0, count)
    ]
    cpu, server_cpu = _children_cpu(), group_cpu(server.pid)
    results = ff_utils_calls(python, server.key, calls)
    after = group_cpu(server.pid)
    server_used = after - server_cpu if after is not None and server_cpu is not None else None
    seconds = sum(r["seconds"] for r in results)  # from the first call to the last, without start-up
    errors = [r["error"][:300] for r in results if "error" in r]
    latencies = [r["seconds"] for r in results]
    return Phase("ff_utils.post_metadata", count, count, seconds, _children_cpu() - cpu, server_used, latencies, errors)


def _children_cpu() -> float:
    """CPU seconds of finished child processes: here, the clients' process once it has exited."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    console = Console()
    if not console.is_terminal:
        console = Console(width=170)  # a log file or pipe: keep the table on one line per row
    with tempfile.TemporaryDirectory(prefix="docket-bench-") as tmp:
        database = args.database or f"sqlite:///{tmp}/bench.db"
        with docket_server(database, Path(tmp), workers=args.workers) as server:
            console.print(
                f"docket serve --workers {args.workers} on {server.url} ({_describe(database)}); "
                f"load average before the run {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)"
            )
            warm = [request("GET", "/health")] * 200 + [request("GET", f"/labs/{LAB}/?frame=object")] * 200
            drive(server, "warm-up", warm, 1, args.concurrency)

            posts = [request("POST", "/Biosource", body) for body in biosources(run_id, 0, args.n_posts)]
            single = drive(server, "single POST", posts, 1, args.concurrency)

            batches = [
                request("POST", "/batch", {"items": [{"type": "Biosource", "properties": b} for b in chunk]})
                for chunk in _chunks(biosources(run_id, args.n_posts, args.batches * args.batch_size), args.batch_size)
            ]
            batch = drive(server, "batch POST", batches, args.batch_size, 1)

            uuids = uuids_of(server, args.n_posts + args.batches * args.batch_size)
            gets = [request("GET", f"/{uuids[i % len(uuids)]}?frame=object") for i in range(args.n_gets)]
            get = drive(server, "GET by uuid", gets, 1, args.concurrency)

            phases: list[Phase] = [single, batch, get]
            ff_note = None
            if args.ff_posts:
                ff = ff_utils_phase(server, run_id, args.ff_posts)
                if isinstance(ff, Phase):
                    phases.append(ff)
                else:
                    ff_note = ff
            server_errors = server.log_text().count("Traceback")

    report = {
        "run": run_id,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "load_average_after": os.getloadavg()[0],
        "workers": args.workers,
        "concurrency": args.concurrency,
        "database": _describe(database),
        "phases": [p.summary() for p in phases],
        "server_tracebacks": server_errors,
    }
    _print(console, phases, args, ff_note, server_errors)
    for phase in phases:
        for error in phase.errors[:3]:
            console.print(f"[red]{phase.name} error:[/red] {error}")
    return report


def _print(
    console: Console, phases: list[Phase], args: argparse.Namespace, ff_note: str | None, tracebacks: int
) -> None:
    table = Table(title=f"Docket API on {os.cpu_count()} CPUs, {args.workers} workers, concurrency {args.concurrency}")
    for column in (
        "phase",
        "requests",
        "items",
        "seconds",
        "req/s",
        "items/s",
        "p50 ms",
        "p99 ms",
        "server CPU s",
        "client CPU s",
        "target items/s",
        "errors",
    ):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for p in phases:
        target = TARGETS.get(p.name)
        met = "" if target is None else (" ok" if p.items_per_second >= target else " MISSED")
        table.add_row(
            p.name,
            str(p.requests),
            str(p.items),
            f"{p.seconds:.2f}",
            f"{p.requests_per_second:,.0f}",
            f"{p.items_per_second:,.0f}",
            f"{p.percentile(50):.1f}",
            f"{p.percentile(99):.1f}",
            "?" if p.server_cpu is None else f"{p.server_cpu:.2f}",
            f"{p.client_cpu:.2f}",
            "" if target is None else f"{target:,.0f}{met}",
            str(len(p.errors)),
        )
    console.print(table)
    by_name = {p.name: p for p in phases}
    batch, single = by_name["batch POST"].items_per_second, by_name["single POST"].items_per_second
    if batch and single:
        console.print(
            f"/batch writes {batch / single:.1f}x the items/s of one POST per item at concurrency {args.concurrency}."
        )
    ff = by_name.get("ff_utils.post_metadata")
    if ff is not None and batch and ff.items_per_second:
        console.print(
            f"/batch writes {batch / ff.items_per_second:.0f}x the items/s of dcicutils.ff_utils.post_metadata "
            "called item by item (one request and one new connection per item, as Submit4DN and users' scripts do; "
            "its client CPU includes starting the clients' python)."
        )
    elif ff_note:
        console.print(f"ff_utils.post_metadata {ff_note}")
    if tracebacks:
        console.print(f"[red]The server logged {tracebacks} traceback(s).[/red]")


def _chunks(rows: list[Any], size: int) -> list[list[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _describe(database: str) -> str:
    return make_url(database).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads for single POSTs and GETs")
    parser.add_argument("--n-posts", type=int, default=2000, help="single POSTs (default 2000)")
    parser.add_argument("--batches", type=int, default=10, help="/batch requests (default 10)")
    parser.add_argument("--batch-size", type=int, default=1000, help="items per /batch request (default 1000)")
    parser.add_argument("--n-gets", type=int, default=5000, help="GETs by uuid (default 5000)")
    parser.add_argument("--ff-posts", type=int, default=100, help="ff_utils.post_metadata calls; 0 to skip")
    parser.add_argument("--database", help="database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args(argv)
    report = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_api-{time.strftime('%Y%m%d-%H%M%S')}-{report['run']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {path.relative_to(REPO)}")
    failed = any(p["errors"] for p in report["phases"]) or report["server_tracebacks"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
