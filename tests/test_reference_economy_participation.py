"""Exactness of the reference participation, labour and collective processes (lockstep).

Each test steps the fast and the reference engine side by side with only the mechanism under
test (and the interventions that set its levers) switched on, and requires every state and
metric to agree bit for bit on every day. In the program scenario the measures these mechanisms
read (points, vanguard teams, village rules, Taiwan compatriots' measures, social organisations'
employment assistance, industrial projects) are rolled out within two months instead of years,
and a 2,500-resident village gets three projects, so the runs really exercise them.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from helpers import SCENARIOS

from vicinity_sim.reference.lockstep import LockstepResult, lockstep, only
from vicinity_sim.scenario import load_scenario

SMALL = ["villages[0].plan.n_buildings=240", "villages[0].population.n_residents=2500",
         "run.days=400"]  # fmt: skip
EARLY = "[[0, 0.5], [60, 1.0]]"
ROLLED_OUT = ("industrial_projects", "points_system", "social_org_services", "vanguard_teams",
              "village_rules", "cross_strait_participation")  # fmt: skip
FAST_ROLLOUT = [f"interventions[{kind}].schedule={EARLY}" for kind in ROLLED_OUT] + [
    "interventions[industrial_projects].quantity_per_10k=12"
]

PARTICIPATION = ["interventions", "participation", "observe"]
ECONOMY = ["interventions", "labour", "prices", "enterprise", "collective", "observe"]


@cache
def scenario(program: bool):
    if program:
        return load_scenario(SCENARIOS / "xiamen_program.toml", SMALL + FAST_ROLLOUT)
    return load_scenario(SCENARIOS / "baseline.toml", SMALL)


def run(program: bool, processes: list[str], seed: int, days: int) -> LockstepResult:
    res = lockstep(only(scenario(program), processes), seed, days)
    assert res.day is None, res.differences[:5]
    assert res.days == days
    return res


def total(res: LockstepResult, name: str) -> float:
    return float(np.nansum(res.fast.datacollector.column(name)[: res.days]))


@pytest.mark.parametrize("seed", [0, 3])
def test_participation_program(seed):
    """Weekly decisions with points, exemplars, rules and hazard reports, for 17 weeks."""
    res = run(True, PARTICIPATION, seed, 120)
    assert total(res, "points_awarded_cny") > 0
    assert total(res, "hazard_reports_persuaded") > 0
    assert total(res, "participation_rate") > 0
    assert res.fast.world.grids.vanguard.any()
    assert (res.fast.world.villages.rules_norm > 0).all()


def test_participation_baseline():
    res = run(False, PARTICIPATION, 1, 120)
    assert total(res, "points_awarded_cny") == 0
    assert total(res, "participation_rate") > 0


@pytest.mark.parametrize("seed", [0, 2])
def test_labour_collective_program(seed):
    """Monthly separations, job finding with employment assistance, project hiring and the
    collective's dividends, for five months."""
    res = run(True, ECONOMY, seed, 150)
    assert total(res, "project_hires") > 0
    assert total(res, "jobs_created") > 0
    assert total(res, "dividends_cny") > 0
    assert (res.fast.world.grids.social_org_tasks_per_day > 0).any()
    pr = res.fast.world.projects
    assert np.count_nonzero(pr.active & (pr.kind == 0)) == 3


def test_labour_collective_baseline():
    res = run(False, ECONOMY, 1, 150)
    assert total(res, "project_hires") == 0
    assert total(res, "dividends_cny") > 0
    assert 0 < res.fast.datacollector.column("employment_rate")[res.days - 1] < 1
