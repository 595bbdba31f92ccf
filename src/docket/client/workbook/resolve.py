"""Identifiers across a submission: aliases defined anywhere in the submitted files, links checked
against them and against the server, existing items found for ``--patch``, and the replicate and
experiment-set columns of experiment sheets turned into the sets' ``replicate_exps`` and
``experiments_in_set``, as Submit4DN does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from docket.client.http import PortalClient, PortalError
from docket.client.workbook.report import Problem, Where
from docket.client.workbook.rows import Entry
from docket.client.workbook.schemas import PortalSchemas
from docket.model.links import LinkField, iter_links, map_links

_LOOKUP_THREADS = 8
_SEARCH_CHUNK = 100


@dataclass(frozen=True)
class Found:
    """An existing item on the server, as far as the submission needs it."""

    uuid: str
    at_id: str
    types: tuple[str, ...]
    item: dict[str, Any]


class Identifiers:
    def __init__(self, client: PortalClient | None, schemas: PortalSchemas, problems: list[Problem]) -> None:
        self.client = client
        self.schemas = schemas
        self.problems = problems
        self.aliases: dict[str, Entry] = {}
        self._remote: dict[str, Found | str | None] = {}
        self.typed_as: dict[str, str] = {}  # uuid sent to the server -> the value the cell holds

    # -- aliases -----------------------------------------------------------------------------------

    def register(self, entry: Entry) -> None:
        for alias in entry.aliases:
            first = self.aliases.get(alias)
            if first is None:
                self.aliases[alias] = entry
            elif first is not entry:
                self.problems.append(
                    Problem(
                        entry.column_cell("aliases"),
                        "aliases",
                        f"alias {alias!r} is already used by {_place(first.column_cell('aliases'))}",
                    )
                )

    # -- server lookups ------------------------------------------------------------------------------

    def lookup(self, wanted: Iterable[tuple[str, str]], progress: Callable[[int], None] | None = None) -> None:
        """Fetch every ``(target type, value)`` not yet known, a few requests at a time."""
        todo = list(dict.fromkeys(_lookup_path(t, v) for t, v in wanted))
        todo = [p for p in todo if p not in self._remote]
        if not todo or self.client is None:
            return
        with ThreadPoolExecutor(_LOOKUP_THREADS) as pool:
            for path, found in zip(todo, pool.map(self._fetch, todo), strict=True):
                self._remote[path] = found
                if progress:
                    progress(1)

    def _fetch(self, path: str) -> Found | str | None:
        assert self.client is not None
        try:
            item = self.client.get_or_none(path, frame="object")
        except PortalError as exc:
            if exc.status in (401, 403):
                return "is not visible to you"
            return f"could not be looked up ({exc.status})"
        if item is None:
            return None
        return Found(item.get("uuid", ""), item.get("@id", ""), tuple(item.get("@type", [])), item)

    def remote(self, target: str, value: str) -> Found | str | None:
        return self._remote.get(_lookup_path(target, value))

    def external_links(self, entries: list[Entry]) -> list[tuple[str, str]]:
        """``(target, value)`` of every link value that is not an alias in the submission."""
        wanted = []
        for entry in entries:
            for link, _path, value in iter_links(entry.properties, self.schemas.links(entry.type_name)):
                if isinstance(value, str) and value not in self.aliases:
                    wanted.append((link.targets[0], value))
            for name, target in (("replicate_set", "ExperimentSetReplicate"), ("experiment_set", "ExperimentSet")):
                if name in entry.sets and entry.sets[name][0] not in self.aliases:
                    wanted.append((target, entry.sets[name][0]))
        return wanted

    def canonical(self, entry: Entry) -> dict[str, Any]:
        """The entry's properties with links to existing items given by uuid, so the server need not look
        them up again (a title or name key costs the server a search per item)."""

        def to_uuid(link: LinkField, _path: Any, value: Any) -> Any:
            if not isinstance(value, str) or value in self.aliases:
                return value
            found = self.remote(link.targets[0], value)
            if isinstance(found, Found) and found.uuid:
                self.typed_as[found.uuid] = value
                return found.uuid
            return value

        return map_links(entry.properties, self.schemas.links(entry.type_name), to_uuid)

    # -- checks --------------------------------------------------------------------------------------

    def check_links(self, entry: Entry) -> None:
        for link, path, value in iter_links(entry.properties, self.schemas.links(entry.type_name)):
            if not isinstance(value, str):
                continue
            allowed = set().union(*(self.schemas.family(t) for t in link.targets if t in self.schemas.profiles))
            local = self.aliases.get(value)
            shown = " or ".join(link.targets)
            if local is not None:
                if allowed and local.type_name not in allowed:
                    self._link_problem(entry, path, f"{value!r} is not of type {shown!r} (it is a {local.type_name})")
                continue
            found = self.remote(link.targets[0], value)
            if found is None:
                target = value if value.startswith("/") else f"/{link.targets[0]}/{value}"
                self._link_problem(entry, path, f"Unable to resolve link: {target}")
            elif isinstance(found, str):
                self._link_problem(entry, path, f"{value!r} {found}")
            elif allowed and not (set(found.types) & (allowed | set(link.targets))):
                self._link_problem(entry, path, f"{value!r} is not of type {shown!r}")

    def _link_problem(self, entry: Entry, path: tuple[str | int, ...], message: str) -> None:
        field = ".".join(str(p) for p in path if isinstance(p, str))
        self.problems.append(Problem(entry.cell_for(path), field, message))

    # -- existing items (--patch) --------------------------------------------------------------------

    def find_existing(self, entries: list[Entry], progress: Callable[[int], None] | None = None) -> dict[int, Found]:
        """For each entry (by position) the existing item one of its uuid, accession or aliases names."""
        if self.client is None:
            return {}
        by_value: dict[tuple[str, str], list[int]] = {}
        for i, entry in enumerate(entries):
            for name in ("uuid", "accession"):
                value = entry.properties.get(name)
                if isinstance(value, str):
                    by_value.setdefault((name, value), []).append(i)
            for alias in entry.aliases:
                by_value.setdefault(("aliases", alias), []).append(i)
        found: dict[int, Found] = {}
        keys = list(by_value)
        types = sorted({e.type_name for e in entries})
        for start in range(0, len(keys), _SEARCH_CHUNK):
            chunk = keys[start : start + _SEARCH_CHUNK]
            for field in ("uuid", "accession", "aliases"):
                values = [v for f, v in chunk if f == field]
                if not values:
                    continue
                params = [("type", t) for t in types] + [(field, v) for v in values] + [("frame", "object")]
                for item in self.client.search(urlencode(params, quote_via=quote)):
                    hit = Found(item["uuid"], item.get("@id", ""), tuple(item.get("@type", [])), item)
                    for key in _keys_of(item):
                        for i in by_value.get(key, []):
                            if entries[i].type_name in hit.types:
                                found.setdefault(i, hit)
            if progress:
                progress(len(chunk))
        return found

    # -- sets ----------------------------------------------------------------------------------------

    def build_sets(self, entries: list[Entry], patch: bool) -> list[Entry]:
        """Fill replicate sets and experiment sets from the experiment rows; new patch entries for sets on the server."""
        extra: dict[str, Entry] = {}
        for entry in entries:
            if "replicate_set" in entry.sets or "bio_rep_no" in entry.sets or "tec_rep_no" in entry.sets:
                self._add_replicate(entry, extra)
            if "experiment_set" in entry.sets:
                self._add_to_set(entry, extra)
        return list(extra.values())

    def _experiment_id(self, entry: Entry, cell: Where, column: str) -> str | None:
        if entry.aliases:
            return entry.aliases[0]
        if entry.target:
            return entry.target
        self.problems.append(Problem(cell, column, "an experiment in a set needs an alias to be referred to"))
        return None

    def _add_replicate(self, entry: Entry, extra: dict[str, Entry]) -> None:
        ref, ref_cell = entry.sets.get("replicate_set", (None, entry.where))
        numbers: dict[str, Any] = {}
        for name in ("bio_rep_no", "tec_rep_no"):
            if name in entry.sets:
                numbers[name] = entry.sets[name][0]
            else:
                self.problems.append(Problem(entry.where, name, f"{name} is required with replicate_set"))
        if ref is None:
            self.problems.append(Problem(entry.where, "replicate_set", "replicate_set is required with bio_rep_no"))
            return
        exp_id = self._experiment_id(entry, ref_cell, "replicate_set")
        if exp_id is None or len(numbers) < 2:
            return
        target = self._set_entry(ref, ref_cell, "ExperimentSetReplicate", "replicate_exps", extra)
        if target is None:
            return
        listed = target.properties.setdefault("replicate_exps", [])
        position = len(listed)
        listed.append({"replicate_exp": exp_id, **numbers})
        target.cells[("replicate_exps", position)] = ref_cell
        target.cells[("replicate_exps", position, "replicate_exp")] = ref_cell
        for name in ("bio_rep_no", "tec_rep_no"):
            target.cells[("replicate_exps", position, name)] = entry.sets[name][1]

    def _add_to_set(self, entry: Entry, extra: dict[str, Entry]) -> None:
        ref, ref_cell = entry.sets["experiment_set"]
        exp_id = self._experiment_id(entry, ref_cell, "experiment_set")
        if exp_id is None:
            return
        target = self._set_entry(ref, ref_cell, "ExperimentSet", "experiments_in_set", extra)
        if target is None:
            return
        listed = target.properties.setdefault("experiments_in_set", [])
        if exp_id not in listed:
            target.cells[("experiments_in_set", len(listed))] = ref_cell
            listed.append(exp_id)

    def _set_entry(self, ref: str, cell: Where, kind: str, field: str, extra: dict[str, Entry]) -> Entry | None:
        local = self.aliases.get(ref)
        if local is not None:
            if not self.schemas.is_a(local.type_name, kind):
                self.problems.append(Problem(cell, field, f"{ref!r} is not of type {kind!r}"))
                return None
            return local
        found = self.remote(kind, ref)
        if found is None or isinstance(found, str):
            reason = f"Unable to resolve link: /{kind}/{ref}" if found is None else f"{ref!r} {found}"
            self.problems.append(Problem(cell, field, reason))
            return None
        if kind not in found.types:
            self.problems.append(Problem(cell, field, f"{ref!r} is not of type {kind!r}"))
            return None
        if found.uuid not in extra:
            # A set already on the server: add to what it holds (Submit4DN's combine_set).
            current = found.item.get(field) or []
            patch = Entry(found.types[0], cell, 0, {field: list(current)}, op="patch", target=found.uuid)
            patch.existing = found.item
            extra[found.uuid] = patch
        return extra[found.uuid]


def _lookup_path(target: str, value: str) -> str:
    if value.startswith("/"):
        return value
    return f"/{target}/{quote(value, safe=':@')}"


def _keys_of(item: dict[str, Any]) -> list[tuple[str, str]]:
    keys = [("uuid", item.get("uuid", "")), ("accession", item.get("accession", ""))]
    keys += [("aliases", a) for a in item.get("aliases") or []]
    return [k for k in keys if k[1]]


def _place(where: Where) -> str:
    return f"{where.sheet}!{where.cell}" if where.cell else where.sheet
