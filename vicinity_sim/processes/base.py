"""Processes: one mechanism each, run by the model in a declared order.

A process is a class with

* ``name``: its stream name and, if it has parameters, its section in the scenario file;
* ``order``: position in the daily schedule (lower runs first; see :data:`SCHEDULE`);
* ``cadence``: ``"day"``, ``"week"`` or ``"month"`` (run on day 0 and then every 7 days, or
  on the first day of each calendar month);
* ``Params``: a :class:`~vicinity_sim.params.ParamModel` subclass, or ``None``;
* ``metrics``: the time-series columns it reports, with a description each;
* ``levels``: those metrics that are states rather than counts: on days a weekly or monthly
  process does not run they repeat their last value (counts are 0 on such days);
* ``step(day, key)``: advance the mechanism by one period, returning its metrics.

Registering a class with :func:`register` is all it takes to add a mechanism: the scenario
schema gains its parameter section and the model runs it in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from vicinity_sim.params import ParamModel

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

#: Conventional positions in the daily schedule (docs/ODD.md §3).
SCHEDULE = {
    "weather": 5,
    "interventions": 10,
    "behaviour": 15,
    "contacts": 20,
    "governance": 30,
    "disputes": 40,
    "participation": 50,
    "hazards": 60,
    "economy": 70,
    "migration": 80,
}


class Process:
    """Base class of a mechanism.

    Args:
        model: The model the process belongs to (gives access to world, scenario, calendar).
        params: The process's parameter section (an instance of ``Params``) or ``None``.
    """

    name: ClassVar[str]
    order: ClassVar[int]
    cadence: ClassVar[str] = "day"
    Params: ClassVar[type[ParamModel] | None] = None
    metrics: ClassVar[dict[str, str]] = {}
    levels: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, model: VicinityModel, params: ParamModel | None) -> None:
        self.model = model
        self.world = model.world
        self.params = params

    def step(self, day: int, key: np.uint64) -> Mapping[str, float]:
        """Advance the mechanism; return today's values of ``metrics``."""
        raise NotImplementedError


_REGISTRY: dict[str, type[Process]] = {}


def register(cls: type[Process]) -> type[Process]:
    """Class decorator adding a process to the registry."""
    if cls.cadence not in ("day", "week", "month"):
        raise ValueError(f"{cls.__name__}: cadence must be day, week or month")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"process name {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a process from the registry (for plug-ins and tests that add their own)."""
    _REGISTRY.pop(name, None)


def registered() -> list[type[Process]]:
    """Registered processes in schedule order (ties broken by name)."""
    return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.name))
