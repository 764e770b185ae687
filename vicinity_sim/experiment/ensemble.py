"""Effects over an ensemble of parameter sets: total uncertainty, intended signs, robustness.

:func:`run_ensemble` runs every arm of an experiment at K parameter sets (rows of a Parquet
table, e.g. a calibration's ``posterior.parquet``) × R replications, with common random
numbers within each set (and across sets: replication r draws the same streams everywhere),
on the usual runner: any executor, resumable after a kill (the sets are a ``points`` sweep of
the experiment, so the directory is an ordinary experiment directory).

For an arm's effect on an outcome, ``d_kr`` is the paired difference from the reference arm in
set k and replication r. One future of the village is one parameter set (uncertain) and one
realisation of the noise, so its effect varies by the law of total variance:

* **parameters**: the variance of the set means ``m_k`` less the part the noise leaves in
  them, ``max(0, Var_k(m_k) − noise/R)`` (the one-way random-effects estimate);
* **noise**: the mean within-set variance ``mean_k Var_r(d_kr)`` (needs R ≥ 2);
* **total** = parameters + noise; ``share_parameters`` and ``share_noise`` split it. The
  total-uncertainty interval is the 2.5–97.5% range of all ``d_kr`` (each set weighted
  alike).

The probability of the intended sign (``intended`` in the experiment file, else the outcome's
better direction) is the share of ``d_kr`` in that direction; ``p_sets_intended`` is the share
of sets whose mean effect is. The pooled paired statistics of a plain comparison (the mean
effect and its interval over all K·R pairs) come first in every row, so with K = 1 the table
starts with exactly what ``compare`` reports.

**Robustness** of each arm, per outcome with a direction: the **regret** in a set is how far
the arm's mean falls short of the best arm's mean in that set (0 for the best arm); and the
share of sets in which the arm's mean effect reaches a stated improvement (``--threshold
OUTCOME=X``, in the intended direction; default 0: any improvement).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import stats
from vicinity_sim.experiment.spec import ExperimentSpec
from vicinity_sim.runs import atomic_write

#: Level of the total-uncertainty interval.
LEVEL = 0.95


@dataclass
class EnsembleResult:
    """An ensemble comparison.

    Attributes:
        spec: The experiment (with its ``points`` sweep).
        out: Its directory.
        parameters: The parameter sets run (K rows).
        effects: One row per arm and outcome (see the module docstring).
        robustness: One row per arm and outcome with a direction.
        results: The experiment's :class:`~vicinity_sim.experiment.runner.Results`.
    """

    spec: ExperimentSpec
    out: Path
    parameters: pd.DataFrame
    effects: pd.DataFrame
    robustness: pd.DataFrame
    results: Any


def read_parameter_sets(path: str | Path, sets: int | None = None) -> pd.DataFrame:
    """The parameter sets of a Parquet table: one numeric column per scenario key.

    Raises:
        InputError: If the file is missing or unreadable, a column is not numeric or not
            finite, or ``sets`` is out of range.
    """
    import pyarrow.parquet as pq

    shown = str(path)
    try:
        table = pq.read_table(path).to_pandas()
    except FileNotFoundError:
        raise InputError(shown, "--ensemble", "file not found") from None
    except (OSError, ValueError) as e:
        raise InputError(shown, "--ensemble", f"not a readable Parquet table ({e})") from None
    if table.empty or not len(table.columns):
        raise InputError(shown, "--ensemble", "holds no parameter sets")
    for col in table.columns:
        x = pd.to_numeric(table[col], errors="coerce")
        if not np.all(np.isfinite(x)):
            raise InputError(shown, str(col), "values must be finite numbers")
        table[col] = x.astype(float)
    if sets is not None:
        if not 1 <= sets <= len(table):
            raise InputError("--sets", "--sets",
                             f"must be between 1 and {len(table)} (got {sets})")  # fmt: skip
        table = table.iloc[:sets]
    return table.reset_index(drop=True)


def run_ensemble(
    spec: ExperimentSpec,
    out: str | Path,
    ensemble: str | Path,
    *,
    sets: int | None = None,
    replications: int | None = None,
    executor: str = "local",
    workers: int = 1,
    fresh: bool = False,
    progress: bool = True,
    extra: list | None = None,
    thresholds: dict[str, float] | None = None,
) -> EnsembleResult:
    """Run every arm at every parameter set and analyse the effects (module docstring).

    Args:
        spec: The experiment (no sweep).
        out: Result directory.
        ensemble: Parquet table of parameter sets (columns: scenario keys).
        sets: Use the first K sets (default: all).
        replications: Replications per arm and set (default: the file's).
        executor, workers, fresh, progress, extra: As for
            :func:`~vicinity_sim.experiment.runner.run_experiment`.
        thresholds: Outcome → improvement an arm must reach in a set (default 0).

    Raises:
        InputError: For a bad table, option or key (before anything runs).
    """
    from vicinity_sim.experiment.points import points_spec
    from vicinity_sim.experiment.runner import run_experiment

    table = read_parameter_sets(ensemble, sets)
    design = points_spec(spec, list(table.columns), table.to_numpy(float),
                         replications=replications, extra=extra)  # fmt: skip
    results = run_experiment(design, out, executor=executor, workers=workers, fresh=fresh,
                             progress=progress, extra=extra)  # fmt: skip
    out = Path(out)
    df = results.summaries
    effects = ensemble_effects(df, design.outcomes, design.reference_arm,
                               intended_directions(design), seed=design.seed)  # fmt: skip
    robust = robustness(df, design.outcomes, design.reference_arm, intended_directions(design),
                        thresholds or {})  # fmt: skip
    atomic_write(out / "parameter_sets.csv", table.to_csv(index_label="sample").encode())
    atomic_write(out / "ensemble.csv", effects.to_csv(index=False).encode())
    atomic_write(out / "robustness.csv", robust.to_csv(index=False).encode())
    from vicinity_sim.experiment.report import write_report

    write_report(results, out)
    result = EnsembleResult(design, out, table, effects, robust, results)
    atomic_write(out / "ensemble.md", ensemble_markdown(result, str(ensemble)).encode())
    return result


def intended_directions(spec: ExperimentSpec) -> dict[str, int]:
    """Outcome → +1 (meant to increase) or −1 (decrease): the file's ``intended``, else the
    outcome's better direction; outcomes without either are left out."""
    from vicinity_sim.outcomes import HIGHER_IS_BETTER, LOWER_IS_BETTER

    out = {}
    for o in spec.outcomes:
        if o in spec.intended:
            out[o] = 1 if spec.intended[o] == "increase" else -1
        elif o in HIGHER_IS_BETTER:
            out[o] = 1
        elif o in LOWER_IS_BETTER:
            out[o] = -1
    return out


def decompose(d: pd.DataFrame) -> dict[str, float]:
    """Parameter and noise parts of the variance of paired differences ``d`` (columns sample,
    replication, d), and the total-uncertainty interval (module docstring)."""
    d = d[np.isfinite(d["d"].to_numpy(float))]
    groups = d.groupby("sample")["d"]
    means = groups.mean()
    counts = groups.count()
    k = len(means)
    r = float(counts.mean()) if k else math.nan
    within = float(groups.var(ddof=1).mean()) if k and counts.min() >= 2 else math.nan
    between = float(means.var(ddof=1)) if k >= 2 else 0.0
    noise_in_means = within / r if np.isfinite(within) else 0.0
    param = max(0.0, between - noise_in_means)
    noise = within if np.isfinite(within) else math.nan
    total = param + (noise if np.isfinite(noise) else 0.0)
    # Quantiles over every d_kr, each set weighted alike (sets may differ in replications).
    x = d["d"].to_numpy(float)
    w = (1.0 / counts).reindex(d["sample"]).to_numpy(float) if k else np.zeros(0)
    lo, hi = _weighted_quantiles(x, w, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return {
        "sets": k,
        "replications": r,
        "param_sd": math.sqrt(param),
        "noise_sd": math.sqrt(noise) if np.isfinite(noise) else math.nan,
        "total_sd": math.sqrt(total),
        "share_parameters": param / total if total > 0 else math.nan,
        "share_noise": (noise / total) if total > 0 and np.isfinite(noise) else math.nan,
        "total_low": lo,
        "total_high": hi,
    }


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> tuple[float, ...]:
    if len(x) == 0:
        return tuple(math.nan for _ in qs)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return tuple(float(np.interp(q, cum, x)) for q in qs)


def ensemble_effects(df: pd.DataFrame, outcomes: list[str], reference: str,
                     directions: dict[str, int], seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """Pooled paired effects (as :func:`vicinity_sim.experiment.stats.effects`) with the
    ensemble's columns: decomposition, total interval, intended sign and its probability."""
    from vicinity_sim.experiment.points import paired_differences

    pooled = stats.effects(df, outcomes, reference, seed=seed)
    rows = []
    for _, row in pooled.iterrows():
        d = paired_differences(df, row["outcome"], row["arm"], reference)
        extra = decompose(d)
        sign = directions.get(row["outcome"])
        x = d["d"].to_numpy(float)
        x = x[np.isfinite(x)]
        set_means = d[np.isfinite(d["d"])].groupby("sample")["d"].mean().to_numpy(float)
        extra["intended"] = "increase" if sign == 1 else "decrease" if sign == -1 else ""
        extra["p_intended_sign"] = float(np.mean(sign * x > 0)) if sign and len(x) else math.nan
        extra["p_sets_intended"] = (float(np.mean(sign * set_means > 0))
                                    if sign and len(set_means) else math.nan)  # fmt: skip
        extra["no_variation"] = bool(len(x) and np.all(x == x[0]))
        rows.append({**row.to_dict(), **extra})
    return pd.DataFrame(rows)


def robustness(
    df: pd.DataFrame,
    outcomes: list[str],
    reference: str,
    directions: dict[str, int],
    thresholds: dict[str, float],
) -> pd.DataFrame:
    """Regret against the best arm in each set, and the share of sets meeting a threshold."""
    from vicinity_sim.experiment.points import paired_differences, set_means

    arms = list(dict.fromkeys(df["arm"])) if len(df) else []
    rows = []
    for o in outcomes:
        sign = directions.get(o)
        if not sign:
            continue
        means = pd.DataFrame({a: set_means(df, o, a) for a in arms})
        best = means.max(axis=1) if sign == 1 else means.min(axis=1)
        for a in arms:
            regret = sign * (best - means[a]) + 0.0  # no −0 for the best arm
            row = {"arm": a, "outcome": o, "intended": "increase" if sign == 1 else "decrease",
                   "regret_mean": float(regret.mean()), "regret_max": float(regret.max()),
                   "share_sets_best": float(np.mean(regret <= 0))}  # fmt: skip
            if a != reference:
                d = paired_differences(df, o, a, reference)
                eff = d[np.isfinite(d["d"])].groupby("sample")["d"].mean()
                t = thresholds.get(o, 0.0)
                row["threshold"] = t
                row["share_sets_meeting"] = float(np.mean(sign * eff >= t) if t else
                                                  np.mean(sign * eff > 0))  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows)


def format_ensemble(result: EnsembleResult) -> str:
    """The ensemble's effects for the terminal."""
    from vicinity_sim.compare import format_number as num

    e = result.effects
    spec = result.spec
    k = len(result.parameters)
    reps = int(result.results.summaries["replication"].nunique()) if len(e) else 0
    lines = [f"{spec.name or spec.path}: {len(spec.arms)} arms × {k} parameter sets × {reps} "
             f"replications; reference: {spec.reference_arm}",
             "effect: mean over sets and replications; total 95%: range of one future's "
             "effect (parameters + noise); P(sign): probability of the intended sign"]  # fmt: skip
    head = (f"  {'arm':<22} {'outcome':<32} {'effect':>11} {'total 95%':>25} {'param':>6} "
            f"{'noise':>6} {'P(sign)':>8}")  # fmt: skip
    lines.append(head)
    for _, r in e.iterrows():
        interval = ("no variation" if r["no_variation"] else
                    f"[{num(r['total_low'])}, {num(r['total_high'])}]")  # fmt: skip
        p = "" if not r["intended"] else f"{r['p_intended_sign']:.2f}"
        share = lambda v: "" if not np.isfinite(v) else f"{v:.0%}"  # noqa: E731
        lines.append(f"  {r['arm']:<22} {r['outcome']:<32} {num(r['effect']):>11} "
                     f"{interval:>25} {share(r['share_parameters']):>6} "
                     f"{share(r['share_noise']):>6} {p:>8}")  # fmt: skip
    return "\n".join(lines)


def ensemble_markdown(result: EnsembleResult, source: str) -> str:
    """``ensemble.md``: effects with total uncertainty and robustness."""
    from vicinity_sim.compare import format_number as num

    spec = result.spec
    md = [f"# Effects over an ensemble: {spec.name or spec.path}", "",
          f"{len(result.parameters)} parameter sets from `{source}` "
          f"({', '.join(f'`{c}`' for c in result.parameters.columns)}); every arm at every "
          "set, common random numbers. *Effect*: mean paired difference from "
          f"`{spec.reference_arm}` over all sets and replications, with the interval of a plain "
          "comparison (`ci_low`–`ci_high` in `ensemble.csv`). *Total 95%*: the range of the "
          "effect in one future of the village (a parameter set and one realisation of the "
          "noise); *parameters* and *noise* split its variance. *P(intended)*: the share of "
          "those futures in which the effect has the intended sign; *sets*: the share of "
          "parameter sets whose mean effect has it.", "",
          "| arm | outcome | intended | effect | 95% CI (pooled) | total 95% | parameters | "
          "noise | P(intended) | sets |",
          "| --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: |"]  # fmt: skip

    def pct(v: float) -> str:
        return "" if not np.isfinite(v) else f"{v:.0%}"

    for _, r in result.effects.iterrows():
        total = ("no variation" if r["no_variation"] else
                 f"[{num(r['total_low'])}, {num(r['total_high'])}]")  # fmt: skip
        md.append(f"| {r['arm']} | `{r['outcome']}` | {r['intended']} | {num(r['effect'])} | "
                  f"[{num(r['ci_low'])}, {num(r['ci_high'])}] | {total} | "
                  f"{pct(r['share_parameters'])} | {pct(r['share_noise'])} | "
                  f"{pct(r['p_intended_sign'])} | {pct(r['p_sets_intended'])} |")  # fmt: skip
    md += ["", "## Robustness", "",
           "Regret: how far an arm's mean falls short of the best arm's in the same parameter "
           "set (mean and worst over sets). Meeting: share of sets whose mean effect reaches "
           "the threshold in the intended direction (threshold 0: any improvement).", "",
           "| arm | outcome | regret (mean) | regret (worst) | best in | threshold | meeting |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for _, r in result.robustness.iterrows():
        t = r.get("threshold", math.nan)
        meet = r.get("share_sets_meeting", math.nan)
        md.append(f"| {r['arm']} | `{r['outcome']}` | {num(r['regret_mean'])} | "
                  f"{num(r['regret_max'])} | {pct(r['share_sets_best'])} | "
                  f"{'' if not np.isfinite(t) else num(t)} | {pct(meet)} |")  # fmt: skip
    md.append("")
    return "\n".join(md)


def parameter_sets_of(out: str | Path) -> pd.DataFrame:
    """The parameter values of every sample of an experiment directory with a ``points``
    (or other) sweep: one row per sample, one column per key (``villages[*]`` keys once)."""
    from vicinity_sim.experiment.design import sample_values
    from vicinity_sim.experiment.priors import template_of
    from vicinity_sim.experiment.runner import load_results

    results = load_results(out)
    sweep = results.spec.sweep
    if sweep is None:
        raise InputError(str(out), "experiment.json", "holds no parameter sets (no sweep)")
    values = sample_values(sweep, results.spec.seed)
    cols: dict[str, np.ndarray] = {}
    for j, p in enumerate(sweep.parameters):
        cols.setdefault(template_of(p.key), values[:, j])
    return pd.DataFrame(cols)
