"""Experiments: common random numbers, executors, resumption after a kill, stopping, errors."""

import os
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
    """An arm identical to the reference has an effect of exactly zero; pairing makes the
    interval of a real effect narrower than ignoring it."""
    _, results = reference_run
    eff = results.effects().set_index(["arm", "outcome"])
    same = eff.loc["same"]
    assert (same["effect"] == 0).all()
    assert (same["ci_low"] == 0).all() and (same["ci_high"] == 0).all()
    staffed = eff.loc[("staffed", "trust_institutional")]
    assert staffed["effect"] > 0
    paired = staffed["ci_high"] - staffed["ci_low"]
    unpaired = staffed["unpaired_ci_high"] - staffed["unpaired_ci_low"]
    assert paired < unpaired / 2, (paired, unpaired)


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
    rc = main(["compare", str(path), "--out", str(out)])
    assert rc == 0
    after = partitions(out)
    assert len(after) == 12
    for name, data in done_before.items():
        assert after[name] == data  # finished tasks were not run again
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
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
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "key", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_experiment_files(tmp_path, capsys, case, text, key, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text.format(tiny=TINY), encoding="utf-8")
    out = tmp_path / "out"
    rc = main(["compare", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert key in err and problem in err, err
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
        assert "Sensitivity" in (out / "report.md").read_text()
        assert "first" in cap.out and "total" in cap.out
