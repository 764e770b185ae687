"""Landlords' compliance with the rental safety standard in the reference model (monthly).

Mirrors :mod:`vicinity_sim.processes.compliance`. Each month, for every building in turn:

1. It meets the standard if it has a smoke sensor and escape windows and no 三合一 premises.
2. Its landlord's membership of the association is read from the landlord agent; the peer
   share of its grid is the share of the grid's buildings that meet the standard or whose
   landlord is a member, counted building by building.
3. A building below the standard, where the standard is in force, is brought to it when its
   uniform draw (one per building, in building order, from the process's generator of the
   day) falls below the monthly probability (the same expression as the fast model's, on the
   same numbers); its landlord agent pays what it lacked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.compliance import (
    ComplianceParams,
    comply_probability,
    meets_standard,
    retrofit_cost,
)
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel


@reference_process
class Compliance(ReferenceProcess):
    """Monthly compliance of landlord agents with the rental safety standard.

    Args:
        model: The reference model.
        params: The compliance parameters.
    """

    name = "compliance"

    def __init__(self, model: ReferenceModel, params: ComplianceParams) -> None:
        super().__init__(model, params)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        b, v = w.buildings, w.villages
        landlords = self.model.landlords
        n = len(b)
        ok = [bool(meets_standard(b.smoke_sensor[i], b.escape_windows[i], b.three_in_one[i]))
              for i in range(n)]  # fmt: skip
        member = [bool(landlords[b.owner[i]].association) for i in range(n)]
        # Peer share of each grid: buildings meeting the standard or owned by members.
        total = [0] * len(w.grids)
        peers = [0] * len(w.grids)
        for i in range(n):
            g = b.grid[i]
            total[g] += 1
            peers[g] += ok[i] or member[i]
        share = np.array([peers[b.grid[i]] / max(total[b.grid[i]], 1) for i in range(n)])
        prob = comply_probability(
            p, v.inspections_per_building_year[b.village], np.array(member, dtype=bool), share
        )
        u = self.model.streams.generator(self.name, day).random(n)
        now = [i for i in range(n)
               if not ok[i] and v.safety_standard[b.village[i]] and u[i] < prob[i]]  # fmt: skip
        spent: dict[int, float] = {}
        costs = []
        for i in now:
            cost = float(retrofit_cost(p, np.float64(b.rooms[i]), b.smoke_sensor[i],
                                       b.escape_windows[i], b.three_in_one[i]))  # fmt: skip
            costs.append(cost)
            owner = int(b.owner[i])
            spent[owner] = spent.get(owner, 0.0) + cost
            b.smoke_sensor[i] = True
            b.escape_windows[i] = True
            b.three_in_one[i] = False
        for owner, amount in spent.items():
            landlords[owner].safety_spent_cny += amount
        # The month's total in numpy's (pairwise) order, as the fast model sums it.
        cost_total = float(np.sum(np.array(costs, dtype=np.float64)))
        return {
            "safety_compliant_share": (sum(ok) + len(now)) / n if n else 0.0,
            "buildings_brought_to_standard": float(len(now)),
            "landlord_safety_cost_cny": cost_total,
        }
