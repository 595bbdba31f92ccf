"""``/profiles/``: each type's merged schema as clients read it (Submit4DN, dcicutils, encode_utils)."""

from __future__ import annotations

import copy
from typing import Any

from docket.model.types import Model, TypeInfo
from docket.services.principal import Principal

_CALCULATED = {
    "@id": {"title": "ID", "type": "string", "calculatedProperty": True},
    "@type": {"title": "Type", "type": "array", "items": {"type": "string"}, "calculatedProperty": True},
    "display_title": {"title": "Display Title", "type": "string", "calculatedProperty": True},
}


def profile(model: Model, info: TypeInfo, principal: Principal) -> dict[str, Any]:
    schema = copy.deepcopy(info.schema)
    schema["$id"] = schema["id"] = f"/profiles/{info.item_type}.json"
    schema["@type"] = ["JSONSchema"]
    schema["title"] = schema.get("title", info.name)
    schema.setdefault("identifyingProperties", ["uuid"])
    schema.setdefault("facets", {})
    schema["isAbstract"] = info.abstract
    schema["rdfs:subClassOf"] = f"/profiles/{info.parent}.json" if info.parent else "/profiles/Item.json"
    schema["children"] = [f"/profiles/{model.types[c].item_type}.json" for c in info.subtypes]
    schema["rdfs:seeAlso"] = f"/terms/{info.name}"
    properties = schema.setdefault("properties", {})
    for name, spec in _CALCULATED.items():
        properties.setdefault(name, copy.deepcopy(spec))
    for name, spec in properties.items():
        if name in info.write_only:
            continue
        if spec.get("calculatedProperty") or (name in info.restricted and not principal.is_admin):
            spec["readonly"] = True
    for name in info.write_only:
        properties.pop(name, None)
    return schema


def all_profiles(model: Model, principal: Principal) -> dict[str, Any]:
    result: dict[str, Any] = {name: profile(model, info, principal) for name, info in model.types.items()}
    result["_subtypes"] = {name: info.subtypes for name, info in model.types.items() if info.subtypes}
    return result
