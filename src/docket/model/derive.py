"""Properties the server derives from others before validation (pure functions over dicts).

- ExperimentSetReplicate: every experiment named in ``replicate_exps`` is also in ``experiments_in_set``,
  as 4DN does, so reverse links and searches on sets see replicate experiments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Deriver = Callable[[dict[str, Any]], dict[str, Any]]


def _replicates_in_set(props: dict[str, Any]) -> dict[str, Any]:
    replicates = props.get("replicate_exps")
    if not isinstance(replicates, list):
        return props
    named = [r.get("replicate_exp") for r in replicates if isinstance(r, dict)]
    existing = props.get("experiments_in_set")
    current: list[Any] = existing if isinstance(existing, list) else []
    merged = list(dict.fromkeys([*current, *(n for n in named if isinstance(n, str))]))
    return {**props, "experiments_in_set": merged} if merged else props


DERIVERS: dict[str, list[Deriver]] = {"ExperimentSetReplicate": [_replicates_in_set]}


def derive(type_names: list[str], props: dict[str, Any]) -> dict[str, Any]:
    for name in type_names:
        for deriver in DERIVERS.get(name, []):
            props = deriver(props)
    return props
