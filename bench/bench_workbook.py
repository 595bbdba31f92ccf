"""Spreadsheet submission at scale: ``docket submit`` on a generated 10,000-row workbook over five linked
sheets, and Submit4DN's ``import_data --update --remote`` on a 500-row slice of the same shape, side by side.

    .venv/bin/python bench/bench_workbook.py [--rows 10000] [--slice 500] [--database sqlite:///...]

One ``docket serve --demo`` (SQLite in a temporary folder unless --database is given) and the demo
submitter's key (lab demo-lab, award DEMO-0001) for both tools. The workbook: Biosource 10%, Biosample
20%, FileFastq 40% (no real files), ExperimentHiC 20% (each linking a biosample and two files, in a
replicate set), ExperimentSetReplicate 10% (two experiments each).

Figures: validation (dry run: read, resolve, local validation, POST /batch?check_only=true), commit
(read, resolve, local validation, one POST /batch), each with its steps; Submit4DN's wall time on the
slice (needs the clients virtualenv, ``make clients``; skipped when missing); items/s and the ratio.
Targets: 10,000 rows validated < 5 s, committed < 15 s, >= 20x Submit4DN's items/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the real-server helpers live with the real-server test

from tests.clients import clients_venv, docket_server  # noqa: E402

from docket.client.http import PortalClient  # noqa: E402
from docket.client.keys import load_credentials  # noqa: E402
from docket.client.workbook import Submission, SubmitOptions, generate_workbook  # noqa: E402

RESULTS = REPO / "bench" / "results"
LAB, AWARD = "demo-lab", "DEMO-0001"
SUBMITTER = "submitter@docket.example.org"
SHEETS = ["Biosource", "Biosample", "FileFastq", "ExperimentHiC", "ExperimentSetReplicate"]
TARGETS = {"validate_s": 5.0, "commit_s": 15.0, "ratio": 20.0}


def rows_for(total: int, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """``total`` rows over the five sheets, every link inside the workbook (or to reference items)."""
    n_src, n_set = max(1, total // 10), max(1, total // 10)
    n_bs, n_exp = max(1, total // 5), 2 * n_set
    n_file = total - n_src - n_bs - n_exp - n_set
    a = f"{LAB}:{prefix}"
    common = {"lab": LAB, "award": AWARD}
    return {
        "Biosource": [
            {**common, "aliases": f"{a}-src{i}", "biosource_type": "immortalized cell line", "cell_line": "GM12878"}
            for i in range(n_src)
        ],
        "Biosample": [
            {**common, "aliases": f"{a}-bs{i}", "biosource": f"{a}-src{i % n_src}", "description": f"biosample {i}"}
            for i in range(n_bs)
        ],
        "FileFastq": [
            {**common, "aliases": f"{a}-f{i}", "file_format": "fastq", "paired_end": str(i % 2 + 1), "read_length": 150}
            for i in range(n_file)
        ],
        "ExperimentHiC": [
            {
                **common,
                "aliases": f"{a}-e{i}",
                "experiment_type": "in situ Hi-C",
                "biosample": f"{a}-bs{i % n_bs}",
                "files": f"{a}-f{(2 * i) % n_file}, {a}-f{(2 * i + 1) % n_file}",
                "digestion_enzyme": "MboI",
                "replicate_set": f"{a}-set{i // 2}",
                "bio_rep_no": i % 2 + 1,
                "tec_rep_no": 1,
            }
            for i in range(n_exp)
        ],
        "ExperimentSetReplicate": [
            {**common, "aliases": f"{a}-set{i}", "description": f"replicate set {i}"} for i in range(n_set)
        ],
    }


def write_book(template: Path, rows: dict[str, list[dict[str, Any]]], target: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(template)
    for name, sheet_rows in rows.items():
        sheet = book[name]
        columns = {str(c.value).lstrip("*"): c.column for c in sheet[1] if c.value and c.column > 1}
        for offset, row in enumerate(sheet_rows):
            for field, value in row.items():
                sheet.cell(row=5 + offset, column=columns[field]).value = value
    book.save(target)


def timed_submit(keyfile: Path, book: Path, commit: bool) -> tuple[float, dict[str, float], int, list[str]]:
    client = PortalClient(load_credentials(keyfile))
    start = time.perf_counter()
    outcome = Submission(client, SubmitOptions(commit=commit), Console(stderr=True, quiet=True)).run([book])
    seconds = time.perf_counter() - start
    client.close()
    return seconds, outcome.timings, len(outcome.entries), [f"{p.where}: {p.message}" for p in outcome.errors[:5]]


def run_submit4dn(keyfile: Path, book: Path) -> tuple[float | None, str]:
    import_data = clients_venv() / "bin" / "import_data"
    if not import_data.exists():
        return None, f"skipped: {import_data} missing (make clients)"
    start = time.perf_counter()
    done = subprocess.run(
        [str(import_data), str(book), "--keyfile", str(keyfile), "--update", "--remote"],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    seconds = time.perf_counter() - start
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
    return (seconds if done.returncode == 0 else None), tail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--slice", type=int, default=500, help="rows for Submit4DN (0 to skip)")
    parser.add_argument("--database", help="database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="docket-bench-wb-") as tmp:
        work = Path(tmp)
        database = args.database or f"sqlite:///{work / 'bench.db'}"
        with docket_server(database, work / "server") as server:
            made = subprocess.run(
                [sys.executable, "-m", "docket.cli", "keys", "create", "--email", SUBMITTER, "--lab", LAB,
                 "--database", database, "--server", server.url],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            keyfile = work / "keypairs.json"
            keyfile.write_text(made.stdout)
            with PortalClient(load_credentials(keyfile)) as client:
                [template] = generate_workbook(client, work / "template.xlsx", SHEETS)
            big, small = work / "big.xlsx", work / "slice.xlsx"
            write_book(template, rows_for(args.rows, "big"), big)
            write_book(template, rows_for(args.slice, "s4dn"), small)

            validate_s, validate_steps, n, errors = timed_submit(keyfile, big, commit=False)
            if errors:
                raise SystemExit(f"the generated workbook did not validate: {errors}")
            commit_s, commit_steps, _, errors = timed_submit(keyfile, big, commit=True)
            if errors:
                raise SystemExit(f"the commit failed: {errors}")
            s4dn_s, s4dn_log = run_submit4dn(keyfile, small) if args.slice else (None, "skipped")

    docket_rate = n / commit_s
    s4dn_rate = args.slice / s4dn_s if s4dn_s else None
    ratio = docket_rate / s4dn_rate if s4dn_rate else None
    table = Table(title=f"docket submit vs Submit4DN import_data ({n} rows, five linked sheets, SQLite)")
    for name in ("phase", "items", "seconds", "items/s", "steps (s)", "target"):
        table.add_column(name)

    def steps(timings: dict[str, float]) -> str:
        return ", ".join(f"{k} {v:.2f}" for k, v in timings.items())

    table.add_row("docket validate (dry run)", str(n), f"{validate_s:.2f}", f"{n / validate_s:.0f}", steps(validate_steps),
                  f"< {TARGETS['validate_s']} s")  # fmt: skip
    table.add_row("docket commit", str(n), f"{commit_s:.2f}", f"{docket_rate:.0f}", steps(commit_steps),
                  f"< {TARGETS['commit_s']} s")  # fmt: skip
    if s4dn_s:
        table.add_row("Submit4DN import_data --update", str(args.slice), f"{s4dn_s:.2f}", f"{s4dn_rate:.1f}", "", "")
        table.add_row("ratio (commit items/s)", "", "", f"{ratio:.0f}x", "", f">= {TARGETS['ratio']:.0f}x")
    console.print(table)
    console.print(f"Submit4DN's last lines:\n{s4dn_log}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "rows": n,
        "validate_s": validate_s,
        "validate_steps": validate_steps,
        "commit_s": commit_s,
        "commit_steps": commit_steps,
        "docket_items_per_s": docket_rate,
        "submit4dn_rows": args.slice,
        "submit4dn_s": s4dn_s,
        "submit4dn_items_per_s": s4dn_rate,
        "ratio": ratio,
        "submit4dn_log_tail": s4dn_log,
    }
    out = RESULTS / f"workbook-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    console.print(f"Written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
