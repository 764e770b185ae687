"""Collective economy: the village collective's revenue and dividends to villagers (monthly).

Each month a village collective earns its own revenue (property leases and the like, a yearly
sum at the start's prices, indexed to consumer prices) plus what its projects pay it: the
lease of the idle collective land and buildings they use and a share of their profit
(:mod:`~vicinity_sim.processes.enterprise`), so what projects bring depends on their trade,
not on a fixed sum per project. The collective pays ``dividend_share`` of the total to its
members, the local villagers, in equal per-capita dividends, and keeps the rest in its fund.
Money is conserved: revenue = dividends + addition to the fund.

Levers read here: villages' ``collective_revenue_cny_year`` and ``dividend_share``. State
read: projects' ``to_collective_cny_month`` (set by the enterprise process earlier the same
day), villages' ``price_index``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.codes import ENT_PROJECT, LOCAL


def collective_month(v: Any, pr: Any, members: np.ndarray) -> dict[str, Any]:
    """One month of the collectives' accounts (both engines: villages and projects are shared
    tables; the engines count members their own way).

    The collective earns its own revenue at today's prices plus what its projects paid it
    (leases and profit shares); it pays ``dividend_share`` of its revenue in equal per-capita
    dividends to its members and keeps the rest in its fund (revenue = dividends + addition
    to the fund).

    Args:
        v: The villages table (``dividend_per_capita`` and ``collective_fund_cny`` updated).
        pr: The projects table.
        members: Local villagers of each village.

    Returns:
        The month's metrics.
    """
    proj = pr.active & (pr.kind == ENT_PROJECT)
    project_revenue = np.bincount(pr.village[proj], weights=pr.to_collective_cny_month[proj],
                                  minlength=len(v))  # fmt: skip
    own = v.collective_revenue_cny_year * v.price_index / 12.0
    revenue = own + project_revenue
    dividends = v.dividend_share * revenue
    dividends = np.where(members > 0, dividends, 0.0)  # no members, nobody to pay
    v.dividend_per_capita[:] = dividends / np.maximum(members, 1)
    v.collective_fund_cny += revenue - dividends
    return {
        "income_collective_month": float(revenue.sum()),
        "dividends_cny": float(dividends.sum()),
        "collective_fund_cny": float(v.collective_fund_cny.sum()),
        "project_revenue_month": float(project_revenue.sum()),
    }


@register
class Collective(Process):
    """Monthly collective revenue, dividends and fund."""

    name = "collective"
    reads = (
        "residents.village",
        "residents.group",
        "projects",
        "villages.price_index",
        "villages.collective_revenue_cny_year",
        "villages.dividend_share",
        "villages.collective_fund_cny",
    )
    writes = ("villages.dividend_per_capita", "villages.collective_fund_cny")
    after = ("labour", "enterprise")
    cadence = "month"
    metrics = {
        "income_collective_month": "Collective revenue this month, all villages (CNY).",
        "dividends_cny": "Dividends paid to villagers this month (CNY).",
        "collective_fund_cny": "Retained collective revenue, all villages (CNY).",
        "project_revenue_month": "Leases and profit shares the collectives' projects paid this "
        "month (CNY; part of the collective's revenue).",
    }
    levels = frozenset({"collective_fund_cny"})

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        v, pr, r = w.villages, w.projects, w.residents
        members = np.bincount(r.village[r.group == LOCAL], minlength=len(v))
        return collective_month(v, pr, members)
