"""Sobol' indices: the Ishigami benchmark on the package's own design, and a real sweep."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import Results, load_experiment, run_experiment
from vicinity_sim.experiment.design import sample_values, unit_samples
from vicinity_sim.experiment.sensitivity import (
    sobol_from_values,
    sobol_indices_of,
)
from vicinity_sim.experiment.spec import Sweep, SweepParameter
from vicinity_sim.experiment.store import Store

A, B = 7.0, 0.1


@pytest.fixture
def tiny_scenario() -> Path:
    return Path(__file__).resolve().parents[1] / "scenarios" / "tiny.toml"


def ishigami_indices(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first- and total-order indices of the Ishigami function on [−π, π]³."""
    pi = math.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v3 = 0.0
    vt1 = 0.5 * (1 + b * pi**4 / 5) ** 2 + 8 * b**2 * pi**8 / 225
    vt2 = a**2 / 8
    vt3 = 8 * b**2 * pi**8 / 225
    return np.array([v1, v2, v3]) / v, np.array([vt1, vt2, vt3]) / v


def test_ishigami_indices_on_the_package_design():
    sweep = Sweep(
        design="sobol",
        samples=2**12,
        parameters=[SweepParameter(key=f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)],
    )
    n, d = sweep.samples, len(sweep.parameters)
    u = unit_samples(sweep, seed=0)
    x = sample_values(sweep, seed=0)
    assert x.shape == u.shape == (n * (d + 2), d)
    y = np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])

    table = sobol_from_values(y, n, d)

    first, total = ishigami_indices(A, B)
    assert np.allclose(first, [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(total, [0.5576, 0.4424, 0.2437], atol=1e-4)
    assert list(table["parameter"]) == [0, 1, 2] and set(table["output"]) == {0}
    assert np.allclose(table["first_order"], first, atol=0.05)
    assert np.allclose(table["total_order"], total, atol=0.05)
    for kind, exact in (("first_order", first), ("total_order", total)):
        low, high = table[f"{kind}_low"].to_numpy(), table[f"{kind}_high"].to_numpy()
        assert np.all(low <= high)
        assert np.all((low - 0.02 <= exact) & (exact <= high + 0.02)), (kind, low, high, exact)

    # The first m rows of every block form a smaller Saltelli design: check on it that the
    # bootstrap is seeded, leaves numpy's global state alone, and that outputs stack.
    m = 2**9
    small = y.reshape(d + 2, n)[:, :m].ravel()
    state = np.random.get_state()[1].copy()
    one = sobol_from_values(small, m, d, seed=3)
    both = sobol_from_values(np.vstack([small, 2 * small + 1]), m, d, seed=3)
    assert np.array_equal(np.random.get_state()[1], state)
    pd.testing.assert_frame_equal(both[both["output"] == 0].reset_index(drop=True), one)
    pd.testing.assert_frame_equal(
        both[both["output"] == 1].drop(columns="output").reset_index(drop=True),
        one.drop(columns="output"),
    )
    with pytest.raises(ValueError, match="shape"):
        sobol_from_values(y[:-1], n, d)


def _experiment(tmp_path: Path, base: Path, sweep: str) -> Path:
    path = tmp_path / "sobol.toml"
    path.write_text(
        f"""
name = "sobol_tiny"
base = "{base.as_posix()}"
replications = 1
seed = 0
outcomes = ["fires_per_year", "trust_institutional"]
set = ["run.days=120", "villages[0].plan.n_buildings=80",
       "villages[0].population.n_residents=800"]

[[arms]]
name = "baseline"

{sweep}
""",
        encoding="utf-8",
    )
    return path


SOBOL_SWEEP = """
[sweep]
design = "sobol"
samples = 8

[[sweep.parameters]]
key = "fire.ignition_per_household_year"
low = 1e-3
high = 0.1
scale = "log"

[[sweep.parameters]]
key = "governance.tasks_per_gridworker_day"
low = 4
high = 30
"""


# With n = 8 some bootstrap resamples have no variance, so intervals may be NaN (and warned of).
@pytest.mark.filterwarnings("ignore:some Sobol' index intervals:RuntimeWarning")
def test_sobol_indices_of_a_real_sweep(tmp_path, tiny_scenario):
    spec = load_experiment(_experiment(tmp_path, tiny_scenario, SOBOL_SWEEP))
    results = run_experiment(spec, tmp_path / "out", progress=False)
    assert len(results.summaries) == 8 * (2 + 2)

    table = sobol_indices_of(results, "fires_per_year")

    assert list(table["parameter"]) == [
        "fire.ignition_per_household_year",
        "governance.tasks_per_gridworker_day",
    ]
    assert set(table["outcome"]) == {"fires_per_year"} and set(table["arm"]) == {"baseline"}
    assert np.all(np.isfinite(table[["first_order", "total_order"]].to_numpy()))
    bounds = table[["total_order_low", "total_order_high"]].dropna().to_numpy()
    assert np.all(bounds[:, 0] <= bounds[:, 1])
    total = table.set_index("parameter")["total_order"]
    assert total["fire.ignition_per_household_year"] > total["governance.tasks_per_gridworker_day"]

    # Missing samples (an unfinished run) are reported, not silently analysed.
    partial = Results(results.store, results.spec)
    partial._summaries = results.summaries[results.summaries["sample"] != 5]
    with pytest.raises(InputError, match="samples 5"):
        sobol_indices_of(partial, "fires_per_year")


def test_sobol_indices_need_a_sobol_sweep(tmp_path, tiny_scenario):
    lhs = SOBOL_SWEEP.replace('"sobol"', '"lhs"')
    spec = load_experiment(_experiment(tmp_path, tiny_scenario, lhs))
    with pytest.raises(InputError, match='design = "sobol"') as err:
        sobol_indices_of(Results(Store(tmp_path / "out"), spec), "fires_per_year")
    assert err.value.key == "sweep" and "\n" not in str(err.value)


REAL_SWEEP = """
[sweep]
design = "sobol"
samples = 64

[[sweep.parameters]]
key = "contacts.quality_stranger"
low = 0.2
high = 0.8

[[sweep.parameters]]
key = "participation.intercept"
low = -3.0
high = -1.0
"""


def test_sobol_indices_of_a_real_model_are_finite_and_in_range(tmp_path, tiny_scenario):
    """A design large enough for the estimates: 64·(2+2) short runs of a small village.

    Interpersonal trust follows the quality of encounters with strangers and participation
    its baseline log-odds, so each outcome is carried by its own parameter."""
    path = _experiment(tmp_path, tiny_scenario, REAL_SWEEP)
    text = (
        path.read_text(encoding="utf-8")
        .replace(
            '["fires_per_year", "trust_institutional"]',
            '["trust_interpersonal", "participation_rate"]',
        )
        .replace("run.days=120", "run.days=60")
        .replace("n_buildings=80", "n_buildings=40")
    )
    path.write_text(text.replace("n_residents=800", "n_residents=400"), encoding="utf-8")
    results = run_experiment(load_experiment(path), tmp_path / "out", progress=False)
    assert len(results.summaries) == 64 * (2 + 2)

    for outcome, driver in (("trust_interpersonal", "contacts.quality_stranger"),
                            ("participation_rate", "participation.intercept")):  # fmt: skip
        table = sobol_indices_of(results, outcome).set_index("parameter")
        values = table[[c for c in table.columns if c.endswith(("order", "_low", "_high"))]]
        assert np.all(np.isfinite(values.to_numpy(float))), table
        for kind in ("first_order", "total_order"):
            assert np.all((table[kind] > -0.1) & (table[kind] < 1.1)), table
            assert np.all(table[f"{kind}_low"] <= table[kind] + 1e-12)
            assert np.all(table[kind] <= table[f"{kind}_high"] + 1e-12)
        other = next(p for p in table.index if p != driver)
        assert table.loc[driver, "first_order"] > 0.5, table
        assert table.loc[driver, "total_order"] > table.loc[other, "total_order"], table


DEGENERATE = """
name = "degenerate"
base = "{base}"
replications = 1
outcomes = ["trust_interpersonal", "jobs_created", "mean_response_min"]
set = ["run.days=20", "villages[0].plan.n_buildings=40", "villages[0].population.n_residents=300",
       "fire.ignition_per_household_year=0.0"]

[[arms]]
name = "baseline"

[sweep]
design = "sobol"
samples = 4

[[sweep.parameters]]
key = "contacts.quality_stranger"
low = 0.2
high = 0.8

[[sweep.parameters]]
key = "fire.growth_sigma"
low = 0.3
high = 0.7
"""


def test_sensitivity_reports_degenerate_outcomes_and_finishes_the_others(tmp_path, capsys,
                                                                        tiny_scenario):  # fmt: skip
    """No fires: the mean response time is undefined in every sample; no industrial project:
    jobs_created is 0 in every sample (no variation). Both are reported as such, the
    interpersonal trust gets its indices, and the command succeeds."""
    from vicinity_sim.cli import main

    path = tmp_path / "degenerate.toml"
    path.write_text(DEGENERATE.format(base=tiny_scenario.as_posix()), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "jobs_created" in printed and "no variation" in printed
    assert "mean_response_min" in printed and "undefined" in printed
    table = pd.read_csv(out / "sensitivity.csv")
    status = table.groupby("outcome")["status"].first()
    assert status.to_dict() == {"trust_interpersonal": "ok", "jobs_created": "no variation",
                                "mean_response_min": "undefined"}  # fmt: skip
    ok = table[table["outcome"] == "trust_interpersonal"]
    assert np.isfinite(ok[["first_order", "total_order"]].to_numpy()).all()
    flat = table[table["outcome"] != "trust_interpersonal"]
    assert flat[["first_order", "total_order"]].isna().all().all()  # never 0.000
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "*no variation*" in report and "*undefined*" in report
    assert (out / "sensitivity.png").stat().st_size > 10_000
