"""Recorder: daily values of every process's metrics, in preallocated columns.

It follows Mesa's ``DataCollector`` conventions for model-level variables
(``model_vars`` and :meth:`Recorder.get_model_vars_dataframe`), so Mesa's visualisation and
analysts' habits work unchanged; it stores floats in numpy arrays rather than Python lists.
Metrics of weekly or monthly processes are counts of what happened on the day they ran and
are 0 on other days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class Recorder:
    """Daily model variables of one run.

    Args:
        names: Metric names in column order.
        days: Number of days of the run.
        dates: Calendar date of each day.
    """

    def __init__(self, names: list[str], days: int, dates: np.ndarray) -> None:
        self.names = list(names)
        self.days = days
        self.dates = dates
        self._data = {n: np.zeros(days) for n in self.names}
        self.recorded = 0

    def collect(self, day: int, values: dict[str, float]) -> None:
        """Store one day's values (missing metrics stay 0)."""
        for name, value in values.items():
            self._data[name][day] = value
        self.recorded = max(self.recorded, day + 1)

    def column(self, name: str) -> np.ndarray:
        """Recorded values of one metric (view, days so far)."""
        return self._data[name][: self.recorded]

    def columns(self) -> dict[str, np.ndarray]:
        """All columns, with day, date and the cost totals derived from the parts."""
        n = self.recorded
        out: dict[str, np.ndarray] = {
            "day": np.arange(n, dtype=np.int32),
            "date": self.dates[:n],
        }
        out.update({k: v[:n] for k, v in self._data.items()})
        if "cost_capital_cny" in out:
            out["cost_cny"] = out["cost_capital_cny"] + out["cost_running_cny"]
            out["cost_total_cny"] = np.cumsum(out["cost_cny"])
        return out

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Mesa-style ``{name: [value per step]}``."""
        return {k: list(v) for k, v in self.columns().items() if k not in ("day", "date")}

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """Model variables as a DataFrame indexed by day (Mesa's DataCollector shape)."""
        cols = self.columns()
        index = pd.Index(cols.pop("day"), name="day")
        return pd.DataFrame(cols, index=index)
