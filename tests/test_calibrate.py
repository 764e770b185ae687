"""Calibration by simulated moments: recovering known parameters from independent data
simulated with them."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import load_experiment, load_results, run_experiment
from vicinity_sim.experiment.calibrate import calibrate, simulated_moments
from vicinity_sim.experiment.spec import Target

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.toml"
OUTCOMES = ["trust_interpersonal", "participation_rate"]
# Two parameters, each moving one of the outcomes strongly: the chance that an encounter with a
# stranger is positive (interpersonal trust ~0.43 at 0.2, ~0.58 at 0.8 in this village) and
# the baseline log-odds of participating (participation ~0.01 at −4, ~0.5 at 0).
TRUTH = {"contacts.quality_stranger": 0.5, "participation.intercept": -1.5}
RANGES = {"contacts.quality_stranger": (0.05, 0.95), "participation.intercept": (-4.0, 0.0)}
START = {"contacts.quality_stranger": 0.2, "participation.intercept": -2.5}
DATA_REPLICATIONS = 8  # the "observed" data: independent replications at the truth
SIM_REPLICATIONS = 4  # replications per evaluation of the calibration


def experiment_toml(calibration: str = "", seed: int = 0, replications: int = 4) -> str:
    return f"""
name = "calibration_test"
base = "{TINY.as_posix()}"
replications = {replications}
seed = {seed}
outcomes = {json.dumps(OUTCOMES)}
set = ["run.days=120", "villages[0].plan.n_buildings=60",
       "villages[0].population.n_residents=700"]

[[arms]]
name = "base"
{calibration}"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def calibration_table(observed: pd.DataFrame, max_evaluations: int = 30) -> str:
    """A [calibration] table whose targets are the data's means, with their standard errors
    (the sampling error of the data) as sds."""
    table = f"\n[calibration]\nmax_evaluations = {max_evaluations}\n"
    for key, (low, high) in RANGES.items():
        table += (f"[[calibration.parameters]]\nkey = {key!r}\nlow = {low!r}\nhigh = {high!r}\n"
                  f"start = {START[key]!r}\n")  # fmt: skip
    for outcome in OUTCOMES:
        x = observed[outcome].to_numpy(float)
        sd = float(x.std(ddof=1) / math.sqrt(len(x)))
        table += (f"[[calibration.targets]]\noutcome = {outcome!r}\narm = 'base'\n"
                  f"value = {float(x.mean())!r}\nsd = {sd!r}\n")  # fmt: skip
    return table


# Two datasets, each simulated at the truth from seeds the calibration never uses (so the
# data's streams are independent of the simulations'), as real data would be.
@pytest.mark.parametrize("data_seed", [101, 202])
def test_calibration_recovers_the_parameters_that_simulated_the_data(tmp_path, data_seed):
    data_spec = load_experiment(write(tmp_path / "data.toml", experiment_toml(
        seed=data_seed, replications=DATA_REPLICATIONS)))  # fmt: skip
    truth = [f"{k}={v!r}" for k, v in TRUTH.items()]
    data = run_experiment(data_spec, tmp_path / "data", extra=truth, progress=False).summaries
    observed = data[data["arm"] == "base"]
    assert len(observed) == DATA_REPLICATIONS

    text = experiment_toml(calibration_table(observed), replications=SIM_REPLICATIONS)
    spec = load_experiment(write(tmp_path / "calibrate.toml", text))
    result = calibrate(spec, tmp_path / "cal", progress=False)

    assert result.simulation_noise and result.replications == SIM_REPLICATIONS
    assert not result.singular
    for key, true in TRUTH.items():
        se = result.standard_errors[key]
        assert math.isfinite(se) and se > 0, (key, se)
        # The simulation noise of 4 replications adds to the data's 8: wider than data alone.
        assert se > result.standard_errors_data[key], key
        assert abs(result.parameters[key] - true) < 2.5 * se, (key, result.parameters[key], se)
        # Informative: the start lay several standard errors from the truth.
        assert abs(START[key] - true) > 3 * se, (key, se)
    # Nelder–Mead may finish an iteration past max_evaluations; the Jacobian adds 2 per parameter.
    assert 1 <= result.evaluations <= 30 + 3 * len(TRUTH) + 2
    saved = json.loads((tmp_path / "cal" / "calibration.json").read_text(encoding="utf-8"))
    assert saved["parameters"] == pytest.approx(result.parameters)
    assert saved["standard_errors"] == pytest.approx(result.standard_errors)
    assert len(saved["history"]) == result.evaluations
    report = (tmp_path / "cal" / "report.md").read_text(encoding="utf-8")
    assert all(f"`{key}`" in report for key in TRUTH) and "## Fit" in report
    # Every evaluation is an experiment directory that load_results opens.
    first = load_results(tmp_path / "cal" / "evals" / "0000")
    assert len(first.summaries) == SIM_REPLICATIONS


def test_simulation_noise_term_is_the_msm_factor():
    """With Σ_sim = S·N/R (targets from N observations, R simulated replications), the
    covariance is (1 + N/R)·(JᵀWJ)⁻¹ (McFadden 1989; Pakes & Pollard 1989)."""
    from vicinity_sim.experiment.calibrate import _covariance

    jac = np.array([[0.5, 0.1], [0.2, -0.3], [0.05, 0.4]])
    sd = np.array([0.01, 0.02, 0.015])
    n, r = 8, 4
    data_only, _, _ = _covariance(jac, sd)
    both, se, singular = _covariance(jac, sd, np.diag(sd**2) * n / r)
    assert not singular
    np.testing.assert_allclose(both, (1 + n / r) * data_only, rtol=1e-10)
    np.testing.assert_allclose(se, np.sqrt(np.diag(both)))


def test_simulation_covariance_is_the_jackknife_over_replications():
    from vicinity_sim.experiment.calibrate import simulation_covariance

    x = np.array([1.0, 3.0, 2.0, 6.0])
    df = pd.DataFrame({"arm": "a", "sample": 0, "replication": range(4), "x": x})
    cov = simulation_covariance(df, [Target(outcome="x", arm="a", value=0.0, sd=1.0)])
    # For a mean the delete-one jackknife variance is the squared standard error.
    assert cov[0, 0] == pytest.approx(x.var(ddof=1) / len(x))
    one = simulation_covariance(df[df.replication == 0], [Target(outcome="x", arm="a",
                                                                  value=0.0, sd=1.0)])  # fmt: skip
    assert np.isnan(one).all()


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
