"""Calibration by simulated moments: recovering known parameters from data simulated with them."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import load_experiment, run_experiment
from vicinity_sim.experiment.calibrate import calibrate, simulated_moments
from vicinity_sim.experiment.spec import Target

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.toml"
OUTCOMES = ["trust_institutional", "participation_rate"]
# Two parameters, each moving one of the outcomes strongly: the share of institutional trust
# that follows experience (trust falls from ~0.455 to ~0.42 over 0.1–0.9) and the baseline
# log-odds of participating (participation ~0.01 at −4, ~0.56 at 0).
TRUTH = {"governance.experience_weight": 0.5, "participation.intercept": -1.5}
RANGES = {"governance.experience_weight": (0.05, 0.95), "participation.intercept": (-4.0, 0.0)}
START = {"governance.experience_weight": 0.15, "participation.intercept": -2.5}
# Target sds: a few times the standard error over the 4 replications (~0.0014 and ~0.0008).
SD = {"trust_institutional": 0.003, "participation_rate": 0.005}


def experiment_toml(calibration: str = "") -> str:
    return f"""
name = "calibration_test"
base = "{TINY.as_posix()}"
replications = 4
seed = 0
outcomes = {json.dumps(OUTCOMES)}
set = ["run.days=200", "villages[0].plan.n_buildings=100",
       "villages[0].population.n_residents=1200"]

[[arms]]
name = "base"
{calibration}"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_calibration_recovers_the_parameters_that_simulated_the_data(tmp_path):
    # The "data": the experiment run at the true parameters.
    spec = load_experiment(write(tmp_path / "data.toml", experiment_toml()))
    truth = [f"{k}={v!r}" for k, v in TRUTH.items()]
    data = run_experiment(spec, tmp_path / "data", extra=truth, progress=False).summaries
    observed = data[data["arm"] == "base"][OUTCOMES].mean()

    table = "\n[calibration]\nmax_evaluations = 40\n"
    for key, (low, high) in RANGES.items():
        table += (f"[[calibration.parameters]]\nkey = {key!r}\nlow = {low!r}\nhigh = {high!r}\n"
                  f"start = {START[key]!r}\n")  # fmt: skip
    for outcome in OUTCOMES:
        table += (f"[[calibration.targets]]\noutcome = {outcome!r}\narm = 'base'\n"
                  f"value = {float(observed[outcome])!r}\nsd = {SD[outcome]!r}\n")  # fmt: skip
    spec = load_experiment(write(tmp_path / "calibrate.toml", experiment_toml(table)))

    result = calibrate(spec, tmp_path / "cal", progress=False)

    for key, true in TRUTH.items():
        se = result.standard_errors[key]
        assert math.isfinite(se) and se > 0, (key, se)
        assert abs(result.parameters[key] - true) < 2.5 * se, (key, result.parameters[key], se)
        # Informative: the start lay several standard errors from the truth.
        assert abs(START[key] - true) > 3 * se, (key, se)
    assert not result.singular
    assert result.objective < 0.5
    # Nelder–Mead may finish an iteration past max_evaluations; the Jacobian adds 2 per parameter.
    assert 1 <= result.evaluations <= 40 + 3 * len(TRUTH) + 2
    for m in result.moments:
        assert abs(m["simulated"] - m["value"]) < m["sd"], m
    saved = json.loads((tmp_path / "cal" / "calibration.json").read_text(encoding="utf-8"))
    assert saved["parameters"] == pytest.approx(result.parameters)
    assert saved["standard_errors"] == pytest.approx(result.standard_errors)
    assert len(saved["history"]) == result.evaluations


def test_calibration_needs_a_calibration_table(tmp_path):
    path = write(tmp_path / "plain.toml", experiment_toml())
    with pytest.raises(InputError) as err:
        calibrate(load_experiment(path), tmp_path / "cal", progress=False)
    assert err.value.key == "calibration" and err.value.source == str(path)


def test_moments_are_arm_means_and_paired_relative_changes():
    df = pd.DataFrame({
        "arm": ["a", "a", "a", "b", "b"],
        "sample": 0,
        "replication": [0, 1, 2, 0, 1],
        "x": [2.0, 4.0, 100.0, 1.0, 2.0],
    })  # fmt: skip
    targets = [
        Target(outcome="x", arm="b", value=0.0, sd=1.0),
        Target(outcome="x", arm="a", relative_to="b", value=0.0, sd=1.0),
    ]
    # Level: mean of b; relative: replications 0 and 1 only, (2 + 4)/(1 + 2) − 1.
    np.testing.assert_allclose(simulated_moments(df, targets), [1.5, 1.0])


def test_unidentified_parameter_is_flagged_with_an_infinite_standard_error():
    from vicinity_sim.experiment.calibrate import _covariance

    # The second parameter moves no target: JᵀWJ is singular.
    jac = np.array([[0.5, 0.0], [0.1, 0.0]])
    _, se, singular = _covariance(jac, np.array([0.01, 0.02]))
    assert singular and math.isfinite(se[0]) and se[0] > 0 and se[1] == math.inf
    _, se, singular = _covariance(np.eye(2), np.array([0.01, 0.02]))
    assert not singular and se == pytest.approx([0.01, 0.02])
