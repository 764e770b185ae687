"""Synthetic panels with known effects, to check the estimators.

``y_it = α_i + λ_t + τ_it + ε_it`` with unit effects α, period effects λ (a common trend),
independent normal noise ε and the treatment effect ``τ_it = effect(g_i, t − g_i)`` from the
unit's cohort on (0 before it, and for units never treated).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vicinity_sim.evaluation.panel import NEVER, Panel


def staggered_panel(
    cohorts: dict[int, int], never: int, periods: int,
    effect: Callable[[int, np.ndarray], np.ndarray], *, noise_sd: float = 1.0,
    unit_sd: float = 2.0, trend: float = 0.3, seed: int = 0,
) -> tuple[Panel, np.ndarray]:  # fmt: skip
    """A panel with staggered adoption and its true effects.

    Args:
        cohorts: First treated period → number of units.
        never: Units never treated.
        periods: Periods.
        effect: ``effect(g, e)``: the effect on a unit of cohort ``g`` at ``e`` = periods since
            treatment (an array of e ≥ 0).
        noise_sd, unit_sd: Standard deviations of the noise and the unit effects.
        trend: Slope of the common period effects (plus noise of the same sd as the noise).
        seed: Seed.

    Returns:
        The panel and the true effects ``τ`` (units × periods).
    """
    rng = np.random.default_rng(seed)
    g = np.concatenate([np.full(k, c, float) for c, k in sorted(cohorts.items())]
                       + [np.full(never, NEVER)])  # fmt: skip
    n = len(g)
    t = np.arange(periods)
    alpha = rng.normal(0.0, unit_sd, n)
    lam = trend * t + rng.normal(0.0, noise_sd, periods)
    tau = np.zeros((n, periods))
    for i in range(n):
        if np.isfinite(g[i]):
            e = t - int(g[i])
            post = e >= 0
            tau[i, post] = effect(int(g[i]), e[post])
    y = alpha[:, None] + lam[None, :] + tau + rng.normal(0.0, noise_sd, (n, periods))
    return Panel(y, g, np.arange(n), t), tau
