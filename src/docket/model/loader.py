"""Load a data model folder into a ``Model``.

A model folder holds ``model.json`` (model-wide settings and the list of types), ``mixins.json``
(shared property groups) and one JSON Schema per type. ``model.json``::

    {"name": "4dn", "title": "...", "accession": {"prefix": "4DN"},
     "types": {"Lab": {"collection": "labs", "name_key": "name"},
               "File": {"collection": "files", "abstract": true},
               "FileFastq": {"collection": "files-fastq", "parent": "File", "name_key": "accession"}},
     "inserts": "inserts", "inserts_order": ["Lab", "Award"]}

A type's schema file defaults to ``<item_type>.json``. A subtype inherits its parent's properties,
required list and facets, then applies its own mixins and properties on top.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from docket.errors import ModelError
from docket.model.links import find_link_fields
from docket.model.schemas import derive_facts, merge_schema
from docket.model.types import AccessionScheme, Model, TypeInfo, snake_case

BUILTIN_MODELS = ("4dn",)


def model_path(name_or_path: str) -> Path:
    """A model given by the name of a shipped model or by a folder path."""
    candidate = Path(name_or_path)
    if candidate.is_dir():
        return candidate
    shipped = Path(str(resources.files("docket") / "models" / name_or_path))
    if shipped.is_dir():
        return shipped
    raise ModelError(f"No data model named or found at {name_or_path!r} (shipped models: {', '.join(BUILTIN_MODELS)})")


@lru_cache(maxsize=8)
def load_model(name_or_path: str = "4dn") -> Model:
    folder = model_path(name_or_path)
    manifest = _read_json(folder / "model.json")
    mixins = _read_json(folder / "mixins.json") if (folder / "mixins.json").exists() else {}
    declared: dict[str, dict[str, Any]] = manifest.get("types", {})
    if not declared:
        raise ModelError(f"{folder / 'model.json'}: 'types' is empty")

    order = _parents_first(declared, folder)
    types: dict[str, TypeInfo] = {}
    for name in order:
        spec = declared[name]
        item_type = snake_case(name)
        schema_file = folder / spec.get("schema", f"{item_type}.json")
        own = _read_json(schema_file) if schema_file.exists() else {"type": "object", "properties": {}}
        parent = spec.get("parent")
        parent_schema = types[parent].schema if parent else None
        schema = merge_schema(own, mixins, parent_schema, where=str(schema_file))
        schema.setdefault("title", name)
        schema["$id"] = f"/profiles/{item_type}.json"
        info = TypeInfo(
            name=name,
            item_type=item_type,
            collection=spec.get("collection", item_type.replace("_", "-") + "s"),
            parent=parent,
            abstract=bool(spec.get("abstract", False)),
            schema=schema,
            name_key=spec.get("name_key"),
            lookup_key=spec.get("lookup_key"),
            embedded=list(spec.get("embedded", [])),
            display_title=list(spec.get("display_title", [])),
            base_types=([parent, *types[parent].base_types] if parent else ["Item"]),
        )
        derive_facts(info)
        info.links = find_link_fields(info.properties)
        types[name] = info

    for info in types.values():
        for ancestor in info.base_types:
            if ancestor in types:
                types[ancestor].subtypes.append(info.name)
    _check_links(types, folder)

    accession = AccessionScheme(**manifest.get("accession", {}))
    inserts = manifest.get("inserts")
    return Model(
        name=manifest.get("name", folder.name),
        title=manifest.get("title", folder.name),
        types=types,
        accession=accession,
        mixins=mixins,
        inserts_dir=str(folder / inserts) if inserts else None,
        inserts_order=list(manifest.get("inserts_order", [])),
        controlled_access=manifest.get("controlled_access", {}),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path}: expected a JSON object")
    return data


def _parents_first(declared: dict[str, dict[str, Any]], folder: Path) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ModelError(f"{folder / 'model.json'}: type hierarchy loops through {name!r}")
        visiting.add(name)
        parent = declared[name].get("parent")
        if parent is not None:
            if parent not in declared:
                raise ModelError(f"{folder / 'model.json'}: {name!r} has unknown parent {parent!r}")
            visit(parent)
        order.append(name)

    for name in declared:
        visit(name)
    return order


def _check_links(types: dict[str, TypeInfo], folder: Path) -> None:
    for info in types.values():
        for link in info.links:
            for target in link.targets:
                if target not in types:
                    raise ModelError(f"{folder}: {info.name}.{link.name} links to unknown type {target!r}")
        for prop, (source_type, _field) in info.rev_links.items():
            if source_type not in types:
                raise ModelError(f"{folder}: {info.name}.{prop} is a reverse link from unknown type {source_type!r}")
