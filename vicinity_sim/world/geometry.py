"""Geometry a footprint village keeps besides its tables: outlines, candidate sites, location.

A village built from building footprints (:mod:`~vicinity_sim.world.footprints`) has real
building outlines, open ground where facilities can stand, and a place on Earth. Mechanisms
never read them (they read the tables); the dashboard draws the outlines, interventions and
starting facilities put stations and charging sites on candidate sites, and the buildings file
of a run maps outcomes back onto the real footprints. Everything here is plain numpy, so that
a world with footprint villages needs no geographic library once built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vicinity_sim.world.state import World

#: Building uses (``VillageGeometry.use``), from the footprints' tags.
USES = ("residential", "shop", "workshop", "public", "ancillary")
RESIDENTIAL, SHOP, WORKSHOP, PUBLIC, ANCILLARY = range(len(USES))


@dataclass
class VillageGeometry:
    """Footprint geometry of one village, in village-local metres.

    Local coordinates are those of the projected CRS minus ``origin``, so that the plan starts
    at (0, 0) like a synthetic one.

    Attributes:
        crs: The projected CRS (WKT or authority string) the local coordinates come from.
        origin: (x, y) in the projected CRS of the local (0, 0).
        ring_ptr: Outline vertices of building ``i`` are ``ring_xy[ring_ptr[i]:ring_ptr[i+1]]``
            (the exterior ring of its largest part, closed).
        ring_xy: Outline vertices, shape (n, 2).
        footprint_wkb: Each footprint as WKB, in village-local metres (all parts and holes).
        source_id: Identifier of each building in its source (OSM id, or the feature's row).
        use: Building use code (:data:`USES`).
        site_x, site_y: Candidate sites for facilities (open ground reachable by crews).
        repaired: Footprints repaired with ``make_valid`` when read.
        dropped: Footprints dropped when read (empty, or without area even after repair).
        roads_from: Where roads and lanes came from: ``osm`` (mapped highways) or ``gaps``.
    """

    crs: str
    origin: tuple[float, float]
    ring_ptr: np.ndarray
    ring_xy: np.ndarray
    footprint_wkb: np.ndarray
    source_id: np.ndarray
    use: np.ndarray
    site_x: np.ndarray
    site_y: np.ndarray
    repaired: int = 0
    dropped: int = 0
    roads_from: str = "gaps"

    def rings(self) -> list[np.ndarray]:
        """Outline of every building as an (m, 2) array (for drawing)."""
        return np.split(self.ring_xy, self.ring_ptr[1:-1])


def cluster_grids(x: np.ndarray, y: np.ndarray, weight: np.ndarray, n_grids: int) -> np.ndarray:
    """Split weighted points into ``n_grids`` compact groups of about equal weight.

    Recursive coordinate bisection: the points are cut across the longer side of their
    bounding box where the cumulative weight reaches the share of the groups on the first side
    (k groups split into ⌊k/2⌋ and ⌈k/2⌉), then each side is split again. Deterministic; every
    group gets at least one point while points last.

    Args:
        x, y: Point coordinates (block centres).
        weight: Weight of each point (households); zero weights are allowed.
        n_grids: Number of groups (at most the number of points).

    Returns:
        Group of each point, ``0..n_grids-1``.
    """
    n = len(x)
    out = np.zeros(n, dtype=np.int32)
    w = np.asarray(weight, dtype=np.float64) + 1e-9  # ties between empty blocks by position
    stack = [(np.arange(n), 0, int(min(n_grids, n)))]
    while stack:
        idx, first, k = stack.pop()
        if k <= 1 or len(idx) <= 1:
            out[idx] = first
            continue
        xs, ys = x[idx], y[idx]
        along = xs if np.ptp(xs) >= np.ptp(ys) else ys
        order = idx[np.lexsort((ys if along is xs else xs, along))]
        k_left = k // 2
        cum = np.cumsum(w[order])
        cut = int(np.searchsorted(cum, cum[-1] * k_left / k, side="left")) + 1
        cut = min(max(cut, k_left), len(order) - (k - k_left))  # every group keeps a point
        stack.append((order[:cut], first, k_left))
        stack.append((order[cut:], first + k_left, k - k_left))
    return out


def snap_sites(
    world: World, village: int, sx: np.ndarray, sy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Move planned facility sites of a footprint village onto its candidate sites.

    Sites are taken in the given order (the busiest first), each moving to the nearest
    candidate not yet taken; once candidates run out, the remaining sites share the nearest
    ones. Villages without footprints (or without candidate sites) keep the planned points.

    Args:
        world: The world (its ``geometry`` holds the candidates of footprint villages).
        village: Village index.
        sx, sy: Planned sites (village-local metres).

    Returns:
        The sites to build.
    """
    geom = getattr(world, "geometry", {}).get(village)
    if geom is None or len(geom.site_x) == 0 or len(sx) == 0:
        return sx, sy
    d2 = (sx[:, None] - geom.site_x[None, :]) ** 2 + (sy[:, None] - geom.site_y[None, :]) ** 2
    taken = np.zeros(len(geom.site_x), dtype=bool)
    pick = np.empty(len(sx), dtype=np.int64)
    for k in range(len(sx)):
        free = np.where(taken, np.inf, d2[k])
        j = int(np.argmin(free)) if not taken.all() else int(np.argmin(d2[k]))
        pick[k] = j
        taken[j] = True
    return geom.site_x[pick].copy(), geom.site_y[pick].copy()
