"""Global sensitivity analysis: Sobol' indices of a sweep with ``design = "sobol"``.

Sobol' indices split the variance of an outcome ``Y = f(X₁, …, X_d)`` over independent inputs:

* the first-order index ``S_i = V[E(Y | X_i)] / V[Y]`` is the share of the variance explained
  by ``X_i`` alone;
* the total-order index ``S_Ti = E[V(Y | X_~i)] / V[Y]`` is the share that would remain if all
  inputs but ``X_i`` were fixed, i.e. ``X_i``'s effect including every interaction.
  ``S_Ti − S_i`` measures how much ``X_i`` acts through interactions.

Saltelli's scheme estimates both from ``n·(d+2)`` model evaluations. Two independent ``n × d``
sample matrices ``A`` and ``B`` are drawn (here: the two halves of one scrambled 2d-dimensional
Sobol' sequence) and, for each input ``i``, ``AB_i`` is ``A`` with column ``i`` taken from
``B``. A sweep runs the samples in the order ``A``, ``B``, ``AB₁`` … ``AB_d`` (see
:func:`vicinity_sim.experiment.design.unit_samples`). With ``f`` centred on the mean of
``f(A)`` and ``f(B)`` and ``V`` the variance of ``f(A)`` and ``f(B)`` pooled,
:func:`scipy.stats.sobol_indices` applies its default estimator (``saltelli_2010``):

* first order (Saltelli et al. 2010): ``S_i = mean(f(B) · (f(AB_i) − f(A))) / V``;
* total order (Jansen 1999): ``S_Ti = mean((f(A) − f(AB_i))²) / 2 / V``.

Both are Monte Carlo estimates: they can fall slightly below 0 or above 1, and their
uncertainty shrinks like ``1/√n``. Intervals come from a BCa bootstrap over the ``n`` rows of
the design (the ``bootstrap`` method of the result of :func:`scipy.stats.sobol_indices`). In an
experiment the outcome of each sample is first averaged over replications, so simulation noise
that the replications do not average out inflates the indices' variance and intervals.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from vicinity_sim.errors import InputError

if TYPE_CHECKING:
    from vicinity_sim.experiment.runner import Results

#: Columns of the index tables, after the labels.
INDEX_COLUMNS = [
    "first_order",
    "first_order_low",
    "first_order_high",
    "total_order",
    "total_order_low",
    "total_order_high",
]


def sobol_from_values(
    values: np.ndarray,
    n: int,
    d: int,
    confidence_level: float = 0.95,
    n_resamples: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol' indices and bootstrap intervals from model outputs on a Saltelli design.

    Args:
        values: Outputs in the sample order ``A`` (n rows), ``B`` (n rows), ``AB₁`` …
            ``AB_d`` (n rows each): shape ``(n·(d+2),)`` for one output or
            ``(s, n·(d+2))`` for ``s`` outputs.
        n: Base sample size of the design (rows of ``A``).
        d: Number of parameters.
        confidence_level: Level of the bootstrap intervals.
        n_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap (the same seed gives the same intervals).

    Returns:
        One row per output and parameter: ``output`` (index of the output), ``parameter``
        (index of the parameter), ``first_order``, ``first_order_low``, ``first_order_high``,
        ``total_order``, ``total_order_low`` and ``total_order_high``. An index whose
        bootstrap distribution is constant (a parameter without any effect) gets the interval
        ``[value, value]``; intervals that cannot be computed otherwise (typically for small
        ``n``, when some resamples have no variance) are NaN.

    Raises:
        ValueError: If ``values`` does not have ``n·(d+2)`` columns or is not finite.
    """
    if n < 2 or d < 1:
        raise ValueError(f"need n >= 2 and d >= 1 (got n={n}, d={d})")
    y = np.atleast_2d(np.asarray(values, dtype=float))
    if y.ndim != 2 or y.shape[1] != n * (d + 2):
        raise ValueError(
            f"values must have shape (n·(d+2),) or (s, n·(d+2)) = (s, {n * (d + 2)}); "
            f"got {np.shape(values)}"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError("values must be finite")
    s = y.shape[0]
    # Split into A, B and AB_1 … AB_d in scipy's layout: (s, n), (s, n) and (d, s, n).
    blocks = y.reshape(s, d + 2, n)
    f_a, f_b = blocks[:, 0], blocks[:, 1]
    f_ab = np.moveaxis(blocks[:, 2:], 1, 0)
    rng = np.random.default_rng(seed)
    res = stats.sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n, rng=rng)
    # SobolResult.bootstrap takes no rng and draws from numpy's global RandomState: seed it
    # for reproducible intervals and restore it afterwards so callers see no side effect.
    saved = np.random.get_state()
    try:
        np.random.seed(int(rng.integers(2**32)))
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            # Handled below: a parameter without any effect has a constant bootstrap
            # distribution, for which BCa gives no interval.
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            boot = res.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
    finally:
        np.random.set_state(saved)

    columns: dict[str, np.ndarray] = {}
    for kind in ("first_order", "total_order"):
        b = getattr(boot, kind)
        # scipy squeezes single outputs and parameters away; restore (s, d) everywhere.
        low = np.asarray(b.confidence_interval.low, dtype=float).reshape(s, d)
        high = np.asarray(b.confidence_interval.high, dtype=float).reshape(s, d)
        dist = np.asarray(b.bootstrap_distribution, dtype=float).reshape(s, d, -1)
        # Resamples whose outputs are all equal have no variance and give NaN; ignore them.
        finite = np.isfinite(dist)
        lowest = np.where(finite, dist, np.inf).min(axis=-1)
        highest = np.where(finite, dist, -np.inf).max(axis=-1)
        constant = np.isnan(low) & (lowest == highest)
        low[constant] = high[constant] = lowest[constant]
        columns[kind] = np.asarray(getattr(res, kind), dtype=float).reshape(s, d)
        columns[f"{kind}_low"], columns[f"{kind}_high"] = low, high
    out = pd.DataFrame(
        {
            "output": np.repeat(np.arange(s), d),
            "parameter": np.tile(np.arange(d), s),
        }
    )
    for name in INDEX_COLUMNS:
        out[name] = columns[name].ravel()
    return out


#: ``status`` of an outcome's indices: computed, or why not.
OK, NO_VARIATION, UNDEFINED = "ok", "no variation", "undefined"


def sobol_indices_of(results: Results, outcome: str, arm: str | None = None) -> pd.DataFrame:
    """Sobol' indices of one outcome of an experiment with a ``design = "sobol"`` sweep.

    The outcome is averaged over replications at every sample of the arm, then passed to
    :func:`sobol_from_values` (bootstrap seeded with the experiment's seed).

    Degenerate outcomes get no indices (NaN) and say why in ``status``: ``no variation``
    when the outcome takes the same value at every sample (no variance to split: the swept
    parameters do not move it), ``undefined`` when it has no value at some or all samples
    (e.g. a mean over fires in runs without fires). The other outcomes are unaffected.

    Args:
        results: Results of the experiment.
        outcome: Outcome to analyse (a column of ``results.summaries``).
        arm: Arm to analyse (default: the reference arm).

    Returns:
        One row per sweep parameter: ``outcome``, ``arm``, ``parameter`` (the scenario key),
        ``first_order``, ``first_order_low``, ``first_order_high``, ``total_order``,
        ``total_order_low``, ``total_order_high``, ``status`` (``ok``, ``no variation`` or
        ``undefined``) and ``note`` (what is undefined, or empty).

    Raises:
        InputError: If the experiment has no sobol sweep, the arm or outcome is unknown, or
            samples have not been run.
    """
    spec = results.spec
    # Results opened with load_results carry no experiment file: name the directory instead.
    source = str(spec.path) if spec.path != Path() else str(results.store.root)
    sweep = spec.sweep
    if sweep is None or sweep.design != "sobol":
        got = "no sweep" if sweep is None else f'design "{sweep.design}"'
        raise InputError(source, "sweep", f'Sobol\' indices need design = "sobol" (got {got})')
    arm = arm or spec.reference_arm
    arms = [a.name for a in spec.arms]
    if arm not in arms:
        raise InputError(source, "arms", f"no arm '{arm}' (arms: {arms})")
    df = results.summaries
    if outcome not in df.columns:
        raise InputError(source, "outcomes", f"no results for outcome '{outcome}'")
    n, d = sweep.samples, len(sweep.parameters)
    total = n * (d + 2)
    rows = df[df["arm"] == arm] if len(df) else df
    run = set(rows["sample"]) if len(rows) else set()
    missing = [k for k in range(total) if k not in run]
    if missing:
        shown = ", ".join(str(k) for k in missing[:5]) + (", …" if len(missing) > 5 else "")
        raise InputError(
            source,
            "sweep.samples",
            f"{len(missing)} of {total} samples of arm '{arm}' have not been run "
            f"(samples {shown}); Sobol' indices need every sample",
        )
    values = rows.groupby("sample")[outcome].mean().reindex(range(total)).to_numpy(float)
    undefined = int((~np.isfinite(values)).sum())
    status, note = OK, ""
    if undefined:
        status = UNDEFINED
        note = (f"'{outcome}' has no value at {undefined} of {total} samples"
                if undefined < total else f"'{outcome}' has no value at any sample")  # fmt: skip
    elif np.all(values == values[0]):
        status, note = NO_VARIATION, f"'{outcome}' is {values[0]:g} at every sample"
    if status == OK:
        table = sobol_from_values(values, n, d, seed=spec.seed).drop(columns="output")
    else:
        table = pd.DataFrame({"parameter": np.arange(d)})
        for name in INDEX_COLUMNS:
            table[name] = np.nan
    table.insert(0, "outcome", outcome)
    table.insert(1, "arm", arm)
    table["parameter"] = [sweep.parameters[j].key for j in table["parameter"]]
    table["status"] = status
    table["note"] = note
    return table
