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

Cost-effectiveness: the difference in ``cost_total_cny`` per unit of improvement, where the
direction of improvement is known (e.g. CNY per fire death averted).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from vicinity_sim.outcomes import HIGHER_IS_BETTER, LOWER_IS_BETTER

LEVEL = 0.95
#: Pairs from which the BCa bootstrap replaces the paired t interval of an effect.
BOOTSTRAP_MIN_N = 20


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
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


def arm_table(df: pd.DataFrame, outcomes: list[str], level: float = LEVEL) -> pd.DataFrame:
    """Mean and t interval of every outcome in every arm (over samples and replications)."""
    rows = []
    for arm, g in df.groupby("arm", sort=False):
        for o in outcomes:
            x = g[o].to_numpy(float) if o in g else np.zeros(0)
            x = x[np.isfinite(x)]
            m, lo, hi = t_interval(x, level)
            rows.append({"arm": arm, "outcome": o, "mean": m, "ci_low": lo, "ci_high": hi,
                         "n": len(x)})  # fmt: skip
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
            seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """Paired effect of every arm against the reference, per outcome."""
    rows = []
    for arm in [a for a in df.arm.unique() if a != reference]:
        x_cost, y_cost = paired(df, arm, reference, "cost_total_cny")
        d_cost = float(np.mean(x_cost - y_cost)) if len(x_cost) else math.nan
        for o in outcomes:
            x, y = paired(df, arm, reference, o)
            d = x - y
            effect = float(d.mean()) if len(d) else math.nan
            lo, hi, method = effect_interval(d, level, seed)
            _, t_lo, t_hi = t_interval(d, level)
            u_lo, u_hi = welch_interval(x, y, level)
            ref_mean = float(y.mean()) if len(y) else math.nan
            improvement = (-effect if o in LOWER_IS_BETTER
                           else effect if o in HIGHER_IS_BETTER else math.nan)  # fmt: skip
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
            })  # fmt: skip
    return pd.DataFrame(rows)


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
