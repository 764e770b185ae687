"""Experiments over given parameter sets: the uncertain parameters of an experiment and the
``points`` sweep that screening, history matching and ensembles run.

A parameter set is applied to every arm as sweep overrides (after the arms' own settings), so
every arm runs at every set, and replication r of every arm and set shares random streams
(common random numbers). Parameters that an arm does not have (an intervention parameter in an
arm without that intervention) apply only to the arms that have them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.experiment.priors import Prior, expand, template_of, uncertain_priors
from vicinity_sim.experiment.spec import ExperimentSpec, Sweep, SweepParameter

_MISSING = object()


def _lookup(data: Any, key: str) -> Any:
    """The value at a scenario key in a dumped scenario (``_MISSING`` if absent)."""
    from vicinity_sim.scenario.loader import _parse_key

    node = data
    for part in _parse_key(key, key):
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                return _MISSING
            node = node[part]
        elif isinstance(node, list):  # an entry by name (interventions[name])
            node = next((e for e in node if isinstance(e, dict)
                         and (e.get("name") or e.get("kind")) == part), _MISSING)  # fmt: skip
            if node is _MISSING:
                return _MISSING
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def _set_keys(spec: ExperimentSpec, extra: list | None) -> set[str]:
    """Templates of the keys the experiment file (or the command line) sets."""
    from vicinity_sim.experiment.runner import _extra

    items = [*spec.set, *(o for a in spec.arms for o in a.set)]
    items += [_extra(e)[0] for e in (extra or [])]
    return {template_of(i.split("=", 1)[0]) for i in items if "=" in i}


def arm_dumps(spec: ExperimentSpec, extra: list | None = None) -> dict[str, dict]:
    """Every arm's resolved scenario (sample 0, without a sweep) as a dictionary."""
    from vicinity_sim.experiment.runner import Experiment

    bare = spec.model_copy(update={"sweep": None})
    exp = Experiment(bare, extra)
    return {a.name: exp.scenario(a.name, 0).model_dump(mode="json") for a in spec.arms}


def n_villages(dumps: dict[str, dict], source: str) -> int:
    """The number of villages every arm simulates.

    Raises:
        InputError: If arms simulate different numbers of villages.
    """
    counts = {len(d["villages"]) for d in dumps.values()}
    if len(counts) != 1:
        raise InputError(source, "arms", "arms simulate different numbers of villages; "
                         "village parameters cannot be varied alike in all of them")  # fmt: skip
    return counts.pop()


def experiment_priors(spec: ExperimentSpec, extra: list | None = None
                      ) -> tuple[list[Prior], list[tuple[str, str]]]:  # fmt: skip
    """The uncertain parameters an experiment can vary, and those it must hold.

    A parameter is held (not varied) when the experiment sets it (its ``set`` lists, the
    arms' or the command line's), when arms differ in its value (an arm's scenario file
    sets it: it is part of a policy, not an uncertainty), or when no village uses it (how a
    plan is derived from footprints, ``plan.footprints``, where no village is built from
    footprints; the city's housing market, ``city``, where no arm runs a city with it).

    Returns:
        The priors to vary, and (key, reason) of the uncertain parameters held.
    """
    dumps = arm_dumps(spec, extra)
    n = n_villages(dumps, str(spec.path))
    fixed = _set_keys(spec, extra)
    footprints = any(v["plan"].get("source") is not None
                     for d in dumps.values() for v in d["villages"])  # fmt: skip
    # The city's housing market acts only in a city run that switches it on.
    market = any((d.get("city") or {}).get("housing_market") and len(d["villages"]) > 1
                 for d in dumps.values())  # fmt: skip
    keep, held = [], []
    for prior in uncertain_priors():
        if prior.key in fixed:
            held.append((prior.key, "set by the experiment"))
            continue
        if prior.key.startswith("city.") and not market:
            held.append((prior.key, "no city housing market"))
            continue
        if ".plan.footprints." in prior.key and not footprints:
            held.append((prior.key, "no village is built from footprints"))
            continue
        values = {repr([_lookup(d, k) for k in expand(prior.key, n)]) for d in dumps.values()}
        if len(values) > 1:
            held.append((prior.key, "differs between arms (part of a policy)"))
            continue
        keep.append(prior)
    return keep, held


def points_spec(
    spec: ExperimentSpec,
    keys: list[str],
    values: np.ndarray,
    *,
    replications: int | None = None,
    extra: list | None = None,
) -> ExperimentSpec:
    """The experiment with a ``points`` sweep: row k of ``values`` is parameter set k.

    Args:
        spec: The experiment (without a sweep of its own).
        keys: Scenario keys, one per column (``villages[*]`` keys apply to every village).
        values: Parameter sets, shape (K, len(keys)).
        replications: Replications per arm and set (default: the file's; sequential stopping
            is switched off: every set runs the same replications).
        extra: Command-line overrides (to resolve the arms).

    Raises:
        InputError: If the experiment has a sweep, or a key exists in no arm.
    """
    source = str(spec.path)
    if spec.sweep is not None:
        raise InputError(source, "sweep", "has a [sweep]: parameter sets replace it; remove "
                         "the sweep or use another experiment file")  # fmt: skip
    values = np.atleast_2d(np.asarray(values, dtype=float))
    dumps = arm_dumps(spec, extra)
    n = n_villages(dumps, source)
    parameters = []
    for j, key in enumerate(keys):
        for concrete in expand(key, n):
            arms = [a for a, d in dumps.items() if _lookup(d, concrete) is not _MISSING]
            if not arms:
                raise InputError(source, concrete, "is not a parameter of any arm's scenario")
            parameters.append(SweepParameter(
                key=concrete, values=[float(v) for v in values[:, j]],
                arms=None if len(arms) == len(dumps) else arms,
            ))  # fmt: skip
    update: dict[str, Any] = {"sweep": Sweep(design="points", samples=max(len(values), 1),
                                             parameters=parameters), "stopping": None}  # fmt: skip
    if replications is not None:
        update["replications"] = replications
    return spec.model_copy(update=update)


def set_means(summaries: Any, outcome: str, arm: str) -> Any:
    """Mean of an outcome over replications at every sample of an arm (a Series by sample)."""
    import pandas as pd

    rows = summaries[summaries["arm"] == arm]
    return pd.to_numeric(rows[outcome], errors="coerce").groupby(rows["sample"]).mean()


def paired_differences(summaries: Any, outcome: str, arm: str, reference: str) -> Any:
    """Paired differences arm − reference of an outcome: a frame with sample, replication, d."""
    keys = ["sample", "replication"]
    a = summaries[summaries["arm"] == arm][[*keys, outcome]]
    b = summaries[summaries["arm"] == reference][[*keys, outcome]]
    m = a.merge(b, on=keys, suffixes=("_arm", "_ref"))
    m["d"] = m[f"{outcome}_arm"].astype(float) - m[f"{outcome}_ref"].astype(float)
    return m[[*keys, "d"]]
