"""Paired comparison of scenarios over common seeds.

Each scenario runs with the same seeds; because every random draw is addressed by (seed,
process, day, entity), the arms share all randomness the policy does not touch (common random
numbers), and differences are estimated per seed. The interval is a Student-t interval over
the per-seed differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats


@dataclass
class PairedEffect:
    """Paired difference of one outcome between an arm and the reference."""

    outcome: str
    reference_mean: float
    arm_mean: float
    diff_mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def relative(self) -> float:
        """Difference as a share of the reference mean."""
        return self.diff_mean / self.reference_mean if self.reference_mean else math.nan


def paired_effect(
    outcome: str, reference: list[float], arm: list[float], level: float = 0.95
) -> PairedEffect:
    """Mean difference ``arm - reference`` over seeds with a t confidence interval.

    Seeds where either value is undefined (NaN, e.g. a mean over no fires) are dropped.
    """
    ref = np.asarray(reference, dtype=float)
    alt = np.asarray(arm, dtype=float)
    ok = np.isfinite(ref) & np.isfinite(alt)
    ref, alt = ref[ok], alt[ok]
    n = len(ref)
    if n == 0:
        return PairedEffect(outcome, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    d = alt - ref
    mean = float(d.mean())
    if n > 1 and d.std(ddof=1) > 0:
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
    else:
        half = 0.0 if n > 1 else math.nan
    return PairedEffect(
        outcome, float(ref.mean()), float(alt.mean()), mean, mean - half, mean + half, n
    )


def compare_summaries(
    summaries: dict[str, list[dict[str, Any]]], outcomes: list[str], reference: str
) -> dict[str, list[PairedEffect]]:
    """Paired effects of every arm against the reference.

    Args:
        summaries: Arm name → list of run summaries, one per seed, in the same seed order.
        outcomes: Outcome names to compare.
        reference: Name of the reference arm.

    Returns:
        Arm name → effects, one per outcome (the reference arm is left out).
    """
    ref = summaries[reference]
    return {
        arm: [paired_effect(o, [s[o] for s in ref], [s[o] for s in runs]) for o in outcomes]
        for arm, runs in summaries.items()
        if arm != reference
    }


def format_number(x: float) -> str:
    """Readable number: thousands separators for large values, 3 significant digits else."""
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"
