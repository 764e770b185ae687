"""Baseline regression: golden files, statistical tolerances, failing readably, updating."""

import json
import math

import numpy as np
import pytest
from helpers import ROOT, SCENARIOS

from vicinity_sim.cli import main
from vicinity_sim.regress import Golden, compare, critical_t


def _scenario(tmp_path, extra=""):
    text = (SCENARIOS / "tiny.toml").read_text(encoding="utf-8")
    path = tmp_path / "tiny.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_regress_fails_readably_when_a_parameter_changes_and_update_accepts_it(tmp_path, capsys):
    scenario = _scenario(tmp_path)
    golden = tmp_path / "golden" / "tiny.json"
    args = ["regress", str(golden)]
    define = [*args, "--update", "--scenario", str(scenario), "--seeds", "6"]
    assert main(define) == 0
    stored = json.loads(golden.read_text(encoding="utf-8"))
    assert stored["scenario"] == "../tiny.toml" and stored["seeds"] == list(range(6))
    assert main(args) == 0  # unchanged model, same seeds: nothing moves
    capsys.readouterr()

    # A mechanism's parameter changed on purpose: fires become ten times as likely.
    _scenario(tmp_path, "\n[fire]\nignition_per_household_year = 0.003\n")
    assert main(args) == 1
    out = capsys.readouterr().out
    moved = [line.split()[0] for line in out.splitlines() if line.rstrip().endswith("MOVED")]
    assert "fires_per_year" in moved
    assert "outcomes moved beyond tolerance" in out and "--update" in out

    assert main([*args, "--update"]) == 0
    out = capsys.readouterr().out
    assert "fires_per_year" in out and "rewritten" in out
    assert main(args) == 0


def _outcome(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)), "values": v.tolist()}


def test_tolerance_follows_the_spread_of_the_paired_differences():
    rng = np.random.default_rng(1)
    g = rng.normal(10.0, 4.0, 8)
    golden = {"noisy": _outcome(g), "fixed": _outcome(np.full(8, 30.0))}
    noise = rng.normal(0.0, 0.5, 8)
    # The same draws with a mechanism changed: a shift of a quarter of the replication spread.
    shifted = {"noisy": _outcome(g + 1.0 + noise), "fixed": _outcome(np.full(8, 30.0))}
    rows = {r.outcome: r for r in compare(golden, shifted)}
    tol = critical_t(2, 8) * noise.std(ddof=1) / math.sqrt(8)
    assert rows["noisy"].tolerance == pytest.approx(tol)
    assert rows["noisy"].moved and not rows["fixed"].moved
    # Half the tolerance is accepted.
    half = {"noisy": _outcome(g + noise - noise.mean() + 0.5 * tol), "fixed": golden["fixed"]}
    assert not any(r.moved for r in compare(golden, half))
    # No spread: any real change is a change.
    tiny = {"noisy": golden["noisy"], "fixed": _outcome(np.full(8, 30.0 + 1e-6))}
    assert {r.outcome for r in compare(golden, tiny) if r.moved} == {"fixed"}
    assert not any(r.moved for r in compare(golden, golden))


def test_reshuffled_draws_rarely_raise_a_false_alarm():
    """Unchanged model, independent replications: family-wise false alarms near α = 0.01."""
    rng = np.random.default_rng(7)
    m, n, trials = 40, 8, 1000
    alarms = 0
    for _ in range(trials):
        a, b = rng.normal(0.0, 1.0, (2, m, n)) * rng.uniform(0.1, 10.0, (m, 1))
        golden = {f"o{k}": _outcome(a[k]) for k in range(m)}
        now = {f"o{k}": _outcome(b[k]) for k in range(m)}
        alarms += any(r.moved for r in compare(golden, now))
    assert alarms / trials < 0.025


def test_more_outcomes_and_fewer_seeds_need_a_larger_critical_value():
    assert critical_t(1, 8) == pytest.approx(3.4995, abs=1e-3)  # t(7), α = 0.01, two-sided
    assert critical_t(50, 8) > critical_t(10, 8) > critical_t(1, 8)
    assert critical_t(10, 8) > critical_t(10, 30)


def test_outcome_that_appears_or_disappears_is_reported():
    rows = compare({"a": _outcome([1.0, 1.1])}, {"b": _outcome([1.0, 1.1])})
    assert all(r.moved for r in rows) and {r.outcome for r in rows} == {"a", "b"}


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "file not found"), ("{not json", "not a readable JSON file"),
     ('{"scenario": "x.toml", "set": [], "seeds": [], "outcomes": {}}', "seeds")],
)  # fmt: skip
def test_bad_golden_files_are_one_line_errors(tmp_path, capsys, content, problem):
    path = tmp_path / "g.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["regress", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and problem in err


def test_the_project_golden_files_cover_baseline_and_program():
    """make test runs `vicinity-sim regress` on these; here: they are well formed."""
    files = sorted((ROOT / "tests" / "golden").glob("*.json"))
    scenarios = {Golden.read(f).scenario_path().name for f in files}
    assert {"baseline.toml", "xiamen_program.toml"} <= scenarios
    for f in files:
        g = Golden.read(f)
        assert len(g.seeds) >= 5 and g.scenario_path().is_file()
        assert {"fires_per_year", "trust_institutional", "income_collective"} <= set(g.outcomes)
