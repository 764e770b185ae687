"""Dispute rates: tenancy disputes follow the rent burden."""

import numpy as np
import pytest
from helpers import scenario_from_dict, village

from vicinity_sim.model import VicinityModel
from vicinity_sim.world.codes import CHARGE_OUTDOOR, CHILD, LOCAL, NO_EBIKE


def _tenancy_disputes(burden_factor: float, elasticity: float, days: int = 150) -> float:
    """Disputes over ``days`` days with only tenancy disputes, every tenant household at
    ``burden_factor`` times the reference burden (the same keys for every call)."""
    data = village(days=1, n_buildings=200, n_residents=3000)
    data["disputes"] = {
        "neighbour_disputes_per_household_year": 0.0,
        "tenancy_disputes_per_tenant_household_year": 1.0,
        "tenancy_burden_elasticity": elasticity,
    }
    model = VicinityModel(scenario_from_dict(data), rng=0)
    proc = model.process("disputes")
    hh = model.world.households
    reference = proc.consts.tenancy_burden_reference
    hh.rent_burden[:] = np.where(hh.group != LOCAL, burden_factor * reference, 0.0)
    return sum(proc.step(d, np.uint64(10_000 + d))["disputes"] for d in range(days))


def test_tenancy_disputes_rise_with_the_rent_burden():
    """Elasticity 1: doubling every tenant's burden about doubles tenancy disputes, halving it
    halves them (the expected count at the reference is ~1 a day in 150 days per household
    rate × tenant households / 365, so ± 10% is several standard deviations)."""
    at = {f: _tenancy_disputes(f, 1.0) for f in (0.5, 1.0, 2.0)}
    assert at[1.0] > 300
    assert at[2.0] / at[1.0] == pytest.approx(2.0, rel=0.1)
    assert at[0.5] / at[1.0] == pytest.approx(0.5, rel=0.1)


def test_zero_elasticity_ignores_the_burden():
    assert _tenancy_disputes(2.0, 0.0) == _tenancy_disputes(0.5, 0.0)


def _neighbour_disputes(bikes_in_lanes: bool, days: int = 150) -> tuple[float, float]:
    """Neighbour disputes over ``days`` days (no indoor-charging term), with every adult's
    e-bike parked in the lanes or nobody owning one, and the expected rate up to a constant."""
    data = village(days=1, n_buildings=200, n_residents=3000)
    data["disputes"] = {
        "neighbour_disputes_per_household_year": 0.5,
        "tenancy_disputes_per_tenant_household_year": 0.0,
        "ebike_weight": 0.0,
    }
    model = VicinityModel(scenario_from_dict(data), rng=0)
    proc = model.process("disputes")
    r = model.world.residents
    r.ebike[:] = bikes_in_lanes & (r.age != CHILD)
    r.charging[:] = np.where(r.ebike, CHARGE_OUTDOOR, NO_EBIKE)
    lane, _ = proc.lane_factors()
    n = sum(proc.step(d, np.uint64(20_000 + d))["disputes"] for d in range(days))
    # Expected disputes weigh each building's lane factor by its base rate (households ×
    # crowding; buildings with fewer than two occupants have none).
    b = model.world.buildings
    households = np.bincount(model.world.households.building, minlength=len(b))
    occupants = np.bincount(r.building, minlength=len(b))
    weight = np.where(occupants >= 2, households * proc._crowd, 0.0)
    return n, float(np.sum(weight * lane[b.block]))


def test_ebikes_in_the_lanes_raise_neighbour_disputes():
    """The lane factor scales neighbour disputes: with every adult's e-bike in the lanes
    against none, disputes rise by the ratio of the expected rates (± 15%, several standard
    deviations of the counts)."""
    with_bikes, expected_with = _neighbour_disputes(True)
    without, expected_without = _neighbour_disputes(False)
    assert without > 300
    assert with_bikes / without == pytest.approx(expected_with / expected_without, rel=0.15)
    assert with_bikes > 1.5 * without
