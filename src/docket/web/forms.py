"""Forms generated from a type's JSON Schema, and the way back from posted form fields to an item body.

Controls are named by their path in the item, dotted: ``aliases.0``, ``biosample_relation.1.biosample``.
Array indexes need not be contiguous (the page's script adds and removes entries); they only order the
entries. The server's validation errors carry the same paths (``FieldError.path``), which is how each error
lands next to its control. Nothing here does I/O: the views pass the schema, the values and the errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from docket.errors import FieldError
from docket.model.types import TypeInfo
from docket.services.principal import Principal

PLACEHOLDER = "__i__"
_REQUIRED = re.compile(r"^'([^']+)' is a required property$")
_LONG_TEXT = ("description", "notes", "comment", "comments", "summary", "abstract")


@dataclass
class Field:
    name: str
    title: str
    kind: str
    """text, textarea, integer, number, date, boolean, enum, choice, link, array, object or json."""
    description: str = ""
    required: bool = False
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    link_type: str | None = None
    pattern: str | None = None
    errors: list[str] = field(default_factory=list)
    entries: list[Field] = field(default_factory=list)
    template: Field | None = None
    children: list[Field] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def text(self) -> str:
        """The value as a control shows it."""
        if self.value is None:
            return ""
        if self.kind == "json":
            return self.value if isinstance(self.value, str) else json.dumps(self.value, indent=2)
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)

    def walk(self) -> Iterable[Field]:
        yield self
        for sub in [*self.entries, *self.children]:
            yield from sub.walk()


# -- which fields a user may submit -------------------------------------------------------------------


def submittable(info: TypeInfo, principal: Principal, creating: bool) -> list[str]:
    """The properties a form offers this user, alias first, then required ones, then the schema's lookup order."""
    required = set(info.schema.get("required", []))
    names = []
    for name, spec in info.properties.items():
        if name in info.calculated or name in info.write_only or name in info.server_defaults:
            continue
        if "FFedit-create" in spec.get("exclude_from", []) or name == "schema_version":
            continue
        if name in info.restricted and not principal.is_admin:
            continue
        if name in info.post_only and not creating:
            continue
        names.append(name)
    position = {name: i for i, name in enumerate(info.properties)}

    def order(name: str) -> tuple[int, int, int]:
        first = 0 if name == "aliases" else 1 if name in required else 2
        return (first, info.properties[name].get("lookup", 500), position[name])

    return sorted(names, key=order)


# -- schema -> controls ---------------------------------------------------------------------------------


def build(
    info: TypeInfo,
    names: list[str],
    values: dict[str, Any],
    errors: list[FieldError] | None = None,
    choices: dict[str, list[tuple[str, str]]] | None = None,
) -> tuple[list[Field], list[str]]:
    """The form's fields with values and errors placed, and the errors that belong to no field."""
    required = set(info.schema.get("required", []))
    fields = [_field(name, info.properties[name], values.get(name), name in required, choices or {}) for name in names]
    general = place_errors(fields, errors or [])
    return fields, general


def _field(
    name: str, spec: dict[str, Any], value: Any, required: bool, choices: dict[str, list[tuple[str, str]]]
) -> Field:
    base = Field(
        name=name,
        title=spec.get("title") or name.rsplit(".", 1)[-1].replace("_", " ").capitalize(),
        kind="text",
        description=spec.get("description", ""),
        required=required,
        value=value,
        pattern=spec.get("pattern"),
    )
    kind = spec.get("type")
    top = name.split(".", 1)[0]
    if "." not in name and top in choices:
        base.kind, base.options = "choice", choices[top]
    elif kind == "array":
        items = spec.get("items", {})
        values = value if isinstance(value, list) else []
        if items.get("type") in ("array", None) and "linkTo" not in items and "enum" not in items:
            base.kind = "json"
            return base
        base.kind = "array"
        base.entries = [_field(f"{name}.{i}", items, v, False, choices) for i, v in enumerate(values)]
        if not base.entries:
            base.entries = [_field(f"{name}.0", items, None, False, choices)]
        base.template = _field(f"{name}.{PLACEHOLDER}", items, None, False, choices)
        base.value = None
    elif kind == "object":
        props = spec.get("properties")
        if not props:
            base.kind = "json"
            return base
        base.kind = "object"
        inner = set(spec.get("required", []))
        current = value if isinstance(value, dict) else {}
        base.children = [
            _field(f"{name}.{sub}", sub_spec, current.get(sub), sub in inner, choices)
            for sub, sub_spec in props.items()
        ]
        base.value = None
    elif "linkTo" in spec:
        target = spec["linkTo"]
        base.kind, base.link_type = "link", target if isinstance(target, str) else target[0]
    elif "enum" in spec:
        base.kind, base.options = "enum", [(str(v), str(v)) for v in spec["enum"]]
    elif kind == "boolean":
        base.kind, base.options = "boolean", [("true", "Yes"), ("false", "No")]
    elif kind in ("integer", "number"):
        base.kind = kind
    elif spec.get("format") == "date":
        base.kind = "date"
    elif spec.get("formInput") == "textarea" or name.rsplit(".", 1)[-1] in _LONG_TEXT:
        base.kind = "textarea"
    return base


def place_errors(fields: list[Field], errors: list[FieldError]) -> list[str]:
    """Attach each error to the control its path names, or the nearest enclosing one; return the rest."""
    by_name = {f.name: f for top in fields for f in top.walk()}
    general = []
    for error in errors:
        path = [str(p) for p in error.path]
        description = error.description
        missing = _REQUIRED.match(description)
        if missing:
            path.append(missing[1])
            description = "This field is required."
        target = None
        while path and target is None:
            target = by_name.get(".".join(path))
            path.pop()
        if target is None:
            general.append(error.description)
        else:
            target.errors.append(description)
    return general


# -- posted form -> item body ---------------------------------------------------------------------------


def parse(info: TypeInfo, names: list[str], pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    """The item body the form describes, and the offered fields the form left empty (to delete on edit)."""
    allowed = set(names)
    tree: dict[str, Any] = {}
    present: set[str] = set()
    for key, raw in pairs:
        if key == "_present":
            present.add(raw)
            continue
        parts = key.split(".")
        if parts[0] not in allowed or PLACEHOLDER in parts:
            continue
        _put(tree, parts, raw)
    body = {}
    for name in names:
        if name in tree:
            value = _coerce(info.properties[name], tree[name])
            if value is not None:
                body[name] = value
    emptied = [n for n in names if n in present and n not in body]
    return body, emptied


def _put(tree: dict[str, Any], parts: list[str], raw: str) -> None:
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = raw


def _coerce(spec: dict[str, Any], raw: Any) -> Any:
    kind = spec.get("type")
    if isinstance(raw, dict):
        if kind == "array":
            keys = sorted(raw, key=lambda k: (0, int(k)) if k.isdigit() else (1, 0))
            items = [_coerce(spec.get("items", {}), raw[k]) for k in keys]
            kept = [v for v in items if v is not None]
            return kept or None
        props = spec.get("properties", {})
        obj = {k: _coerce(props.get(k, {}), v) for k, v in raw.items()}
        obj = {k: v for k, v in obj.items() if v is not None}
        return obj or None
    if not isinstance(raw, str):
        return None
    text = raw.replace("\r\n", "\n")
    if not text.strip():
        return None
    if kind in ("array", "object"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text  # the schema then reports it is not an array/object, next to the field
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            return text
    if kind == "number":
        try:
            return float(text.strip())
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.strip().lower(), text)
    return text if spec.get("formInput") == "textarea" or "\n" in text else text.strip()
