"""The dashboard's parts that need no browser: controls, the model it drives, layers, figures,
the running outcome series and the command's input checks."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest

from tests.helpers import SCENARIOS, scenario_from_dict, village
from vicinity_sim.cli import main
from vicinity_sim.dashboard.controls import (
    intervention_controls,
    load_base,
    overlay,
    parse_seed,
    scenario_with_controls,
)
from vicinity_sim.dashboard.figures import grid_boundaries, plan_figure, series_figure
from vicinity_sim.dashboard.layers import (
    FIRE_EARLIER,
    FIRE_NONE,
    FIRE_RECENT,
    FIRE_TODAY,
    LAYERS,
    institutional_trust,
)
from vicinity_sim.dashboard.model import DashboardModel
from vicinity_sim.errors import InputError
from vicinity_sim.interventions import CATALOGUE
from vicinity_sim.model import VicinityModel
from vicinity_sim.outcomes import CONTRACT, running_outcomes, summarize
from vicinity_sim.scenario import load_scenario

TINY = SCENARIOS / "tiny.toml"
PROGRAM = SCENARIOS / "xiamen_program.toml"


# -- running outcome series ---------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_run():
    """A small village with frequent fires, long enough for a year's collective income."""
    data = village(days=400, n_buildings=200, n_residents=2000)
    data["fire"] = {"ignition_per_household_year": 0.03}
    model = VicinityModel(scenario_from_dict(data), rng=1)
    model.run()
    return model.datacollector.columns(), model.process("fire").event_table()


def test_running_outcomes_are_the_summary_of_the_run_so_far(busy_run):
    columns, events = busy_run
    assert len(events["day"]) > 20  # the fire outcomes are exercised
    series = running_outcomes(columns, events)
    assert list(series) == list(CONTRACT)
    for d in (1, 7, 30, 200, 365, 366, 400):
        cut = {k: v[:d] for k, v in columns.items()}
        ev = {k: v[events["day"] < d] for k, v in events.items()}
        expected = summarize(cut, ev)
        for name in CONTRACT:
            got, want = series[name][d - 1], expected[name]
            if isinstance(want, float) and math.isnan(want):
                assert math.isnan(got), (name, d)
            else:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (name, d)


def test_time_series_carries_the_contract_names_as_the_summary_reports_them(busy_run):
    """``income_collective`` (trailing twelve months) and ``displaced_households`` (so far) are
    columns of the time series, next to the processes' monthly counts; on a run shorter than
    a year the collective income is the months run, annualised."""
    columns, events = busy_run
    series = running_outcomes(columns, events)
    for name in ("income_collective", "displaced_households"):
        assert np.array_equal(columns[name], series[name]), name
    assert np.array_equal(columns["displaced_households"],
                          np.cumsum(columns["displaced_households_month"]))  # fmt: skip
    monthly = columns["income_collective_month"]
    assert columns["income_collective"][-1] == pytest.approx(monthly[-365:].sum(), rel=1e-12)
    # A quarter's run reports its monthly records annualised (× 12 / their number); they
    # differ from month to month only by the price trend the collective's income follows.
    quarter = summarize({k: v[:90] for k, v in columns.items()}, events)
    records = monthly[:90][monthly[:90] != 0]
    assert quarter["income_collective"] == pytest.approx(
        records.sum() * 12 / len(records), rel=1e-12
    )
    assert quarter["income_collective"] > 3 * monthly[:90].sum()


# -- controls -----------------------------------------------------------------------------


def test_controls_offer_the_scenarios_interventions_then_every_other_kind():
    base = load_base(PROGRAM)
    controls = intervention_controls(base)
    names = [c.name for c in controls]
    assert names[: len(base.interventions)] == [iv.name for iv in base.interventions]
    assert {c.kind for c in controls} == set(CATALOGUE)
    tiny = intervention_controls(load_base(TINY))
    assert [c.kind for c in tiny] == list(CATALOGUE)
    assert not any(c.enabled for c in tiny)
    stations = next(c for c in tiny if c.kind == "micro_fire_stations")
    assert stations.by_quantity and "share of plan" in stations.share_label


def test_unchanged_controls_leave_the_scenario_as_the_file_has_it():
    for path in (TINY, PROGRAM):
        assert scenario_with_controls(path, {}) == load_scenario(path)


def test_switches_and_sliders_become_intervention_entries():
    base = load_base(PROGRAM)
    first = base.interventions[0]
    sc = scenario_with_controls(
        TINY,
        {"on:fire_retrofit": True, "share:fire_retrofit": 0.25,
         "on:micro_fire_stations": True, "share:micro_fire_stations": 0.0},
    )  # fmt: skip
    by_name = {iv.name: iv for iv in sc.interventions}
    assert set(by_name) == {"fire_retrofit", "micro_fire_stations"}
    assert by_name["fire_retrofit"].coverage == 0.25
    assert by_name["micro_fire_stations"].quantity == 0
    off = scenario_with_controls(PROGRAM, {f"on:{first.name}": False})
    assert not next(iv for iv in off.interventions if iv.name == first.name).enabled
    assert sum(iv.enabled for iv in off.interventions) == sum(
        iv.enabled for iv in base.interventions
    ) - int(first.enabled)


def test_slider_scales_planned_units_of_quantity_kinds():
    base = load_base(PROGRAM)
    planned = [iv for iv in base.interventions if iv.quantity_per_10k is not None]
    assert planned, "the program plans some units per 10,000 residents"
    iv = planned[0]
    sc = scenario_with_controls(PROGRAM, {f"share:{iv.name}": 0.5})
    assert next(x for x in sc.interventions if x.name == iv.name).quantity_per_10k == (
        pytest.approx(iv.quantity_per_10k * 0.5)
    )
    assert overlay(base, {})["interventions"] == []  # untouched controls change nothing


@pytest.mark.parametrize(
    ("settings", "key"),
    [({"share:fire_retrofit": 1.5}, "fire_retrofit share"),
     ({"share:fire_retrofit": "lots"}, "fire_retrofit share")],
)  # fmt: skip
def test_bad_settings_are_one_line_errors(settings, key):
    with pytest.raises(InputError) as err:
        scenario_with_controls(TINY, settings)
    assert err.value.key == key and "\n" not in str(err.value)


def test_seed_must_be_a_whole_number():
    assert parse_seed(" 12 ") == 12
    for bad in ("x", "1.5", "-1"):
        with pytest.raises(InputError, match="seed"):
            parse_seed(bad)


# -- the model the dashboard drives ------------------------------------------------------


def test_dashboard_model_is_the_cli_model_of_the_same_settings(tmp_path):
    """Switching an intervention on in the dashboard runs what the same entry in a file runs."""
    settings = {"on:fire_retrofit": True, "share:fire_retrofit": 0.5}
    dash = DashboardModel(source=str(TINY), seed="3", **settings)
    assert isinstance(dash, VicinityModel)
    child = tmp_path / "with_retrofit.toml"
    child.write_text(
        f'extends = "{TINY}"\n\n[[interventions]]\nkind = "fire_retrofit"\ncoverage = 0.5\n'
    )
    cli = VicinityModel(load_scenario(child), rng=3)
    dash.run(40)
    cli.run(40)
    a, b = dash.datacollector.columns(), cli.datacollector.columns()
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert dash.process("interventions").installed() == {"fire_retrofit": 120}


def test_mesas_reset_arguments_are_accepted():
    """Mesa 3.4+ passes its own experimental scenario object on reset; it is not ours."""
    model = DashboardModel(source=str(TINY), seed=0, scenario=object())
    assert model.error is None and model.spec.name == "tiny"


def test_a_bad_file_makes_an_empty_model_that_says_why(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\ndayz = 3\n")
    model = DashboardModel(source=str(bad), seed=0)
    assert model.error.startswith(str(bad)) and "run.dayz" in model.error
    assert "days" in model.error and "\n" not in model.error
    assert not model.running and model.days == 0
    model.step()
    assert model.day == 0
    missing = DashboardModel(source=str(tmp_path / "none.toml"))
    assert "file not found" in missing.error
    assert "seed" in DashboardModel(source=str(TINY), seed="x").error


# -- layers and figures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model():
    model = DashboardModel(
        source=str(TINY), seed=2, **{"on:micro_fire_stations": True, "on:waterlogging_fix": True}
    )
    model.run(30)
    return model


def test_trust_layer_is_the_mean_over_each_buildings_residents(tiny_model):
    w = tiny_model.world
    values = institutional_trust(tiny_model)
    for b in (0, 5, 100):
        here = w.residents.building == b
        want = w.residents.trust_inst[here].mean() if here.any() else np.nan
        np.testing.assert_allclose(values[b], want)


def test_fire_layer_tells_today_recent_and_earlier_fires_apart(tiny_model):
    model = tiny_model
    b = model.world.buildings
    saved = b.last_fire_day.copy(), b.damage.copy(), model.world.fires_today
    try:
        last = model.day - 1
        b.last_fire_day[:4] = [last, last - 10, last - 100, -(10**6)]
        b.damage[:4] = [0.5, 0.2, 0.1, 0.0]
        model.world.fires_today = type(model.world.fires_today)(building=np.array([0]))
        values = LAYERS["fires"].values(model)[:4]
        assert list(values) == [FIRE_TODAY, FIRE_RECENT, FIRE_EARLIER, FIRE_NONE]
    finally:
        b.last_fire_day[:], b.damage[:], model.world.fires_today = saved


def test_every_layer_draws_every_building(tiny_model):
    n = int(np.count_nonzero(tiny_model.world.buildings.village == 0))
    for layer in LAYERS:
        fig = plan_figure(tiny_model, layer)
        ax = fig.axes[0]
        polys = ax.collections[0]
        assert len(polys.get_paths()) == n
        assert len(polys.get_array()) == n
    # Two outcomes, each beside its difference from the baseline (the model has one).
    assert len(series_figure(tiny_model, ["fires_per_year", "rent_burden_mean"]).axes) == 4


def test_fire_risk_is_blank_without_the_fire_mechanism(tmp_path):
    child = tmp_path / "no_fire.toml"
    child.write_text(f'extends = "{TINY}"\n\n[run]\ndisabled_processes = ["fire"]\n')
    model = DashboardModel(source=str(child))
    model.run(3)
    assert np.isnan(LAYERS["fire risk"].values(model)).all()
    assert plan_figure(model, "fire risk").axes


def test_grid_boundaries_separate_grids_and_outline_the_built_area():
    x, y = np.array([10.0, 30.0]), np.array([5.0, 5.0])
    seg = grid_boundaries(x, y, np.array([0, 1]), 40.0, 10.0, reach_m=100.0)
    vertical = seg[np.isclose(seg[:, 0, 0], seg[:, 1, 0])]
    assert sorted(set(vertical[:, 0, 0].round(6))) == [0.0, 20.0, 40.0]
    same = grid_boundaries(x, y, np.array([0, 0]), 40.0, 10.0, reach_m=100.0)
    inner = same[np.isclose(same[:, 0, 0], same[:, 1, 0])]
    assert sorted(set(inner[:, 0, 0].round(6))) == [0.0, 40.0]


# -- the command ---------------------------------------------------------------------------


def test_dashboard_command_rejects_bad_ports(capsys):
    assert main(["dashboard", str(TINY), "--port", "0"]) == 2
    assert "--port: 0: must lie between 1 and 65535" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["dashboard", str(TINY), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port} is in use" in err and err.count("\n") == 1


# -- side by side: the chosen interventions against their baseline ------------------------


def test_baseline_is_the_same_run_without_the_interventions():
    """Same village, seed and streams, no interventions: the baseline equals a plain run of
    the file, day by day, and the run with stations differs from it in cost from day one."""
    from vicinity_sim.dashboard.figures import comparison_rows, export_bytes, run_frame

    model = DashboardModel(source=str(TINY), seed=5, **{"on:micro_fire_stations": True})
    assert model.interventions == ["micro_fire_stations"]
    plain = VicinityModel(load_scenario(TINY), rng=5)
    fig = series_figure(model, ["cost_total_cny"])  # day 0: nothing drawn yet, no error
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    model.run(12)
    plain.run(12)
    assert model.baseline.day == 12
    a, b = model.baseline.datacollector.columns(), plain.datacollector.columns()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    rows = {name: (run, base) for name, run, base in comparison_rows(model, ["cost_total_cny"])}
    run, base = rows["cost_total_cny"]
    assert base == 0 and run > 0
    # The series panels follow the days simulated, with their difference beside them.
    fig = series_figure(model, ["cost_total_cny", "trust_institutional"])
    level, diff = fig.axes[0], fig.axes[1]
    assert "baseline" in diff.get_title()
    start, end = level.get_xlim()
    assert 11 <= end - start <= 13  # twelve days, not a year
    assert level.yaxis.get_offset_text().get_text() == ""
    # Export: both runs, every day so far, CSV and Parquet alike.
    frame = run_frame(model)
    assert frame.groupby("run")["day"].max().to_dict() == {"with interventions": 11,
                                                          "baseline": 11}  # fmt: skip
    import io

    import pandas as pd

    csv = pd.read_csv(io.BytesIO(export_bytes(model, "csv")))
    parquet = pd.read_parquet(io.BytesIO(export_bytes(model, "parquet")))
    assert len(csv) == len(parquet) == 24
    np.testing.assert_allclose(csv["cost_total_cny"], parquet["cost_total_cny"])


def test_no_baseline_without_interventions_or_when_switched_off():
    assert DashboardModel(source=str(TINY), seed=0).baseline is None
    off = DashboardModel(source=str(TINY), seed=0, compare=False,
                         **{"on:micro_fire_stations": True})  # fmt: skip
    assert off.baseline is None and off.interventions == ["micro_fire_stations"]
