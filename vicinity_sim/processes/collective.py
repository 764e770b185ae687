"""Collective economy: the village collective's revenue and dividends to villagers (monthly).

Each month a village collective earns its own revenue (property leases and the like) plus the
revenue of its running industrial projects; a project earns in proportion to the share of its
jobs that are filled (``revenue × staff / jobs``; a project without jobs earns in full), so a
project that cannot find workers brings the collective less. The collective pays
``dividend_share`` of the total to its members, the local villagers, in equal per-capita
dividends, and keeps the rest in its fund.
Money is conserved: revenue = dividends + addition to the fund.

Levers read here: active ``projects``; villages' ``collective_revenue_cny_year`` and
``dividend_share``. State read: residents' ``job_project`` (set by the labour process earlier
the same day).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.codes import LOCAL


def collective_month(v: Any, pr: Any, members: np.ndarray, staff: np.ndarray) -> dict[str, Any]:
    """One month of the collectives' accounts (both engines: villages and projects are shared
    tables; the engines count members and project staff their own way).

    A project earns in proportion to the share of its jobs filled (in full without jobs); the
    collective pays ``dividend_share`` of its revenue in equal per-capita dividends to its
    members and keeps the rest in its fund (revenue = dividends + addition to the fund).

    Args:
        v: The villages table (``dividend_per_capita`` and ``collective_fund_cny`` updated).
        pr: The projects table.
        members: Local villagers of each village.
        staff: Residents employed by each project.

    Returns:
        The month's metrics.
    """
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


@register
class Collective(Process):
    """Monthly collective revenue, dividends and fund."""

    name = "collective"
    reads = (
        "residents.job_project",
        "residents.village",
        "residents.group",
        "projects",
        "villages.collective_revenue_cny_year",
        "villages.dividend_share",
        "villages.collective_fund_cny",
    )
    writes = ("villages.dividend_per_capita", "villages.collective_fund_cny")
    after = ("labour",)
    cadence = "month"
    metrics = {
        "income_collective_month": "Collective revenue this month, all villages (CNY).",
        "dividends_cny": "Dividends paid to villagers this month (CNY).",
        "collective_fund_cny": "Retained collective revenue, all villages (CNY).",
        "project_revenue_month": "Revenue of industrial projects this month (CNY; part of the "
        "collective's revenue).",
    }
    levels = frozenset({"collective_fund_cny"})

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        v, pr, r = w.villages, w.projects, w.residents
        staff = np.bincount(r.job_project[r.job_project >= 0], minlength=len(pr))
        members = np.bincount(r.village[r.group == LOCAL], minlength=len(v))
        return collective_month(v, pr, members, staff)
