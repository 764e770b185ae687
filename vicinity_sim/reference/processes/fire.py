"""Fire in the reference model: ignition, detection, response, spread, casualties, damage.

Mirrors :mod:`vicinity_sim.processes.fire` and its spread helper
:mod:`vicinity_sim.processes.fire_spread`. Each day:

1. **Ignition.** Every building ignites with a probability from its yearly hazard rate, the
   sum of three causes: its households (raised by old wiring), the e-bikes its residents
   charge indoors, and its 三合一 premises. The cause of a fire is drawn in proportion.
2. **Alert.** A working networked smoke sensor alerts within about a minute (and, with the
   smart platform, dispatches crews at once); otherwise neighbours notice, later at night.
3. **Response.** The first crew to arrive is the municipal engine (roads, then hoses on foot,
   a short way where the block's lanes are cleared) or an active micro station's crew.
   Crews contain the fire a few minutes after they arrive.
4. **Spread.** From full involvement a burning building ignites its neighbours after Hamada
   crossing times; the earliest ignition time of every building is a first-passage time,
   found with Dijkstra's algorithm on the building adjacency, up to containment. Sprinklers
   may control a building's fire (it then never spreads).
5. **Casualties and damage.** Residents at home in a burning building are trapped with a
   probability growing with the alert delay relative to the fire's growth, and die or are
   injured (binomial draws); damage grows with burning time until containment.

The fire writes ``world.fires_today`` (the governance process reads it the next day) and
buildings' ``damage`` and ``last_fire_day``, and keeps the run's fire events
(:meth:`Fire.event_table`).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from vicinity_sim.numerics import binomial_ppf
from vicinity_sim.processes import fire, fire_spread
from vicinity_sim.processes.fire import (
    CAUSE_EBIKE,
    CAUSE_HOUSEHOLD,
    CAUSE_THREE_IN_ONE,
    EVENT_FIELDS,
    FireSlot,
    event_columns,
)
from vicinity_sim.processes.fire_spread import SpreadSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world import FiresToday
from vicinity_sim.world.codes import CHARGE_INDOOR

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel

FIRE_SLOTS = slot_numbers(FireSlot)
SPREAD_SLOTS = slot_numbers(SpreadSlot)
# The fast process's formulas, run as Python.
ignites = fire.ignites.py_func
fire_cause = fire.fire_cause.py_func
at_night = fire.at_night.py_func
presence = fire.presence.py_func
alert_minutes = fire.alert_minutes.py_func
call_delay = fire.call_delay.py_func
access_metres = fire.access_metres.py_func
engine_minutes = fire.engine_minutes.py_func
crew_minutes = fire.crew_minutes.py_func
manhattan_m = fire.manhattan_m.py_func
origin_growth_minutes = fire.origin_growth_minutes.py_func
response_noise = fire.response_noise.py_func
casualty_probabilities = fire.casualty_probabilities.py_func
fire_damage = fire.fire_damage.py_func
exposure_growth_minutes = fire_spread.exposure_growth_minutes.py_func
crossing_minutes = fire_spread.crossing_minutes.py_func


def occupants(model: ReferenceModel) -> list[int]:
    """Residents living in each building, counted from the resident agents.

    Args:
        model: The reference model.

    Returns:
        Occupants per building index.
    """
    counts = [0] * len(model.world.buildings)
    for res in model.residents:
        counts[res.building] += 1
    return counts


@dataclass
class Spread:
    """Buildings ignited by one fire.

    Attributes:
        order: Ignited buildings in order of ignition (the origin first).
        ignition: Minutes after the origin's ignition at which each building ignited.
        growth: Minutes from each building's ignition to its full involvement.
        controlled: Buildings whose sprinkler kept the fire from full involvement.
    """

    order: list[int] = field(default_factory=list)
    ignition: dict[int, float] = field(default_factory=dict)
    growth: dict[int, float] = field(default_factory=dict)
    controlled: set[int] = field(default_factory=set)


@dataclass
class FireEvent:
    """One fire (a row of the event table; the fields of ``EVENT_FIELDS``)."""

    building: int
    cause: int
    night: bool
    alert_min: float
    response_min: float
    buildings_burned: int = 0
    deaths: int = 0
    injuries: int = 0
    deaths_expected: float = 0.0
    damage: float = 0.0

    def row(self) -> list[float]:
        """The event's values as floats, in the order of ``EVENT_FIELDS``."""
        return [float(getattr(self, name)) for name in EVENT_FIELDS]


@reference_process
class Fire(ReferenceProcess):
    """Building fires; reports daily counts and keeps a log of fire events.

    Args:
        model: The reference model.
        params: The ``fire`` section of the scenario.
    """

    name = "fire"

    def __init__(self, model: ReferenceModel, params: Any) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        # The building adjacency is static (places): plain lists read faster in Python.
        adjacency = self.world.adjacency
        self.indptr = adjacency.indptr.tolist()
        self.neighbour = adjacency.indices.tolist()
        self.separation = adjacency.separation_m.tolist()
        #: Rows of the run's fire events: day, then ``EVENT_FIELDS``.
        self.events: list[list[float]] = []

    # -- the day ---------------------------------------------------------------------------

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        """Simulate today's fires in all villages.

        Args:
            day: Day of the run.
            key: Stream key of the fire process for the day.

        Returns:
            The fast process's metrics (counts, casualties, damage, mean times, hazard).
        """
        w = self.world
        buildings = w.buildings
        rates = self.ignition_rates()
        occupancy = occupants(self.model)
        # Origins: every building draws its ignition, in index order.
        origins = []
        for b in range(len(buildings)):
            total = rates[b, 0] + rates[b, 1] + rates[b, 2]
            if total > 0.0 and ignites(uniform(key, FIRE_SLOTS.IGNITE, b), total):
                origins.append(b)
        # Fires in order of their origin; a building burns at most once a day, so an origin
        # already reached by an earlier fire starts no fire of its own (its event is None).
        burned_by: dict[int, int] = {}  # building -> index of the fire that burned it
        events: list[FireEvent | None] = []
        for k, origin in enumerate(origins):
            if origin in burned_by:
                events.append(None)
                continue
            events.append(self.burn(k, origin, key, rates[origin], occupancy, burned_by))
        # Buildings burned today, in index order, for governance tomorrow.
        burned = sorted(burned_by)
        buildings.last_fire_day[burned] = day
        w.fires_today = FiresToday(
            np.array(burned, dtype=np.int64),
            np.array([burned_by[b] for b in burned], dtype=np.int64),
            np.array([events[burned_by[b]].response_min for b in burned], dtype=np.float64),
        )
        rows = [e.row() for e in events if e is not None]
        self.events.extend([float(day), *r] for r in rows)
        # Metrics through numpy, to add in the same (pairwise) order as the fast process.
        ev = np.array(rows, dtype=np.float64).reshape(len(rows), len(EVENT_FIELDS))
        col = {name: ev[:, i] for i, name in enumerate(EVENT_FIELDS)}
        n = len(rows)
        return {
            "fires": float(n),
            "fire_deaths": float(col["deaths"].sum()),
            "fire_injuries": float(col["injuries"].sum()),
            "fire_deaths_expected": float(col["deaths_expected"].sum()),
            "buildings_damaged": float(col["buildings_burned"].sum()),
            "damage_building_equivalents": float(col["damage"].sum()),
            "mean_response_min": float(col["response_min"].mean()) if n else math.nan,
            "mean_alert_min": float(col["alert_min"].mean()) if n else math.nan,
            "ignition_rate_per_year": float(rates.sum()),
        }

    def ignition_rates(self) -> np.ndarray:
        """Yearly ignition rate of each building by cause, shape (n_buildings, 3).

        An array over places, so that its total adds up exactly as the fast model's does.
        """
        p = self.consts
        buildings = self.world.buildings
        rates = np.zeros((len(buildings), 3))
        for b in self.world.households.building:  # household sources, one rate per household
            rates[b, CAUSE_HOUSEHOLD] += p.ignition_per_household_year
        for b in range(len(buildings)):
            if buildings.old_wiring[b]:
                rates[b, CAUSE_HOUSEHOLD] *= p.old_wiring_multiplier
            if buildings.three_in_one[b]:
                rates[b, CAUSE_THREE_IN_ONE] = p.ignition_per_three_in_one_year
        for res in self.model.residents:  # e-bikes charged at home
            if res.charging == CHARGE_INDOOR:
                rates[res.building, CAUSE_EBIKE] += p.ignition_per_indoor_ebike_year
        return rates

    # -- one fire --------------------------------------------------------------------------

    def burn(
        self, k: int, origin: int, key: np.uint64, rates: np.ndarray, occupancy: list[int],
        burned_by: dict[int, int],
    ) -> FireEvent:  # fmt: skip
        """Run one fire from ignition at ``origin`` to containment.

        Args:
            k: Index of the fire among today's origins.
            origin: Building where the fire starts.
            key: Stream key of the fire process for the day.
            rates: The origin's yearly ignition rates by cause.
            occupancy: Residents living in each building (some are at home: ``presence``).
            burned_by: Buildings burned earlier today, with the index of their fire (they
                cannot burn again); the buildings this fire burns are added with ``k``.

        Returns:
            The fire's event record.
        """
        c = self.consts
        buildings = self.world.buildings
        village = int(buildings.village[origin])
        # Cause, in proportion to the rates; time of day.
        cause = fire_cause(uniform(key, FIRE_SLOTS.CAUSE, origin), rates[0], rates[1], rates[2])
        night = at_night(uniform(key, FIRE_SLOTS.NIGHT, origin), cause, c)
        share_home = presence(night, c)
        # Alert: a working sensor, or neighbours noticing the smoke.
        u_detect = uniform(key, FIRE_SLOTS.DETECT, origin)
        sensed = (buildings.smoke_sensor[origin]
                  and uniform(key, FIRE_SLOTS.SENSOR, origin) < c.sensor_reliability)  # fmt: skip
        alert = alert_minutes(u_detect, sensed, night, c)
        delay = call_delay(sensed, self.world.villages.platform[village], c)
        # Response: the first crew to arrive; crews contain the fire a little later.
        base = self.response_minutes(origin)
        response = response_noise(uniform(key, FIRE_SLOTS.RESPONSE, origin), base, c)
        arrival = alert + delay + response
        stop = arrival + c.containment_min
        growth_origin = origin_growth_minutes(
            uniform(key, FIRE_SLOTS.ORIGIN_GROWTH, origin), cause, c
        )
        spread = self.spread(origin, growth_origin, stop, key, burned_by)
        event = FireEvent(origin, cause, bool(night), alert, response, len(spread.order))
        for b in spread.order:
            burned_by[b] = k
            t_ign, growth = spread.ignition[b], spread.growth[b]
            controlled = b in spread.controlled
            # Casualties: the alert delay relative to this building's ignition and growth;
            # the origin's cause sets its lethality, spread fires burn as ordinary ones.
            p_death, p_injury = casualty_probabilities(
                max(alert - t_ign, 0.0), growth, b == origin, cause,
                buildings.escape_windows[b], controlled, t_ign + growth > arrival, share_home, c,
            )  # fmt: skip
            n_living = occupancy[b]
            # The compiled quantile: numba's integer power q**n differs from CPython's pow
            # in the last bit, which could flip a draw lying on a cdf step.
            deaths = binomial_ppf(uniform(key, FIRE_SLOTS.DEATH, b), n_living, p_death)
            injured = binomial_ppf(uniform(key, FIRE_SLOTS.INJURY, b), n_living, p_injury)
            event.deaths += deaths
            event.injuries += min(injured, n_living - deaths)
            event.deaths_expected += n_living * p_death
            damage = fire_damage(stop - t_ign, controlled, c)
            buildings.damage[b] += damage
            event.damage += damage
        return event

    def response_minutes(self, b: int) -> float:
        """Minutes from the call until the first crew reaches building ``b`` (before noise).

        Args:
            b: The building on fire.

        Returns:
            The earlier of the municipal engine's and the nearest micro station's time.
        """
        c = self.consts
        w = self.world
        buildings = w.buildings
        village = buildings.village[b]
        access = access_metres(w.blocks.lane_cleared[buildings.block[b]],
                               buildings.access_lane_m[b], buildings.access_road_m[b])  # fmt: skip
        best = engine_minutes(w.villages.city_station_distance_m[village],
                              buildings.edge_dist_m[b], access, c)  # fmt: skip
        # Micro stations of the village: crews with their cart along roads and cleared lanes
        # (Manhattan routes), then on foot from where the cart must stop.
        stations = w.stations
        for s in range(len(stations)):
            if stations.active[s] and stations.village[s] == village:
                route = manhattan_m(stations.x[s], stations.y[s], buildings.x[b], buildings.y[b])
                t = crew_minutes(route, access, c)
                if t < best:
                    best = t
        return best

    def spread(
        self, origin: int, origin_growth: float, stop: float, key: np.uint64,
        blocked: dict[int, int],
    ) -> Spread:  # fmt: skip
        """Spread a fire from ``origin`` (ignited at t=0) until it is contained at ``stop``.

        Dijkstra's algorithm on first-passage times: a building popped from the queue burns;
        unless its sprinkler controls it, from full involvement (ignition + growth) it ignites
        each neighbour across a gap no wider than the limit after a noisy Hamada crossing
        time, if that is before containment and earlier than any other route.

        Args:
            origin: Building where the fire starts.
            origin_growth: Minutes from ignition to full involvement of the origin.
            stop: Containment time (minutes after ignition).
            key: Stream key of the fire process for the day.
            blocked: Buildings that cannot ignite (burned earlier today).

        Returns:
            The buildings ignited, their ignition and growth times and sprinkler control.
        """
        c = self.consts
        buildings = self.world.buildings
        wind = self.world.villages.wind_ms[buildings.village[origin]]
        out = Spread()
        out.ignition[origin] = 0.0
        # Ties in time have probability ~2**-53 with noisy crossing times; the heaps of the
        # two engines would order them differently.
        queue = [(0.0, origin)]
        while queue:
            t, b = heapq.heappop(queue)
            if t > out.ignition[b]:
                continue  # superseded by an earlier ignition
            out.order.append(b)
            if b == origin:
                growth = origin_growth
            else:
                growth = exposure_growth_minutes(uniform(key, SPREAD_SLOTS.GROWTH, b), c)
            out.growth[b] = growth
            u_sprinkler = uniform(key, SPREAD_SLOTS.SPRINKLER, b)
            if buildings.sprinkler[b] and u_sprinkler < c.sprinkler_effective:
                out.controlled.add(b)
                continue  # kept from full involvement: no spread
            full = t + growth
            if full >= stop:
                continue  # contained before full involvement
            resistive = 1.0 if buildings.fire_resistive[b] else 0.0
            for e in range(self.indptr[b], self.indptr[b + 1]):
                j, sep = self.neighbour[e], self.separation[e]
                if j in blocked or sep > c.max_spread_separation_m:
                    continue
                u = uniform(key, SPREAD_SLOTS.EDGE_NOISE, e) if c.spread_sigma > 0.0 else 0.5
                arrive = full + crossing_minutes(u, buildings.side_m[b], sep, wind, resistive, c)
                if arrive < stop and arrive < out.ignition.get(j, math.inf):
                    out.ignition[j] = arrive
                    heapq.heappush(queue, (arrive, j))
        return out

    # -- the run's events ------------------------------------------------------------------

    def event_table(self) -> dict[str, np.ndarray]:
        """All fire events of the run as columns (day first), as the fast process's."""
        rows = np.array(self.events, dtype=np.float64).reshape(-1, 1 + len(EVENT_FIELDS))
        return event_columns(rows, self.world.buildings.village)
