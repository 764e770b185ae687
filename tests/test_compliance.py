"""Landlords' compliance with the rental safety standard and the wear of building quality.

Paired comparisons over seeds (the same seed builds the same village in both arms): rental
regulation's safety standard brings buildings to the standard and lowers fire risk; the
landlord association spreads compliance to non-members; quality wears without property
management and holds with it.
"""

import numpy as np
import pytest
from helpers import SEEDS, village

from vicinity_sim.model import VicinityModel
from vicinity_sim.scenario import scenario_from_dict

AT_ONCE = [[0, 1.0]]
#: Processes a test may switch off (it keeps those it names).
OPTIONAL = ("contacts", "disputes", "governance", "participation", "labour", "migration",
            "flood", "structure", "charging")  # fmt: skip
REGULATION = {"kind": "rental_regulation", "schedule": AT_ONCE}
#: Fires often enough that a year of a small village has many: the effect on deaths shows.
FREQUENT_FIRES = {"ignition_per_household_year": 0.01, "ignition_per_three_in_one_year": 0.1}


def run(interventions, days, seed, processes=None, **sections):
    data = village(days=days, n_buildings=300, n_residents=4_000, **sections)
    data["interventions"] = interventions
    if processes is not None:
        data["run"]["disabled_processes"] = [n for n in OPTIONAL if n not in processes]
    m = VicinityModel(scenario_from_dict(data), rng=seed)
    m.run()
    return m


def _standard(m):
    b = m.world.buildings
    return b.smoke_sensor & b.escape_windows & ~b.three_in_one


@pytest.fixture(scope="module")
def regulation():
    """A year with and without rental regulation (in force from the start), frequent fires."""
    keep = ("charging",)
    out = []
    for s in SEEDS:
        none = run([], 365, s, keep, fire=FREQUENT_FIRES)
        reg = run([REGULATION], 365, s, keep, fire=FREQUENT_FIRES)
        out.append((none, reg))
    return out


def test_regulation_brings_buildings_to_the_standard(regulation):
    for none, reg in regulation:
        b0, b1 = none.world.buildings, reg.world.buildings
        assert b1.smoke_sensor.mean() > b0.smoke_sensor.mean() + 0.2
        assert b1.escape_windows.mean() > b0.escape_windows.mean() + 0.2
        assert b1.three_in_one.sum() < b0.three_in_one.sum()
        assert _standard(reg).mean() > _standard(none).mean()
        # Landlords pay: what they spent is what the buildings lacked.
        assert reg.world.landlords.safety_spent_cny.sum() > 0
        assert none.world.landlords.safety_spent_cny.sum() == 0


def test_regulation_lowers_fire_risk_and_expected_deaths(regulation):
    ign0, ign1, dead0, dead1 = [], [], [], []
    for none, reg in regulation:
        d0 = none.datacollector.get_model_vars_dataframe()
        d1 = reg.datacollector.get_model_vars_dataframe()
        # 三合一 premises ended: fewer expected ignitions at the end of the year.
        ign0.append(d0["ignition_rate_per_year"].iloc[-1])
        ign1.append(d1["ignition_rate_per_year"].iloc[-1])
        dead0.append(d0["fire_deaths_expected"].sum())
        dead1.append(d1["fire_deaths_expected"].sum())
    assert np.all(np.array(ign1) < np.array(ign0)), (ign0, ign1)
    assert sum(dead1) < 0.9 * sum(dead0), (dead0, dead1)


def test_more_inspections_bring_more_buildings_to_the_standard():
    """Landlords comply sooner where inspections are more frequent (the fine, the association
    and the village held equal; the same seeds in both arms)."""
    for s in SEEDS[:3]:
        shares = [
            _standard(
                run([{**REGULATION, "inspections_per_building_year": rate}], 90, s, ())
            ).mean()
            for rate in (0.0, 4.0)
        ]
        assert shares[1] > shares[0] + 0.1, shares


def test_association_spreads_compliance_to_non_members():
    """With an association, buildings of landlords outside it reach the standard more often
    than the same buildings without one (peer diffusion), inspections held equal."""
    association = {"kind": "landlord_association", "coverage": 0.3, "schedule": AT_ONCE}
    regulation = {**REGULATION, "inspections_per_building_year": 0.5}
    gains = []
    for s in SEEDS:
        without = run([regulation], 120, s, ())
        with_assoc = run([regulation, association], 120, s, ())
        ll = with_assoc.world.landlords
        outside = ~ll.association[with_assoc.world.buildings.owner]
        assert ll.association.any() and outside.any()
        gains.append(_standard(with_assoc)[outside].mean() - _standard(without)[outside].mean())
    assert np.all(np.array(gains) > 0), gains


def test_quality_wears_without_management_and_holds_with_it():
    """Without maintenance the mean quality falls; under property management (its own gain
    set to zero) it holds exactly."""
    housing = {"management_quality_gain": 0.0, "quality_decay_per_year": 0.05}
    managed = {"kind": "property_management", "coverage": 1.0, "schedule": AT_ONCE}
    for s in SEEDS[:3]:
        bare = run([], 400, s, (), housing=housing)
        kept = run([managed], 400, s, (), housing=housing)
        q0 = bare.datacollector.get_model_vars_dataframe()["quality_mean"]
        q1 = kept.datacollector.get_model_vars_dataframe()["quality_mean"]
        assert q0.iloc[-1] < q0.iloc[0] - 0.01
        assert q1.iloc[-1] == pytest.approx(q1.iloc[0], abs=1e-12)
        assert q1.iloc[-1] > q0.iloc[-1]
