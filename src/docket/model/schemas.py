"""Schema assembly: resolve ``mixinProperties`` and inheritance, then read the snovault keywords.

Pure functions over dicts; the loader calls them once per type at start-up.
"""

from __future__ import annotations

import copy
from typing import Any

from docket.errors import ModelError
from docket.model.types import TypeInfo

SERVER_DEFAULTS = {"uuid4", "accession", "userid", "now"}
_MERGED_LISTS = ("required", "identifyingProperties", "submitterRequired")
# dependentRequired is inherited so a subtype keeps its parent's "give X with Y" rules (4DN Individual.age).
_MERGED_DICTS = ("facets", "columns", "dependentRequired")


def merge_schema(
    own: dict[str, Any], mixins: dict[str, Any], parent: dict[str, Any] | None, where: str
) -> dict[str, Any]:
    """The effective schema of a type: parent, then mixins, then the type's own properties.

    A property named in both a mixin and the type's own ``properties`` is merged key by key, so a
    type can narrow a shared definition (``{"accession": {"accessionType": "BS"}}``).
    """
    base: dict[str, Any] = copy.deepcopy(parent) if parent else {"type": "object", "properties": {}}
    for key in ("$id", "id", "title", "description"):
        base.pop(key, None)
    merged = copy.deepcopy(own)
    properties: dict[str, Any] = dict(base.get("properties", {}))

    from_mixins: dict[str, str] = {}
    for ref in own.get("mixinProperties", []):
        group_name, group = _resolve_mixin(ref, mixins, where)
        for prop, spec in group.items():
            if prop in from_mixins:
                raise ModelError(
                    f"{where}: property {prop!r} comes from both mixins {from_mixins[prop]!r} and {group_name!r}"
                )
            from_mixins[prop] = group_name
            properties[prop] = copy.deepcopy(spec)
    for prop, spec in own.get("properties", {}).items():
        if prop in properties and isinstance(spec, dict) and isinstance(properties[prop], dict):
            properties[prop] = {**properties[prop], **spec}
        else:
            properties[prop] = spec
    merged["properties"] = properties
    merged.pop("mixinProperties", None)

    for key in _MERGED_LISTS:
        combined = list(base.get(key, []))
        combined += [v for v in own.get(key, []) if v not in combined]
        if combined:
            merged[key] = combined
    for key in _MERGED_DICTS:
        combined_dict = {**base.get(key, {}), **own.get(key, {})}
        if combined_dict:
            merged[key] = combined_dict
    merged.setdefault("type", "object")
    merged.setdefault("additionalProperties", base.get("additionalProperties", False))
    merged.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
    return merged


def _resolve_mixin(ref: Any, mixins: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    target = ref.get("$ref", "") if isinstance(ref, dict) else ""
    if not target.startswith("mixins.json#/"):
        raise ModelError(
            f"{where}: mixinProperties entries must look like {{'$ref': 'mixins.json#/<group>'}}, got {ref!r}"
        )
    name = target.split("#/", 1)[1]
    if name not in mixins:
        raise ModelError(f"{where}: unknown mixin group {name!r}")
    group: dict[str, Any] = mixins[name]
    return name, group


def derive_facts(info: TypeInfo) -> None:
    """Fill the derived fields of ``info`` from the snovault keywords of its merged schema."""
    for prop, spec in info.properties.items():
        if not isinstance(spec, dict):
            raise ModelError(f"{info.name}.{prop}: a property definition must be an object")
        if spec.get("calculatedProperty"):
            info.calculated.add(prop)
            link_from = spec.get("linkFrom")
            if link_from:
                source_type, _, source_field = link_from.partition(".")
                info.rev_links[prop] = (source_type, source_field)
            continue
        unique = spec.get("uniqueKey", spec.get("items", {}).get("uniqueKey") if spec.get("type") == "array" else None)
        if unique:
            namespace = f"{info.item_type}:{prop}" if unique is True else str(unique)
            info.unique_keys[prop] = (namespace, spec.get("uniqueKeyFormat", "{}"))
        permission = spec.get("permission")
        if permission:
            info.restricted[prop] = permission
        if spec.get("writeOnly"):
            info.write_only.add(prop)
        if spec.get("requestMethod") == "POST":
            info.post_only.add(prop)
        server_default = spec.get("serverDefault")
        if server_default:
            if server_default not in SERVER_DEFAULTS:
                raise ModelError(f"{info.name}.{prop}: unknown serverDefault {server_default!r}")
            info.server_defaults[prop] = server_default
            if server_default == "accession":
                code = spec.get("accessionType")
                if not code:
                    raise ModelError(f"{info.name}.{prop}: serverDefault 'accession' needs an accessionType")
                info.accession_code = code
    info.submitter_required = list(info.schema.get("submitterRequired", []))
    if info.name_key and info.name_key not in info.properties:
        raise ModelError(f"{info.name}: name_key {info.name_key!r} is not a property")


def validation_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as handed to the JSON Schema validator.

    Identity keys are removed and calculated properties dropped.
    """
    result = {k: v for k, v in schema.items() if k not in ("$id", "id", "mixinProperties")}
    result["properties"] = {
        name: spec for name, spec in schema.get("properties", {}).items() if not spec.get("calculatedProperty")
    }
    return result
