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
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_SITE

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


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


ChargingConsts = consts_class(ChargingParams)


@njit(cache=True, inline="always")
def distance2(x0, y0, x1, y1):
    """Squared straight-line distance (m²)."""
    dx, dy = x1 - x0, y1 - y0
    return dx * dx + dy * dy


@njit(cache=True)
def charging_week(key, c, r, b, s):
    """Move indoor chargers to free sites in reach; returns the number who moved.

    Args:
        key: The day's stream key.
        c: :data:`ChargingConsts`.
        r: Residents (``charging`` and ``charging_site`` are updated).
        b: Buildings (positions).
        s: Charging sites (``used`` is updated).
    """
    r_building = r.building
    r_charging = r.charging
    r_charging_site = r.charging_site
    r_village = r.village
    b_x = b.x
    b_y = b.y
    s_used = s.used
    candidates = []
    draws = []
    for i in range(len(r_charging)):
        if r_charging[i] == CHARGE_INDOOR:
            u = uniform(key, ChargingSlot.SWITCH, i)
            if u < c.switch_probability_per_week:
                candidates.append(i)
                draws.append(u)
    order = np.argsort(np.array(draws))
    moved = 0
    for k in order:
        i = candidates[k]
        best = nearest_free_site(r_village[i], b_x[r_building[i]], b_y[r_building[i]], s, c)
        if best >= 0:
            r_charging[i] = CHARGE_SITE
            r_charging_site[i] = best
            s_used[best] += 1
            moved += 1
    return moved


@njit(cache=True, inline="always")
def nearest_free_site(village, x, y, s, c):
    """The nearest active site with room in the village within walking distance of (x, y), or
    -1; among equally near sites the last in index order."""
    best = -1
    best_d2 = c.walk_radius_m * c.walk_radius_m
    for k in range(len(s.x)):
        if not s.active[k] or s.village[k] != village or s.used[k] >= s.capacity[k]:
            continue
        d2 = distance2(x, y, s.x[k], s.y[k])
        if d2 <= best_d2:
            best, best_d2 = k, d2
    return best


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

    def __init__(self, model: VicinityModel, params: ChargingParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        moved = 0
        if w.charging_sites.active.any():
            moved = charging_week(
                key, self.consts, self.arrays("residents"), self.arrays("buildings"),
                self.arrays("charging_sites"),
            )  # fmt: skip
        return {"charging_moves": float(moved)}
