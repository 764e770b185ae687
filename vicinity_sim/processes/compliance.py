"""Enforcement of the rental safety standard: inspections, rectification orders and fines
(monthly).

Where rental regulation puts a fire-safety standard for rented buildings in force
(《城中村房屋租赁管理若干规定》: networked smoke detection in every unit, openable escape windows in
the security grilles, no living quarters in shops and workshops), a building meets the standard
when it has a smoke sensor and escape windows and no 三合一 premises. Each month each building is
inspected with probability ``1 − exp(−I / 12)`` (``I`` inspections per building and year, a
lever of the regulation); an inspector fails to get in with probability ``access_failure``. An
inspected building below the standard gets a rectification order; one found still below it
after the order's deadline costs its landlord the village's fine (``safety_fine_cny``, a lever
of the regulation) at every such inspection.

Whether and when to comply is the landlord's decision
(:mod:`~vicinity_sim.processes.landlords`): the fines to expect, a pending order, what the
neighbours do and membership of the association weigh against what compliance costs.

Levers read here: villages' ``safety_standard``, ``inspections_per_building_year`` and
``safety_fine_cny``. State changed: buildings' ``inspected_day`` and ``order_day``; landlords'
``fines_cny``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform_array


class ComplianceParams(ParamModel):
    """Inspections of rented buildings, orders and fines."""

    access_failure: float = param(
        0.2, unit="1", ge=0.0, le=1.0, range=(0.05, 0.4),
        doc="Probability an inspector cannot get into the building inspected.",
        source="docs/sources.md §landlords: inspectors could not get into 39% of complaint "
        "properties in Queens (NYC Comptroller 2009); lower where grid staff know the "
        "landlords",
    )  # fmt: skip
    deadline_days: int = param(
        14, unit="days", ge=0, le=365,
        doc="Days a rectification order gives before the building is liable to a fine.",
        source="docs/sources.md §landlords: 7 days in Xiaoshan (2019); orders set a deadline "
        "(限期整改) before the fine; plausibly 7 to 30 days (an integer, so fixed in "
        "experiments: vary it with --set)",
    )  # fmt: skip


def meets_standard(smoke_sensor: Any, escape_windows: Any, three_in_one: Any) -> Any:
    """Whether each building meets the rental safety standard."""
    return smoke_sensor & escape_windows & ~three_in_one


@stream_slots("compliance")
class ComplianceSlot(IntEnum):
    """Slots of the monthly inspections (index: the building)."""

    INSPECT = 0
    ACCESS = 1


def inspections(world: Any, key: np.uint64, day: int, p: ComplianceParams) -> dict[str, Any]:
    """The month's inspections where the standard is in force: which buildings were inspected
    (and got in), which got a new order, which are fined (with the fine); updates the
    buildings' ``inspected_day`` and ``order_day`` and returns the fined buildings so that
    each engine charges their landlords."""
    b, v = world.buildings, world.villages
    n = len(b)
    rate = v.inspections_per_building_year[b.village]
    visited = uniform_array(key, int(ComplianceSlot.INSPECT), n) < -np.expm1(-rate / 12.0)
    entered = uniform_array(key, int(ComplianceSlot.ACCESS), n) >= p.access_failure
    inspected = visited & entered & v.safety_standard[b.village]
    below = inspected & ~meets_standard(b.smoke_sensor, b.escape_windows, b.three_in_one)
    ordered = b.order_day >= 0
    late = below & ordered & (day - b.order_day > p.deadline_days)
    new = below & ~ordered
    b.inspected_day[inspected] = day
    b.order_day[new] = day
    fined = np.nonzero(late)[0]
    return {
        "inspected": int(inspected.sum()),
        "orders": int(new.sum()),
        "fined": fined,
        "fine": v.safety_fine_cny[b.village[fined]],
    }


@register
class Compliance(Process):
    """Monthly inspections of rented buildings against the safety standard."""

    name = "compliance"
    reads = (
        "villages.safety_standard",
        "villages.inspections_per_building_year",
        "villages.safety_fine_cny",
        "buildings.smoke_sensor",
        "buildings.escape_windows",
        "buildings.three_in_one",
        "buildings.owner",
        "buildings.village",
        "buildings.order_day",
    )
    writes = ("buildings.inspected_day", "buildings.order_day", "landlords.fines_cny")
    after = ("interventions",)
    cadence = "month"
    Params = ComplianceParams
    metrics = {
        "safety_inspections": "Rented buildings inspected this month (the inspector got in).",
        "rectification_orders": "Rectification orders issued this month.",
        "safety_fines_cny": "Fines landlords paid this month (CNY).",
    }

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        done = inspections(w, key, day, self.params)
        owner = w.buildings.owner[done["fined"]]
        w.landlords.fines_cny += np.bincount(owner, weights=done["fine"],
                                             minlength=len(w.landlords))  # fmt: skip
        return {
            "safety_inspections": float(done["inspected"]),
            "rectification_orders": float(done["orders"]),
            "safety_fines_cny": float(done["fine"].sum()),
        }
