"""The fire-spread kernel: percolation threshold, Hamada shape, containment, sprinklers."""

import math

import numpy as np
import pytest

from vicinity_sim.processes.fire import FireParams
from vicinity_sim.processes.fire_spread import (
    LatticeSites,
    SpreadScratch,
    hamada_minutes,
    lattice_adjacency,
    lattice_spans,
    spread_event,
)
from vicinity_sim.world.tables import AdjacencyArrays

SITE_PERCOLATION_4 = 0.592746  # square lattice, 4 neighbours (docs/sources.md §validation)


def _lattice(side):
    """Every gap 1 m, identical buildings, no sprinklers."""
    return lattice_adjacency(side), LatticeSites.identical(side * side)


def test_spanning_probability_crosses_half_at_the_percolation_threshold():
    """Fire lit on one edge reaches the other with probability 1/2 near p_c = 0.5927.

    For each of 400 random lattices (64 × 64) the site-occupation threshold at which the fire
    first spans is found by bisection (spanning is monotone in p for fixed site uniforms);
    the median of these thresholds is where the spanning probability crosses 1/2.
    """
    side = 64
    adj, sites = _lattice(side)
    rng = np.random.default_rng(2024)
    thresholds = []
    for _ in range(400):
        r = rng.random(side * side)
        lo, hi = 0.0, 1.0
        for _ in range(14):
            mid = (lo + hi) / 2
            present = r < mid
            if lattice_spans(side, present, adj, sites, np.uint64(1)):
                hi = mid
            else:
                lo = mid
        thresholds.append((lo + hi) / 2)
    crossing = float(np.median(thresholds))
    assert abs(crossing - SITE_PERCOLATION_4) < 0.02, crossing


def test_full_and_empty_lattices():
    side = 16
    args = _lattice(side)
    full = np.ones(side * side, dtype=bool)
    assert lattice_spans(side, full, *args, np.uint64(0))
    assert not lattice_spans(side, ~full, *args, np.uint64(0))
    blocked_column = full.copy()
    blocked_column[np.arange(side) * side + side // 2] = False  # a firebreak
    assert not lattice_spans(side, blocked_column, *args, np.uint64(0))


def test_hamada_closer_bigger_windier_spreads_faster():
    base = hamada_minutes(10.0, 2.0, 3.0, 0.0)
    assert hamada_minutes(10.0, 1.0, 3.0, 0.0) < base  # closer
    assert hamada_minutes(12.0, 2.0, 3.0, 0.0) > base  # bigger building takes longer to cross
    assert (12.0 + 2.0) / hamada_minutes(12.0, 2.0, 3.0, 0.0) > (10.0 + 2.0) / base  # faster rate
    assert hamada_minutes(10.0, 2.0, 8.0, 0.0) < base  # windier
    assert hamada_minutes(10.0, 2.0, 3.0, 1.0) > base  # fire-resistive


def _line(n, gap=1.0):
    """n identical buildings in a row."""
    src = np.arange(n - 1)
    dst = src + 1
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    order = np.lexsort((b, a))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, a[order] + 1, 1)
    return AdjacencyArrays(np.cumsum(indptr), b[order].astype(np.int64), np.full(2 * (n - 1), gap))


def _spread(n, stop, growth=5.0, sprinkler=None, gap=1.0):
    """Deterministic spread: sprinklers always work, no noise, exposure growth = ``growth``."""
    sites = LatticeSites.identical(n)
    if sprinkler is not None:
        sites = sites._replace(sprinkler=sprinkler)
    c = FireParams(sprinkler_effective=1.0, max_spread_separation_m=12.0, spread_sigma=0.0,
                   growth_median_exposure_min=growth, growth_sigma=0.0).consts()  # fmt: skip
    out = SpreadScratch.empty(n)
    count = spread_event(0, growth, stop, np.uint64(7), sites, _line(n, gap), 3.0, c,
                         np.zeros(n, dtype=bool), out)  # fmt: skip
    return count, out.ign_time, out.controlled


def test_containment_stops_spread_and_times_are_first_passage():
    cross = hamada_minutes(10.0, 1.0, 3.0, 0.0)
    count, ign, _ = _spread(10, stop=math.inf)
    assert count == 10
    # Deterministic crossing: building k ignites at k * (growth + crossing time).
    assert ign[3] == pytest.approx(3 * (5.0 + cross))
    count, _, _ = _spread(10, stop=2 * (5.0 + cross) + 0.1)
    assert count == 3  # origin plus two neighbours before containment
    assert _spread(10, stop=4.0)[0] == 1  # contained before full involvement


def test_wide_gaps_are_not_crossed():
    assert _spread(5, stop=math.inf, gap=20.0)[0] == 1


def test_sprinkler_controls_the_building():
    sprinkler = np.zeros(6, dtype=bool)
    sprinkler[2] = True
    count, ign, controlled = _spread(6, stop=math.inf, sprinkler=sprinkler)
    assert count == 3 and controlled[2]  # 2 ignites but never becomes fully involved
    assert np.isinf(ign[3])
