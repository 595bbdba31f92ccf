"""The in-memory data model: item types, their merged schemas and the facts derived from them.

A ``Model`` is built once by ``model.loader`` and is read-only afterwards; every other layer asks it
questions (which types exist, which properties are links, which are unique keys) instead of reading
schema files itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from docket.model.links import LinkField


def snake_case(type_name: str) -> str:
    """``FileFastq`` -> ``file_fastq``; ``ExperimentHiC`` -> ``experiment_hi_c``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type_name).lower()


@dataclass(frozen=True)
class AccessionScheme:
    """How accessions are minted: ``<prefix><type code><length chars from alphabet>``."""

    prefix: str = "4DN"
    alphabet: str = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    length: int = 7

    def pattern(self, codes: list[str]) -> re.Pattern[str]:
        alts = "|".join(sorted(codes)) or "[A-Z]{2}"
        return re.compile(rf"^{re.escape(self.prefix)}({alts})[{re.escape(self.alphabet)}]{{{self.length}}}$")


@dataclass
class TypeInfo:
    """One item type of a model: its name, place in the hierarchy, merged schema and derived facts."""

    name: str
    item_type: str
    collection: str
    parent: str | None
    abstract: bool
    schema: dict[str, Any]
    name_key: str | None = None
    lookup_key: str | None = None
    embedded: list[str] = field(default_factory=list)
    display_title: list[str] = field(default_factory=list)
    base_types: list[str] = field(default_factory=list)
    subtypes: list[str] = field(default_factory=list)
    # derived from the schema
    # property -> (key namespace, value template such as "{}" or "md5:{}")
    unique_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    links: list[LinkField] = field(default_factory=list)
    calculated: set[str] = field(default_factory=set)
    rev_links: dict[str, tuple[str, str]] = field(default_factory=dict)
    restricted: dict[str, str] = field(default_factory=dict)
    write_only: set[str] = field(default_factory=set)
    post_only: set[str] = field(default_factory=set)
    server_defaults: dict[str, str] = field(default_factory=dict)
    accession_code: str | None = None
    submitter_required: list[str] = field(default_factory=list)

    @property
    def type_names(self) -> list[str]:
        """The ``@type`` list: this type, its ancestors, then ``Item``."""
        return [self.name, *self.base_types]

    @property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.schema.get("properties", {})
        return props

    @property
    def has_lab(self) -> bool:
        return "lab" in self.properties

    @property
    def is_accessioned(self) -> bool:
        return self.accession_code is not None


@dataclass
class Model:
    """A whole data model: every type, keyed by type name, plus model-wide settings."""

    name: str
    title: str
    types: dict[str, TypeInfo]
    accession: AccessionScheme
    mixins: dict[str, Any]
    inserts_dir: str | None = None
    inserts_order: list[str] = field(default_factory=list)
    controlled_access: dict[str, Any] = field(default_factory=dict)
    _by_alias: dict[str, str] = field(default_factory=dict)
    _concrete: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for info in self.types.values():
            for alias in (info.name, info.item_type, info.collection, info.name.lower()):
                self._by_alias.setdefault(alias, info.name)
        codes = [t.accession_code for t in self.types.values() if t.accession_code]
        self.accession_pattern = self.accession.pattern(sorted(set(codes)))

    def find_type(self, name: str) -> TypeInfo | None:
        """A type by type name (``FileFastq``), item type (``file_fastq``) or collection (``files-fastq``)."""
        found = self._by_alias.get(name)
        return self.types[found] if found else None

    def concrete_types(self) -> list[TypeInfo]:
        return [t for t in self.types.values() if not t.abstract]

    def concrete_subtypes(self, name: str) -> list[str]:
        """The concrete type names a search for ``name`` covers (itself and every descendant)."""
        found = self._concrete.get(name)
        if found is None:
            info = self.types[name]
            found = [n for n in [name, *info.subtypes] if not self.types[n].abstract]
            self._concrete[name] = found
        return found

    def is_accession(self, value: str) -> bool:
        return bool(self.accession_pattern.match(value))
