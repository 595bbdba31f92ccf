"""Every concrete type has a valid example: an insert, or a factory in examples.py."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from docket.model.links import LinkField, iter_links, map_links
from docket.model.types import Model, TypeInfo
from docket.model.validation import Validators
from tests.model.examples import EXAMPLES


def with_defaults(info: TypeInfo, item: dict[str, Any]) -> dict[str, Any]:
    """Top-level schema defaults filled in, as the server does before checking ``required``."""
    filled = dict(item)
    for name, spec in info.properties.items():
        if "default" in spec and name not in filled and not spec.get("calculatedProperty"):
            filled[name] = spec["default"]
    return filled


def as_stored(info: TypeInfo, item: dict[str, Any]) -> dict[str, Any]:
    """The item with every link identifier replaced by a (fake, deterministic) uuid, then defaults."""

    def fake_uuid(_link: LinkField, _path: Any, value: Any) -> Any:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, value)) if isinstance(value, str) else value

    return with_defaults(info, map_links(item, info.links, fake_uuid))


def load_inserts(model: Model) -> dict[str, list[dict[str, Any]]]:
    assert model.inserts_dir is not None
    folder = Path(model.inserts_dir)
    return {
        name: json.loads((folder / f"{model.types[name].item_type}.json").read_text()) for name in model.inserts_order
    }


def test_every_concrete_type_has_an_example(model: Model) -> None:
    covered = set(EXAMPLES) | set(model.inserts_order)
    assert [t.name for t in model.concrete_types() if t.name not in covered] == []
    assert [name for name in EXAMPLES if name not in model.types or model.types[name].abstract] == []


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_is_valid(model: Model, validators: Validators, name: str) -> None:
    info = model.types[name]
    errors = validators.validate(info, as_stored(info, EXAMPLES[name]()))
    assert errors == []


NO_TEC_REP_NO = {"replicate_exp": "test-lab:hic1", "bio_rep_no": 1}


@pytest.mark.parametrize(
    ("name", "bad", "field"),
    [
        ("ExperimentHiC", {"biosample": None}, "biosample"),
        ("ExperimentHiC", {"digestion_temperature": None}, "digestion_temperature"),
        ("ExperimentSetReplicate", {"replicate_exps": [NO_TEC_REP_NO]}, "tec_rep_no"),
        ("FileFastq", {"paired_end": "3"}, "paired_end"),
        ("FileFastq", {"md5sum": "not-a-md5"}, "md5sum"),
        ("IndividualHuman", {"age_units": None}, "age_units"),
        ("Biosample", {"biosource": []}, "biosource"),
        ("Publication", {"ID": "12345"}, "ID"),
        ("Document", {"attachment": {"download": "x.exe", "type": "application/x-msdownload"}}, "type"),
    ],
)  # fmt: skip
def test_bad_variants_are_rejected(
    model: Model, validators: Validators, name: str, bad: dict[str, Any], field: str
) -> None:
    info = model.types[name]
    item = EXAMPLES[name](**bad)
    item = {k: v for k, v in item.items() if v is not None}
    errors = validators.validate(info, as_stored(info, item))
    assert errors, f"{name} accepted {bad}"
    assert any(field in e.description or field in e.name for e in errors), errors


def test_inserts_are_valid(model: Model, validators: Validators) -> None:
    for name, items in load_inserts(model).items():
        info = model.types[name]
        for item in items:
            assert validators.validate(info, as_stored(info, item)) == [], (name, item.get("uuid"))


def test_insert_links_resolve_to_earlier_inserts(model: Model) -> None:
    """Inserts load in inserts_order; each link must name an insert of the right type already loaded."""
    known: dict[str, set[str]] = {}  # identifier -> type names of the item it names
    uuids: set[str] = set()
    for name, items in load_inserts(model).items():
        info = model.types[name]
        for item in items:
            assert item["uuid"] not in uuids, f"duplicate insert uuid {item['uuid']}"
            uuids.add(item["uuid"])
            identifiers = [item["uuid"], *item.get("aliases", [])]
            identifiers += [
                item[key] for key in (info.name_key, info.lookup_key, *info.unique_keys) if key and key in item
            ]
            for ident in identifiers:
                if not isinstance(ident, list):
                    known.setdefault(ident, set()).update(info.type_names)
        for item in items:
            for link, _path, value in iter_links(item, info.links):
                assert value in known, f"{name} {item['uuid']}: {link.name}={value!r} is not an earlier insert"
                assert known[value] & set(link.targets), f"{name}.{link.name}={value!r} has the wrong type"


def test_insert_valid_item_types_name_real_types(model: Model) -> None:
    inserts = load_inserts(model)
    for fmt in inserts["FileFormat"]:
        for name in fmt["valid_item_types"]:
            assert "File" in model.types[name].base_types, (fmt["file_format"], name)
    titles = [et["title"] for et in inserts["ExperimentType"]]
    assert len(titles) == len(set(titles)), "ExperimentType titles are a lookup key and must be unique"
    for et in inserts["ExperimentType"]:
        for name in et["valid_item_types"]:
            assert "Experiment" in model.types[name].base_types, (et["title"], name)
    covered = {name for et in inserts["ExperimentType"] for name in et["valid_item_types"]}
    assert covered == set(model.concrete_subtypes("Experiment"))
    file_sheets = {"FileFastq", "FileProcessed", "FileReference", "FileCalibration", "FileMicroscopy"}
    assert file_sheets <= {name for fmt in inserts["FileFormat"] for name in fmt["valid_item_types"]}
