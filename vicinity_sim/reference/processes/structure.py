"""Structural collapse in the reference model: dangerous buildings may fall down.

Mirrors :mod:`vicinity_sim.processes.structure`. Each day a building flagged dangerous (危房)
collapses with a small hazard; each of its residents is at home with some probability and then
dies with some probability (the deaths are one binomial draw per building). A collapsed
building is rebuilt, so its flag is cleared; its residents stay.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.numerics import binomial_ppf
from vicinity_sim.processes import structure
from vicinity_sim.processes.structure import StructureSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.processes.fire import occupants
from vicinity_sim.streams import slot_numbers, uniform

STRUCTURE_SLOTS = slot_numbers(StructureSlot)


@reference_process
class Structure(ReferenceProcess):
    """Collapses of dangerous buildings."""

    name = "structure"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        """Collapse today's dangerous buildings and draw the deaths.

        Args:
            day: Day of the run.
            key: Stream key of the structure process for the day.

        Returns:
            ``collapses`` and ``collapse_deaths``.
        """
        dangerous = self.world.buildings.dangerous
        if not dangerous.any():
            return {"collapses": 0.0, "collapse_deaths": 0.0}
        c = self.params.consts()
        p_collapse = structure.collapse_probability.py_func(c)
        p_death = structure.collapse_death_probability.py_func(c)  # at home, then killed
        occupancy = occupants(self.model)
        collapses, deaths = 0, 0
        for b in range(len(dangerous)):
            if dangerous[b] and uniform(key, STRUCTURE_SLOTS.COLLAPSE, b) < p_collapse:
                collapses += 1
                # The compiled quantile: numba's integer power q**n differs from CPython's
                # pow in the last bit, which could flip a draw lying on a cdf step.
                deaths += binomial_ppf(
                    uniform(key, STRUCTURE_SLOTS.DEATH, b), occupancy[b], p_death
                )
                dangerous[b] = False  # demolished and rebuilt
        return {"collapses": float(collapses), "collapse_deaths": float(deaths)}
