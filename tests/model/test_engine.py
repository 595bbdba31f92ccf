"""The model engine on small hand-made models: mixins, inheritance, keywords and validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docket.errors import ModelError
from docket.model.loader import load_model
from docket.model.validation import Validators


def _write_model(folder: Path, types: dict, schemas: dict, mixins: dict | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps({"name": "t", "accession": {"prefix": "TST"}, "types": types}))
    (folder / "mixins.json").write_text(json.dumps(mixins or {}))
    for name, schema in schemas.items():
        (folder / f"{name}.json").write_text(json.dumps(schema))
    return str(folder)


def test_mixins_inheritance_and_derived_facts(tmp_path: Path) -> None:
    mixins = {
        "ident": {
            "uuid": {"type": "string", "serverDefault": "uuid4"},
            "aliases": {"type": "array", "items": {"type": "string", "uniqueKey": "alias"}},
        }
    }
    schemas = {
        "thing": {
            "mixinProperties": [{"$ref": "mixins.json#/ident"}],
            "required": ["a"],
            "properties": {
                "a": {"type": "string", "uniqueKey": True},
                "accession": {"type": "string", "serverDefault": "accession", "accessionType": "TH"},
                "friend": {"type": "string", "linkTo": "Thing"},
            },
        },
        "sub_thing": {"required": ["b"], "properties": {"b": {"type": "integer"}, "a": {"description": "narrowed"}}},
    }
    types = {"Thing": {"abstract": True}, "SubThing": {"parent": "Thing", "name_key": "accession"}}
    model = load_model(_write_model(tmp_path / "m1", types, schemas, mixins))
    sub = model.types["SubThing"]
    assert sub.type_names == ["SubThing", "Thing", "Item"]
    assert sub.schema["required"] == ["a", "b"]
    assert sub.properties["a"] == {"type": "string", "uniqueKey": True, "description": "narrowed"}
    assert sub.unique_keys == {"aliases": ("alias", "{}"), "a": ("sub_thing:a", "{}")}
    assert sub.accession_code == "TH"
    assert [link.name for link in sub.links] == ["friend"]
    assert model.concrete_subtypes("Thing") == ["SubThing"]
    assert model.is_accession("TSTTH1234567") and not model.is_accession("TSTXX1234567")


def test_conflicting_mixins_and_unknown_links_are_model_errors(tmp_path: Path) -> None:
    mixins = {"one": {"x": {"type": "string"}}, "two": {"x": {"type": "integer"}}}
    schemas = {"thing": {"mixinProperties": [{"$ref": "mixins.json#/one"}, {"$ref": "mixins.json#/two"}]}}
    with pytest.raises(ModelError, match="comes from both mixins"):
        load_model(_write_model(tmp_path / "m2", {"Thing": {}}, schemas, mixins))
    schemas = {"thing": {"properties": {"y": {"type": "string", "linkTo": "Ghost"}}}}
    with pytest.raises(ModelError, match="unknown type 'Ghost'"):
        load_model(_write_model(tmp_path / "m3", {"Thing": {}}, schemas))


def test_validation_reports_every_error_with_its_path() -> None:
    model = load_model("4dn")
    errors = Validators(model).validate(
        model.types["Biosample"],
        {"biosource": [1], "biosample_relation": [{"relationship_type": "sibling"}], "extra": True},
    )
    found = {(e.name, e.description) for e in errors}
    assert ("Schema: biosource.0", "1 is not of type 'string'") in found
    assert ("Schema: biosample_relation.0", "'biosample' is a required property") in found
    assert (
        "Schema: biosample_relation.0.relationship_type",
        "'sibling' is not one of ['derived from', 'parent of']",
    ) in found
    assert ("Schema: ", "Additional properties are not allowed ('extra' was unexpected)") in found
    assert ("Schema: ", "'lab' is a required property") in found


def test_unknown_model_name_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="No data model named"):
        load_model("no-such-model")
