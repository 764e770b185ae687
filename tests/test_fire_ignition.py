"""Ignition rates: sums of a rate per household and per indoor charger, building by building."""

import numpy as np
import pytest
from helpers import bundle

from vicinity_sim.processes.fire import (
    CAUSE_EBIKE,
    CAUSE_HOUSEHOLD,
    CAUSE_THREE_IN_ONE,
    FireParams,
    ignition_rates,
)
from vicinity_sim.world.codes import CHARGE_INDOOR
from vicinity_sim.world.state import residence_index


def _row_by_row(r, hh, b, c):
    """The rates added row after row into the array (the definition)."""
    rates = np.zeros((len(b.three_in_one), 3))
    for k in hh.building:
        rates[k, CAUSE_HOUSEHOLD] += c.ignition_per_household_year
    for k in range(len(b.three_in_one)):
        if b.old_wiring[k]:
            rates[k, CAUSE_HOUSEHOLD] *= c.old_wiring_multiplier
        if b.three_in_one[k]:
            rates[k, CAUSE_THREE_IN_ONE] = c.ignition_per_three_in_one_year
    for k, charging in zip(r.building, r.charging, strict=True):
        if charging == CHARGE_INDOOR:
            rates[k, CAUSE_EBIKE] += c.ignition_per_indoor_ebike_year
    return rates


@pytest.mark.parametrize("stored_by_building", [True, False])
def test_ignition_rates_equal_the_row_by_row_sums(stored_by_building):
    """Exactly the row-by-row sums, whether or not rows come building by building, and in
    buildings where no one lives."""
    rng = np.random.default_rng(5)
    c = FireParams().consts()
    n_b = 40
    res_building = rng.integers(0, n_b - 3, 600).astype(np.int32)  # the last 3: empty
    hh_building = rng.integers(0, n_b - 3, 250).astype(np.int64)
    if stored_by_building:
        res_building.sort()
        hh_building.sort()
    res_charging = rng.integers(0, 3, 600).astype(np.int8)
    three_in_one = rng.random(n_b) < 0.3
    old_wiring = rng.random(n_b) < 0.4
    r = bundle("residents", 600, building=res_building, charging=res_charging)
    hh = bundle("households", 250, building=hh_building)
    b = bundle("buildings", n_b, three_in_one=three_in_one, old_wiring=old_wiring)
    home = residence_index(res_building, hh_building, n_b)
    assert np.array_equal(ignition_rates(r, b, home, c), _row_by_row(r, hh, b, c))
