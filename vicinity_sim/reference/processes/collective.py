"""Collective economy in the reference model: revenue and dividends to villagers (monthly).

Mirrors :mod:`vicinity_sim.processes.collective`. Each month a village collective earns its own
revenue (property leases and the like) plus the revenue of its running industrial projects,
each in proportion to the share of its jobs filled (counted from the agents); it
pays ``dividend_share`` of the total in equal per-capita dividends to its members, the local
villagers, and keeps the rest in its fund (revenue = dividends + addition to the fund). Only
the counts of members and project staff come from the agents; the money is kept on the
villages' table.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.world.codes import LOCAL


@reference_process
class Collective(ReferenceProcess):
    """Monthly collective revenue, dividends and fund."""

    name = "collective"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        v, pr = self.world.villages, self.world.projects
        # Members of each village's collective: its local villagers.
        members = np.zeros(len(v), dtype=np.int64)
        for res in self.model.residents:
            if res.group == LOCAL:
                members[res.village] += 1
        # A project earns in proportion to the share of its jobs filled (in full without jobs).
        staff = np.zeros(len(pr), dtype=np.int64)
        for res in self.model.residents:
            if res.job_project >= 0:
                staff[res.job_project] += 1
        filled = np.where(pr.jobs > 0, staff / np.maximum(pr.jobs, 1), 1.0)
        project_revenue = np.bincount(
            pr.village[pr.active],
            weights=(pr.revenue_cny_year * filled)[pr.active],
            minlength=len(v),
        )
        revenue = (v.collective_revenue_cny_year + project_revenue) / 12.0
        dividends = v.dividend_share * revenue
        dividends = np.where(members > 0, dividends, 0.0)  # no members, nobody to pay
        v.dividend_per_capita[:] = dividends / np.maximum(members, 1)
        v.collective_fund_cny += revenue - dividends
        return {
            "income_collective_month": float(revenue.sum()),
            "dividends_cny": float(dividends.sum()),
            "collective_fund_cny": float(v.collective_fund_cny.sum()),
            "project_revenue_month": float(project_revenue.sum() / 12.0),
        }
