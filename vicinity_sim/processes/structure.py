"""Structural collapse of dangerous buildings.

A building flagged dangerous (危房) may collapse on any day with a small hazard; occupants at
home may die. A collapsed building is demolished and rebuilt, so its flag is cleared (its
residents are assumed to be rehoused in it; the migration mechanism does not move them).

Levers read here: ``buildings.dangerous`` (cleared by repair works).
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np
from numba import njit

from vicinity_sim.numerics import binomial_ppf
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform


@stream_slots("structure")
class StructureSlot(IntEnum):
    """Slots of the structure stream's draws."""

    COLLAPSE = 0
    DEATH = 1


class StructureParams(ParamModel):
    """Collapse of dangerous buildings."""

    collapse_per_dangerous_year: float = param(
        0.005, unit="1/(building·year)", ge=0.0, le=1.0,
        doc="Collapse hazard of a dangerous building per year.", source="assumption",
    )  # fmt: skip
    death_probability: float = param(
        0.05, unit="1", ge=0.0, le=1.0,
        doc="Probability an occupant at home dies when the building collapses.",
        source="assumption",
    )  # fmt: skip
    presence: float = param(
        0.6, unit="1", ge=0.0, le=1.0,
        doc="Share of occupants at home at the time of a collapse.", source="assumption",
    )  # fmt: skip


@njit(cache=True)
def collapse_day(key, dangerous, occupants, rate_year, p_death):
    """Collapses today (clearing their flags) and deaths."""
    p = -math.expm1(-rate_year / 365.0)
    collapses = 0
    deaths = 0
    for b in range(len(dangerous)):
        if dangerous[b] and uniform(key, StructureSlot.COLLAPSE, b) < p:
            collapses += 1
            deaths += binomial_ppf(uniform(key, StructureSlot.DEATH, b), occupants[b], p_death)
            dangerous[b] = False
    return collapses, deaths


@register
class Structure(Process):
    """Collapses of dangerous buildings."""

    name = "structure"
    reads = ("buildings.dangerous", "residents.building")
    writes = ("buildings.dangerous",)
    after = ("interventions", "flood")  # the last of the day's hazards (a convention)
    Params = StructureParams
    metrics = {
        "collapses": "Dangerous buildings that collapsed today.",
        "collapse_deaths": "Deaths in today's collapses.",
    }

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        b = self.world.buildings
        collapses, deaths = 0, 0
        if b.dangerous.any():
            collapses, deaths = collapse_day(
                key,
                b.dangerous,
                self.world.occupants(),
                self.params.collapse_per_dangerous_year,
                self.params.presence * self.params.death_probability,
            )
        return {"collapses": float(collapses), "collapse_deaths": float(deaths)}
