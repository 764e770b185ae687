"""Economy, rents and migration: the renewal trade-off and conservation of people and money."""

import numpy as np
import pytest
from helpers import SEEDS, village

from vicinity_sim.model import VicinityModel
from vicinity_sim.runs import simulate
from vicinity_sim.scenario import scenario_from_dict

RENOVATION = [
    {"kind": "property_management", "coverage": 1.0},
    {"kind": "public_space"},
    {"kind": "environment_services"},
    {"kind": "fire_retrofit"},
]
REGULATION = [{"kind": "rental_regulation"}, {"kind": "rent_cap", "per_year": 0.05}]


def small(interventions, days=730):
    data = village(days=days, n_buildings=400, n_residents=5_500)
    data["interventions"] = interventions
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def renovation():
    """Renovation of every building with and without rental regulation, paired by seed."""
    without = [simulate(small(RENOVATION), seed=s).summary for s in SEEDS]
    regulated = [simulate(small([*RENOVATION, *REGULATION]), seed=s).summary for s in SEEDS]
    return without, regulated


@pytest.mark.parametrize("outcome", ["rent_index", "rent_burden_mean", "displaced_households"])
def test_renovation_without_regulation_prices_tenants_out(renovation, outcome):
    without, regulated = renovation
    a = np.array([s[outcome] for s in without])
    b = np.array([s[outcome] for s in regulated])
    assert np.all(a > b), (outcome, a, b)


def test_renovation_raises_rents_and_landlords_income():
    base = [simulate(small([]), seed=s).summary for s in SEEDS[:3]]
    renov = [simulate(small(RENOVATION), seed=s).summary for s in SEEDS[:3]]
    for b, r in zip(base, renov, strict=True):
        assert r["rent_index"] > b["rent_index"]
        assert r["income_local_mean"] > b["income_local_mean"]  # landlords are villagers


def test_people_and_money_are_conserved():
    """Every departure is matched by an arrival (in a unit the newcomers chose, often in another
    building); nobody is double-counted; collective revenue is paid out as dividends or kept in
    the fund."""
    data = village(days=400, n_buildings=300, n_residents=4_000)
    data["interventions"] = [{"kind": "industrial_projects", "quantity": 2},
                             {"kind": "property_management"}]  # fmt: skip
    m = VicinityModel(scenario_from_dict(data), rng=3)
    w = m.world
    sizes = w.households.size.copy()
    groups = w.households.group.copy()
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    r = w.residents
    assert df["residents_left"].sum() == df["residents_arrived"].sum() > 0
    assert len(r) == 4_000 and df["residents"].eq(4_000).all()
    assert np.array_equal(w.households.size, sizes) and np.array_equal(w.households.group, groups)
    assert np.array_equal(np.bincount(r.household, minlength=len(sizes)), sizes)
    assert df["moves_between_buildings"].sum() > 0
    assert np.array_equal(r.building, w.households.building[r.household])

    # Money: revenue in = dividends out + change of the fund.
    assert df["income_collective_month"].sum() == pytest.approx(
        df["dividends_cny"].sum() + w.villages.collective_fund_cny.sum()
    )
    # Dividends reach local villagers only, equally.
    local = r.group == 0
    assert np.all(r.income[local] >= r.wage[local])
    assert np.allclose(r.income[~local], r.wage[~local])
    # Project jobs never exceed the jobs the projects have.
    staff = np.bincount(r.job_project[r.job_project >= 0], minlength=len(w.projects))
    assert np.all(staff <= w.projects.jobs)
    assert np.all(r.employed[r.job_project >= 0])
