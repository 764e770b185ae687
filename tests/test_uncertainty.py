"""The uncertainty machinery on cheap toys: priors, Morris screening, history matching (with a
simulation-based calibration check), PRIM, and the ensemble's variance decomposition."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vicinity_sim.errors import InputError
from vicinity_sim.experiment.priors import (
    Prior,
    all_priors,
    expand,
    find_prior,
    prior_of,
    template_of,
)
from vicinity_sim.params import ParamModel, param

# -- priors --------------------------------------------------------------------------------


class _Toy(ParamModel):
    share: float = param(0.6, unit="1", ge=0.0, le=1.0, doc="d", source="assumption")
    rate: float = param(2.0, unit="1/day", gt=0.0, le=3.0, doc="d", source="assumption: x")
    wide: float = param(0.1, unit="1", ge=0.0, le=1.0, range=(0.01, 0.5), doc="d",
                        source="assumption")  # fmt: skip
    sourced: float = param(5.0, unit="m", ge=0.0, le=10.0, doc="d", source="Someone 2020")
    sourced_range: float = param(5.0, unit="m", ge=0.0, le=10.0, range=(4.0, 6.0), doc="d",
                                 source="Someone 2020 (95% CI 4–6)")  # fmt: skip
    count: int = param(10, unit="persons", ge=1, le=100, doc="d", source="assumption")
    switch: bool = param(True, unit="bool", doc="d", source="assumption")
    absent: float = param(0.0, unit="1", ge=0.0, le=1.0, doc="d", source="assumption")
    off: float | None = param(None, unit="1", ge=0.0, le=1.0, doc="d", source="assumption")
    pinned: float = param(0.5, unit="1", ge=0.0, le=1.0, prior="fixed", doc="d",
                          source="assumption")  # fmt: skip
    negative: float = param(-2.0, unit="1", ge=-20.0, le=20.0, doc="d", source="assumption")


def _prior(name: str, **kw: object) -> Prior:
    return prior_of(_Toy.model_fields[name], name, **kw)


def test_prior_rules_derive_ranges_and_kinds_from_declarations() -> None:
    share = _prior("share")
    assert (share.kind, share.low, share.high) == ("uniform", 0.3, pytest.approx(0.9))  # ± 50%
    rate = _prior("rate")  # clipped to the bound 3.0
    assert (rate.kind, rate.low, rate.high) == ("uniform", 1.0, 3.0)
    wide = _prior("wide")  # a declared range spanning a decade: log-uniform
    assert (wide.kind, wide.low, wide.high, wide.origin) == ("loguniform", 0.01, 0.5,
                                                             "declared")  # fmt: skip
    neg = _prior("negative")
    assert (neg.low, neg.high) == (-3.0, -1.0)
    assert _prior("sourced_range").uncertain  # a source with an interval
    for name, why in [("sourced", "sourced"), ("count", "integer"), ("switch", "a setting"),
                      ("absent", "absent by default"), ("off", "off by default"),
                      ("pinned", "declared")]:  # fmt: skip
        p = _prior(name)
        assert (p.kind, p.origin) == ("fixed", why), name
    assert _prior("share", policy=True).kind == "fixed"
    # The prior's quantile function and its inverse.
    u = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(wide.cdf(wide.ppf(u)), u)
    np.testing.assert_allclose(wide.ppf(0.5), math.sqrt(0.01 * 0.5))


def test_param_rejects_a_bad_prior() -> None:
    with pytest.raises(ValueError, match="prior must be one of"):
        param(1.0, unit="1", doc="d", source="s", prior="normal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low < high"):
        param(1.0, unit="1", doc="d", source="s", range=(2.0, 1.0))
    with pytest.raises(ValueError, match="positive range"):
        param(1.0, unit="1", doc="d", source="s", range=(0.0, 1.0), prior="loguniform")


def test_every_scenario_parameter_has_a_prior_within_its_bounds() -> None:
    from vicinity_sim.scenario import load_scenario

    priors = all_priors()
    keys = [p.key for p in priors]
    assert len(keys) == len(set(keys))
    uncertain = [p for p in priors if p.uncertain]
    assert len(uncertain) > 100
    # Run settings and counts are fixed; village keys stand for every village.
    assert not find_prior("run.days").uncertain
    assert not find_prior("villages[0].plan.n_buildings").uncertain
    assert find_prior("villages[weili].plan.old_wiring_share").key == (
        "villages[*].plan.old_wiring_share"
    )
    assert template_of("villages[3].plan.x") == "villages[*].plan.x"
    assert expand("villages[*].plan.x", 2) == ["villages[0].plan.x", "villages[1].plan.x"]
    # Every end of every range is a valid value (the scenario loader accepts it).
    lows = [f"{k}={p.low!r}" for p in uncertain for k in expand(p.key, 1)]
    highs = [f"{k}={p.high!r}" for p in uncertain for k in expand(p.key, 1)]
    load_scenario("scenarios/tiny.toml", lows)
    load_scenario("scenarios/tiny.toml", highs)


# -- Morris screening ----------------------------------------------------------------------


def sobol_g(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Sobol's G function: input i matters less the larger a_i."""
    return np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)


def test_morris_ranks_the_inputs_of_the_sobol_g_function() -> None:
    from vicinity_sim.experiment.screen import morris_design, morris_indices

    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
    priors = [Prior(f"x{i}", "uniform", 0.0, 1.0, 0.5, "1", "test") for i in range(len(a))]
    problem, unit = morris_design(priors, trajectories=20, levels=4, seed=3)
    assert unit.shape == (20 * (len(a) + 1), len(a))
    table = morris_indices(problem, unit, sobol_g(unit, a), levels=4, seed=3)
    assert list(table["parameter"][:4]) == ["x0", "x1", "x2", "x3"]
    assert set(table["parameter"][4:]) == {"x4", "x5"}
    top = table.set_index("parameter")
    assert top.loc["x4", "mu_star"] < 0.05 * top.loc["x0", "mu_star"]
    # Screening in groups: the group of the two important inputs comes first.
    grouped = [Prior(p.key, p.kind, 0.0, 1.0, 0.5, "1", "t", "big" if i < 2 else "small")
               for i, p in enumerate(priors)]  # fmt: skip
    problem, unit = morris_design(grouped, trajectories=20, levels=4, seed=3, groups=True)
    assert unit.shape == (20 * 3, len(a))
    table = morris_indices(problem, unit, sobol_g(unit, a), levels=4, seed=3)
    assert list(table["parameter"]) == ["big", "small"]


# -- history matching ----------------------------------------------------------------------


def _toy(theta: np.ndarray) -> np.ndarray:
    a, b = theta[:, 0], theta[:, 1]
    return np.column_stack([a + 0.2 * np.log(b), np.log(b) - 0.5 * a**2])


def _noisy(f, sd_sim: float, seed: int):
    rng = np.random.default_rng(seed)

    def simulate(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = f(theta)
        return m + rng.normal(0, sd_sim, m.shape), np.full(m.shape, sd_sim**2)

    return simulate


TOY_PRIORS = [Prior("a", "uniform", 0.0, 1.0, 0.5, "1", "t"),
              Prior("b", "loguniform", 0.1, 10.0, 1.0, "1", "t")]  # fmt: skip


def test_history_matching_recovers_the_parameters_of_a_toy_simulator() -> None:
    from vicinity_sim.experiment.history_matching import history_match

    truth = np.array([[0.3, 2.0]])
    sd = np.array([0.02, 0.02])
    match = history_match(_noisy(_toy, 0.005, 1), TOY_PRIORS, _toy(truth)[0], sd, waves=3,
                          points_per_wave=15, candidates=3000, posterior_samples=500,
                          seed=1, restarts=1)  # fmt: skip
    assert len(match.waves) == 3 and match.nroy_share[-1] < 0.05
    assert match.nroy_share[-1] <= match.nroy_share[0]
    post = match.posterior
    assert post.shape == (500, 2)
    np.testing.assert_allclose(np.median(post, axis=0), truth[0], rtol=0.1)
    lo, hi = np.quantile(post, [0.05, 0.95], axis=0)
    assert np.all(lo <= truth[0]) and np.all(truth[0] <= hi)
    assert hi[0] - lo[0] < 0.2  # the prior's 90% range is 0.9
    # Every non-implausible draw lies in the prior's support.
    assert np.all((match.nroy[:, 0] >= 0) & (match.nroy[:, 0] <= 1))
    assert np.all((match.nroy[:, 1] >= 0.1) & (match.nroy[:, 1] <= 10))
    # The sample is in random order, so its first rows (``--sets K``) are a sample too: they
    # are not the first candidates of the ensemble, as resampling alone would leave them.
    rows = [int(np.flatnonzero((match.nroy == p).all(axis=1))[0]) for p in post[:50]]
    assert np.any(np.diff(rows) < 0)
    assert len(set(rows)) > 0.5 * len(rows)


def test_history_matching_reports_targets_out_of_reach() -> None:
    from vicinity_sim.experiment.history_matching import history_match

    match = history_match(_noisy(_toy, 0.005, 2), TOY_PRIORS, np.array([10.0, 10.0]),
                          np.array([0.01, 0.01]), waves=3, points_per_wave=12,
                          candidates=2000, seed=2)  # fmt: skip
    assert len(match.nroy) == 0 and len(match.posterior) == 0
    assert "implausible" in match.message and len(match.waves) == 1


def test_posterior_intervals_are_calibrated_on_a_toy() -> None:
    """Simulation-based calibration: truths drawn from the prior, data from the truth plus the
    targets' error; the posterior's 90% intervals must cover the truth in 85–95% of the data
    sets. With 150 data sets the coverage of a calibrated posterior has a standard error of
    2.4 points, so the band is ±2 standard errors: a posterior 8% too narrow or too wide
    (coverage below 0.85 or above 0.95) fails."""
    from vicinity_sim.experiment.history_matching import history_match

    prior = [Prior("a", "uniform", 0.0, 1.0, 0.5, "1", "t")]

    def f(theta: np.ndarray) -> np.ndarray:
        return theta[:, :1] + 0.3 * theta[:, :1] ** 2

    sd = np.array([0.05])
    rng = np.random.default_rng(7)
    covered = []
    for i in range(150):
        truth = rng.random()
        data = f(np.array([[truth]]))[0] + rng.normal(0, sd)
        match = history_match(_noisy(f, 0.01, i), prior, data, sd, waves=2, points_per_wave=8,
                              candidates=2000, posterior_samples=1000, seed=i,
                              restarts=0)  # fmt: skip
        lo, hi = np.quantile(match.posterior[:, 0], [0.05, 0.95])
        covered.append(lo <= truth <= hi)
    assert 0.85 <= np.mean(covered) <= 0.95, np.mean(covered)


# -- PRIM ----------------------------------------------------------------------------------


def test_prim_recovers_a_known_box() -> None:
    from vicinity_sim.experiment.discover import cart_boxes, prim_boxes

    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.random((1000, 5)), columns=[f"p{i}" for i in range(5)])
    inside = (x.p0.between(0.2, 0.6)) & (x.p3.between(0.5, 0.9))
    boxes = prim_boxes(x, inside.to_numpy(), boxes=1, min_density=0.9)
    box = boxes[0]
    assert box.coverage >= 0.9 and box.density >= 0.9
    assert set(box.limits) == {"p0", "p3"}
    np.testing.assert_allclose(box.limits["p0"], (0.2, 0.6), atol=0.05)
    np.testing.assert_allclose(box.limits["p3"], (0.5, 0.9), atol=0.05)
    assert box.trajectory is not None and box.trajectory["coverage"].iloc[0] == 1.0
    # CART finds the same region as its densest leaf.
    leaf = cart_boxes(x, inside.to_numpy())[0]
    assert leaf.density >= 0.9 and leaf.coverage >= 0.8
    assert set(leaf.limits) == {"p0", "p3"}


# -- ensembles -----------------------------------------------------------------------------


def _ensemble_frame(k: int, r: int, param_sd: float, noise_sd: float, seed: int) -> pd.DataFrame:
    """Summaries of a reference and an arm whose paired effect is 1 + param + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(k):
        mu = 1.0 + rng.normal(0, param_sd)
        for rep in range(r):
            base = rng.normal(10, 3)  # shared by both arms (common random numbers)
            rows.append({"arm": "ref", "sample": s, "replication": rep, "y": base,
                         "cost_total_cny": 0.0})  # fmt: skip
            rows.append({"arm": "arm", "sample": s, "replication": rep,
                         "y": base + mu + rng.normal(0, noise_sd),
                         "cost_total_cny": 0.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_ensemble_splits_parameter_and_noise_uncertainty() -> None:
    from vicinity_sim.experiment.ensemble import ensemble_effects, robustness

    df = _ensemble_frame(k=400, r=5, param_sd=2.0, noise_sd=1.0, seed=3)
    row = ensemble_effects(df, ["y"], "ref", {"y": 1}).iloc[0]
    assert row["share_parameters"] == pytest.approx(0.8, abs=0.05)
    assert row["share_noise"] == pytest.approx(0.2, abs=0.05)
    assert row["total_sd"] == pytest.approx(math.sqrt(5), rel=0.08)
    # 1 + N(0, 5): P(effect > 0) = Φ(1/√5) ≈ 0.67 (± 0.05: the 400 sets' own spread); the
    # 95% range ≈ 1 ± 1.96·√5.
    assert row["p_intended_sign"] == pytest.approx(0.67, abs=0.06)
    assert row["total_low"] == pytest.approx(1 - 1.96 * math.sqrt(5), abs=0.4)
    assert row["total_high"] == pytest.approx(1 + 1.96 * math.sqrt(5), abs=0.4)
    # Without parameter uncertainty, all of it is noise.
    df0 = _ensemble_frame(k=400, r=5, param_sd=0.0, noise_sd=1.0, seed=4)
    assert ensemble_effects(df0, ["y"], "ref", {"y": -1}).iloc[0]["share_parameters"] < 0.05
    # Robustness: the arm beats the reference in every set where its mean effect is positive.
    rob = robustness(df, ["y"], "ref", {"y": 1}, {"y": 0.0}).set_index("arm")
    means = df.groupby(["arm", "sample"])["y"].mean().unstack(0)
    better = (means["arm"] > means["ref"]).mean()
    assert rob.loc["arm", "share_sets_meeting"] == pytest.approx(better)
    assert rob.loc["arm", "share_sets_best"] == pytest.approx(better)
    assert rob.loc["ref", "share_sets_best"] == pytest.approx(1 - better)
    regret = (means.max(axis=1) - means["arm"]).mean()
    assert rob.loc["arm", "regret_mean"] == pytest.approx(regret)
    rob2 = robustness(df, ["y"], "ref", {"y": 1}, {"y": 2.0}).set_index("arm")
    diff = means["arm"] - means["ref"]
    assert rob2.loc["arm", "share_sets_meeting"] == pytest.approx((diff >= 2.0).mean())


def test_parameter_set_table_is_checked(tmp_path) -> None:
    from vicinity_sim.experiment.ensemble import read_parameter_sets

    path = tmp_path / "p.parquet"
    pd.DataFrame({"fire.x": [1.0, np.nan]}).to_parquet(path)
    with pytest.raises(InputError, match="finite"):
        read_parameter_sets(path)
    pd.DataFrame({"fire.x": [1.0, 2.0]}).to_parquet(path)
    assert len(read_parameter_sets(path, 1)) == 1
    with pytest.raises(InputError, match="between 1 and 2"):
        read_parameter_sets(path, 3)
    with pytest.raises(InputError, match="file not found"):
        read_parameter_sets(tmp_path / "missing.parquet")


def test_abc_smc_concentrates_on_the_truth(tmp_path) -> None:
    from vicinity_sim.experiment.abc_smc import abc_smc

    prior = [Prior("a", "uniform", 0.0, 1.0, 0.5, "1", "t")]
    rng = np.random.default_rng(0)

    def simulate(theta: np.ndarray) -> np.ndarray:
        return np.array([theta[0] + 0.3 * theta[0] ** 2 + rng.normal(0, 0.005)])

    truth = 0.4
    post, gens = abc_smc(simulate, prior, np.array([truth + 0.3 * truth**2]), np.array([0.02]),
                         population=30, generations=3, posterior_samples=200, seed=0,
                         db=tmp_path / "abc.db")  # fmt: skip
    assert post.shape == (200, 1) and len(gens) == 3
    eps = [g["epsilon"] for g in gens]
    assert eps[2] < eps[1] < eps[0]
    lo, med, hi = np.quantile(post[:, 0], [0.05, 0.5, 0.95])
    assert abs(med - truth) < 0.05 and lo <= truth <= hi and hi - lo < 0.3
