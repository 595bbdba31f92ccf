"""What the services need from item persistence, as Protocols, and the plain records exchanged.

The store knows nothing of schemas or permissions: the services hand it documents, the keys and
links to index, and an ``Index`` of the columns permission filters use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class Index:
    """Columns kept beside the document so that visibility can be filtered in SQL."""

    status: str | None = None
    lab: str | None = None
    owner: str | None = None
    access_group: str | None = None


@dataclass
class StoredItem:
    uuid: str
    item_type: str
    properties: dict[str, Any]
    sid: int
    index: Index
    created: str


@dataclass(frozen=True)
class Revision:
    sid: int
    properties: dict[str, Any]
    changed: list[str]
    user_uuid: str | None
    timestamp: str
    transaction_id: str


@dataclass(frozen=True)
class Filter:
    """``field`` equals (or, negated, differs from) any of ``values``; ``None`` in values means "absent"."""

    field: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True)
class Visibility:
    """Which rows a caller may see. ``everything`` for admins; otherwise the union of the clauses."""

    everything: bool = False
    public_statuses: tuple[str, ...] = ()
    public_types_excluded: tuple[str, ...] = ()
    member_labs: tuple[str, ...] = ()
    member_statuses_excluded: tuple[str, ...] = ()
    owner: str | None = None
    access_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    item_types: tuple[str, ...]
    visibility: Visibility
    filters: tuple[Filter, ...] = ()
    text: str | None = None
    sort: tuple[tuple[str, bool], ...] = (("date_created", True),)
    offset: int = 0
    limit: int | None = 25


@dataclass
class Page:
    items: list[StoredItem]
    total: int


@dataclass
class Write:
    """One document to store, with everything indexed beside it."""

    uuid: str
    item_type: str
    properties: dict[str, Any]
    keys: list[tuple[str, str]]
    links: list[tuple[str, str]]
    index: Index
    created: str
    changed: list[str] = field(default_factory=list)


FacetCounts = dict[str, dict[str, int]]
Mode = Literal["create", "update"]


class Writer(Protocol):
    """Writes inside one transaction; everything commits together or nothing does."""

    transaction_id: str

    def key_owners(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]: ...

    def put(self, write: Write, mode: Mode, user_uuid: str | None, timestamp: str) -> StoredItem: ...

    def create_many(self, writes: Sequence[Write], user_uuid: str | None, timestamp: str) -> list[StoredItem]:
        """Insert new items with a few statements; a taken key raises KeysConflict(index=position)."""
        ...

    def links_from_many(self, targets: Sequence[str], rels: Sequence[str]) -> list[tuple[str, str, str]]: ...

    def read(self, uuids: Sequence[str]) -> dict[str, StoredItem]: ...

    def links_to(self, target: str, rels: Sequence[str]) -> list[tuple[str, str]]: ...

    def set_access_group(self, uuid: str, group: str | None) -> None: ...


class SettingsStore(Protocol):
    """Named values admins change while the portal runs."""

    def get_setting(self, name: str) -> str | None: ...

    def set_setting(self, name: str, value: str, user_uuid: str | None, timestamp: str) -> None: ...


class ItemStore(Protocol):
    def get(self, uuid: str) -> StoredItem | None: ...

    def get_many(self, uuids: Sequence[str]) -> dict[str, StoredItem]: ...

    def item_types(self, uuids: Sequence[str]) -> dict[str, str]: ...

    def find_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]: ...

    def keys_of(self, uuid: str) -> list[tuple[str, str]]: ...

    def search(self, query: Query) -> Page: ...

    def facets(self, query: Query, fields: Sequence[str]) -> FacetCounts: ...

    def links_to(self, target: str, rels: Sequence[str] | None = None) -> list[tuple[str, str]]: ...

    def links_into(self, targets: Sequence[str], rels: Sequence[str]) -> list[tuple[str, str, str]]: ...

    def history(self, uuid: str) -> list[Revision]: ...

    def count_by_type(self, visibility: Visibility) -> dict[str, int]: ...

    def write(self) -> AbstractContextManager[Writer]: ...

    def is_empty(self) -> bool: ...

    def iter_all(self) -> Iterator[StoredItem]: ...
