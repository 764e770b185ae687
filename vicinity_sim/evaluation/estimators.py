"""The evaluator's estimators of a program's effect on a panel of units over periods.

Three estimators researchers apply to staggered programs (docs/sources.md §did):

* :func:`twfe` — the two-way fixed-effects difference-in-differences: ``y_it = α_i + λ_t +
  β·D_it + ε_it`` with ``D_it`` = unit *i* treated in period *t*. With effects that differ
  between cohorts or grow with time since treatment, β is a weighted average of all 2×2
  comparisons, some of which use already-treated units as controls, with weights that can be
  negative (Goodman-Bacon 2021): it can miss the average effect badly, even in sign.
* :func:`event_study` — the same regression with one indicator per period relative to
  treatment (leads and lags; the period before treatment is the reference), binned at the
  ends. Its leads test for pre-trends; under heterogeneous effects its coefficients are
  contaminated by other periods' effects (Sun & Abraham 2021).
* :func:`callaway_santanna` — group-time average treatment effects ATT(g, t) of each cohort
  *g* in each period *t*, each a simple 2×2 difference-in-differences against units never
  treated (``control="never"``) or not yet treated by *t* (``control="notyet"``), with the
  cohort's last untreated period as the base (Callaway & Sant'Anna 2021); aggregated into an
  overall ATT (each treated unit-period weighted equally), by time since treatment (dynamic)
  and by cohort. Inference: the multiplier bootstrap on the estimators' influence functions,
  clustered by unit, including the estimation of the aggregation weights.

All take a balanced :class:`~vicinity_sim.evaluation.panel.Panel` and no covariates, and are
written here on numpy (checked against simulated panels with known effects in
``tests/test_evaluation.py``). A cohort treated in the panel's first period has no untreated
period: the Callaway–Sant'Anna estimator leaves it out (it cannot be compared with itself
before treatment), the regressions keep it as an always-treated unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from vicinity_sim.evaluation.panel import NEVER, Panel


@dataclass
class Estimate:
    """A point estimate with its standard error and 95% interval.

    Attributes:
        estimate: The point estimate.
        se: Its standard error (NaN if not estimable).
        low, high: The 95% interval.
        n: Observations (unit-periods) or cells it rests on.
    """

    estimate: float
    se: float
    low: float
    high: float
    n: int = 0

    @classmethod
    def normal(cls, estimate: float, se: float, n: int = 0, df: int | None = None) -> Estimate:
        q = stats.t.ppf(0.975, df) if df else stats.norm.ppf(0.975)
        return cls(float(estimate), float(se), float(estimate - q * se),
                   float(estimate + q * se), n)  # fmt: skip


# -- regressions ---------------------------------------------------------------------------


def _within(x: np.ndarray) -> np.ndarray:
    """Two-way demeaning of a balanced panel array ``(units, periods, ...)``: the residual of
    the unit and period fixed effects (exact for balanced panels)."""
    return x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + x.mean(axis=(0, 1))


def _cluster_ols(y: np.ndarray, x: np.ndarray, units: int) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS of ``y (N,)`` on ``x (N, k)`` (already demeaned; rows unit-major) with the
    covariance clustered by unit (CR1, degrees of freedom: clusters − 1)."""
    n, k = x.shape
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    scores = (x * resid[:, None]).reshape(units, n // units, k).sum(axis=1)
    meat = scores.T @ scores
    # Small-sample factor of the clustered estimator; the fixed effects are absorbed.
    factor = units / (units - 1) * (n - 1) / max(n - k, 1)
    cov = factor * xtx_inv @ meat @ xtx_inv
    return beta, cov, units - 1


def twfe(panel: Panel) -> Estimate:
    """Two-way fixed-effects difference-in-differences: β of ``y_it = α_i + λ_t + β·D_it``.

    Returns:
        β with its unit-clustered standard error and t interval.
    """
    d = panel.treated().astype(float)
    y = _within(panel.y).ravel()
    x = _within(d).reshape(-1, 1)
    if not np.any(x):
        return Estimate(np.nan, np.nan, np.nan, np.nan, y.size)
    beta, cov, df = _cluster_ols(y, x, panel.n)
    return Estimate.normal(beta[0], np.sqrt(cov[0, 0]), y.size, df)


@dataclass
class EventStudy:
    """Event-study coefficients by period relative to treatment.

    Attributes:
        relative: The relative periods (−1, the reference, is left out).
        coef: One :class:`Estimate` per relative period.
        leads, lags: The binning: relative periods ≤ −leads and ≥ lags are pooled.
        cov: Covariance of the coefficients (clustered by unit).
        df: Degrees of freedom of the intervals.
    """

    relative: np.ndarray
    coef: list[Estimate]
    leads: int
    lags: int
    cov: np.ndarray
    df: int

    def at(self, k: int) -> Estimate:
        """The coefficient of relative period ``k``."""
        return self.coef[int(np.nonzero(self.relative == k)[0][0])]

    def post_mean(self) -> Estimate:
        """Mean of the coefficients of relative periods ≥ 0 (equal weights), with its
        standard error."""
        w = (self.relative >= 0).astype(float)
        if not w.any():
            return Estimate(np.nan, np.nan, np.nan, np.nan, 0)
        w /= w.sum()
        est = float(w @ np.array([c.estimate for c in self.coef]))
        return Estimate.normal(est, float(np.sqrt(w @ self.cov @ w)), len(self.coef), self.df)


def event_study(panel: Panel, leads: int = 6, lags: int = 12) -> EventStudy:
    """Two-way fixed-effects event study: ``y_it = α_i + λ_t + Σ_k β_k·1[t − g_i = k]``.

    Args:
        panel: The panel.
        leads: Relative periods before treatment with their own coefficient: −leads .. −2
            (−1 is the reference); earlier periods are pooled into −leads.
        lags: Relative periods after treatment: 0 .. lags − 1 each, later ones pooled into
            ``lags``.

    Returns:
        The coefficients with unit-clustered standard errors.
    """
    rel = np.arange(panel.t)[None, :] - panel.cohort[:, None]  # inf-inf: never treated
    finite = np.isfinite(rel)
    binned = np.where(finite, np.clip(np.nan_to_num(rel, nan=0.0, posinf=0.0, neginf=0.0),
                                      -leads, lags), np.nan)  # fmt: skip
    ks = [k for k in range(-leads, lags + 1) if k != -1]
    present = [k for k in ks if np.any(binned == k)]
    x = np.stack([_within((binned == k).astype(float)) for k in present], axis=-1)
    y = _within(panel.y).ravel()
    beta, cov, df = _cluster_ols(y, x.reshape(-1, len(present)), panel.n)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    coef = [Estimate.normal(b, s, int(np.sum(binned == k)), df)
            for k, b, s in zip(present, beta, se, strict=True)]  # fmt: skip
    return EventStudy(np.array(present), coef, leads, lags, cov, df)


# -- Callaway and Sant'Anna ----------------------------------------------------------------


@dataclass
class GroupTime:
    """Group-time average treatment effects with their influence functions.

    Attributes:
        cohort, period: The cell of each ATT(g, t).
        att: The estimates.
        influence: Influence function of each estimate on each unit, ``(cells, units)``
            (the estimate's error is approximately their mean).
        size: Units of the cell's cohort.
        control: ``never`` or ``notyet``.
    """

    cohort: np.ndarray
    period: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    size: np.ndarray
    control: str
    cohort_of_unit: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


def group_time(panel: Panel, control: str = "notyet") -> GroupTime:
    """ATT(g, t) of every cohort *g* (treated within the panel, after its first period) in
    every period *t* except its base, by 2×2 difference-in-differences without covariates.

    Post-treatment cells (t ≥ g) use the base period g − 1; pre-treatment cells (t < g, the
    placebo tests) use t − 1 (the "varying" base). Controls: units never treated
    (``never``), or units not treated by max(t, base) (``notyet``: never-treated and later
    cohorts, the cell's own cohort excluded).
    """
    if control not in ("never", "notyet"):
        raise ValueError("control must be 'never' or 'notyet'")
    y, g = panel.y, panel.cohort
    n, T = y.shape
    cells: list[tuple[int, int, float, np.ndarray, int]] = []
    for c in panel.cohorts():
        if c < 1:
            continue  # treated from the first period: no untreated period to compare with
        treated = g == c
        for t in range(T):
            if t == c - 1:
                continue
            base = c - 1 if t >= c else t - 1
            if base < 0:
                continue
            # Never treated, or (not yet) not treated by the later of t and the base.
            ctrl = ~np.isfinite(g) if control == "never" else (g > max(t, base)) & (g != c)
            if not ctrl.any():
                continue
            dy = y[:, t] - y[:, base]
            m_t, m_c = dy[treated].mean(), dy[ctrl].mean()
            p_t, p_c = treated.mean(), ctrl.mean()
            inf = (treated * (dy - m_t) / p_t) - (ctrl * (dy - m_c) / p_c)
            cells.append((c, t, m_t - m_c, inf, int(treated.sum())))
    if not cells:
        empty = np.zeros(0)
        return GroupTime(empty, empty, empty, np.zeros((0, n)), empty, control, g)
    return GroupTime(
        cohort=np.array([c[0] for c in cells]),
        period=np.array([c[1] for c in cells]),
        att=np.array([c[2] for c in cells]),
        influence=np.stack([c[3] for c in cells]),
        size=np.array([c[4] for c in cells]),
        control=control,
        cohort_of_unit=g,
    )


def _aggregate(gt: GroupTime, keep: np.ndarray) -> tuple[float, np.ndarray]:
    """Cohort-size weighted mean of the kept cells and its influence function, including the
    estimation of the weights (the cohorts' shares)."""
    g = gt.cohort_of_unit
    n = len(g)
    cohorts = gt.cohort[keep]
    share = np.array([np.mean(g == c) for c in cohorts])
    w = share / share.sum()
    est = float(w @ gt.att[keep])
    inf = w @ gt.influence[keep]
    # The weights are estimated shares: their own influence (as in Callaway & Sant'Anna's did).
    member = np.stack([(g == c).astype(float) for c in cohorts])  # (cells, units)
    dshare = member - share[:, None]
    wif = (dshare / share.sum()) - np.outer(share, dshare.sum(axis=0)) / share.sum() ** 2
    inf = inf + gt.att[keep] @ wif
    del n
    return est, inf


def _bootstrap_se(influence: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Standard errors of estimates from their influence functions ``(k, units)`` by the
    multiplier bootstrap (Mammen weights, one per unit: clustered by unit)."""
    influence = np.atleast_2d(influence)
    n = influence.shape[1]
    rng = np.random.default_rng(seed)
    s5 = np.sqrt(5.0)
    p = (s5 + 1) / (2 * s5)
    v = np.where(rng.random((n_boot, n)) < p, (1 - s5) / 2, (1 + s5) / 2)
    draws = v @ influence.T / n  # (n_boot, k)
    return draws.std(axis=0, ddof=1)


@dataclass
class CallawaySantAnna:
    """Callaway–Sant'Anna estimates.

    Attributes:
        group_time: The ATT(g, t).
        overall: The overall ATT: every treated unit-period weighted equally.
        dynamic: By periods since treatment (``e → Estimate``, e ≥ 0 after, < 0 placebo).
        by_cohort: Each cohort's mean effect over its treated periods.
        cell_se: Standard errors of the ATT(g, t).
    """

    group_time: GroupTime
    overall: Estimate
    dynamic: dict[int, Estimate]
    by_cohort: dict[int, Estimate]
    cell_se: np.ndarray


def callaway_santanna(
    panel: Panel, control: str = "notyet", n_boot: int = 999, seed: int = 0
) -> CallawaySantAnna:
    """Callaway and Sant'Anna's staggered difference-in-differences (see the module).

    Args:
        panel: The panel.
        control: ``notyet`` (not-yet-treated and never-treated units) or ``never``.
        n_boot: Bootstrap draws for the standard errors.
        seed: Seed of the bootstrap's multipliers.
    """
    gt = group_time(panel, control)
    n = panel.n
    if len(gt.att) == 0:
        nan = Estimate(np.nan, np.nan, np.nan, np.nan, 0)
        return CallawaySantAnna(gt, nan, {}, {}, np.zeros(0))
    cell_se = _bootstrap_se(gt.influence, n_boot, seed)
    post = gt.period >= gt.cohort
    results: list[tuple[str, int, float, np.ndarray, int]] = []
    if post.any():
        est, inf = _aggregate(gt, post)
        results.append(("overall", 0, est, inf, int(post.sum())))
    e = gt.period - gt.cohort
    for k in np.unique(e):
        keep = e == k
        est, inf = _aggregate(gt, keep)
        results.append(("dynamic", int(k), est, inf, int(keep.sum())))
    for c in np.unique(gt.cohort):
        keep = (gt.cohort == c) & post
        if keep.any():
            est = float(gt.att[keep].mean())
            inf = gt.influence[keep].mean(axis=0)
            results.append(("cohort", int(c), est, inf, int(keep.sum())))
    se = _bootstrap_se(np.stack([r[3] for r in results]), n_boot, seed + 1)
    out = [Estimate.normal(r[2], s, r[4]) for r, s in zip(results, se, strict=True)]
    overall = next((o for r, o in zip(results, out, strict=True) if r[0] == "overall"),
                   Estimate(np.nan, np.nan, np.nan, np.nan, 0))  # fmt: skip
    del n
    return CallawaySantAnna(
        group_time=gt,
        overall=overall,
        dynamic={r[1]: o for r, o in zip(results, out, strict=True) if r[0] == "dynamic"},
        by_cohort={r[1]: o for r, o in zip(results, out, strict=True) if r[0] == "cohort"},
        cell_se=cell_se,
    )


def never_treated_share(panel: Panel) -> float:
    """Share of units never treated within the panel."""
    return float(np.mean(panel.cohort == NEVER))
