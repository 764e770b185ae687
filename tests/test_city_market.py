"""The city's housing market: where the tenants who leave a village go.

Households and people must be conserved across the city every month; the market must give
byte-identical outputs on any workers; displacement in a treated village must send its tenants
to the city's other villages — the nearest first — and out of the city, and raise the rents of
the untreated village next to it, whose landlords turn away applicants they have no room for.
The villages keep their numbers of households (every vacated place is taken that day), so
occupancy cannot move: the paired test checks that too.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from helpers import scenario, scenario_from_dict
from test_city import city_data, digests

from vicinity_sim.city import CityRun, simulate_city
from vicinity_sim.city.exchange import city_exchange
from vicinity_sim.city.market import HousingMarket, distances_km
from vicinity_sim.runs import simulate

#: Four villages on a line (km): v1 next to v0, v2 and v3 far from both.
POSITIONS = [0.0, 1.0, 8.0, 9.0]
SEEDS = (1, 2, 3)


def market_data(days: int = 365, displace: bool = False, market: bool = True) -> dict:
    """Four small villages without the program; with ``displace``, an operator leases half
    of v0's buildings on day 0 and asks its tenants to leave (统租, state-backed)."""
    data = scenario("baseline").model_dump(mode="python")
    data["run"]["days"] = days
    data["villages"] = [{"name": f"v{i}", "plan": {"n_buildings": 50, "city_x_km": x},
                         "population": {"n_residents": 450}}
                        for i, x in enumerate(POSITIONS)]  # fmt: skip
    data["interventions"] = [{"kind": "operator_leasing", "coverage": 0.5, "backing": 1.0,
                              "schedule": [[0, 1.0], [1, 1.0]], "villages": ["v0"],
                              "enabled": displace}]  # fmt: skip
    data["city"] = {"housing_market": market}
    return data


@cache
def market_run(seed: int, displace: bool) -> tuple[CityRun, object]:
    run = CityRun(scenario_from_dict(market_data(displace=displace), "market"), seed=seed)
    return run, run.run()


def test_the_market_is_a_scenario_switch_and_places_villages_by_their_positions():
    off = scenario_from_dict(market_data(market=False), "off")
    on = scenario_from_dict(market_data(), "on")
    assert not isinstance(city_exchange(off), HousingMarket)
    market = city_exchange(on)
    assert isinstance(market, HousingMarket)
    assert np.allclose(market.dist[0], [0.0, 1.0, 8.0, 9.0])
    assert np.allclose(distances_km(np.array([[0.0, 0.0], [3.0, 4.0]])), [[0, 5], [5, 0]])
    # The market's settings are part of a scenario's hash (a scenario without it hashes as
    # before the section existed: its default is left out).
    assert on.content_hash() != off.content_hash()


def test_households_and_people_are_conserved_across_the_city_every_month():
    run, result = market_run(1, True)
    books = run.exchange.ledger
    panel = pd.DataFrame(result.panel)
    moved = panel.groupby("month")["households_moved"].sum().to_numpy()
    days = [b.day for b in books]
    # every migration day of the run is booked, the last one at the run's end
    assert days == sorted(days) and len(books) == len(moved) - 1 and days[0] == 30
    assert [b.left for b in books] == moved[1:].tolist()  # April has no migration day
    left_people = result.columns["residents_left"]
    start_hh, start_people = books[0].in_villages, books[0].in_villages_people
    came = gone = came_people = gone_people = 0
    for b in books:
        assert b.left_people == left_people[b.day]
        # every leaver goes somewhere; every vacated place is taken
        assert b.left == b.between + b.formal + b.out
        assert b.left == b.between + b.newcomers
        assert b.left_people == b.between_people + b.formal_people + b.out_people
        assert b.left_people == b.between_people + b.newcomers_people
        came += b.newcomers + b.newcomers_formal
        gone += b.out
        came_people += b.newcomers_people + b.newcomers_formal_people
        gone_people += b.out_people
        # in villages + in formal housing = at the start + from outside − out of the city
        assert b.in_villages + b.in_formal == start_hh + came - gone
        assert b.in_villages_people + b.in_formal_people == start_people + came_people - gone_people
        assert b.in_villages == start_hh and b.in_villages_people == start_people
        assert sum(b.flows.values()) == b.between
    summary = result.summary
    assert summary["moves_between_villages"] == sum(b.between for b in books) > 0
    assert summary["moves_to_formal_housing"] == sum(b.formal for b in books)
    assert summary["moves_out_of_city"] == sum(b.out for b in books) > 0


def rent_gap(treated, untreated) -> pd.Series:
    """Each village's rent index at the end, treated minus untreated run."""
    a, b = (pd.DataFrame(r.panel).groupby("village")["rent_index"].last()
            for r in (treated, untreated))  # fmt: skip
    return a - b


def test_a_treated_villages_displacement_raises_its_neighbours_rents_not_far_ones():
    """Paired over seeds: v0 displaced (统租 evictions) or not, everything else equal. Its
    tenants move to the other villages, its neighbour v1 first; v1's landlords turn away the
    applicants they have no room for and read a tighter market; v2 and v3, 8–9 km away,
    hardly see them."""
    near, far, more_near, more_out = [], [], [], []
    for seed in SEEDS:
        (run_t, res_t), (run_u, res_u) = market_run(seed, True), market_run(seed, False)
        disp = [pd.DataFrame(r.panel).groupby("village")["displaced_households"].sum()
                for r in (res_t, res_u)]  # fmt: skip
        assert disp[0]["v0"] > disp[1]["v0"] + 50  # the shock
        flows, turned = [], []
        for run in (run_t, run_u):
            f = np.zeros((4, 4))
            for b in run.exchange.ledger:
                for (o, j), k in b.flows.items():
                    f[o, j] += k
            flows.append(f)
            turned.append(sum(b.turned_away for b in run.exchange.ledger))
        # v0's movers settle next door more than 8 km away, displaced or not
        assert all(f[0, 1] > f[0, 2:].sum() for f in flows)
        assert turned[0] > turned[1]
        more_near.append(flows[0][0, 1] - flows[1][0, 1])
        more_out.append(res_t.summary["moves_out_of_city"] - res_u.summary["moves_out_of_city"])
        gap = rent_gap(res_t, res_u)
        near.append(gap["v1"])
        far.append(gap[["v2", "v3"]].abs().max())
        # The villages keep their households: occupancy cannot move, only rents.
        for r in (res_t, res_u):
            assert (pd.DataFrame(r.panel).groupby("village")["residents"].nunique() == 1).all()
    assert min(more_near) > 0 and min(more_out) > 0
    # +0.2 to +0.8 points of rent index after a year next door, in every seed; far away the
    # villages' paths diverge a little (their landlords hear other applicants), without a
    # direction
    assert min(near) > 0
    assert np.mean(near) > 3 * np.mean(far)


def test_without_reading_applicants_the_market_leaves_the_villages_as_they_were():
    """With ``applicant_weight = 0`` the market only books where households go: the
    villages simulate what they would without it."""
    data = market_data(days=95, displace=True)
    data["city"]["applicant_weight"] = 0.0
    on = simulate(scenario_from_dict(data, "on"), seed=3)
    off = simulate(scenario_from_dict(market_data(days=95, displace=True, market=False), "off"),
                   seed=3)  # fmt: skip
    for name, values in on.columns.items():
        assert np.array_equal(values, off.columns[name], equal_nan=True), name
    assert set(on.summary) - set(off.summary) == {
        "moves_between_villages", "moves_to_formal_housing", "moves_out_of_city"}  # fmt: skip
    read = simulate(scenario_from_dict(market_data(days=95, displace=True), "read"), seed=3)
    assert not np.array_equal(read.columns["rent_index"], off.columns["rent_index"])


@pytest.mark.parametrize("parts", [None, [[2], [0, 3], [1]]], ids=["2 workers", "3 workers"])
def test_market_runs_on_2_and_3_workers_are_byte_identical(parts):
    data = city_data(days=95)
    data["city"] = {"housing_market": True}
    for v, x in zip(data["villages"], POSITIONS, strict=True):
        v["plan"]["city_x_km"] = x
    sc = scenario_from_dict(data, "market city")
    single = simulate(sc, seed=5)
    assert single.summary["moves_between_villages"] > 0
    many = digests(simulate_city(sc, seed=5, workers=2, partitions=parts))
    assert many == digests(single)


def test_single_village_experiments_hold_the_markets_parameters():
    from helpers import ROOT

    from vicinity_sim.experiment.points import experiment_priors
    from vicinity_sim.experiment.spec import load_experiment

    keep, held = experiment_priors(load_experiment(ROOT / "experiments" / "four_pillars.toml"))
    assert not [p for p in keep if p.key.startswith("city.")]
    assert ("city.rent_weight", "no city housing market") in held
