"""Recorder: daily values of every process's metrics, in preallocated columns.

It follows Mesa's ``DataCollector`` conventions for model-level variables
(``model_vars`` and :meth:`Recorder.get_model_vars_dataframe`), so Mesa's visualisation and
analysts' habits work unchanged; it stores floats in numpy arrays rather than Python lists.
Metrics of weekly or monthly processes are counts of what happened on the day they ran and
are 0 on other days, except *levels* (states such as a participation rate), which repeat their
last value.

:meth:`Recorder.columns` adds series derived from the recorded counts under the names of the
outcome contract, as the run so far (the value on day ``d`` is what ``summary.json`` would
report for a run stopped after day ``d``; the last row equals the summary):
``cost_total_cny``, ``police_incidents_per_year`` and ``disputes_resolved_grassroots_share``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vicinity_sim.outcomes import derived_series

#: Daily metrics that are spending of the program; their sum is ``cost_cny``.
COST_PARTS = ("cost_capital_cny", "cost_running_cny", "points_awarded_cny")


class Recorder:
    """Daily model variables of one run.

    Args:
        names: Metric names in column order.
        days: Number of days of the run.
        dates: Calendar date of each day.
    """

    def __init__(
        self, names: list[str], days: int, dates: np.ndarray, levels: frozenset[str] = frozenset()
    ) -> None:
        self.names = list(names)
        self.days = days
        self.dates = dates
        self.levels = frozenset(levels)
        self._data = {n: np.full(days, np.nan) if n in self.levels else np.zeros(days)
                      for n in self.names}  # fmt: skip
        self.recorded = 0

    def collect(self, day: int, values: dict[str, float]) -> None:
        """Store one day's values (missing counts stay 0; missing levels repeat)."""
        for name, value in values.items():
            self._data[name][day] = value
        if day > 0:
            for name in self.levels - values.keys():
                self._data[name][day] = self._data[name][day - 1]
        self.recorded = max(self.recorded, day + 1)

    def column(self, name: str) -> np.ndarray:
        """Recorded values of one metric (view, days so far)."""
        return self._data[name][: self.recorded]

    def columns(self) -> dict[str, np.ndarray]:
        """All columns, with day, date, the cost totals derived from the parts and the
        contract names derived from processes' columns (``income_collective`` over the
        trailing twelve months, ``displaced_households`` so far, the dispute outcomes of the
        run so far; see
        :func:`~vicinity_sim.outcomes.derived_series`)."""
        n = self.recorded
        out: dict[str, np.ndarray] = {
            "day": np.arange(n, dtype=np.int32),
            "date": self.dates[:n],
        }
        out.update({k: v[:n] for k, v in self._data.items()})
        parts = [out[k] for k in COST_PARTS if k in out]
        if parts:
            out["cost_cny"] = np.sum(parts, axis=0)
            out["cost_total_cny"] = np.cumsum(out["cost_cny"])
        out.update(derived_series(out))
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
