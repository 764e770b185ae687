"""Exactness of the reference engine's hazard mechanisms: weather, charging, fire, flood and
structure (``vicinity_sim/reference/processes/``) against the fast engine, in lockstep.

The scenarios raise the hazards well above their calibrated values so that a short run of a
small two-village world has fires that spread and kill, collapses, floods and charging moves;
the program's safety measures are rolled out quickly so that their levers (sensors, platform,
sprinklers, windows, micro stations, fire lanes, charging sites, repairs, drainage) take part.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import scenario_from_dict, village

from vicinity_sim.model import VicinityModel
from vicinity_sim.reference import ReferenceModel
from vicinity_sim.reference.lockstep import lockstep, only

HAZARDS = ["weather", "interventions", "charging", "fire", "flood", "structure"]


def hazard_scenario(
    days: int, program: bool = True, fire_rate: float = 0.02, size: tuple[int, int] = (200, 1200)
):
    """Two small villages with raised hazards; the safety program rolled out in 120 days.

    Args:
        days: Length of the run.
        program: Roll out the safety program.
        fire_rate: Fires per household and year (e-bikes: half; 三合一: five times, at most 1).
        size: Buildings and residents of each village.
    """
    ramp = {"start_day": 0, "ramp_days": 120}
    interventions = [
        {"kind": "fire_retrofit", "name": "sensors", "sensors": True, "sprinklers": False,
         "escape_windows": False, "coverage": 0.6, **ramp},
        {"kind": "fire_retrofit", "name": "sprinklers", "sensors": False, "sprinklers": True,
         "escape_windows": True, "coverage": 0.4, **ramp},
        {"kind": "micro_fire_stations", "quantity": 2, **ramp},
        {"kind": "ebike_charging_sites", "quantity": 4, "capacity": 40, **ramp},
        {"kind": "dangerous_building_repair", "quantity": 3, **ramp},
        {"kind": "waterlogging_fix", "quantity": 2, **ramp},
        {"kind": "fire_lanes", "coverage": 0.5, **ramp},
        {"kind": "smart_platform", "start_day": 60, "ramp_days": 0},
    ] if program else []  # fmt: skip
    data = village(
        days, *size,
        fire={"ignition_per_household_year": fire_rate,
              "ignition_per_indoor_ebike_year": fire_rate / 2,
              "ignition_per_three_in_one_year": min(fire_rate * 5, 1.0),
              "lethality_trapped": 0.1, "injury_per_trapped": 0.05,
              "max_spread_separation_m": 12.0},
        structure={"collapse_per_dangerous_year": 1.0, "death_probability": 0.3},
        weather={"heavy_rain_days_per_month": [2.0] * 12, "wind_median_ms": 8.0},
        interventions=interventions,
    )  # fmt: skip
    spec = data["villages"][0]
    spec["plan"].update({"dangerous_share": 0.1, "n_flood_points": 6})
    data["villages"] = [dict(spec, name=f"v{i}") for i in range(2)]
    return scenario_from_dict(data)


def total(res, name: str) -> float:
    return float(np.nansum(res.fast.datacollector.column(name)[: res.days]))


@pytest.mark.parametrize("seed", [0, 1])
def test_hazards_with_program_agree(seed):
    res = lockstep(only(hazard_scenario(250), HAZARDS), seed, 250)
    assert res.day is None, res.differences[:5]
    for name in ("heavy_rain_villages", "charging_moves", "fires", "fire_deaths_expected",
                 "flooded_points", "flood_exposed_resident_days", "collapses",
                 "collapse_deaths"):  # fmt: skip
        assert total(res, name) > 0, name
    assert total(res, "fire_deaths") + total(res, "fire_injuries") > 0
    assert total(res, "buildings_damaged") > total(res, "fires")  # fire spread
    fast, ref = res.fast.process("fire").event_table(), res.reference.process("fire").event_table()
    assert fast.keys() == ref.keys()
    for name in fast:
        assert fast[name].dtype == ref[name].dtype, name
        np.testing.assert_array_equal(fast[name], ref[name], err_msg=name)


def test_hazards_without_program_agree():
    res = lockstep(only(hazard_scenario(200, program=False), HAZARDS), 2, 200)
    assert res.day is None, res.differences[:5]
    assert total(res, "fires") > 0 and total(res, "collapses") > 0
    assert total(res, "charging_moves") == 0  # no sites


DAYS = 15


def test_many_fires_a_day_agree():
    """Dozens of fires a day: fires reaching another fire's origin, event indices of
    ``world.fires_today`` and numpy's pairwise sums of the daily metrics."""
    sc = hazard_scenario(DAYS, fire_rate=1.0, size=(600, 6000))
    sc = only(sc, ["weather", "interventions", "fire"])
    fast, ref = VicinityModel(sc, rng=5), ReferenceModel(sc, rng=5)
    skipped = 0
    for day in range(DAYS):
        fast.step()
        ref.step()
        a, b = fast.world.fires_today, ref.world.fires_today
        for name in ("building", "event", "response_min"):
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y, err_msg=f"day {day} fires_today.{name}")
        skipped += len(set(a.event)) < (a.event.max() + 1 if len(a.event) else 0)
        for name in ref.metric_names:
            np.testing.assert_array_equal(
                fast.datacollector.column(name)[day],
                ref.datacollector.model_vars[name][day],
                err_msg=f"day {day} {name}",
            )
    np.testing.assert_array_equal(fast.world.buildings.damage, ref.world.buildings.damage)
    assert max(fast.datacollector.column("fires")[:DAYS]) >= 8
    assert skipped > 0  # some origin was burned earlier the same day
    fast_ev, ref_ev = fast.process("fire").event_table(), ref.process("fire").event_table()
    for name in fast_ev:
        np.testing.assert_array_equal(fast_ev[name], ref_ev[name], err_msg=name)


def test_existing_facilities_agree():
    """Villages that start with stations, charging sites and sensors (no program)."""
    sc = hazard_scenario(150, program=False)
    facilities = {"micro_stations": 2, "charging_sites": 3, "smoke_sensor_share": 0.4}
    villages = [v.model_copy(update={"facilities": v.facilities.model_copy(update=facilities)})
                for v in sc.villages]  # fmt: skip
    sc = sc.model_copy(update={"villages": villages})
    res = lockstep(only(sc, HAZARDS), 3, 150)
    assert res.day is None, res.differences[:5]
    assert total(res, "fires") > 0 and total(res, "charging_moves") > 0
    assert res.fast.world.stations.active.sum() == 4 and res.fast.world.buildings.smoke_sensor.any()
