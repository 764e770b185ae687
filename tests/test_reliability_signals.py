"""Signals and worker processes: Ctrl-C, SIGTERM, kill -9 of the parent, a killed worker.

Each test names the guarantee of docs/reliability.md it holds. The command line runs in its
own session, so that every process it starts (fork server, workers, resource trackers) can be
found by session id afterwards.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from helpers import ROOT

from vicinity_sim.cli import main
from vicinity_sim.experiment import load_experiment, run_experiment

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

TINY = (ROOT / "scenarios" / "tiny.toml").as_posix()
#: Tasks of the experiment below: 2 arms × 4 replications.
TASKS = 8


def experiment_file(tmp_path: Path, days: int = 300, extra: str = "") -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(f"""
        name = "sig"
        base = "{TINY}"
        replications = 4
        seed = 5
        outcomes = ["trust_institutional", "participation_rate"]
        set = ["run.days={days}"]
        [[arms]]
        name = "baseline"
        [[arms]]
        name = "staffed"
        [[arms.interventions]]
        kind = "gridworker_staffing"
        per_grid = 3
        """) + textwrap.dedent(extra), encoding="utf-8")  # fmt: skip
    return path


def partitions(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "runs").rglob("*.parquet"))}  # fmt: skip


def session(sid: int) -> list[int]:
    """Live processes of a session (zombies excluded)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(d.name))
    return out


def parent_of(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


def cmdline(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


#: The command line as a terminal starts it: with Ctrl-C enabled even if this process was
#: started with SIGINT ignored (a background job of a shell), which its children would inherit.
CLI = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'vicinity-sim'; runpy.run_module('vicinity_sim.cli', run_name='__main__')"
)


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CLI, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def wait_for_partitions(proc: subprocess.Popen, out: Path, n: int) -> None:
    deadline = time.monotonic() + 180
    while len(list((out / "runs").rglob("*.parquet"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def wait_until_gone(sid: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while session(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return session(sid)


def last_line(err: str) -> str:
    assert "Traceback" not in err, err
    return err.strip().replace("\r", "\n").splitlines()[-1]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The experiment run without interruption, in this process."""
    tmp = tmp_path_factory.mktemp("ref")
    run_experiment(load_experiment(experiment_file(tmp)), tmp / "out", progress=False)
    return partitions(tmp / "out")


def test_ctrl_c_stops_a_two_worker_compare_promptly_and_truthfully(tmp_path):
    """Signals: Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops a
    2-worker compare within 10 s; queued tasks are cancelled, workers stopped, the message
    counts the partitions really on disk, and no process is left."""
    out = tmp_path / "out"
    proc = start(["compare", experiment_file(tmp_path), "--workers", "2", "--out", out])
    wait_for_partitions(proc, out, 1)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == 130
    kept = len(partitions(out))
    assert 1 <= kept < TASKS
    line = last_line(err)
    assert line == (f"vicinity-sim: interrupted (SIGINT); {kept} of {TASKS} tasks are finished "
                    f"and kept in {out}; run the same command again to resume")  # fmt: skip
    assert wait_until_gone(proc.pid, 5) == []
    time.sleep(0.5)
    assert len(partitions(out)) == kept  # nothing wrote after the message
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_kill_9_of_the_parent_leaves_no_live_workers(tmp_path):
    """Signals: the fork server and its workers die with the main process, even when it is
    killed with SIGKILL (no handler runs), within 10 s."""
    out = tmp_path / "out"
    proc = start(["compare", experiment_file(tmp_path), "--workers", "2", "--out", out])
    wait_for_partitions(proc, out, 1)
    children = [p for p in session(proc.pid) if p != proc.pid]
    assert any("forkserver" in cmdline(p) for p in children), children
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_until_gone(proc.pid, 10) == []


def test_a_killed_worker_is_one_line_and_the_rerun_is_identical(tmp_path, uninterrupted,
                                                                capsys):  # fmt: skip
    """Signals: a worker killed mid-task (as the OOM killer would) is reported in one line,
    exit 2, with what was kept; the rerun completes byte-identical to an uninterrupted run."""
    out = tmp_path / "out"
    path = experiment_file(tmp_path)
    proc = start(["compare", path, "--workers", "2", "--out", out])
    wait_for_partitions(proc, out, 1)
    server = next(p for p in session(proc.pid)
                  if parent_of(p) == proc.pid and "forkserver" in cmdline(p))  # fmt: skip
    workers = [p for p in session(proc.pid)
               if parent_of(p) == server and "resource_tracker" not in cmdline(p)]  # fmt: skip
    assert workers
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.startswith("vicinity-sim")]
    assert len(lines) == 1 and "Traceback" not in err, err
    kept = len(partitions(out))
    assert "a worker process died" in lines[0]
    assert f"{kept} of {TASKS} tasks are finished and kept" in lines[0]
    assert wait_until_gone(proc.pid, 10) == []
    assert main(["compare", str(path), "--out", str(out)]) == 0, capsys.readouterr().err
    assert partitions(out) == uninterrupted


class _SigtermWhen(threading.Thread):
    """Sends SIGTERM to this process once ``ready()`` holds (a command is then mid-way)."""

    def __init__(self, ready):
        super().__init__(daemon=True)
        self.ready, self.stop = ready, threading.Event()

    def run(self):
        while not self.stop.is_set():
            if self.ready():
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.02)


@pytest.fixture
def sigterm_guard():
    """A SIGTERM arriving after the command returned must not end the test process."""
    old = signal.signal(signal.SIGTERM, lambda *a: None)
    yield
    signal.signal(signal.SIGTERM, old)


SWEEP = """
    [sweep]
    design = "lhs"
    samples = 4
    [[sweep.parameters]]
    key = "participation.intercept"
    low = -3.0
    high = -1.0
    """

CALIBRATION = """
    [calibration]
    max_evaluations = 5
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


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "calibrate"])
def test_sigterm_stops_every_command_and_says_what_was_kept(tmp_path, capsys, sigterm_guard,
                                                           command):  # fmt: skip
    """Signals: SIGTERM stops run, compare, sweep and calibrate (the same runner serves
    sensitivity and any later experiment command) and says truthfully what was kept."""
    out = tmp_path / "out"
    extra = {"sweep": SWEEP, "calibrate": CALIBRATION}.get(command, "")
    path = experiment_file(tmp_path, days=200, extra=extra)
    if command == "run":
        args = ["run", TINY, "--days", "5000", "--out", out]
        t0 = time.monotonic()
        watcher = _SigtermWhen(lambda: time.monotonic() - t0 > 0.5)
    else:
        args = [command, path, "--out", out]
        watcher = _SigtermWhen(lambda: any(out.rglob("rep=*.parquet")))
    watcher.start()
    rc = main([str(a) for a in args])
    watcher.stop.set()
    err = capsys.readouterr().err
    assert rc == 143, err
    line = last_line(err)
    assert line.startswith("vicinity-sim: interrupted (SIGTERM); "), line
    if command == "run":
        assert "nothing was written" in line and not out.exists()
    elif command == "calibrate":
        n = len(list((out / "evals").rglob("rep=*.parquet")))
        assert f"{n} finished simulations of 1 evaluation(s) are kept" in line, line
        assert 1 <= n < TASKS
    else:
        total = TASKS * (4 if command == "sweep" else 1)
        n = len(partitions(out))
        assert f"{n} of {total} tasks are finished and kept in {out}" in line, line
        assert 1 <= n < total


def test_importing_the_fork_servers_preload_elsewhere_binds_nothing(monkeypatch):
    """The fork server's preload module binds a process to its parent only inside the fork
    server: imported by any other process (a walk over the package's modules does this), it
    leaves the process's SIGTERM handling and life alone, whatever the main PID it is told."""
    import importlib

    import vicinity_sim.experiment.preload as preload
    from vicinity_sim import supervise

    before = signal.getsignal(signal.SIGTERM)
    for pid in (os.getpid(), os.getppid(), 1):
        monkeypatch.setenv(supervise.MAIN_PID_ENV, str(pid))
        importlib.reload(preload)
        assert signal.getsignal(signal.SIGTERM) is before
    assert not supervise._in_fork_server()
