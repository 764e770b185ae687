"""Floods: waterlogging at low-lying points on heavy-rain days.

On a heavy-rain day each waterlogging point of the village floods with a probability that
depends on whether its drainage has been fixed: fixed drainage keeps a small residual risk
(rain beyond its design), so treated points flood rarely, not never. Residents of the
buildings around a flooded point are exposed for the duration of the flood. Exposure is
counted in resident-days.

Where the smart platform (一网统管) links waterlogging sensors to the grid, an alarm goes to the
grid's gridworkers and party members, who warn the buildings around the point while they have
the time (:mod:`~vicinity_sim.processes.governance`, which records the share of the point's
residents warned today); a warned resident avoids ``warning_effect`` of their exposure (they
move goods and vehicles, keep out of the water). So the platform lowers exposure only as far
as people on duty act on its alarms.

Levers read here: ``flood_points.fixed`` (set by drainage works). State read: flood points'
``warned`` and ``warned_day``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("flood")
class FloodSlot(IntEnum):
    """Slots of the flood stream's draws."""

    FLOOD = 0


class FloodParams(ParamModel):
    """Waterlogging on heavy-rain days."""

    flood_probability: float = param(
        0.8, unit="1", ge=0.0, le=1.0,
        doc="Probability an untreated waterlogging point floods on a heavy-rain day.",
        source="assumption: points are listed because they flood in heavy rain (seed: 142 易涝点)",
    )  # fmt: skip
    fixed_flood_probability: float = param(
        0.05, unit="1", ge=0.0, le=1.0,
        doc="Residual risk: probability a point with fixed drainage still floods on a "
        "heavy-rain day (rain beyond what the new drainage carries); fixing lowers the risk, "
        "it does not remove it.",
        source="assumption: drainage designed for a return period well above one year",
    )  # fmt: skip
    warning_effect: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of a resident's flood exposure avoided when warned in time (they move goods "
        "and vehicles, keep out of the water).",
        source="assumption: a warning in time lets a household avoid part of the harm, not "
        "the water itself; half, for want of a measured figure",
    )  # fmt: skip
    duration_days: float = param(
        1.0, unit="days", gt=0.0, le=30.0,
        doc="Days residents around a flooded point are exposed per flood.", source="assumption",
    )  # fmt: skip


FloodConsts = consts_class(FloodParams)


@njit(cache=True, inline="always")
def flood_probability(fixed, c):
    """Probability a waterlogging point floods on a heavy-rain day."""
    return c.fixed_flood_probability if fixed else c.flood_probability


@njit(cache=True, inline="always")
def flood_exposure(occupants, warned_share, c):
    """Residents exposed around a flooded point (fewer where a share of them was warned)."""
    return occupants * (1.0 - c.warning_effect * warned_share)


@njit(cache=True, inline="always")
def resident_days(exposed, c):
    """Exposure in resident-days: residents exposed times the flood's duration."""
    return exposed * c.duration_days


@njit(cache=True, inline="always")
def warned_share(warned, warned_day, day):
    """Share of a point's residents warned today (0 if no warning went out today)."""
    return warned if warned_day == day else 0.0


@njit(cache=True)
def flood_day(key, day, c, fp, v, occupants_at_point):
    """Flooded points today and the resident-days of exposure.

    Args:
        key, day: The day's stream key and index.
        c: :data:`FloodConsts`.
        fp: Waterlogging points (``fixed``, ``warned``, ``warned_day``).
        v: Villages (``heavy_rain``).
        occupants_at_point: Residents living around each point.
    """
    fp_fixed = fp.fixed
    fp_village = fp.village
    fp_warned = fp.warned
    fp_warned_day = fp.warned_day
    v_heavy_rain = v.heavy_rain
    flooded = 0
    exposed = 0.0
    for f in range(len(fp_village)):
        village = fp_village[f]
        if not v_heavy_rain[village]:
            continue
        if uniform(key, FloodSlot.FLOOD, f) < flood_probability(fp_fixed[f], c):
            flooded += 1
            share = warned_share(fp_warned[f], fp_warned_day[f], day)
            exposed += flood_exposure(occupants_at_point[f], share, c)
    return flooded, resident_days(exposed, c)


@register
class Flood(Process):
    """Waterlogging floods; exposure in resident-days."""

    name = "flood"
    reads = (
        "villages.heavy_rain",
        "flood_points.village",
        "flood_points.fixed",
        "flood_points.warned",
        "flood_points.warned_day",
        "buildings.flood_point",
        "residents.building",
    )
    writes = ()
    # After governance, whose people answer the platform's alarms; after the fire by
    # convention: the day's hazards come in a fixed sequence.
    after = ("weather", "interventions", "governance", "fire")
    Params = FloodParams
    metrics = {
        "flooded_points": "Waterlogging points flooded today.",
        "flood_exposed_resident_days": "Residents exposed to flooding today × flood duration.",
    }

    def __init__(self, model: VicinityModel, params: FloodParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        if not w.villages.heavy_rain.any() or len(w.flood_points) == 0:
            return {"flooded_points": 0.0, "flood_exposed_resident_days": 0.0}
        at_point = w.buildings.flood_point[w.residents.building]
        occupants = np.bincount(at_point[at_point >= 0], minlength=len(w.flood_points))
        occupants = occupants.astype(np.float64)
        flooded, exposure = flood_day(
            key, day, self.consts, self.arrays("flood_points"), self.arrays("villages"),
            occupants,
        )  # fmt: skip
        return {"flooded_points": float(flooded), "flood_exposed_resident_days": float(exposure)}
