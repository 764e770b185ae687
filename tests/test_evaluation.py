"""The evaluator's lab: estimators on panels with known effects, and on simulated cities.

With one effect for every treated unit-period, the two-way fixed-effects difference-in-
differences and the Callaway–Sant'Anna estimator both recover it. With staggered adoption and
effects that grow with time since treatment, the two-way estimator is pulled far from the
average effect (Goodman-Bacon 2021) while Callaway–Sant'Anna is not (Callaway & Sant'Anna
2021). On a simulated city without interactions between villages the paired run gives the
true effect, the untreated villages' is exactly zero, and the difference-in-differences
estimates cover it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, accelerated, scenario, scenario_from_dict

from vicinity_sim.evaluation import (
    callaway_santanna,
    compare,
    compare_city,
    event_study,
    from_city,
    from_frame,
    group_time,
    twfe,
    without_program,
)
from vicinity_sim.evaluation.synthetic import staggered_panel
from vicinity_sim.evaluation.truth import true_att, true_effects
from vicinity_sim.runs import simulate

COHORTS = {4: 40, 10: 40, 15: 40}
SEEDS = range(4)


def homogeneous(g, e):
    return np.full(len(e), 2.0)


def growing(g, e):
    return 0.5 * (e + 1.0)


def test_with_one_effect_for_all_twfe_and_callaway_santanna_recover_it():
    for seed in SEEDS:
        panel, tau = staggered_panel(COHORTS, 20, 20, homogeneous, seed=seed)
        truth = true_att(panel, tau)
        assert truth == 2.0
        for est in (twfe(panel), callaway_santanna(panel, "notyet", n_boot=299).overall,
                    callaway_santanna(panel, "never", n_boot=299).overall):  # fmt: skip
            assert abs(est.estimate - truth) < 3.5 * est.se, (seed, est)
            assert est.se < 0.25


def test_with_growing_effects_and_staggered_adoption_twfe_is_biased_and_cs_is_not():
    for seed in SEEDS:
        panel, tau = staggered_panel(COHORTS, 20, 20, growing, seed=seed)
        truth = true_att(panel, tau)
        tw = twfe(panel)
        cs = callaway_santanna(panel, "notyet", n_boot=299).overall
        assert tw.estimate < 0.5 * truth  # far below, and confidently so
        assert tw.high < truth
        assert abs(cs.estimate - truth) < 3.5 * cs.se and abs(cs.estimate / truth - 1) < 0.15


def test_event_study_has_flat_leads_and_the_dynamic_aggregation_follows_the_effect_path():
    panel, _ = staggered_panel(COHORTS, 20, 20, growing, seed=1)
    cs = callaway_santanna(panel, "never", n_boot=299)
    for e in range(0, 5):
        est = cs.dynamic[e]
        assert abs(est.estimate - 0.5 * (e + 1)) < 3.5 * est.se + 0.05, (e, est)
    for e in (-4, -3, -2):
        assert abs(cs.dynamic[e].estimate) < 3.5 * cs.dynamic[e].se
    panel, _ = staggered_panel(COHORTS, 20, 20, homogeneous, seed=2)
    es = event_study(panel, leads=4, lags=6)
    assert -1 not in es.relative.tolist()
    for k in (-4, -3, -2):
        assert abs(es.at(k).estimate) < 3.5 * es.at(k).se
    for k in range(0, 6):
        assert abs(es.at(k).estimate - 2.0) < 3.5 * es.at(k).se


def test_group_time_cells_are_two_by_two_differences_in_differences():
    panel, _ = staggered_panel({3: 5}, 5, 6, homogeneous, seed=0)
    gt = group_time(panel, "never")
    y, treated, never = panel.y, panel.cohort == 3, ~np.isfinite(panel.cohort)
    cell = np.nonzero((gt.cohort == 3) & (gt.period == 4))[0][0]
    dy = y[:, 4] - y[:, 2]
    assert gt.att[cell] == pytest.approx(dy[treated].mean() - dy[never].mean(), abs=1e-12)
    placebo = np.nonzero((gt.cohort == 3) & (gt.period == 1))[0][0]
    dy = y[:, 1] - y[:, 0]
    assert gt.att[placebo] == pytest.approx(dy[treated].mean() - dy[never].mean(), abs=1e-12)
    # A cohort treated from the first period has nothing to compare with.
    panel, _ = staggered_panel({0: 5, 3: 5}, 5, 6, homogeneous, seed=0)
    assert 0 not in group_time(panel, "notyet").cohort


def test_a_long_table_becomes_a_balanced_panel_and_gaps_are_refused():
    panel, _ = staggered_panel({2: 3}, 2, 4, homogeneous, seed=0)
    rows = [{"unit": i, "period": 10 + t, "y": panel.y[i, t],
             "cohort": 12 if np.isfinite(panel.cohort[i]) else np.nan}
            for i in range(panel.n) for t in range(panel.t)]  # fmt: skip
    again = from_frame(pd.DataFrame(rows), "y")
    assert np.array_equal(again.y, panel.y) and np.array_equal(again.cohort, panel.cohort)
    with pytest.raises(ValueError, match="unbalanced"):
        from_frame(pd.DataFrame(rows[1:]), "y")


def test_compare_sets_each_estimate_beside_the_truth_from_the_paired_panel():
    panel, tau = staggered_panel(COHORTS, 20, 20, growing, seed=3)
    from vicinity_sim.evaluation.panel import Panel

    baseline = Panel(panel.y - tau, panel.cohort, panel.units, panel.periods)
    table = compare(panel, baseline, n_boot=299).set_index("estimator")
    assert np.allclose(true_effects(panel, baseline), tau)
    assert table.loc["twfe", "truth"] == pytest.approx(true_att(panel, tau))
    assert table.loc["twfe", "bias"] < -1.0
    assert abs(table.loc["callaway_santanna_notyet", "bias"]) < 0.5
    assert table.loc["callaway_santanna_notyet", "covered"]


# -- a simulated city --------------------------------------------------------------------------


@cache
def paired_city() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten small villages for five months: five join the program on 1 June (rolled out ten
    times faster than in Xiamen, so that its effects show within the months), five never;
    the same city without the program, same seed."""
    data = scenario("xiamen_program").model_dump(mode="python")
    data["run"]["days"] = 153
    data["villages"] = [{"name": f"v{i}", "plan": {"n_buildings": 60},
                         "population": {"n_residents": 600}} for i in range(10)]  # fmt: skip
    data["rollout"] = {"order": "random", "waves": [
        {"name": "push", "start_day": 61, "villages": 5}]}  # fmt: skip
    program = accelerated(scenario_from_dict(data, "paired city"), 10)
    with_program = simulate(program, seed=4)
    without = simulate(without_program(program), seed=4)
    return pd.DataFrame(with_program.panel), pd.DataFrame(without.panel)


def test_a_city_without_interference_gives_untreated_villages_no_effect():
    prog, base = paired_city()
    for outcome in ("trust_institutional", "rent_index", "fires", "displaced_households"):
        p, b = from_city(prog, outcome), from_city(base, outcome)
        effect = true_effects(p, b)
        never = ~np.isfinite(p.cohort)
        assert never.sum() == 5
        assert np.all(effect[never] == 0.0), outcome  # common random numbers, no spillover
        assert np.all(effect[~never][:, :2] == 0.0), outcome  # before the program


def test_on_a_city_without_spillovers_did_recovers_the_true_effect():
    prog, base = paired_city()
    table = compare_city(prog, base, ["trust_institutional"], n_boot=499).set_index("estimator")
    truth = table.loc["twfe", "truth"]
    assert truth > 0.001  # the program moves trust in the treated villages
    for name in ("twfe", "callaway_santanna_never", "callaway_santanna_notyet"):
        row = table.loc[name]
        assert row["covered"], (name, row.to_dict())
        assert abs(row["bias"]) < 0.5 * truth + 2 * row["se"]


def test_the_city_spillover_study_reads_its_file_and_finds_no_spillover_without_coupling():
    from test_city import city_data

    from vicinity_sim.evaluation.study import Study, load_study, run_study, summarize_study

    study = load_study(ROOT / "experiments" / "city_spillovers.toml")
    assert study.scenario == (ROOT / "scenarios" / "xiamen_city_program.toml").resolve()
    assert study.replications >= 10 and "rent_index" in study.outcomes
    # the same study on a small city of four villages, the push wave a month after the
    # pilot, one village untreated; 75 days, 2 replications
    data = city_data(days=75)
    data["rollout"]["waves"][1]["start_day"] = 35
    small = Study("small", scenario_from_dict(data, "small city"),
                  ["trust_institutional", "fires"], replications=2, n_boot=49)  # fmt: skip
    table = run_study(small)
    assert set(table["replication"]) == {0, 1}
    # villages do not affect each other yet: the untreated village's true effect is zero
    assert (table["spillover"] == 0).all()
    summary = summarize_study(table)
    trust = summary[(summary.outcome == "trust_institutional") & (summary.estimator == "twfe")]
    assert len(trust) == 1 and np.isfinite(trust["bias"].iloc[0])
    assert not summary["spillover_varies"].any()


def test_a_bad_study_file_is_one_line(tmp_path):
    from vicinity_sim.errors import InputError
    from vicinity_sim.evaluation.study import load_study

    bad = tmp_path / "s.toml"
    bad.write_text('name = "x"\nscenario = "c.toml"\noutcomes = []\n', encoding="utf-8")
    with pytest.raises(InputError, match="outcomes"):
        load_study(bad)
    bad.write_text('name = "x"\nscenario = "c.toml"\noutcomes = ["fires"]\nreps = 3\n')
    with pytest.raises(InputError, match="reps"):
        load_study(bad)
