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
# Two parameters, each moving some outcomes strongly: the chance that an encounter with a
# stranger is positive (interpersonal trust ~0.43 at 0.2, ~0.58 at 0.8 in this village; trust
# in the other group and acquaintances follow) and the baseline log-odds of participating
# (participation ~0.01 at −4, ~0.5 at 0).
TRUTH = {"contacts.quality_stranger": 0.5, "participation.intercept": -1.5}
RANGES = {"contacts.quality_stranger": (0.05, 0.95), "participation.intercept": (-4.0, 0.0)}
START = {"contacts.quality_stranger": 0.2, "participation.intercept": -2.5}
# Over-identified: four fitted moments for two parameters (J on 2 degrees of freedom) and two
# held out, both moved by the first parameter.
FITTED = ["trust_interpersonal", "participation_rate", "trust_outgroup_local",
          "acquaintance_ties_mean"]  # fmt: skip
HELD_OUT = ["trust_outgroup_migrant", "trust_gap_local_migrant"]
OUTCOMES = FITTED + HELD_OUT
DATA_REPLICATIONS = 12  # the "observed" data: independent replications at the truth
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
    """A [calibration] table whose targets are the data's means, with the covariance of those
    means (the sampling error of the data, correlations included) as their covariance."""
    # Data and simulations come from the same process: each evaluation simulates
    # SIM_REPLICATIONS / DATA_REPLICATIONS data sets per observed one (the S of 1 + 1/S).
    table = (f"\n[calibration]\nmax_evaluations = {max_evaluations}\n"
             f"simulation_draws = {SIM_REPLICATIONS / DATA_REPLICATIONS!r}\n")  # fmt: skip
    x = observed[OUTCOMES].to_numpy(float)
    cov = np.cov(x, rowvar=False) / len(x)
    table += f"covariance = {json.dumps(cov.tolist())}\n"
    for key, (low, high) in RANGES.items():
        table += (f"[[calibration.parameters]]\nkey = {key!r}\nlow = {low!r}\nhigh = {high!r}\n"
                  f"start = {START[key]!r}\n")  # fmt: skip
    for k, outcome in enumerate(OUTCOMES):
        table += (f"[[calibration.targets]]\noutcome = {outcome!r}\narm = 'base'\n"
                  f"value = {float(x[:, k].mean())!r}\n"
                  f"held_out = {str(outcome in HELD_OUT).lower()}\n"
                  "source = 'simulated at the truth'\n")  # fmt: skip
    return table


# The data are simulated at the truth from a seed the calibration never uses (so the data's
# streams are independent of the simulations'), as real data would be.
def test_overidentified_calibration_recovers_the_parameters_that_simulated_the_data(tmp_path):
    data_spec = load_experiment(write(tmp_path / "data.toml", experiment_toml(
        seed=101, replications=DATA_REPLICATIONS)))  # fmt: skip
    truth = [f"{k}={v!r}" for k, v in TRUTH.items()]
    data = run_experiment(data_spec, tmp_path / "data", extra=truth, progress=False).summaries
    observed = data[data["arm"] == "base"]
    assert len(observed) == DATA_REPLICATIONS

    text = experiment_toml(calibration_table(observed), replications=SIM_REPLICATIONS)
    spec = load_experiment(write(tmp_path / "calibrate.toml", text))
    result = calibrate(spec, tmp_path / "cal", progress=False)

    assert result.simulation_noise and result.replications == SIM_REPLICATIONS
    assert not result.singular
    assert (result.fitted_targets, result.held_out_targets) == (4, 2)
    assert result.weighting.startswith("efficient") and result.first_step
    for key, true in TRUTH.items():
        se = result.standard_errors[key]
        assert math.isfinite(se) and se > 0, (key, se)
        # The simulation noise of 4 replications adds to the data's 12: wider than data alone.
        assert se > result.standard_errors_data[key], key
        assert abs(result.parameters[key] - true) < 2.5 * se, (key, result.parameters[key], se)
        # Informative: the start lay several standard errors from the truth.
        assert abs(START[key] - true) > 3 * se, (key, se)
    # The model is correctly specified: J is computed on 4 − 2 degrees of freedom and the
    # restrictions are not rejected; the held-out moments agree with the model.
    jt = result.j_test
    assert jt["defined"] and jt["df"] == 2 and math.isfinite(jt["statistic"])
    assert jt["statistic"] >= 0 and not jt["rejected"], jt
    fitted = [m for m in result.moments if not m["held_out"]]
    held = [m for m in result.moments if m["held_out"]]
    assert [m["outcome"] for m in held] == HELD_OUT
    assert all(math.isfinite(m["t_ratio"]) for m in fitted)
    for m in held:
        lo, hi = m["model_interval"]
        assert lo < m["simulated"] < hi and m["consistent"], m
    # The weight S⁻¹ is efficient already (Ω = (1 + 1/S)·S): one step, which may finish an
    # iteration past its budget; the Jacobian adds 2 per parameter.
    assert 1 <= result.evaluations <= 30 + len(TRUTH) + 1 + 2 * len(TRUTH)
    saved = json.loads((tmp_path / "cal" / "calibration.json").read_text(encoding="utf-8"))
    assert saved["parameters"] == pytest.approx(result.parameters)
    assert saved["standard_errors"] == pytest.approx(result.standard_errors)
    assert saved["j_test"]["df"] == 2 and len(saved["history"]) == result.evaluations
    report = (tmp_path / "cal" / "report.md").read_text(encoding="utf-8")
    assert all(f"`{key}`" in report for key in TRUTH) and "## Fit" in report
    assert "J = " in report and "## Held-out checks" in report
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


def small_calibration(targets: list[tuple[str, float, float, bool]], max_evaluations: int,
                      refine: int) -> str:  # fmt: skip
    """A one-parameter calibration of a very small village (targets: outcome, value, sd,
    held out)."""
    table = (f"\n[calibration]\nmax_evaluations = {max_evaluations}\n"
             f"refine_evaluations = {refine}\n[[calibration.parameters]]\n"
             "key = 'contacts.quality_stranger'\nlow = 0.05\nhigh = 0.95\n"
             "start = 0.3\n")  # fmt: skip
    for outcome, value, sd, held in targets:
        table += (f"[[calibration.targets]]\noutcome = {outcome!r}\narm = 'base'\n"
                  f"value = {value!r}\nsd = {sd!r}\nheld_out = {str(held).lower()}\n")  # fmt: skip
    return f"""
name = "small"
base = "{TINY.as_posix()}"
replications = 3
outcomes = {json.dumps(OUTCOMES)}
set = ["run.days=60", "villages[0].plan.n_buildings=40",
       "villages[0].population.n_residents=400"]
[[arms]]
name = "base"
{table}"""


def test_two_step_weighting_and_exactly_identified_reports(tmp_path):
    """Over-identified with the jackknife noise: a second step with W = (S + Σ_sim)⁻¹ and a J
    statistic; exactly identified: one step and the report says J is not defined."""
    over = [("trust_interpersonal", 0.5, 0.01, False), ("trust_outgroup_local", 0.46, 0.01, False),
            ("trust_outgroup_migrant", 0.36, 0.01, True)]  # fmt: skip
    spec = load_experiment(write(tmp_path / "over.toml", small_calibration(over, 6, 4)))
    result = calibrate(spec, tmp_path / "over", progress=False)
    steps = {h["step"] for h in result.history}
    assert steps == {1, 2} and result.weighting == "efficient (two-step)"
    sim = np.array(result.simulation_covariance)[:2, :2]
    # The final weight is (S + Σ_sim(θ̂₁))⁻¹, not S⁻¹: it counts the simulation noise.
    assert np.all(np.linalg.eigvalsh(np.linalg.inv(result.weight)
                                     - np.diag([0.01**2, 0.01**2])) > 0)  # fmt: skip
    assert np.all(np.isfinite(sim))
    jt = result.j_test
    assert jt["defined"] and jt["df"] == 1 and 0 <= jt["p_value"] <= 1
    assert jt["statistic"] == pytest.approx(result.objective)  # J = Q at the efficient weight
    held = result.moments[2]
    assert held["held_out"] and math.isfinite(held["z"]) and "t_ratio" not in held

    exact = [("trust_interpersonal", 0.5, 0.01, False)]
    spec = load_experiment(write(tmp_path / "exact.toml", small_calibration(exact, 4, 4)))
    result = calibrate(spec, tmp_path / "exact", progress=False)
    assert {h["step"] for h in result.history} == {1}
    assert not result.j_test["defined"] and result.j_test["df"] == 0
    report = (tmp_path / "exact" / "report.md").read_text(encoding="utf-8")
    assert "exactly identified" in report and "J is not defined" in report
