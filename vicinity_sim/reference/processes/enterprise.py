"""Enterprises in the reference model: doorstep businesses and collective projects (monthly).

Mirrors :mod:`vicinity_sim.processes.enterprise`. The enterprises, units and villages are
places shared with the fast model and updated with the same functions; the residents (owners,
staff, would-be owners) are agents. Each month:

1. A business whose owner moved away closes.
2. Visitors follow the village's attraction; the residents' spending pool is their share of
   last month's incomes (summed from the agents), the visitors' their spend.
3. Every running enterprise sells, up to what its owner and staff can serve, and books its
   profit; an owner is paid the business's profit (not below 0).
4. Owners whose expected profit is below the reservation income, or whom the base hazard
   strikes, close; they and their staff look for work.
5. Each enterprise wants as many workers as its demand needs; staff beyond that are laid
   off, the highest row first.
6. Working-age residents drawn to weigh it, in row order, start the best kind of business in
   the cheapest idle room of their village if it pays more than what they earn now.

The draws come from the month's numpy Generator of the process, in the fast process's order:
one failure uniform per enterprise row, one consideration uniform per resident row, then one
normal per would-be owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.enterprise import (
    RESIDENT_WEIGHT,
    VISITOR_WEIGHT,
    EnterpriseParams,
    best_kind,
    business_levels,
    close_units,
    closures_due,
    enterprise_accounts,
    idle_units_by_village,
    open_businesses,
    optimism_of,
    spending_pools,
    village_attraction,
    visitor_flow,
    workers_wanted,
)
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.processes.prices import owner_rows
from vicinity_sim.world.codes import ENT_PROJECT, SERVICES, WORKING

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel


def _release(res: Resident) -> None:
    res.employed, res.wage, res.job_project, res.sector = False, 0.0, -1, -1


@reference_process
class Enterprise(ReferenceProcess):
    """Monthly visitors, sales, profits, jobs, closures and openings of enterprises.

    Args:
        model: The reference model.
        params: The enterprise parameters.
    """

    name = "enterprise"
    params: EnterpriseParams

    def __init__(self, model: ReferenceModel, params: EnterpriseParams) -> None:
        super().__init__(model, params)
        w = self.world
        residents = np.zeros(len(w.villages))
        for res in model.residents:
            residents[res.village] += 1.0
        self.visitor_base = params.visitors_per_1000_residents_day * residents / 1000.0
        self.attraction0 = village_attraction(w)
        self.half = params.half_capture_per_1000_residents * residents / 1000.0
        w.villages.visitors_per_day[:] = self.visitor_base

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        v, pr = w.villages, w.projects
        residents = self.model.residents
        gen = self.model.streams.generator(self.name, day)
        u_fail = gen.random(len(pr))
        u_consider = gen.random(len(residents)).tolist()

        # 1. Owners who moved away.
        gone = [k for k in range(len(pr)) if pr.active[k] and pr.owner[k] >= 0
                and residents[int(pr.owner[k])].job_project != k]  # fmt: skip
        close_units(w, np.array(gone, dtype=np.int64))
        left = set(gone)
        for res in residents:  # their staff look for work
            if res.job_project >= 0 and res.job_project in left:
                _release(res)

        # 2. Demand.
        v.visitors_per_day[:] = visitor_flow(self.visitor_base, village_attraction(w),
                                             self.attraction0, p)  # fmt: skip
        villages = np.array([res.village for res in residents], dtype=np.int64)
        incomes = np.array([res.income for res in residents], dtype=np.float64)
        income_sum = np.bincount(villages, weights=incomes, minlength=len(v))
        res_pool, vis_pool = spending_pools(w, income_sum, p)

        # 3. Sales and profits; owners are paid the profit.
        owners = owner_rows(self.model)
        staff = np.zeros(len(pr), dtype=np.int64)
        for res in residents:
            if res.job_project >= 0 and res.row not in owners:
                staff[res.job_project] += 1
        accounts = enterprise_accounts(w, res_pool, vis_pool, self.half, staff, p)
        for k in range(len(pr)):
            if pr.active[k] and pr.owner[k] >= 0:
                residents[int(pr.owner[k])].wage = max(float(pr.profit_cny_month[k]), 0.0)

        # 4. Closures.
        closing = closures_due(pr, v, u_fail, p)
        close_units(w, closing)
        shut = set(closing.tolist())
        for res in residents:
            if res.job_project >= 0 and res.job_project in shut:
                _release(res)

        # 5. Jobs follow trade; layoffs beyond them, the highest row first.
        on = pr.active
        pr.jobs[on] = workers_wanted(pr.demand_cny_month[on], pr.owner[on] >= 0, p)
        laid_off = self._lay_off()

        # 6. Openings.
        opened = self._open(day, res_pool, vis_pool, u_consider, gen)
        out = business_levels(w, accounts)
        out.update({"businesses_opened": float(opened),
                    "businesses_closed": float(len(closing) + len(gone)),
                    "enterprise_layoffs": float(laid_off)})  # fmt: skip
        return out

    def _lay_off(self) -> int:
        pr = self.world.projects
        owners = owner_rows(self.model)
        staff: dict[int, list[Resident]] = {}
        for res in self.model.residents:
            if res.job_project >= 0 and res.row not in owners:
                staff.setdefault(res.job_project, []).append(res)
        n = 0
        for k, people in staff.items():
            allowed = int(pr.jobs[k]) - (1 if pr.owner[k] >= 0 else 0)
            excess = len(people) - allowed
            for res in sorted(people, key=lambda r: -r.row)[: max(excess, 0)]:
                _release(res)
                n += 1
        return n

    def _open(self, day: int, res_pool: np.ndarray, vis_pool: np.ndarray,
              u_consider: list[float], gen: np.random.Generator) -> int:  # fmt: skip
        w, p = self.world, self.params
        v, pr = w.villages, w.projects
        residents = self.model.residents
        owners = owner_rows(self.model)
        rate = p.entry_consideration_per_year / 12.0
        cand = [
            res
            for res in residents
            if res.age == WORKING and res.row not in owners and u_consider[res.row] < rate
        ]
        z = gen.normal(size=len(cand)).tolist()
        if not cand:
            return 0
        idle = idle_units_by_village(w)
        nv = len(v)
        w_res, w_vis, has_project = [0.0] * nv, [0.0] * nv, [False] * nv
        for k in range(len(pr)):  # in row order, as numpy's bincount adds
            if pr.active[k] and pr.owner[k] >= 0:
                w_res[pr.village[k]] += float(RESIDENT_WEIGHT[pr.kind[k]])
                w_vis[pr.village[k]] += float(VISITOR_WEIGHT[pr.kind[k]])
            if pr.active[k] and pr.kind[k] == ENT_PROJECT:
                has_project[pr.village[k]] = True
        openings = []
        for res, zi in zip(cand, z, strict=True):
            vv = res.village
            if not idle[vv]:
                continue
            unit = idle[vv][0]
            rent = float(w.buildings.rent[w.units.building[unit]])
            vis_biz = float(vis_pool[vv] * (1.0 - p.project_visitor_share * has_project[vv]))
            kind, value = best_kind(
                float(res_pool[vv]), vis_biz, w_res[vv], w_vis[vv], float(self.half[vv]),
                float(v.price_index[vv]), rent,
                p.staff_wage_cny_month * float(v.wage_index[vv]), optimism_of(zi, p), p,
            )  # fmt: skip
            outside = max(res.wage if res.employed else 0.0,
                          p.reservation_income_cny_month * float(v.wage_index[vv]))  # fmt: skip
            if value <= outside:
                continue
            idle[vv].pop(0)
            w_res[vv] += float(RESIDENT_WEIGHT[kind])
            w_vis[vv] += float(VISITOR_WEIGHT[kind])
            openings.append(
                (
                    res.row,
                    kind,
                    unit,
                    value + p.setup_cost_cny * float(v.price_index[vv]) / p.payback_months,
                )
            )
        rows = open_businesses(w, openings, day, p)
        for k in rows.tolist():
            res = residents[int(w.projects.owner[k])]
            res.employed, res.wage, res.job_project, res.sector = True, 0.0, k, SERVICES
        return len(rows)
