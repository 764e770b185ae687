"""Monthly snapshots of the people who decide: one row per agent and month.

A mechanism that gives a table of people decisions registers the columns worth following
with :func:`register_snapshot`; the model copies them on every monthly record day (day 0 and
the first of each month) and on the last day, and ``vicinity-sim run`` writes each as
``agents/<name>.parquet`` with the columns ``day``, ``date``, ``agent`` (the row, which also
addresses the agent's random draws) and the registered columns.

Example:
    >>> register_snapshot("gridworkers", "gridworkers", {"grid": "Grid served (index)."})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SnapshotSpec:
    """What one agents file holds.

    Attributes:
        name: File stem (``agents/<name>.parquet``).
        table: Attribute of the world holding the rows (``"landlords"``).
        columns: Column → description with its unit. ``"col[i]"`` takes column ``i`` of a
            two-dimensional array.
        where: A boolean column of the table selecting the rows (e.g. ``"party"`` for the
            party members among residents), or ``None`` for every row.
    """

    name: str
    table: str
    columns: dict[str, str]
    where: str | None = None


_SPECS: dict[str, SnapshotSpec] = {}


def register_snapshot(
    name: str, table: str, columns: dict[str, str], where: str | None = None
) -> SnapshotSpec:
    """Register (or replace) the snapshot ``agents/<name>.parquet``."""
    spec = SnapshotSpec(name, table, dict(columns), where)
    _SPECS[name] = spec
    return spec


def snapshot_specs() -> list[SnapshotSpec]:
    """Registered snapshots, by name."""
    return [_SPECS[k] for k in sorted(_SPECS)]


def _column(rows: Any, spec: str) -> np.ndarray:
    column, _, index = spec.partition("[")
    values = getattr(rows, column)
    return values[:, int(index.rstrip("]"))] if index else values


class Snapshots:
    """The monthly copies of a run.

    Args:
        world: The model's world.
        dates: The run's dates (day index → date).
        specs: What to copy (default: every registered snapshot whose table the world has).
    """

    def __init__(
        self, world: Any, dates: np.ndarray, specs: list[SnapshotSpec] | None = None
    ) -> None:
        self.world = world
        self.dates = dates
        self.specs = [s for s in (snapshot_specs() if specs is None else specs)
                      if hasattr(world, s.table)]  # fmt: skip
        self._parts: dict[str, list[dict[str, np.ndarray]]] = {s.name: [] for s in self.specs}

    def record(self, day: int) -> None:
        """Copy every snapshot's rows as they stand at the end of ``day``."""
        for spec in self.specs:
            rows = getattr(self.world, spec.table)
            n = len(rows)
            keep = np.ones(n, dtype=bool) if spec.where is None else _column(rows, spec.where)
            agent = np.nonzero(keep)[0]
            part = {
                "day": np.full(len(agent), day, dtype=np.int32),
                "date": np.full(len(agent), self.dates[day]),
                "agent": agent.astype(np.int64),
            }
            for col in spec.columns:
                part[col] = np.array(_column(rows, col)[agent], copy=True)
            self._parts[spec.name].append(part)

    def tables(self) -> dict[str, dict[str, np.ndarray]]:
        """Every snapshot's records as columns, by name (snapshots with no record left out)."""
        out = {}
        for spec in self.specs:
            parts = self._parts[spec.name]
            if parts:
                out[spec.name] = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        return out
