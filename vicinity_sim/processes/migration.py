"""Migration: tenant households leave, pushed by rent, job loss, fire and distrust (monthly).

Local villagers own their homes and stay. Each month every tenant household (migrant tenants,
Taiwan compatriots) leaves with probability ``1 − exp(−Σ λ)``, the sum of hazards

    λ_base                                     moving on for reasons outside the model
    λ_rent  · max(0, burden − tolerance)       rent burden above what the household accepts
                                               (households with someone in work)
    λ_job   · [no one in work, someone of working age]
    λ_fire  · [a fire in the building in the last 30 days]
    λ_trust · max(0, threshold − mean institutional trust) / threshold

and the cause of a departure is drawn in proportion to them. A household's tolerance is the
larger of ``burden_threshold`` and the burden it accepted when it moved in (for households
present at the start, their burden then): households leave for the rent when it rises beyond
what they took on, not because it was always high. A household that leaves for the rent is
*displaced*: counted monthly in ``displaced_households_month`` (the time series also carries
``displaced_households``, the total so far, as the summary reports it). The rule makes
displacement an outcome of rents and incomes, not an assumption.

Every vacated unit is let again within the month to a newcomer household of the same group and
size from an outside pool, whose wages follow the pool's own distribution (the group's, scaled
by ``newcomer_wage_factor``, and the sector's relative wage). A candidate judges
the rent against what its working-age members can earn (newcomers come to work; whether they
come with a job, and in which sector, follows the group's employment rate and sector mix, but
a job is taken on arrival only if one of that sector is vacant in the village: the others
arrive out of work and look for one in the labour market); candidates whose burden would
exceed ``newcomer_max_burden`` look elsewhere (up to ``newcomer_draws`` candidates; the last is
taken): when rents rise, newcomers are better off than those they replace. Leaving
breaks every tie and frees places at charging sites; newcomers know nobody, are registered with
the grid at once only where rental regulation requires landlords to register tenants, and take
up their predecessors' pairing with a party member, which stays with the unit.

Levers read here: villages' ``rental_registration``. State read: households' ``rent_burden``,
``housing_cost``; buildings' ``last_fire_day``; residents' ``employed``, ``sector``,
``job_project``, ``trust_inst``; villages' ``jobs``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.housing import burden_of
from vicinity_sim.world.codes import CHARGE_SITE, LOCAL, WORKING
from vicinity_sim.world.population import draw_people, wage_factors
from vicinity_sim.world.ties import clear_ties

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

CAUSES = ("base", "rent", "job", "fire", "distrust")


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
        doc="Candidate newcomer households considered for a unit before the last is taken.",
        source="assumption",
    )  # fmt: skip


# The households' arithmetic, used by both engines (households and buildings are shared
# tables; each engine gathers the members' counts and trust its own way).


def departure_hazards(
    day: int, hh: Any, employed: np.ndarray, working_age: np.ndarray, trust: np.ndarray,
    last_fire_day: np.ndarray, p: Any,
) -> np.ndarray:  # fmt: skip
    """Monthly departure hazards of every household by cause, shape (n_households, 5).

    Args:
        day: Day of the run.
        hh: The households table.
        employed, working_age: Members in work and of working age, per household.
        trust: Mean institutional trust of each household's members.
        last_fire_day: Day of the last fire in each household's building.
        p: Migration parameters.
    """
    lam = np.zeros((len(hh.size), len(CAUSES)))
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
    return np.minimum(cause, len(CAUSES) - 1)


def newcomer_wage(p: Any, median: Any, factor: Any, sigma: Any, z: Any) -> Any:
    """A candidate newcomer's wage from the outside pool (``z`` standard normal)."""
    return p.newcomer_wage_factor * median * factor * np.exp(sigma * z)


def accepted_burden(could: Any, actual: Any, p: Any) -> Any:
    """The burden a newcomer household accepts: the larger of its burden on what it could
    earn, on what it earns (measured as monthly) and the usual threshold."""
    return np.maximum(np.maximum(could, actual), p.burden_threshold)


@register
class Migration(Process):
    """Monthly departures of tenant households and their replacement by newcomers."""

    name = "migration"
    reads = (
        "households",
        "residents",
        "buildings.last_fire_day",
        "villages.rental_registration",
        "villages.jobs",
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
        "households.burden_tolerance",
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
    )
    cadence = "month"
    Params = MigrationParams
    metrics = {
        "households_moved": "Tenant households that left this month (replaced by newcomers).",
        "displaced_households_month": "Tenant households that left this month because of the rent.",
        "departures_turnover": "Households that left this month for ordinary turnover.",
        "departures_job": "Households that left this month after losing their work.",
        "departures_fire": "Households that left this month after a fire in the building.",
        "departures_distrust": "Households that left this month out of distrust.",
        "residents_left": "Residents who left this month.",
        "residents_arrived": "Residents who arrived this month.",
    }

    def __init__(self, model: VicinityModel, params: MigrationParams) -> None:
        super().__init__(model, params)
        hh = self.world.households
        self.hh_ptr = np.concatenate([[0], np.cumsum(hh.size)]).astype(np.int64)

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
        leaving = np.nonzero(gen.random(len(hh)) < leave_probability(total))[0]
        if len(leaving) == 0:
            return empty
        cause = departure_cause(gen.random(len(leaving)) * total[leaving], lam[leaving])
        who = np.concatenate([np.arange(self.hh_ptr[h], self.hh_ptr[h + 1]) for h in leaving])
        self._depart(who)
        self._arrive(day, leaving, who, gen)
        counts = np.bincount(cause, minlength=len(CAUSES))
        return {
            "households_moved": float(len(leaving)),
            "displaced_households_month": float(counts[1]),
            "departures_turnover": float(counts[0]),
            "departures_job": float(counts[2]),
            "departures_fire": float(counts[3]),
            "departures_distrust": float(counts[4]),
            "residents_left": float(len(who)),
            "residents_arrived": float(len(who)),
        }

    def _depart(self, who: np.ndarray) -> None:
        w = self.world
        r = w.residents
        clear_ties(w.ties.to, w.ties.w, who.astype(np.int64))
        at_site = who[r.charging[who] == CHARGE_SITE]
        np.subtract.at(w.charging_sites.used, r.charging_site[at_site], 1)
        r.charging_site[who] = -1
        r.job_project[who] = -1

    def _arrive(
        self, day: int, slots: np.ndarray, who: np.ndarray, gen: np.random.Generator
    ) -> None:
        """Newcomer households of the same group and size in the vacated units."""
        w, p = self.world, self.params
        hh, r = w.households, w.residents
        sizes = hh.size[slots]
        member_slot = np.repeat(np.arange(len(slots)), sizes)
        head = np.zeros(len(who), dtype=bool)
        head[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = True
        cost = hh.housing_cost[slots]
        floor = self.model.spec.rent_burden.income_floor_cny_month
        pending = np.ones(len(slots), dtype=bool)
        for attempt in range(p.newcomer_draws):
            members = np.nonzero(pending[member_slot])[0]
            ids = who[members]
            people, potential = self._draw(ids, head[members], gen)
            income = np.bincount(member_slot[members], weights=potential, minlength=len(slots))
            burden = burden_of(cost, income, 1.0)
            ok = pending & ((burden <= p.newcomer_max_burden) | (attempt == p.newcomer_draws - 1))
            take = ok[member_slot[members]]
            for name, values in people.items():
                getattr(r, name)[ids[take]] = values[take]
            # They accept the burden they take on, judged the way it is measured monthly
            # (actual earnings, floored) as well as on what they could earn.
            earned = np.bincount(member_slot[members], weights=people["wage"],
                                 minlength=len(slots))  # fmt: skip
            actual = burden_of(cost, earned, floor)
            hh.burden_tolerance[slots[ok]] = accepted_burden(burden[ok], actual[ok], p)
            pending &= ~ok
            if not pending.any():
                break
        self._take_vacancies(who)
        r.income[who] = r.wage[who]
        r.participating[who] = False
        r.points[who] = 0.0
        r.registered[who] = w.villages.rental_registration[r.village[who]]
        r.arrived_day[who] = day

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
            median = np.array([spec.group(g).wage_median_cny_month for g in range(3)])[group]
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
