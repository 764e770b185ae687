"""The city's housing market: where tenant households who leave a village go (monthly).

A village keeps its number of households: every tenant household that leaves is replaced the
same day by a newcomer of the same group and size who searches the village's vacant units
(:mod:`~vicinity_sim.processes.migration`). In a city run with ``city.housing_market`` on,
those departures and arrivals are one market: a household that leaves village *o* on the
first of a month

* takes a vacated place of another village *j* (one left that same day by a household of the
  same group and size), or
* moves to formal housing (commercial rented flats, outside the villages), or
* leaves the city,

choosing by a multinomial logit over the alternatives open to it,

    V_j      = − β_rent · ln(rent_j / rent_o) − β_dist · d(o, j) + β_ties · n_oj / Σ_k n_ok
    V_formal = α_formal − β_rent · ln(r_formal · rent_city / rent_o)
    V_out    = α_out

(``rent`` a village's mean asking rent on its rental market, ``d`` the distance between the
villages' positions in km — movers keep their work near the village they leave —, ``n_oj``
the households from *o* the market has settled in *j* so far: ties draw later movers after
earlier ones, in proportion to the share of *o*'s earlier movers there, which keeps their
pull bounded however many move), each household choosing ``argmax V + ε`` with Gumbel
``ε`` (McFadden 1974), in a random order, a village open to it while it has a vacated place
of the household's group and size. The places left are taken by **newcomers to the city**,
who choose the same way among the villages with places and formal housing, their work at the
city's jobs centre
(distance from the centre; their rent term against the city's mean village rent); each
newcomer who chooses formal housing joins it and another newcomer comes, until every
vacated place is taken.

**Applicants turned away.** A mover whose first choice is a village without a place for it
is turned away there and takes the best of what is open to it (the same draws: the choice
among the open alternatives is unchanged). A village keeps its number of households, so demand
beyond its vacated places cannot fill its empty rooms; its landlords see it instead as the
applicants they had no room for. Each village is sent its applicants turned away (times
``applicant_weight``), and on the boundary's day its landlords read them as that many empty
units fewer on the village's market
(:func:`~vicinity_sim.processes.landlords.applicants_read`): their rents rise as they would
with lower vacancy. That is how displacement in one village raises the rents of its
neighbours; their occupancy cannot change.

**Timing.** The villages meet at month boundaries (:mod:`vicinity_sim.city.run`): at the
boundary after a migration day every village offers the places vacated that day (group and
size of each) and its rents, the coordinator settles the month with the city's exchange
stream and sends each village its applicants, whose landlords read them on the boundary's day
(the first of the month, before that day's departures). At the run's end the last month is
booked too. The newcomers' search inside a village is unchanged: the market decides where the
leavers go and who fills the villages' places, which carry no attributes across villages (a
mover's members are drawn as a newcomer's would be). With ``applicant_weight = 0`` the villages
simulate what they would without the market. Deliveries depend only on the offers and the
exchange stream, so a city run stays byte-identical on any workers, and both engines read the
applicants through the same function.

**Conservation.** Every month: households leaving villages = moves between villages + moves
to formal housing + moves out of the city; places vacated = moves between villages +
newcomers to villages. So households in villages + in formal housing (those the market sent
there) = those at the start + newcomers from outside the city − moves out of the city; the
same for people. :attr:`HousingMarket.ledger` keeps each month's books.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from vicinity_sim.city.exchange import Exchange
from vicinity_sim.world.codes import UNIT_LET, UNIT_VACANT

#: Alternatives after the villages: formal housing, leaving the city.
FORMAL, OUT = 0, 1


@dataclass
class MarketOffer:
    """What a village offers at a boundary: the places vacated on its last migration day.

    Attributes:
        day: The migration day (-1: none since the last boundary).
        group, size: Group and size of each household that left (and of its place).
        rent: Mean asking rent of the village's rental market (CNY/month).
        households, people: Households and residents of the village.
    """

    day: int
    group: np.ndarray
    size: np.ndarray
    rent: float
    households: int
    people: int


@dataclass
class MonthBooks:
    """The market's books of one migration day (households; ``*_people``: residents).

    ``left`` households left villages; ``between`` took another village's place, ``formal``
    moved to formal housing, ``out`` left the city; ``newcomers`` from outside the city took
    villages' places and ``newcomers_formal`` formal housing. ``in_villages`` and
    ``in_formal`` are the stocks after the day; ``turned_away`` movers first chose a village
    without a place for them; ``flows``: (from, to) → households moved between villages.
    """

    day: int
    left: int = 0
    between: int = 0
    formal: int = 0
    out: int = 0
    newcomers: int = 0
    newcomers_formal: int = 0
    left_people: int = 0
    between_people: int = 0
    formal_people: int = 0
    out_people: int = 0
    newcomers_people: int = 0
    newcomers_formal_people: int = 0
    in_villages: int = 0
    in_villages_people: int = 0
    in_formal: int = 0
    in_formal_people: int = 0
    turned_away: int = 0
    flows: dict[tuple[int, int], int] = field(default_factory=dict)


def market_rent(world: Any) -> float:
    """Mean asking rent of a village's rental market: its buildings' posted rents over the
    units let or vacant (CNY/month)."""
    u = world.units
    on = (u.state == UNIT_LET) | (u.state == UNIT_VACANT)
    if not on.any():
        return float(world.buildings.rent.mean()) if len(world.buildings) else 1.0
    return float(world.buildings.rent[u.building[on]].mean())


def vacated_places(world: Any, first: int, end: int) -> tuple[int, np.ndarray, np.ndarray]:
    """The places vacated on the village's migration day in ``first .. end − 1``: the
    households whose members all arrived then (newcomers fill the leavers' rows the same day).

    Returns:
        The day (-1 if none) and the group and size of each place, in household order.
    """
    r, hh = world.residents, world.households
    arrived = r.arrived_day
    days = np.unique(arrived[(arrived >= max(first, 1)) & (arrived < end)])
    if len(days) == 0:
        return -1, np.zeros(0, np.int8), np.zeros(0, np.int32)
    day = int(days[-1])  # one migration day a month
    rows = np.unique(r.household[arrived == day])
    return day, hh.group[rows].astype(np.int8), hh.size[rows].astype(np.int32)


def distances_km(xy: np.ndarray) -> np.ndarray:
    """Distances between the villages' positions (km), shape (n, n)."""
    d = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((d**2).sum(axis=-1))


def mover_utilities(p: Any, rents: np.ndarray, dist: np.ndarray,
                    city_rent: float) -> np.ndarray:  # fmt: skip
    """Systematic utilities of movers without their ties, one row per village left: every
    village, then formal housing and leaving the city, shape (n, n + 2)."""
    log_rent = np.log(np.maximum(rents, 1.0))
    n = len(rents)
    v = np.empty((n, n + 2))
    v[:, :n] = -p.rent_weight * (log_rent[None, :] - log_rent[:, None]) - p.distance_weight * dist
    v[:, n] = p.formal_constant - p.rent_weight * (
        math.log(p.formal_rent_ratio * city_rent) - log_rent
    )
    v[:, n + 1] = p.out_of_city_constant
    return v


def newcomer_utilities(p: Any, rents: np.ndarray, centre_km: np.ndarray,
                       city_rent: float) -> np.ndarray:  # fmt: skip
    """Systematic utilities of a newcomer to the city: every village, then formal housing
    (work at the jobs centre; rents against the city's mean village rent)."""
    v = (-p.rent_weight * np.log(np.maximum(rents, 1.0) / city_rent)
         - p.distance_weight * centre_km)  # fmt: skip
    formal = p.formal_constant - p.rent_weight * np.log(p.formal_rent_ratio)
    return np.concatenate([v, [formal]])


@njit(cache=True)
def choose_movers(order, origin, kind, shocks, base, settled, ties_weight, places):
    """Movers choose one after another (see the module docstring).

    Args:
        order: The movers in the order they choose; origin, kind: each mover's village and
            class (group and size).
        shocks: Gumbel errors, one row per mover in ``order``, one column per alternative.
        base: :func:`mover_utilities`; settled: households moved o → j so far (added to);
        ties_weight: ``city.ties_weight``; places: open places by village and class (taken).

    Returns:
        Each mover's choice (row of ``order``: a village, ``n`` formal housing, ``n + 1``
        out of the city) and the applicants each village turned away.
    """
    n = places.shape[0]
    choice = np.empty(len(order), np.int64)
    turned = np.zeros(n)
    for k in range(len(order)):
        i = order[k]
        o, c = origin[i], kind[i]
        best, best_v = -1, -np.inf
        best_open, best_open_v = -1, -np.inf
        earlier = 0.0  # households from o the market has settled so far
        for j in range(n):
            earlier += settled[o, j]
        for j in range(n + 2):
            if j == o:  # a mover chooses among the other villages
                continue
            v = base[o, j] + shocks[k, j]
            if j < n and earlier > 0.0:
                v += ties_weight * settled[o, j] / earlier
            if v > best_v:
                best, best_v = j, v
            if (j >= n or places[j, c] > 0) and v > best_open_v:
                best_open, best_open_v = j, v
        if best < n and places[best, c] == 0:
            # No place there: the village's landlords turn the applicant away, and it takes
            # the best of what is open to it.
            turned[best] += 1.0
        if best_open < n:
            places[best_open, c] -= 1
            settled[o, best_open] += 1.0
        choice[k] = best_open
    return choice, turned


@njit(cache=True)
def place_newcomers(base, shocks, places, c):
    """A batch of newcomers of class ``c`` choose among the villages with a place of their
    class and formal housing, until the batch or the places run out.

    Returns:
        Newcomers who took a village's place, and who chose formal housing.
    """
    n = places.shape[0]
    taken, formal = 0, 0
    left = 0
    for j in range(n):
        left += places[j, c]
    for k in range(shocks.shape[0]):
        if left == 0:
            break
        best, best_v = n, base[n] + shocks[k, n]
        for j in range(n):
            if places[j, c] > 0:
                v = base[j] + shocks[k, j]
                if v > best_v or (v == best_v and j < best):
                    best, best_v = j, v
        if best < n:
            places[best, c] -= 1
            left -= 1
            taken += 1
        else:
            formal += 1
    return taken, formal


class HousingMarket(Exchange):
    """The city's housing market (see the module docstring).

    Args:
        scenario: The city's scenario (its ``[city]`` section and villages' positions).
    """

    def __init__(self, scenario: Any) -> None:
        self.params = scenario.city
        plans = [v.plan for v in scenario.villages]
        self.xy = np.array([[pl.city_x_km, pl.city_y_km] for pl in plans], dtype=np.float64)
        self.dist = distances_km(self.xy)
        self.centre_km = np.sqrt((self.xy**2).sum(axis=1))
        n = len(plans)
        self.settled = np.zeros((n, n), dtype=np.float64)  # households o → j so far
        self.ledger: list[MonthBooks] = []
        self.in_formal = 0
        self.in_formal_people = 0
        self._since: dict[int, int] = {}

    # -- the worker's side -----------------------------------------------------------------

    def offer(self, unit: Any, day: int) -> MarketOffer:
        """The places the village vacated since its last offer, and its rents."""
        first = self._since.get(unit.position, 0)
        self._since[unit.position] = day
        w = unit.world
        when, group, size = vacated_places(w, first, day)
        return MarketOffer(when, group, size, market_rent(w), len(w.households),
                           len(w.residents))  # fmt: skip

    def last_offer(self, unit: Any, day: int) -> MarketOffer:
        """At the run's end: the last month's places, settled by :meth:`close`."""
        return self.offer(unit, day)

    # -- the coordinator's side ------------------------------------------------------------

    def settle(self, day: int, offers: list[Any], rng: np.random.Generator) -> dict[int, Any]:
        """Settle the month: leavers choose, newcomers fill the places left. Each village is
        sent the applicants it turned away (weighted by ``applicant_weight``), which its
        landlords read on the boundary's day."""
        turned = self._books(offers, rng)
        return {v: float(self.params.applicant_weight * turned[v]) for v in range(len(offers))}

    def receive(self, unit: Any, delivery: Any, day: int) -> None:
        """The village's landlords hear of the applicants turned away
        (:func:`~vicinity_sim.processes.landlords.applicants_read`)."""
        unit.model.city_applicants = np.array([delivery], dtype=np.float64)

    def close(self, day: int, offers: list[Any], rng: np.random.Generator) -> None:
        """Settle the run's last month (nothing is simulated after it)."""
        self._books(offers, rng)

    def _books(self, offers: list[MarketOffer], rng: np.random.Generator) -> np.ndarray:
        """Book a month; returns the applicants each village turned away."""
        days = {o.day for o in offers if o.day >= 0}
        day = max(days) if days else -1
        books = MonthBooks(day)
        p = self.params
        n = len(offers)
        rents = np.array([o.rent for o in offers], dtype=np.float64)
        city_rent = max(float(np.mean(rents)), 1.0)
        origin = np.concatenate([np.full(len(o.group), v, np.int64) for v, o in enumerate(offers)])
        group = np.concatenate([o.group for o in offers]).astype(np.int64)
        size = np.concatenate([o.size for o in offers]).astype(np.int64)
        # Places open: (village, class) → count, a class a group and size; the leavers'
        # places are the places.
        codes, kind = np.unique(group * 100_000 + size, return_inverse=True)
        kind = kind.astype(np.int64)
        keys = [(int(k // 100_000), int(k % 100_000)) for k in codes]
        places = np.zeros((n, len(keys)), dtype=np.int64)
        np.add.at(places, (origin, kind), 1)
        books.left, books.left_people = len(origin), int(size.sum())
        order = rng.permutation(len(origin))
        shocks = rng.gumbel(size=(len(origin), n + 2))
        base = mover_utilities(p, rents, self.dist, city_rent)
        choice, turned = choose_movers(order, origin, kind, shocks, base, self.settled,
                                       float(p.ties_weight), places)  # fmt: skip
        moved = size[order]
        to_village = choice < n
        books.between, books.between_people = int(to_village.sum()), int(moved[to_village].sum())
        books.formal = int((choice == n + FORMAL).sum())
        books.formal_people = int(moved[choice == n + FORMAL].sum())
        books.out = int((choice == n + OUT).sum())
        books.out_people = int(moved[choice == n + OUT].sum())
        flows = np.zeros((n, n), dtype=np.int64)
        np.add.at(flows, (origin[order][to_village], choice[to_village]), 1)
        pairs = np.nonzero(flows)
        books.flows = {(int(o), int(j)): int(flows[o, j])
                       for o, j in zip(pairs[0], pairs[1], strict=True)}  # fmt: skip
        self._newcomers(books, places, keys, rents, city_rent, rng)
        self.in_formal += books.formal + books.newcomers_formal
        self.in_formal_people += books.formal_people + books.newcomers_formal_people
        books.in_villages = sum(o.households for o in offers)
        books.in_villages_people = sum(o.people for o in offers)
        books.in_formal, books.in_formal_people = self.in_formal, self.in_formal_people
        books.turned_away = int(turned.sum())
        if books.left or day >= 0:
            self.ledger.append(books)
        return turned

    def _newcomers(self, books: MonthBooks, places: np.ndarray, keys: list[tuple[int, int]],
                   rents: np.ndarray, city_rent: float,
                   rng: np.random.Generator) -> None:  # fmt: skip
        """Newcomers to the city take the places left, class by class (group and size): each
        chooses among the villages with a place of its class and formal housing."""
        n = len(rents)
        base = newcomer_utilities(self.params, rents, self.centre_km, city_rent)
        for c, (_, size) in enumerate(keys):
            left = int(places[:, c].sum())
            while left > 0:  # newcomers come in batches until the class's places are taken
                taken, formal = place_newcomers(base, rng.gumbel(size=(left, n + 1)), places, c)
                books.newcomers += taken
                books.newcomers_people += taken * size
                books.newcomers_formal += formal
                books.newcomers_formal_people += formal * size
                left -= taken

    def outcomes(self) -> dict[str, float]:
        """Households moved between villages, to formal housing and out of the city."""
        return {
            "moves_between_villages": float(sum(b.between for b in self.ledger)),
            "moves_to_formal_housing": float(sum(b.formal for b in self.ledger)),
            "moves_out_of_city": float(sum(b.out for b in self.ledger)),
        }
