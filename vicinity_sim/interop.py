"""Working with Mesa's tools: the keyword interface, agent-level frames, and ``model.agents``.

**Keyword interface** (for :func:`mesa.batch_run` and notebooks).
:class:`~vicinity_sim.model.VicinityModel` accepts a scenario file path instead of a scenario,
overrides as ``overrides=`` (``["run.days=90"]`` or ``{"run.days": 90}``) and, as further
keyword arguments, scenario keys with their values (``**{"fire.growth_sigma": 0.4}``), so
``batch_run`` can sweep them::

    from mesa.batchrunner import batch_run
    from vicinity_sim import VicinityModel

    rows = batch_run(
        VicinityModel,
        parameters={
            "scenario": "scenarios/tiny.toml",       # a path: one value, not swept
            "run.days": 60,
            "fire.ignition_per_household_year": [0.002, 0.004],   # swept
        },
        rng=range(3),                                # the seed of each run (Mesa 3.4+)
        max_steps=400, data_collection_period=30, display_progress=False,
    )

Sweep seeds with ``rng``: batch_run's own argument from Mesa 3.4 on; with Mesa 3.3, a parameter
(``"rng": range(3)`` inside ``parameters``; ``iterations`` would repeat one seed). Each row holds
the parameters, ``Step`` (the day's index) and the model's daily metrics
(:meth:`Recorder.get_model_vars_dataframe
<vicinity_sim.recorder.Recorder.get_model_vars_dataframe>`). ``batch_run`` iterates over
lists and dictionaries: give a list of overrides or a reporters dictionary as a one-item list
(``"agent_reporters": [{"trust": "trust_inst"}]``).

**Agent-level frames.** The fast model keeps people in arrays, not Mesa agents. Given
``agent_reporters`` (or ``agent_every``), it copies chosen columns of a table (residents by
default) every ``agent_every`` days and on the last day; ``model.datacollector.
get_agent_vars_dataframe()`` returns them in the shape of Mesa's ``DataCollector``: indexed by
``Step`` (the day) and ``AgentID`` (the row of the table), one column per reporter. ``batch_run``
includes them as it does Mesa agents' records. A resident's row is a place in the table: a
household that moves out is replaced by newcomers in the same rows (their ``arrived_day``
says since when).

**model.agents.** Mesa's ``model.agents`` would be an empty AgentSet for the fast model, which
silently misleads; it raises :class:`NoAgentSetError` naming what to use instead. The reference
engine (:class:`vicinity_sim.reference.ReferenceModel`) has one Mesa agent per person.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Tables of the world agent frames can be taken from.
AGENT_TABLES = (
    "residents",
    "households",
    "buildings",
    "landlords",
    "gridworkers",
    "grids",
    "party_members",
)

#: Reporters of residents when none are given: name → column (``col[k]``: column k of a 2-D one).
DEFAULT_REPORTERS: dict[str, dict[str, str]] = {
    "residents": {
        "village": "village", "household": "household", "building": "building",
        "group": "group", "age": "age", "employed": "employed", "income": "income",
        "trust_institutional": "trust_inst", "trust_in_group": "trust_inter[0]",
        "trust_out_group": "trust_inter[1]", "participating": "participating",
        "registered": "registered", "party": "party", "arrived_day": "arrived_day",
    },
    "households": {"village": "village", "building": "building", "group": "group",
                   "size": "size", "housing_cost": "housing_cost", "rent_burden": "rent_burden"},
    "buildings": {"village": "village", "grid": "grid", "rent": "rent", "quality": "quality",
                  "smoke_sensor": "smoke_sensor", "damage": "damage"},
}  # fmt: skip

Reporter = str | Callable[[Any], np.ndarray]


class NoAgentSetError(AttributeError):
    """The fast model has no Mesa agents: people and places are rows of arrays."""

    MESSAGE = (
        "VicinityModel keeps residents, households and buildings as arrays, not as Mesa "
        "agents, so it has no AgentSet. Use model.world.residents (and .households, "
        ".buildings, ...) for the state, VicinityModel(..., agent_reporters={...}, "
        "agent_every=N) with model.datacollector.get_agent_vars_dataframe() for agent-level "
        "frames, or the reference engine vicinity_sim.reference.ReferenceModel, which has one "
        "Mesa agent per person"
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def toml_value(value: Any) -> str:
    """A Python value as the TOML text an override reads back to the same value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float, str, list, tuple)):
        return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)
    return str(value)


def override_items(overrides: Any) -> list[str]:
    """``KEY=VALUE`` strings from one, a list of them, or a mapping of keys to values."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, Mapping):
        return [f"{k}={toml_value(v)}" for k, v in overrides.items()]
    return [str(o) for o in overrides]


def as_scenario(scenario: Any, overrides: Any = None, settings: Mapping[str, Any] | None = None,
                source: str = "VicinityModel") -> Any:  # fmt: skip
    """A validated scenario from a scenario, a file path, overrides and scenario keys.

    Args:
        scenario: A validated scenario, or the path of a scenario file.
        overrides: ``KEY=VALUE`` strings or a mapping (see :func:`override_items`).
        settings: Further scenario keys with values (keyword arguments of the model).
        source: How to name the overrides in error messages.

    Raises:
        InputError: For a missing file, an unknown key or a bad value.
    """
    from vicinity_sim.scenario.loader import (
        _apply_overrides,
        _Provenance,
        _validate,
        load_scenario,
    )

    items = override_items(overrides) + override_items(dict(settings or {}))
    labelled = [(item, f"{source}: {item}") for item in items]
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario, labelled)
    if not labelled:
        return scenario
    prov = _Provenance(scenario.source or source)
    resolved = scenario.model_dump(mode="python")
    _apply_overrides(resolved, labelled, prov)
    return _validate(resolved, prov)


class AgentFrames:
    """Agent-level values copied from a table of the world every ``every`` days.

    Args:
        world: The model's world.
        days: Days of the run (the last day is always recorded).
        table: One of :data:`AGENT_TABLES`.
        reporters: Name → column of the table (``"trust_inter[1]"`` for a column of a 2-D
            array) or a function of the world returning one value per row; default: the
            table's :data:`DEFAULT_REPORTERS`.
        every: Cadence in days (days 0, every, 2·every, … and the last day).

    Raises:
        ValueError: For an unknown table or column, or a cadence below 1.
    """

    def __init__(
        self, world: Any, days: int, table: str = "residents",
        reporters: Mapping[str, Reporter] | None = None, every: int = 1,
    ) -> None:  # fmt: skip
        if table not in AGENT_TABLES:
            raise ValueError(f"agent_table must be one of {AGENT_TABLES}, not {table!r}")
        if int(every) < 1:
            raise ValueError(f"agent_every must be at least 1 day, not {every!r}")
        reporters = dict(reporters if reporters is not None else DEFAULT_REPORTERS.get(table, {}))
        if not reporters:
            raise ValueError(f"give agent_reporters for the {table} table")
        self.world, self.table, self.every, self.last_day = world, table, int(every), days - 1
        self.reporters = reporters
        for name, spec in reporters.items():
            self._read(name, spec)  # unknown columns fail now, not on day 30
        self.steps: list[int] = []
        self.values: dict[str, list[np.ndarray]] = {name: [] for name in reporters}

    def _read(self, name: str, spec: Reporter) -> np.ndarray:
        if callable(spec):
            return np.asarray(spec(self.world))
        column, _, index = spec.partition("[")
        rows = getattr(self.world, self.table)
        if not hasattr(rows, column):
            known = [k for k in vars(rows) if not k.startswith("_")]
            raise ValueError(f"agent reporter {name!r}: the {self.table} table has no column "
                             f"{column!r} (columns: {', '.join(known)})")  # fmt: skip
        values = getattr(rows, column)
        return values[:, int(index.rstrip("]"))] if index else values

    def due(self, day: int) -> bool:
        """Whether ``day`` is recorded."""
        return day % self.every == 0 or day == self.last_day

    def record(self, day: int) -> None:
        """Copy the reporters' values on ``day``."""
        self.steps.append(day)
        for name, spec in self.reporters.items():
            self.values[name].append(np.array(self._read(name, spec), copy=True))

    def dataframe(self) -> pd.DataFrame:
        """The records indexed by ``Step`` (day) and ``AgentID`` (row), as Mesa's
        ``DataCollector.get_agent_vars_dataframe``."""
        if not self.steps:
            index = pd.MultiIndex.from_arrays([[], []], names=["Step", "AgentID"])
            return pd.DataFrame(index=index, columns=list(self.reporters))
        lengths = [len(v) for v in self.values[next(iter(self.reporters))]]
        step = np.repeat(self.steps, lengths)
        agent = np.concatenate([np.arange(n) for n in lengths])
        index = pd.MultiIndex.from_arrays([step, agent], names=["Step", "AgentID"])
        data = {name: np.concatenate(v) for name, v in self.values.items()}
        return pd.DataFrame(data, index=index)

    def records(self) -> AgentRecords:
        """The records in the layout of Mesa's ``DataCollector._agent_records``."""
        return AgentRecords(self)


class AgentRecords(Mapping):
    """``step → [(step, agent_id, value, ...), ...]``, built when a step is asked for (the
    layout :func:`mesa.batch_run` reads)."""

    def __init__(self, frames: AgentFrames | None) -> None:
        self.frames = frames

    def __getitem__(self, step: int) -> list[tuple]:
        f = self.frames
        if f is None or step not in f.steps:
            raise KeyError(step)
        k = f.steps.index(step)
        columns = [f.values[name][k].tolist() for name in f.reporters]
        return [(step, i, *row) for i, row in enumerate(zip(*columns, strict=True))]

    def __iter__(self) -> Iterator[int]:
        return iter(self.frames.steps if self.frames else [])

    def __len__(self) -> int:
        return len(self.frames.steps) if self.frames else 0
