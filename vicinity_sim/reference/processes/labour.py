"""Labour market in the reference model: separations, matching by sector, project jobs (monthly).

Mirrors :mod:`vicinity_sim.processes.labour`. Each village has a stock of jobs open to its
residents by sector (``villages.jobs``, a place table shared with the fast model); a resident
in work holds a job of one sector. Each month a working-age resident in work loses the job with
a fixed probability. The working-age residents out of work at the start of the month are
matched to their village's vacancies by a Cobb–Douglas matching function
``M = A·U^α·V^(1−α)`` of the efficiency-weighted seekers ``U`` and the vacancies ``V``; a
seeker of efficiency ``a`` finds work with probability ``min(1, a·M/U)``. Efficiency is the
group's ``e/(1 − e)`` at the start, raised for migrant tenants where a social organisation
offers employment assistance in the grid; ``A`` is set per village at the start so that the
initial matches equal the initial separations. Those who find work take vacancies (a random
few if there are more of them than vacancies), each a vacant job drawn without replacement
from the village's vacancies, at a log-normal wage of the group's median times the sector's
relative wage. Then every running industrial project fills its vacancies from the unemployed
working-age residents of its village, villagers first up to its local-hire share, at the
enterprise's wage; project jobs are industry jobs, doorstep businesses' services jobs. Owners
of doorstep businesses are not separated; wages offered follow the city-wide wage index.

The draws come from the month's numpy Generator of the process, in the fast process's order:
one separation uniform per resident row, one job-finding uniform per resident row, then for
each village with seekers and vacancies (in village order) a permutation of those who found
work if they outnumber the vacancies, a permutation of the vacancies and the wage normals;
then one permutation of each project's pool.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.labour import (
    LabourParams,
    enterprise_sector,
    find_probability,
    local_quota,
    matches,
    matching_efficiency,
    search_efficiency,
    seeker_efficiency,
    wage,
)
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.processes.prices import owner_rows
from vicinity_sim.world.codes import ENT_PROJECT, LOCAL, MIGRANT, SECTORS, WORKING
from vicinity_sim.world.population import wage_factors

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel


@reference_process
class Labour(ReferenceProcess):
    """Monthly separations, matching of job seekers to vacancies and project hiring.

    Args:
        model: The reference model.
        params: Labour parameters.
    """

    name = "labour"

    def __init__(self, model: ReferenceModel, params: LabourParams) -> None:
        super().__init__(model, params)
        # As in the fast process, a resident's grid (where employment assistance is looked up)
        # is taken when it starts and again when newcomers take units in other grids.
        self._index_residence()
        self.efficiency = search_efficiency(model)  # type: ignore[arg-type]
        self.wage_factor = [wage_factors(s.population) for s in model.spec.villages]
        self.match_efficiency = self._match_efficiency()

    def _index_residence(self) -> None:
        grid_of_building = self.world.buildings.grid
        self.grid_of = [int(grid_of_building[r.building]) for r in self.model.residents]
        self._moves = self.world.moves

    def _match_efficiency(self) -> list[float]:
        """``A`` of each village: its residents in work times the separation probability,
        over ``U^α · V^(1−α)`` for the efficiency-weighted unemployed ``U`` and the vacancies
        plus expected separations ``V`` of the initial state (each at least 1)."""
        p = self.params
        n = len(self.world.villages)
        employed, seekers = [0] * n, [0.0] * n
        for res in self.model.residents:
            if res.age != WORKING:
                continue
            if res.employed:
                employed[res.village] += 1
            else:
                seekers[res.village] += float(self.efficiency[res.village, res.group])
        vacant = self._vacancies()
        out = []
        for v in range(n):
            separations = p.separation_per_month * employed[v]
            vacancies = float(sum(vacant[v])) + separations
            out.append(
                matching_efficiency(separations, seekers[v], vacancies, p.matching_elasticity)
            )
        return out

    def _vacancies(self) -> list[list[int]]:
        """Vacant jobs of each village's stock by sector: the stock less the jobs held by
        residents outside industrial projects."""
        jobs = self.world.villages.jobs
        vacant = [[int(x) for x in row] for row in jobs]
        for res in self.model.residents:
            if res.employed and res.job_project < 0 and res.sector >= 0:
                vacant[res.village][res.sector] -= 1
        return [[max(x, 0) for x in row] for row in vacant]

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        p = self.params
        residents = self.model.residents
        gen = self.model.streams.generator(self.name, day)
        # One separation draw and one job-finding draw per resident row, drawn up front.
        u_lose = gen.random(len(residents)).tolist()
        u_find = gen.random(len(residents)).tolist()
        working = [res for res in residents if res.age == WORKING]
        # Job seekers are those out of work at the start of the month (not those laid off now).
        seekers = [res for res in working if not res.employed]
        owners = owner_rows(self.model)  # owners of doorstep businesses are not separated
        for res in working:
            if res.employed and u_lose[res.row] < p.separation_per_month and res.row not in owners:
                # Project jobs too: the project hires again below.
                res.employed, res.wage, res.job_project, res.sector = False, 0.0, -1, -1
        matches = self._match(seekers, u_find, gen)
        hires = self._fill_projects(gen)
        in_work = sum(1 for res in working if res.employed)
        kind = self.world.projects.kind
        at_projects = sum(
            1 for res in residents if res.job_project >= 0 and kind[res.job_project] == ENT_PROJECT
        )
        return {
            "employment_rate": in_work / len(working) if working else math.nan,
            "employment_rate_local": _rate([r for r in working if r.group == LOCAL]),
            "employment_rate_migrant": _rate([r for r in working if r.group == MIGRANT]),
            "jobs_created": float(at_projects),
            "business_jobs": float(sum(1 for res in residents if res.job_project >= 0))
            - float(at_projects),
            "project_hires": float(hires),
            "job_matches": float(matches),
            "vacancies": float(sum(sum(row) for row in self._vacancies())),
        }

    def _match(self, seekers: list[Resident], u_find: list[float],
               gen: np.random.Generator) -> int:  # fmt: skip
        """Match each village's seekers to its vacancies; returns the number matched."""
        p = self.params
        vacant = self._vacancies()
        alpha = p.matching_elasticity
        matched = 0
        for v in sorted({res.village for res in seekers}):
            here = [res for res in seekers if res.village == v]
            eff = []
            for res in here:
                assisted = self.world.grids.social_org_tasks_per_day[self.grid_of[res.row]] > 0
                base = float(self.efficiency[v, res.group])
                eff.append(float(seeker_efficiency(base, res.group == MIGRANT, assisted, p)))
            n_vacant = sum(vacant[v])
            # numpy's sum, as the fast process adds (pairwise, not left to right).
            total = float(np.array(eff).sum())
            if n_vacant == 0 or total <= 0.0:
                continue
            m = matches(self.match_efficiency[v], total, n_vacant, alpha)
            found = [res for res, a in zip(here, eff, strict=True)
                     if u_find[res.row] < find_probability(a, m, total)]  # fmt: skip
            if len(found) > n_vacant:  # more found work than there are jobs: a random few
                order = gen.permutation(len(found))[:n_vacant].tolist()
                found = [found[j] for j in order]
            if not found:
                continue
            slots = np.repeat(np.arange(len(SECTORS)), vacant[v])
            sectors = gen.permutation(slots)[: len(found)].tolist()
            z = gen.normal(size=len(found))
            pop = self.model.spec.villages[v].population
            for res, sector, z_i in zip(found, sectors, z, strict=True):
                wages = pop.group(res.group)
                res.wage = float(wage(wages.wage_median_cny_month
                                      * self.world.villages.wage_index[v],
                                      float(self.wage_factor[v][res.group, sector]),
                                      wages.wage_sigma, z_i))  # fmt: skip
                res.employed, res.sector = True, sector
            matched += len(found)
        return matched

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
            quota = local_quota(pr.local_hire_share[k], pr.jobs[k], local_staff)
            locals_first = [j for j in pool if residents[j].group == LOCAL]
            first = locals_first[: min(quota, vacancies)]
            taken = set(first)
            rest = [j for j in pool if j not in taken][: vacancies - len(first)]
            for j in first + rest:
                res = residents[j]
                res.employed, res.wage, res.job_project = True, float(pr.wage[k]), k
                res.sector = enterprise_sector(pr.kind[k])
            hires += len(first) + len(rest)
        return hires


def _rate(people: list[Resident]) -> float:
    return sum(1 for res in people if res.employed) / len(people) if people else math.nan
