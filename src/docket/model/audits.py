"""Audits: checks on an item's content that schema validation cannot express.

An audit is a generator ``(item, lookup) -> Iterator[Finding]``. ``item`` is the item's object frame (links
as uuids or ``@id`` strings, whichever the caller uses consistently); ``lookup`` returns a linked item by
that same link value, or ``None`` if it cannot be found. Linked items should carry ``@type`` (as the object
frame does) where an audit needs to know their type. Audits never do I/O themselves: the caller decides
where linked items come from, which keeps them testable with plain dicts.

``run_audits`` applies every audit registered for any name in the item's ``@type`` list, so an audit
registered for ``ExperimentSet`` also runs on ``ExperimentSetReplicate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]
Lookup = Callable[[str], dict[str, Any] | None]
AuditFn = Callable[[dict[str, Any], Lookup], Iterator["Finding"]]

LEVELS = ("ERROR", "NOT_COMPLIANT", "WARNING", "INTERNAL_ACTION")


@dataclass(frozen=True)
class Finding:
    """One audit result. ``path`` points into the audited item (``("replicate_exps", 2)``)."""

    level: str
    category: str
    detail: str
    path: Path = ()

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown audit level {self.level!r}; expected one of {', '.join(LEVELS)}")


# --- ExperimentSetReplicate -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Replicate:
    index: int
    experiment: str
    bio_rep_no: int
    tec_rep_no: int
    biosample: str | None
    biosources: frozenset[str] | None


def _replicates(item: dict[str, Any], lookup: Lookup) -> list[_Replicate]:
    """The set's replicate entries with each experiment's biosample and that biosample's biosources."""
    found = []
    for index, entry in enumerate(item.get("replicate_exps") or []):
        experiment_id = entry.get("replicate_exp")
        if not isinstance(experiment_id, str):
            continue
        experiment = lookup(experiment_id)
        biosample_id = experiment.get("biosample") if experiment else None
        biosample = lookup(biosample_id) if isinstance(biosample_id, str) else None
        biosources = frozenset(biosample.get("biosource") or []) if biosample else None
        found.append(
            _Replicate(
                index=index,
                experiment=experiment_id,
                bio_rep_no=entry.get("bio_rep_no"),
                tec_rep_no=entry.get("tec_rep_no"),
                biosample=biosample_id if isinstance(biosample_id, str) else None,
                biosources=biosources,
            )
        )
    return found


def audit_replicate_numbers(item: dict[str, Any], lookup: Lookup) -> Iterator[Finding]:
    """Each (bio_rep_no, tec_rep_no) pair names one experiment; fewer than two bio replicates is weak."""
    seen: dict[tuple[Any, Any], int] = {}
    bio_reps = set()
    for index, entry in enumerate(item.get("replicate_exps") or []):
        pair = (entry.get("bio_rep_no"), entry.get("tec_rep_no"))
        bio_reps.add(pair[0])
        if pair in seen:
            yield Finding(
                "ERROR",
                "duplicate replicate numbers",
                f"Replicate numbers bio {pair[0]} / tec {pair[1]} are used by entries {seen[pair]} and {index}.",
                ("replicate_exps", index),
            )
        else:
            seen[pair] = index
    if len(bio_reps) < 2:
        yield Finding(
            "WARNING",
            "missing biological replicates",
            f"The set has {len(bio_reps)} biological replicate(s); at least two are expected.",
            ("replicate_exps",),
        )


def audit_replicate_biosamples(item: dict[str, Any], lookup: Lookup) -> Iterator[Finding]:
    """Technical replicates share a biosample; biological ones differ in biosample but share a biosource."""
    replicates = _replicates(item, lookup)

    by_bio_rep: dict[Any, list[_Replicate]] = defaultdict(list)
    for rep in replicates:
        by_bio_rep[rep.bio_rep_no].append(rep)
    for bio_rep_no, reps in sorted(by_bio_rep.items(), key=lambda kv: str(kv[0])):
        samples = {r.biosample for r in reps if r.biosample}
        if len(samples) > 1:
            yield Finding(
                "ERROR",
                "inconsistent technical replicates",
                f"Technical replicates of biological replicate {bio_rep_no} use {len(samples)} different "
                f"biosamples; they must share one.",
                ("replicate_exps", reps[-1].index),
            )

    owner: dict[str, Any] = {}
    for rep in replicates:
        if rep.biosample is None:
            continue
        first = owner.setdefault(rep.biosample, rep.bio_rep_no)
        if first != rep.bio_rep_no:
            yield Finding(
                "ERROR",
                "inconsistent biological replicates",
                f"Biological replicates {first} and {rep.bio_rep_no} use the same biosample {rep.biosample}; "
                f"biological replicates need separately prepared biosamples.",
                ("replicate_exps", rep.index),
            )

    sources = {rep.biosources for rep in replicates if rep.biosources is not None}
    if len(sources) > 1:
        yield Finding(
            "ERROR",
            "inconsistent replicate biosource",
            "Experiments in this replicate set come from different biosources; all replicates must "
            "share one biosource.",
            ("replicate_exps",),
        )


# --- Biosample / Individual -------------------------------------------------------------------------


def _is_human_individual(individual: dict[str, Any]) -> bool:
    return "IndividualHuman" in (individual.get("@type") or [])


def audit_biosample_controlled_access(item: dict[str, Any], lookup: Lookup) -> Iterator[Finding]:
    """Material from a human donor must come from an individual marked for controlled access.

    ``protected_data`` defaults to true in the schema, so only an explicit ``false`` (donor consented to
    open release) counts as unmarked; open human data must be a deliberate, reviewed choice.
    """
    for index, biosource_id in enumerate(item.get("biosource") or []):
        biosource = lookup(biosource_id) if isinstance(biosource_id, str) else None
        individual_id = biosource.get("individual") if biosource else None
        individual = lookup(individual_id) if isinstance(individual_id, str) else None
        if individual is None or not _is_human_individual(individual):
            continue
        if individual.get("protected_data", True) is not True:
            yield Finding(
                "ERROR",
                "human data not controlled access",
                f"Biosource {biosource_id} comes from human individual {individual_id}, which is not marked "
                f"for controlled access (protected_data is false).",
                ("biosource", index),
            )


def audit_individual_access_group(item: dict[str, Any], lookup: Lookup) -> Iterator[Finding]:
    """A controlled-access donor needs an access group before its data can be shared with anyone."""
    if item.get("protected_data", True) is True and not item.get("access_group"):
        yield Finding(
            "INTERNAL_ACTION",
            "missing access group",
            "This human individual is controlled access but has no access_group yet.",
            ("access_group",),
        )


AUDITS: dict[str, list[AuditFn]] = {
    "ExperimentSetReplicate": [audit_replicate_numbers, audit_replicate_biosamples],
    "Biosample": [audit_biosample_controlled_access],
    "IndividualHuman": [audit_individual_access_group],
}


def run_audits(type_names: list[str], item: dict[str, Any], lookup: Lookup) -> list[Finding]:
    """Every finding of every audit registered for a name in ``type_names`` (the item's ``@type``)."""
    findings: list[Finding] = []
    done: set[AuditFn] = set()
    for name in type_names:
        for audit in AUDITS.get(name, []):
            if audit in done:
                continue
            done.add(audit)
            findings.extend(audit(item, lookup))
    return findings
