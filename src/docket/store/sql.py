"""``ItemStore`` over SQLAlchemy Core: one implementation for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import uuid as uuidlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    delete,
    false,
    func,
    insert,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from docket.errors import KeysConflict
from docket.store.engine import is_sqlite
from docket.store.jsonsql import JsonDialect
from docket.store.protocol import (
    FacetCounts,
    Filter,
    Index,
    Mode,
    Page,
    Query,
    Revision,
    StoredItem,
    Visibility,
    Write,
)
from docket.store.tables import items, keys, links, portal_settings, revisions

_COLUMN_SORTS = {"date_created": items.c.created, "uuid": items.c.uuid, "status": items.c.status}
_CHUNK = 500


_ITEM_COLUMNS = "uuid, item_type, properties, sid, status, lab, owner, access_group, created"


def _raw(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a hot-path read straight on the DB-API cursor; ``?`` marks parameters in either dialect.

    SQLAlchemy's statement machinery costs far more than SQLite itself on these one-index lookups
    (about 250 µs against 10 µs), and they run several times per request.
    """
    if conn.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    result = conn.exec_driver_sql(sql, tuple(params))
    return [tuple(row) for row in result.fetchall()]


def _raw_many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """executemany straight on the DB-API cursor (bulk inserts of a batch); ``?`` marks parameters."""
    if conn.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _raw_item(row: tuple[Any, ...]) -> StoredItem:
    uuid, item_type, properties, sid, status, lab, owner, access_group, created = row
    if isinstance(properties, str | bytes):
        properties = json.loads(properties)
    return StoredItem(uuid, item_type, properties, sid, Index(status, lab, owner, access_group), created)


def _row_to_item(row: Any) -> StoredItem:
    return StoredItem(
        uuid=row.uuid,
        item_type=row.item_type,
        properties=row.properties,
        sid=row.sid,
        index=Index(status=row.status, lab=row.lab, owner=row.owner, access_group=row.access_group),
        created=row.created,
    )


class SqlWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.transaction_id = str(uuidlib.uuid4())

    def key_owners(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return _owners(self.conn, wanted)

    def put(self, write: Write, mode: Mode, user_uuid: str | None, timestamp: str) -> StoredItem:
        conn = self.conn
        row = {
            "item_type": write.item_type,
            "properties": write.properties,
            "status": write.index.status,
            "lab": write.index.lab,
            "owner": write.index.owner,
            "access_group": write.index.access_group,
        }
        if mode == "create":
            sid = 1
            conn.execute(insert(items).values(uuid=write.uuid, sid=sid, created=write.created, **row))
        else:
            current = conn.execute(select(items.c.sid).where(items.c.uuid == write.uuid)).scalar_one()
            sid = current + 1
            conn.execute(update(items).where(items.c.uuid == write.uuid).values(sid=sid, **row))
            conn.execute(delete(keys).where(keys.c.uuid == write.uuid))
            conn.execute(delete(links).where(links.c.source == write.uuid))
        unique_keys = list(dict.fromkeys(write.keys))
        if unique_keys:
            savepoint = conn.begin_nested()
            try:
                conn.execute(insert(keys), [{"name": n, "value": v, "uuid": write.uuid} for n, v in unique_keys])
                savepoint.commit()
            except IntegrityError:
                savepoint.rollback()
                owners = _owners(conn, unique_keys)
                taken = [k for k in unique_keys if owners.get(k, write.uuid) != write.uuid]
                raise KeysConflict(taken or unique_keys) from None
        unique_links = list(dict.fromkeys(write.links))
        if unique_links:
            conn.execute(insert(links), [{"source": write.uuid, "rel": r, "target": t} for r, t in unique_links])
        conn.execute(
            insert(revisions).values(
                uuid=write.uuid,
                sid=sid,
                properties=write.properties,
                changed=write.changed,
                user_uuid=user_uuid,
                timestamp=timestamp,
                transaction_id=self.transaction_id,
            )
        )
        return StoredItem(write.uuid, write.item_type, write.properties, sid, write.index, write.created)

    def create_many(self, writes: Sequence[Write], user_uuid: str | None, timestamp: str) -> list[StoredItem]:
        if not writes:
            return []
        conn = self.conn
        documents = [json.dumps(w.properties, separators=(",", ":")) for w in writes]
        doc = "?" if conn.dialect.name == "sqlite" else "CAST(? AS jsonb)"
        _raw_many(
            conn,
            f"INSERT INTO items ({_ITEM_COLUMNS}) VALUES (?, ?, {doc}, 1, ?, ?, ?, ?, ?)",
            [
                (w.uuid, w.item_type, d, w.index.status, w.index.lab, w.index.owner, w.index.access_group, w.created)
                for w, d in zip(writes, documents, strict=True)
            ],
        )
        key_rows = [{"name": n, "value": v, "uuid": w.uuid} for w in writes for n, v in dict.fromkeys(w.keys)]
        if key_rows and conn.dialect.name == "sqlite":
            # SQLite writers are serialized and the services checked the keys in this transaction.
            rows = [(r["name"], r["value"], r["uuid"]) for r in key_rows]
            _raw_many(conn, "INSERT INTO keys (name, value, uuid) VALUES (?, ?, ?)", rows)
        elif key_rows:
            savepoint = conn.begin_nested()
            try:
                conn.execute(insert(keys), key_rows)
                savepoint.commit()
            except IntegrityError:
                savepoint.rollback()
                owners = _owners(conn, [(r["name"], r["value"]) for r in key_rows])
                for position, w in enumerate(writes):
                    taken = [k for k in w.keys if owners.get(k, w.uuid) != w.uuid]
                    if taken:
                        raise KeysConflict(taken, position) from None
                raise KeysConflict([(r["name"], r["value"]) for r in key_rows[:1]], 0) from None
        link_rows = [(w.uuid, r, t) for w in writes for r, t in dict.fromkeys(w.links)]
        if link_rows:
            _raw_many(conn, "INSERT INTO links (source, rel, target) VALUES (?, ?, ?)", link_rows)
        _raw_many(
            conn,
            "INSERT INTO revisions (uuid, sid, properties, changed, user_uuid, timestamp, transaction_id) "
            f"VALUES (?, 1, {doc}, {doc}, ?, ?, ?)",
            [
                (w.uuid, d, json.dumps(w.changed), user_uuid, timestamp, self.transaction_id)
                for w, d in zip(writes, documents, strict=True)
            ],
        )
        return [StoredItem(w.uuid, w.item_type, w.properties, 1, w.index, w.created) for w in writes]

    def links_from_many(self, targets: Sequence[str], rels: Sequence[str]) -> list[tuple[str, str, str]]:
        """(source, rel, target) for links into any of ``targets`` under any of ``rels``."""
        return _links_into(self.conn, targets, rels)

    def read(self, uuids: Sequence[str]) -> dict[str, StoredItem]:
        """Items as this transaction sees them (its own writes included)."""
        return _get_many(self.conn, uuids)

    def links_to(self, target: str, rels: Sequence[str]) -> list[tuple[str, str]]:
        stmt = select(links.c.source, links.c.rel).where(links.c.target == target, links.c.rel.in_(list(rels)))
        return [(r.source, r.rel) for r in self.conn.execute(stmt)]

    def set_access_group(self, uuid: str, group: str | None) -> None:
        self.conn.execute(update(items).where(items.c.uuid == uuid).values(access_group=group))


def _links_into(conn: Connection, targets: Sequence[str], rels: Sequence[str]) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    wanted = list(dict.fromkeys(targets))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        sql = (
            f"SELECT source, rel, target FROM links WHERE target IN ({_marks(len(chunk))}) "
            f"AND rel IN ({_marks(len(rels))}) ORDER BY source"
        )
        found += [(s, r, t) for s, r, t in _raw(conn, sql, [*chunk, *rels])]
    return found


def _get_many(conn: Connection, uuids: Sequence[str]) -> dict[str, StoredItem]:
    wanted = list(dict.fromkeys(uuids))
    result: dict[str, StoredItem] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in _raw(conn, f"SELECT {_ITEM_COLUMNS} FROM items WHERE uuid IN ({_marks(len(chunk))})", chunk):
            result[row[0]] = _raw_item(row)
    return result


def _owners(conn: Connection, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Who holds each key, in one query per chunk: (name = n AND value IN (...)) OR ..., each on the primary key."""
    found: dict[tuple[str, str], str] = {}
    unique = list(dict.fromkeys(wanted))
    for start in range(0, len(unique), _CHUNK):
        by_name: dict[str, list[str]] = {}
        for name, value in unique[start : start + _CHUNK]:
            by_name.setdefault(name, []).append(value)
        groups = sorted(by_name.items())
        where = " OR ".join(f"(name = ? AND value IN ({_marks(len(values))}))" for _name, values in groups)
        params = [p for name, values in groups for p in (name, *values)]
        for name, value, owner in _raw(conn, f"SELECT name, value, uuid FROM keys WHERE {where}", params):
            found[(name, value)] = owner
    return found


class SqlItemStore:
    """Items, revisions, keys and links in one SQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = is_sqlite(engine)
        # One writer at a time inside this process for SQLite (the file allows only one anyway);
        # waiting on a lock is cheaper than SQLite's busy-sleep loop.
        self._write_lock = threading.Lock() if self._sqlite else None

    # -- reads -----------------------------------------------------------------------------------

    def get(self, uuid: str) -> StoredItem | None:
        with self.engine.connect() as conn:
            rows = _raw(conn, f"SELECT {_ITEM_COLUMNS} FROM items WHERE uuid = ?", [uuid])
        return _raw_item(rows[0]) if rows else None

    def get_many(self, uuids: Sequence[str]) -> dict[str, StoredItem]:
        if not uuids:
            return {}
        with self.engine.connect() as conn:
            return _get_many(conn, uuids)

    def item_types(self, uuids: Sequence[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(uuids))
        result: dict[str, str] = {}
        if not wanted:
            return result
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                sql = f"SELECT uuid, item_type FROM items WHERE uuid IN ({_marks(len(chunk))})"
                result.update({u: t for u, t in _raw(conn, sql, chunk)})
        return result

    def find_keys(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            return _owners(conn, wanted)

    def keys_of(self, uuid: str) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(keys.c.name, keys.c.value).where(keys.c.uuid == uuid).order_by(keys.c.name))
            return [(r.name, r.value) for r in rows]

    def links_to(self, target: str, rels: Sequence[str] | None = None) -> list[tuple[str, str]]:
        stmt = select(links.c.source, links.c.rel).where(links.c.target == target)
        if rels is not None:
            stmt = stmt.where(links.c.rel.in_(list(rels)))
        with self.engine.connect() as conn:
            return [(r.source, r.rel) for r in conn.execute(stmt.order_by(links.c.source))]

    def links_into(self, targets: Sequence[str], rels: Sequence[str]) -> list[tuple[str, str, str]]:
        if not targets or not rels:
            return []
        with self.engine.connect() as conn:
            return _links_into(conn, targets, rels)

    def history(self, uuid: str) -> list[Revision]:
        stmt = select(revisions).where(revisions.c.uuid == uuid).order_by(revisions.c.sid)
        with self.engine.connect() as conn:
            return [
                Revision(r.sid, r.properties, list(r.changed), r.user_uuid, r.timestamp, r.transaction_id)
                for r in conn.execute(stmt)
            ]

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(items.c.uuid).limit(1)).first() is None

    def iter_all(self) -> Iterator[StoredItem]:
        with self.engine.connect() as conn:
            for row in conn.execute(select(items).order_by(items.c.created, items.c.uuid)):
                yield _row_to_item(row)

    def count_by_type(self, visibility: Visibility) -> dict[str, int]:
        stmt = select(items.c.item_type, func.count()).where(_visible(visibility)).group_by(items.c.item_type)
        with self.engine.connect() as conn:
            return {t: n for t, n in conn.execute(stmt)}

    # -- portal settings -------------------------------------------------------------------------

    def get_setting(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            rows = _raw(conn, "SELECT value FROM portal_settings WHERE name = ?", [name])
        return str(rows[0][0]) if rows else None

    def set_setting(self, name: str, value: str, user_uuid: str | None, timestamp: str) -> None:
        with self.write() as writer:
            conn = writer.conn
            conn.execute(delete(portal_settings).where(portal_settings.c.name == name))
            row = {"name": name, "value": value, "updated": timestamp, "updated_by": user_uuid}
            conn.execute(insert(portal_settings).values(**row))

    # -- search ----------------------------------------------------------------------------------

    def _where(self, query: Query, dialect: JsonDialect) -> Any:
        clauses = [items.c.item_type.in_(list(query.item_types)), _visible(query.visibility)]
        for flt in query.filters:
            clauses.append(_filter_clause(flt, dialect))
        if query.text:
            clauses.append(dialect.text_match(query.text))
        return and_(*clauses)

    def search(self, query: Query) -> Page:
        dialect = JsonDialect(self.engine.dialect.name)
        where = self._where(query, dialect)
        order = []
        for field, descending in query.sort:
            column = _COLUMN_SORTS.get(field)
            key = column if column is not None else dialect.sort_key(field)
            order.append(key.desc() if descending else key.asc())
        order.append(items.c.uuid.asc())
        stmt = select(items).where(where).order_by(*order).offset(query.offset)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        with self.engine.connect() as conn:
            rows = [_row_to_item(r) for r in conn.execute(stmt)]
            if query.limit is not None and (len(rows) == query.limit or (query.offset and not rows)):
                total = conn.execute(select(func.count()).select_from(items).where(where)).scalar_one()
            else:
                total = query.offset + len(rows)
        return Page(rows, total)

    def facets(self, query: Query, fields: Sequence[str]) -> FacetCounts:
        counts: FacetCounts = {}
        with self.engine.connect() as conn:
            for field in fields:
                dialect = JsonDialect(self.engine.dialect.name)
                where = self._where(query, dialect)
                if field == "type":
                    stmt = select(items.c.item_type, func.count()).where(where).group_by(items.c.item_type)
                elif field == "status":
                    stmt = select(items.c.status, func.count()).where(where).group_by(items.c.status)
                else:
                    values = dialect.facet_values(field)
                    stmt = (
                        select(values.c.value, func.count(items.c.uuid.distinct()))
                        .select_from(items)
                        .join(values, true())
                        .where(where)
                        .group_by(values.c.value)
                    )
                counts[field] = {str(v): n for v, n in conn.execute(stmt) if v is not None}
        return counts

    # -- writes ----------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[SqlWriter]:
        if self._write_lock is not None:
            with self._write_lock, self._transaction() as writer:
                yield writer
        else:
            with self._transaction() as writer:
                yield writer

    @contextmanager
    def _transaction(self) -> Iterator[SqlWriter]:
        with self.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
            yield SqlWriter(conn)


def _visible(v: Visibility) -> Any:
    if v.everything:
        return true()
    clauses = []
    groups = list(v.access_groups)
    open_or_granted = (
        or_(items.c.access_group.is_(None), items.c.access_group.in_(groups))
        if groups
        else (items.c.access_group.is_(None))
    )
    if v.public_statuses:
        public = [items.c.status.in_(list(v.public_statuses)), open_or_granted]
        if v.public_types_excluded:
            public.append(items.c.item_type.notin_(list(v.public_types_excluded)))
        clauses.append(and_(*public))
    if v.member_labs:
        clauses.append(
            and_(items.c.lab.in_(list(v.member_labs)), items.c.status.notin_(list(v.member_statuses_excluded)))
        )
    if v.owner:
        clauses.append(items.c.owner == v.owner)
    if groups:
        clauses.append(and_(items.c.access_group.in_(groups), items.c.status.notin_(list(v.member_statuses_excluded))))
    return or_(*clauses) if clauses else false()


def _filter_clause(flt: Filter, dialect: JsonDialect) -> Any:
    if flt.field == "uuid":
        in_set = items.c.uuid.in_([str(v) for v in flt.values])
        return not_(in_set) if flt.negate else in_set
    parts: list[Any] = []
    for value in flt.values:
        if value is None:
            parts.append(dialect.absent(flt.field))
        elif flt.field == "status":
            parts.append(items.c.status == value)
        else:
            parts.append(dialect.contains(flt.field, value))
    clause = or_(*parts)
    return not_(clause) if flt.negate else clause
