"""Doorstep businesses and collective projects: demand, failure, leases, the income
decomposition and the program's conservation checks with the rent cap off."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SCENARIOS, SEEDS, village

from vicinity_sim.model import VicinityModel
from vicinity_sim.outcomes import summarize
from vicinity_sim.reference.lockstep import lockstep, only
from vicinity_sim.runs import fire_events
from vicinity_sim.scenario import load_scenario, scenario_from_dict
from vicinity_sim.world.codes import ENT_PROJECT, LOCAL, UNIT_BUSINESS

SMALL = {"n_buildings": 240, "n_residents": 2500}


def small(interventions=(), days=365, economy=None, **sections):
    data = village(days=days, **SMALL, **sections)
    data["interventions"] = list(interventions)
    if economy:
        data["villages"][0]["economy"] = economy
    return scenario_from_dict(data)


def closures_after_shock(seed: int, cut: float) -> tuple[float, float]:
    """Businesses closed over the six months after day 240, with the residents' and visitors'
    spending cut to ``cut`` of what it was on day 240 (1: no cut), and businesses then."""
    m = VicinityModel(small(days=420), rng=seed)
    for _ in range(240):
        m.step()
    ent = m.process("enterprise")
    ent.visitor_base = ent.visitor_base * cut
    ent.params = ent.params.model_copy(
        update={"resident_spend_share": ent.params.resident_spend_share * cut}
    )
    before = float(np.count_nonzero(m.world.projects.active))
    for _ in range(180):
        m.step()
    closed = m.datacollector.get_model_vars_dataframe()["businesses_closed"].iloc[240:].sum()
    return float(closed), before


def test_businesses_fail_more_when_demand_falls():
    """Paired by seed, the same businesses on day 240: cutting the spending they live on by
    three quarters closes more of them over the next six months."""
    pairs = [(closures_after_shock(s, 1.0), closures_after_shock(s, 0.25)) for s in SEEDS[:3]]
    for (kept, n0), (cut, n1) in pairs:
        assert n0 == n1 > 0
        assert cut > kept, pairs


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_collective_lease_revenue_rises_with_assets_revitalised(seed):
    """More idle collective assets leased to projects bring the collective more: the leases
    and profit shares it receives rise with the area let (paired by seed)."""

    def paid(asset_m2: float) -> tuple[float, float]:
        project = {"kind": "industrial_projects", "quantity": 2, "start_day": 0,
                   "ramp_days": 0, "asset_m2": asset_m2}  # fmt: skip
        m = VicinityModel(small([project], days=95, economy={"idle_collective_assets_m2":
                                                              50_000.0}), rng=seed)  # fmt: skip
        m.run()
        df = m.datacollector.get_model_vars_dataframe()
        return float(df["collective_from_projects_cny"].sum()), float(
            df["leased_assets_m2"].iloc[-1]
        )

    small_lease, small_area = paid(1_000.0)
    large_lease, large_area = paid(5_000.0)
    assert large_area == 10_000.0 and small_area == 2_000.0
    assert large_lease > small_lease > 0


def test_projects_lease_only_what_is_idle():
    project = {"kind": "industrial_projects", "quantity": 3, "start_day": 0, "ramp_days": 0,
               "asset_m2": 4_000.0}  # fmt: skip
    m = VicinityModel(small([project], days=2), rng=0)
    m.run()
    pr = m.world.projects
    leased = pr.asset_m2[pr.kind == ENT_PROJECT]
    assert leased.sum() == 10_000.0 and leased.min() == 2_000.0
    assert m.world.villages.idle_assets_m2[0] == 0.0


PROGRAM = ["villages[0].plan.n_buildings=240", "villages[0].population.n_residents=2500",
           "run.days=400"]  # fmt: skip


#: The program's rental rules and projects brought forward, so a 400-day run sees them in force.
EARLY = [f"interventions[{kind}].schedule=[[0, 0.5], [60, 1.0]]"
         for kind in ("rental_regulation", "industrial_projects")]  # fmt: skip


@pytest.fixture(scope="module")
def program_run():
    sc = load_scenario(SCENARIOS / "xiamen_program.toml", PROGRAM + EARLY)
    m = VicinityModel(sc, rng=2)
    m.run()
    return m


def test_income_decomposition_adds_up(program_run):
    """Wages, business income, dividends and rents add up to the mean incomes every month
    and in the summary, to 1e-9 relative."""
    df = program_run.datacollector.get_model_vars_dataframe()
    monthly = df[df["income_local_mean"].notna()]
    for group in ("local", "migrant"):
        parts = sum(monthly[f"income_{group}_{p}"] for p in ("wages", "business", "dividends",
                                                             "rents"))  # fmt: skip
        np.testing.assert_allclose(parts, monthly[f"income_{group}_mean"], rtol=1e-9)
    summary = summarize(program_run.datacollector.columns(), fire_events(program_run))
    for group in ("local", "migrant"):
        total = sum(summary[f"income_{group}_{p}"] for p in ("wages", "business", "dividends",
                                                             "rents"))  # fmt: skip
        assert total == pytest.approx(summary[f"income_{group}_mean"], rel=1e-9)
    assert summary["income_local_business"] > 0 and summary["income_migrant_business"] > 0
    assert summary["income_local_mean_real"] < summary["income_local_mean"]


def test_program_without_cap_keeps_conservation(program_run):
    """The program as its files give it (no rent cap): people, money, units and jobs are
    conserved and consistent."""
    m = program_run
    w = m.world
    v, pr, u, r = w.villages, w.projects, w.units, w.residents
    df = m.datacollector.get_model_vars_dataframe()
    assert np.isinf(v.rent_cap_per_year).all()
    assert v.rental_registration.all() and v.safety_standard.all()
    # People: every departure matched by an arrival; households whole.
    assert df["residents_left"].sum() == df["residents_arrived"].sum() > 0
    assert df["residents"].eq(2500).all()
    assert np.array_equal(np.bincount(r.household, minlength=len(w.households)),
                          w.households.size)  # fmt: skip
    # Money: collective revenue = dividends + fund; dividends to villagers only.
    assert df["income_collective_month"].sum() == pytest.approx(
        df["dividends_cny"].sum() + v.collective_fund_cny.sum()
    )
    assert np.allclose(r.income[r.group != LOCAL], r.wage[r.group != LOCAL])
    # Units: each running business holds its own unit, let as a business; no unit twice.
    biz = pr.active & (pr.owner >= 0)
    assert biz.sum() > 0
    assert np.all(u.state[pr.unit[biz]] == UNIT_BUSINESS)
    assert len(np.unique(pr.unit[biz])) == biz.sum()
    assert np.count_nonzero(u.state == UNIT_BUSINESS) == biz.sum()
    assert np.all(u.household[u.state == UNIT_BUSINESS] < 0)
    # Jobs: owners work at their own business, or moved away this month (their row a
    # newcomer's; the business closes next month); staff never exceed the jobs wanted.
    ks = np.nonzero(biz)[0]
    here = r.job_project[pr.owner[ks]] == ks
    assert here.mean() > 0.8
    assert np.all(r.arrived_day[pr.owner[ks[~here]]] >= pr.opened_day[ks[~here]])
    assert np.all(r.employed[r.job_project >= 0])
    staff = np.bincount(r.job_project[r.job_project >= 0], minlength=len(pr))
    assert np.all(staff[pr.active] <= np.maximum(pr.jobs[pr.active], 1))
    assert np.all(staff[~pr.active] == 0)
    # Leases: what projects lease is what the villages no longer hold idle.
    proj = pr.kind == ENT_PROJECT
    assert pr.asset_m2[proj].sum() + v.idle_assets_m2.sum() == pytest.approx(10_000.0)


def test_enterprise_in_lockstep():
    """Businesses open in idle rooms, trade, lay off and close identically in both engines,
    with landlords, housing and migration around them."""
    sc = load_scenario(SCENARIOS / "xiamen_program.toml", [
        *PROGRAM[:2], "run.days=160",
        "interventions[industrial_projects].schedule=[[0, 0.5], [60, 1.0]]",
        "interventions[industrial_projects].quantity_per_10k=12",
    ])  # fmt: skip
    processes = ["interventions", "labour", "prices", "enterprise", "collective", "housing",
                 "landlords", "compliance", "migration", "observe"]  # fmt: skip
    res = lockstep(only(sc, processes), 0, 160)
    assert res.day is None, res.differences[:5]
    col = res.fast.datacollector.column
    assert np.nansum(col("businesses_opened")[: res.days]) > 0
    assert np.nansum(col("enterprise_layoffs")[: res.days]) > 0
