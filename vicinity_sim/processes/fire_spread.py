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

import numpy as np
from numba import njit

from vicinity_sim.numerics import heap_pop, heap_push, lognormal_ppf
from vicinity_sim.streams import stream_slots, uniform


@stream_slots("fire")
class SpreadSlot(IntEnum):
    """Slots of the fire stream's draws made by the spread (the fire's own are 0–8)."""

    EDGE_NOISE = 20
    GROWTH = 21
    SPRINKLER = 22


@njit(cache=True)
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


@njit(cache=True)
def spread_event(
    origin,
    origin_growth,
    indptr,
    indices,
    sep_m,
    side_m,
    resistive,
    sprinkler,
    sprinkler_effective,
    wind_ms,
    max_sep_m,
    spread_sigma,
    exposure_growth_median,
    growth_sigma,
    stop_min,
    key,
    blocked,
    ign_time,
    growth_out,
    controlled,
    order_out,
):
    """Spread one fire from ``origin`` (ignited at t=0) until it is contained at ``stop_min``.

    Args:
        origin: Building where the fire starts.
        origin_growth: Minutes from ignition to full involvement of the origin (``inf``: never).
        indptr, indices, sep_m: Building adjacency (CSR) and facade separations (m).
        side_m: Footprint side of each building (m).
        resistive: Fire-resistive construction of each building (bool).
        sprinkler: Sprinklers installed in each building (bool).
        sprinkler_effective: Probability an installed sprinkler controls the fire.
        wind_ms: Wind speed (m/s).
        max_sep_m: Gaps wider than this are not crossed.
        spread_sigma: Log-normal sigma of crossing times.
        exposure_growth_median, growth_sigma: Growth time (min) of buildings ignited by a
            neighbour.
        stop_min: Containment time (min after ignition); ``inf`` for no suppression.
        key: Stream key of the fire process for the day.
        blocked: Buildings that cannot ignite (burned earlier today, or absent sites).
        ign_time: Per building, ignition time; must be ``inf`` on entry for all buildings and
            is set for ignited ones (callers reset them via ``order_out``).
        growth_out: Per building, output: its growth time (min) to full involvement.
        controlled: Per building, output: True if a sprinkler kept it from full involvement.
        order_out: Output: ignited buildings in order of ignition.

    Returns:
        Number of buildings ignited (the first ``n`` entries of ``order_out``).
    """
    ht = np.empty(64, dtype=np.float64)
    hb = np.empty(64, dtype=np.int64)
    size = 0
    n_out = 0
    ign_time[origin] = 0.0
    ht, hb, size = heap_push(ht, hb, size, 0.0, origin)
    while size > 0:
        t, b, size = heap_pop(ht, hb, size)
        if t > ign_time[b]:
            continue  # stale heap entry
        order_out[n_out] = b
        n_out += 1
        if b == origin:
            growth = origin_growth
        else:
            growth = lognormal_ppf(
                uniform(key, SpreadSlot.GROWTH, b), exposure_growth_median, growth_sigma
            )
        growth_out[b] = growth
        controlled[b] = sprinkler[b] and uniform(key, SpreadSlot.SPRINKLER, b) < sprinkler_effective
        if controlled[b]:
            continue
        full = t + growth
        if full >= stop_min:
            continue
        f = 1.0 if resistive[b] else 0.0
        for e in range(indptr[b], indptr[b + 1]):
            j = indices[e]
            if blocked[j] or sep_m[e] > max_sep_m:
                continue
            cross = hamada_minutes(side_m[b], sep_m[e], wind_ms, f)
            if spread_sigma > 0.0:
                cross = lognormal_ppf(uniform(key, SpreadSlot.EDGE_NOISE, e), cross, spread_sigma)
            arrive = full + cross
            if arrive < stop_min and arrive < ign_time[j]:
                ign_time[j] = arrive
                ht, hb, size = heap_push(ht, hb, size, arrive, j)
    return n_out


def lattice_adjacency(side: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the 4-neighbour square lattice of ``side × side`` sites (row-major)."""
    idx = np.arange(side * side).reshape(side, side)
    src = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    dst = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    order = np.lexsort((b, a))
    indptr = np.zeros(side * side + 1, dtype=np.int64)
    np.add.at(indptr, a[order] + 1, 1)
    return np.cumsum(indptr), b[order].astype(np.int64)


@njit(cache=True)
def lattice_spans(side, present, indptr, indices, sep_m, side_m, resistive, no_sprinkler, key):
    """Does a fire lit along the left edge reach the right edge of a square lattice?

    Runs :func:`spread_event` on the idealised lattice: identical buildings, site ``i`` present
    iff ``present[i]``, zero growth time and no containment, so spread to a present orthogonal
    neighbour is certain. A virtual origin is emulated by spreading from every present site of
    the first column.
    """
    n = side * side
    ign = np.full(n, math.inf)
    growth = np.zeros(n)
    controlled = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    blocked = ~present
    for r in range(side):
        o = r * side
        if not present[o] or ign[o] < math.inf:
            continue
        count = spread_event(
            o, 0.0, indptr, indices, sep_m, side_m, resistive, no_sprinkler, 0.0,
            0.0, math.inf, 0.0, 0.0, 0.0, math.inf, key, blocked, ign, growth, controlled, order,
        )  # fmt: skip
        for k in range(count):
            blocked[order[k]] = True  # already burned: later starts skip it
            if order[k] % side == side - 1:
                return True
    return False
