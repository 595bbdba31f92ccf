"""Sending a submission: Docket's ``POST /batch`` (one transaction; ``check_only`` for a dry run), or,
on a server without it, one request per item the way Submit4DN does. Server errors come back as
problems at the cells the failing values came from.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from docket.client.http import PortalClient, PortalError
from docket.client.workbook.report import Problem
from docket.client.workbook.rows import Entry
from docket.client.workbook.schemas import PortalSchemas
from docket.model.links import iter_links

_REQUIRED = re.compile(r"^'([^']+)' is (?:a required property|a dependency of)")
_UNRESOLVED = re.compile(r"Unable to resolve link: .*/([^/]+)/?$")


Properties = Callable[[Entry], dict[str, Any]]


def batch_body(entries: list[Entry], properties: Properties | None = None) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for entry in entries:
        props = properties(entry) if properties else entry.properties
        if entry.op == "patch":
            items.append({"op": "patch", "id": entry.target, "properties": props, "delete_fields": entry.delete_fields})
        else:
            items.append({"type": entry.type_name, "properties": props})
    return {"items": items}


def send_batch(
    client: PortalClient, entries: list[Entry], check_only: bool, properties: Properties | None = None
) -> tuple[list[Problem], list[Any]]:
    """One ``POST /batch``: the problems it reports (nothing is written if there are any) and the written items."""
    params = {"check_only": "true"} if check_only else {}
    try:
        answer = client.post("/batch", batch_body(entries, properties), **params)
    except PortalError as exc:
        return errors_to_problems(exc, entries), []
    return [], list(answer.get("@graph", []))


def errors_to_problems(exc: PortalError, entries: list[Entry], entry: Entry | None = None) -> list[Problem]:
    """A server error answer as problems at cells; ``entry`` when the request was for that item alone."""
    body = exc.body if isinstance(exc.body, dict) else {}
    if exc.status == 422 and isinstance(body.get("errors"), list):
        found = []
        for error in body["errors"]:
            index = error.get("index")
            target = entry if entry is not None else (entries[index] if isinstance(index, int) else None)
            found.append(_validation_problem(error, target))
        return found
    if exc.status == 409:
        index = body.get("index")
        target = entry if entry is not None else (entries[index] if isinstance(index, int) else None)
        return [_conflict_problem(str(body.get("detail", "")), target)]
    detail = body.get("detail") or body.get("description") or str(exc)
    where = entry.where if entry is not None else None
    return [Problem(where, "", f"the server answered {exc.status}: {detail}")]


def _validation_problem(error: dict[str, Any], entry: Entry | None) -> Problem:
    message = str(error.get("description", ""))
    name = str(error.get("name", ""))
    path = error.get("path")
    if not isinstance(path, list):
        dotted = name.removeprefix("Schema:").strip()
        path = [int(p) if p.isdigit() else p for p in dotted.split(".")] if dotted else []
    if entry is None:
        return Problem(None, ".".join(str(p) for p in path), message)
    required = _REQUIRED.match(message)
    if not path and required:
        path = [required[1]]
    elif message.startswith("Keys conflict:") and path:
        path = [_key_field(str(path[0]))]
    elif name.startswith("Batch: items") and path == ["id"]:
        return Problem(entry.column_cell("aliases"), "id", message)
    field = ".".join(str(p) for p in path if isinstance(p, str)) or name.removeprefix("Schema:").strip()
    return Problem(entry.cell_for(tuple(path)), field, message)


def _conflict_problem(detail: str, entry: Entry | None) -> Problem:
    try:
        keys = ast.literal_eval(detail.removeprefix("Keys conflict: "))
    except (ValueError, SyntaxError):
        keys = []
    if entry is None:
        return Problem(None, "", detail)
    messages = []
    field = ""
    for namespace, value in keys if isinstance(keys, list) else []:
        if namespace == "alias" and str(value).startswith("md5:"):
            field = "md5sum"
            messages.append(f"another file already has md5sum {str(value)[4:]}")
        elif namespace == "alias":
            field = "aliases"
            messages.append(f"alias {value!r} is already taken on the server (use --patch to update that item)")
        else:
            field = _key_field(namespace)
            messages.append(f"{field} {value!r} is already taken on the server")
    return Problem(entry.column_cell(field) if field else entry.where, field, "; ".join(messages) or detail)


def _key_field(namespace: str) -> str:
    """The column a unique key comes from: ``alias`` → aliases, ``lab:name`` → name."""
    return "aliases" if namespace == "alias" else namespace.split(":")[-1]


class PerItemSender:
    """For servers without ``/batch``: one POST or PATCH per item, in an order that lets links resolve.

    Not all-or-nothing: an error midway leaves the earlier items written, as with Submit4DN.
    """

    def __init__(self, client: PortalClient, schemas: PortalSchemas, aliases: dict[str, Entry]) -> None:
        self.client = client
        self.schemas = schemas
        self.aliases = aliases

    def check(self, entries: list[Entry], progress: Callable[[int], None]) -> list[Problem]:
        problems: list[Problem] = []
        for entry in entries:
            try:
                self._send(entry, entry.properties, check_only=True)
            except PortalError as exc:
                for p in errors_to_problems(exc, entries, entry):
                    # Links to items of this submission cannot resolve before they exist; Submit4DN hides these too.
                    unresolved = _UNRESOLVED.search(p.message)
                    if not (unresolved and unresolved[1] in self.aliases):
                        problems.append(p)
            progress(1)
        return problems

    def commit(self, entries: list[Entry], progress: Callable[[int], None]) -> tuple[list[Problem], list[Any]]:
        order, deferred = self._order(entries)
        written: dict[int, Any] = {}
        for i in order:
            entry = entries[i]
            body = {k: v for k, v in entry.properties.items() if k not in deferred.get(i, ())}
            try:
                written[i] = self._send(entry, body, check_only=False)
            except PortalError as exc:
                return errors_to_problems(exc, entries, entry), [written.get(j) for j in range(len(entries))]
            progress(1)
        for i, fields in deferred.items():
            patch = {k: entries[i].properties[k] for k in fields}
            try:
                self.client.patch(f"/{written[i]['uuid']}", patch)
            except PortalError as exc:
                return errors_to_problems(exc, entries, entries[i]), [written.get(j) for j in range(len(entries))]
        return [], [written.get(j) for j in range(len(entries))]

    def _send(self, entry: Entry, body: dict[str, Any], check_only: bool) -> Any:
        params = {"check_only": "true"} if check_only else {}
        if entry.op == "patch":
            if entry.delete_fields and not check_only:
                self.client.patch(f"/{entry.target}", {}, delete_fields=",".join(entry.delete_fields))
            answer = self.client.patch(f"/{entry.target}", body, **params)
        else:
            answer = self.client.post(f"/{entry.type_name}", body, **params)
        graph = answer.get("@graph") or [None]
        return graph[0]

    def _order(self, entries: list[Entry]) -> tuple[list[int], dict[int, set[str]]]:
        """Items after the items they link to; links that close a cycle are patched in afterwards."""
        index_of = {id(e): i for i, e in enumerate(entries)}
        needs: dict[int, list[tuple[int, str]]] = {}
        for i, entry in enumerate(entries):
            for _link, path, value in iter_links(entry.properties, self.schemas.links(entry.type_name)):
                target = self.aliases.get(value) if isinstance(value, str) else None
                if target is not None and target is not entry:
                    needs.setdefault(i, []).append((index_of[id(target)], str(path[0])))
        order: list[int] = []
        state: dict[int, int] = {}  # 1 visiting, 2 done
        deferred: dict[int, set[str]] = {}

        def visit(i: int) -> None:
            state[i] = 1
            for j, field in needs.get(i, []):
                if state.get(j) == 1:
                    deferred.setdefault(i, set()).add(field)
                elif state.get(j) is None:
                    visit(j)
            state[i] = 2
            order.append(i)

        for i in range(len(entries)):
            if state.get(i) is None:
                visit(i)
        return order, deferred
