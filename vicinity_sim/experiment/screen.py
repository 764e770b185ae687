"""Screening: Morris elementary effects of the uncertain parameters on an experiment's outcomes.

:func:`screen` draws ``r`` Morris trajectories (SALib's sampler, ``num_levels`` levels, with
optimised trajectories) through the unit cube of the experiment's uncertain parameters
(:func:`~vicinity_sim.experiment.points.experiment_priors`), maps each coordinate through
the parameter's prior (uniform or log-uniform over its range), and runs every arm at every
point with the experiment's replications on the usual runner (any executor; resumable). A
trajectory moves one parameter (or one group) at a time, so each step gives an elementary
effect ``EE = Δy / Δu`` (``Δu`` the step in quantiles of the prior, so effects of
parameters with different units are comparable).

Outcomes screened, for every outcome of the experiment:

* each arm's level (the mean over replications at the point);
* each arm's **effect**: the mean paired difference from the reference arm at the same point
  and replication (common random numbers), so an effect's elementary effects are not swamped
  by the noise both arms share.

SALib's analyser gives, per parameter, ``μ*`` (mean absolute elementary effect: overall
influence), ``μ`` (mean: its sign, if monotone), ``σ`` (spread: interactions or
non-linearity) and a bootstrap interval of μ*. Parameters can be screened in groups (one
group per section of the scenario: ``fire``, ``villages.plan``, ...), which needs
``r·(groups+1)`` points instead of ``r·(parameters+1)``.

Outputs, beside the experiment's runs: ``screen.csv`` (every target × parameter, ranked by
μ*), ``screen_ranking.csv`` (per parameter, its μ* relative to the most influential parameter
of the same target, averaged over the effects and over the levels, and the largest; targets
without variation left out), ``screen_design.csv`` (the points, in quantiles and values) and
``screen.png`` (μ* of the most influential parameters on every effect).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vicinity_sim.errors import InputError
from vicinity_sim.experiment.priors import Prior
from vicinity_sim.experiment.spec import ExperimentSpec
from vicinity_sim.runs import atomic_write, json_bytes

#: Defaults of the command: trajectories, grid levels.
TRAJECTORIES = 6
LEVELS = 4


@dataclass
class ScreenResult:
    """Result of a screening.

    Attributes:
        table: One row per target and parameter (or group): ``kind`` (``effect`` or
            ``level``), ``arm``, ``outcome``, ``parameter``, ``mu``, ``mu_star``, ``sigma``,
            ``mu_star_conf``, ``mu_star_relative`` (μ* over the largest μ* of the target; NaN
            for a target without variation) and
            ``rank`` (1: most influential); targets whose outcome is undefined at some point
            are left out and listed in ``skipped``.
        ranking: One row per parameter: ``effects`` and ``levels`` (mean relative μ* over
            the effects, over the levels), ``effects_max`` and ``levels_max`` (largest),
            ranked by ``effects`` then ``levels``.
        points: Points simulated per arm.
        held: (key, reason) of uncertain parameters held fixed.
        skipped: Targets left out (``arm:outcome`` and why).
    """

    table: pd.DataFrame
    ranking: pd.DataFrame
    points: int
    held: list[tuple[str, str]]
    skipped: list[str]


def morris_problem(priors: list[Prior], groups: bool) -> dict[str, Any]:
    """SALib's problem over the unit cube of the priors (one group per section if asked)."""
    problem: dict[str, Any] = {
        "num_vars": len(priors),
        "names": [p.key for p in priors],
        "bounds": [[0.0, 1.0]] * len(priors),
    }
    if groups:
        problem["groups"] = [p.section or p.key for p in priors]
    return problem


def morris_design(priors: list[Prior], trajectories: int, levels: int, seed: int,
                  groups: bool = False) -> tuple[dict[str, Any], np.ndarray]:  # fmt: skip
    """The Morris points in quantiles of the priors: (problem, unit design)."""
    from SALib.sample import morris as morris_sample

    problem = morris_problem(priors, groups)
    unit = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    return problem, unit


def morris_indices(problem: dict[str, Any], unit: np.ndarray, y: np.ndarray, levels: int,
                   seed: int) -> pd.DataFrame:  # fmt: skip
    """Morris indices of one output: parameter, mu, mu_star, sigma, mu_star_conf, rank."""
    from SALib.analyze import morris as morris_analyze

    res = morris_analyze.analyze(problem, unit, np.asarray(y, dtype=float), num_levels=levels,
                                 seed=seed, print_to_console=False)  # fmt: skip
    table = pd.DataFrame({
        "parameter": [str(n) for n in res["names"]],
        "mu": np.asarray(res["mu"], dtype=float),
        "mu_star": np.asarray(res["mu_star"], dtype=float),
        "sigma": np.asarray(res["sigma"], dtype=float),
        "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
    })  # fmt: skip
    top = table["mu_star"].max()
    # An output without variation has no influential parameter: NaN, not 0 for every one.
    table["mu_star_relative"] = table["mu_star"] / top if top > 0 else np.nan
    table = table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def screen(
    spec: ExperimentSpec,
    out: str | Path,
    *,
    trajectories: int = TRAJECTORIES,
    levels: int = LEVELS,
    groups: bool = False,
    only: list[str] | None = None,
    replications: int | None = 1,
    executor: str = "local",
    workers: int = 1,
    fresh: bool = False,
    progress: bool = True,
    extra: list | None = None,
) -> ScreenResult:
    """Morris screening of an experiment's uncertain parameters (see the module docstring).

    Args:
        spec: The experiment (arms, outcomes, reference; no sweep).
        out: Directory: the experiment's runs and the screening tables.
        trajectories: Morris trajectories r.
        levels: Grid levels of the design (even; 4 is customary).
        groups: Screen one group per section instead of every parameter.
        only: Screen only the parameters of these sections (``fire``, ``villages.plan``, ...)
            or with these keys; the others stay at their scenario values.
        replications: Replications per arm and point (default 1: with common random numbers
            the two ends of an elementary effect share their streams, so one replication
            gives effects free of the noise between runs; ``None``: the file's).
        executor, workers, fresh, progress, extra: As for
            :func:`~vicinity_sim.experiment.runner.run_experiment`.

    Raises:
        InputError: For bad options, an experiment with a sweep, or no uncertain parameter.
    """
    from vicinity_sim.experiment.points import (
        experiment_priors,
        paired_differences,
        points_spec,
        set_means,
    )
    from vicinity_sim.experiment.runner import run_experiment

    if trajectories < 2:
        raise InputError("--trajectories", "--trajectories",
                         f"must be at least 2 (got {trajectories})")  # fmt: skip
    if levels < 2 or levels % 2:
        raise InputError("--levels", "--levels", f"must be even and at least 2 (got {levels})")
    if spec.sweep is not None:
        raise InputError(str(spec.path), "sweep", "has a [sweep]: screening makes its own "
                         "design; remove the sweep or use another experiment file")  # fmt: skip
    priors, held = experiment_priors(spec, extra)
    if only:
        known = {p.section for p in priors} | {p.key for p in priors}
        for name in only:
            if name not in known:
                raise InputError("--only", name, "is neither a section nor a key of an "
                                 "uncertain parameter the experiment can vary")  # fmt: skip
        priors = [p for p in priors if p.section in only or p.key in only]
    if not priors:
        raise InputError(str(spec.path), "-", "no uncertain parameter to screen")
    problem, unit = morris_design(priors, trajectories, levels, spec.seed, groups)
    values = np.column_stack([p.ppf(unit[:, j]) for j, p in enumerate(priors)])
    keys = [p.key for p in priors]
    design = points_spec(spec, keys, values, replications=replications, extra=extra)
    results = run_experiment(design, out, executor=executor, workers=workers, fresh=fresh,
                             progress=progress, extra=extra)  # fmt: skip
    df = results.summaries
    out = Path(out)

    tables, skipped = [], []
    ref = spec.reference_arm
    targets: list[tuple[str, str, str]] = [
        ("effect", a.name, o) for a in spec.arms if a.name != ref for o in spec.outcomes
    ]
    targets += [("level", a.name, o) for a in spec.arms for o in spec.outcomes]
    n = len(unit)
    for kind, arm, outcome in targets:
        if kind == "effect":
            d = paired_differences(df, outcome, arm, ref)
            y = d.groupby("sample")["d"].mean().reindex(range(n)).to_numpy(float)
        else:
            y = set_means(df, outcome, arm).reindex(range(n)).to_numpy(float)
        if not np.all(np.isfinite(y)):
            skipped.append(f"{kind} {arm}:{outcome} (undefined at {int((~np.isfinite(y)).sum())}"
                           f" of {n} points)")  # fmt: skip
            continue
        t = morris_indices(problem, unit, y, levels, spec.seed)
        t.insert(0, "kind", kind)
        t.insert(1, "arm", arm)
        t.insert(2, "outcome", outcome)
        tables.append(t)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    ranking = _ranking(table)

    atomic_write(out / "screen.csv", table.to_csv(index=False).encode())
    atomic_write(out / "screen_ranking.csv", ranking.to_csv(index=False).encode())
    design_table = pd.concat([pd.DataFrame(unit, columns=[f"u:{k}" for k in keys]),
                              pd.DataFrame(values, columns=keys)], axis=1)  # fmt: skip
    atomic_write(out / "screen_design.csv", design_table.to_csv(index_label="sample").encode())
    meta = {"trajectories": trajectories, "levels": levels, "groups": groups, "only": only,
            "points": n, "parameters": [{"key": p.key, "prior": p.describe(),
                                         "section": p.section} for p in priors],
            "held": [{"key": k, "reason": r} for k, r in held], "skipped": skipped}  # fmt: skip
    atomic_write(out / "screen.json", json_bytes(meta))
    if len(table):
        write_figure(table, out / "screen.png")
    return ScreenResult(table, ranking, n, held, skipped)


def _ranking(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter, the mean and the largest relative μ* over the effects and over the
    levels, ranked by the mean over effects (then over levels)."""
    columns = ["parameter", "effects", "effects_max", "levels", "levels_max", "rank"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(index=pd.Index(sorted(table["parameter"].unique()), name="parameter"))
    for kind, name in (("effect", "effects"), ("level", "levels")):
        sub = table[table["kind"] == kind].groupby("parameter")["mu_star_relative"]
        out[name] = sub.mean()
        out[f"{name}_max"] = sub.max()
    ranking = out.reset_index().sort_values(["effects", "levels"], ascending=False,
                                            na_position="last", kind="stable")  # fmt: skip
    ranking = ranking.reset_index(drop=True)
    ranking["rank"] = np.arange(1, len(ranking) + 1)
    return ranking[columns]


def write_figure(table: pd.DataFrame, path: Path, top: int = 25) -> None:
    """μ* (relative to each target's largest) of the most influential parameters: a heat map
    over the effects (or, without effects, over the levels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from vicinity_sim.experiment.report import DPI, PNG_METADATA

    kind = "effect" if (table["kind"] == "effect").any() else "level"
    sub = table[table["kind"] == kind]
    wide = sub.pivot_table(index="parameter", columns=["arm", "outcome"],
                           values="mu_star_relative", aggfunc="max", dropna=False)  # fmt: skip
    order = wide.mean(axis=1).sort_values(ascending=False).index[:top]
    wide = wide.loc[order]
    h = max(4.0, 1.5 + 0.28 * len(wide))
    w = 4.0 + 0.35 * wide.shape[1]
    fig = Figure(figsize=(max(w, 6.0), h), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    im = ax.imshow(wide.to_numpy(float), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_yticks(range(len(wide)), [str(p) for p in wide.index], fontsize=7)
    flat = sub.groupby(["arm", "outcome"])["mu_star"].max()
    labels = [f"{a}: {o}" + (" (no variation)" if flat.get((a, o), 0) == 0 else "")
              for a, o in wide.columns]  # fmt: skip
    ax.set_xticks(range(wide.shape[1]), labels, fontsize=7, rotation=60, ha="right")
    ax.set_title(f"Morris μ*, relative to each {kind}'s\nmost influential parameter",
                 fontsize=9)  # fmt: skip
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata=PNG_METADATA)
    atomic_write(path, buf.getvalue())


def format_ranking(result: ScreenResult, top: int = 20) -> str:
    """The most influential parameters as text, for the terminal."""
    lines = [f"{'rank':>4}  {'parameter':<55} {'effects':>8} {'(max)':>6} {'levels':>8} "
             f"{'(max)':>6}"]  # fmt: skip
    for _, row in result.ranking.head(top).iterrows():
        lines.append(f"{int(row['rank']):>4}  {row['parameter']:<55} {row['effects']:8.3f} "
                     f"{row['effects_max']:6.2f} {row['levels']:8.3f} "
                     f"{row['levels_max']:6.2f}")  # fmt: skip
    return "\n".join(lines)


def load_screen(out: str | Path) -> dict[str, Any]:
    """The screening tables of a directory: ``table``, ``ranking`` and the ``meta`` data."""
    out = Path(out)
    return {"table": pd.read_csv(out / "screen.csv"),
            "ranking": pd.read_csv(out / "screen_ranking.csv"),
            "meta": json.loads((out / "screen.json").read_text(encoding="utf-8"))}  # fmt: skip
