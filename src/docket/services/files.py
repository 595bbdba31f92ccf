"""The content of File items: blob keys, upload credentials, completion and the periodic check.

A File's content lives in the blob store under ``<uuid>/<accession>.<standard_file_extension>`` (as
in fourfront); each of its ``extra_files`` under the same name with the extra format's extension. The
key is recorded in the item's server-managed ``external`` property the first time it is used, so a
later change of a format's extension never moves content.

Status changes (``uploaded``, ``upload failed`` with ``status_reason``) are written through
``ItemService`` as the SYSTEM principal, so the item's revisions record them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from docket.errors import DocketError, Forbidden, KeysConflict, NotFound
from docket.model.types import Model, TypeInfo
from docket.services import permissions
from docket.services.items import Change, ItemService
from docket.services.principal import SYSTEM, Principal
from docket.services.render import Renderer
from docket.store.blobs import (
    BlobInfo,
    BlobStore,
    ChecksumMismatch,
    ExpectedBlob,
    ScopedUploads,
    ScopingUnavailable,
)
from docket.store.protocol import ItemStore, StoredItem

if TYPE_CHECKING:
    from docket.services.upload_check import CheckResult

log = logging.getLogger(__name__)

# Statuses in which content may be sent and credentials are handed out (fourfront's list).
UPLOADABLE = frozenset({"uploading", "upload failed", "to be uploaded by workflow"})
RECEIVING = frozenset({"uploading", "to be uploaded by workflow"})
UPLOAD_PROTOCOL = "docket-content-range/1"
NOT_REISSUED = 'status must be "uploading" to issue new credentials'


class UploadRefused(Forbidden):
    """The file's status does not allow an upload now."""


class ContentUnavailable(DocketError):
    """The item has no content that may be served; ``failed`` when it failed verification."""

    def __init__(self, detail: str, failed: bool = False) -> None:
        super().__init__(detail)
        self.failed = failed


@dataclass(frozen=True)
class Content:
    """One blob of a File: the main content (``extra`` None) or one of its extra files."""

    key: str
    filename: str
    md5: str | None
    size: int | None
    extra: str | None = None  # the extra file's FileFormat uuid

    def expected(self) -> ExpectedBlob:
        return ExpectedBlob(self.key, self.md5, self.size)


class FileService:
    def __init__(
        self,
        model: Model,
        store: ItemStore,
        items: ItemService,
        renderer: Renderer,
        blobs: BlobStore,
        credentials_ttl: timedelta = timedelta(hours=36),
    ) -> None:
        self.model, self.store, self.items, self.renderer = model, store, items, renderer
        self.blobs = blobs
        self.credentials_ttl = credentials_ttl
        self._extensions: dict[str, str] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- what and where -------------------------------------------------------------------------

    def is_file(self, item_type: str) -> bool:
        return "File" in self.model.types[item_type].type_names

    def file_types(self) -> list[str]:
        return [t.name for t in self.model.concrete_types() if "File" in t.type_names]

    @property
    def scoped(self) -> ScopedUploads | None:
        return self.blobs if isinstance(self.blobs, ScopedUploads) else None

    def _extension(self, format_uuid: Any) -> str:
        if not isinstance(format_uuid, str):
            return ""
        if format_uuid not in self._extensions:
            found = self.store.get(format_uuid)
            ext = (found.properties.get("standard_file_extension") or "") if found else ""
            if not found:
                return ""
            self._extensions[format_uuid] = str(ext).lstrip(".")
        return self._extensions[format_uuid]

    def content(self, item: StoredItem, extra: str | None = None) -> Content:
        props = item.properties
        external = props.get("external") or {}
        name = props.get("accession") or item.uuid
        if extra is None:
            ext = self._extension(props.get("file_format"))
            key = external.get("key") or f"{item.uuid}/{name}{'.' + ext if ext else ''}"
            return Content(key, key.rsplit("/", 1)[-1], props.get("md5sum"), props.get("file_size"))
        for entry in props.get("extra_files") or []:
            if entry.get("file_format") == extra:
                ext = self._extension(extra)
                stored = (external.get("extra_files") or {}).get(extra, {})
                key = stored.get("key") or f"{item.uuid}/{name}{'.' + ext if ext else ''}"
                return Content(key, key.rsplit("/", 1)[-1], entry.get("md5sum"), entry.get("file_size"), extra)
        raise NotFound(f"{self.renderer.at_id(item)} has no extra file of format {extra}")

    def extra_formats(self, item: StoredItem) -> list[str]:
        return [e["file_format"] for e in item.properties.get("extra_files") or [] if e.get("file_format")]

    def resolve_extra(self, item: StoredItem, value: str | None) -> str | None:
        """An extra file named by its FileFormat uuid, name (``bai``) or path."""
        if not value:
            return None
        ref = self.items.resolver().resolve(value, "FileFormat")
        if ref is None:
            raise NotFound(f"No file format {value!r}")
        return ref.uuid

    def upload_url(self, item: StoredItem) -> str:
        """Docket's own resumable upload URL, relative to the server (see docs/uploads.md)."""
        return self.renderer.at_id(item) + "@@upload/content"

    def download_url(self, item: StoredItem, content: Content | None = None) -> str:
        content = content or self.content(item)
        return f"{self.renderer.at_id(item)}@@download/{content.filename}"

    # -- credentials ----------------------------------------------------------------------------

    def credentials(self, item: StoredItem, content: Content) -> dict[str, Any]:
        """What a client needs to upload ``content``: S3 credentials on S3, Docket's URL always."""
        url = self.upload_url(item) + (f"?extra={content.extra}" if content.extra else "")
        if self.scoped is None:
            # Local store: no S3 credentials exist; the bytes go to Docket's own upload path.
            return {"upload_url": url, "key": content.key, "upload_protocol": UPLOAD_PROTOCOL}
        external = item.properties.get("external") or {}
        if content.extra is None:
            stored = external.get("upload_credentials")
        else:
            stored = (external.get("extra_files") or {}).get(content.extra, {}).get("upload_credentials")
        body = dict(stored or {})
        body["docket_upload_url"] = url
        body["upload_protocol"] = UPLOAD_PROTOCOL
        return body

    def render_extra(self, info: TypeInfo, item: StoredItem, body: dict[str, Any], principal: Principal) -> None:
        """Renderer hook: ``href``, ``upload_key``, and ``upload_credentials`` for editors while uploading."""
        if "File" not in info.type_names:
            return
        content = self.content(item)
        body["href"] = self.download_url(item, content)
        body["upload_key"] = content.key
        if item.properties.get("status") in UPLOADABLE and permissions.can_edit(principal, item):
            body["upload_credentials"] = self.credentials(item, content)
        extras, stored = body.get("extra_files"), item.properties.get("extra_files") or []
        if isinstance(extras, list) and len(extras) == len(stored):
            for entry, raw in zip(extras, stored, strict=True):
                fmt = raw.get("file_format") if isinstance(raw, dict) else None
                if isinstance(entry, dict) and isinstance(fmt, str):
                    extra = self.content(item, fmt)
                    entry["upload_key"] = extra.key
                    entry["href"] = self.download_url(item, extra)

    def extra_files_creds(self, item: StoredItem) -> list[dict[str, Any]]:
        """fourfront's ``extra_files_creds``: each extra file with its ``upload_credentials``."""
        entries = []
        for entry in item.properties.get("extra_files") or []:
            fmt = entry.get("file_format")
            if not fmt:
                continue
            content = self.content(item, fmt)
            entries.append(
                {
                    **entry,
                    "upload_key": content.key,
                    "href": self.download_url(item, content),
                    "upload_credentials": self.credentials(item, content),
                }
            )
        return entries

    def mint(self, item: StoredItem, status: str | None = None) -> StoredItem:
        """Record the blob keys and, on S3, fresh scoped credentials for the item and its extra files."""
        contents = [self.content(item), *(self.content(item, f) for f in self.extra_formats(item))]
        external: dict[str, Any] = {"service": "s3" if self.scoped else "local", "key": contents[0].key}
        extra_sheets: dict[str, Any] = {}
        for content in contents:
            sheet: dict[str, Any] = {"key": content.key}
            if self.scoped is not None:
                creds = self.scoped.mint_upload_credentials(content.key, self.credentials_ttl)
                sheet["upload_credentials"] = creds.as_snovault()
                external["bucket"] = creds.bucket
            if content.extra is None:
                external.update(sheet)
            else:
                extra_sheets[content.extra] = sheet
        if extra_sheets:
            external["extra_files"] = extra_sheets
        patch: dict[str, Any] = {"external": external}
        delete = []
        if status is not None and status != item.properties.get("status"):
            patch["status"] = status
            delete.append("status_reason")
        return self._system_patch(item, patch, delete)

    def after_create(self, stored: Iterable[StoredItem]) -> list[StoredItem]:
        """Hand out credentials for new Files that await their content."""
        result = []
        for item in stored:
            if self.is_file(item.item_type) and item.properties.get("status") in UPLOADABLE:
                try:
                    item = self.mint(item)
                except ScopingUnavailable as exc:
                    # The item is written; the client can ask again with POST upload/.
                    log.error("no upload credentials for %s: %s", item.uuid, exc.detail)
            result.append(item)
        return result

    def issue_credentials(self, principal: Principal, item: StoredItem) -> StoredItem:
        """``POST @@upload``: new credentials; ``upload failed`` goes back to ``uploading``."""
        self._require_file(item)
        if not permissions.can_edit(principal, item):
            raise Forbidden("Unauthorized: item_edit failed permission check")
        status = item.properties.get("status")
        if status not in UPLOADABLE:
            raise UploadRefused(NOT_REISSUED)
        return self.mint(item, "uploading" if status == "upload failed" else None)

    # -- Docket's own resumable upload ------------------------------------------------------------

    def check_can_upload(self, principal: Principal, item: StoredItem) -> None:
        self._require_file(item)
        if not permissions.can_edit(principal, item):
            raise Forbidden("Unauthorized: item_edit failed permission check")
        if item.properties.get("status") not in RECEIVING:
            raise UploadRefused(
                f'status must be "uploading" to receive content (it is {item.properties.get("status")!r}); '
                "POST @@upload first to retry a failed upload"
            )

    def offset(self, item: StoredItem, content: Content) -> int:
        """Bytes received so far (0 when nothing is open); the full size once the blob is verified."""
        found = self.blobs.upload_offset(content.key)
        if found is not None:
            return found
        if item.properties.get("status") not in UPLOADABLE:
            info = self.blobs.stat(content.key)
            if info is not None:
                return info.size
        return 0

    def open_upload(self, content: Content) -> int:
        return self.blobs.open_upload(content.key).offset

    def write(self, content: Content, offset: int, chunks: Iterable[bytes]) -> int:
        if offset == 0 and self.blobs.upload_offset(content.key) is None:
            self.blobs.open_upload(content.key)
        return self.blobs.write_chunk(content.key, offset, chunks)

    def abort(self, principal: Principal, item: StoredItem, content: Content) -> None:
        self.check_can_upload(principal, item)
        self.blobs.abort_upload(content.key)

    # -- completion -------------------------------------------------------------------------------

    def complete(self, item: StoredItem, content: Content) -> StoredItem:
        """Verify what arrived against the item and record ``uploaded`` or ``upload failed``."""
        with self._completing(content.key):
            current = self.store.get(item.uuid) or item
            if content.extra is None and current.properties.get("status") not in UPLOADABLE:
                return current  # completed meanwhile (the periodic check, or a retried last chunk)
            try:
                info = self.blobs.complete(content.key, content.md5, content.size)
            except ChecksumMismatch as exc:
                return self.record_failure(current, content, exc.detail)
            return self.record_success(current, content, info)

    @contextlib.contextmanager
    def _completing(self, key: str) -> Iterator[None]:
        """One completion per key at a time in this process (requests and the periodic check)."""
        with self._locks_guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield
        with self._locks_guard:
            if not lock.locked():
                self._locks.pop(key, None)

    def record_success(self, item: StoredItem, content: Content, info: BlobInfo) -> StoredItem:
        current = self.store.get(item.uuid) or item
        if content.extra is not None:
            stored = self._set_extra(current, content.extra, {"status": "uploaded", "file_size": info.size})
            self._revoke(content.key)
            return stored
        patch: dict[str, Any] = {"status": "uploaded", "content_md5sum": info.md5, "file_size": info.size}
        if not current.properties.get("md5sum"):
            patch["md5sum"] = info.md5
        patch["external"] = _without_credentials(current.properties.get("external"), content.key)
        try:
            stored = self._system_patch(current, patch, ["status_reason"])
        except KeysConflict as exc:
            self.blobs.delete(content.key)
            return self.record_failure(current, content, f"md5 of the content matches another item: {exc.detail}")
        self._revoke(content.key)
        return stored

    def record_failure(self, item: StoredItem, content: Content, reason: str) -> StoredItem:
        current = self.store.get(item.uuid) or item
        log.warning("upload of %s failed verification: %s", content.key, reason)
        if content.extra is not None:
            return self._set_extra(current, content.extra, {"status": "upload failed"}, reason)
        return self._system_patch(current, {"status": "upload failed", "status_reason": reason})

    def _set_extra(self, item: StoredItem, fmt: str, values: dict[str, Any], reason: str = "") -> StoredItem:
        extras = [dict(e) for e in item.properties.get("extra_files") or []]
        for entry in extras:
            if entry.get("file_format") == fmt:
                entry.update(values)
        patch: dict[str, Any] = {"extra_files": extras}
        if reason:
            patch["status_reason"] = f"extra file {fmt}: {reason}"
        return self._system_patch(item, patch)

    def _revoke(self, key: str) -> None:
        if self.scoped is not None:
            try:
                self.scoped.revoke_upload_credentials(key)
            except Exception as exc:  # the sweep removes them at expiry anyway
                log.warning("revoking upload credentials of %s failed: %s", key, exc)

    def _system_patch(self, item: StoredItem, patch: dict[str, Any], delete: list[str] | None = None) -> StoredItem:
        fields = [f for f in delete or [] if f in item.properties]
        change = Change("patch", item.item_type, patch, target=item, delete_fields=fields)
        [stored] = self.items.write(SYSTEM, [change])
        return stored

    # -- the periodic check -----------------------------------------------------------------------

    def check_uploads(self) -> list[CheckResult]:
        """Complete uploads that landed without telling Docket (``aws s3 cp``); see docs/uploads.md."""
        from docket.services.upload_check import check_uploads

        return check_uploads(self)

    def completing(self, key: str) -> contextlib.AbstractContextManager[None]:
        return self._completing(key)

    # -- downloads ----------------------------------------------------------------------------------

    def servable(self, principal: Principal, item: StoredItem, content: Content) -> BlobInfo:
        """The verified blob of ``content`` if ``principal`` may download it; never an unverified one."""
        self._require_file(item)
        props = item.properties
        if props.get("restricted") and not (principal.is_admin or item.index.lab in principal.member_labs):
            raise Forbidden("The content of this file is restricted")
        if props.get("status") == "upload failed" and content.extra is None:
            reason = props.get("status_reason") or "its content did not match its md5sum or size"
            raise ContentUnavailable(f"The upload failed verification and is not served: {reason}", failed=True)
        info = self.blobs.stat(content.key)
        if info is None:
            raise ContentUnavailable(
                f"{self.renderer.at_id(item)} has no verified content (status {props.get('status')!r})"
            )
        declared = (props.get("content_md5sum") or content.md5) if content.extra is None else content.md5
        if not info.matches(declared, None):
            raise ContentUnavailable("The stored content does not match the item's md5sum; it is not served", True)
        return info

    def _require_file(self, item: StoredItem) -> None:
        if not self.is_file(item.item_type):
            raise NotFound(f"{self.renderer.at_id(item)} is not a file")


def _without_credentials(external: Any, key: str) -> dict[str, Any]:
    sheet = dict(external) if isinstance(external, dict) else {}
    sheet.pop("upload_credentials", None)
    sheet["key"] = key
    return sheet
