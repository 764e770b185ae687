"""Migration: tenant households leave and newcomers search for units (monthly).

Local villagers own their homes and stay. Each month every tenant household (migrant tenants,
Taiwan compatriots) leaves with probability ``1 − exp(−Σ λ)``, the sum of hazards

    λ_base                                     moving on for reasons outside the model
    λ_rent  · max(0, burden − tolerance)       rent burden above what the household accepts
                                               (households with someone in work)
    λ_job   · [no one in work, someone of working age]
    λ_fire  · [a fire in the building in the last 30 days]
    λ_trust · max(0, threshold − mean institutional trust) / threshold

and the cause of a departure is drawn in proportion to them. Households whose landlord did not
renew their lease, or whom an operator taking the building over asked to leave
(:mod:`~vicinity_sim.processes.landlords`), leave this month whatever their draw. A household's
tolerance is the larger of ``burden_threshold`` and the burden it accepted when it moved in (for
households present at the start, their burden then): households leave for the rent when it
rises beyond what they took on, not because it was always high. A household that leaves for the
rent, not renewed or evicted by an operator is *displaced*: counted monthly in
``displaced_households_month`` (the time series also carries ``displaced_households``, the
total so far, as the summary reports it).

Leaving empties the unit: it stands vacant on the market at its building's posted rent. Every
household that leaves is replaced by a newcomer household of the same group and size from an
outside pool (the city's demand for village rooms: the village's number of households does not
change), whose wages follow the pool's own distribution (the group's, scaled by
``newcomer_wage_factor``, and the sector's relative wage). A candidate judges rents against
what its working-age members can earn (newcomers come to work; whether they come with a job,
and in which sector, follows the group's employment rate and sector mix, but a job is taken on
arrival only if one of that sector is vacant in the village: the others arrive out of work and
look for one in the labour market). It **searches**: it views ``units_viewed`` of the village's
vacant units at random, and takes, of those whose rent and fee would be at most
``newcomer_max_burden`` of what it could earn, the one with most value for money (the unit's
worth to tenants, ``base_rent · value``, over its asking rent and fee). A candidate that finds
none looks elsewhere and the next candidate searches (up to ``newcomer_draws``; the last takes
the cheapest unit it viewed). Units are taken one household at a time, in row order; a taken
unit leaves the search. The newcomer signs a lease at the asking rent. When rents rise,
newcomers are better off than those they replace; units priced above their worth stay empty,
and their landlords learn from it.

Leaving breaks every tie and frees places at charging sites; newcomers know nobody, are
registered with the grid at once only where rental regulation requires landlords to register
tenants, and take up the pairing with a party member of the household they replace.

Levers read here: villages' ``rental_registration``. State read: households' ``rent_burden``,
``notice``; buildings' ``last_fire_day``, ``rent``, ``value``, ``managed``; units' asking rents;
residents' ``employed``, ``sector``, ``job_project``, ``trust_inst``; villages' ``jobs``.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.housing import burden_of
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import (
    CHARGE_SITE,
    LOCAL,
    NOTICE_NONE,
    NOTICE_NONRENEWAL,
    UNIT_LET,
    UNIT_VACANT,
    WORKING,
)
from vicinity_sim.world.population import draw_people, wage_factors
from vicinity_sim.world.ties import clear_ties

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

#: Causes of a departure: the hazards' (first five) and the landlords' or operators' notices.
CAUSES = ("base", "rent", "job", "fire", "distrust", "nonrenewal", "takeover")
N_HAZARDS = 5
#: Causes counted as displacement.
DISPLACED = ("rent", "nonrenewal", "takeover")


@stream_slots("migration")
class MigrationSlot(IntEnum):
    """Slots of the newcomers' search (index: household row, candidate round and view)."""

    VIEW = 0


class Vacancies(NamedTuple):
    """Vacant units of each village for the month's search (CSR by village); a taken unit is
    swapped to the end of its village's part and the village's count reduced."""

    ptr: np.ndarray  # int64, start of each village's units (and the total at the end)
    units: np.ndarray  # int64, vacant unit rows
    left: np.ndarray  # int64, units still vacant in each village


class MigrationParams(ParamModel):
    """Departure hazards of tenant households and the pool of newcomers."""

    tenant_move_out_per_month: float = param(
        0.02, unit="1/month", ge=0.0, le=1.0,
        doc="Probability a tenant household moves out in a month for reasons outside the model.",
        source="assumption: about a fifth of tenant households change each year",
    )  # fmt: skip
    rent_push: float = param(
        0.3, unit="1/month", ge=0.0, le=20.0,
        doc="Departure hazard per unit of rent burden above the household's tolerance.",
        source="assumption",
    )  # fmt: skip
    burden_threshold: float = param(
        0.3, unit="1", ge=0.0, le=5.0,
        doc="Rent burden tenants accept without looking elsewhere.",
        source="assumption: the common 30% affordability rule",
    )  # fmt: skip
    job_push: float = param(
        0.05, unit="1/month", ge=0.0, le=20.0,
        doc="Departure hazard of a household with no one in work (and someone of working age).",
        source="assumption",
    )  # fmt: skip
    fire_push: float = param(
        0.3, unit="1/month", ge=0.0, le=20.0,
        doc="Departure hazard in the month after a fire in the building.", source="assumption",
    )  # fmt: skip
    distrust_push: float = param(
        0.03, unit="1/month", ge=0.0, le=20.0,
        doc="Departure hazard at zero institutional trust (scaled down to 0 at the threshold).",
        source="assumption",
    )  # fmt: skip
    distrust_threshold: float = param(
        0.4, unit="1", gt=0.0, le=1.0,
        doc="Mean institutional trust of a household below which distrust pushes it to leave.",
        source="assumption",
    )  # fmt: skip
    newcomer_wage_factor: float = param(
        1.0, unit="1", ge=0.0, le=100.0,
        doc="Wages in the outside pool relative to the group's wage distribution at the start.",
        source="assumption: newcomers earn like those already there",
    )  # fmt: skip
    newcomer_max_burden: float = param(
        0.5, unit="1", ge=0.0, le=10.0,
        doc="Highest rent burden (on what its members can earn) a newcomer household accepts.",
        source="assumption: few take on more than half their income in rent",
    )  # fmt: skip
    newcomer_draws: int = param(
        10, unit="households", ge=1, le=1000,
        doc="Candidate newcomer households who search before the last takes the cheapest "
        "unit it viewed.",
        source="assumption",
    )  # fmt: skip
    units_viewed: int = param(
        3, unit="units", ge=1, le=100,
        doc="Vacant units a searching household views before choosing.",
        source="assumption: migrants search fast and locally (招租 notices, ads on walls); a "
        "few units per search keeps landlords' information imperfect (plausibly 1 to 8; an "
        "integer, so fixed in experiments: vary it with --set)",
    )  # fmt: skip


MigrationConsts = consts_class(MigrationParams)


# The households' arithmetic, used by both engines (households and buildings are shared
# tables; each engine gathers the members' counts and trust its own way).


def departure_hazards(
    day: int, hh: Any, employed: np.ndarray, working_age: np.ndarray, trust: np.ndarray,
    last_fire_day: np.ndarray, p: Any,
) -> np.ndarray:  # fmt: skip
    """Monthly departure hazards of every household by cause, shape (n_households, 5): the
    first five :data:`CAUSES`.

    Args:
        day: Day of the run.
        hh: The households table.
        employed, working_age: Members in work and of working age, per household.
        trust: Mean institutional trust of each household's members.
        last_fire_day: Day of the last fire in each household's building.
        p: Migration parameters.
    """
    lam = np.zeros((len(hh.size), N_HAZARDS))
    lam[:, 0] = -math.log(1.0 - min(p.tenant_move_out_per_month, 0.999999))
    # Rent pushes households in work; those without work are pushed by that instead.
    lam[:, 1] = p.rent_push * np.maximum(hh.rent_burden - hh.burden_tolerance, 0.0) * (employed > 0)
    lam[:, 2] = p.job_push * ((employed == 0) & (working_age > 0))
    lam[:, 3] = p.fire_push * (day - last_fire_day <= 30)
    lam[:, 4] = (
        p.distrust_push * np.maximum(p.distrust_threshold - trust, 0.0) / (p.distrust_threshold)
    )
    lam[hh.group == LOCAL] = 0.0  # villagers own their homes and stay
    return lam


def accept_present_burdens(hh: Any, p: Any) -> None:
    """Households present at the start accept what they pay then (at least the threshold)."""
    hh.burden_tolerance[:] = np.maximum(hh.rent_burden, p.burden_threshold)


def leave_probability(total: np.ndarray) -> np.ndarray:
    """Probability of leaving this month given the summed monthly hazards."""
    return -np.expm1(-total)


def departure_cause(u: Any, hazards: np.ndarray) -> Any:
    """The cause of a departure: where ``u`` (uniform on [0, Σ λ)) falls among the cumulated
    hazards (``hazards``: one household's row, or one row per household with ``u`` per row)."""
    u = np.asarray(u)
    cause = (u[..., None] >= np.cumsum(hazards, axis=-1)).sum(axis=-1)
    return np.minimum(cause, hazards.shape[-1] - 1)


def newcomer_wage(p: Any, median: Any, factor: Any, sigma: Any, z: Any) -> Any:
    """A candidate newcomer's wage from the outside pool (``z`` standard normal)."""
    return p.newcomer_wage_factor * median * factor * np.exp(sigma * z)


def accepted_burden(could: Any, actual: Any, p: Any) -> Any:
    """The burden a newcomer household accepts: the larger of its burden on what it could
    earn, on what it earns (measured as monthly) and the usual threshold."""
    return np.maximum(np.maximum(could, actual), p.burden_threshold)


def leaving_households(u: np.ndarray, p_leave: np.ndarray, notice: np.ndarray) -> np.ndarray:
    """Rows of the households leaving this month: those whose draw falls below their
    probability and those given notice."""
    return np.nonzero((u < p_leave) | (notice != NOTICE_NONE))[0]


def departure_causes(u: np.ndarray, total: np.ndarray, lam: np.ndarray,
                     notice: np.ndarray) -> np.ndarray:  # fmt: skip
    """Cause of each leaving household's departure: its notice if it was given one, else
    where its draw falls among its hazards."""
    cause = departure_cause(u * total, lam)
    return np.where(notice == NOTICE_NONE, cause,
                    np.where(notice == NOTICE_NONRENEWAL, CAUSES.index("nonrenewal"),
                             CAUSES.index("takeover")))  # fmt: skip


def vacate(units: Any, unit_rows: np.ndarray, posted: np.ndarray, day: int) -> None:
    """The units households leave stand vacant on the market at their building's posted
    rent."""
    units.state[unit_rows] = UNIT_VACANT
    units.household[unit_rows] = -1
    units.vacant_since[unit_rows] = day
    units.rent[unit_rows] = posted[units.building[unit_rows]]


def vacancies(units: Any, n_villages: int) -> Vacancies:
    """The vacant units of each village, in row order."""
    vacant = np.nonzero(units.state == UNIT_VACANT)[0].astype(np.int64)
    left = np.bincount(units.village[vacant], minlength=n_villages).astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(left)]).astype(np.int64)
    order = np.argsort(units.village[vacant], kind="stable")
    return Vacancies(ptr, vacant[order], left)


@njit(cache=True, inline="always")
def view_index(household, attempt, view, c):
    """Index of a searching household's draw: its row, the candidate round and the view."""
    return (household * c.newcomer_draws + attempt) * c.units_viewed + view


@njit(cache=True)
def search_units(key, attempt, last, c, slots, village, income, vac, rent, unit_building,
                 worth, extra):  # fmt: skip
    """One round of candidates searching, household row by household row: each views
    ``units_viewed`` vacant units of its village and takes the one with most value for money
    among those it can bear (in the last round, the cheapest it viewed if none).

    Args:
        key: The day's key of the migration stream.
        attempt: The candidate round (0, 1, ...).
        last: Whether this is the last round.
        c: Migration constants.
        slots, village, income: Each searching household's row, village and what its
            candidate could earn (CNY/month).
        vac: The vacant units (:class:`Vacancies`; taken units are removed).
        rent: Each unit's asking rent; unit_building: its building.
        worth: Each building's worth of a unit to tenants (``base_rent · value``);
            extra: the fee on top of the rent.

    Returns:
        The unit each household takes, or -1.
    """
    chosen = np.full(len(slots), -1, np.int64)
    v_ptr, v_units, v_left = vac.ptr, vac.units, vac.left
    for s in range(len(slots)):
        vil = village[s]
        n = v_left[vil]
        if n == 0:
            continue
        best, best_score = -1, -1.0
        cheap, cheap_cost = -1, np.inf
        for j in range(c.units_viewed):
            draw = uniform(key, MigrationSlot.VIEW, view_index(slots[s], attempt, j, c))
            pos = v_ptr[vil] + int(draw * n)
            k = v_units[pos]
            bld = unit_building[k]
            cost = rent[k] + extra[bld]
            if cost < cheap_cost:
                cheap, cheap_cost = pos, cost
            if cost / max(income[s], 1.0) <= c.newcomer_max_burden:
                score = worth[bld] / max(cost, 1e-9)
                if score > best_score:
                    best, best_score = pos, score
        pick = best if best >= 0 else (cheap if last else -1)
        if pick < 0:
            continue
        chosen[s] = v_units[pick]
        end = v_ptr[vil] + n - 1
        v_units[pick] = v_units[end]
        v_units[end] = chosen[s]
        v_left[vil] = n - 1
    return chosen


def member_rows(ptr: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The rows ``ptr[g]:ptr[g + 1]`` of each group ``g`` in ``groups``, one group after
    another (households' residents, given the households' first rows ``ptr``)."""
    starts = ptr[groups]
    sizes = ptr[groups + 1] - starts
    first = np.cumsum(sizes) - sizes  # where each group's rows begin in the result
    return np.repeat(starts - first, sizes) + np.arange(int(sizes.sum()), dtype=starts.dtype)


@register
class Migration(Process):
    """Monthly departures of tenant households and their replacement by newcomers."""

    name = "migration"
    reads = (
        "households",
        "residents",
        "units",
        "buildings.last_fire_day",
        "buildings.rent",
        "buildings.base_rent",
        "buildings.value",
        "buildings.managed",
        "villages.rental_registration",
        "villages.jobs",
        "villages.wage_index",
        "ties.to",
        "ties.w",
        "charging_sites.used",
    )
    writes = (
        "residents.age",
        "residents.employed",
        "residents.sector",
        "residents.ebike",
        "residents.charging",
        "residents.party",
        "residents.trust_inter",
        "residents.trust_inst",
        "residents.disposition_inter",
        "residents.disposition_inst",
        "residents.propensity",
        "residents.wage",
        "residents.workplace",
        "residents.income",
        "residents.participating",
        "residents.points",
        "residents.registered",
        "residents.arrived_day",
        "residents.charging_site",
        "residents.job_project",
        "residents.building",
        "households.burden_tolerance",
        "households.building",
        "households.unit",
        "households.notice",
        "households.housing_cost",
        "units.state",
        "units.household",
        "units.rent",
        "units.lease_end",
        "units.vacant_since",
        "ties.to",
        "ties.w",
        "charging_sites.used",
    )
    after = (
        "charging",
        "contacts",
        "governance",
        "disputes",
        "participation",
        "fire",
        "labour",
        "housing",
        "landlords",
    )
    cadence = "month"
    Params = MigrationParams
    metrics = {
        "households_moved": "Tenant households that left this month (replaced by newcomers).",
        "displaced_households_month": "Tenant households that left this month because of the "
        "rent: its burden, a lease not renewed or an operator taking the building over.",
        "departures_turnover": "Households that left this month for ordinary turnover.",
        "departures_job": "Households that left this month after losing their work.",
        "departures_fire": "Households that left this month after a fire in the building.",
        "departures_distrust": "Households that left this month out of distrust.",
        "departures_nonrenewal": "Households that left this month as their lease was not renewed.",
        "departures_takeover": "Households an operator taking the building over asked to leave "
        "this month.",
        "moves_between_buildings": "Newcomer households that took a unit in another building "
        "than the household they replaced.",
        "residents_left": "Residents who left this month.",
        "residents_arrived": "Residents who arrived this month.",
    }

    def __init__(self, model: VicinityModel, params: MigrationParams) -> None:
        super().__init__(model, params)
        hh = self.world.households
        self.hh_ptr = np.concatenate([[0], np.cumsum(hh.size)]).astype(np.int64)
        self.consts = params.consts()
        rents = model.spec.rents
        self.fee = rents.management_fee_cny_month
        self.lease_days = rents.lease_days

    def hazards(self, day: int) -> np.ndarray:
        """Monthly departure hazards of every household by cause, shape (n_households, 5)."""
        w = self.world
        hh, r = w.households, w.residents
        ptr = self.hh_ptr[:-1]
        employed = np.add.reduceat(r.employed.astype(np.int64), ptr)
        working_age = np.add.reduceat((r.age == WORKING).astype(np.int64), ptr)
        trust = np.add.reduceat(r.trust_inst, ptr) / hh.size
        return departure_hazards(day, hh, employed, working_age, trust,
                                 w.buildings.last_fire_day[hh.building], self.params)  # fmt: skip

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        empty = {name: 0.0 for name in self.metrics}
        hh0 = self.world.households
        if day == 0:
            accept_present_burdens(hh0, self.params)
        if day == 0 or len(hh0) == 0:
            return empty
        w = self.world
        hh = w.households
        gen = self.model.streams.generator(self.name, day)
        lam = self.hazards(day)
        total = lam.sum(axis=1)
        leaving = leaving_households(gen.random(len(hh)), leave_probability(total), hh.notice)
        if len(leaving) == 0:
            return empty
        cause = departure_causes(gen.random(len(leaving)), total[leaving], lam[leaving],
                                 hh.notice[leaving])  # fmt: skip
        who = member_rows(self.hh_ptr, leaving)
        self._depart(day, leaving, who)
        moved = self._arrive(day, key, leaving, who, gen)
        counts = np.bincount(cause, minlength=len(CAUSES))
        return {
            "households_moved": float(len(leaving)),
            "displaced_households_month": float(sum(counts[CAUSES.index(c)] for c in DISPLACED)),
            "departures_turnover": float(counts[0]),
            "departures_job": float(counts[2]),
            "departures_fire": float(counts[3]),
            "departures_distrust": float(counts[4]),
            "departures_nonrenewal": float(counts[5]),
            "departures_takeover": float(counts[6]),
            "moves_between_buildings": float(moved),
            "residents_left": float(len(who)),
            "residents_arrived": float(len(who)),
        }

    def _depart(self, day: int, leaving: np.ndarray, who: np.ndarray) -> None:
        w = self.world
        r, hh = w.residents, w.households
        clear_ties(w.ties.to, w.ties.w, who.astype(np.int64))
        at_site = who[r.charging[who] == CHARGE_SITE]
        np.subtract.at(w.charging_sites.used, r.charging_site[at_site], 1)
        r.charging_site[who] = -1
        r.job_project[who] = -1
        vacate(w.units, hh.unit[leaving], w.buildings.rent, day)
        hh.notice[leaving] = NOTICE_NONE

    def _arrive(self, day: int, key: np.uint64, slots: np.ndarray, who: np.ndarray,
                gen: np.random.Generator) -> int:  # fmt: skip
        """Newcomer households of the same group and size search for units; returns how many
        took a unit in another building than the household they replace."""
        w, p = self.world, self.params
        hh, r, u, b = w.households, w.residents, w.units, w.buildings
        sizes = hh.size[slots]
        member_slot = np.repeat(np.arange(len(slots)), sizes)
        head = np.zeros(len(who), dtype=bool)
        head[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = True
        floor = self.model.spec.rent_burden.income_floor_cny_month
        vac = vacancies(u, w.n_villages)
        worth = b.base_rent * b.value
        extra = b.managed * self.fee
        before = hh.building[slots].copy()
        pending = np.ones(len(slots), dtype=bool)
        for attempt in range(p.newcomer_draws):
            members = np.nonzero(pending[member_slot])[0]
            ids = who[members]
            people, potential = self._draw(ids, head[members], gen)
            income = np.bincount(member_slot[members], weights=potential, minlength=len(slots))
            searching = np.nonzero(pending)[0]
            last = attempt == p.newcomer_draws - 1
            unit = search_units(key, attempt, last, self.consts, slots[searching].astype(np.int64),
                                hh.village[slots[searching]], income[searching], vac, u.rent,
                                u.building, worth, extra)  # fmt: skip
            ok = np.zeros(len(slots), dtype=bool)
            ok[searching[unit >= 0]] = True
            chosen = np.full(len(slots), -1, np.int64)
            chosen[searching] = unit
            take = ok[member_slot[members]]
            for name, values in people.items():
                getattr(r, name)[ids[take]] = values[take]
            self._move_in(day, slots[ok], chosen[ok])
            # They accept the burden they take on, judged the way it is measured monthly
            # (actual earnings, floored) as well as on what they could earn.
            cost = hh.housing_cost[slots]
            earned = np.bincount(member_slot[members], weights=people["wage"],
                                 minlength=len(slots))  # fmt: skip
            could = burden_of(cost, income, 1.0)
            actual = burden_of(cost, earned, floor)
            hh.burden_tolerance[slots[ok]] = accepted_burden(could[ok], actual[ok], p)
            pending &= ~ok
            if not pending.any():
                break
        r.building[who] = hh.building[r.household[who]]
        moved = int(np.count_nonzero(hh.building[slots] != before))
        if moved:
            w.moves += 1
        self._take_vacancies(who)
        r.income[who] = r.wage[who]
        r.participating[who] = False
        r.points[who] = 0.0
        r.registered[who] = w.villages.rental_registration[r.village[who]]
        r.arrived_day[who] = day
        return moved

    def _move_in(self, day: int, households: np.ndarray, units: np.ndarray) -> None:
        """Households take units: a lease at the asking rent for the lease's length."""
        w = self.world
        hh, u, b = w.households, w.units, w.buildings
        hh.unit[households] = units
        hh.building[households] = u.building[units]
        u.state[units] = UNIT_LET
        u.household[units] = households
        u.lease_end[units] = day + self.lease_days
        hh.housing_cost[households] = u.rent[units] + b.managed[u.building[units]] * self.fee

    def _take_vacancies(self, who: np.ndarray) -> None:
        """Newcomers who come in work take a vacant job of their sector in the village (in
        row order); where none is left they arrive out of work and look for one."""
        w = self.world
        r = w.residents
        others = np.ones(len(r), dtype=bool)
        others[who] = False
        held = others & r.employed & (r.job_project < 0) & (r.sector >= 0)
        n_sectors = w.villages.jobs.shape[1]
        filled = np.zeros(w.villages.jobs.shape, dtype=np.int64)
        np.add.at(filled, (r.village[held], r.sector[held]), 1)
        vacant = np.maximum(w.villages.jobs - filled, 0).reshape(-1)
        new = who[r.employed[who]]
        key = r.village[new].astype(np.int64) * n_sectors + r.sector[new]
        order = np.argsort(key, kind="stable")
        ranked = key[order]
        rank = np.empty(len(new), dtype=np.int64)
        rank[order] = np.arange(len(new)) - np.searchsorted(ranked, ranked, side="left")
        out = new[rank >= vacant[key]]
        r.employed[out] = False
        r.wage[out] = 0.0
        r.sector[out] = -1
        r.workplace[out] = -1

    def _draw(
        self, ids: np.ndarray, head: np.ndarray, gen: np.random.Generator
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Attributes of candidate newcomers (wages from the outside pool) and what each could
        earn (the pool wage for every working-age member)."""
        w, p = self.world, self.params
        r = w.residents
        out: dict[str, np.ndarray] = {}
        potential = np.zeros(len(ids))
        for v in np.unique(r.village[ids]):
            mask = r.village[ids] == v
            spec = self.model.spec.villages[v].population
            group = r.group[ids[mask]]
            people = draw_people(spec, group, head[mask], gen)
            # Pay offered today: the start's medians times the city-wide wage index.
            median = (np.array([spec.group(g).wage_median_cny_month for g in range(3)])[group]
                      * w.villages.wage_index[v])  # fmt: skip
            sigma = np.array([spec.group(g).wage_sigma for g in range(3)])[group]
            # The sector's relative wage for those who come with a job; 1 for the others.
            sector = people["sector"]
            factor = np.where(sector >= 0, wage_factors(spec)[group, np.maximum(sector, 0)], 1.0)
            wage = newcomer_wage(p, median, factor, sigma, gen.normal(size=mask.sum()))
            people["wage"] = np.where(people["employed"], wage, 0.0)
            potential[mask] = np.where(people["age"] == WORKING, wage, 0.0)
            people.pop("income")
            workplaces = r.workplace[(r.village == v) & (r.workplace >= 0)]
            top = int(workplaces.max()) + 1 if len(workplaces) else 1
            people["workplace"] = np.where(
                people["employed"], gen.integers(0, top, mask.sum()), -1
            ).astype(np.int32)
            for name, values in people.items():
                if name not in out:
                    out[name] = np.empty((len(ids), *values.shape[1:]), dtype=values.dtype)
                out[name][mask] = values
        return out, potential
