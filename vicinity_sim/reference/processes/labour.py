"""Labour market in the reference model: employment, job finding and project jobs (monthly).

Mirrors :mod:`vicinity_sim.processes.labour`. Each month a working-age resident in work loses
the job with a fixed probability; one out of work at the start of the month finds a job with
the hazard that keeps the group near its initial employment rate, raised for migrant tenants
where a social organisation offers employment assistance in the grid. A new job pays a wage
drawn from the group's log-normal wage distribution. Then every running industrial project
fills its vacancies from the unemployed working-age residents of its village, villagers first
up to its local-hire share, at the project's wage.

The draws come from the month's numpy Generator of the process, in the fast process's order:
one separation uniform per resident row, one job-finding uniform per resident row, the wage
normals of the new hires village by village, then one permutation of each project's pool.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.labour import LabourParams
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.world.population import LOCAL, MIGRANT, WORKING

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel


@reference_process
class Labour(ReferenceProcess):
    """Monthly job separations, job finding and project hiring.

    Args:
        model: The reference model.
        params: Labour parameters.
    """

    name = "labour"

    def __init__(self, model: ReferenceModel, params: LabourParams) -> None:
        super().__init__(model, params)
        # As in the fast process, a resident's grid (where employment assistance is looked up)
        # is taken once, as built.
        grid_of_building = self.world.buildings.grid
        self.grid_of: list[int] = [int(grid_of_building[r.building]) for r in model.residents]

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        p = self.params
        residents = self.model.residents
        gen = self.model.streams.generator(self.name, day)
        # One separation draw and one job-finding draw per resident row, drawn up front.
        u_lose = gen.random(len(residents)).tolist()
        u_find = gen.random(len(residents)).tolist()
        working = [res for res in residents if res.age == WORKING]
        # Job seekers are those out of work at the start of the month (not those laid off now).
        seekers = [res for res in working if not res.employed]
        for res in working:
            if res.employed and u_lose[res.row] < p.separation_per_month:
                # Project jobs too: the project hires again below.
                res.employed, res.wage, res.job_project = False, 0.0, -1
        found = [res for res in seekers if u_find[res.row] < self._finding_probability(res)]
        self._pay_new_jobs(found, gen)
        hires = self._fill_projects(gen)
        in_work = sum(1 for res in working if res.employed)
        filled = sum(1 for res in residents if res.job_project >= 0)
        return {
            "employment_rate": in_work / len(working) if working else math.nan,
            "jobs_created": float(filled),
            "project_hires": float(hires),
        }

    def _finding_probability(self, res: Resident) -> float:
        """Probability a job seeker finds work this month: 1 − exp(−f) for the hazard
        ``f = s·e/(1 − e)`` that keeps the group at its employment rate ``e`` given the
        separation hazard ``s``, raised by employment assistance for migrant tenants."""
        p = self.params
        s = -math.log(1.0 - p.separation_per_month)
        pop = self.model.spec.villages[res.village].population
        e = min(pop.group(res.group).employment_rate, 0.999)
        rate = s * e / (1.0 - e)
        assisted = self.world.grids.social_org_tasks_per_day[self.grid_of[res.row]] > 0
        if res.group == MIGRANT and assisted:
            rate *= 1 + p.assistance_boost
        # numpy's exp, as the fast process uses (it may round differently from math.exp).
        return 1.0 - float(np.exp(-rate))

    def _pay_new_jobs(self, found: list[Resident], gen: np.random.Generator) -> None:
        """New jobs pay a log-normal wage of the group's median and spread; the normals are
        drawn per village (in village order) for its new hires in row order."""
        for v in sorted({res.village for res in found}):
            hired = [res for res in found if res.village == v]
            pop = self.model.spec.villages[v].population
            z = gen.normal(size=len(hired))
            for res, z_i in zip(hired, z, strict=True):
                wages = pop.group(res.group)
                res.wage = wages.wage_median_cny_month * float(np.exp(wages.wage_sigma * z_i))
                res.employed = True

    def _fill_projects(self, gen: np.random.Generator) -> int:
        """Hire the unemployed of each running project's village into its vacancies, villagers
        first up to the local-hire quota, the rest in random order."""
        pr = self.world.projects
        residents = self.model.residents
        hires = 0
        for k in np.nonzero(pr.active)[0].tolist():
            staff = [res for res in residents if res.job_project == k]
            vacancies = int(pr.jobs[k]) - len(staff)
            if vacancies <= 0:
                continue
            village = int(pr.village[k])
            pool = [
                res.row
                for res in residents
                if res.village == village and res.age == WORKING and not res.employed
            ]
            pool = gen.permutation(np.array(pool, dtype=np.int64)).tolist()
            local_staff = sum(1 for res in staff if res.group == LOCAL)
            quota = max(0, math.ceil(pr.local_hire_share[k] * pr.jobs[k]) - local_staff)
            locals_first = [j for j in pool if residents[j].group == LOCAL]
            first = locals_first[: min(quota, vacancies)]
            taken = set(first)
            rest = [j for j in pool if j not in taken][: vacancies - len(first)]
            for j in first + rest:
                res = residents[j]
                res.employed, res.wage, res.job_project = True, float(pr.wage[k]), k
            hires += len(first) + len(rest)
        return hires
