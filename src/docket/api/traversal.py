"""Mapping URL paths onto collections, items and item views, the way snovault's traversal does.

``/labs/`` and ``/Lab`` and ``/lab`` are the Lab collection; ``/labs/test-lab/``, ``/Lab/test-lab``,
``/<uuid>``, ``/<accession>`` and ``/<alias>`` are items; a trailing ``@@name`` (or ``upload``) is a view.
"""

from __future__ import annotations

from dataclasses import dataclass

from docket.errors import NotFound
from docket.model.identifiers import is_uuid
from docket.model.types import TypeInfo
from docket.services import permissions
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.store.protocol import StoredItem

ITEM_VIEWS = ("upload",)


@dataclass(frozen=True)
class Target:
    collection: TypeInfo | None = None
    item: StoredItem | None = None
    view: str | None = None
    extra: tuple[str, ...] = ()


def split(path: str) -> tuple[list[str], str | None, list[str]]:
    """Segments before the view, the view name, and any segments after the view."""
    segments = [s for s in path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment.startswith("@@"):
            return segments[:i], segment[2:], segments[i + 1 :]
        if i > 0 and segment in ITEM_VIEWS:
            return segments[:i], segment, segments[i + 1 :]
    return segments, None, []


def locate(portal: Portal, principal: Principal, path: str) -> Target:
    segments, view, extra = split(path)
    if not segments:
        return Target(view=view, extra=tuple(extra))
    if len(segments) == 1 and view is None:
        info = portal.model.find_type(segments[0])
        if info is not None:
            return Target(collection=info)
    item = find_item(portal, principal, "/" + "/".join(segments))
    return Target(item=item, view=view, extra=tuple(extra))


def find_item(portal: Portal, principal: Principal, identifier: str) -> StoredItem:
    """The visible item an identifier names; invisible and missing items are both a 404."""
    bare = identifier.strip("/")
    item = portal.store.get(bare) if is_uuid(bare) else None
    if item is None:
        ref = portal.items.resolver().resolve(identifier)
        item = portal.store.get(ref.uuid) if ref else None
    if item is None or not permissions.can_view(principal, item):
        raise NotFound(identifier)
    return item
