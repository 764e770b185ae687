"""Labour market: employment, job finding, wages and industrial-project jobs (monthly).

Working-age residents move between work and unemployment. Each month an employed resident
loses the job with a fixed probability; an unemployed one finds a job with a probability set so
that, left alone, each group stays near its initial employment rate (hazards ``f = s·e/(1 − e)``
for separation hazard ``s`` and employment rate ``e``; monthly steps settle a little below
``e``), raised by employment assistance where a
social organisation works in the grid (for migrant tenants, the group it serves). A new job
pays a wage drawn from the group's wage distribution.

Industrial projects add jobs in the village: vacancies are filled each month from the village's
unemployed working-age residents, villagers first up to the project's local-hire share; project
jobs pay the project's wage. Children and the elderly are not in the labour force.

Levers read here: active ``projects``; grids' ``social_org_tasks_per_day``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.world.population import LOCAL, MIGRANT, WORKING

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


class LabourParams(ParamModel):
    """Job separation, job finding and employment assistance."""

    separation_per_month: float = param(
        0.015, unit="1/month", ge=0.0, le=1.0,
        doc="Probability an employed resident loses the job in a month.",
        source="assumption: jobs last about five and a half years on average",
    )  # fmt: skip
    assistance_boost: float = param(
        0.5, unit="1", ge=0.0, le=20.0,
        doc="Relative rise of migrants' job-finding rate where a social organisation offers "
        "employment assistance (外来人员就业辅助) in the grid.",
        source="assumption",
    )  # fmt: skip


@register
class Labour(Process):
    """Monthly job separations, job finding and project hiring."""

    name = "labour"
    order = SCHEDULE["economy"]
    cadence = "month"
    Params = LabourParams
    metrics = {
        "employment_rate": "Share of working-age residents in work.",
        "jobs_created": "Jobs in industrial projects currently filled.",
        "project_hires": "Residents hired by industrial projects this month.",
    }
    levels = frozenset({"employment_rate", "jobs_created"})

    def __init__(self, model: VicinityModel, params: LabourParams) -> None:
        super().__init__(model, params)
        self.res_grid = self.world.resident_grid()

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        r = w.residents
        gen = self.model.streams.generator(self.name, day)
        working = r.age == WORKING
        u_lose, u_find = gen.random(len(r)), gen.random(len(r))
        # Job finding among those out of work at the start of the month, at the rate that keeps
        # each group at its initial employment rate.
        seek = np.nonzero(working & ~r.employed)[0]
        # Separations (project jobs included: the project hires again).
        lose = working & r.employed & (u_lose < p.separation_per_month)
        r.employed[lose] = False
        r.wage[lose] = 0.0
        r.job_project[lose] = -1
        assisted = w.grids.social_org_tasks_per_day[self.res_grid] > 0
        if len(seek):
            find = self._finding_rates(seek)
            find *= np.where((r.group[seek] == MIGRANT) & assisted[seek], 1 + p.assistance_boost, 1)
            found = seek[u_find[seek] < 1.0 - np.exp(-find)]
            for v in np.unique(r.village[found]):
                who = found[r.village[found] == v]
                pop = self.model.spec.villages[v].population
                median = np.array([pop.group(g).wage_median_cny_month for g in range(3)])
                sigma = np.array([pop.group(g).wage_sigma for g in range(3)])
                g = r.group[who]
                r.wage[who] = median[g] * np.exp(sigma[g] * gen.normal(size=len(who)))
                r.employed[who] = True
        hires = self._fill_projects(gen)
        n_working = np.count_nonzero(working)
        filled = np.count_nonzero(r.job_project >= 0)
        return {
            "employment_rate": np.count_nonzero(working & r.employed) / n_working
            if n_working
            else math.nan,
            "jobs_created": float(filled),
            "project_hires": float(hires),
        }

    def _finding_rates(self, seek: np.ndarray) -> np.ndarray:
        """Monthly hazard of finding a job that keeps groups at their employment rates."""
        r = self.world.residents
        s = -math.log(1.0 - self.params.separation_per_month)
        rates = np.zeros(len(seek))
        for v in np.unique(r.village[seek]):
            pop = self.model.spec.villages[v].population
            e = np.array([min(pop.group(g).employment_rate, 0.999) for g in range(3)])
            mask = r.village[seek] == v
            rates[mask] = (s * e / (1.0 - e))[r.group[seek[mask]]]
        return rates

    def _fill_projects(self, gen: np.random.Generator) -> int:
        """Hire the unemployed of each project's village into its vacancies."""
        w = self.world
        pr, r = w.projects, w.residents
        hires = 0
        for k in np.nonzero(pr.active)[0]:
            staff = np.count_nonzero(r.job_project == k)
            vacancies = int(pr.jobs[k]) - staff
            if vacancies <= 0:
                continue
            pool = np.nonzero((r.village == pr.village[k]) & (r.age == WORKING) & ~r.employed)[0]
            pool = gen.permutation(pool)
            locals_first = pool[r.group[pool] == LOCAL]
            quota = max(0, math.ceil(pr.local_hire_share[k] * pr.jobs[k]) - np.count_nonzero(
                (r.job_project == k) & (r.group == LOCAL)
            ))  # fmt: skip
            first = locals_first[: min(quota, vacancies)]
            rest = pool[~np.isin(pool, first)][: vacancies - len(first)]
            chosen = np.concatenate([first, rest]).astype(np.int64)
            r.employed[chosen] = True
            r.wage[chosen] = pr.wage[k]
            r.job_project[chosen] = k
            hires += len(chosen)
        return hires
