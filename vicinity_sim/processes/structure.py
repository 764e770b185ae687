"""Structural collapse of dangerous buildings.

A building flagged dangerous (危房) may collapse on any day with a small hazard; occupants at
home may die. A collapsed building is demolished and rebuilt, so its flag is cleared (its
residents are assumed to be rehoused in it; the migration mechanism does not move them).

Levers read here: ``buildings.dangerous`` (cleared by repair works).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from vicinity_sim.numerics import binomial_ppf, event_probability
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


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


StructureConsts = consts_class(StructureParams)


@njit(cache=True, inline="always")
def collapse_probability(c):
    """Daily probability a dangerous building collapses."""
    return event_probability(c.collapse_per_dangerous_year, 365.0)


@njit(cache=True, inline="always")
def collapse_death_probability(c):
    """Probability an occupant dies in a collapse: at home, then killed."""
    return c.presence * c.death_probability


@njit(cache=True)
def collapse_day(key, c, dangerous, occupants):
    """Collapses today (clearing their flags) and deaths."""
    p = collapse_probability(c)
    p_death = collapse_death_probability(c)
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

    def __init__(self, model: VicinityModel, params: StructureParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        b = self.world.buildings
        collapses, deaths = 0, 0
        if b.dangerous.any():
            collapses, deaths = collapse_day(key, self.consts, b.dangerous,
                                             self.world.occupants())  # fmt: skip
        return {"collapses": float(collapses), "collapse_deaths": float(deaths)}
