"""Migration in the reference model: tenant households leave and newcomers take their units.

Mirrors :mod:`vicinity_sim.processes.migration`. Each month every tenant household (migrant
tenants, Taiwan compatriots; local villagers own their homes and stay) leaves with probability
``1 − exp(−Σ λ)``, the hazards being: moving on for reasons outside the model, a rent burden
above what the household accepted on arrival (if someone is in work), no one in work, a fire in
the building in the last 30 days, and institutional trust below a threshold. The cause of a
departure is drawn in proportion to the hazards; leaving for the rent is displacement.

Leavers' agents are removed, with their ties (at both ends) and their places at charging
sites. Each vacated unit is let within the month to a newcomer household of the same group and
size from an outside pool (:func:`~vicinity_sim.world.population.draw_people`, wages from the
pool's own distribution, times the relative wage of the sector of those who come with a
job): up to ``newcomer_draws`` candidates are drawn, and the first whose
rent burden on what its working-age members could earn is bearable (else the last) moves in,
as new agents in the same rows. Those who come with a job take a vacant job of their sector
in the village (in row order) or, where none is left, arrive out of work. Newcomers know
nobody and are registered with the grid at once only where rental regulation requires it; the
unit's pairing with a party member stays.

Random numbers come from the process's numpy Generator stream for the day, drawn in the fast
model's order: one uniform per household, one per leaver (the cause), then per round of
candidates and village the pool's draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.housing import burden_of
from vicinity_sim.processes.migration import (
    CAUSES,
    MigrationParams,
    accept_present_burdens,
    accepted_burden,
    departure_cause,
    departure_hazards,
    leave_probability,
    newcomer_wage,
)
from vicinity_sim.processes.migration import Migration as FastMigration
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.processes.housing import household_members, household_sum
from vicinity_sim.reference.ties import EMPTY, clear_ties
from vicinity_sim.world.codes import CHARGE_SITE, WORKING
from vicinity_sim.world.population import draw_people, wage_factors

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel

#: Columns of the hazards by cause (:data:`CAUSES`; leaving for the rent is displacement).
BASE, RENT, JOB, FIRE, DISTRUST = (
    CAUSES.index(c) for c in ("base", "rent", "job", "fire", "distrust")
)


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
        p_leave = leave_probability(total)
        u = gen.random(len(hh))  # one draw per household, tenants or not
        leaving = [h for h in range(len(hh)) if u[h] < p_leave[h]]
        if not leaving:
            return empty
        # The cause: where a uniform draw on [0, Σ λ) falls among the cumulated hazards.
        u_cause = gen.random(len(leaving)) * total[leaving]
        counts = [0] * len(CAUSES)
        for h, x in zip(leaving, u_cause, strict=True):
            counts[int(departure_cause(x, lam[h]))] += 1
        rows = [i for h in leaving for i in self.members[h]]
        for i in rows:
            self._depart(self.model.residents[i])
        self._arrive(day, leaving, gen)
        return {
            "households_moved": float(len(leaving)),
            "displaced_households_month": float(counts[RENT]),
            "departures_turnover": float(counts[BASE]),
            "departures_job": float(counts[JOB]),
            "departures_fire": float(counts[FIRE]),
            "departures_distrust": float(counts[DISTRUST]),
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

    def _arrive(self, day: int, leaving: list[int], gen: np.random.Generator) -> None:
        """Newcomer households of the same group and size move into the vacated units.

        Each round draws one candidate household for every unit still to let; a candidate
        moves in if its rent burden on what its working-age members could earn is at most
        ``newcomer_max_burden`` (in the last round, whatever it is).
        """
        p = self.params
        hh = self.world.households
        floor = self.model.spec.rent_burden.income_floor_cny_month
        pending = list(leaving)
        for attempt in range(p.newcomer_draws):
            last = attempt == p.newcomer_draws - 1
            rows = [i for h in pending for i in self.members[h]]
            candidates = self._draw(rows, gen)
            still_pending = []
            for h in pending:
                people = [candidates[i] for i in self.members[h]]
                cost = float(hh.housing_cost[h])
                could_earn = 0.0
                for person in people:
                    could_earn += person["potential"]
                burden = burden_of(cost, could_earn, 1.0)
                if not (burden <= p.newcomer_max_burden or last):
                    still_pending.append(h)
                    continue
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
        p = self.params
        residents = self.model.residents
        out: dict[int, dict] = {}
        for v in sorted({residents[i].village for i in rows}):
            ids = [i for i in rows if residents[i].village == v]
            spec = self.model.spec.villages[v].population
            group = np.array([residents[i].group for i in ids], dtype=np.int8)
            # The first member of a household is its head, who is never a child.
            head = np.array([self.members[residents[i].household][0] == i for i in ids])
            people = draw_people(spec, group, head, gen)
            median = np.array([spec.group(g).wage_median_cny_month for g in range(3)])[group]
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
            arrived_day=day,
        )  # fmt: skip
        # The agent is built from its row of the residents table (village, household,
        # building and group stay with the unit).
        for name, value in values.items():
            getattr(table, name)[row] = value
        newcomer = self.model.new_resident(row)
        slots = len(newcomer.ties_to)
        newcomer.ties_to, newcomer.ties_w = [EMPTY] * slots, [0.0] * slots
        self.model.residents[row] = newcomer
