"""A spillover study: the evaluator's estimators on paired city runs, over replications.

A study file (e.g. ``experiments/city_spillovers.toml``) names a city scenario with a
staggered program, the outcomes of its village panel, replications and a seed::

    name = "city_spillovers"
    scenario = "../scenarios/xiamen_city_program.toml"
    replications = 10
    seed = 0
    outcomes = ["rent_index", "displaced_households", "fires", "trust_institutional"]

For every replication :func:`run_study` runs the program and its paired run without the
program (same seed and replication: common random numbers), applies every estimator to the
program run's panel and sets it beside the true effect
(:func:`~vicinity_sim.evaluation.truth.compare_city`), and takes the *spillover*: the true
effect on the villages never treated within the run, which is exactly zero when villages do
not affect each other. :func:`summarize_study` gives, per outcome and estimator, the mean
bias over replications with its 95% interval (t over replications), the intervals' coverage
of the truth, and the spillover with its interval.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from vicinity_sim.errors import InputError
from vicinity_sim.evaluation.panel import NEVER, from_city
from vicinity_sim.evaluation.truth import compare_city, without_program

_KEYS = {"name", "description", "scenario", "replications", "seed", "outcomes", "n_boot", "set"}


@dataclass
class Study:
    """A spillover study (see the module docstring).

    Attributes:
        name: The study's name.
        scenario: Path of the city scenario with the program in waves (or the scenario).
        outcomes: Columns of the village panel (``villages.parquet``).
        replications: Paired runs (the brief's ≥ 10 for anything claimed).
        seed: The seed of every run.
        n_boot: Bootstrap draws of the Callaway–Sant'Anna intervals.
        overrides: ``--set`` style overrides of the scenario (``run.days=365``).
        description: What the study asks.
    """

    name: str
    scenario: Path | Any
    outcomes: list[str]
    replications: int = 10
    seed: int = 0
    n_boot: int = 499
    overrides: list[str] = field(default_factory=list)
    description: str = ""


def load_study(path: str | Path) -> Study:
    """Read a study file.

    Raises:
        InputError: Unreadable file, unknown key or a bad value (one line naming it).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputError(str(path), "-", f"cannot be read as TOML: {e}") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(str(path), unknown[0], "is not a key of a study file")
    for key in ("name", "scenario", "outcomes"):
        if key not in data:
            raise InputError(str(path), key, "is missing")
    outcomes = data["outcomes"]
    if (
        not isinstance(outcomes, list)
        or not outcomes
        or not all(isinstance(o, str) for o in outcomes)
    ):
        raise InputError(str(path), "outcomes", "must be a non-empty list of panel columns")
    for key in ("replications", "seed", "n_boot"):
        value = data.get(key, 1)
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < (1 if key != "seed" else 0)
        ):
            raise InputError(str(path), key, "must be a positive integer")
    return Study(
        name=str(data["name"]), scenario=(path.parent / data["scenario"]).resolve(),
        outcomes=list(outcomes), replications=data.get("replications", 10),
        seed=data.get("seed", 0), n_boot=data.get("n_boot", 499),
        overrides=[str(s) for s in data.get("set", [])],
        description=str(data.get("description", "")),
    )  # fmt: skip


def spillovers(program_panel: Any, baseline_panel: Any, outcomes: list[str]) -> dict[str, float]:
    """The true effect on the villages never treated within the run, per outcome: their
    mean over villages and months of the program run's outcome minus the paired run's."""
    out = {}
    for outcome in outcomes:
        prog, base = from_city(program_panel, outcome), from_city(baseline_panel, outcome)
        never = prog.cohort == NEVER
        out[outcome] = float((prog.y - base.y)[never].mean()) if never.any() else np.nan
    return out


def run_study(study: Study | str | Path, *, replications: int | None = None,
              overrides: list[str] | None = None, workers: int = 1,
              executor: str = "local") -> pd.DataFrame:  # fmt: skip
    """Run a study's paired city runs and compare the estimators with the truth.

    Args:
        study: A :class:`Study` or the path of its file.
        replications: Instead of the file's.
        overrides: Added to the file's ``set`` (e.g. ``["run.days=120"]`` for a quick try).
        workers, executor: Where each city run is spread (``vicinity-sim run`` conventions).

    Returns:
        One row per replication, outcome and estimator (the columns of
        :func:`~vicinity_sim.evaluation.truth.compare`, with ``replication`` and
        ``spillover``, the true effect on the never-treated villages).
    """
    from vicinity_sim.runs import simulate
    from vicinity_sim.scenario import load_scenario

    if not isinstance(study, Study):
        study = load_study(study)
    scenario = study.scenario
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario, [*study.overrides, *(overrides or [])])
    paired = without_program(scenario)
    frames = []
    for r in range(study.replications if replications is None else replications):
        runs = [simulate(sc, seed=study.seed, replication=r, workers=workers, executor=executor)
                for sc in (scenario, paired)]  # fmt: skip
        program, baseline = (pd.DataFrame(run.panel) for run in runs)
        table = compare_city(program, baseline, study.outcomes, study.n_boot, seed=r)
        spill = spillovers(program, baseline, study.outcomes)
        frames.append(table.assign(replication=r, spillover=table["outcome"].map(spill)))
    return pd.concat(frames, ignore_index=True)


def _interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% t interval over replications (no interval from one replication, and
    none around values without variation)."""
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    mean = float(v.mean())
    if len(v) < 2:
        return mean, np.nan, np.nan
    if np.ptp(v) == 0:  # no variation: the interval is the value itself
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return mean, mean - half, mean + half


def summarize_study(table: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and estimator: the mean estimate, truth and bias over replications with
    the bias's 95% interval, the share of replications whose interval covered the truth, and
    the spillover on never-treated villages with its interval; ``variation`` is false where a
    quantity did not vary over replications (reported as "no variation", not an interval)."""
    rows = []
    for (outcome, estimator), g in table.groupby(["outcome", "estimator"], sort=False):
        bias, low, high = _interval(g["bias"])
        spill, s_low, s_high = _interval(g["spillover"])
        rows.append({
            "outcome": outcome, "estimator": estimator, "replications": len(g),
            "estimate": float(g["estimate"].mean()), "truth": float(g["truth"].mean()),
            "bias": bias, "bias_low": low, "bias_high": high,
            "bias_varies": bool(np.ptp(g["bias"].to_numpy(dtype=float)) > 0),
            "coverage": float(g["covered"].mean()),
            "spillover": spill, "spillover_low": s_low, "spillover_high": s_high,
            "spillover_varies": bool(np.ptp(g["spillover"].to_numpy(dtype=float)) > 0),
        })  # fmt: skip
    return pd.DataFrame(rows)
