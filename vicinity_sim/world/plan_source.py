"""Where a village's plan comes from: the generator, or building footprints.

``[villages.plan]`` without ``source`` lays the village out synthetically
(:func:`~vicinity_sim.world.plan.build_plan`). With ``source`` the plan is derived from real
building footprints (:func:`~vicinity_sim.world.footprints.build_footprint_plan`), which needs
the geo extra; that module, and with it geopandas, is imported only then.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.world.geometry import VillageGeometry, cluster_grids
from vicinity_sim.world.plan import Plan, PlanParams, build_plan

#: How a plan's blocks form grids: (number of grids, households per building) → grid per block.
GridAssigner = Callable[[int, np.ndarray], np.ndarray]


def build_village_plan(
    p: PlanParams, gen: np.random.Generator, source: str, v: int
) -> tuple[Plan, VillageGeometry | None, GridAssigner | None]:
    """The plan of village ``v``, its footprint geometry and how its grids are drawn.

    Args:
        p: The village's plan parameters.
        gen: Random generator of the stream ``world.plan`` for this village.
        source: Name of the scenario's source, for error messages.
        v: Index of the village in the scenario.

    Returns:
        (plan, geometry, grids): geometry and grids are None for a synthetic plan (grids then
        follow the block lattice).

    Raises:
        InputError: If the footprint source cannot describe a village, or the geo extra is
            missing.
    """
    if p.source is None:
        return build_plan(p, gen), None, None
    key = f"villages[{v}].plan.source"
    try:
        from vicinity_sim.world.footprints import build_footprint_plan
    except ImportError as e:
        raise InputError(source, key, f"reading building footprints needs the geo extra "
                         f"(pip install -e '.[geo]'): {e}") from None  # fmt: skip
    plan, geom = build_footprint_plan(p, gen, source, f"villages[{v}].plan")
    return plan, geom, block_clusters(plan)


def block_clusters(plan: Plan) -> GridAssigner:
    """Grids of a footprint plan: its blocks clustered in space to equal households."""
    n_blocks = plan.n_blocks
    count = np.maximum(np.bincount(plan.block, minlength=n_blocks), 1)
    bx = np.bincount(plan.block, weights=plan.x, minlength=n_blocks) / count
    by = np.bincount(plan.block, weights=plan.y, minlength=n_blocks) / count

    def assign(n_grids: int, households: np.ndarray) -> np.ndarray:
        weight = np.bincount(plan.block, weights=households, minlength=n_blocks)
        return cluster_grids(bx, by, weight, n_grids)

    return assign
