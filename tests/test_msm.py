"""The statistics of the method of simulated moments on a linear surrogate: the J-test's size
and power, standard errors and held-out checks, and the calibration table's checks."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import load_experiment, msm
from vicinity_sim.experiment.calibrate import simulated_moments
from vicinity_sim.experiment.spec import Calibration, Target

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.toml"

# A linear surrogate m(θ) = G θ + e_sim of 6 moments (4 fitted, 2 held out) in 2 parameters;
# targets t = G θ₀ + e_data. Data and simulation noise are correlated across moments.
G = np.array([[1.0, 0.2], [0.3, 1.0], [0.8, -0.4], [0.1, 0.6], [0.5, 0.5], [-0.7, 0.3]])
THETA0 = np.array([0.4, -0.2])
FIT = np.array([True, True, True, True, False, False])
SD = np.array([0.05, 0.04, 0.06, 0.05, 0.05, 0.04])
CORR = 0.3 * np.ones((6, 6)) + 0.7 * np.eye(6)
S = CORR * np.outer(SD, SD)  # data covariance
SIM = S / 4  # four simulated data sets per observed one: Ω = (1 + 1/4) S
DRAWS = 3000


def surrogate_fits(rng, weight_kind: str, shift: np.ndarray | None = None):
    """Fit the surrogate to DRAWS data sets; yield (residual over all, θ̂, W, Ω_all)."""
    omega = S + SIM
    ff = np.ix_(FIT, FIT)
    w = np.linalg.inv(omega[ff]) if weight_kind == "efficient" else np.diag(1 / SD[FIT] ** 2)
    gf = G[FIT]
    b = np.linalg.solve(gf.T @ w @ gf, gf.T @ w)
    e_data = rng.multivariate_normal(np.zeros(6), S, size=DRAWS)
    e_sim = rng.multivariate_normal(np.zeros(6), SIM, size=DRAWS)
    targets = G @ THETA0 + e_data + (0 if shift is None else shift)
    for t, es in zip(targets, e_sim, strict=True):
        # Common random numbers: the same simulation error at every θ; the fit is linear.
        theta = b @ (t[FIT] - es[FIT])
        yield G @ theta + es - t, theta, w, omega


@pytest.mark.parametrize("weight_kind", ["efficient", "diagonal"])
def test_j_statistic_is_chi_square_under_a_correct_model(weight_kind):
    rng = np.random.default_rng(7)
    stats = []
    for r, _, w, omega in surrogate_fits(rng, weight_kind):
        jt = msm.j_test(r[FIT], G[FIT], w, omega[np.ix_(FIT, FIT)],
                        efficient=weight_kind == "efficient")  # fmt: skip
        assert jt.defined and jt.df == 2
        stats.append((jt.statistic, jt.rejected))
    j, rejected = np.array(stats).T
    # χ²(2): mean 2, P(J > 5.99) = 5%; 3,000 draws give a binomial sd of 0.4 points.
    assert j.mean() == pytest.approx(2.0, abs=0.15)
    assert 0.038 < rejected.mean() < 0.062


def test_j_test_rejects_a_misspecified_model():
    """A target the model cannot reach (one fitted moment off by 3 of its sds) is rejected."""
    rng = np.random.default_rng(8)
    shift = np.zeros(6)
    shift[2] = 3 * SD[2]
    rejected = [msm.j_test(r[FIT], G[FIT], w, omega[np.ix_(FIT, FIT)], True).rejected
                for r, _, w, omega in surrogate_fits(rng, "efficient", shift)]  # fmt: skip
    assert np.mean(rejected) > 0.5
    # A single fit far off is rejected with a tiny p-value and says so.
    shift[2] = 10 * SD[2]
    r, _, w, omega = next(surrogate_fits(np.random.default_rng(9), "efficient", shift))
    jt = msm.j_test(r[FIT], G[FIT], w, omega[np.ix_(FIT, FIT)], True)
    assert jt.rejected and jt.p_value < 1e-3 and "rejected" in jt.message


def test_exactly_identified_fit_has_no_j_statistic():
    jt = msm.j_test(np.zeros(2), G[:2], np.eye(2), np.eye(2), True)
    assert not jt.defined and jt.df == 0 and math.isnan(jt.statistic)
    assert "exactly identified" in jt.message and "not defined" in jt.message


@pytest.mark.parametrize("weight_kind", ["efficient", "diagonal"])
def test_standard_errors_and_held_out_checks_have_their_nominal_coverage(weight_kind):
    rng = np.random.default_rng(10)
    fits = list(surrogate_fits(rng, weight_kind))
    _, _, w, omega = fits[0]
    cov, se, singular = msm.sandwich(G[FIT], w, omega[np.ix_(FIT, FIT)])
    assert not singular
    thetas = np.array([f[1] for f in fits])
    np.testing.assert_allclose(thetas.std(axis=0), se, rtol=0.05)
    if weight_kind == "efficient":  # the sandwich reduces to (GᵀΩ⁻¹G)⁻¹
        np.testing.assert_allclose(cov, np.linalg.inv(G[FIT].T @ w @ G[FIT]), rtol=1e-10)
    # Held-out z-scores are standard normal: 95% inside ±1.96.
    consistent = []
    for r, _, w, omega in fits:
        checks = msm.held_out_checks(r, G, FIT, w, omega, SIM, cov)
        assert len(checks) == 2
        consistent += [c["consistent"] for c in checks]
    assert 0.935 < np.mean(consistent) < 0.965


def test_held_out_check_flags_a_moment_the_model_misses():
    shift = np.zeros(6)
    shift[4] = 6 * SD[4]
    r, _, w, omega = next(surrogate_fits(np.random.default_rng(11), "efficient", shift))
    cov, _, _ = msm.sandwich(G[FIT], w, omega[np.ix_(FIT, FIT)])
    checks = msm.held_out_checks(r, G, FIT, w, omega, SIM, cov)
    assert not checks[0]["consistent"] and checks[0]["z"] < -3
    # The model's own interval excludes the target's error: narrower than the difference's.
    assert checks[0]["model_sd"] < checks[0]["difference_sd"]


def test_rate_targets_divide_the_means_of_the_same_runs():
    df = pd.DataFrame({"arm": "a", "sample": 0, "replication": [0, 1, 2],
                       "x": [2.0, 4.0, np.nan], "n": [100.0, 300.0, 50.0]})  # fmt: skip
    t = Target(outcome="x", arm="a", per="n", scale=1000.0, value=0.0, sd=1.0)
    # Replication 2 has no x: the rate is over replications 0 and 1, 1000 · 3 / 200.
    np.testing.assert_allclose(simulated_moments(df, [t]), [15.0])


def test_targets_take_a_variance_or_a_covariance_matrix():
    t = Target(outcome="x", arm="a", value=1.0, variance=0.04)
    assert t.sd == pytest.approx(0.2)
    with pytest.raises(ValueError, match="sd or variance"):
        Target(outcome="x", arm="a", value=1.0, sd=0.2, variance=0.04)
    cal = Calibration.model_validate({
        "parameters": [{"key": "k", "low": 0.0, "high": 1.0}],
        "targets": [{"outcome": "x", "arm": "a", "value": 1.0},
                    {"outcome": "y", "arm": "a", "value": 2.0}],
        "covariance": [[0.04, 0.01], [0.01, 0.09]],
    })  # fmt: skip
    assert [t.sd for t in cal.targets] == pytest.approx([0.2, 0.3])
    with pytest.raises(ValueError, match="positive definite"):
        Calibration.model_validate({
            "parameters": [{"key": "k", "low": 0.0, "high": 1.0}],
            "targets": [{"outcome": "x", "arm": "a", "value": 1.0},
                        {"outcome": "y", "arm": "a", "value": 2.0}],
            "covariance": [[0.04, 0.1], [0.1, 0.09]],
        })  # fmt: skip


def calibration_file(tmp_path: Path, targets: list[dict], params: int = 2,
                     method: str = "msm") -> Path:  # fmt: skip
    keys = ["contacts.quality_stranger", "participation.intercept", "fire.trap_floor"][:params]
    text = (f'base = "{TINY.as_posix()}"\noutcomes = ["trust_interpersonal"]\n'
            f'[[arms]]\nname = "a"\n[calibration]\nmethod = "{method}"\n')  # fmt: skip
    for k in keys:
        text += f'[[calibration.parameters]]\nkey = "{k}"\nlow = -1.0\nhigh = 1.0\n'
    for t in targets:
        text += "[[calibration.targets]]\n" + "".join(
            f"{k} = {json.dumps(v)}\n" for k, v in {"arm": "a", "value": 0.5, "sd": 0.1,
                                                   **t}.items())  # fmt: skip
    path = tmp_path / "cal.toml"
    path.write_text(text, encoding="utf-8")
    return path


T = {"outcome": "trust_interpersonal"}
P = {"outcome": "participation_rate"}


@pytest.mark.parametrize(("targets", "params", "method", "key", "problem"), [
    ([T], 2, "msm", "calibration.targets", "1 fitted target(s) for 2 parameters"),
    ([T, {**P, "held_out": True}], 2, "msm", "calibration.targets",
     "1 held-out target(s) leave 1 fitted for 2 parameters"),
    ([T, {**P, "per": "residents_finall"}], 1, "msm", "calibration.targets[1].per",
     "unknown outcome"),
    ([T, {**P, "held_out": True}], 1, "history_matching", "calibration.targets[1].held_out",
     'method = "msm" only'),
], ids=["too-few-targets", "held-out-under-identifies", "unknown-per", "held-out-hm"])  # fmt: skip
def test_bad_calibration_tables_are_one_line_errors(tmp_path, targets, params, method, key,
                                                    problem):  # fmt: skip
    path = calibration_file(tmp_path, targets, params, method)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert err.value.key == key and problem in str(err.value), str(err.value)


def test_cli_refuses_an_under_identified_calibration_with_exit_code_2(tmp_path, capsys):
    from vicinity_sim.cli import main

    path = calibration_file(tmp_path, [T, {**P, "held_out": True}])
    out = tmp_path / "out"
    rc = main(["calibrate", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "under-identified" in err and str(path) in err and not out.exists()
