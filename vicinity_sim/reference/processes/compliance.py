"""Enforcement of the rental safety standard in the reference model (monthly).

Mirrors :mod:`vicinity_sim.processes.compliance`: the month's inspections, orders and fines
act on places (buildings), computed by the same function; each fined building's landlord
agent pays the fine, building by building. Whether to comply is the landlord agents' own
decision (:class:`~vicinity_sim.reference.agents.Landlord`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.compliance import ComplianceParams, inspections
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel


@reference_process
class Compliance(ReferenceProcess):
    """Monthly inspections of rented buildings against the safety standard.

    Args:
        model: The reference model.
        params: The compliance parameters.
    """

    name = "compliance"

    def __init__(self, model: ReferenceModel, params: ComplianceParams) -> None:
        super().__init__(model, params)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        done = inspections(w, key, day, self.params)
        landlords = self.model.landlords
        for building, fine in zip(done["fined"], done["fine"], strict=True):
            landlords[int(w.buildings.owner[building])].fines_cny += float(fine)
        return {
            "safety_inspections": float(done["inspected"]),
            "rectification_orders": float(done["orders"]),
            "safety_fines_cny": float(done["fine"].sum()),
        }
