"""Experiments: common random numbers, executors, resumption after a kill, stopping, errors."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT

from vicinity_sim.cli import main
from vicinity_sim.errors import InputError
from vicinity_sim.experiment import load_experiment, load_results, run_experiment

TINY = (ROOT / "scenarios" / "tiny.toml").as_posix()


def experiment_file(tmp_path: Path, days: int = 60, replications: int = 4, extra: str = "",
                    name: str = "exp.toml") -> Path:  # fmt: skip
    text = textwrap.dedent(f"""
        name = "test"
        base = "{TINY}"
        replications = {replications}
        seed = 3
        reference = "baseline"
        outcomes = ["trust_institutional", "participation_rate", "flood_exposed_resident_days",
                    "cost_total_cny"]
        set = ["run.days={days}"]

        [[arms]]
        name = "baseline"

        [[arms]]
        name = "same"

        [[arms]]
        name = "staffed"
        [[arms.interventions]]
        kind = "gridworker_staffing"
        per_grid = 3
        """) + textwrap.dedent(extra)  # fmt: skip
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stats_of(root: Path) -> dict[str, tuple[int, int]]:
    """Inode and modification time (ns) of every partition."""
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted((root / "runs").rglob("*.parquet"))}  # fmt: skip


def partitions(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "runs").rglob("*.parquet"))}  # fmt: skip


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """An uninterrupted run with the in-process executor."""
    tmp = tmp_path_factory.mktemp("ref")
    spec = load_experiment(experiment_file(tmp))
    results = run_experiment(spec, tmp / "out", progress=False)
    return tmp / "out", results


def test_common_random_numbers(reference_run):
    """An arm identical to the reference has an effect of exactly zero in every replication
    (no variation: no interval, no test); pairing makes the interval of a real effect narrower
    than ignoring it."""
    _, results = reference_run
    eff = results.effects().set_index(["arm", "outcome"])
    same = eff.loc["same"]
    assert (same["effect"] == 0).all() and same["no_variation"].all()
    assert same["ci_low"].isna().all() and same["ci_high"].isna().all()
    assert (same["ci_method"] == "no variation").all() and same["p_value"].isna().all()
    assert (same["verdict"].drop("cost_total_cny") == "no difference").all()
    assert same.loc["cost_total_cny", "verdict"] == "not tested"  # the price, known by design
    staffed = eff.loc[("staffed", "trust_institutional")]
    assert staffed["effect"] > 0
    # Like with like: the paired and the unpaired (Welch) t interval on the same runs.
    paired = staffed["paired_t_high"] - staffed["paired_t_low"]
    unpaired = staffed["unpaired_ci_high"] - staffed["unpaired_ci_low"]
    assert paired < unpaired / 2, (paired, unpaired)
    # With 4 replications the reported interval is the paired t interval.
    assert staffed["ci_method"] == "t"
    assert (staffed["ci_low"], staffed["ci_high"]) == (staffed["paired_t_low"],
                                                       staffed["paired_t_high"])  # fmt: skip


def test_results_reload_and_costs(reference_run):
    out, results = reference_run
    again = load_results(out)
    pd.testing.assert_frame_equal(again.summaries, results.summaries)
    assert len(again.summaries) == 3 * 4
    eff = results.effects().set_index(["arm", "outcome"])
    cost = eff.loc[("staffed", "cost_total_cny"), "effect"]
    assert cost > 0
    assert eff.loc[("staffed", "trust_institutional"), "cost_per_unit_improved_cny"] > 0
    ts = results.timeseries("trust_institutional")
    assert set(ts.arm) == {"baseline", "same", "staffed"} and ts.day.max() == 59


def test_local_workers_give_identical_partitions(reference_run, tmp_path):
    ref_out, ref = reference_run
    spec = load_experiment(experiment_file(tmp_path))
    results = run_experiment(spec, tmp_path / "out", workers=2, progress=False)
    assert partitions(tmp_path / "out") == partitions(ref_out)
    pd.testing.assert_frame_equal(results.effects(), ref.effects())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster():
    """A real Dask scheduler and worker, each its own process, on 127.0.0.1."""
    pytest.importorskip("distributed")
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "dask", "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1",
         "--nthreads", "1", "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(f"tcp://127.0.0.1:{port}", timeout=5) as c:
                    if c.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("the Dask cluster did not come up")
            time.sleep(0.5)
        yield f"dask://127.0.0.1:{port}"
    finally:
        for p in (worker, scheduler):
            p.terminate()
            p.wait(timeout=30)


def test_dask_gives_identical_partitions(reference_run, dask_cluster, tmp_path):
    ref_out, ref = reference_run
    spec = load_experiment(experiment_file(tmp_path))
    results = run_experiment(spec, tmp_path / "out", executor=dask_cluster, progress=False)
    assert partitions(tmp_path / "out") == partitions(ref_out)
    pd.testing.assert_frame_equal(results.effects(), ref.effects())


def test_killed_run_resumes_without_losing_or_repeating_tasks(tmp_path):
    path = experiment_file(tmp_path, days=300, replications=4)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "vicinity_sim.cli", "compare", str(path), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    deadline = time.time() + 300
    while len(list((out / "runs").rglob("*.parquet"))) < 3:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = partitions(out)
    assert 3 <= len(done_before) < 12
    stat_before = stats_of(out)
    # What a writer killed mid-write leaves: a temporary file beside the partitions.
    stale = out / "runs" / "arm=baseline" / "sample=0" / ".rep=3.parquet.tmp-999999"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"half a parquet file")
    rc = main(["compare", str(path), "--out", str(out)])
    assert rc == 0
    after = partitions(out)
    assert len(after) == 12
    stat_after = stats_of(out)
    for name, data in done_before.items():
        # Finished tasks were not run again: the same file (inode), never rewritten (mtime).
        assert stat_after[name] == stat_before[name], name
        assert after[name] == data
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
    manifest = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert len(manifest["sessions"]) == 1  # the killed session never finished
    assert manifest["sessions"][0]["tasks_run"] == 12 - len(done_before)
    # The same as an uninterrupted run.
    fresh = tmp_path / "fresh"
    run_experiment(load_experiment(path), fresh, progress=False)
    assert partitions(fresh) == after


def test_stopping_adds_replications_until_precise(tmp_path):
    extra = """
        [stopping]
        half_width = { trust_institutional = 0.002 }
        max_replications = 6
        batch = 2
        """
    spec = load_experiment(experiment_file(tmp_path, replications=2, extra=extra))
    results = run_experiment(spec, tmp_path / "out", progress=False)
    reps = results.summaries.replication.nunique()
    assert reps in (2, 4, 6)
    widths = results.effects().set_index(["arm", "outcome"])
    half = (widths["paired_t_high"] - widths["paired_t_low"]) / 2
    precise = half.xs("trust_institutional", level="outcome").max() <= 0.002
    assert precise or reps == 6


def test_a_different_experiment_is_not_mixed_in(tmp_path, capsys):
    out = tmp_path / "out"
    first = experiment_file(tmp_path, days=20, replications=1)
    assert main(["compare", str(first), "--out", str(out)]) == 0
    second = experiment_file(tmp_path, days=21, replications=1, name="other.toml")
    capsys.readouterr()
    assert main(["compare", str(second), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "different experiment" in err and len(err.strip().splitlines()) == 1
    assert main(["compare", str(second), "--out", str(out), "--fresh"]) == 0


def test_an_edited_base_scenario_is_run_again(tmp_path, capsys):
    """Resuming after the base scenario changed reruns every task of the changed scenario
    instead of mixing old and new results; an unchanged rerun touches nothing."""
    base = tmp_path / "base.toml"
    shutil.copy(TINY, base)
    text = experiment_file(tmp_path, days=20, replications=2).read_text(encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(text.replace(TINY, base.as_posix()), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out)]) == 0
    first, stat_first = load_results(out).summaries, stats_of(out)
    hashes = json.loads((out / "experiment.json").read_text(encoding="utf-8"))["scenario_hashes"]

    assert main(["compare", str(path), "--out", str(out)]) == 0  # nothing changed: kept
    assert stats_of(out) == stat_first

    base.write_text(base.read_text(encoding="utf-8").replace("n_residents = 2500",
                                                             "n_residents = 1500"))  # fmt: skip
    capsys.readouterr()
    assert main(["compare", str(path), "--out", str(out)]) == 0
    assert "6 finished task(s) were run with another scenario" in capsys.readouterr().err
    stat_now = stats_of(out)
    assert stat_now.keys() == stat_first.keys()
    assert all(stat_now[k] != stat_first[k] for k in stat_first)  # every task ran again
    manifest = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert all(manifest["scenario_hashes"][k] != hashes[k] for k in hashes)
    assert [s["tasks_run"] for s in manifest["sessions"]] == [6, 0, 6]
    assert manifest["libraries"]["numpy"] == np.__version__ and manifest["libraries"]["numba"]
    assert {"started_at", "finished_at", "elapsed_s", "executor", "workers"} <= set(
        manifest["sessions"][-1])  # fmt: skip
    now = load_results(out).summaries
    assert not np.allclose(now["trust_institutional"], first["trust_institutional"])
    # The same as a fresh run of the edited experiment.
    run_experiment(load_experiment(path), tmp_path / "fresh", progress=False)
    assert partitions(tmp_path / "fresh") == partitions(out)


def test_results_of_commands_with_overrides_reload(tmp_path):
    path = experiment_file(tmp_path, days=30, replications=1)
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out), "--days", "12",
                 "--set", "trust.institutional_experience_weight=0.3"]) == 0  # fmt: skip
    results = load_results(out)
    assert len(results.summaries) == 3
    assert results.timeseries("trust_institutional").day.max() == 11
    manifest = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert [o[0] for o in manifest["overrides"]] == ["trust.institutional_experience_weight=0.3",
                                                     "run.days=12"]  # fmt: skip


def test_fresh_deletes_only_experiment_directories(tmp_path, capsys):
    path = experiment_file(tmp_path, days=10, replications=1)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    assert main(["compare", str(path), "--out", str(out), "--fresh"]) == 2
    err = capsys.readouterr().err
    assert "holds no experiment" in err and len(err.strip().splitlines()) == 1
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    # An empty directory, and one holding an experiment, are fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["compare", str(path), "--out", str(empty), "--fresh"]) == 0
    assert main(["compare", str(path), "--out", str(empty), "--fresh"]) == 0
    assert len(partitions(empty)) == 3


BAD_OPTIONS = [
    (["--executor", "foo"], "--executor", "use local, dask or dask://HOST:PORT"),
    (["--workers", "0"], "--workers", "at least 1"),
    (["--executor", "dask://127.0.0.1:1"], "--executor", "cannot reach"),
]  # fmt: skip


# An unreachable scheduler waits for a timeout; sweep takes the same path as compare there,
# so that case is checked through compare and calibrate only.
BAD_OPTION_CASES = [
    (command, *case) for command in ("compare", "sweep", "calibrate") for case in BAD_OPTIONS
    if not (command == "sweep" and "dask" in case[0][1])
]  # fmt: skip


@pytest.mark.parametrize(("command", "options", "key", "problem"), BAD_OPTION_CASES,
                         ids=[f"{c[0]}-{c[1][1]}" for c in BAD_OPTION_CASES])  # fmt: skip
def test_bad_options_leave_nothing_behind(tmp_path, capsys, command, options, key, problem):
    if "dask" in options[1]:
        pytest.importorskip("distributed")
    extra = {"compare": "", "sweep": SWEEP.format(design="lhs"), "calibrate": CALIBRATION}
    path = experiment_file(tmp_path, days=10, replications=1, extra=extra[command])
    out = tmp_path / "out"
    rc = main([command, str(path), "--out", str(out), *options])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and key in err and problem in err, err
    assert not out.exists()


BAD = [
    ("unknown key", 'name = "x"\nbase = "{tiny}"\noutcomes = ["fires_per_year"]\nreplicatons = 3\n'
     '[[arms]]\nname = "a"\n', "replicatons", "did you mean 'replications'"),
    ("missing base", 'outcomes = ["fires_per_year"]\n[[arms]]\nname = "a"\n', "base", "missing"),
    ("bad outcome", 'base = "{tiny}"\noutcomes = ["fire_per_year"]\n[[arms]]\nname = "a"\n',
     "outcomes[0]", "unknown outcome"),
    ("no arms", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\narms = []\n', "arms",
     "at least 1"),
    ("duplicate arm", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\nname = "a"\n'
     '[[arms]]\nname = "a"\n', "arms[1].name", "duplicate"),
    ("bad reference", 'base = "{tiny}"\nreference = "b"\noutcomes = ["fires_per_year"]\n'
     '[[arms]]\nname = "a"\n', "reference", "no arm 'b'"),
    ("missing scenario", 'base = "nowhere.toml"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n', "base", "not found"),
    ("bad arm override", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\nname = "a"\n'
     'set = ["run.dayz=3"]\n', "run.dayz", "unknown key"),
    ("bad arm intervention", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n[[arms.interventions]]\nkind = "fire_lane"\n', "kind", "did you mean"),
    ("sobol not power of 2", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n[sweep]\ndesign = "sobol"\nsamples = 6\n[[sweep.parameters]]\n'
     'key = "fire.growth_sigma"\nlow = 0.1\nhigh = 0.9\n', "sweep", "power of 2"),
    ("toml syntax", 'base = "{tiny}\n', "line", "invalid TOML"),
    ("lhs with values", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\nname = "a"\n'
     '[sweep]\ndesign = "lhs"\n[[sweep.parameters]]\nkey = "fire.growth_sigma"\n'
     'values = [0.3, 0.5]\n', "sweep.parameters[0].values", "low and high instead"),
    ("factorial without values", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n[sweep]\ndesign = "factorial"\n[[sweep.parameters]]\n'
     'key = "fire.growth_sigma"\nlow = 0.1\nhigh = 0.9\n', "sweep.parameters[0].values",
     "needs values"),
    ("duplicate sweep key", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n[sweep]\ndesign = "factorial"\n[[sweep.parameters]]\n'
     'key = "fire.growth_sigma"\nvalues = [0.3]\n[[sweep.parameters]]\n'
     'key = "fire.growth_sigma"\nvalues = [0.5]\n', "sweep.parameters[1].key", "swept twice"),
    ("bad sweep key", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\nname = "a"\n'
     '[sweep]\ndesign = "factorial"\n[[sweep.parameters]]\nkey = "fire.growth_sigmaa"\n'
     'values = [0.3]\n', "fire.growth_sigmaa", "unknown key"),
]  # fmt: skip

# Files that are valid experiments but not for the command run on them, and calibration
# mistakes: (command, case, file text, key, problem).
BAD_FOR_COMMAND = [
    ("sweep", "no sweep", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n', "sweep", "no [sweep] table"),
    ("sensitivity", "lhs for sensitivity", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n'
     '[[arms]]\nname = "a"\n[sweep]\ndesign = "lhs"\n[[sweep.parameters]]\n'
     'key = "fire.growth_sigma"\nlow = 0.1\nhigh = 0.9\n', "sweep.design", '"sobol"'),
    ("sensitivity", "sobol with values", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n'
     '[[arms]]\nname = "a"\n[sweep]\ndesign = "sobol"\n[[sweep.parameters]]\n'
     'key = "fire.growth_sigma"\nvalues = [0.1]\n', "sweep.parameters[0].values", "low and high"),
    ("calibrate", "no calibration", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n[[arms]]\n'
     'name = "a"\n', "calibration", "no [calibration] table"),
    ("calibrate", "unknown parameter", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n'
     '[[arms]]\nname = "a"\n[calibration]\n[[calibration.parameters]]\n'
     'key = "fire.growth_sigmaa"\nlow = 0.1\nhigh = 0.9\n[[calibration.targets]]\n'
     'outcome = "fires_per_year"\narm = "a"\nvalue = 1.0\nsd = 0.1\n', "fire.growth_sigmaa",
     "unknown key"),
    ("calibrate", "duplicate parameter", 'base = "{tiny}"\noutcomes = ["fires_per_year"]\n'
     '[[arms]]\nname = "a"\n[calibration]\n[[calibration.parameters]]\n'
     'key = "fire.growth_sigma"\nlow = 0.1\nhigh = 0.9\n[[calibration.parameters]]\n'
     'key = "fire.growth_sigma"\nlow = 0.2\nhigh = 0.9\n[[calibration.targets]]\n'
     'outcome = "fires_per_year"\narm = "a"\nvalue = 1.0\nsd = 0.1\n',
     "calibration.parameters[1].key", "listed twice"),
]  # fmt: skip


COMMANDS = ("compare", "sweep", "sensitivity", "calibrate")
CASES = [(command, *bad) for bad in BAD for command in COMMANDS] + BAD_FOR_COMMAND


@pytest.mark.parametrize(("command", "case", "text", "key", "problem"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])  # fmt: skip
def test_bad_experiment_files(tmp_path, capsys, command, case, text, key, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text.format(tiny=TINY), encoding="utf-8")
    out = tmp_path / "out"
    rc = main([command, str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert key in err and problem in err, err
    assert f"error: {path}" in err or "line" in key, err  # the file is named as the source
    assert not out.exists()
    assert np.all([p.name == "bad.toml" for p in tmp_path.iterdir()])


SWEEP = """
    [sweep]
    design = "{design}"
    samples = 4
    [[sweep.parameters]]
    key = "governance.tasks_per_gridworker_day"
    low = 4.0
    high = 30.0
    [[sweep.parameters]]
    key = "participation.intercept"
    low = -3.0
    high = -1.0
    """


@pytest.mark.filterwarnings("ignore:some Sobol' index intervals")  # n = 4 is deliberately small
@pytest.mark.parametrize(("command", "design"), [("sweep", "lhs"), ("sensitivity", "sobol")])
def test_sweep_and_sensitivity_commands(tmp_path, capsys, command, design):
    """The commands run a design on the real model and write their tables and report."""
    path = experiment_file(tmp_path, days=40, replications=1,
                           extra=SWEEP.format(design=design))  # fmt: skip
    out = tmp_path / "out"
    rc = main([command, str(path), "--out", str(out), "--workers", "2"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    n_samples = 4 if design == "lhs" else 4 * (2 + 2)
    assert len(list((out / "runs").rglob("*.parquet"))) == 3 * n_samples
    assert (out / "report.md").exists() and (out / "effects.csv").exists()
    if command == "sweep":
        table = pd.read_csv(out / "sweep.csv")
        assert len(table) == 3 * 4 and "governance.tasks_per_gridworker_day" in table
    else:
        table = pd.read_csv(out / "sensitivity.csv")
        assert set(table.parameter) == {"governance.tasks_per_gridworker_day",
                                        "participation.intercept"}  # fmt: skip
        # Every arm, as experiment files describe it.
        assert set(table.arm) == {"baseline", "same", "staffed"}
        assert len(table) == 3 * 4 * 2  # arms × outcomes × parameters
        assert "Sensitivity" in (out / "report.md").read_text()
        assert "first" in cap.out and "total" in cap.out


CALIBRATION = """
    [calibration]
    max_evaluations = 3
    [[calibration.parameters]]
    key = "participation.intercept"
    low = -3.0
    high = -1.0
    [[calibration.targets]]
    outcome = "participation_rate"
    arm = "baseline"
    value = 0.1
    sd = 0.02
    """


def test_factorial_sweep_runs_every_combination(tmp_path, capsys):
    extra = """
        [sweep]
        design = "factorial"
        [[sweep.parameters]]
        key = "participation.intercept"
        values = [-3.0, -1.0]
        [[sweep.parameters]]
        key = "governance.tasks_per_gridworker_day"
        values = [4.0, 12.0, 30.0]
        """
    path = experiment_file(tmp_path, days=10, replications=1, extra=extra)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--days", "8"]) == 0, capsys.readouterr()
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 3 * 6
    keys = ["participation.intercept", "governance.tasks_per_gridworker_day"]
    combos = table[table.arm == "baseline"][keys]
    assert sorted(map(tuple, combos.to_numpy().tolist())) == [
        (a, b) for a in (-3.0, -1.0) for b in (4.0, 12.0, 30.0)]  # fmt: skip
    # Higher baseline odds of participating give more participation at every capacity.
    by = table[table.arm == "baseline"].set_index(keys[::-1])["participation_rate"]
    for level in (4.0, 12.0, 30.0):
        assert by[(level, -1.0)] > by[(level, -3.0)], level
    assert load_results(out).timeseries("participation_rate").day.max() == 7


def test_dask_local_cluster_through_the_command_line(reference_run, tmp_path, capsys):
    pytest.importorskip("distributed")
    ref_out, _ = reference_run
    path = experiment_file(tmp_path)
    out = tmp_path / "out"
    rc = main(["compare", str(path), "--out", str(out), "--executor", "dask", "--workers", "1"])
    assert rc == 0, capsys.readouterr().err
    assert partitions(out) == partitions(ref_out)
    manifest = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert manifest["sessions"][-1]["executor"] == "dask"


def test_calibrate_command(tmp_path, capsys):
    path = experiment_file(tmp_path, days=15, replications=2, extra=CALIBRATION)
    out = tmp_path / "out"
    rc = main(["calibrate", str(path), "--out", str(out), "--days", "12"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "participation.intercept" in cap.out and "± " in cap.out
    saved = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert -3.0 < saved["parameters"]["participation.intercept"] < -1.0
    assert "participation.intercept" in (out / "report.md").read_text(encoding="utf-8")
    table = pd.read_csv(out / "calibration.csv")
    assert table.loc[0, "estimate"] == pytest.approx(saved["parameters"]["participation.intercept"])
    assert table.loc[0, "standard_error"] >= table.loc[0, "standard_error_data"] > 0
    evals = sorted((out / "evals").iterdir())
    assert len(evals) == saved["evaluations"]
    assert load_results(evals[0]).timeseries("participation_rate").day.max() == 11
    # Rerun: every evaluation is reused (no partition rewritten); --fresh starts over.
    before = {e.name: stats_of(e) for e in evals}
    assert main(["calibrate", str(path), "--out", str(out), "--days", "12"]) == 0
    assert {e.name: stats_of(e) for e in evals} == before
    assert main(["calibrate", str(path), "--out", str(out), "--days", "12", "--fresh"]) == 0
    assert {e.name: stats_of(e) for e in evals} != before
    # --fresh never deletes a directory that holds something else.
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    capsys.readouterr()
    assert main(["calibrate", str(path), "--out", str(other), "--fresh"]) == 2
    assert "holds no calibration" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_stopping_with_a_single_arm(tmp_path):
    """A single arm stops on the half-width of its mean's interval."""
    text = experiment_file(tmp_path, days=10, replications=2).read_text(encoding="utf-8")
    text = text[: text.index("[[arms]]\nname = \"same\"")] + textwrap.dedent("""
        [stopping]
        half_width = { participation_rate = 1e-9 }
        max_replications = 4
        batch = 1
        """)  # fmt: skip
    path = tmp_path / "single.toml"
    path.write_text(text.replace('reference = "baseline"\n', ""), encoding="utf-8")
    spec = load_experiment(path)
    assert [a.name for a in spec.arms] == ["baseline"]
    results = run_experiment(spec, tmp_path / "out", progress=False)
    assert results.summaries.replication.nunique() == 4  # never precise enough: the cap
    loose = path.read_text(encoding="utf-8").replace("1e-9", "1.0")
    path.write_text(loose, encoding="utf-8")
    results = run_experiment(load_experiment(path), tmp_path / "loose", progress=False)
    assert results.summaries.replication.nunique() == 2  # precise at once


def test_effect_interval_is_paired_t_for_few_pairs_and_bca_for_many():
    from scipy import stats as sps

    from vicinity_sim.experiment.stats import BOOTSTRAP_MIN_N, effect_interval, t_interval

    rng = np.random.default_rng(0)
    few = rng.normal(1.0, 1.0, 4)
    low, high, method = effect_interval(few)
    assert method == "t" and (low, high) == t_interval(few)[1:]
    # The t interval of 4 pairs is wider than a normal-quantile one: it carries the
    # uncertainty of the estimated spread, which a bootstrap of 4 values cannot see.
    z_half = sps.norm.ppf(0.975) * few.std(ddof=1) / 2
    assert (high - low) / 2 > 1.5 * z_half
    many = rng.exponential(1.0, BOOTSTRAP_MIN_N)
    low, high, method = effect_interval(many, seed=1)
    assert method == "bca" and low < many.mean() < high
    assert effect_interval(many, seed=1) == (low, high, method)  # seeded: reproducible
    # BCa follows the skew of the differences: the upper arm is the longer one.
    assert high - many.mean() > many.mean() - low
    assert effect_interval(np.full(30, 2.5)) == (2.5, 2.5, "bca")


# -- pandas and the Python API ---------------------------------------------------------------


def test_runs_read_with_pandas_dates_counts_and_units(reference_run):
    """``pd.read_parquet(DIR / "runs")`` reads every partition: arm and sample from the
    folders, dates as timestamps, counts as integers, units in the schema."""
    import pyarrow.parquet as pq

    from vicinity_sim.columns import units_of

    out, _ = reference_run
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 3 * 4 * 60
    assert set(runs["arm"].astype(str)) == {"baseline", "same", "staffed"}
    assert set(runs["sample"].astype(int)) == {0} and set(runs["replication"]) == {0, 1, 2, 3}
    assert pd.api.types.is_datetime64_any_dtype(runs["date"])
    assert runs["date"].min() == pd.Timestamp("2023-04-01")
    assert pd.api.types.is_integer_dtype(runs["flood_exposed_resident_days"])  # a count
    assert pd.api.types.is_float_dtype(runs["trust_institutional"])
    schema = pq.read_schema(next((out / "runs").rglob("*.parquet")))
    assert schema.field("flood_exposed_resident_days").metadata[b"unit"] == b"resident-days"
    assert b"description" in schema.field("participation_rate").metadata
    assert units_of(schema)["trust_institutional"] == "trust (0-1 scale)"
    assert units_of(schema)["cost_total_cny"].startswith("CNY")


def test_load_results_reads_partitions_of_the_earlier_layout(reference_run, tmp_path):
    """Partitions written before arm and sample left the columns are still read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out, results = reference_run
    old = tmp_path / "old"
    shutil.copytree(out, old)
    for path in (old / "runs").rglob("*.parquet"):
        table = pq.read_table(path)
        arm = path.parent.parent.name.split("=", 1)[1]
        sample = int(path.parent.name.split("=", 1)[1])
        table = table.add_column(0, "arm", pa.array([arm] * len(table)))
        table = table.add_column(1, "sample", pa.array(np.full(len(table), sample, np.int32)))
        table = table.replace_schema_metadata(pq.read_schema(path).metadata)
        pq.write_table(table, path)
    again = load_results(old)
    pd.testing.assert_frame_equal(again.summaries, results.summaries)
    pd.testing.assert_frame_equal(again.timeseries("trust_institutional"),
                                  results.timeseries("trust_institutional"))  # fmt: skip


def test_run_experiment_takes_a_path_overrides_and_replications(tmp_path):
    path = experiment_file(tmp_path, days=60, replications=4)
    results = run_experiment(path, tmp_path / "out", progress=False, replications=2,
                             overrides={"run.days": 7, "villages[0].plan.n_buildings": 60,
                                        "villages[0].population.n_residents": 500})  # fmt: skip
    df = results.summaries
    assert len(df) == 3 * 2 and set(df["days"]) == {7.0}
    assert set(df["residents_final"]) <= set(range(400, 700))
    listed = run_experiment(path, tmp_path / "out2", progress=False, replications=2,
                            overrides=["run.days=7", "villages[0].plan.n_buildings=60",
                                       "villages[0].population.n_residents=500"])  # fmt: skip
    pd.testing.assert_frame_equal(listed.summaries, df)
    for bad in (0, 1.5):
        with pytest.raises(InputError, match="replications"):
            run_experiment(path, tmp_path / "bad", replications=bad)
    with pytest.raises(InputError, match=r"run\.dayz"):
        run_experiment(path, tmp_path / "bad", overrides={"run.dayz": 3})
    assert not (tmp_path / "bad").exists()


def test_sessions_started_within_one_second_are_each_recorded(tmp_path, monkeypatch):
    """Two sessions in one process whose start times agree to the second (a quick resume) are
    both in the manifest: the second does not replace the first."""
    import vicinity_sim.experiment.runner as runner

    monkeypatch.setattr(runner, "_now", lambda: "2026-01-01T00:00:00+00:00")
    path = experiment_file(tmp_path, days=20, replications=1)
    out = tmp_path / "out"
    run_experiment(load_experiment(path), out)
    run_experiment(load_experiment(path), out)  # nothing left to run: a second, empty session
    manifest = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    ran = [s["tasks_run"] for s in manifest["sessions"]]
    assert len(ran) == 2 and ran[0] > 0 and ran[1] == 0
