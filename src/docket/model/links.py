"""Link fields: where a schema says ``linkTo``, how to find those values in an item and rewrite them.

A link field is described by a path of property names with ``*`` standing for "every element of
this array", e.g. ``("biosource", "*")`` or ``("biosample_relation", "*", "biosample")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class LinkField:
    path: tuple[str, ...]
    targets: tuple[str, ...]
    submits_for: bool = False

    @property
    def name(self) -> str:
        """The name used in the links table: the path without array markers.

        E.g. ``biosample_relation.biosample``.
        """
        return ".".join(p for p in self.path if p != "*")


def find_link_fields(properties: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[LinkField]:
    """Every ``linkTo`` under ``properties``, nested objects and arrays included, calculated ones excluded."""
    found: list[LinkField] = []
    for name, spec in properties.items():
        if not isinstance(spec, dict) or spec.get("calculatedProperty"):
            continue
        found.extend(_walk(spec, (*prefix, name)))
    return found


def _walk(spec: dict[str, Any], path: tuple[str, ...]) -> list[LinkField]:
    if "linkTo" in spec:
        targets = spec["linkTo"]
        targets = (targets,) if isinstance(targets, str) else tuple(targets)
        return [LinkField(path, targets, bool(spec.get("linkSubmitsFor")))]
    if spec.get("type") == "array" and isinstance(spec.get("items"), dict):
        return _walk(spec["items"], (*path, "*"))
    if isinstance(spec.get("properties"), dict):
        return find_link_fields(spec["properties"], path)
    return []


def iter_links(item: dict[str, Any], fields: list[LinkField]) -> Iterator[tuple[LinkField, Path, Any]]:
    """Yield ``(field, concrete path, value)`` for every link value present in ``item``."""
    for link in fields:
        for path, value in _values(item, link.path, ()):
            yield link, path, value


def _values(node: Any, rest: tuple[str, ...], here: Path) -> Iterator[tuple[Path, Any]]:
    if not rest:
        yield here, node
        return
    head, tail = rest[0], rest[1:]
    if head == "*":
        if isinstance(node, list):
            for i, element in enumerate(node):
                yield from _values(element, tail, (*here, i))
    elif isinstance(node, dict) and head in node:
        yield from _values(node[head], tail, (*here, head))


def map_links(
    item: dict[str, Any], fields: list[LinkField], fn: Callable[[LinkField, Path, Any], Any]
) -> dict[str, Any]:
    """A copy of ``item`` in which every link value is replaced by ``fn(field, path, value)``.

    Only the values that hold links are copied; everything else is shared with ``item``.
    """
    result: dict[str, Any] = dict(item)
    copied: set[str] = set()
    for link in fields:
        top = link.path[0]
        if top not in result:
            continue
        if len(link.path) > 1 and top not in copied:
            result[top] = _copy(result[top])
            copied.add(top)
        _replace(result, link.path, (), link, fn)
    return result


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _replace(
    node: Any, rest: tuple[str, ...], here: Path, link: LinkField, fn: Callable[[LinkField, Path, Any], Any]
) -> None:
    head, tail = rest[0], rest[1:]
    if head == "*":
        if not isinstance(node, list):
            return
        for i, element in enumerate(node):
            if tail:
                _replace(element, tail, (*here, i), link, fn)
            else:
                node[i] = fn(link, (*here, i), element)
    elif isinstance(node, dict) and head in node:
        if tail:
            _replace(node[head], tail, (*here, head), link, fn)
        else:
            node[head] = fn(link, (*here, head), node[head])
