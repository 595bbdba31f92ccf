"""The shipped 4DN model: every type Submit4DN asks for exists, and no schema can crash it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from docket.model.loader import load_model
from docket.model.schemas import validation_schema
from docket.model.types import Model

# Submit4DN 5.0.1 sheet_order, minus ExperimentMic_Path (a sheet alias posted as ExperimentMic).
SHEET_ORDER = """
    User Award Lab Document Protocol ExperimentType Publication Organism Vendor IndividualChicken
    IndividualFly IndividualHuman IndividualMouse IndividualPrimate IndividualZebrafish FileFormat
    Enzyme GenomicRegion Gene BioFeature Construct TreatmentRnai TreatmentAgent Antibody Modification
    Image Biosource BiosampleCellCulture Biosample FileFastq FileProcessed FileReference FileCalibration
    FileSet FileSetCalibration MicroscopeSettingD1 MicroscopeSettingD2 MicroscopeSettingA1
    MicroscopeSettingA2 FileMicroscopy FileSetMicroscopeQc ImagingPath ExperimentMic ExperimentHiC
    ExperimentCaptureC ExperimentRepliseq ExperimentAtacseq ExperimentChiapet ExperimentDamid
    ExperimentSeq ExperimentTsaseq ExperimentSet ExperimentSetReplicate WorkflowRunSbg WorkflowRunAwsem
    OntologyTerm
""".split()  # noqa: SIM905 - a compact block is easier to compare with Submit4DN's list
SEED_TABLE = """
    AnalysisStep QualityMetricBamqc QualityMetricFastqc QualityMetricFlag QualityMetricPairsqc SopMap
    SummaryStatistic SummaryStatisticHiC TreatmentChemical WorkflowMapping WorkflowRun
    PublicationTracking FileFasta GenomicRegion ImagingPath
""".split()  # noqa: SIM905 - a compact block is easier to compare with Submit4DN's list
FILE_SHEETS = ["FileFastq", "FileProcessed", "FileReference", "FileCalibration", "FileMicroscopy"]


def _object_nodes(spec: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if spec.get("type") == "object" or "properties" in spec:
        yield path, spec
        for name, child in (spec.get("properties") or {}).items():
            yield from _object_nodes(child, f"{path}.{name}")
    if spec.get("type") == "array" and isinstance(spec.get("items"), dict):
        yield from _object_nodes(spec["items"], f"{path}[]")


def _submittable(spec: dict[str, Any]) -> bool:
    return not spec.get("calculatedProperty") and "submit4dn" not in spec.get("exclude_from", [])


def test_every_merged_schema_is_a_valid_draft_2020_12_schema(model: Model) -> None:
    for info in model.types.values():
        Draft202012Validator.check_schema(info.schema)
        Draft202012Validator.check_schema(validation_schema(info.schema))


def test_every_submit4dn_sheet_type_exists_and_is_concrete(model: Model) -> None:
    missing = [name for name in SHEET_ORDER + SEED_TABLE if name not in model.types]
    assert missing == []
    assert [name for name in SHEET_ORDER if model.types[name].abstract] == []


def test_type_hierarchy_gives_4dn_at_type_lists(model: Model) -> None:
    assert model.types["ExperimentHiC"].type_names == ["ExperimentHiC", "Experiment", "Item"]
    assert model.types["ExperimentSetReplicate"].type_names == [
        "ExperimentSetReplicate",
        "ExperimentSet",
        "Item",
    ]
    assert model.types["FileFastq"].type_names == ["FileFastq", "File", "Item"]
    assert model.types["IndividualHuman"].type_names == ["IndividualHuman", "Individual", "Item"]
    assert model.types["TreatmentAgent"].type_names == ["TreatmentAgent", "Treatment", "Item"]
    assert model.types["MicroscopeSettingA2"].type_names == [
        "MicroscopeSettingA2",
        "MicroscopeSetting",
        "Item",
    ]
    assert model.types["QualityMetricFastqc"].type_names == ["QualityMetricFastqc", "QualityMetric", "Item"]
    assert model.types["WorkflowRunSbg"].type_names == ["WorkflowRunSbg", "WorkflowRun", "Item"]
    abstract = {t.name for t in model.types.values() if t.abstract}
    assert abstract == {"Experiment", "File", "Individual", "Treatment", "MicroscopeSetting", "QualityMetric"}


@pytest.mark.parametrize(
    ("name", "collection"),
    [
        ("ExperimentHiC", "experiments-hi-c"), ("ExperimentSetReplicate", "experiment-set-replicates"),
        ("FileProcessed", "files-processed"), ("FileSetMicroscopeQc", "file-set-microscope-qcs"),
        ("IndividualHuman", "individuals-human"), ("MicroscopeSettingD1", "microscope-settings-d1"),
        ("QualityMetricFlag", "quality-metric-flags"), ("SummaryStatisticHiC", "summary-statistics-hi-c"),
        ("Antibody", "antibodys"), ("OntologyTerm", "ontology-terms"), ("BioFeature", "bio-features"),
    ],
)  # fmt: skip
def test_collection_names_follow_4dn(model: Model, name: str, collection: str) -> None:
    assert model.types[name].collection == collection


def test_accession_codes_follow_4dn(model: Model) -> None:
    codes = {t.name: t.accession_code for t in model.types.values() if t.accession_code}
    expected_prefix = {
        "Experiment": "EX",
        "ExperimentSet": "ES",
        "File": "FI",
        "FileSet": "FS",
        "Individual": "IN",
    }
    for name, code in codes.items():
        for ancestor in model.types[name].type_names:
            if ancestor in expected_prefix:
                assert code == expected_prefix[ancestor], name
    assert codes["Biosample"] == "BS" and codes["Biosource"] == "SR" and codes["Workflow"] == "WF"
    for name in (
        "Lab",
        "Award",
        "Vendor",
        "Enzyme",
        "ExperimentType",
        "FileFormat",
        "Organism",
        "OntologyTerm",
    ):
        assert not model.types[name].is_accessioned
    assert model.is_accession("4DNSRV3SKQ8M")


def test_no_submittable_plain_object_property(model: Model) -> None:
    """Submit4DN's import_data crashes on a single (non-array) object column other than an attachment."""
    offenders = []
    for info in model.types.values():
        for name, spec in info.properties.items():
            if spec.get("type") != "object" or spec.get("calculatedProperty"):
                continue
            if name == "attachment" and spec.get("attachment"):
                continue
            excluded = "submit4dn" in spec.get("exclude_from", [])
            if not (excluded and spec.get("permission") == "import_items"):
                offenders.append(f"{info.name}.{name}")
    assert offenders == []


def test_every_object_schema_has_properties(model: Model) -> None:
    """get_field_info raises KeyError on an object (or array of objects) without ``properties``."""
    missing = [
        f"{info.name}{path}"
        for info in model.types.values()
        for name, spec in info.properties.items()
        for path, node in _object_nodes(spec, f".{name}")
        if not isinstance(node.get("properties"), dict)
    ]
    assert missing == []


def test_sheet_columns_are_flat_enough_for_submit4dn(model: Model) -> None:
    """Submit4DN flattens arrays of objects one level; a submittable object nested deeper cannot be filled."""
    deep = []
    for name in SHEET_ORDER:
        for prop, spec in model.types[name].properties.items():
            if not _submittable(spec) or spec.get("type") != "array":
                continue
            for child, child_spec in (spec["items"].get("properties") or {}).items():
                nested = child_spec.get("type") == "object" or child_spec.get("items", {}).get("type") == "object"
                if nested and _submittable(child_spec):
                    deep.append(f"{name}.{prop}.{child}")
    assert deep == []


def test_file_and_experiment_sheets_have_what_get_field_info_reads(model: Model) -> None:
    for name in FILE_SHEETS:
        props = model.types[name].properties
        assert "file_format" in props
        assert _submittable(props["filename"]), f"{name}.filename must be a workbook column"
        assert props["status"]["default"] == "uploading"
        assert {"uploading", "uploaded", "upload failed", "released"} <= set(props["status"]["enum"])
    for name in model.concrete_subtypes("Experiment"):
        info = model.types[name]
        assert {"experiment_type", "biosample"} <= set(info.schema["required"]), name
        assert info.properties["experiment_type"]["linkTo"] == "ExperimentType"


def test_link_targets_name_keys_and_lookup_keys_exist(model: Model) -> None:
    for info in model.types.values():
        if info.lookup_key:
            assert info.lookup_key in info.properties, info.name
        for link in info.links:
            assert all(target in model.types for target in link.targets)


def test_reverse_links_name_a_real_link_field(model: Model) -> None:
    for info in model.types.values():
        for prop, (source_type, field) in info.rev_links.items():
            source = model.types[source_type]
            targets = [link.targets for link in source.links if link.name == field]
            assert targets, f"{info.name}.{prop}: {source_type} has no link field {field!r}"
            assert any(set(t) & set(info.type_names) for t in targets), f"{info.name}.{prop} does not point back"


def test_replicate_set_and_experiment_shape(model: Model) -> None:
    replicate = model.types["ExperimentSetReplicate"].properties["replicate_exps"]["items"]
    assert replicate["properties"]["replicate_exp"]["linkTo"] == "Experiment"
    assert set(replicate["required"]) == {"replicate_exp", "bio_rep_no", "tec_rep_no"}
    assert model.types["ExperimentSet"].properties["experiments_in_set"]["items"]["linkTo"] == "Experiment"
    assert model.types["Experiment"].rev_links["experiment_sets"] == ("ExperimentSet", "experiments_in_set")
    assert model.types["Biosource"].properties["individual"]["linkTo"] == "Individual"
    protected = model.types["IndividualHuman"].properties["protected_data"]
    assert protected["type"] == "boolean" and protected["default"] is True
    assert "access_group" in model.types["Individual"].properties


def test_subtypes_inherit_dependent_required(model: Model, validators: Any) -> None:
    info = model.types["ExperimentHiC"]
    assert info.schema["dependentRequired"]["biosample_quantity"] == ["biosample_quantity_units"]
    assert info.schema["dependentRequired"]["digestion_time"] == ["digestion_enzyme", "digestion_temperature"]
    human = model.types["IndividualHuman"]
    errors = validators.validate(human, {"organism": "x", "lab": "x", "award": "x", "age": 3})
    assert any("age_units" in e.description for e in errors)


def test_loading_is_cached_and_stable() -> None:
    assert load_model("4dn") is load_model("4dn")


def test_embedded_and_display_title_name_real_properties(model: Model) -> None:
    for info in model.types.values():
        link_names = {link.name for link in info.links}
        assert [e for e in info.embedded if e not in link_names] == [], info.name
        for rule in info.display_title:
            names = re.findall(r"{(\w+)}", rule) or [rule]
            assert all(n in info.properties for n in names), (info.name, rule)
