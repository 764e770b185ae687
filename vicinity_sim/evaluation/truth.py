"""The true effect, which the model knows, beside what the estimators make of the data.

A simulated program has what no evaluator has: the same city without the program, run with
the same seed. With common random numbers every draw the program does not touch is the same
in both runs, so the difference of a village's outcome between the two runs in a month is the
program's effect on that village in that month — noise the program does not cause cancels.
:func:`true_effects` takes it; :func:`compare` applies the estimators to the program run's
panel (the observational data) and sets each estimate beside the true value of what it
estimates: the average effect on the treated unit-months (the estimand of the
difference-in-differences and of the Callaway–Sant'Anna overall ATT) and, for the event
study, the average effect at each month since treatment.

When villages affect each other (tenants displaced from treated villages moving to untreated
ones), untreated villages have effects too: the no-interference assumption of every
estimator here fails, and the bias this table shows includes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vicinity_sim.evaluation.estimators import callaway_santanna, event_study, twfe
from vicinity_sim.evaluation.panel import Panel, from_city


def without_program(scenario: Any) -> Any:
    """The scenario with every intervention switched off (the waves stay, with nothing to
    roll out): the paired run that gives the true effect."""
    ivs = [iv.model_copy(update={"enabled": False}) for iv in scenario.interventions]
    return scenario.model_copy(update={"interventions": ivs})


def true_effects(program: Panel, baseline: Panel) -> np.ndarray:
    """Each unit's effect in each period: the program run's outcome minus the paired run's.

    Raises:
        ValueError: If the two panels do not have the same units and periods.
    """
    if (program.y.shape != baseline.y.shape or not np.array_equal(program.units, baseline.units)
            or not np.array_equal(program.periods, baseline.periods)):  # fmt: skip
        raise ValueError("the program and paired runs' panels differ in units or periods")
    return program.y - baseline.y


def true_att(program: Panel, effects: np.ndarray) -> float:
    """The average effect over treated unit-periods."""
    d = program.treated()
    return float(effects[d].mean()) if d.any() else np.nan


def true_dynamic(program: Panel, effects: np.ndarray) -> dict[int, float]:
    """The average effect at each period since treatment (treated cohorts after their first
    period, as the estimators can see them)."""
    rel = np.arange(program.t)[None, :] - program.cohort[:, None]
    out = {}
    usable = (program.cohort >= 1)[:, None] & np.isfinite(rel)
    for k in np.unique(rel[usable]):
        out[int(k)] = float(effects[usable & (rel == k)].mean())
    return out


def compare(program: Panel, baseline: Panel, n_boot: int = 999, seed: int = 0) -> pd.DataFrame:
    """The estimators on the program run's panel beside the true effect.

    Returns:
        One row per estimator: ``estimator``, ``estimate``, ``se``, ``low``, ``high``,
        ``truth`` (the average effect on the treated unit-periods the estimator can use),
        ``bias`` (estimate − truth), ``covered`` (the truth inside the 95% interval).
    """
    effects = true_effects(program, baseline)
    rows = []
    d = program.treated()
    truth_all = true_att(program, effects)
    usable = d & (program.cohort >= 1)[:, None]
    truth_cs = float(effects[usable].mean()) if usable.any() else np.nan
    dynamic = true_dynamic(program, effects)
    est = twfe(program)
    rows.append(("twfe", est, truth_all))
    es = event_study(program)
    post = [int(k) for k in es.relative if k >= 0]
    if post:
        # The truth of each coefficient: the average effect at that period since treatment
        # (the last one pools the periods from ``lags`` on, as the regression bins them).
        def at(k: int) -> float:
            pooled = [v for e, v in dynamic.items() if (e >= k if k == es.lags else e == k)]
            return float(np.mean(pooled)) if pooled else np.nan

        rows.append(
            ("event_study_post_mean", es.post_mean(), float(np.mean([at(k) for k in post])))
        )
    for control in ("notyet", "never"):
        cs = callaway_santanna(program, control, n_boot=n_boot, seed=seed)
        rows.append((f"callaway_santanna_{control}", cs.overall, truth_cs))
    out = []
    for name, e, truth in rows:
        out.append(
            {
                "estimator": name,
                "estimate": e.estimate,
                "se": e.se,
                "low": e.low,
                "high": e.high,
                "truth": truth,
                "bias": e.estimate - truth,
                "covered": bool(e.low <= truth <= e.high) if np.isfinite(e.se) else False,
            }
        )
    return pd.DataFrame(out)


def compare_city(program_panel: Any, baseline_panel: Any, outcomes: list[str],
                 n_boot: int = 999, seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """:func:`compare` for each outcome of two city runs' monthly panels (the program run
    and its paired run without the program, same seed)."""
    frames = []
    for outcome in outcomes:
        table = compare(from_city(program_panel, outcome), from_city(baseline_panel, outcome),
                        n_boot, seed)  # fmt: skip
        frames.append(table.assign(outcome=outcome))
    return pd.concat(frames, ignore_index=True)
