"""Audits over plain dicts: each rule fires on a crafted bad item and stays silent on a good one."""

from __future__ import annotations

from typing import Any

import pytest

from docket.model.audits import AUDITS, Finding, run_audits

REPLICATE_TYPES = ["ExperimentSetReplicate", "ExperimentSet", "Item"]
BIOSAMPLE_TYPES = ["Biosample", "Item"]


class World:
    """A tiny store: items by id, and the lookup function audits receive."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, ident: str, types: list[str], **fields: Any) -> str:
        self.items[ident] = {"@id": ident, "@type": types, **fields}
        return ident

    def lookup(self, ident: str) -> dict[str, Any] | None:
        return self.items.get(ident)

    def experiment(self, ident: str, biosample: str) -> str:
        return self.add(ident, ["ExperimentHiC", "Experiment", "Item"], biosample=biosample)

    def biosample(self, ident: str, *biosources: str) -> str:
        return self.add(ident, BIOSAMPLE_TYPES, biosource=list(biosources))


def replicate_set(*entries: tuple[str, int, int]) -> dict[str, Any]:
    return {"replicate_exps": [{"replicate_exp": e, "bio_rep_no": b, "tec_rep_no": t} for e, b, t in entries]}


def categories(findings: list[Finding]) -> set[str]:
    return {f.category for f in findings}


@pytest.fixture
def world() -> World:
    w = World()
    w.biosample("bs1", "sr1")
    w.biosample("bs2", "sr1")
    w.biosample("bs-other", "sr2")
    w.experiment("e1", "bs1")
    w.experiment("e1b", "bs1")
    w.experiment("e2", "bs2")
    w.experiment("e2b", "bs2")
    w.experiment("e-other", "bs-other")
    return w


def test_good_replicate_set_is_silent(world: World) -> None:
    item = replicate_set(("e1", 1, 1), ("e1b", 1, 2), ("e2", 2, 1), ("e2b", 2, 2))
    assert run_audits(REPLICATE_TYPES, item, world.lookup) == []


def test_biological_replicates_must_share_a_biosource(world: World) -> None:
    findings = run_audits(REPLICATE_TYPES, replicate_set(("e1", 1, 1), ("e-other", 2, 1)), world.lookup)
    assert categories(findings) == {"inconsistent replicate biosource"}
    assert findings[0].level == "ERROR"


def test_biological_replicates_must_differ_in_biosample(world: World) -> None:
    findings = run_audits(REPLICATE_TYPES, replicate_set(("e1", 1, 1), ("e1b", 2, 1)), world.lookup)
    assert categories(findings) == {"inconsistent biological replicates"}
    assert findings[0].path == ("replicate_exps", 1)


def test_technical_replicates_must_share_a_biosample(world: World) -> None:
    item = replicate_set(("e1", 1, 1), ("e2", 1, 2), ("e2b", 2, 1))
    findings = run_audits(REPLICATE_TYPES, item, world.lookup)
    assert "inconsistent technical replicates" in categories(findings)
    assert all(f.level == "ERROR" for f in findings)


def test_replicate_number_pairs_are_unique(world: World) -> None:
    findings = run_audits(REPLICATE_TYPES, replicate_set(("e1", 1, 1), ("e2", 2, 1), ("e2b", 2, 1)), world.lookup)
    duplicates = [f for f in findings if f.category == "duplicate replicate numbers"]
    assert len(duplicates) == 1
    assert duplicates[0].level == "ERROR" and duplicates[0].path == ("replicate_exps", 2)
    assert "inconsistent technical replicates" not in categories(findings)  # e2 and e2b share bs2


def test_fewer_than_two_biological_replicates_warns(world: World) -> None:
    findings = run_audits(REPLICATE_TYPES, replicate_set(("e1", 1, 1), ("e1b", 1, 2)), world.lookup)
    assert [(f.level, f.category) for f in findings] == [("WARNING", "missing biological replicates")]
    assert run_audits(REPLICATE_TYPES, {}, world.lookup)[0].category == "missing biological replicates"


def test_unresolvable_links_are_skipped_not_crashed(world: World) -> None:
    item = replicate_set(("e1", 1, 1), ("missing", 2, 1), ("e2", 3, 1))
    assert run_audits(REPLICATE_TYPES, item, world.lookup) == []


def test_replicate_audits_do_not_run_on_plain_experiment_sets(world: World) -> None:
    item = replicate_set(("e1", 1, 1), ("e1b", 1, 1))
    assert run_audits(["ExperimentSet", "Item"], item, world.lookup) == []


@pytest.mark.parametrize(
    ("protected", "expected"),
    [(True, []), (None, []), (False, ["human data not controlled access"])],
)
def test_biosample_from_unprotected_human_individual_is_an_error(protected: bool | None, expected: list[str]) -> None:
    w = World()
    fields = {} if protected is None else {"protected_data": protected}
    w.add("ind-h", ["IndividualHuman", "Individual", "Item"], **fields)
    w.add("sr-h", ["Biosource", "Item"], individual="ind-h")
    w.add("sr-plain", ["Biosource", "Item"])
    findings = run_audits(BIOSAMPLE_TYPES, {"biosource": ["sr-plain", "sr-h"]}, w.lookup)
    assert [f.category for f in findings] == expected
    if findings:
        assert findings[0].level == "ERROR" and findings[0].path == ("biosource", 1)


def test_non_human_individuals_need_no_controlled_access() -> None:
    w = World()
    w.add("ind-m", ["IndividualMouse", "Individual", "Item"], protected_data=False)
    w.add("sr-m", ["Biosource", "Item"], individual="ind-m")
    assert run_audits(BIOSAMPLE_TYPES, {"biosource": ["sr-m", "sr-missing"]}, w.lookup) == []


def test_controlled_access_individual_without_group_needs_action() -> None:
    types = ["IndividualHuman", "Individual", "Item"]
    findings = run_audits(types, {"protected_data": True}, World().lookup)
    assert [(f.level, f.category) for f in findings] == [("INTERNAL_ACTION", "missing access group")]
    assert run_audits(types, {"protected_data": True, "access_group": "dbgap-phs001"}, World().lookup) == []
    assert run_audits(types, {"protected_data": False}, World().lookup) == []


def test_registry_and_finding_levels() -> None:
    assert set(AUDITS) >= {"ExperimentSetReplicate", "Biosample"}
    with pytest.raises(ValueError):
        Finding("FATAL", "x", "y")
