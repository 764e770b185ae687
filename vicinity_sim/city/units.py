"""A village of a city run: its own world, streams and model.

A :class:`VillageUnit` is one village of a multi-village scenario simulated on its own: its
world is built with the city's world streams at the village's position (so it is exactly that
village of the whole city's world), and its processes draw from the village's own streams
(:class:`~vicinity_sim.streams.Streams` with ``village=position``), except the city-wide ones
(the weather). Nothing a unit does depends on the other villages or on where it runs; units
meet only at the month boundaries, through the coordinator (:mod:`vicinity_sim.city.run`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vicinity_sim.city.combine import WEIGHTS, weights_needed
from vicinity_sim.city.panel import month_row
from vicinity_sim.interventions.waves import need_indicators
from vicinity_sim.model import UnitContext, build_scenario_world
from vicinity_sim.streams import Streams

ENGINES = ("fast", "reference")


def unit_scenario(scenario: Any, position: int) -> Any:
    """The scenario of one village's unit: that village alone, with the city's settings.

    Interventions that name villages keep applying to this one if they name it and are
    switched off if they do not (a unit's world holds no other village to name).
    """
    spec = scenario.villages[position]
    interventions = []
    for iv in scenario.interventions:
        if "all" in iv.villages:
            interventions.append(iv)
        elif spec.name in iv.villages:
            interventions.append(iv.model_copy(update={"villages": [spec.name]}))
        else:
            interventions.append(iv.model_copy(update={"enabled": False}))
    return scenario.model_copy(update={"villages": [spec], "interventions": interventions})


@dataclass
class UnitInfo:
    """What a unit tells the coordinator once its world is built.

    Attributes:
        position: The village's position in the scenario.
        name: The village's name.
        residents: Residents at the start.
        indicators: Need indicators (:func:`~vicinity_sim.interventions.waves.need_indicators`).
        sizes: Rows of each table at the start (buildings, households, ...).
    """

    position: int
    name: str
    residents: int
    indicators: np.ndarray
    sizes: dict[str, int]


@dataclass
class UnitDays:
    """A unit's record of the days since the last boundary.

    Attributes:
        position: The village's position.
        first, end: The days covered, ``first .. end − 1``.
        values: Metric → its value on each day.
        weights: Weight (of :data:`~vicinity_sim.city.combine.WEIGHTS`) → its value each day.
        panel: The village's outcomes over the days (a row of the monthly panel).
        offer: The village's offer to the city's exchange at ``end``
            (:meth:`~vicinity_sim.city.exchange.Exchange.offer`).
    """

    position: int
    first: int
    end: int
    values: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    panel: dict[str, float]
    offer: Any = None

    # A month's record crosses from a worker to the coordinator every month, and the
    # coordinator waits for it before the next month can start. Pickled as they are, its
    # ~200 short series cost about 14 µs each to pickle and as much to unpickle (a second per
    # month for a city of 108 villages); as one table they cost almost nothing.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["values"] = _pack(state["values"])
        state["weights"] = _pack(state["weights"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["values"] = _unpack(state["values"])
        state["weights"] = _unpack(state["weights"])
        self.__dict__.update(state)


def _pack(series: dict[str, np.ndarray]) -> Any:
    """Series of the same length and dtype as (names, one 2-D table); others as they are."""
    arrays = list(series.values())
    if not arrays or any(a.ndim != 1 or a.dtype != arrays[0].dtype or len(a) != len(arrays[0])
                         for a in arrays):  # fmt: skip
        return series
    return (tuple(series), np.stack(arrays))


def _unpack(packed: Any) -> dict[str, np.ndarray]:
    """The series of :func:`_pack`: rows of its table, by name."""
    if isinstance(packed, dict):
        return packed
    names, table = packed
    return dict(zip(names, table, strict=True))


class VillageUnit:
    """One village of a city run.

    Args:
        scenario: The city's scenario.
        position: The village's position in it.
        seed: The run's seed.
        replication: The run's replication.
        engine: ``fast`` or ``reference``.
    """

    def __init__(self, scenario: Any, position: int, seed: int, replication: int,
                 engine: str = "fast") -> None:  # fmt: skip
        self.position = int(position)
        self.seed = int(seed)
        self.replication = int(replication)
        self.engine = engine
        self.scenario = unit_scenario(scenario, position)
        streams = Streams(self.seed, self.replication)  # the city's world streams
        self.world = build_scenario_world(self.scenario, streams, [self.position])
        self.model: Any = None

    def info(self) -> UnitInfo:
        """The village as built (before any day)."""
        w = self.world
        tables = ("buildings", "blocks", "grids", "households", "residents", "landlords",
                  "gridworkers")  # fmt: skip
        sizes = {t: len(getattr(w, t)) for t in tables}
        return UnitInfo(self.position, w.village_names[0], len(w.residents),
                        need_indicators(w)[0], sizes)  # fmt: skip

    def start(self, wave: str | None) -> None:
        """Make the village's model, now that its wave is known."""
        context = UnitContext(self.position, self.world, wave)
        if self.engine == "reference":
            from vicinity_sim.reference import ReferenceModel

            self.model = ReferenceModel(self.scenario, rng=self.seed,
                                        replication=self.replication, unit=context)  # fmt: skip
            self.metrics = list(self.model.metric_names)
        else:
            from vicinity_sim.model import VicinityModel

            self.model = VicinityModel(self.scenario, rng=self.seed, replication=self.replication,
                                       unit=context)  # fmt: skip
            self.metrics = list(self.model.datacollector.names)
        self.weights = weights_needed(self.metrics)

    def _values(self, first: int, end: int) -> dict[str, np.ndarray]:
        if self.engine == "reference":
            data = self.model.datacollector.model_vars
            return {m: np.asarray(data[m][first:end], dtype=np.float64) for m in self.metrics}
        rec = self.model.datacollector
        return {m: rec.column(m)[first:end].copy() for m in self.metrics}

    def advance(self, end: int) -> UnitDays:
        """Simulate up to (not including) day ``end``; return the days' record."""
        m = self.model
        first = m.day
        n = max(end - first, 0)
        # Weights are states of the village, measured at the month boundary (units advance
        # a month at a time).
        fixed = {w: WEIGHTS[w](m) for w in self.weights}
        for _ in range(n):
            m.step()
        values = self._values(first, first + n)
        weights = {w: np.full(n, v) for w, v in fixed.items()}
        return UnitDays(self.position, first, first + n, values, weights, month_row(values))

    def events(self) -> dict[str, np.ndarray]:
        """The village's fire events (building indices within the village)."""
        from vicinity_sim.runs import fire_events

        return fire_events(self.model)

    def agents(self) -> dict[str, dict[str, np.ndarray]]:
        """The village's monthly snapshots of its deciding agents (fast engine)."""
        return self.model.snapshots.tables() if self.engine == "fast" else {}
