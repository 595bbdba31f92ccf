"""``docket upload``: send data files to File items over Docket's resumable upload path.

One file (``PATH --item ID``) or a manifest (TSV or CSV, one row per file: a ``path`` column plus an
``item`` column naming the File, or ``type`` and the columns to create it). Files go in parallel, each
resumes where the server says its upload stopped, and a file whose md5 already matches an uploaded
item is skipped. The protocol is described in docs/uploads.md (``docket-content-range/1``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

from docket.client.http import PortalClient, PortalError

MiB = 1 << 20
READ_SIZE = MiB
UPLOADABLE = ("uploading", "upload failed", "to be uploaded by workflow")
State = Literal["uploaded", "skipped", "failed"]


class ManifestError(Exception):
    pass


@dataclass
class UploadTask:
    path: Path
    item: str | None = None
    type_name: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    row: int | None = None

    @property
    def label(self) -> str:
        return f"{self.path.name}" + (f" (row {self.row})" if self.row else "")


@dataclass
class UploadOutcome:
    task: UploadTask
    state: State
    detail: str = ""
    item: str = ""
    resumed_from: int = 0
    size: int = 0


class Progress:
    """What the uploader reports; the CLI draws it with rich, tests ignore it."""

    def start(self, task: UploadTask, size: int) -> object:
        return None

    def position(self, handle: object, offset: int) -> None:
        """``offset`` bytes of the file are sent (it may go back after a failed chunk)."""

    def status(self, handle: object, text: str) -> None:
        pass

    def finish(self, handle: object, outcome: UploadOutcome) -> None:
        pass


class Uploader:
    def __init__(
        self,
        client: PortalClient,
        chunk_size: int = 64 * MiB,
        jobs: int = 4,
        limit_rate: float | None = None,
        retries: int = 5,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.chunk_size = chunk_size
        self.jobs = jobs
        self.limit_rate = limit_rate
        self.retries = retries
        self.progress = progress or Progress()
        self._profiles: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def run(self, tasks: Sequence[UploadTask]) -> list[UploadOutcome]:
        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            return list(pool.map(self.upload, tasks))

    def upload(self, task: UploadTask) -> UploadOutcome:
        try:
            size = task.path.stat().st_size
        except OSError as exc:
            return UploadOutcome(task, "failed", f"cannot read {task.path}: {exc.strerror}")
        handle = self.progress.start(task, size)
        try:
            outcome = self._upload(task, size, handle)
        except PortalError as exc:
            outcome = UploadOutcome(task, "failed", _detail(exc), size=size)
        except (httpx.HTTPError, OSError) as exc:
            outcome = UploadOutcome(task, "failed", f"{type(exc).__name__}: {exc}", size=size)
        self.progress.finish(handle, outcome)
        return outcome

    # -- steps ---------------------------------------------------------------------------------------

    def _upload(self, task: UploadTask, size: int, handle: object) -> UploadOutcome:
        md5: str | None = None
        if task.item:
            item = self._get_item(task.item)
        else:
            self.progress.status(handle, "hashing")
            md5 = file_md5(task.path)
            item = self._find_or_create(task, md5, size)
        at_id = item["@id"]
        status = item.get("status")
        if status not in UPLOADABLE:
            md5 = md5 or self._hash(task.path, handle)
            stored = item.get("content_md5sum") or item.get("md5sum")
            if stored == md5 and item.get("file_size", size) == size:
                return UploadOutcome(task, "skipped", f"already {status} with the same md5", at_id, size=size)
            return UploadOutcome(task, "failed", f"{at_id} is {status!r} with other content (md5 {stored})", at_id)
        if item.get("md5sum") and item.get("file_size") not in (None, size):
            return UploadOutcome(task, "failed", f"{at_id} declares file_size {item['file_size']}, not {size}", at_id)
        if status == "upload failed":
            self.client.post(at_id + "upload/", {})
        return self._send(task, at_id, size, handle)

    def _get_item(self, identifier: str) -> dict[str, Any]:
        path = identifier if identifier.startswith("/") else "/" + quote(identifier, safe=":@")
        return self.client.get(path, frame="object")

    def _hash(self, path: Path, handle: object) -> str:
        self.progress.status(handle, "hashing")
        return file_md5(path)

    def _find_or_create(self, task: UploadTask, md5: str, size: int) -> dict[str, Any]:
        assert task.type_name
        response = self.client.request(
            "GET", "/search/", params={"type": "File", "md5sum": md5, "frame": "object"}, ok=(404,)
        )
        found = response.json().get("@graph", [])
        if found:
            return dict(found[0])
        body = {k: v for k, v in self._coerce(task.type_name, task.fields).items() if v not in ("", None)}
        body.setdefault("filename", task.path.name)
        body["md5sum"] = md5
        body["file_size"] = size
        created = self.client.post(f"/{task.type_name}", body)
        return dict(created["@graph"][0])

    def _coerce(self, type_name: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if type_name not in self._profiles:
                self._profiles[type_name] = self.client.get(f"/profiles/{type_name}.json").get("properties", {})
        return {k: coerce(self._profiles[type_name].get(k, {}), v) for k, v in fields.items()}

    # -- the byte stream ---------------------------------------------------------------------------

    def _send(self, task: UploadTask, at_id: str, size: int, handle: object) -> UploadOutcome:
        url = at_id + "@@upload/content"
        offset = self._offset(url)
        if offset > size:
            self.client.request("DELETE", url)
            offset = 0
        resumed_from = offset
        self.progress.position(handle, offset)
        self.progress.status(handle, "resuming" if offset else "uploading")
        failures = 0
        while True:
            end = min(offset + self.chunk_size, size)
            try:
                response = self._put(url, task.path, offset, end, size, handle)
            except httpx.TransportError:
                failures += 1
                if failures > self.retries:
                    raise
                time.sleep(min(2**failures, 20))
                offset = self._rewind(url, offset, handle)
                continue
            body = _json(response)
            if response.status_code == 409 and "offset" in body:
                offset = self._moved(int(body["offset"]), handle)
                continue
            if response.status_code == 422:
                detail = body.get("detail") or "the upload failed verification"
                return UploadOutcome(task, "failed", f"upload failed: {detail}", at_id, resumed_from, size)
            if response.status_code >= 500 and failures < self.retries:
                failures += 1
                time.sleep(min(2**failures, 20))
                offset = self._rewind(url, offset, handle)
                continue
            if response.status_code >= 400:
                raise PortalError(response.status_code, body, "PUT", url)
            if body.get("complete"):
                return UploadOutcome(task, "uploaded", "", at_id, resumed_from, size)
            offset = self._moved(int(body.get("offset", end)), handle)

    def _put(self, url: str, path: Path, start: int, end: int, size: int, handle: object) -> httpx.Response:
        headers = {"Content-Type": "application/octet-stream"}
        if start == end:
            headers["Content-Range"] = f"bytes */{size}"
            return self.client.http.put(url, content=b"", headers=headers)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        return self.client.http.put(url, content=self._read(path, start, end, handle), headers=headers)

    def _read(self, path: Path, start: int, end: int, handle: object) -> Iterator[bytes]:
        began, sent = time.monotonic(), 0
        with open(path, "rb") as f:
            f.seek(start)
            remaining = end - start
            while remaining > 0:
                data = f.read(min(READ_SIZE, remaining))
                if not data:
                    raise OSError(f"{path} shrank while uploading")
                remaining -= len(data)
                sent += len(data)
                yield data
                self.progress.position(handle, start + sent)
                if self.limit_rate:
                    ahead = sent / self.limit_rate - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)

    def _offset(self, url: str) -> int:
        response = self.client.request("HEAD", url)
        return int(response.headers.get("Upload-Offset", "0"))

    def _rewind(self, url: str, sent_to: int, handle: object) -> int:
        """Where to go on after a failed chunk: the server's offset, or the chunk's start again."""
        try:
            return self._moved(self._offset(url), handle)
        except (httpx.TransportError, PortalError):
            return sent_to

    def _moved(self, offset: int, handle: object) -> int:
        self.progress.position(handle, offset)
        return offset


# -- inputs ---------------------------------------------------------------------------------------------


def upload_file(client: PortalClient, item: dict[str, Any], path: Path, console: Any = None) -> UploadOutcome:
    """Upload one local file to an existing File item (as ``docket submit --commit`` does for file rows).

    Raises RuntimeError naming the reason when the upload fails.
    """
    outcome = Uploader(client, jobs=1).upload(UploadTask(path=path, item=str(item.get("@id") or item["uuid"])))
    if outcome.state == "failed":
        raise RuntimeError(outcome.detail)
    if console is not None:
        console.print(f"uploaded {path.name} to {outcome.item or item.get('@id')} ({outcome.state})")
    return outcome


def read_manifest(path: Path) -> list[UploadTask]:
    """Rows of a TSV or CSV manifest (by extension; ``.csv`` is comma-separated, anything else tabs)."""
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror}") from None
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
    if not rows:
        raise ManifestError(f"{path} has no rows")
    columns = set(rows[0])
    if "path" not in columns:
        raise ManifestError(f"{path} needs a 'path' column (it has: {', '.join(sorted(columns))})")
    if "item" not in columns and "type" not in columns:
        raise ManifestError(f"{path} needs an 'item' column, or 'type' and the columns to create each File")
    tasks = []
    for number, row in enumerate(rows, start=2):
        file_path = Path((row.get("path") or "").strip()).expanduser()
        if not str(file_path) or str(file_path) == ".":
            raise ManifestError(f"{path} line {number}: empty path")
        if not file_path.is_absolute():
            file_path = path.parent / file_path
        item = (row.get("item") or "").strip() or None
        type_name = (row.get("type") or "").strip() or None
        if item is None and type_name is None:
            raise ManifestError(f"{path} line {number}: neither 'item' nor 'type' is set")
        fields = {
            k.strip(): v.strip()
            for k, v in row.items()
            if k and k not in ("path", "item", "type") and v is not None and v.strip()
        }
        tasks.append(UploadTask(file_path, item, type_name, fields, number))
    return tasks


def coerce(spec: dict[str, Any], value: Any) -> Any:
    """A manifest cell as the property's schema type wants it (JSON is accepted for any)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    kind = spec.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text  # the server reports the wrong type
    if kind == "boolean":
        return text.lower() in ("true", "1", "yes", "y")
    if kind == "array":
        return [coerce(spec.get("items", {}), part) for part in text.split(",") if part.strip()]
    return text


def file_md5(path: Path, on_read: Callable[[int], None] | None = None) -> str:
    hasher = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while data := f.read(4 * MiB):
            hasher.update(data)
            if on_read:
                on_read(len(data))
    return hasher.hexdigest()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"detail": response.text[:200]}
    return body if isinstance(body, dict) else {"detail": str(body)[:200]}


def _detail(exc: PortalError) -> str:
    body = exc.body
    if isinstance(body, dict):
        if body.get("errors"):
            return "; ".join(f"{e.get('name', '')} {e.get('description', '')}".strip() for e in body["errors"])
        return f"{exc.status}: {body.get('detail') or body.get('description') or body}"
    return str(exc)
