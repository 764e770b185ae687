"""Experiment reports: Markdown, effects CSV and deterministic PNG figures; the figures a
policy reader sees (rendered, not only written), Holm-adjusted p-values, verdicts against the
minimum effects of interest, and outcomes without variation."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import ConciseDateFormatter
from PIL import Image

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import load_experiment, run_experiment, stats
from vicinity_sim.experiment.figures import _pct, effects_figure, series_figure, series_frame
from vicinity_sim.experiment.report import PALETTE, format_effects_table, write_report
from vicinity_sim.outcome_info import OUTCOMES as INFO
from vicinity_sim.outcome_info import info
from vicinity_sim.outcomes import CONTRACT

ROOT = Path(__file__).resolve().parents[1]
ARMS = ("baseline", "stations", "staffed")
OUTCOMES = ("fires_per_year", "trust_institutional", "participation_rate",
            "flood_exposed_resident_days", "cost_total_cny")  # fmt: skip
PRIMARY = ("trust_institutional", "participation_rate")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

EXPERIMENT = f"""
name = "report_test"
description = "A tiny village for 60 days: baseline, one micro fire station, 3 gridworkers a grid."
base = "{(ROOT / "scenarios" / "tiny.toml").as_posix()}"
replications = 3
seed = 0
reference = "baseline"
outcomes = {list(OUTCOMES)!r}
primary = {list(PRIMARY)!r}
set = ["run.days=60"]

[[arms]]
name = "baseline"

[[arms]]
name = "stations"
[[arms.interventions]]
kind = "micro_fire_stations"
quantity = 1

[[arms]]
name = "staffed"
[[arms.interventions]]
kind = "gridworker_staffing"
per_grid = 3
""".replace("'", '"')


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    path = root / "experiment.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return run_experiment(load_experiment(path), root / "out", progress=False)


@pytest.fixture(scope="module")
def sensitivity():
    """Made-up Sobol' indices in the shape the report reads."""
    return pd.DataFrame({
        "parameter": ["fire.sensor_reliability", "villages[0].plan.n_buildings"],
        "outcome": ["trust_institutional"] * 2,
        "first_order": [0.4, 0.1], "first_order_low": [0.2, -0.05], "first_order_high": [0.6, 0.2],
        "total_order": [0.5, 0.3], "total_order_low": [0.3, 0.1], "total_order_high": [0.7, 0.5],
    })  # fmt: skip


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_report_files(results, sensitivity, tmp_path):
    out = tmp_path / "report"
    path = write_report(results, out, sensitivity)
    assert path == out / "report.md"
    for name in ("report.md", "effects.csv", "effects.png", "sensitivity.png"):
        assert (out / name).is_file(), name
    pngs = sorted(out.glob("*.png"))
    assert {p.name for p in pngs} >= {f"timeseries_{o}.png" for o in OUTCOMES}
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_SIGNATURE, png.name

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# report_test")
    assert "common random numbers" in text
    for name in (*ARMS, *OUTCOMES):
        assert name in text, name
    assert "## Sensitivity" in text and "fire.sensor_reliability" in text
    for png in pngs:
        assert f"({png.name})" in text, png.name

    effects = pd.read_csv(out / "effects.csv")
    assert list(effects.columns) == list(results.effects().columns)
    assert set(effects["outcome"]) == set(OUTCOMES)
    assert set(effects["arm"]) == {"stations", "staffed"}


def test_report_is_byte_stable(results, sensitivity, tmp_path):
    out = tmp_path / "report"
    write_report(results, out, sensitivity)
    first = snapshot(out)
    write_report(results, out, sensitivity)
    assert snapshot(out) == first


def test_report_without_sensitivity(results, tmp_path):
    write_report(results, tmp_path)
    assert not (tmp_path / "sensitivity.png").exists()
    assert "Sensitivity" not in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_effects_table(results):
    table = format_effects_table(results.effects())
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["outcome", "arm"]
    assert len(lines) == 2 + 2 * len(OUTCOMES)  # header, rule, one row per outcome and arm
    for outcome in OUTCOMES:
        assert any(line.startswith(outcome) and "stations" in line for line in lines[2:])


# -- the figures a reader sees --------------------------------------------------------------


def rendered(fig) -> tuple[Image.Image, list[str]]:
    """The figure drawn to pixels, and every text on it."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return Image.open(buf), texts


def test_effects_figure_reads_at_a_glance(results):
    """One page: outcomes by theme with their labels and units, effects in percent of the
    reference (in CNY for cost), every arm a column, a legend of the verdicts."""
    effects = results.effects()
    fig = effects_figure(effects, "baseline", ["stations", "staffed"], PRIMARY, "report_test")
    image, texts = rendered(fig)
    width, height = image.size
    assert width <= 1600 and height <= 1700, image.size  # one page, not a scroll
    text = "\n".join(texts)
    for theme in ("Hazard", "Trust and governance", "Cost"):
        assert theme in text
    assert "★ Trust in institutions (% of reference)" in text  # label, unit, primary star
    assert "Fires (fires per year)" in text  # no fires in the reference: its own unit
    assert "Cost of interventions (CNY)" in text
    assert "stations" in text and "staffed" in text and "baseline" in text
    for name in OUTCOMES:
        assert name not in text  # variable names are not labels
    staffed = effects[effects.arm == "staffed"].set_index("outcome")
    trust = staffed.loc["trust_institutional"]
    assert _pct(100 * trust.effect / trust.reference_mean) in text  # percent of reference
    cost = effects[effects.arm == "stations"].set_index("outcome").loc["cost_total_cny"]
    assert f"+{cost.effect:,.0f} CNY" in text
    assert "improves by at least the minimum effect of interest" in text
    # The picture is not blank: several colours (cells, text).
    assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 20


def test_event_outcomes_accumulate_over_dates_with_feasible_bands(results):
    """Fires are counted since the start (never a daily spike), bands stay at or above 0,
    dates are on the x axis and no axis carries an offset such as 1e7."""
    frames = results.store.frames(["date", "fires", "trust_institutional", "cost_total_cny"])
    ts = series_frame(frames, "fires_per_year")
    assert len(ts) == 3 * 60 and set(ts["arm"]) == set(ARMS)
    for _, g in ts.groupby("arm"):
        mean = g.sort_values("day")["mean"].to_numpy()
        assert np.all(np.diff(mean) >= 0), "a cumulative count never falls"
    assert (ts["low"].dropna() >= 0).all()  # clipped at the feasible bound
    # Cumulative fires at the end equal the fires per year of the summaries, times the years.
    ends = ts[ts["day"] == 59].set_index("arm")["mean"]
    summaries = results.summaries.groupby("arm")["fires_per_year"].mean() * 60 / 365
    assert np.allclose(ends[list(ARMS)], summaries[list(ARMS)])

    colours = {a: PALETTE[i] for i, a in enumerate(ARMS)}
    assert (series_frame(frames, "trust_institutional")["high"].dropna() <= 1).all()
    cost = series_frame(frames, "cost_total_cny")
    for outcome, frame in (("fires_per_year", ts), ("cost_total_cny", cost)):
        fig = series_figure(frame, outcome, colours, PALETTE, ["-", "--", ":"], "baseline")
        _, texts = rendered(fig)
        ax = fig.axes[0]
        assert isinstance(ax.xaxis.get_major_formatter(), ConciseDateFormatter)
        assert ax.yaxis.get_offset_text().get_text() == ""
        assert info(outcome).series_label in texts and info(outcome).series_unit in texts
        assert ax.get_ylim()[0] >= 0
    assert max(cost["mean"]) > 1e5  # large numbers, still without an offset


def test_every_outcome_has_a_label_unit_theme_and_a_series_or_none():
    for name in CONTRACT:
        i = INFO[name]
        assert i.label and i.unit and i.theme, name
        assert i.minimum_effect is None or i.minimum_effect.reason, name
    # A run's columns give every contract series that has one.
    from tests.helpers import scenario
    from vicinity_sim.outcome_info import outcome_series
    from vicinity_sim.runs import simulate

    columns = simulate(scenario("tiny", "run.days=30"), seed=0).columns
    for name in CONTRACT:
        if info(name).series is not None:
            assert outcome_series(columns, name) is not None, name


# -- statistics: Holm, no variation, minimum effects of interest -----------------------------


def test_holm_matches_a_hand_computation():
    """p = (0.01, 0.04, 0.03, 0.005), m = 4: sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
    0.03·2 = 0.06, 0.04·1 = 0.04 → 0.06 (monotone); NaN is no test and not counted."""
    p = np.array([0.01, 0.04, math.nan, 0.03, 0.005])
    adjusted = stats.holm(p)
    np.testing.assert_allclose(adjusted[[0, 1, 3, 4]], [0.03, 0.06, 0.06, 0.02])
    assert math.isnan(adjusted[2])
    assert np.all(stats.holm(np.array([0.5, 0.9])) == [1.0, 1.0])  # capped at 1
    assert stats.holm(np.array([])).size == 0


def test_paired_p_value_is_the_paired_t_test():
    from scipy.stats import ttest_1samp

    d = np.array([0.3, -0.1, 0.5, 0.2, 0.4])
    assert stats.paired_p_value(d) == pytest.approx(ttest_1samp(d, 0.0).pvalue)
    assert math.isnan(stats.paired_p_value(np.full(5, 0.2)))  # no variation: no test


@pytest.mark.parametrize(("effect", "low", "high", "p", "minimum", "flat", "better", "expected"), [
    # A trust-gap difference of 0.00025 under common random numbers: certain but trivial.
    (0.00025, 0.0001, 0.0004, 1e-6, 0.02, False, -1, "negligible"),
    (0.05, 0.03, 0.07, 0.001, 0.02, False, 1, "improves"),
    (0.05, 0.03, 0.07, 0.001, 0.02, False, -1, "worsens"),
    (0.05, 0.03, 0.07, 0.001, 0.02, False, 0, "increases"),
    (0.05, -0.01, 0.11, 0.2, 0.02, False, 1, "inconclusive"),
    (0.05, 0.03, 0.07, 0.2, 0.02, False, 1, "inconclusive"),  # not significant after Holm
    (0.0, math.nan, math.nan, math.nan, 0.02, True, 1, "no difference"),
    (7e6, math.nan, math.nan, math.nan, 1e6, True, 1, "improves"),  # exact, deterministic
    (1e6, 9e5, 1.1e6, 1e-4, None, False, -1, "not tested"),
    (3.0, 2.0, 4.0, 1e-4, math.nan, False, 1, "improves"),  # relative to a reference of 0
])  # fmt: skip
def test_verdicts_relate_effects_to_the_minimum_effect_of_interest(
    effect, low, high, p, minimum, flat, better, expected
):
    assert stats.verdict(effect, low, high, p, minimum, flat, better) == expected


def test_effects_csv_has_holm_p_values_families_and_no_variation(results, tmp_path):
    write_report(results, tmp_path)
    effects = pd.read_csv(tmp_path / "effects.csv").set_index("outcome")
    for column in ("p_value", "p_holm", "family", "no_variation", "minimum_effect", "verdict"):
        assert column in effects.columns, column
    staffed = effects[effects["arm"] == "staffed"]
    assert set(staffed.loc[list(PRIMARY), "family"]) == {"primary"}
    assert staffed.loc["flood_exposed_resident_days", "family"] == "secondary"
    assert staffed.loc["cost_total_cny", "family"] == "not tested"
    # Two primary outcomes: Holm within them, by hand.
    p = staffed.loc[list(PRIMARY), "p_value"].to_numpy()
    assert np.isfinite(p).all()
    lo, hi = sorted(p)
    by_hand = {lo: min(1, 2 * lo), hi: max(min(1, 2 * lo), min(1, hi))}
    assert staffed.loc[list(PRIMARY), "p_holm"].tolist() == pytest.approx([by_hand[x] for x in p])
    effects = effects[effects["arm"] == "stations"]
    # The cost of one station is the same in every replication: no interval, "no variation".
    cost = effects.loc["cost_total_cny"]
    assert bool(cost["no_variation"]) and math.isnan(cost["ci_low"])
    assert cost["verdict"] == "not tested"
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "no variation" in text and "[0, 0]" not in text
    assert "## Minimum effects of interest" in text and "p (Holm)" in text
    assert text.index("effects.png") < text.index("## Design")  # the main result first
    # The baseline arm costs nothing in every replication: no interval there either.
    means = results.arm_table().set_index(["arm", "outcome"])
    assert means.loc[("baseline", "cost_total_cny"), "no_variation"]


def test_primary_outcomes_and_minimum_effects_are_checked_and_change_no_run(tmp_path):
    path = tmp_path / "e.toml"
    text = EXPERIMENT.replace('primary = ["trust_institutional", "participation_rate"]',
                              'primary = ["fires_per_year"]')  # fmt: skip
    path.write_text(text + "\n[minimum_effects.trust_institutional]\nabsolute = 0.05\n"
                    'reason = "a test"\n', encoding="utf-8")  # fmt: skip
    spec = load_experiment(path)
    assert spec.minimum_effect("trust_institutional").value == 0.05
    assert spec.minimum_effect("fires_per_year") == info("fires_per_year").minimum_effect
    plain = tmp_path / "plain.toml"
    plain.write_text(EXPERIMENT.replace('primary = ["trust_institutional", "participation_rate"]\n',
                                        ""), encoding="utf-8")  # fmt: skip
    assert load_experiment(plain).content_hash() == spec.content_hash()  # runs are reused
    primary = 'primary = ["trust_institutional", "participation_rate"]'
    for bad, key in (('primary = ["fire_deaths"]', "primary[0]"),
                     ('[minimum_effects.trust_institutional]\nabsolute = 0.1\nrelative = 0.1\n'
                      'reason = "x"', "minimum_effects.trust_institutional")):  # fmt: skip
        path.write_text(EXPERIMENT.replace(primary, bad), encoding="utf-8")
        with pytest.raises(InputError) as err:
            load_experiment(path)
        assert key in str(err.value)


def test_series_bands_match_a_t_interval_per_arm_and_day():
    """The bands computed in one aggregation equal a t interval computed arm by arm and day by
    day, clipped to the outcome's bounds, with missing and infinite values left out: a day
    with one value has a mean and no band, a day with none has neither."""
    rng = np.random.default_rng(5)
    days, reps = 40, 6
    rows = []
    for arm in ("a", "b"):
        for rep in range(reps):
            trust = rng.normal(0.9 if arm == "a" else 0.5, 0.15, days)  # some bands pass 1
            trust[rep % 5 :: 7] = np.nan  # missing on some days, in some replications
            trust[3] = np.inf if rep == 0 else trust[3]
            if rep > 0:
                trust[10] = np.nan  # a day with one value
            trust[11] = np.nan  # a day with none
            cols = {"arm": arm, "sample": 0, "replication": rep, "day": np.arange(days)}
            rows.append(pd.DataFrame(cols | {"trust_institutional": trust}))
    frames = pd.concat(rows, ignore_index=True)
    ts = series_frame(frames, "trust_institutional").set_index(["arm", "day"])
    lo_b, hi_b = info("trust_institutional").bounds
    for (arm, day), g in frames.groupby(["arm", "day"]):
        x = g["trust_institutional"].to_numpy(float)
        m, lo, hi = stats.t_interval(x[np.isfinite(x)])
        got = ts.loc[(arm, day)]
        low = min(max(lo, lo_b), hi_b) if np.isfinite(lo) else lo
        high = max(min(hi, hi_b), lo_b) if np.isfinite(hi) else hi
        for name, want in (("mean", m), ("low", low), ("high", high)):
            assert got[name] == pytest.approx(want, rel=1e-12, abs=1e-12, nan_ok=True), (arm, day)
    assert np.isnan(ts.loc[("a", 11), "mean"]) and np.isnan(ts.loc[("a", 10), "low"])
    assert np.isfinite(ts.loc[("a", 10), "mean"])
    assert (ts["high"].dropna() == 1.0).any()  # clipped at the bound
