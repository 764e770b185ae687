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

With agent frames switched on (:meth:`Recorder.track_agents`), it also keeps agent-level
values at a chosen cadence, in the shape of Mesa's agent records
(:meth:`Recorder.get_agent_vars_dataframe`, and the ``agent_reporters`` and
``_agent_records`` that :func:`mesa.batch_run` reads); see :mod:`vicinity_sim.interop`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vicinity_sim.interop import AgentFrames, AgentRecords
from vicinity_sim.outcomes import derived_series

#: Daily metrics that are spending of the program; their sum is ``cost_cny``.
COST_PARTS = ("cost_capital_cny", "cost_running_cny", "points_awarded_cny",
              "renovation_subsidy_cny", "operator_bonus_cny")  # fmt: skip


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
        # One row per metric: a day's values go in with one scatter.
        self._table = np.zeros((len(self.names), days))
        self._row = {name: k for k, name in enumerate(self.names)}
        for name in self.levels & set(self.names):
            self._table[self._row[name]] = np.nan
        #: For each order of metric names a day has delivered: their rows, and the rows of
        #: the levels missing from it (they repeat the day before).
        self._layouts: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.recorded = 0
        self.agent_frames: AgentFrames | None = None

    def track_agents(self, frames: AgentFrames) -> None:
        """Record agent-level values as ``frames`` says, from now on."""
        self.agent_frames = frames

    @property
    def agent_reporters(self) -> dict:
        """Names of the agent-level values (Mesa's ``DataCollector.agent_reporters``)."""
        return dict(self.agent_frames.reporters) if self.agent_frames else {}

    @property
    def _agent_records(self) -> AgentRecords:
        """Agent records by step, in the layout of Mesa's ``DataCollector``."""
        return AgentRecords(self.agent_frames)

    @property
    def _collection_steps(self) -> list[int]:
        """Steps (days) with model variables, as Mesa 3.5's ``batch_run`` reads them."""
        return list(range(self.recorded))

    #: Mesa 3.5's agent-type records: none (agent frames come from one table).
    agenttype_reporters: dict = {}

    @property
    def _agenttype_records(self) -> dict:
        return {}

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """Agent-level values indexed by ``Step`` (day) and ``AgentID`` (table row), as
        Mesa's ``DataCollector.get_agent_vars_dataframe``; empty unless agent frames were
        asked for (``VicinityModel(..., agent_reporters=..., agent_every=...)``)."""
        if self.agent_frames is None:
            index = pd.MultiIndex.from_arrays([[], []], names=["Step", "AgentID"])
            return pd.DataFrame(index=index)
        return self.agent_frames.dataframe()

    def collect(self, day: int, values: dict[str, float]) -> None:
        """Store one day's values (missing counts stay 0; missing levels repeat)."""
        names = tuple(values)
        layout = self._layouts.get(names)
        if layout is None:
            layout = self._layouts[names] = self._layout(names)
        rows, missing_levels = layout
        self._table[rows, day] = np.fromiter(values.values(), dtype=float, count=len(rows))
        if day > 0 and len(missing_levels):
            self._table[missing_levels, day] = self._table[missing_levels, day - 1]
        self.recorded = max(self.recorded, day + 1)
        if self.agent_frames is not None and self.agent_frames.due(day):
            self.agent_frames.record(day)

    @property
    def _data(self) -> dict[str, np.ndarray]:
        """Each metric's row of the table (views: writing into one writes the record).
        Made afresh on each use, so a copied recorder's rows are its own table's."""
        return {name: self._table[k] for name, k in self._row.items()}

    def _layout(self, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Rows of ``names`` and of the levels not among them."""
        row = self._row
        unknown = [n for n in names if n not in row]
        if unknown:
            raise KeyError(f"metrics not declared to the recorder: {unknown}")
        missing = sorted(row[n] for n in self.levels - set(names) if n in row)
        return (np.array([row[n] for n in names], dtype=np.int64),
                np.array(missing, dtype=np.int64))  # fmt: skip

    def column(self, name: str) -> np.ndarray:
        """Recorded values of one metric (view, days so far)."""
        return self._table[self._row[name], : self.recorded]

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
        """Mesa-style ``{name: [value per step]}`` (built once per recorded day: Mesa's
        ``batch_run`` reads it at every collected step)."""
        cached = getattr(self, "_model_vars", None)
        if cached is None or cached[0] != self.recorded:
            cols = self.columns()
            cached = (self.recorded, {k: v.tolist() for k, v in cols.items()
                                      if k not in ("day", "date")})  # fmt: skip
            self._model_vars = cached
        return cached[1]

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """Model variables as a DataFrame indexed by day (Mesa's DataCollector shape)."""
        cols = self.columns()
        index = pd.Index(cols.pop("day"), name="day")
        return pd.DataFrame(cols, index=index)
