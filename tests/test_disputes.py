"""Dispute rates: tenancy disputes follow the rent burden."""

import numpy as np
import pytest
from helpers import scenario_from_dict, village

from vicinity_sim.model import VicinityModel
from vicinity_sim.world.population import LOCAL


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
    hh.rent_burden[:] = np.where(hh.group != LOCAL, burden_factor * proc.consts.burden_ref, 0.0)
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
