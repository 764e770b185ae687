"""Floods in the reference model: waterlogging at low-lying points on heavy-rain days.

Mirrors :mod:`vicinity_sim.processes.flood`. On a heavy-rain day each waterlogging point of
the village floods with a probability that is much smaller once its drainage is fixed; the
residents living in the buildings around a flooded point are exposed for the flood's duration
(counted in resident-days). A warned resident (the gridworkers and party members answering the
smart platform's alarm, governance) avoids part of their exposure.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.processes import flood
from vicinity_sim.processes.flood import FloodSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform

FLOOD_SLOTS = slot_numbers(FloodSlot)

flood_probability = flood.flood_probability.py_func
flood_exposure = flood.flood_exposure.py_func
warned_share = flood.warned_share.py_func
resident_days = flood.resident_days.py_func


@reference_process
class Flood(ReferenceProcess):
    """Waterlogging floods; exposure in resident-days."""

    name = "flood"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        """Flood today's waterlogging points and count the residents exposed.

        Args:
            day: Day of the run.
            key: Stream key of the flood process for the day.

        Returns:
            ``flooded_points`` and ``flood_exposed_resident_days``.
        """
        w = self.world
        points = w.flood_points
        rain = w.villages.heavy_rain
        if not rain.any() or len(points) == 0:
            return {"flooded_points": 0.0, "flood_exposed_resident_days": 0.0}
        c = self.params.consts()
        # Residents living around each point (through their building).
        around = [0] * len(points)
        for res in self.model.residents:
            f = w.buildings.flood_point[res.building]
            if f >= 0:
                around[f] += 1
        flooded, exposed = 0, 0.0
        for f in range(len(points)):
            village = points.village[f]
            if not rain[village]:
                continue
            if uniform(key, FLOOD_SLOTS.FLOOD, f) < flood_probability(points.fixed[f], c):
                flooded += 1
                share = warned_share(float(points.warned[f]), int(points.warned_day[f]), day)
                exposed += flood_exposure(float(around[f]), share, c)
        return {
            "flooded_points": float(flooded),
            "flood_exposed_resident_days": resident_days(exposed, c),
        }
