"""Wages and prices in the reference model: the city-wide wage and price indices (monthly).

Mirrors :mod:`vicinity_sim.processes.prices`. From the second month on, every village's wage
and price index and every enterprise's wage rise by a month's growth (places, with the shared
function); each resident employed by others (not a business owner) has its wage raised by the
same factor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vicinity_sim.processes.prices import PricesParams, index_prices
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process


def owner_rows(model: Any) -> set[int]:
    """Rows of the residents owning a running doorstep business and still working at it."""
    pr, residents = model.world.projects, model.residents
    return {int(pr.owner[k]) for k in range(len(pr))
            if pr.active[k] and pr.owner[k] >= 0
            and residents[int(pr.owner[k])].job_project == k}  # fmt: skip


@reference_process
class Prices(ReferenceProcess):
    """Monthly wage and price indices; employees' wages follow the wage index.

    Args:
        model: The reference model.
        params: The prices parameters.
    """

    name = "prices"
    params: PricesParams

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        v = self.world.villages
        if day > 0:
            factor = index_prices(v, self.world.projects, self.params)
            owners = owner_rows(self.model)
            for res in self.model.residents:
                if res.employed and res.row not in owners:
                    res.wage *= factor
        return {"wage_index": float(v.wage_index.mean()) if len(v) else 1.0,
                "price_index": float(v.price_index.mean()) if len(v) else 1.0}  # fmt: skip
