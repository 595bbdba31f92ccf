"""The server's profiles, as the workbook tools need them: types by sheet name, type families,
workbook columns, link fields and compiled validators.

Everything comes from ``GET /profiles/``, so the tools work against any snovault-compatible portal
without its model folder; the JSON Schema validation reuses Docket's format checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator

from docket.model.links import LinkField, find_link_fields
from docket.model.schemas import validation_schema
from docket.model.validation import FORMAT_CHECKER

# Submit4DN 5.0.1's sheet order: types are generated and submitted in this order; other types follow.
SHEET_ORDER = [
    "User", "Award", "Lab", "Document", "Protocol", "ExperimentType", "Publication", "Organism", "Vendor",
    "IndividualChicken", "IndividualFly", "IndividualHuman", "IndividualMouse", "IndividualPrimate",
    "IndividualZebrafish", "FileFormat", "Enzyme", "GenomicRegion", "Gene", "BioFeature", "Construct",
    "TreatmentRnai", "TreatmentAgent", "Antibody", "Modification", "Image", "Biosource", "BiosampleCellCulture",
    "Biosample", "FileFastq", "FileProcessed", "FileReference", "FileCalibration", "FileSet", "FileSetCalibration",
    "MicroscopeSettingD1", "MicroscopeSettingD2", "MicroscopeSettingA1", "MicroscopeSettingA2", "FileMicroscopy",
    "FileSetMicroscopeQc", "ImagingPath", "ExperimentMic", "ExperimentMic_Path", "ExperimentHiC",
    "ExperimentCaptureC", "ExperimentRepliseq", "ExperimentAtacseq", "ExperimentChiapet", "ExperimentDamid",
    "ExperimentSeq", "ExperimentTsaseq", "ExperimentSet", "ExperimentSetReplicate", "WorkflowRunSbg",
    "WorkflowRunAwsem", "OntologyTerm",
]  # fmt: skip

# get_field_info's presets, plus the sheets every preset adds.
PRESETS = {
    "hic": ["Image", "FileFastq", "ExperimentHiC"],
    "chipseq": ["Gene", "BioFeature", "Antibody", "FileFastq", "ExperimentSeq"],
    "repliseq": ["FileFastq", "ExperimentRepliseq", "ExperimentSet"],
    "atacseq": ["Enzyme", "FileFastq", "ExperimentAtacseq"],
    "damid": ["Gene", "BioFeature", "FileFastq", "FileProcessed", "ExperimentDamid"],
    "chiapet": ["Gene", "BioFeature", "FileFastq", "ExperimentChiapet"],
    "capturec": ["GenomicRegion", "BioFeature", "FileFastq", "FileReference", "ExperimentCaptureC"],
    "fish": [
        "GenomicRegion", "BioFeature", "Antibody", "MicroscopeSettingA1", "FileMicroscopy", "FileReference",
        "FileProcessed", "ImagingPath", "ExperimentMic",
    ],
    "spt": ["Gene", "BioFeature", "Modification", "MicroscopeSettingA2", "FileProcessed", "ImagingPath", "ExperimentMic"],
}  # fmt: skip
PRESET_COMMON = ["Protocol", "Publication", "Biosource", "Biosample", "BiosampleCellCulture", "Image"]
PRESET_COMMON_SETS = ["ExperimentSetReplicate"]

# Sheets whose new items get the submitter's lab and award when the row gives none (as Submit4DN does).
NO_ATTRIBUTION = {"Lab", "Award", "User", "Organism", "OntologyTerm"}
# Columns experiment sheets carry for their sets (Submit4DN's exp_set_addition, plus experiment_set).
REPLICATE_COLUMNS = ("replicate_set", "bio_rep_no", "tec_rep_no")
EXPERIMENT_SET_COLUMN = "experiment_set"


@dataclass(frozen=True)
class Column:
    """One workbook column: ``name`` is ``field`` or ``field.sub`` (a member of an array of objects)."""

    name: str
    type: str
    required: bool = False
    lookup: int = 500
    description: str = ""
    choices: tuple[str, ...] = ()
    link: str | None = None
    spec: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def header(self) -> str:
        return f"*{self.name}" if self.required else self.name


def field_type(spec: dict[str, Any]) -> str:
    """Submit4DN's row-2 type text for a property."""
    kind = spec.get("type", "")
    if kind == "string":
        if spec.get("linkTo"):
            target = spec["linkTo"]
            return "Item:" + (target if isinstance(target, str) else " or ".join(target))
        links = [str(d["linkTo"]) for d in spec.get("anyOf", []) if isinstance(d, dict) and d.get("linkTo")]
        return "Item:" + " or ".join(links) if links else "string"
    if kind == "array":
        return "array of " + field_type(spec.get("items", {}))
    return str(kind)


def _is_subobject(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "object" or (
        spec.get("type") == "array" and isinstance(spec.get("items"), dict) and spec["items"].get("type") == "object"
    )


def _choices(spec: dict[str, Any]) -> tuple[str, ...]:
    leaf = spec.get("items", {}) if spec.get("type") == "array" else spec
    values = leaf.get("enum") or leaf.get("suggested_enum") or ()
    return tuple(str(v) for v in values)


def _link(spec: dict[str, Any]) -> str | None:
    leaf = spec.get("items", {}) if spec.get("type") == "array" else spec
    target = leaf.get("linkTo")
    return target if isinstance(target, str) else None


class PortalSchemas:
    """The profiles of one portal, keyed by type name, plus what is derived from them."""

    def __init__(self, profiles: dict[str, Any]) -> None:
        self.profiles = {k: v for k, v in profiles.items() if not k.startswith("_") and isinstance(v, dict)}
        self._by_lower = {name.lower(): name for name in self.profiles}
        self._subtypes: dict[str, list[str]] = dict(profiles.get("_subtypes") or {})
        if not self._subtypes:
            self._subtypes = self._subtypes_from_children()
        self._validators: dict[tuple[str, bool], Draft202012Validator] = {}
        self._links: dict[str, list[LinkField]] = {}

    def _subtypes_from_children(self) -> dict[str, list[str]]:
        by_path = {f"/profiles/{p.get('$id', '').rsplit('/', 1)[-1]}": n for n, p in self.profiles.items()}
        parents: dict[str, str] = {}
        for name, profile in self.profiles.items():
            for child in profile.get("children") or []:
                child_name = by_path.get(child)
                if child_name:
                    parents[child_name] = name
        result: dict[str, list[str]] = {}
        for child in parents:
            parent: str | None = parents[child]
            while parent:
                result.setdefault(parent, []).append(child)
                parent = parents.get(parent)
        return result

    def find(self, sheet_name: str) -> str | None:
        """The type a sheet name stands for (case-insensitive, as Submit4DN matches sheets)."""
        name = "ExperimentMic" if sheet_name == "ExperimentMic_Path" else sheet_name
        return self._by_lower.get(name.lower())

    def family(self, type_name: str) -> set[str]:
        """The type and all its subtypes."""
        return {type_name, *self._subtypes.get(type_name, [])}

    def is_a(self, type_name: str, ancestor: str) -> bool:
        return type_name in self.family(ancestor)

    def is_abstract(self, type_name: str) -> bool:
        return bool(self.profiles[type_name].get("isAbstract"))

    def is_experiment(self, type_name: str) -> bool:
        """Experiment sheets carry replicate columns (not sets, not ExperimentType)."""
        if "Experiment" in self.profiles:
            return self.is_a(type_name, "Experiment") and type_name != "Experiment"
        return type_name.startswith("Experiment") and not type_name.startswith(("ExperimentSet", "ExperimentType"))

    def properties(self, type_name: str) -> dict[str, Any]:
        props: dict[str, Any] = self.profiles[type_name].get("properties", {})
        return props

    def required(self, type_name: str) -> list[str]:
        return list(self.profiles[type_name].get("required", []))

    def links(self, type_name: str) -> list[LinkField]:
        if type_name not in self._links:
            self._links[type_name] = find_link_fields(self.properties(type_name))
        return self._links[type_name]

    def validator(self, type_name: str, partial: bool = False) -> Draft202012Validator:
        """A compiled validator; ``partial`` drops ``required`` (for patches, which give only some fields)."""
        key = (type_name, partial)
        if key not in self._validators:
            schema = validation_schema(self.profiles[type_name])
            for name in ("@type", "children", "rdfs:seeAlso", "rdfs:subClassOf", "facets", "columns"):
                schema.pop(name, None)
            if partial:
                schema.pop("required", None)
                schema.pop("dependentRequired", None)
                schema.pop("oneOf", None)
                schema.pop("anyOf", None)
            self._validators[key] = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
        return self._validators[key]

    @cached_property
    def sheet_types(self) -> list[str]:
        """Every concrete type, in Submit4DN's sheet order, then by name."""
        ordered = [t for t in SHEET_ORDER if t in self.profiles]
        rest = sorted(t for t in self.profiles if t not in ordered)
        return [t for t in ordered + rest if not self.is_abstract(t)]

    def sheet_rank(self, type_name: str) -> int:
        try:
            return SHEET_ORDER.index(type_name)
        except ValueError:
            return len(SHEET_ORDER)

    def columns(self, type_name: str, admin: bool = False, choices: dict[str, list[str]] | None = None) -> list[Column]:
        """The workbook columns of a type, by get_field_info's rules, sorted by ``lookup`` then name."""
        required = set(self.required(type_name))
        found = _columns(self.properties(type_name), required, admin, parent="")
        if self.is_experiment(type_name):
            found += [
                Column("replicate_set", "Item:ExperimentSetReplicate", True, 3, "Grouping for replicate experiments",
                       link="ExperimentSetReplicate"),
                Column("bio_rep_no", "integer", True, 4, "Biological replicate number", spec={"type": "integer"}),
                Column("tec_rep_no", "integer", True, 5, "Technical replicate number", spec={"type": "integer"}),
            ]  # fmt: skip
        extra = self.properties(type_name).get("extra_files")
        offered = isinstance(extra, dict) and "submit4dn" not in extra.get("exclude_from", [])
        if offered and not any(c.name == "extra_files.filename" for c in found):
            found.append(
                Column("extra_files.filename", "array of embedded objects, string", False, 401,
                       "Full path to an extra file to upload", spec={"type": "string"})
            )  # fmt: skip
        if choices:
            found = [
                Column(c.name, c.type, c.required, c.lookup, c.description, tuple(choices[c.name]), c.link, c.spec)
                if c.name in choices
                else c
                for c in found
            ]
        return sorted(found, key=lambda c: (c.lookup, c.header))


def _columns(properties: dict[str, Any], required: set[str], admin: bool, parent: str) -> list[Column]:
    found: list[Column] = []
    for name, spec in properties.items():
        if not isinstance(spec, dict) or spec.get("calculatedProperty"):
            continue
        if "submit4dn" in spec.get("exclude_from", []):
            continue
        if "import_items" in str(spec.get("permission", "")) and not admin:
            continue
        if _is_subobject(spec) and name != "attachment" and not parent:
            if spec.get("type") == "array":
                found += _columns(spec["items"].get("properties", {}), required, admin, parent=name)
            # Plain object properties cannot be written in a workbook (they crash Submit4DN); leave them out.
            continue
        full = f"{parent}.{name}" if parent else name
        kind = field_type(spec)
        if parent:
            kind = f"array of embedded objects, {kind}"
        found.append(
            Column(
                full,
                kind,
                full in required,
                int(spec.get("lookup", 500)),
                str(spec.get("description", "")),
                _choices(spec),
                _link(spec),
                spec,
            )
        )
    return found
