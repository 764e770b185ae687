"""Balanced unit × period panels, the input of every estimator.

An estimator sees what an evaluator sees: each unit's outcome in each period and the period in
which the unit was first treated (its *cohort*; ``inf`` for a unit never treated within the
panel). :class:`Panel` holds them as arrays; :func:`from_city` makes one from a city run's
``villages.parquet`` (:mod:`vicinity_sim.city.panel`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Cohort of a unit never treated within the panel.
NEVER = np.inf


@dataclass(frozen=True)
class Panel:
    """A balanced panel.

    Attributes:
        y: Outcomes, shape ``(units, periods)``.
        cohort: First treated period of each unit (``NEVER``: not within the panel).
        units: Unit labels.
        periods: Period labels (e.g. months), in order.
    """

    y: np.ndarray
    cohort: np.ndarray
    units: np.ndarray
    periods: np.ndarray

    @property
    def n(self) -> int:
        return self.y.shape[0]

    @property
    def t(self) -> int:
        return self.y.shape[1]

    def treated(self) -> np.ndarray:
        """``D[i, t]``: unit ``i`` is treated in period ``t`` (absorbing)."""
        return np.arange(self.t)[None, :] >= self.cohort[:, None]

    def cohorts(self) -> np.ndarray:
        """The cohorts treated within the panel, in order."""
        c = np.unique(self.cohort[np.isfinite(self.cohort)])
        return c.astype(np.int64)


def from_frame(
    df: pd.DataFrame, outcome: str, unit: str = "unit", period: str = "period",
    cohort: str = "cohort",
) -> Panel:  # fmt: skip
    """A panel from a long table (one row per unit and period).

    Args:
        df: The table.
        outcome, unit, period, cohort: Its columns; ``cohort`` holds the first treated period
            (in the values of ``period``), ``NaN`` or ``inf`` for never treated.

    Raises:
        ValueError: If the panel is not balanced, the outcome has missing values, or a unit's
            cohort is not constant.
    """
    periods = np.sort(df[period].unique())
    units = np.sort(df[unit].unique())
    wide = df.pivot(index=unit, columns=period, values=outcome).reindex(
        index=units, columns=periods
    )
    if wide.isna().to_numpy().any():
        raise ValueError(f"{outcome}: the panel is unbalanced or has missing values")
    per_unit = df.groupby(unit)[cohort].agg(["min", "max"]).reindex(units)
    same = (per_unit["min"] == per_unit["max"]) | per_unit["min"].isna()
    if not same.all():
        raise ValueError("a unit's cohort changes over time")
    index = {p: k for k, p in enumerate(periods)}
    raw = per_unit["min"].to_numpy(dtype=float)
    g = np.array([NEVER if not np.isfinite(c) else index.get(c, NEVER) for c in raw])
    return Panel(wide.to_numpy(dtype=float), g, units, periods)


def from_city(panel: Any, outcome: str) -> Panel:
    """A panel of villages × months from a city run's monthly panel.

    Args:
        panel: ``villages.parquet`` as a DataFrame, or the run's panel columns.
        outcome: A column of it (``fires``, ``rent_index``, ``trust_institutional`` ...).

    The cohort of a village is the month its program started, if that month is within the
    run (``program_months == 0``); otherwise it is never treated.
    """
    df = pd.DataFrame(panel) if not isinstance(panel, pd.DataFrame) else panel
    months = np.sort(df["month"].unique())
    period = {m: k for k, m in enumerate(months)}
    df = df.assign(period=df["month"].map(period))
    first = df.loc[df["program_months"] == 0].groupby("position")["period"].min()
    df = df.assign(cohort=df["position"].map(first).astype(float))
    out = from_frame(df, outcome, unit="position", period="period", cohort="cohort")
    return Panel(out.y, out.cohort, out.units, months)
