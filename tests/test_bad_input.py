"""Bad input: one line naming file, key and problem; exit code 2; nothing written."""

import subprocess
import sys
import textwrap

import pytest
from helpers import SCENARIOS

from vicinity_sim.cli import main

GOOD_VILLAGE = """
[run]
days = 5
[[villages]]
name = "v"
[villages.plan]
n_buildings = 60
[villages.population]
n_residents = 500
"""

# (case id, scenario text, extra CLI args, text the key part must contain, problem snippet)
CASES = [
    ("toml-syntax", "[run\ndays = 3\n", [], "line 1", "invalid TOML"),
    ("wrong-type", '[run]\ndays = "ten"\n', [], "run.days", "valid integer"),
    ("float-for-int", "[run]\ndays = 2.5\n", [], "run.days", "integer"),
    ("out-of-range", "[run]\ndays = 0\n", [], "run.days", "greater than or equal to 1"),
    ("unknown-key", "[run]\ndayz = 3\n", [], "run.dayz", "did you mean 'days'"),
    ("unknown-section", "[fires]\ngrowth_sigma = 1.0\n", [], "fires", "did you mean 'fire'"),
    ("misplaced-key", '[[villages]]\nname = "v"\nn_residents = 5\n', [],
     "villages[0].n_residents", "population.n_residents"),
    ("negative-population", GOOD_VILLAGE.replace("n_residents = 500", "n_residents = -5"),
     [], "villages[0].population.n_residents", "greater than or equal to 1"),
    ("absurd-population", GOOD_VILLAGE.replace("n_residents = 500", "n_residents = 90000"),
     [], "villages[0].population.n_residents", "rental units"),
    ("coverage-above-1", GOOD_VILLAGE + '[[interventions]]\nkind = "fire_lanes"\ncoverage = 1.5\n',
     [], "interventions[0].coverage", "less than or equal to 1"),
    ("unknown-kind", GOOD_VILLAGE + '[[interventions]]\nkind = "fire_retrofitt"\n', [],
     "interventions[0].kind", "did you mean 'fire_retrofit'"),
    ("missing-kind", GOOD_VILLAGE + "[[interventions]]\ncoverage = 0.5\n", [],
     "interventions[0].kind", "missing"),
    ("coverage-for-facilities",
     GOOD_VILLAGE + '[[interventions]]\nkind = "micro_fire_stations"\ncoverage = 0.5\n', [],
     "interventions[0]", "quantity"),
    ("coverage-and-quantity",
     GOOD_VILLAGE + '[[interventions]]\nkind = "fire_lanes"\ncoverage = 0.5\nquantity = 3\n', [],
     "interventions[0]", "give one of coverage, quantity, quantity_per_10k"),
    ("bad-targeting",
     GOOD_VILLAGE + '[[interventions]]\nkind = "fire_retrofit"\ntargeting = "nearest"\n', [],
     "interventions[0].targeting", "highest_risk"),
    ("unknown-village",
     GOOD_VILLAGE + '[[interventions]]\nkind = "fire_lanes"\nvillages = ["x"]\n', [],
     "interventions[0].villages[0]", "no village 'x'"),
    ("duplicate-intervention-names",
     GOOD_VILLAGE + '[[interventions]]\nkind = "fire_lanes"\nquantity = 1\n'
     '[[interventions]]\nkind = "waterlogging_fix"\nname = "fire_lanes"\n', [],
     "interventions", "distinct name"),
    ("duplicate-village", '[[villages]]\nname = "a"\n[[villages]]\nname = "a"\n', [],
     "villages[1].name", "duplicate"),
    ("rooms-inverted", GOOD_VILLAGE + "", ["--set", "villages[0].plan.rooms_max=2",
     "--set", "villages[0].plan.rooms_min=10"], "villages[0].plan", "below rooms_min"),
    ("shares-above-1", GOOD_VILLAGE.replace("n_residents = 500",
     "n_residents = 500\nshare_local = 0.7\nshare_taiwan = 0.5"), [],
     "villages[0].population", "above 1"),
    ("sector-shares-above-1", GOOD_VILLAGE, ["--set",
     "villages[0].population.migrant.share_services=0.8"], "villages[0].population",
     "share_industry + share_construction + share_services"),
    ("gridworkers-inverted", GOOD_VILLAGE.replace("n_residents = 500",
     "n_residents = 500\ngridworkers_per_grid_min = 3\ngridworkers_per_grid_max = 1"), [],
     "villages[0].population", "gridworkers_per_grid_max"),
    ("rain-calendar-length", "[weather]\nheavy_rain_days_per_month = [1.0, 2.0]\n", [],
     "weather.heavy_rain_days_per_month", "at least 12"),
    ("bad-date", '[run]\nstart_date = "2023-13-01"\n', [], "run.start_date", "date"),
    ("extends-not-string", "extends = 3\n", [], "extends", "path of a scenario"),
    ("interventions-not-tables", "interventions = [1]\n" + GOOD_VILLAGE, [],
     "interventions[0]", "table"),
    ("no-villages", "villages = []\n", [], "villages", "at least 1"),
    ("unknown-process", '[run]\ndisabled_processes = ["contact"]\n', [],
     "run.disabled_processes[0]", "did you mean 'contacts'"),
    ("encounter-rates-above-1", GOOD_VILLAGE + "[contacts]\nbuilding_contacts_per_day = 0.9\n",
     [], "contacts", "at most 1"),
    ("set-unknown-key", GOOD_VILLAGE, ["--set", "fire.growth=3"], "fire.growth", "unknown key"),
    ("set-bad-value", GOOD_VILLAGE, ["--set", "run.days=abc"], "run.days", "valid integer"),
    ("set-no-equals", GOOD_VILLAGE, ["--set", "run.days"], "run.days", "KEY=VALUE"),
    ("set-bad-value-then-replaced", GOOD_VILLAGE, ["--set", "run.days=abc", "--days", "30"],
     "run.days", "valid integer"),
    ("set-bad-value-then-set-again", GOOD_VILLAGE, ["--set", "fire.growth_sigma=-1",
     "--set", "fire.growth_sigma=0.5"], "fire.growth_sigma", "greater than or equal to 0"),
    ("set-index-out-of-range", GOOD_VILLAGE, ["--set", "villages[3].name=x"], "villages[3]",
     "out of range"),
    ("days-option-negative", GOOD_VILLAGE, ["--days", "-4"], "run.days", "greater than"),
    ("moved-key", GOOD_VILLAGE + "[governance]\nexperience_weight = 0.4\n", [],
     "governance.experience_weight", "moved to trust.institutional_experience_weight"),
    ("set-moved-key", GOOD_VILLAGE, ["--set", "housing.income_floor_cny_month=900"],
     "housing.income_floor_cny_month", "moved to rent_burden.income_floor_cny_month"),
]  # fmt: skip


def run_cli(args, capsys):
    rc = main(args)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.mark.parametrize(
    ("case", "text", "extra", "key", "problem"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_scenario(tmp_path, capsys, case, text, extra, key, problem):
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    out = tmp_path / "out"
    rc, _stdout, stderr = run_cli(["run", str(path), "--out", str(out), *extra], capsys)
    assert rc == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    line = lines[0]
    # The source is the file, or the option that set the offending value.
    options = [
        f"{a} {b}" if a == "--set" else a for a, b in zip(extra[::2], extra[1::2], strict=False)
    ]
    assert any(line.startswith(f"vicinity-sim: error: {src}: ") for src in [str(path), *options])
    assert key in line, line
    assert problem in line, line
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.toml"]  # no partial directories


@pytest.mark.parametrize(
    ("case", "text", "extra", "key", "problem"), CASES, ids=[c[0] for c in CASES]
)
def test_validate_rejects_what_run_rejects(tmp_path, capsys, case, text, extra, key, problem):
    """`validate` sets the run up as `run` does (world build included), so each bad file or
    option gives the same one-line message and exit code from both commands."""
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    rc_validate, stdout, err_validate = run_cli(["validate", str(path), *extra], capsys)
    assert rc_validate == 2 and not stdout, (stdout, err_validate)
    rc_run, _, err_run = run_cli(["run", str(path), "--out", str(tmp_path / "o"), *extra], capsys)
    assert rc_run == 2
    assert err_validate == err_run
    assert len(err_validate.strip().splitlines()) == 1


def test_a_negative_seed_option_is_a_one_line_error(tmp_path, capsys):
    """The seed travels as an integer (not as a ``run.seed=N`` override) and is checked as
    ``run.seed`` is."""
    path = tmp_path / "v.toml"
    path.write_text(textwrap.dedent(GOOD_VILLAGE), encoding="utf-8")
    out = tmp_path / "out"
    rc, _, err = run_cli(["run", str(path), "--out", str(out), "--seed", "-3"], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and not out.exists()
    assert err.startswith("vicinity-sim: error: --seed: run.seed: ")
    assert "greater than or equal to 0" in err


def test_overrides_of_a_pair_of_bounds_apply_in_either_order(tmp_path, capsys):
    """Each override is checked as it is set, but constraints between keys only once all are
    set: raising both rooms bounds above the default maximum works, minimum first."""
    path = tmp_path / "v.toml"
    path.write_text(textwrap.dedent(GOOD_VILLAGE), encoding="utf-8")
    rc, out, err = run_cli(["validate", str(path), "--set", "villages[0].plan.rooms_min=50",
                            "--set", "villages[0].plan.rooms_max=60"], capsys)  # fmt: skip
    assert rc == 0 and "ok" in out, err


def test_there_are_at_least_twenty_cases():
    assert len(CASES) >= 20


def test_missing_file(tmp_path, capsys):
    rc, _, err = run_cli(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "nope.toml" in err and "file not found" in err
    assert not (tmp_path / "o").exists()


def test_missing_parent_file(tmp_path, capsys):
    child = tmp_path / "child.toml"
    child.write_text('extends = "gone.toml"\n')
    rc, _, err = run_cli(["validate", str(child)], capsys)
    assert rc == 2 and "gone.toml" in err and "file not found" in err


def test_cyclic_extends(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    rc, _, err = run_cli(["validate", str(tmp_path / "a.toml")], capsys)
    assert rc == 2 and "extends" in err and "cyclic" in err and len(err.strip().splitlines()) == 1


def test_directory_instead_of_file(tmp_path, capsys):
    rc, _, err = run_cli(["validate", str(tmp_path)], capsys)
    assert rc == 2 and "directory" in err


def test_non_empty_output_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    rc, _, err = run_cli(["run", str(SCENARIOS / "tiny.toml"), "--out", str(out), "--days", "3"],
                         capsys)  # fmt: skip
    assert rc == 2 and "--force" in err
    assert [p.name for p in out.iterdir()] == ["precious.txt"]


def test_bad_option_is_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", str(SCENARIOS / "tiny.toml"), "--days", "many"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--days" in err


def test_console_script_reports_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\ndays = -1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "vicinity_sim.cli", "run", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert (
        proc.stderr.strip() == f"vicinity-sim: error: {bad}: run.days: Input should be greater "
        "than or equal to 1 (got -1)"
    )
    assert not (tmp_path / "o").exists()
