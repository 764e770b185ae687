"""Migration in the reference model: tenant households leave and newcomers search for units.

Mirrors :mod:`vicinity_sim.processes.migration`. Each month every tenant household (migrant
tenants, Taiwan compatriots; local villagers own their homes and stay) leaves with probability
``1 − exp(−Σ λ)``, the hazards being: moving on for reasons outside the model, a rent burden
above what the household accepted on arrival (if someone is in work), no one in work, a fire in
the building in the last 30 days, and institutional trust below a threshold. Households given
notice (a lease not renewed, an operator taking the building over) leave whatever their draw.
The cause of a departure is the notice, or drawn in proportion to the hazards; leaving for the
rent, not renewed or evicted is displacement.

Leavers' agents are removed, with their ties (at both ends) and their places at charging
sites; their units stand vacant at their building's posted rent. Each leaving household is
replaced by a newcomer household of the same group and size from an outside pool
(:func:`~vicinity_sim.world.population.draw_people`, wages from the pool's own distribution,
times the relative wage of the sector of those who come with a job), which searches: household
by household, in row order, a candidate views ``units_viewed`` vacant units of the village and
takes the one with most value for money among those whose rent and fee it could bear; one that
finds none gives way to the next candidate (up to ``newcomer_draws``; the last takes the
cheapest unit it viewed). The newcomers move in as new agents in the same rows, in the building
of the unit they took. Those who come with a job take a vacant job of their sector in the
village (in row order) or, where none is left, arrive out of work. Newcomers know nobody and
are registered with the grid at once only where rental regulation requires it.

Random numbers come from the process's numpy Generator stream for the day, drawn in the fast
model's order (one uniform per household, one per leaver (the cause), then per round of
candidates and village the pool's draws), and, for the units viewed, from the process's
counter-based uniform addressed by household row, round and view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.housing import burden_of
from vicinity_sim.processes.migration import (
    CAUSES,
    DISPLACED,
    MigrationParams,
    MigrationSlot,
    accept_present_burdens,
    accepted_burden,
    departure_causes,
    departure_hazards,
    leave_probability,
    leaving_households,
    newcomer_wage,
    vacancies,
    vacate,
    view_index,
)
from vicinity_sim.processes.migration import Migration as FastMigration
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.processes.housing import household_members, household_sum
from vicinity_sim.reference.ties import EMPTY, clear_ties
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import CHARGE_SITE, NOTICE_NONE, UNIT_LET, WORKING
from vicinity_sim.world.population import draw_people, wage_factors

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel

#: Columns of the departures by cause (:data:`CAUSES`).
BASE, RENT, JOB, FIRE, DISTRUST, NONRENEWAL, TAKEOVER = (
    CAUSES.index(c) for c in ("base", "rent", "job", "fire", "distrust", "nonrenewal", "takeover")
)
VIEW = slot_numbers(MigrationSlot).VIEW
view_at = view_index.py_func


@reference_process
class Migration(ReferenceProcess):
    """Monthly departures of tenant households and their replacement by newcomers.

    Args:
        model: The reference model.
        params: The migration parameters.
    """

    name = "migration"

    def __init__(self, model: ReferenceModel, params: MigrationParams) -> None:
        super().__init__(model, params)
        # A household's rows never change; their occupants do.
        self.members = household_members(model)
        self.consts = params.consts()
        self.fee = model.spec.rents.management_fee_cny_month
        self.lease_days = model.spec.rents.lease_days

    def hazards(self, day: int) -> np.ndarray:
        """Monthly departure hazards of every household by cause, shape (n_households, 5).

        The members' counts and mean institutional trust are gathered from the agents; the
        hazards themselves are arithmetic on households (places), as in the fast model.
        """
        w = self.world
        hh = w.households
        residents = self.model.residents
        n = len(hh)
        employed = np.zeros(n, dtype=np.int64)
        working_age = np.zeros(n, dtype=np.int64)
        trust_sum = np.zeros(n)
        for h, rows in enumerate(self.members):
            people = [residents[i] for i in rows]
            employed[h] = sum(1 for res in people if res.employed)
            working_age[h] = sum(1 for res in people if res.age == WORKING)
            trust_sum[h] = household_sum([res.trust_inst for res in people])
        return departure_hazards(day, hh, employed, working_age, trust_sum / hh.size,
                                 w.buildings.last_fire_day[hh.building], self.params)  # fmt: skip

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        empty = {name: 0.0 for name in FastMigration.metrics}
        hh = self.world.households
        if day == 0:
            accept_present_burdens(hh, self.params)
        if day == 0 or len(hh) == 0:
            return empty
        gen = self.model.streams.generator(self.name, day)
        lam = self.hazards(day)
        total = lam.sum(axis=1)  # numpy's row sums, rounded as the fast model's
        # One draw per household, tenants or not; households given notice leave anyway.
        leaving = leaving_households(gen.random(len(hh)), leave_probability(total), hh.notice)
        if len(leaving) == 0:
            return empty
        cause = departure_causes(gen.random(len(leaving)), total[leaving], lam[leaving],
                                 hh.notice[leaving])  # fmt: skip
        counts = [0] * len(CAUSES)
        for x in cause:
            counts[int(x)] += 1
        leaving_list = [int(h) for h in leaving]
        rows = [i for h in leaving_list for i in self.members[h]]
        for i in rows:
            self._depart(self.model.residents[i])
        vacate(self.world.units, hh.unit[leaving], self.world.buildings.rent, day)
        hh.notice[leaving] = NOTICE_NONE
        moved = self._arrive(day, key, leaving_list, gen)
        return {
            "households_moved": float(len(leaving)),
            "displaced_households_month": float(sum(counts[CAUSES.index(c)] for c in DISPLACED)),
            "departures_turnover": float(counts[BASE]),
            "departures_job": float(counts[JOB]),
            "departures_fire": float(counts[FIRE]),
            "departures_distrust": float(counts[DISTRUST]),
            "departures_nonrenewal": float(counts[NONRENEWAL]),
            "departures_takeover": float(counts[TAKEOVER]),
            "moves_between_buildings": float(moved),
            "residents_left": float(len(rows)),
            "residents_arrived": float(len(rows)),
        }

    def _depart(self, res: Resident) -> None:
        """``res`` leaves: its ties end at both ends, its place at a charging site is freed,
        and its agent is removed from the model.

        The departed agent stays in ``model.residents`` until its successor moves in: as in
        the fast model, where a vacated row keeps its values until overwritten, its
        workplace still counts when the pool numbers newcomers' workplaces.
        """
        clear_ties(res)
        if res.charging == CHARGE_SITE:
            self.world.charging_sites.used[res.charging_site] -= 1
        res.charging_site = -1
        res.job_project = -1
        res.remove()

    def _arrive(self, day: int, key: np.uint64, leaving: list[int],
                gen: np.random.Generator) -> int:  # fmt: skip
        """Newcomer households of the same group and size search for units and move in;
        returns how many took a unit in another building than the household they replace.

        Each round draws one candidate household for every household still searching; the
        candidates search in row order (:meth:`_search`), and those who take a unit move in.
        """
        p = self.params
        w = self.world
        hh, u, b = w.households, w.units, w.buildings
        floor = self.model.spec.rent_burden.income_floor_cny_month
        vac = vacancies(u, w.n_villages)
        pools = [list(vac.units[vac.ptr[v] : vac.ptr[v + 1]]) for v in range(w.n_villages)]
        before = {h: int(hh.building[h]) for h in leaving}
        pending = list(leaving)
        for attempt in range(p.newcomer_draws):
            last = attempt == p.newcomer_draws - 1
            rows = [i for h in pending for i in self.members[h]]
            candidates = self._draw(rows, gen)
            still_pending = []
            for h in pending:
                people = [candidates[i] for i in self.members[h]]
                could_earn = 0.0
                for person in people:
                    could_earn += person["potential"]
                unit = self._search(key, h, attempt, last, could_earn, pools[int(hh.village[h])])
                if unit < 0:
                    still_pending.append(h)
                    continue
                self._take_unit(day, h, unit)
                cost = float(hh.housing_cost[h])
                burden = burden_of(cost, could_earn, 1.0)
                # They accept the burden they take on, judged the way it is measured monthly
                # (actual earnings, floored) as well as on what they could earn.
                earned = 0.0
                for person in people:
                    earned += person["wage"]
                actual = burden_of(cost, earned, floor)
                hh.burden_tolerance[h] = accepted_burden(burden, actual, p)
                for i in self.members[h]:
                    self._move_in(i, candidates[i], day)
            pending = still_pending
            if not pending:
                break
        self._take_vacancies([i for h in leaving for i in self.members[h]])
        moved = sum(1 for h in leaving if hh.building[h] != before[h])
        if moved:
            w.moves += 1
        del b
        return moved

    def _search(self, key: np.uint64, h: int, attempt: int, last: bool, income: float,
                pool: list[int]) -> int:  # fmt: skip
        """The unit household ``h``'s candidate takes (removed from the village's ``pool`` of
        vacant units), or -1: of ``units_viewed`` units viewed at random, the one with most
        value for money among those whose rent and fee it could bear (in the last round, the
        cheapest viewed if none)."""
        c = self.consts
        w = self.world
        u, b = w.units, w.buildings
        n = len(pool)
        if n == 0:
            return -1
        best, best_score = -1, -1.0
        cheap, cheap_cost = -1, np.inf
        for j in range(c.units_viewed):
            pos = int(uniform(key, VIEW, view_at(h, attempt, j, c)) * n)
            k = int(pool[pos])
            bld = int(u.building[k])
            cost = u.rent[k] + b.managed[bld] * self.fee
            if cost < cheap_cost:
                cheap, cheap_cost = pos, cost
            if cost / max(income, 1.0) <= c.newcomer_max_burden:
                score = (b.base_rent[bld] * b.value[bld]) / max(cost, 1e-9)
                if score > best_score:
                    best, best_score = pos, score
        pick = best if best >= 0 else (cheap if last else -1)
        if pick < 0:
            return -1
        unit = int(pool[pick])
        pool[pick] = pool[n - 1]
        pool[n - 1] = unit
        pool.pop()
        return unit

    def _take_unit(self, day: int, h: int, unit: int) -> None:
        """Household ``h`` takes ``unit``: a lease at the asking rent for the lease's length."""
        w = self.world
        hh, u, b = w.households, w.units, w.buildings
        hh.unit[h] = unit
        hh.building[h] = u.building[unit]
        u.state[unit] = UNIT_LET
        u.household[unit] = h
        u.lease_end[unit] = day + self.lease_days
        hh.housing_cost[h] = u.rent[unit] + b.managed[u.building[unit]] * self.fee

    def _take_vacancies(self, rows: list[int]) -> None:
        """Newcomers (in ``rows``) who come in work take a vacant job of their sector in the
        village, in row order; where none is left they arrive out of work (and without a
        workplace) and look for one in the labour market."""
        residents = self.model.residents
        newcomers = set(rows)
        vacant = [[int(x) for x in row] for row in self.world.villages.jobs]
        for res in residents:
            if res.row not in newcomers and res.employed and res.job_project < 0 \
                    and res.sector >= 0:  # fmt: skip
                vacant[res.village][res.sector] -= 1
        for i in sorted(rows):
            res = residents[i]
            if not res.employed:
                continue
            if vacant[res.village][res.sector] > 0:
                vacant[res.village][res.sector] -= 1
            else:
                res.employed, res.wage, res.income = False, 0.0, 0.0
                res.sector, res.workplace = -1, -1

    def _draw(self, rows: list[int], gen: np.random.Generator) -> dict[int, dict]:
        """One candidate newcomer for each of ``rows``, drawn from the outside pool.

        The pool's draws are made per village (in village order) for that village's rows as
        one batch, since :func:`draw_people` draws its numbers in blocks: the same blocks, in
        the same order, as the fast model.

        Args:
            rows: Vacated rows still to fill, household after household (heads first).
            gen: The day's random stream.

        Returns:
            Row → the candidate's attributes (columns of the residents table), plus
            ``potential``: what the candidate could earn (the pool wage if of working age).
        """
        p, w = self.params, self.world
        residents = self.model.residents
        out: dict[int, dict] = {}
        for v in sorted({residents[i].village for i in rows}):
            ids = [i for i in rows if residents[i].village == v]
            spec = self.model.spec.villages[v].population
            group = np.array([residents[i].group for i in ids], dtype=np.int8)
            # The first member of a household is its head, who is never a child.
            head = np.array([self.members[residents[i].household][0] == i for i in ids])
            people = draw_people(spec, group, head, gen)
            # Pay offered today: the start's medians times the city-wide wage index.
            median = (np.array([spec.group(g).wage_median_cny_month for g in range(3)])[group]
                      * w.villages.wage_index[v])  # fmt: skip
            sigma = np.array([spec.group(g).wage_sigma for g in range(3)])[group]
            # The sector's relative wage for those who come with a job; 1 for the others.
            sector = people["sector"]
            factor = np.where(sector >= 0, wage_factors(spec)[group, np.maximum(sector, 0)], 1.0)
            wage = newcomer_wage(p, median, factor, sigma, gen.normal(size=len(ids)))
            people.pop("income")  # newcomers earn the pool's wage, drawn just above
            # Workplaces are numbered within the village; newcomers join one of those there
            # now (the rows still vacant keep their leaver's workplace until let).
            top = max((residents[i].workplace for i in range(len(residents))
                       if residents[i].village == v and residents[i].workplace >= 0),
                      default=0) + 1  # fmt: skip
            workplace = gen.integers(0, top, len(ids))
            for k, i in enumerate(ids):
                person = {name: values[k] for name, values in people.items()}
                employed = bool(person["employed"])
                person["wage"] = wage[k] if employed else 0.0
                person["workplace"] = int(workplace[k]) if employed else -1
                person["potential"] = wage[k] if person["age"] == WORKING else 0.0
                out[i] = person
        return out

    def _move_in(self, row: int, person: dict, day: int) -> None:
        """The candidate ``person`` moves into ``row``: a new resident agent in that row, who
        knows nobody, has no job at a project or place at a charging site yet, earns its wage
        and is registered at once where landlords must register tenants."""
        w = self.world
        table = w.residents
        village = self.model.residents[row].village  # the unit's village (the leaver's)
        values = {name: value for name, value in person.items() if name != "potential"}
        values.update(
            income=values["wage"], job_project=-1, charging_site=-1, participating=False,
            points=0.0, registered=bool(w.villages.rental_registration[village]),
            arrived_day=day, building=int(w.households.building[table.household[row]]),
        )  # fmt: skip
        # The agent is built from its row of the residents table (village, household and
        # group stay with the row; the building is the one of the unit its household took).
        for name, value in values.items():
            getattr(table, name)[row] = value
        newcomer = self.model.new_resident(row)
        slots = len(newcomer.ties_to)
        newcomer.ties_to, newcomer.ties_w = [EMPTY] * slots, [0.0] * slots
        self.model.residents[row] = newcomer
