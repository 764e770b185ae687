"""Ignition rates: sums of a rate per household and per indoor charger, building by building."""

import numpy as np
import pytest

from vicinity_sim.processes.fire import (
    CAUSE_EBIKE,
    CAUSE_HOUSEHOLD,
    CAUSE_THREE_IN_ONE,
    FireConsts,
    FireParams,
    ignition_rates,
)
from vicinity_sim.world.codes import CHARGE_INDOOR


def _row_by_row(res_building, res_charging, hh_building, three_in_one, old_wiring, c):
    """The rates added row after row into the array (the definition)."""
    rates = np.zeros((len(three_in_one), 3))
    for b in hh_building:
        rates[b, CAUSE_HOUSEHOLD] += c.rate_household
    for b in range(len(three_in_one)):
        if old_wiring[b]:
            rates[b, CAUSE_HOUSEHOLD] *= c.old_wiring_multiplier
        if three_in_one[b]:
            rates[b, CAUSE_THREE_IN_ONE] = c.rate_three_in_one
    for b, charging in zip(res_building, res_charging, strict=True):
        if charging == CHARGE_INDOOR:
            rates[b, CAUSE_EBIKE] += c.rate_ebike
    return rates


@pytest.mark.parametrize("stored_by_building", [True, False])
def test_ignition_rates_equal_the_row_by_row_sums(stored_by_building):
    """Exactly the row-by-row sums, whether or not rows come building by building."""
    rng = np.random.default_rng(5)
    c = FireConsts.from_params(FireParams())
    n_b = 40
    res_building = rng.integers(0, n_b, 600).astype(np.int32)
    hh_building = rng.integers(0, n_b, 250).astype(np.int64)
    if stored_by_building:
        res_building.sort()
        hh_building.sort()
    res_charging = rng.integers(0, 3, 600).astype(np.int8)
    three_in_one = rng.random(n_b) < 0.3
    old_wiring = rng.random(n_b) < 0.4
    args = (res_building, res_charging, hh_building, three_in_one, old_wiring, c)
    assert np.array_equal(ignition_rates(*args), _row_by_row(*args))
