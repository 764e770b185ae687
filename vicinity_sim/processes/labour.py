"""Labour market: separations, job matching by sector, wages and project jobs (monthly).

Each village has a stock of jobs open to its residents in each sector (industry, construction,
services and retail, other; ``villages.jobs``), filled or vacant; a resident in work holds a job
of one sector (``sector``). Each month

1. an employed resident loses the job with probability ``separation_per_month``, opening a
   vacancy in its sector (a project job reopens in its project);
2. the working-age residents out of work at the start of the month look for work. A village's
   matches follow a Cobb–Douglas matching function of its job seekers and vacancies
   (Petrongolo & Pissarides 2001),

       M = A · U^α · V^(1−α),     U = Σ_i a_i  (seekers weighted by search efficiency),

   and seeker ``i`` finds a job with probability ``min(1, a_i · M / U)``. A seeker's efficiency
   is its group's ``e/(1 − e)`` for the group's employment rate ``e`` at the start (villagers,
   many of whom live on rent and dividends, search less than tenants who came to work), raised
   by ``assistance_boost`` for migrant tenants where a social organisation offers employment
   assistance (外来人员就业辅助) in the grid. ``A`` is set per village once, at the start, so
   that matches equal separations in the initial state: left alone the village stays near its
   starting employment, and employment then moves with the job stock, not towards a target.
   Those who find work take vacancies in random order (never more than there are); each takes
   a vacant job drawn without replacement from the village's vacancies of all sectors and is
   paid a log-normal wage of its group's median times the sector's relative wage.
3. Running enterprises add jobs of their own (:mod:`~vicinity_sim.processes.enterprise`:
   collective projects industry jobs, doorstep businesses services jobs, as many as their
   trade wants): each fills its vacancies from its village's unemployed working-age
   residents, villagers first up to the enterprise's local-hire share of its jobs, at its
   wage. Owners of doorstep businesses are not separated.

Wages offered are the group's median times the city-wide wage index
(:mod:`~vicinity_sim.processes.prices`).

Jobs are not created or destroyed otherwise: departures free their jobs (the migration
process), and newcomers take a vacancy of their sector on arrival or look for work here.
Children and the elderly are not in the labour force.

Levers read here: active ``projects``; grids' ``social_org_tasks_per_day``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.codes import (
    ENT_PROJECT,
    GROUPS,
    INDUSTRY,
    LOCAL,
    MIGRANT,
    SECTORS,
    SERVICES,
    WORKING,
)
from vicinity_sim.world.population import wage_factors

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel
    from vicinity_sim.world import World


class LabourParams(ParamModel):
    """Job separation, the matching function and employment assistance."""

    separation_per_month: float = param(
        0.015, unit="1/month", ge=0.0, le=1.0,
        doc="Probability an employed resident loses the job in a month.",
        source="assumption: jobs last about five and a half years on average",
    )  # fmt: skip
    matching_elasticity: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Elasticity α of matches with respect to job seekers in the Cobb–Douglas matching "
        "function M = A·U^α·V^(1−α).",
        source="Petrongolo & Pissarides 2001 (J. Econ. Lit. 39: 390–431): estimates of α "
        "between 0.5 and 0.7, constant returns",
    )  # fmt: skip
    assistance_boost: float = param(
        0.5, unit="1", ge=0.0, le=20.0,
        doc="Relative rise of migrant job seekers' matching efficiency where a social "
        "organisation offers employment assistance (外来人员就业辅助) in the grid.",
        source="assumption",
    )  # fmt: skip


def search_efficiency(model: VicinityModel) -> np.ndarray:
    """Search efficiency of a job seeker by village and group, shape (n_villages, 3):
    ``e/(1 − e)`` for the group's employment rate ``e`` at the start (capped at 0.999)."""
    out = np.zeros((len(model.spec.villages), len(GROUPS)))
    for v, spec in enumerate(model.spec.villages):
        e = np.array([min(spec.population.group(g).employment_rate, 0.999) for g in range(3)])
        out[v] = e / (1.0 - e)
    return out


def match_efficiency(world: World, efficiency: np.ndarray, params: LabourParams) -> np.ndarray:
    """Matching efficiency ``A`` of each village, set so that the initial state's matches
    equal its expected separations: ``A = s·E / (U^α · V^(1−α))`` with ``E`` residents in
    work, ``U`` the efficiency-weighted unemployed of working age and ``V`` the vacant jobs
    plus the month's expected separations ``s·E`` (matching comes after separations; ``U``
    and ``V`` at least 1)."""
    r, v = world.residents, world.villages
    nv = len(v)
    working = r.age == WORKING
    employed = np.bincount(r.village[working & r.employed], minlength=nv)
    seek = working & ~r.employed
    u = np.bincount(r.village[seek], weights=efficiency[r.village[seek], r.group[seek]],
                    minlength=nv)  # fmt: skip
    separations = params.separation_per_month * employed
    vacant = np.maximum(v.jobs - filled_jobs(world), 0).sum(axis=1) + separations
    alpha = params.matching_elasticity
    return np.array([matching_efficiency(float(separations[i]), float(u[i]), float(vacant[i]),
                                         alpha) for i in range(nv)])  # fmt: skip


# The labour market's arithmetic, used by both engines (the reference engine passes scalars
# where the fast process passes arrays).


def matching_efficiency(separations: float, seekers: float, vacancies: float,
                        alpha: float) -> float:  # fmt: skip
    """``A`` that makes the matches of a village's initial state equal its expected
    separations (seekers and vacancies at least 1; scalar powers, village by village)."""
    return separations / (max(seekers, 1.0) ** alpha * max(vacancies, 1.0) ** (1.0 - alpha))


def matches(efficiency: float, seekers: float, vacancies: int, alpha: float) -> float:
    """The Cobb–Douglas matching function ``M = A · U^α · V^(1−α)``."""
    return efficiency * seekers**alpha * vacancies ** (1.0 - alpha)


def seeker_efficiency(base: Any, migrant: Any, assisted: Any, p: LabourParams) -> Any:
    """Search efficiency of job seekers: their group's, raised for migrant tenants where a
    social organisation offers employment assistance."""
    return base * np.where(migrant & assisted, 1.0 + p.assistance_boost, 1.0)


def find_probability(efficiency: Any, matched: float, seekers: float) -> Any:
    """Probability a seeker of this efficiency finds work: ``min(1, a · M / U)``."""
    return np.minimum(1.0, efficiency * matched / seekers)


def wage(median: Any, factor: Any, sigma: Any, z: Any) -> Any:
    """A log-normal wage: the group's median times the sector's relative wage, given the
    standard normal ``z``."""
    return median * factor * np.exp(sigma * z)


def local_quota(share: float, jobs: int, local_staff: int) -> int:
    """Villagers a project still hires first: its local-hire share of its jobs, less the
    villagers it employs."""
    return max(0, math.ceil(share * jobs) - local_staff)


def business_owners(pr: Any, job_project: np.ndarray) -> np.ndarray:
    """Flags of the residents who own a running doorstep business and still work at it (a
    row whose owner moved away holds a newcomer until the business closes; both engines)."""
    out = np.zeros(len(job_project), bool)
    ks = np.nonzero(pr.active & (pr.owner >= 0))[0]
    ks = ks[job_project[pr.owner[ks]] == ks]
    out[pr.owner[ks]] = True
    return out


def project_jobs(job_project: np.ndarray, kind: np.ndarray) -> int:
    """Residents working at the collectives' projects (not at doorstep businesses)."""
    held = job_project[job_project >= 0]
    return int(np.count_nonzero(kind[held] == ENT_PROJECT))


def enterprise_sector(kind: int) -> int:
    """Sector of a job at an enterprise: industry at a collective project, services at a
    doorstep business."""
    return INDUSTRY if kind == ENT_PROJECT else SERVICES


def filled_jobs(world: World) -> np.ndarray:
    """Filled jobs of the villages' job stocks by sector, shape (n_villages, 4) (project
    jobs are not in the stock)."""
    r = world.residents
    held = r.employed & (r.job_project < 0) & (r.sector >= 0)
    out = np.zeros((len(world.villages), len(SECTORS)), dtype=np.int64)
    np.add.at(out, (r.village[held], r.sector[held]), 1)
    return out


@register
class Labour(Process):
    """Monthly separations, matching of job seekers to vacancies and project hiring."""

    name = "labour"
    reads = (
        "residents.age",
        "residents.employed",
        "residents.group",
        "residents.village",
        "residents.building",
        "residents.job_project",
        "residents.sector",
        "villages.jobs",
        "grids.social_org_tasks_per_day",
        "buildings.grid",
        "projects",
        "villages.wage_index",
    )
    writes = ("residents.employed", "residents.wage", "residents.job_project", "residents.sector")
    # After the day's hazards by convention: the month's economy closes the day, before the
    # households decide whether to move.
    after = ("interventions", "structure")
    cadence = "month"
    Params = LabourParams
    metrics = {
        "employment_rate": "Share of working-age residents in work.",
        "employment_rate_local": "Share of working-age local villagers in work.",
        "employment_rate_migrant": "Share of working-age migrant tenants in work.",
        "jobs_created": "Jobs at the collectives' industrial projects currently filled.",
        "business_jobs": "Doorstep businesses' owners and staff.",
        "project_hires": "Residents hired by enterprises (projects and businesses) this month.",
        "job_matches": "Job seekers matched to vacancies of the job stock this month.",
        "vacancies": "Vacant jobs of the villages' job stocks after this month's matching.",
    }
    levels = frozenset({"employment_rate", "employment_rate_local", "employment_rate_migrant",
                        "jobs_created", "business_jobs", "vacancies"})  # fmt: skip

    def __init__(self, model: VicinityModel, params: LabourParams) -> None:
        super().__init__(model, params)
        self.res_grid = self.world.resident_grid()
        self._moves = self.world.moves
        self.efficiency = search_efficiency(model)
        self.match_efficiency = match_efficiency(self.world, self.efficiency, params)
        self.wage_median = np.array([[s.population.group(g).wage_median_cny_month
                                      for g in range(3)] for s in model.spec.villages])  # fmt: skip
        self.wage_sigma = np.array([[s.population.group(g).wage_sigma for g in range(3)]
                                    for s in model.spec.villages])  # fmt: skip
        self.wage_factor = np.stack([wage_factors(s.population) for s in model.spec.villages])

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        if self._moves != w.moves:  # newcomers took units in other grids
            self.res_grid, self._moves = w.resident_grid(), w.moves
        r = w.residents
        gen = self.model.streams.generator(self.name, day)
        working = r.age == WORKING
        u_lose, u_find = gen.random(len(r)), gen.random(len(r))
        # Job seekers are those out of work at the start of the month.
        seek = np.nonzero(working & ~r.employed)[0]
        # Separations (project jobs included: the project hires again).
        # Owners of doorstep businesses are not separated: they close their business or not
        # (the enterprise process).
        lose = (working & r.employed & (u_lose < p.separation_per_month)
                & ~business_owners(w.projects, r.job_project))  # fmt: skip
        r.employed[lose] = False
        r.wage[lose] = 0.0
        r.job_project[lose] = -1
        r.sector[lose] = -1
        matches = self._match(seek, u_find, gen)
        hires = self._fill_projects(gen)
        vacant = np.maximum(w.villages.jobs - filled_jobs(w), 0)
        return {
            "employment_rate": _rate(working, r.employed),
            "employment_rate_local": _rate(working & (r.group == LOCAL), r.employed),
            "employment_rate_migrant": _rate(working & (r.group == MIGRANT), r.employed),
            "jobs_created": float(project_jobs(r.job_project, w.projects.kind)),
            "business_jobs": float(np.count_nonzero(r.job_project >= 0))
            - float(project_jobs(r.job_project, w.projects.kind)),
            "project_hires": float(hires),
            "job_matches": float(matches),
            "vacancies": float(vacant.sum()),
        }

    def _match(self, seek: np.ndarray, u_find: np.ndarray, gen: np.random.Generator) -> int:
        """Match each village's job seekers to its vacancies; returns the number matched."""
        w, p = self.world, self.params
        r = w.residents
        if len(seek) == 0:
            return 0
        vacant = np.maximum(w.villages.jobs - filled_jobs(w), 0)
        assisted = w.grids.social_org_tasks_per_day[self.res_grid[seek]] > 0
        eff = seeker_efficiency(self.efficiency[r.village[seek], r.group[seek]],
                                r.group[seek] == MIGRANT, assisted, p)  # fmt: skip
        alpha = p.matching_elasticity
        matched = 0
        for v in np.unique(r.village[seek]):
            mask = r.village[seek] == v
            idx, a = seek[mask], eff[mask]
            n_vacant = int(vacant[v].sum())
            seekers = float(a.sum())
            if n_vacant == 0 or seekers <= 0.0:
                continue
            m = matches(self.match_efficiency[v], seekers, n_vacant, alpha)
            found = idx[u_find[idx] < find_probability(a, m, seekers)]
            if len(found) > n_vacant:  # more found work than there are jobs: a random few
                found = found[gen.permutation(len(found))[:n_vacant]]
            if len(found) == 0:
                continue
            slots = np.repeat(np.arange(len(SECTORS)), vacant[v])
            sector = gen.permutation(slots)[: len(found)]
            g = r.group[found]
            r.wage[found] = wage(self.wage_median[v, g] * w.villages.wage_index[v],
                                 self.wage_factor[v, g, sector],
                                 self.wage_sigma[v, g], gen.normal(size=len(found)))  # fmt: skip
            r.employed[found] = True
            r.sector[found] = sector
            matched += len(found)
        return matched

    def _fill_projects(self, gen: np.random.Generator) -> int:
        """Hire the unemployed of each project's village into its vacancies."""
        w = self.world
        pr, r = w.projects, w.residents
        hires = 0
        # Staff of every enterprise, counted once (hiring for one never changes another's).
        staff_of = np.bincount(r.job_project[r.job_project >= 0], minlength=len(pr))
        local_of = np.bincount(r.job_project[(r.job_project >= 0) & (r.group == LOCAL)],
                               minlength=len(pr))  # fmt: skip
        # Each village's unemployed of working age, in row order, kept as hires leave it.
        idle = np.nonzero((r.age == WORKING) & ~r.employed)[0]
        pools = {int(v): idle[r.village[idle] == v] for v in np.unique(pr.village[pr.active])}
        # Marks on residents' rows stand in for set operations on the pools (a pool holds
        # each row once): the hired leave their pool, and a project's locals hired first are
        # set apart from the rest of its shuffled pool.
        hired = np.zeros(len(r), dtype=bool)
        for k in np.nonzero(pr.active)[0]:
            vacancies = int(pr.jobs[k]) - int(staff_of[k])
            if vacancies <= 0:
                continue
            v = int(pr.village[k])
            pool = gen.permutation(pools[v])
            locals_first = pool[r.group[pool] == LOCAL]
            local_staff = int(local_of[k])
            quota = local_quota(pr.local_hire_share[k], pr.jobs[k], local_staff)
            first = locals_first[: min(quota, vacancies)]
            hired[first] = True
            rest = pool[~hired[pool]][: vacancies - len(first)]
            chosen = np.concatenate([first, rest]).astype(np.int64)
            hired[chosen] = True
            r.employed[chosen] = True
            r.wage[chosen] = pr.wage[k]
            r.job_project[chosen] = k
            r.sector[chosen] = enterprise_sector(pr.kind[k])
            pools[v] = pools[v][~hired[pools[v]]]
            hires += len(chosen)
        return hires


def _rate(among: np.ndarray, employed: np.ndarray) -> float:
    n = np.count_nonzero(among)
    return np.count_nonzero(among & employed) / n if n else math.nan
