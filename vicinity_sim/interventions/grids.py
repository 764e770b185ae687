"""Shared pieces of interventions that act on grids or on whole villages."""

from __future__ import annotations

from typing import Literal

import numpy as np

from vicinity_sim.interventions.base import Intervention
from vicinity_sim.world import World

GridTargeting = Literal["grid_order", "random", "highest_risk"]


def residents_per_capacity(world: World, grids: np.ndarray) -> np.ndarray:
    """Residents per gridworker of each grid (the most stretched grids score highest)."""
    residents = np.bincount(world.resident_grid(), minlength=len(world.grids))
    staff = np.bincount(world.gridworkers.grid, minlength=len(world.grids))
    return (residents / np.maximum(staff, 0.5))[grids]


class GridIntervention(Intervention):
    """An intervention whose units are grids: every grid of the targeted villages."""

    unit = "grids"
    targeting: GridTargeting = "grid_order"

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        return np.nonzero(np.isin(world.grids.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        return residents_per_capacity(world, units)


class VillageIntervention(Intervention):
    """A village-wide lever that moves linearly from its value at the start of the rollout to
    ``target()`` by its end; its one unit per village is the village."""

    unit = "villages"
    continuous = True
    targeting: Literal["all"] = "all"

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        return villages.astype(np.int64)
