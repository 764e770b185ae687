"""The calibrated program reproduces the seed's figures (docs/calibration.md).

These run the documented calibration experiment at full Weili size over paired
replications, with the tolerances written in the calibration record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, scenario

from vicinity_sim.experiment.runner import run_experiment
from vicinity_sim.experiment.spec import load_experiment
from vicinity_sim.model import VicinityModel
from vicinity_sim.runs import simulate

#: The fit these tests check predates the enterprise channel (projects on leased idle assets,
#: doorstep businesses, the wage trend): until it is rerun, they check nothing true.
pytestmark = pytest.mark.skip(
    reason="docs/calibration.md: pending refit of the seed's figures with the enterprise "
    "parameters (the old fixed revenue per project is gone)"
)

#: The seed's headline figures and the tolerances of docs/calibration.md.
COLLECTIVE, COLLECTIVE_TOL = 0.35, 0.05
INDIVIDUAL, INDIVIDUAL_TOL = 0.15, 0.03
JOBS_PER_PROJECT, JOBS_TOL = 1600 / 154, 0.05


@pytest.fixture(scope="module")
def calibration_effects(tmp_path_factory) -> pd.DataFrame:
    spec = load_experiment(ROOT / "experiments" / "seed_calibration.toml")
    spec = spec.model_copy(update={"replications": 4})
    out = tmp_path_factory.mktemp("seed_calibration")
    results = run_experiment(spec, out, workers=1, progress=False)
    return results.effects().set_index("outcome")


def test_program_hits_the_seeds_income_figures(calibration_effects):
    eff = calibration_effects
    assert eff.loc["income_collective", "n"] == 4
    assert abs(eff.loc["income_collective", "relative"] - COLLECTIVE) <= COLLECTIVE_TOL
    assert abs(eff.loc["income_local_mean", "relative"] - INDIVIDUAL) <= INDIVIDUAL_TOL
    # The effect is not one lucky replication: the whole paired interval is inside the band.
    base = eff.loc["income_local_mean", "reference_mean"]
    low, high = eff.loc["income_local_mean", ["ci_low", "ci_high"]] / base
    assert INDIVIDUAL - INDIVIDUAL_TOL <= low <= high <= INDIVIDUAL + INDIVIDUAL_TOL


def test_jobs_per_project_match_the_seed():
    sc = scenario("xiamen_program", "run.days=730")
    model = VicinityModel(sc, rng=0)
    projects = model.world.projects
    n_projects = int(np.count_nonzero(projects.village >= 0))
    assert n_projects >= 2
    result = simulate(sc, seed=0)
    per_project = result.summary["jobs_created"] / n_projects
    assert abs(per_project / JOBS_PER_PROJECT - 1) <= JOBS_TOL, per_project
