"""Statistics of experiments: arm means, paired effects with bootstrap intervals, CRN checks,
cost-effectiveness.

Replication r of every arm shares the streams of replication r (common random numbers), so the
effect of an arm is estimated on the paired differences ``arm_r − reference_r`` (matched on
sample and replication). Intervals:

* arm means: Student t over replications;
* paired effects (:func:`effect_interval`): with fewer than :data:`BOOTSTRAP_MIN_N` pairs, the
  paired Student t interval of the mean difference; from :data:`BOOTSTRAP_MIN_N` pairs on, the
  BCa bootstrap interval (:func:`scipy.stats.bootstrap`, seeded, so reports are
  reproducible). A bootstrap resamples the few observed differences and cannot see tails
  they do not show: with 4 or 5 replications even BCa covers well below its nominal level,
  while the t interval widens with the t quantile for small n and keeps near-nominal
  coverage for roughly normal differences (means over a run's many days usually are). With
  enough pairs BCa corrects the skew the t interval ignores. The ``ci_method`` column says
  which interval each row reports; the paired t interval is always given as well;
* for comparison, the unpaired Welch t interval that ignores the pairing (the same t method on
  the same runs, so the two differ only by the pairing);
* sequential stopping uses the half-width of the interval that is reported (the paired
  effect's, or with a single arm the arm mean's t interval).

Tests and multiple comparisons: each effect has the two-sided p-value of the paired t test
(:func:`paired_p_value`). An experiment names its primary outcomes; per arm, the p-values of
the primary outcomes are adjusted among themselves and those of the secondary outcomes among
the secondary ones, by Holm's step-down method (:func:`holm`; column ``p_holm``). An arm
against the reference is its own question, so families are per arm. Outcomes without a
minimum effect of interest (the cost of an arm, known by design) are reported, not tested.

No variation: when the paired differences are equal in every replication (a deterministic
outcome, or one the arm does not touch), there is no interval to give and no test to make:
the effect is reported as it is, with ``no_variation`` set and the intervals left empty.

Verdicts (:func:`verdict`) relate an effect to its minimum effect of interest: under common
random numbers tiny differences are estimated so precisely that they come out "significant",
so significance alone is not a finding.

Cost-effectiveness: the difference in ``cost_total_cny`` per unit of improvement, where the
direction of improvement is known (e.g. CNY per fire death averted).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from vicinity_sim.outcomes import HIGHER_IS_BETTER, LOWER_IS_BETTER

LEVEL = 0.95
#: Family-wise error rate of the Holm-adjusted tests behind the verdicts.
ALPHA = 0.05
#: Pairs from which the BCa bootstrap replaces the paired t interval of an effect.
BOOTSTRAP_MIN_N = 20


def t_quantile(level: float, dof: np.ndarray) -> np.ndarray:
    """Student t quantile of a two-sided interval at ``level`` for each number of degrees of
    freedom (one scipy call for many intervals)."""
    return stats.t.ppf(0.5 + level / 2, np.asarray(dof))


def t_interval(x: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and Student t interval of the values (NaN-free)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


def bootstrap_interval(d: np.ndarray, level: float = LEVEL, seed: int = 0) -> tuple[float, float]:
    """BCa bootstrap interval of the mean of ``d`` (NaN if it cannot be computed)."""
    d = np.asarray(d, dtype=float)
    if len(d) < 2:
        return math.nan, math.nan
    if np.all(d == d[0]):
        return float(d[0]), float(d[0])
    # Nearly constant differences make BCa's acceleration 0/0: scipy then warns and gives NaN,
    # which effect_interval answers with the t interval; the warning says nothing more.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap((d,), np.mean, confidence_level=level, method="BCa",
                              n_resamples=2000, rng=np.random.default_rng(seed))  # fmt: skip
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def effect_interval(d: np.ndarray, level: float = LEVEL, seed: int = 0
                    ) -> tuple[float, float, str]:  # fmt: skip
    """The reported interval of a mean paired difference: (low, high, method).

    Paired t below :data:`BOOTSTRAP_MIN_N` pairs, BCa bootstrap from there on (falling back to
    t where BCa is undefined); see the module docstring for why.
    """
    d = np.asarray(d, dtype=float)
    if len(d) >= BOOTSTRAP_MIN_N:
        lo, hi = bootstrap_interval(d, level, seed)
        if np.isfinite(lo) and np.isfinite(hi):
            return lo, hi, "bca"
    _, lo, hi = t_interval(d, level)
    return lo, hi, "t"


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Unpaired (Welch) interval of mean(a) − mean(b)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    diff = float(a.mean() - b.mean())
    if se == 0:
        return diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    return diff - half, diff + half


def constant(x: np.ndarray) -> bool:
    """Whether at least two values are all equal (no variation to make an interval of)."""
    x = np.asarray(x, dtype=float)
    return len(x) >= 2 and bool(np.all(x == x[0]))


def paired_p_value(d: np.ndarray) -> float:
    """Two-sided p-value of the paired t test of mean(d) = 0 (NaN below two pairs or without
    variation)."""
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n < 2 or constant(d):
        return math.nan
    t = float(d.mean()) / (float(d.std(ddof=1)) / math.sqrt(n))
    return float(2 * stats.t.sf(abs(t), n - 1))


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values for a family-wise error rate.

    With the m defined p-values sorted, p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of p₍ᵢ₎ is
    ``max over j ≤ i of min(1, (m − j + 1) · p₍ⱼ₎)``; NaN entries (no test) stay NaN and do
    not count in m.

    Args:
        p: p-values of one family.

    Returns:
        Adjusted p-values in the input order.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


#: Verdicts of :func:`verdict`, for reports and filters.
VERDICTS = ("improves", "worsens", "increases", "decreases", "negligible", "inconclusive",
            "no difference", "not tested", "undefined")  # fmt: skip


def verdict(effect: float, low: float, high: float, p_adjusted: float, minimum: float | None,
            no_variation: bool, better: int, alpha: float = ALPHA) -> str:  # fmt: skip
    """What an effect says, relative to its minimum effect of interest.

    Args:
        effect: Mean paired difference (arm − reference).
        low, high: Its interval (ignored without variation).
        p_adjusted: Holm-adjusted p-value of the paired t test.
        minimum: Minimum effect of interest in the outcome's unit (``None``: not tested; NaN:
            undefined, e.g. relative to a reference mean of 0, so significance alone decides).
        no_variation: The paired differences are equal in every replication.
        better: +1 if higher is better, −1 if lower is better, 0 if neither.
        alpha: Family-wise error rate.

    Returns:
        ``improves``/``worsens`` (or ``increases``/``decreases`` where no direction is
        better): the effect is real (adjusted p < alpha, or exact without variation) and at
        least the minimum effect; ``negligible``: the interval (or the exact effect) lies
        within ± the minimum effect; ``inconclusive``: neither; ``no difference``: equal in
        every replication; ``not tested``; ``undefined``: no effect could be computed.
    """
    if minimum is None:
        return "not tested"
    if not np.isfinite(effect):
        return "undefined"
    if no_variation:
        if effect == 0:
            return "no difference"
        low = high = effect
        real = True
    else:
        real = bool(np.isfinite(p_adjusted) and p_adjusted < alpha)
    has_minimum = np.isfinite(minimum)
    if has_minimum and np.isfinite(low) and np.isfinite(high) and -minimum < low \
            and high < minimum:  # fmt: skip
        return "negligible"
    if real and (not has_minimum or abs(effect) >= minimum):
        if better == 0:
            return "increases" if effect > 0 else "decreases"
        return "improves" if effect * better > 0 else "worsens"
    return "inconclusive"


def arm_table(df: pd.DataFrame, outcomes: list[str], level: float = LEVEL) -> pd.DataFrame:
    """Mean and t interval of every outcome in every arm (over samples and replications);
    ``no_variation`` where the values are equal in every replication (no interval then)."""
    rows = []
    for arm, g in df.groupby("arm", sort=False):
        for o in outcomes:
            x = g[o].to_numpy(float) if o in g else np.zeros(0)
            x = x[np.isfinite(x)]
            m, lo, hi = t_interval(x, level)
            flat = constant(x)
            if flat:
                lo = hi = math.nan
            rows.append({"arm": arm, "outcome": o, "mean": m, "ci_low": lo, "ci_high": hi,
                         "n": len(x), "no_variation": flat})  # fmt: skip
    return pd.DataFrame(rows)


def paired(df: pd.DataFrame, arm: str, reference: str, outcome: str) -> tuple[np.ndarray, ...]:
    """Matched values (arm, reference) of an outcome, by sample and replication."""
    keys = ["sample", "replication"]
    a = df[df.arm == arm][[*keys, outcome]]
    b = df[df.arm == reference][[*keys, outcome]]
    m = a.merge(b, on=keys, suffixes=("_arm", "_ref"))
    x, y = m[f"{outcome}_arm"].to_numpy(float), m[f"{outcome}_ref"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def effects(df: pd.DataFrame, outcomes: list[str], reference: str, level: float = LEVEL,
            seed: int = 0, primary: list[str] | None = None,
            minimum_effect: Callable[[str], Any] | None = None) -> pd.DataFrame:  # fmt: skip
    """Paired effect of every arm against the reference, per outcome.

    Args:
        df: One row per task (arm, sample, replication and the outcomes).
        outcomes: Outcomes to compare.
        reference: Reference arm.
        level: Confidence level of the intervals.
        seed: Seed of the bootstrap.
        primary: Primary outcomes (the rest are secondary); see the module docstring.
        minimum_effect: Outcome → :class:`~vicinity_sim.outcome_info.MinimumEffect` or
            ``None`` (not tested); default: the outcome contract's.

    Returns:
        One row per arm and outcome: means, effect, intervals (``ci_low``/``ci_high``, the
        reported one, see :func:`effect_interval`; ``paired_t_*``; ``unpaired_ci_*``), relative
        effect, cost-effectiveness, ``no_variation``, ``p_value`` (paired t), ``family``
        (primary, secondary or not tested), ``p_holm``, ``minimum_effect`` (in the outcome's
        unit) and ``verdict`` (:func:`verdict`).
    """
    from vicinity_sim.outcome_info import direction, info

    primary = list(primary or [])
    if minimum_effect is None:
        minimum_effect = lambda o: info(o).minimum_effect  # noqa: E731
    rows = []
    for arm in [a for a in df.arm.unique() if a != reference]:
        x_cost, y_cost = paired(df, arm, reference, "cost_total_cny")
        d_cost = float(np.mean(x_cost - y_cost)) if len(x_cost) else math.nan
        for o in outcomes:
            x, y = paired(df, arm, reference, o)
            d = x - y
            effect = float(d.mean()) if len(d) else math.nan
            flat = constant(d)
            lo, hi, method = effect_interval(d, level, seed)
            _, t_lo, t_hi = t_interval(d, level)
            u_lo, u_hi = welch_interval(x, y, level)
            if flat:
                lo = hi = t_lo = t_hi = math.nan
                method = "no variation"
                if constant(x) and constant(y):
                    u_lo = u_hi = math.nan
            ref_mean = float(y.mean()) if len(y) else math.nan
            improvement = (-effect if o in LOWER_IS_BETTER
                           else effect if o in HIGHER_IS_BETTER else math.nan)  # fmt: skip
            mei = minimum_effect(o)
            family = "primary" if o in primary else "not tested" if mei is None else "secondary"
            rows.append({
                "arm": arm, "outcome": o, "reference_mean": ref_mean,
                "arm_mean": float(x.mean()) if len(x) else math.nan,
                "effect": effect, "ci_low": lo, "ci_high": hi, "ci_method": method,
                "paired_t_low": t_lo, "paired_t_high": t_hi,
                "unpaired_ci_low": u_lo, "unpaired_ci_high": u_hi,
                "relative": effect / ref_mean if ref_mean else math.nan,
                "n": len(d), "cost_difference_cny": d_cost,
                "cost_per_unit_improved_cny": d_cost / improvement
                if improvement and improvement > 0 else math.nan,
                "no_variation": flat, "p_value": paired_p_value(d), "family": family,
                "minimum_effect": math.nan if mei is None else mei.absolute(ref_mean),
                "tested_": mei is not None or o in primary,
            })  # fmt: skip
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["p_holm"] = math.nan
    for (_, family), g in out.groupby(["arm", "family"], sort=False):
        if family != "not tested":
            out.loc[g.index, "p_holm"] = holm(g["p_value"].to_numpy(float))
    out["verdict"] = [
        verdict(r.effect, r.ci_low, r.ci_high, r.p_holm,
                r.minimum_effect if r.tested_ else None, r.no_variation,
                direction(r.outcome))
        for r in out.itertuples()
    ]  # fmt: skip
    return out.drop(columns="tested_")


def max_half_width(df: pd.DataFrame, outcome: str, reference: str, level: float = LEVEL,
                   seed: int = 0) -> float:  # fmt: skip
    """Widest half-width of the reported interval of an outcome, for sequential stopping.

    Over the non-reference arms: the interval of the paired effect (:func:`effect_interval`,
    as in :func:`effects`); with a single arm: the t interval of its mean (as in
    :func:`arm_table`). ``inf`` while an interval is undefined.
    """
    arms = list(df.arm.unique()) if len(df) else []
    widths = []
    if arms == [reference]:
        x = df.loc[df.arm == reference, outcome].to_numpy(float)
        _, lo, hi = t_interval(x[np.isfinite(x)], level)
        widths.append((hi - lo) / 2 if np.isfinite(hi) and np.isfinite(lo) else math.inf)
    for arm in [a for a in arms if a != reference]:
        x, y = paired(df, arm, reference, outcome)
        lo, hi, _ = effect_interval(x - y, level, seed)
        widths.append((hi - lo) / 2 if np.isfinite(hi) and np.isfinite(lo) else math.inf)
    return max(widths) if widths else math.inf
