"""Outputs under concurrency, hostile names, failing disks and hostile inputs.

Each test names the guarantee of docs/reliability.md it holds.
"""

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import ROOT

from vicinity_sim import limits, outdir, preflight
from vicinity_sim.cli import main
from vicinity_sim.errors import OutputError
from vicinity_sim.experiment.design import Task
from vicinity_sim.experiment.store import Store
from vicinity_sim.names import inside

# The races fork this (threaded) process on purpose: forked commands start at once.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")

TINY = (ROOT / "scenarios" / "tiny.toml").as_posix()
FORK = multiprocessing.get_context("fork")
RUN_FILES = ["agents", "fire_events.parquet", "manifest.json", "summary.json", "timeseries.parquet"]


def run_cli(args, capsys):
    rc = main([str(a) for a in args])
    cap = capsys.readouterr()
    return rc, cap.err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def dead_pid() -> int:
    """The PID of a process that has ended."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def experiment(tmp_path: Path, days: int = 5, arm: str = "baseline", name: str = "e") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(f"""
        name = "{name}"
        base = "{TINY}"
        replications = 1
        outcomes = ["trust_institutional"]
        set = ["run.days={days}"]
        [[arms]]
        name = "{arm}"
        """), encoding="utf-8")  # fmt: skip
    return path


# -- locking: one writer per directory -------------------------------------------------------


def _hold(out, barrier, results):
    try:
        lock = outdir.OutputLock(out)
        lock.acquire()
    except OutputError as e:
        results.put(("refused", str(e)))
        barrier.wait()
        return
    barrier.wait()  # both have tried: only now may the holder let go
    lock.release()
    results.put(("held", ""))


def test_lock_admits_exactly_one_of_two_simultaneous_writers_20_times(tmp_path):
    """Locking: two processes lock one directory at the same moment; exactly one gets it."""
    for trial in range(20):
        out = tmp_path / f"out{trial}"
        barrier, results = FORK.Barrier(2), FORK.Queue()
        procs = [FORK.Process(target=_hold, args=(out, barrier, results)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        got = sorted(results.get(timeout=5) for _ in range(2))
        assert [g[0] for g in got] == ["held", "refused"], (trial, got)
        assert "in use by another vicinity-sim process (PID" in got[1][1]
        assert not outdir.lock_path(out).exists()  # released and removed


def _hold_forever(out, ready):
    outdir.OutputLock(out).acquire()
    ready.put("locked")
    time.sleep(60)


def test_lock_of_a_killed_holder_is_taken_over(tmp_path):
    """Locking: the kernel releases the lock of a killed writer; its lock file is reused."""
    out = tmp_path / "out"
    ready = FORK.Queue()
    p = FORK.Process(target=_hold_forever, args=(out, ready))
    p.start()
    assert ready.get(timeout=30) == "locked"
    with pytest.raises(OutputError, match=f"PID {p.pid}"):
        outdir.OutputLock(out).acquire()
    p.kill()
    p.join()
    assert outdir.lock_path(out).exists()  # left behind by the killed holder
    with outdir.OutputLock(out):
        assert outdir.lock_path(out).read_text().split()[0] == str(os.getpid())


def _race_child(barrier, argv, err, delay):
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = open(err, "w")  # noqa: SIM115
    import vicinity_sim.runs as runs

    simulate = runs.simulate

    def slow(*a, **k):  # hold the lock a little longer than a tiny run does on its own
        time.sleep(delay)
        return simulate(*a, **k)

    runs.simulate = slow
    barrier.wait()
    rc = main(argv)
    sys.stderr.flush()
    os._exit(rc)


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """Kernels and libraries loaded in this process, so that forked commands start at once."""
    tmp = tmp_path_factory.mktemp("warm")
    assert main(["compare", str(experiment(tmp, days=2)), "--out", str(tmp / "o")]) == 0


def race(tmp_path: Path, argvs: list[list[str]], delay: float = 0.1) -> list[tuple[int, str]]:
    """Run two commands at the same moment (forked from this process); exit codes and stderr."""
    barrier = FORK.Barrier(len(argvs))
    errs = [tmp_path / f"err{i}" for i in range(len(argvs))]
    procs = [FORK.Process(target=_race_child, args=(barrier, a, e, delay))
             for a, e in zip(argvs, errs, strict=True)]  # fmt: skip
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [(p.exitcode, e.read_text()) for p, e in zip(procs, errs, strict=True)]


def test_concurrent_runs_on_one_directory_20_trials(tmp_path, warm):
    """Locking and atomic publishing: of two runs started together on one --out, exactly one
    writes; the other exits 2 with one line; the directory holds the winner's run."""
    for trial in range(20):
        out = tmp_path / f"cc{trial}"
        argvs = [["run", TINY, "--days", "3", "--seed", str(s), "--out", str(out), "--quiet"]
                 for s in (1, 2)]  # fmt: skip
        got = race(tmp_path, argvs)
        codes = sorted(rc for rc, _ in got)
        assert codes == [0, 2], (trial, got)
        winner = next(s for s, (rc, _) in zip((1, 2), got, strict=True) if rc == 0)
        loser_err = next(err for rc, err in got if rc == 2)
        line = one_line(loser_err)
        assert "in use by another vicinity-sim process" in line or "not empty" in line, line
        assert json.loads((out / "manifest.json").read_text())["seed"] == winner
        assert sorted(p.name for p in out.iterdir()) == RUN_FILES


def test_concurrent_compares_on_one_directory(tmp_path, warm):
    """Locking: of two comparisons started together on one --out, exactly one runs the
    experiment; the other exits 2 with one line (and deletes nothing of the first's)."""
    path = experiment(tmp_path, days=3)
    for trial in range(5):
        out = tmp_path / f"cmp{trial}"
        got = race(tmp_path, [["compare", str(path), "--out", str(out)]] * 2)
        assert sorted(rc for rc, _ in got) == [0, 2], (trial, got)
        line = one_line(next(err for rc, err in got if rc == 2))
        assert "in use by another vicinity-sim process" in line, line
        manifest = json.loads((out / "experiment.json").read_text())
        assert [s["tasks_run"] for s in manifest["sessions"]] == [1]  # the work was done once


def test_a_live_writers_temporary_files_are_kept(tmp_path):
    """Leftovers: only temporary files of ended processes are removed, never a live one's."""
    root = tmp_path / "exp"
    part = root / "runs" / "arm=a" / "sample=0"
    part.mkdir(parents=True)
    dead = part / f".rep=0.parquet.tmp-{dead_pid()}"
    live = part / f".rep=1.parquet.tmp-{os.getpid()}"
    dead.write_bytes(b"x")
    live.write_bytes(b"x")
    removed = outdir.clean_leftovers(root)
    assert removed == [dead] and not dead.exists() and live.exists()


def test_leftover_partial_directories_are_removed_by_the_next_run(tmp_path, capsys):
    """Leftovers: a killed run's .out.partial-PID and .out.old-PID go with the next run."""
    out = tmp_path / "out"
    gone = dead_pid()
    for kind in ("partial", "old"):
        (tmp_path / f".out.{kind}-{gone}").mkdir()
        (tmp_path / f".out.{kind}-{gone}" / "timeseries.parquet").write_bytes(b"half")
    mine = tmp_path / f".other.partial-{gone}"  # another output's: not this run's business
    mine.mkdir()
    rc, err = run_cli(["run", TINY, "--days", "3", "--out", out, "--quiet"], capsys)
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "out"]


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../../../ESCAPED", "..", "a/b", ".hidden", "x=y", "a b"])
def test_traversal_arm_names_are_refused(tmp_path, capsys, name):
    """Names: an arm name becomes a folder only if it is one safe path component."""
    path = experiment(tmp_path, arm=name.replace('"', ""))
    rc, err = run_cli(["compare", path, "--out", tmp_path / "a" / "b" / "out"], capsys)
    assert rc == 2
    assert "arms[0].name" in one_line(err) and "cannot be used in file names" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing written


def test_traversal_scenario_names_are_refused(tmp_path, capsys, monkeypatch):
    """Names: a scenario's name is validated before it names the default output folder."""
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "v2"
    victim.mkdir()
    (victim / "manifest.json").write_text("{}")
    scen = tmp_path / "deep" / "s.toml"
    scen.parent.mkdir()
    scen.write_text(f'name = "../../v2"\nextends = "{TINY}"\n', encoding="utf-8")
    for args in (["run", scen, "--days", "2", "--force"], ["compare", scen, TINY, "--days", "2"]):
        rc, err = run_cli(args, capsys)
        assert rc == 2 and "name: '../../v2' cannot be used in file names" in one_line(err)
    assert (victim / "manifest.json").exists()
    assert not (tmp_path / "outputs").exists()


def test_paths_are_verified_to_stay_inside_the_output_directory(tmp_path):
    """Names: every partition path is checked to resolve inside the experiment directory,
    also through a symbolic link."""
    store = Store(tmp_path / "exp")
    with pytest.raises(OutputError, match="outside the output directory"):
        store.path(Task("../../../../ESCAPED", 0, 0))
    (tmp_path / "exp" / "runs").mkdir(parents=True)
    (tmp_path / "exp" / "runs" / "arm=link").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="outside the output directory"):
        inside(tmp_path / "exp", tmp_path / "exp" / "runs" / "arm=link" / "x")
    with pytest.raises(OutputError):
        outdir.publish_dir({"../x": b"1"}, tmp_path / "o")
    assert not (tmp_path / "x").exists() and not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["run", "compare"])
def test_force_deletes_only_directories_of_outputs(tmp_path, capsys, command):
    """--force: a non-empty directory without this project's outputs is never replaced."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    if command == "compare":
        args = ["compare", TINY, TINY, "--seeds", "1", "--days", "2", "--out", out, "--force"]
    else:
        args = ["run", TINY, "--days", "2", "--out", out, "--force"]
    rc, err = run_cli(args, capsys)
    assert rc == 2 and "holds no vicinity-sim outputs" in one_line(err)
    assert (out / "thesis.tex").read_text() == "years of work"


# -- failing environments ----------------------------------------------------------------------


def _mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; not permitted here")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {r.stderr.strip()}")


@pytest.fixture
def mounts():
    made: list[Path] = []
    yield made
    for m in made:
        subprocess.run(["umount", "-l", str(m)], check=False)


def test_read_only_directory_is_refused_before_simulating(tmp_path, capsys, mounts, monkeypatch):
    """Checks before simulating: an unwritable --out is one line, exit 2, and no run."""
    ro = tmp_path / "ro"
    if os.geteuid() == 0:  # permission bits do not stop root: a read-only mount does
        _mount_tmpfs(ro, "ro,size=64k")
        mounts.append(ro)
    else:
        ro.mkdir()
        ro.chmod(0o555)
    simulated = []
    monkeypatch.setattr("vicinity_sim.runs.simulate", lambda *a, **k: simulated.append(1))
    for args in (["run", TINY, "--out", ro / "x"],
                 ["compare", experiment(tmp_path), "--out", ro / "x"]):  # fmt: skip
        rc, err = run_cli(args, capsys)
        assert rc == 2 and "cannot write in" in one_line(err), err
    assert simulated == []


def test_tiny_tmpfs_refuses_or_keeps_the_finished_run(tmp_path, capsys, mounts, monkeypatch):
    """Checks before simulating and write faults: a full disk is refused up front; if it
    fills up during the run, the finished results are saved elsewhere and the line says
    where, byte for byte what the run would have written."""
    small = tmp_path / "small"
    _mount_tmpfs(small, "size=16k")
    mounts.append(small)
    args = ["run", TINY, "--days", "30", "--quiet"]
    rc, err = run_cli([*args, "--out", small / "x"], capsys)
    assert rc == 2 and "free in" in one_line(err) and "need up to" in err
    assert not (small / "x").exists()
    # The disk fills while the run simulates: the check passes, the write fails.
    monkeypatch.setattr(preflight, "check_space", lambda out, need: None)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the results are saved instead
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    rc, err = run_cli([*args, "--out", small / "x"], capsys)
    line = one_line(err)
    assert rc == 2 and "No space left on device" in line and "saved in" in line
    saved = Path(line.split("saved in ")[1].split(" instead")[0])
    assert saved.parent == tmp_path
    assert not (small / "x").exists() and not list(small.iterdir())  # nothing half-written
    rc, err = run_cli([*args, "--out", tmp_path / "ref"], capsys)
    assert rc == 0, err
    for name in ("timeseries.parquet", "fire_events.parquet", "summary.json"):
        assert (saved / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name


def test_experiment_on_a_full_disk_keeps_finished_partitions(tmp_path, capsys, mounts,
                                                             monkeypatch):  # fmt: skip
    """Write faults: an experiment whose disk fills says what is kept and how to resume."""
    small = tmp_path / "small"
    _mount_tmpfs(small, "size=12k")
    mounts.append(small)
    monkeypatch.setattr(preflight, "check_space", lambda out, need: None)
    rc, err = run_cli(["compare", experiment(tmp_path, days=200), "--out", small / "e"], capsys)
    line = one_line(err)
    assert rc == 2 and "No space left on device" in line
    assert "0 of 1 tasks are finished and kept" in line and "resume" in line


def test_memory_is_checked_before_simulating(tmp_path, capsys, monkeypatch):
    """Checks before simulating: a population that cannot fit is refused in one line."""
    monkeypatch.setattr(preflight, "available_memory", lambda: 400 * 2**20)
    simulated = []
    monkeypatch.setattr("vicinity_sim.runs.simulate", lambda *a, **k: simulated.append(1))
    big = "villages[0].population.n_residents=1000000"
    rc, err = run_cli(["run", TINY, "--set", big, "--out", tmp_path / "o"], capsys)
    assert rc == 2 and "needs about" in one_line(err) and "1,000,000 residents" in err
    exp = experiment(tmp_path)
    rc, err = run_cli(["compare", exp, "--set", big, "--workers", "2", "--out", tmp_path / "e"],
                      capsys)  # fmt: skip
    assert rc == 2 and "× 2 workers" in one_line(err)
    assert simulated == [] and not (tmp_path / "o").exists() and not (tmp_path / "e").exists()


@pytest.mark.parametrize("case", ["file", "dot", "schema-dir"])
def test_io_errors_are_one_line(tmp_path, capsys, monkeypatch, case):
    """Every I/O error: one line, exit 2, before any simulation; --out . fills the working
    directory in place."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("a file")
    if case == "file":
        rc, err = run_cli(["run", TINY, "--days", "2", "--out", "f/x"], capsys)
        assert rc == 2 and "f is a file" in one_line(err)
    elif case == "dot":
        work = tmp_path / "work"
        work.mkdir()
        monkeypatch.chdir(work)
        rc, err = run_cli(["run", TINY, "--days", "2", "--out", ".", "--quiet"], capsys)
        assert rc == 0, err
        assert sorted(p.name for p in work.iterdir()) == RUN_FILES
        assert Path.cwd() == work and work.is_dir()  # still there, not renamed away
        rc, err = run_cli(["run", TINY, "--days", "2", "--out", ".", "--force"], capsys)
        assert rc == 2 and "in place" in one_line(err)
    else:
        (tmp_path / "d").mkdir()
        rc, err = run_cli(["schema", "--out", "d"], capsys)
        assert rc == 2 and "is a directory" in one_line(err)


# -- input limits ------------------------------------------------------------------------------


def _validate(capsys, path, *extra):
    return run_cli(["validate", path, *extra], capsys)


@pytest.mark.parametrize("case", ["arrays", "inline", "dotted", "big", "set-deep", "set-key"])
def test_input_size_and_nesting_are_bounded(tmp_path, capsys, case):
    """Input limits: oversized or pathologically nested input is one line, never a
    RecursionError."""
    path = tmp_path / "s.toml"
    extra: list[str] = []
    text = f'extends = "{TINY}"\n'
    if case == "arrays":
        text += "x = " + "[" * 5000 + "]" * 5000 + "\n"
    elif case == "inline":
        text += "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"
    elif case == "dotted":
        text += "[run." + ".".join(["a"] * 3000) + "]\nb = 1\n"
    elif case == "big":
        text += "# " + "x" * limits.MAX_BYTES + "\n"
    elif case == "set-deep":
        extra = ["--set", "run.days=" + "[" * 3000 + "]" * 3000]
    else:
        extra = ["--set", "run." + ".".join(["a"] * 3000) + "=1"]
    path.write_text(text, encoding="utf-8")
    rc, err = _validate(capsys, path, *extra)
    line = one_line(err)
    assert rc == 2 and ("deep" in line or "larger than" in line or "parts" in line), line


def test_extends_chains_are_bounded(tmp_path, capsys):
    """Input limits: a chain of extends longer than the limit, and a diamond that would load
    files exponentially often, are refused in one line."""
    prev = TINY
    for i in range(limits.MAX_EXTENDS + 2):
        p = tmp_path / f"c{i}.toml"
        p.write_text(f'extends = "{prev}"\n', encoding="utf-8")
        prev = p.as_posix()
    rc, err = _validate(capsys, prev)
    assert rc == 2 and "chain of extends longer than" in one_line(err)
    prev = TINY
    for i in range(12):
        p = tmp_path / f"d{i}.toml"
        p.write_text(f'extends = ["{prev}", "{prev}"]\n', encoding="utf-8")
        prev = p.as_posix()
    rc, err = _validate(capsys, prev)
    assert rc == 2 and "extends loads more than" in one_line(err)


def test_an_empty_scenario_is_an_error_unless_it_extends(tmp_path, capsys):
    """Input limits: an empty file does not run the default village for three years."""
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing here\n", encoding="utf-8")
    rc, err = _validate(capsys, empty)
    assert rc == 2 and "is empty" in one_line(err)
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{TINY}"\n', encoding="utf-8")
    rc, err = _validate(capsys, child)
    assert rc == 0, err


@pytest.mark.parametrize("key", ["run..days", ".run.days", "run.days.", "run.[0]"])
def test_malformed_override_keys_are_refused(capsys, key):
    rc, err = _validate(capsys, TINY, "--set", f"{key}=5")
    assert rc == 2 and "malformed key" in one_line(err)


def test_oversized_experiment_files_are_refused(tmp_path, capsys):
    path = experiment(tmp_path)
    path.write_text(path.read_text() + "#" * (limits.MAX_BYTES + 1), encoding="utf-8")
    rc, err = run_cli(["compare", path], capsys)
    assert rc == 2 and "larger than" in one_line(err)
