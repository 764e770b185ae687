"""ReferenceModel: the model as Mesa agents and plain-Python step functions."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import mesa
import numpy as np

from vicinity_sim.model import DailyProcesses, UnitContext
from vicinity_sim.processes import registered
from vicinity_sim.recorder import Recorder
from vicinity_sim.reference.agents import (
    Gridworker,
    InServiceMember,
    Landlord,
    PartyMember,
    Resident,
)
from vicinity_sim.reference.processes import ReferenceProcess, reference_class
from vicinity_sim.world.codes import IN_SERVICE_MEMBER


class ReferenceModel(DailyProcesses, mesa.Model):
    """The urban-village model with one Mesa agent per person; one step is one day.

    Built from the same scenario and seed as :class:`~vicinity_sim.model.VicinityModel`, it
    starts from the same world (the same builder and streams), then turns every row of the
    residents, landlords, gridworkers and party members tables into an agent. Each day it
    runs the reference version of every registered process, in the fast model's order and
    cadence, and collects
    the day's metrics with Mesa's :class:`~mesa.DataCollector`.

    Args:
        scenario: A validated scenario.
        rng: Seed of the run (default: the scenario's ``run.seed``).
        replication: Replication index (default: the scenario's ``run.replication``).
        unit: In a city run, the village this model simulates (as for the fast model).

    Attributes:
        spec: The scenario.
        seed: Integer seed of every stream.
        streams: Random streams, addressed as in the fast model.
        calendar: Dates of the run's days.
        world: Places and their levers (shared tables; people live in the agents).
        residents: Resident agents by row (the row addresses their draws).
        landlords: Landlord agents by row.
        gridworkers: Gridworker agents by row (interventions add rows).
        party_members: Party-member agents by row (interventions and newcomers add rows).
        processes: Reference processes in the order they run.
        datacollector: Mesa DataCollector of the daily metrics.
        day: Index of the next day to simulate.
    """

    def __init__(
        self, scenario: Any, *, rng: int | np.random.Generator | None = None,
        replication: int | None = None, unit: UnitContext | None = None,
    ) -> None:  # fmt: skip
        self._start(scenario, rng, replication, unit)
        w = self.world
        self.residents: list[Resident] = [self.new_resident(i) for i in range(len(w.residents))]
        landlord_columns = w.landlords.columns()
        self.landlords: list[Landlord] = [
            Landlord(self, i, _row(landlord_columns, i)) for i in range(len(w.landlords))
        ]
        for b, owner in enumerate(w.buildings.owner):
            self.landlords[int(owner)].buildings.append(b)
        self.gridworkers: list[Gridworker] = []
        self.add_gridworkers()
        self.party_members: list[PartyMember] = []
        self.add_party_members()
        fast = [c for c in registered() if c.name not in scenario.run.disabled_processes]
        self.processes: list[ReferenceProcess] = [
            reference_class(c.name)(self, getattr(scenario, c.name) if c.Params else None)
            for c in fast
        ]
        self.add_party_members()  # rows interventions registered when planning their rollout
        self.metric_names = [m for c in fast for m in c.metrics]
        self.levels = frozenset().union(*(c.levels for c in fast))
        self.today: dict[str, float] = {}
        #: Applicants the city's housing market turned away last month in each village, as
        #: the landlords read them (None outside a city run with the market:
        #: :mod:`vicinity_sim.city.market`).
        self.city_applicants: np.ndarray | None = None
        self.datacollector = mesa.DataCollector(
            model_reporters={n: partial(_reported, name=n) for n in self.metric_names}
        )
        self.day = 0
        self.running = True

    # -- people ----------------------------------------------------------------------------

    def new_resident(self, row: int) -> Resident:
        """The agent of the resident in ``row`` of the world's residents table (as built, or
        as a newcomer has just been written there)."""
        w = self.world
        values = _row(w.residents.columns(), row)
        return Resident(self, row, values, w.ties.to[row].tolist(), w.ties.w[row].tolist())

    def add_gridworkers(self) -> list[Gridworker]:
        """Agents for gridworker rows hired since the last call (interventions add rows)."""
        gw = self.world.gridworkers
        columns = gw.columns()
        new = [Gridworker(self, i, _row(columns, i))
               for i in range(len(self.gridworkers), len(gw))]  # fmt: skip
        self.gridworkers.extend(new)
        return new

    def add_party_members(self) -> list[PartyMember]:
        """Agents for party-member rows added since the last call (resident members as built
        or joining, in-service members an intervention registers)."""
        m = self.world.party_members
        columns = m.columns()
        new = []
        for i in range(len(self.party_members), len(m)):
            values = _row(columns, i)
            cls = InServiceMember if values["kind"] == IN_SERVICE_MEMBER else PartyMember
            new.append(cls(self, i, values))
        self.party_members.extend(new)
        return new

    # -- running ---------------------------------------------------------------------------

    def step(self) -> None:
        """Simulate one day: every due process in order, then collect."""
        if self.day >= self.days:
            self.running = False
            return
        self.today = self.run_due_processes(self.day)
        self.datacollector.collect(self)
        self.day += 1
        self.running = self.day < self.days

    def run(self, days: int | None = None) -> None:
        """Simulate ``days`` more days (default: to the end of the run)."""
        n = self.days - self.day if days is None else min(days, self.days - self.day)
        for _ in range(n):
            self.step()

    def columns(self) -> dict[str, np.ndarray]:
        """The collected metrics in the fast model's column layout (day, date, cost totals)."""
        recorder = Recorder(self.metric_names, self.days, self.calendar.dates, self.levels)
        data = self.datacollector.model_vars
        for day in range(self.day):
            recorder.collect(day, {n: data[n][day] for n in self.metric_names})
        return recorder.columns()


def _reported(model: ReferenceModel, name: str) -> float:
    """Today's value of a metric: counts are 0 on days their process does not run, levels
    (states) repeat their last value."""
    if name in model.today:
        return model.today[name]
    if name in model.levels:
        previous = model.datacollector.model_vars.get(name, [])
        return previous[-1] if previous else math.nan
    return 0.0


def _row(columns: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    return {name: col[i] for name, col in columns.items()}
