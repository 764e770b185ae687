"""Soak test: an experiment killed at random moments, resumed each time, ends byte-identical.

A comparison (2 arms × 24 replications of the tiny village, 2 local workers) is run once
without interruption. Then the same command is started in a fresh directory and stopped
``--kills`` times at random moments (SIGKILL of the main process, SIGTERM or Ctrl-C, drawn at
random), each time started again in the same directory; after the last kill it runs to the
end. The script checks after every kill that no process of the command is left (fork server
and workers die with the main process), and at the end that every partition and the effects
table are byte-identical to the uninterrupted run and no temporary file is left.

Usage::

    .venv/bin/python benchmarks/soak_resume.py [--kills 10] [--seed 0] [--days 400]

Prints one line per kill and a JSON summary; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARMS, REPLICATIONS = 2, 24


def experiment(tmp: Path, days: int) -> Path:
    path = tmp / "soak.toml"
    path.write_text(textwrap.dedent(f"""
        name = "soak"
        base = "{(ROOT / 'scenarios' / 'tiny.toml').as_posix()}"
        replications = {REPLICATIONS}
        seed = 11
        outcomes = ["trust_institutional", "participation_rate", "fires_per_year"]
        set = ["run.days={days}"]
        [[arms]]
        name = "baseline"
        [[arms]]
        name = "staffed"
        [[arms.interventions]]
        kind = "gridworker_staffing"
        per_grid = 3
        """), encoding="utf-8")  # fmt: skip
    return path


#: The command line as a terminal starts it: Ctrl-C enabled even if this script runs as a
#: background job (which starts with SIGINT ignored, and its children with it).
CLI = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'vicinity-sim'; runpy.run_module('vicinity_sim.cli', run_name='__main__')"
)


def command(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", CLI, "compare", str(path), "--workers", "2", "--out", str(out)]


def session(sid: int) -> list[int]:
    """Live processes of a session (Linux /proc; zombies excluded)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def artefacts(out: Path) -> dict[str, bytes]:
    files = {p.relative_to(out).as_posix(): p.read_bytes()
             for p in sorted((out / "runs").rglob("*.parquet"))}  # fmt: skip
    if (out / "effects.csv").exists():
        files["effects.csv"] = (out / "effects.csv").read_bytes()
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--days", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tasks = ARMS * REPLICATIONS
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp_s:
        tmp = Path(tmp_s)
        path = experiment(tmp, args.days)
        t0 = time.monotonic()
        ref = subprocess.Popen(command(path, tmp / "ref"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
        seen = []  # when each partition appeared
        while ref.poll() is None:
            n = len(list((tmp / "ref").rglob("*.parquet")))
            seen += [time.monotonic() - t0] * (n - len(seen))
            time.sleep(0.02)
        assert ref.returncode == 0 and len(seen) == tasks, (ref.returncode, len(seen))
        wall = time.monotonic() - t0
        startup = seen[0]  # command to first finished task
        per_pair = (seen[-1] - seen[0]) / (tasks / 2 - 1)  # two workers, two tasks at a time
        reference = artefacts(tmp / "ref")
        out = tmp / "out"
        kills, failures = [], []
        for i in range(args.kills):
            done = len(list((out / "runs").rglob("*.parquet"))) if out.exists() else 0
            # A random moment in the next stretch of work: startup, a few tasks, or the
            # report when none are left, so that the kills land at every stage while the
            # experiment still has tasks for the later ones.
            stretch = startup + per_pair * min(3, (tasks - done) / 2) + 1.0
            moment = rng.uniform(0.1, 1.2) * stretch
            sig = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
            proc = subprocess.Popen(command(path, out), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)  # fmt: skip
            time.sleep(moment)
            finished = proc.poll() is not None
            t_kill = time.monotonic()
            if not finished:
                os.kill(proc.pid, sig)
            _, err = proc.communicate(timeout=60)
            while session(proc.pid) and time.monotonic() - t_kill < 30:
                time.sleep(0.05)
            left_over = session(proc.pid)
            gone_s = time.monotonic() - t_kill
            after = len(list((out / "runs").rglob("*.parquet"))) if out.exists() else 0
            line = (err.strip().replace("\r", "\n").splitlines() or [""])[-1]
            record = {"kill": i + 1, "signal": signal.Signals(sig).name, "at_s": round(moment, 2),
                      "finished_before_kill": finished, "exit": proc.returncode,
                      "partitions_before": done, "partitions_after": after,
                      "processes_gone_s": round(gone_s, 2), "left_over": left_over,
                      "message": line}  # fmt: skip
            if left_over:
                failures.append(f"kill {i + 1}: processes left {left_over}")
                for pid in left_over:
                    os.kill(pid, signal.SIGKILL)
            if "Traceback" in err:
                record["traceback"] = True
                # Before the command line has started (imports): Python's own handler runs.
                if not line.startswith("KeyboardInterrupt"):
                    failures.append(f"kill {i + 1}: traceback on stderr")
            kills.append(record)
            print(json.dumps(record, ensure_ascii=False), flush=True)
        final = subprocess.run(command(path, out), capture_output=True, text=True)
        if final.returncode != 0:
            failures.append(f"final run exited {final.returncode}: {final.stderr[-300:]}")
        result = artefacts(out)
        identical = result == reference
        if not identical:
            differ = sorted(k for k in set(result) | set(reference)
                            if result.get(k) != reference.get(k))  # fmt: skip
            failures.append(f"not byte-identical: {differ[:5]}")
        temporary = [p.name for p in out.rglob("*") if ".tmp-" in p.name or ".partial-" in p.name]
        if temporary:
            failures.append(f"temporary files left: {temporary[:5]}")
        summary = {"kills": len(kills), "interrupted": sum(not k["finished_before_kill"]
                                                            for k in kills),
                   "tasks": tasks, "uninterrupted_wall_s": round(wall, 1),
                   "startup_s": round(startup, 1),
                   "tracebacks_while_importing": sum(k.get("traceback", False) for k in kills),
                   "max_processes_gone_s": max(k["processes_gone_s"] for k in kills),
                   "byte_identical": identical, "files_compared": len(reference),
                   "failures": failures}  # fmt: skip
        print(json.dumps(summary, indent=2))
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
