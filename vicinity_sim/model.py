"""VicinityModel: a Mesa model whose state is arrays and whose step runs the processes.

Example:
    >>> from vicinity_sim import VicinityModel, load_scenario
    >>> model = VicinityModel(load_scenario("scenarios/tiny.toml"), rng=3)
    >>> model.run(days=30)
    >>> model.datacollector.get_model_vars_dataframe()["fires"].sum()
"""

from __future__ import annotations

from typing import Any, NamedTuple

import mesa
import numpy as np
from tqdm import tqdm  # plain text bars: no notebook widgets needed

from vicinity_sim.calendar import Calendar
from vicinity_sim.interop import AgentFrames, NoAgentSetError, as_scenario
from vicinity_sim.interventions.waves import (
    WAVES_STREAM,
    assign_waves,
    need_indicators,
    start_days,
)
from vicinity_sim.processes import Process, registered
from vicinity_sim.recorder import Recorder
from vicinity_sim.snapshots import Snapshots
from vicinity_sim.streams import Streams
from vicinity_sim.world import World, build_world


def resolve_seed(scenario: Any, rng: int | np.random.Generator | None) -> int:
    """Integer seed of a run: ``rng`` if given (a Generator is reduced to an integer), else
    the scenario's ``run.seed``."""
    if rng is None:
        return int(scenario.run.seed)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    return int(rng)


class UnaddressedRandom:
    """Stands in for Mesa's ``model.random`` and ``model.rng``, which no mechanism may use.

    Every random number of a run comes from the addressed streams (``model.streams``): that is
    what makes two policy arms share every draw the policy does not touch and a run replayable
    from any day. A draw from Mesa's own generators would escape the addressing, so any use
    of them (a draw, a shuffle, an agent set's random order) raises, naming the way to go.

    Args:
        name: The attribute replaced (``random`` or ``rng``).
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise RuntimeError(
            f"model.{self._name}.{attr}: the model's random numbers come from its addressed "
            "streams; draw with vicinity_sim.streams.uniform(model.streams.key(process, day), "
            "slot, index) or model.streams.generator(process, day)"
        )

    def __repr__(self) -> str:
        return f"<unusable Mesa {self._name}: draws come from model.streams>"


def guard_mesa_random(model: mesa.Model) -> None:
    """Replace Mesa's generators of ``model`` (and of its agent sets) by
    :class:`UnaddressedRandom`, so that no mechanism can draw from them."""
    model.random = UnaddressedRandom("random")
    model.rng = UnaddressedRandom("rng")
    model._all_agents.random = model.random


def build_scenario_world(scenario: Any, streams: Streams, ids: list[int] | None = None) -> World:
    """The starting world of a run: drawn from the run's streams, or from ``run.world_seed``'s
    if the scenario fixes the world across seeds (``ids``: the villages' positions in the
    city, for a city run's unit)."""
    if scenario.run.world_seed is not None:
        streams = Streams(scenario.run.world_seed, 0)
    return build_world(scenario.villages, streams, scenario.source, ids)


def city_wide_streams() -> frozenset[str]:
    """Streams of the registered processes that draw for the whole city (the weather)."""
    return frozenset(c.name for c in registered() if c.city_wide)


class UnitContext(NamedTuple):
    """What a city run gives the model of one of its villages (:mod:`vicinity_sim.city`).

    Attributes:
        position: The village's position in the city's scenario: it addresses the village's
            own streams (:class:`~vicinity_sim.streams.Streams`).
        world: The village's world, built with the city's streams at that position.
        wave: The village's wave of the staggered rollout (``None``: in no wave), as the
            city's coordinator assigned it.
    """

    position: int
    world: World
    wave: str | None = None


class DailyProcesses:
    """What both engines share: the seed, streams, calendar and world of a run, days of the
    calendar, processes by name, and running the processes due on a day in schedule order,
    each with its stream key for that day."""

    calendar: Calendar
    streams: Streams
    processes: list[Any]

    def _start(self, scenario: Any, rng: int | np.random.Generator | None,
               replication: int | None, unit: UnitContext | None = None) -> None:  # fmt: skip
        """Set up what both engines share: one integer seed for the addressed streams (Mesa's
        own generators are seeded with it too, then made unusable), the calendar, the world
        (given by ``unit`` in a city run) and the villages' program start days."""
        seed = resolve_seed(scenario, rng)
        super().__init__(rng=seed)  # type: ignore[call-arg]  # mesa.Model, next in the MRO
        guard_mesa_random(self)  # type: ignore[arg-type]
        self.spec = scenario
        self.seed = seed
        self.replication = scenario.run.replication if replication is None else replication
        self.calendar = Calendar(scenario.run.start_date, scenario.run.days)
        #: Program start day of each village (−1: in no wave), or None without waves.
        self.village_starts: np.ndarray | None = None
        if unit is None:
            self.streams = Streams(seed, self.replication)
            self.world: World = build_scenario_world(scenario, self.streams)
            waves = self._assign_waves(scenario)
        else:
            self.streams = Streams(seed, self.replication, unit.position, city_wide_streams())
            self.world = unit.world
            waves = [unit.wave]
        if scenario.rollout.staggered:
            self.village_starts = start_days(scenario.rollout, waves)
        #: Each village's wave of the staggered rollout (None: in no wave or no waves).
        self.village_waves: list[str | None] = waves

    def _assign_waves(self, scenario: Any) -> list[str | None]:
        """The waves of this model's villages, from their need or the city's random order."""
        gen = self.streams.generator(WAVES_STREAM)
        names = [v.name for v in scenario.villages]
        indicators = need_indicators(self.world) if scenario.rollout.staggered else None
        return assign_waves(scenario.rollout, names, indicators, gen)  # type: ignore[arg-type]

    @property
    def days(self) -> int:
        return self.calendar.days

    def process(self, name: str) -> Any:
        """The process instance registered under ``name``."""
        for p in self.processes:
            if p.name == name:
                return p
        raise KeyError(name)

    def run_due_processes(self, day: int) -> dict[str, float]:
        """Run every process due on ``day``; return their metrics for the day."""
        values: dict[str, float] = {}
        for proc, keys in self._due(day):
            values.update(proc.step(day, keys[day]))
        return values

    def _due(self, day: int) -> list[tuple[Any, np.ndarray]]:
        """The processes due on ``day`` in schedule order, each with its stream's keys of the
        run's days. A day's list depends only on whether it starts a week and a month, so four
        lists serve a whole run (asking each process's cadence and key every day showed in
        the fixed cost of a small village's day). Made again if the list of processes is
        replaced or changes length."""
        cal = self.calendar
        kind = (cal.is_due("week", day), cal.is_due("month", day))
        cache = self.__dict__.setdefault("_due_lists", {})
        hit = cache.get(kind)
        if hit is None or hit[0] is not self.processes or hit[1] != len(self.processes):
            due = [(p, self.streams.day_keys(p.name, self.days)) for p in self.processes
                   if cal.is_due(p.cadence, day)]  # fmt: skip
            hit = cache[kind] = (self.processes, len(self.processes), due)
        return hit[2]


class VicinityModel(DailyProcesses, mesa.Model):
    """An urban-village governance model: one step is one day.

    The model owns the world (struct-of-arrays tables of buildings, residents and the rest)
    and runs every registered process in schedule order each day, giving each the random
    stream keyed by (seed, replication, process, day).

    Args:
        scenario: A validated scenario (see :func:`vicinity_sim.scenario.load_scenario`), or
            the path of a scenario file.
        rng: Seed of the run; defaults to the scenario's ``run.seed``. A numpy Generator is
            accepted too and reduced to an integer seed.
        replication: Replication index; defaults to the scenario's ``run.replication``.
        overrides: Scenario overrides, ``["run.days=90", ...]`` or ``{"run.days": 90, ...}``.
        agent_reporters: Agent-level values to record (name → column of ``agent_table``, see
            :class:`~vicinity_sim.interop.AgentFrames`); with ``agent_every`` alone, the
            table's default columns. Read them with
            ``model.datacollector.get_agent_vars_dataframe()``.
        agent_every: Cadence of the agent-level records in days (default 1 when
            ``agent_reporters`` is given).
        agent_table: Table the agent-level values come from (default ``residents``).
        unit: In a city run (:mod:`vicinity_sim.city`), the village this model simulates:
            its world, position and wave (the scenario then holds that village only).
        **settings: Further scenario keys with their values, e.g.
            ``**{"fire.growth_sigma": 0.4}``: the keyword interface :func:`mesa.batch_run`
            sweeps (see :mod:`vicinity_sim.interop`).

    Attributes:
        spec: The scenario. (Not ``scenario``: Mesa 3.5 reserves ``Model.scenario`` for its
            own scenario objects.)
        seed: Integer seed of every stream. Mesa's ``random`` and ``rng`` are not used: any
            use raises (:class:`UnaddressedRandom`).
        streams: Random streams of the run.
        calendar: Dates of the run's days.
        world: The state.
        processes: Process instances in the order they run.
        datacollector: The :class:`~vicinity_sim.recorder.Recorder` (Mesa-compatible).
        day: Index of the next day to simulate.

    The model has no Mesa agents: ``model.agents`` raises
    :class:`~vicinity_sim.interop.NoAgentSetError`, which names what to use instead.
    """

    def __init__(
        self, scenario: Any, *, rng: int | np.random.Generator | None = None,
        replication: int | None = None, overrides: Any = None,
        agent_reporters: dict[str, Any] | None = None, agent_every: int | None = None,
        agent_table: str = "residents", unit: UnitContext | None = None, **settings: Any,
    ) -> None:  # fmt: skip
        scenario = as_scenario(scenario, overrides, settings)
        self._start(scenario, rng, replication, unit)
        self.processes: list[Process] = [
            cls(self, getattr(scenario, cls.name) if cls.Params is not None else None)
            for cls in registered()
            if cls.name not in scenario.run.disabled_processes
        ]
        names = [m for p in self.processes for m in p.metrics]
        levels = frozenset().union(*(p.levels for p in self.processes))
        self.datacollector = Recorder(names, scenario.run.days, self.calendar.dates, levels)
        if agent_reporters is not None or agent_every is not None:
            frames = AgentFrames(self.world, scenario.run.days, agent_table, agent_reporters,
                                 agent_every or 1)  # fmt: skip
            self.datacollector.track_agents(frames)
        #: Monthly copies of the deciding agents' tables (``agents/*.parquet`` of a run).
        self.snapshots = Snapshots(self.world, self.calendar.dates)
        self.day = 0
        self.running = True
        #: Applicants the city's housing market turned away last month in each village, as
        #: the landlords read them (None outside a city run with the market:
        #: :mod:`vicinity_sim.city.market`).
        self.city_applicants: np.ndarray | None = None

    @property
    def agents(self) -> Any:
        """Not available: the model keeps people in arrays (raises
        :class:`~vicinity_sim.interop.NoAgentSetError`, which says what to use instead)."""
        raise NoAgentSetError()

    def step(self) -> None:
        """Simulate one day: every due process in order, then record."""
        if self.day >= self.days:
            self.running = False
            return
        day = self.day
        self.datacollector.collect(day, self.run_due_processes(day))
        if self.calendar.is_due("month", day) or day == self.days - 1:
            self.snapshots.record(day)
        self.day += 1
        self.running = self.day < self.days

    def run(self, days: int | None = None, progress: bool = False) -> None:
        """Simulate ``days`` more days (default: to the end of the run).

        Args:
            days: Days to simulate; capped at the end of the run.
            progress: Show a progress bar (it appears only if the run takes a few seconds).
        """
        n = self.days - self.day if days is None else min(days, self.days - self.day)
        with tqdm(
            total=n, disable=not progress, delay=2.0, unit="day", leave=False,
            desc=self.spec.name or "run",
        ) as bar:  # fmt: skip
            for _ in range(n):
                self.step()
                bar.update(1)
