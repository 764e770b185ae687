"""Fire spread between buildings: Hamada crossing times and first-passage spread.

A burning building becomes fully involved ``growth`` minutes after it ignites; from then on it
can ignite each neighbour after a crossing time that follows Hamada's formula (closer, bigger
buildings and stronger wind spread faster; fire-resistive construction slows it), scaled by
log-normal noise. Spread stops at the time crews contain the fire. The earliest ignition time of
every building is a first-passage time, computed with Dijkstra's algorithm on the building
adjacency (the urban-fire-as-epidemic view of Thomas 1968).

With zero growth, no containment and every gap crossable, the kernel reduces to site
percolation on the adjacency, which is how it is validated (``tests/test_fire_spread.py``).
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.numerics import heap_pop, heap_push, lognormal_ppf
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.tables import AdjacencyArrays


@stream_slots("fire")
class SpreadSlot(IntEnum):
    """Slots of the fire stream's draws made by the spread (the fire's own are 0–8)."""

    EDGE_NOISE = 20
    GROWTH = 21
    SPRINKLER = 22


class SpreadScratch(NamedTuple):
    """Per-building working arrays of the spread (reused from fire to fire).

    Attributes:
        ign_time: Ignition time (min after the origin's ignition); must be ``inf`` on entry for
            every building and is set for the ignited ones (callers reset them via ``order``).
        growth: Output: minutes from ignition to full involvement of each ignited building.
        controlled: Output: True where a sprinkler kept the building from full involvement.
        order: Output: ignited buildings in order of ignition.
    """

    ign_time: np.ndarray
    growth: np.ndarray
    controlled: np.ndarray
    order: np.ndarray

    @classmethod
    def empty(cls, n: int) -> SpreadScratch:
        return cls(np.full(n, math.inf), np.zeros(n), np.zeros(n, dtype=np.bool_),
                   np.empty(n, dtype=np.int64))  # fmt: skip


@njit(cache=True, inline="always")
def hamada_minutes(side_m, sep_m, wind_ms, resistive):
    """Hamada's time (min) for fire to cross a building of side ``side_m`` and a gap ``sep_m``.

    ``resistive`` is the fire-resistive share f in [0, 1]; wind in m/s (downwind direction).
    """
    fb = 25.0 + 2.5 * wind_ms
    wood = 3.0 + 0.375 * side_m + 8.0 * sep_m / fb
    fireproof = 5.0 + 0.625 * side_m + 16.0 * sep_m / fb
    return ((1.0 - resistive) * wood + resistive * fireproof) / (
        1.5 * (1.0 + 0.1 * wind_ms + 0.007 * wind_ms * wind_ms)
    )


@njit(cache=True, inline="always")
def exposure_growth_minutes(u, c):
    """Minutes to full involvement of a building ignited by a neighbour, given its uniform."""
    return lognormal_ppf(u, c.growth_median_exposure_min, c.growth_sigma)


@njit(cache=True, inline="always")
def crossing_minutes(u, side_m, sep_m, wind_ms, resistive, c):
    """Minutes for fire to cross to a neighbour: Hamada's time with log-normal noise (``u``
    its uniform; not drawn without noise: ``c.spread_sigma`` 0)."""
    cross = hamada_minutes(side_m, sep_m, wind_ms, resistive)
    return lognormal_ppf(u, cross, c.spread_sigma) if c.spread_sigma > 0.0 else cross


@njit(cache=True)
def spread_event(origin, origin_growth, stop_min, key, sites, adj, wind_ms, c, blocked, out):
    """Spread one fire from ``origin`` (ignited at t=0) until it is contained at ``stop_min``.

    Args:
        origin: Building where the fire starts.
        origin_growth: Minutes from ignition to full involvement of the origin (``inf``: never).
        stop_min: Containment time (min after ignition); ``inf`` for no suppression.
        key: Stream key of the fire process for the day.
        sites: The buildings' ``side_m`` (m), ``fire_resistive`` and ``sprinkler`` (e.g. the
            :data:`~vicinity_sim.world.tables.BuildingsArrays`).
        adj: Building adjacency (CSR ``indptr``, ``indices``) and facade ``separation_m``.
        wind_ms: Wind speed (m/s).
        c: The fire's constants (``sprinkler_effective``, ``max_spread_separation_m``,
            ``spread_sigma``, ``growth_median_exposure_min``, ``growth_sigma``).
        blocked: Buildings that cannot ignite (burned earlier today, or absent sites).
        out: :class:`SpreadScratch`.

    Returns:
        Number of buildings ignited (the first ``n`` entries of ``out.order``).
    """
    sites_fire_resistive = sites.fire_resistive
    sites_side_m = sites.side_m
    sites_sprinkler = sites.sprinkler
    adj_indices = adj.indices
    adj_indptr = adj.indptr
    adj_separation_m = adj.separation_m
    out_controlled = out.controlled
    out_growth = out.growth
    out_ign_time = out.ign_time
    out_order = out.order
    ht = np.empty(64, dtype=np.float64)
    hb = np.empty(64, dtype=np.int64)
    size = 0
    n_out = 0
    out_ign_time[origin] = 0.0
    ht, hb, size = heap_push(ht, hb, size, 0.0, origin)
    while size > 0:
        t, b, size = heap_pop(ht, hb, size)
        if t > out_ign_time[b]:
            continue  # stale heap entry
        out_order[n_out] = b
        n_out += 1
        if b == origin:
            growth = origin_growth
        else:
            growth = exposure_growth_minutes(uniform(key, SpreadSlot.GROWTH, b), c)
        out_growth[b] = growth
        u_sprinkler = uniform(key, SpreadSlot.SPRINKLER, b)
        out_controlled[b] = sites_sprinkler[b] and u_sprinkler < c.sprinkler_effective
        if out_controlled[b]:
            continue
        full = t + growth
        if full >= stop_min:
            continue
        f = 1.0 if sites_fire_resistive[b] else 0.0
        for e in range(adj_indptr[b], adj_indptr[b + 1]):
            j = adj_indices[e]
            if blocked[j] or adj_separation_m[e] > c.max_spread_separation_m:
                continue
            u = uniform(key, SpreadSlot.EDGE_NOISE, e) if c.spread_sigma > 0.0 else 0.5
            arrive = full + crossing_minutes(u, sites_side_m[b], adj_separation_m[e], wind_ms, f, c)
            if arrive < stop_min and arrive < out_ign_time[j]:
                out_ign_time[j] = arrive
                ht, hb, size = heap_push(ht, hb, size, arrive, j)
    return n_out


def lattice_adjacency(side: int) -> AdjacencyArrays:
    """CSR of the 4-neighbour square lattice of ``side × side`` sites (row-major), every gap
    1 m."""
    idx = np.arange(side * side).reshape(side, side)
    src = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    dst = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    order = np.lexsort((b, a))
    indptr = np.zeros(side * side + 1, dtype=np.int64)
    np.add.at(indptr, a[order] + 1, 1)
    return AdjacencyArrays(np.cumsum(indptr), b[order].astype(np.int64), np.ones(len(a)))


class LatticeSites(NamedTuple):
    """Identical buildings on a lattice, without sprinklers."""

    side_m: np.ndarray
    fire_resistive: np.ndarray
    sprinkler: np.ndarray

    @classmethod
    def identical(cls, n: int, side_m: float = 10.0) -> LatticeSites:
        return cls(np.full(n, side_m), np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_))


class LatticeConsts(NamedTuple):
    """The spread's constants on the idealised lattice: zero growth, no noise, every gap
    crossable, sprinklers never matter."""

    sprinkler_effective: float = 0.0
    max_spread_separation_m: float = math.inf
    spread_sigma: float = 0.0
    growth_median_exposure_min: float = 0.0
    growth_sigma: float = 0.0


def lattice_spans(side: int, present: np.ndarray, adj: AdjacencyArrays, sites: LatticeSites,
                  key: np.uint64) -> bool:  # fmt: skip
    """Does a fire lit along the left edge reach the right edge of a square lattice?

    Runs :func:`spread_event` on the idealised lattice: site ``i`` present iff ``present[i]``,
    zero growth time and no containment, so spread to a present orthogonal neighbour is
    certain. A virtual origin is emulated by spreading from every present site of the first
    column.
    """
    return _lattice_spans(side, present, adj, sites, LatticeConsts(), key)


@njit(cache=True)
def _lattice_spans(side, present, adj, sites, c, key):
    n = side * side
    out = SpreadScratch(np.full(n, math.inf), np.zeros(n), np.zeros(n, dtype=np.bool_),
                        np.empty(n, dtype=np.int64))  # fmt: skip
    blocked = ~present
    for r in range(side):
        o = r * side
        if not present[o] or out.ign_time[o] < math.inf:
            continue
        count = spread_event(o, 0.0, math.inf, key, sites, adj, 0.0, c, blocked, out)
        for k in range(count):
            blocked[out.order[k]] = True  # already burned: later starts skip it
            if out.order[k] % side == side - 1:
                return True
    return False
