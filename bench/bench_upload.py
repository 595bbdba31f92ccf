"""Upload throughput of ``docket upload`` against ``cp`` + ``md5sum``, and the server's memory.

Starts ``docket serve`` on a fresh SQLite database and local store (all under a temporary folder),
generates a file (2 GiB by default), and in the same run times:

- raw: ``cp FILE COPY`` followed by ``md5sum COPY`` (what any upload at least has to do: move the
  bytes once and hash them once), best of two runs;
- docket: ``docket upload FILE --item ID`` to a File item declaring the file's md5sum and size; the
  server streams it to disk, hashes it and verifies it.

It reports the throughput ratio docket/raw (target: at least 0.70) and the server's peak RSS
(``VmHWM`` from /proc/<pid>/status) after start-up, after a small upload and after the large one:
memory stays flat whatever the file size. Figures go to stdout and to bench/results/.

    python bench/bench_upload.py [--size-mib 2048] [--small-mib 256] [--chunk-mib 64]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

MiB = 1 << 20
RESULTS = Path(__file__).resolve().parent / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_file(path: Path, size: int, seed: int) -> str:
    hasher, block = hashlib.md5(usedforsecurity=False), os.urandom(MiB)
    with open(path, "wb") as f:
        written, counter = 0, seed << 32
        while written < size:
            piece = (counter.to_bytes(8, "big") + block)[: min(MiB, size - written)]
            f.write(piece)
            hasher.update(piece)
            written, counter = written + len(piece), counter + 1
    return hasher.hexdigest()


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    port = free_port()
    out = (workdir / "server.out").open("wb")
    command = [sys.executable, "-m", "docket.cli", "serve", "--demo", "--port", str(port)]
    command += ["--database", f"sqlite:///{workdir / 'docket.db'}", "--files", str(workdir / "files")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            key = json.JSONDecoder().raw_decode((workdir / "server.out").read_text().lstrip())[0]["default"]
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url, key
        except (ValueError, KeyError, httpx.TransportError):
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("docket serve did not start")


def new_item(url: str, key: dict[str, str], md5: str, size: int) -> str:
    body = {"lab": "demo-lab", "award": "DEMO-0001", "file_format": "fastq", "md5sum": md5, "file_size": size}
    response = httpx.post(f"{url}/FileFastq", json=body, auth=(key["key"], key["secret"]), timeout=60)
    response.raise_for_status()
    return str(response.json()["@graph"][0]["accession"])


def timed(command: list[str], **kwargs: Any) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - began


def upload(url: str, keyfile: Path, path: Path, item: str, chunk_mib: int) -> float:
    command = [sys.executable, "-m", "docket.cli", "upload", str(path), "--item", item, "-q"]
    command += ["--keyfile", str(keyfile), "--chunk-size", str(chunk_mib)]
    return timed(command)


def raw(path: Path, scratch: Path) -> float:
    copy = scratch / "copy"
    seconds = timed(["cp", str(path), str(copy)]) + timed(["md5sum", str(copy)])
    copy.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--small-mib", type=int, default=256)
    parser.add_argument("--chunk-mib", type=int, default=64)
    args = parser.parse_args()
    size, small = args.size_mib * MiB, args.small_mib * MiB
    workdir = Path(tempfile.mkdtemp(prefix="docket-bench-upload-"))
    process = None
    try:
        big_path, small_path = workdir / "big.fastq.gz", workdir / "small.fastq.gz"
        big_md5 = make_file(big_path, size, seed=1)
        small_md5 = make_file(small_path, small, seed=2)
        process, url, key = start_server(workdir)
        keyfile = workdir / "keypairs.json"
        keyfile.write_text(json.dumps({"default": key}))
        rss = {"after start": peak_rss_mib(process.pid)}

        upload(url, keyfile, small_path, new_item(url, key, small_md5, small), args.chunk_mib)
        rss[f"after {args.small_mib} MiB upload"] = peak_rss_mib(process.pid)

        raw_runs = [raw(big_path, workdir)]
        docket_seconds = upload(url, keyfile, big_path, new_item(url, key, big_md5, size), args.chunk_mib)
        rss[f"after {args.size_mib} MiB upload"] = peak_rss_mib(process.pid)
        raw_runs.append(raw(big_path, workdir))
        raw_seconds = min(raw_runs)
        stored = workdir / "files"
        assert any(stored.rglob("*.fastq.gz")), "the upload left no blob"

        figures = {
            "file_mib": args.size_mib,
            "chunk_mib": args.chunk_mib,
            "cpus": os.cpu_count(),
            "raw_cp_md5sum_seconds": [round(s, 2) for s in raw_runs],
            "raw_mib_per_s": round(args.size_mib / raw_seconds, 1),
            "docket_upload_seconds": round(docket_seconds, 2),
            "docket_mib_per_s": round(args.size_mib / docket_seconds, 1),
            "ratio": round(raw_seconds / docket_seconds, 3),
            "target_ratio": 0.70,
            "server_peak_rss_mib": {k: round(v, 1) for k, v in rss.items()},
        }
        print(json.dumps(figures, indent=2))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"upload-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(figures, indent=2))
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
