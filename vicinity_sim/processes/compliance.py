"""Landlords' compliance with the rental safety standard (monthly).

Where rental regulation puts a fire-safety standard for rented buildings in force
(《城中村房屋租赁管理若干规定》: networked smoke detection in every unit, openable escape windows in
the security grilles, no living quarters in shops and workshops), a building meets the standard
when it has a smoke sensor and escape windows and no 三合一 premises. Each month the landlord of
a building that does not meet it brings it to the standard with probability

    1 − (1 − p_inspect · c) · exp(−(λ_own + λ_peer · s) / 12),

where ``p_inspect = 1 − exp(−I / 12)`` is the chance an inspection visits the building this
month (``I`` inspections per building per year, a lever of the regulation), ``c`` the chance an
inspected landlord complies (higher for members of the landlord association, which cooperates
with inspections), ``λ_own`` the yearly rate at which landlords comply on their own once the
standard is in force, and ``s`` the share of the buildings of the landlord's grid that already
meet the standard or belong to association members: landlords copy their neighbours, and the
association spreads compliance beyond its members. The rates are assumptions.

Bringing a building to the standard installs what it lacks (sensors in every unit, escape
windows) and ends 三合一 use; the landlord pays for it (``landlords.safety_spent_cny``). What
changes is what the residents face: fewer fires grow undetected, fewer occupants are trapped,
fewer shop fires start under sleeping people (:mod:`~vicinity_sim.processes.fire`); the
retrofit also raises the building's quality, and so its rent
(:mod:`~vicinity_sim.processes.housing`). Indoor e-bike charging stays the residents' choice
(:mod:`~vicinity_sim.processes.charging`, persuasion in
:mod:`~vicinity_sim.processes.disputes`): the standard binds landlords, not tenants.

Levers read here: villages' ``safety_standard`` and ``inspections_per_building_year``;
landlords' ``association``. State changed: buildings' ``smoke_sensor``, ``escape_windows``,
``three_in_one``; landlords' ``safety_spent_cny``.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.snapshots import register_snapshot


class ComplianceParams(ParamModel):
    """Landlords bringing rented buildings to the safety standard."""

    own_per_year: float = param(
        0.1, unit="1/year", ge=0.0, le=100.0,
        doc="Rate at which a landlord brings a building to the standard unprompted, once the "
        "standard is in force.",
        source="assumption: a minority complies within a year of a rule without enforcement",
    )  # fmt: skip
    peer_per_year: float = param(
        1.0, unit="1/year", ge=0.0, le=100.0,
        doc="Added rate when every building of the grid meets the standard or belongs to an "
        "association member (scaled by that share).",
        source="assumption",
    )  # fmt: skip
    inspection_compliance: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Probability a landlord whose building an inspection finds below the standard "
        "brings it to the standard that month.",
        source="assumption: rectification orders are followed about half the time at once",
    )  # fmt: skip
    member_inspection_compliance: float = param(
        0.9, unit="1", ge=0.0, le=1.0,
        doc="The same for members of the landlord association (房东协会).",
        source="assumption: the association cooperates with safety inspections (seed)",
    )  # fmt: skip
    sensor_cost_cny_per_room: float = param(
        150.0, unit="CNY/room", ge=0.0, le=1e7,
        doc="Networked smoke sensor per rental unit, paid by the landlord.",
        source="assumption (as fire_retrofit)",
    )  # fmt: skip
    escape_window_cost_cny: float = param(
        2000.0, unit="CNY/building", ge=0.0, le=1e8,
        doc="Escape windows in a building's security grilles, paid by the landlord.",
        source="assumption (as fire_retrofit)",
    )  # fmt: skip
    three_in_one_cost_cny: float = param(
        15_000.0, unit="CNY/premises", ge=0.0, le=1e10,
        doc="Separating dwelling from a shop or workshop, paid by the landlord.",
        source="assumption (as three_in_one_rectification)",
    )  # fmt: skip


def meets_standard(smoke_sensor: np.ndarray, escape_windows: np.ndarray,
                   three_in_one: np.ndarray) -> np.ndarray:  # fmt: skip
    """Whether each building meets the rental safety standard."""
    return smoke_sensor & escape_windows & ~three_in_one


def grid_peer_share(grid: np.ndarray, peer: np.ndarray, n_grids: int) -> np.ndarray:
    """Share of each grid's buildings that are ``peer`` (0 in a grid without buildings)."""
    total = np.bincount(grid, minlength=n_grids)
    count = np.bincount(grid[peer], minlength=n_grids)
    return count / np.maximum(total, 1)


def comply_probability(p: ComplianceParams, inspections: np.ndarray, member: np.ndarray,
                       share: np.ndarray) -> np.ndarray:  # fmt: skip
    """Monthly probability a building below the standard is brought to it.

    Args:
        p: The compliance parameters.
        inspections: Inspections per building per year where the building stands.
        member: Whether the building's landlord belongs to the association.
        share: Share of the building's grid meeting the standard or owned by members.

    Returns:
        One probability per building.
    """
    inspected = -np.expm1(-inspections / 12.0)
    c = np.where(member, p.member_inspection_compliance, p.inspection_compliance)
    own = (p.own_per_year + p.peer_per_year * share) / 12.0
    return 1.0 - (1.0 - inspected * c) * np.exp(-own)


def retrofit_cost(p: ComplianceParams, rooms: np.ndarray, smoke_sensor: np.ndarray,
                  escape_windows: np.ndarray, three_in_one: np.ndarray) -> np.ndarray:  # fmt: skip
    """What bringing each building to the standard costs its landlord (what it lacks)."""
    return (
        ~smoke_sensor * (p.sensor_cost_cny_per_room * rooms)
        + ~escape_windows * p.escape_window_cost_cny
        + three_in_one * p.three_in_one_cost_cny
    )


@register
class Compliance(Process):
    """Monthly compliance of landlords with the rental safety standard."""

    name = "compliance"
    reads = (
        "villages.safety_standard",
        "villages.inspections_per_building_year",
        "buildings.smoke_sensor",
        "buildings.escape_windows",
        "buildings.three_in_one",
        "buildings.grid",
        "buildings.owner",
        "buildings.rooms",
        "buildings.village",
        "landlords.association",
    )
    writes = (
        "buildings.smoke_sensor",
        "buildings.escape_windows",
        "buildings.three_in_one",
        "landlords.safety_spent_cny",
    )
    after = ("interventions",)
    cadence = "month"
    Params = ComplianceParams
    metrics = {
        "safety_compliant_share": "Share of buildings meeting the rental safety standard.",
        "buildings_brought_to_standard": "Buildings landlords brought to the standard this month.",
        "landlord_safety_cost_cny": "Landlords' spending on the safety standard this month (CNY).",
    }
    levels = frozenset({"safety_compliant_share"})

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        b, v, ll = w.buildings, w.villages, w.landlords
        ok = meets_standard(b.smoke_sensor, b.escape_windows, b.three_in_one)
        member = ll.association[b.owner]
        share = grid_peer_share(b.grid, ok | member, len(w.grids))[b.grid]
        prob = comply_probability(p, v.inspections_per_building_year[b.village], member, share)
        u = self.model.streams.generator(self.name, day).random(len(b))
        now = np.nonzero(~ok & v.safety_standard[b.village] & (u < prob))[0]
        cost = retrofit_cost(p, b.rooms[now].astype(np.float64), b.smoke_sensor[now],
                             b.escape_windows[now], b.three_in_one[now])  # fmt: skip
        spent = np.bincount(b.owner[now], weights=cost, minlength=len(ll))
        ll.safety_spent_cny += spent
        b.smoke_sensor[now] = True
        b.escape_windows[now] = True
        b.three_in_one[now] = False
        n_ok = int(ok.sum()) + len(now)
        return {
            "safety_compliant_share": n_ok / len(b) if len(b) else 0.0,
            "buildings_brought_to_standard": float(len(now)),
            "landlord_safety_cost_cny": float(cost.sum()),
        }


register_snapshot("landlords", "landlords", {
    "village": "Village (index).",
    "household": "Household the landlord lives in (global index), -1 if absentee.",
    "association": "Member of the landlord association, 房东协会 (bool).",
    "safety_spent_cny": "Spent so far bringing own buildings to the safety standard (CNY).",
})  # fmt: skip
