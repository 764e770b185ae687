"""E-bike charging behaviour: where residents charge.

Residents who charge indoors would rather not carry batteries up the stairs or run cables from
windows, but have had nowhere else to go. Each week, every indoor charger with an active
charging site within walking distance that has a free place considers moving there and does so
with a fixed probability; the nearest site with room is taken. Sites are built by
interventions; the decision is the residents'.

Levers read here: active ``charging_sites`` and their capacity.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_SITE


@stream_slots("charging")
class ChargingSlot(IntEnum):
    """Slots of the charging stream's draws."""

    SWITCH = 0


class ChargingParams(ParamModel):
    """Uptake of charging sites."""

    walk_radius_m: float = param(
        250.0, unit="m", ge=0.0, le=5000.0,
        doc="Farthest (straight-line) distance a resident walks to a charging site.",
        source="assumption",
    )  # fmt: skip
    switch_probability_per_week: float = param(
        0.15, unit="1/week", ge=0.0, le=1.0,
        doc="Weekly probability an indoor charger with a free site in reach moves there.",
        source="assumption",
    )  # fmt: skip


@njit(cache=True)
def charging_week(key, res_village, res_building, res_charging, res_site, b_x, b_y,
                  s_village, s_x, s_y, s_active, s_capacity, s_used, radius, p_switch):  # fmt: skip
    """Move indoor chargers to free sites in reach; returns the number who moved."""
    candidates = []
    draws = []
    for r in range(len(res_charging)):
        if res_charging[r] == CHARGE_INDOOR:
            u = uniform(key, ChargingSlot.SWITCH, r)
            if u < p_switch:
                candidates.append(r)
                draws.append(u)
    order = np.argsort(np.array(draws))
    moved = 0
    r2 = radius * radius
    for k in order:
        r = candidates[k]
        b = res_building[r]
        best = -1
        best_d2 = r2
        for s in range(len(s_x)):
            if not s_active[s] or s_village[s] != res_village[r] or s_used[s] >= s_capacity[s]:
                continue
            d2 = (s_x[s] - b_x[b]) ** 2 + (s_y[s] - b_y[b]) ** 2
            if d2 <= best_d2:
                best, best_d2 = s, d2
        if best >= 0:
            res_charging[r] = CHARGE_SITE
            res_site[r] = best
            s_used[best] += 1
            moved += 1
    return moved


@register
class Charging(Process):
    """Weekly choice of charging place by residents who charge indoors."""

    name = "charging"
    reads = (
        "residents.charging",
        "residents.village",
        "residents.building",
        "buildings.x",
        "buildings.y",
        "charging_sites",
    )
    writes = ("residents.charging", "residents.charging_site", "charging_sites.used")
    after = ("interventions",)
    cadence = "week"
    Params = ChargingParams
    metrics = {"charging_moves": "Residents who moved their charging to a site this week."}

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        r = self.world.residents
        s = self.world.charging_sites
        moved = 0
        if s.active.any():
            b = self.world.buildings
            moved = charging_week(
                key, r.village, r.building, r.charging, r.charging_site, b.x, b.y,
                s.village, s.x, s.y, s.active, s.capacity, s.used,
                self.params.walk_radius_m, self.params.switch_probability_per_week,
            )  # fmt: skip
        return {"charging_moves": float(moved)}
