"""Soak test: an experiment killed at random moments, resumed each time, ends byte-identical.

A comparison (2 arms × 10 replications of the tiny village, 2 local workers) is run once
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
ARMS, REPLICATIONS = 2, 10


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


def command(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "vicinity_sim.cli", "compare", str(path), "--workers", "2",
            "--out", str(out)]  # fmt: skip


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
    ap.add_argument("--days", type=int, default=400)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tasks = ARMS * REPLICATIONS
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp_s:
        tmp = Path(tmp_s)
        path = experiment(tmp, args.days)
        t0 = time.monotonic()
        subprocess.run(command(path, tmp / "ref"), check=True, capture_output=True)
        wall = time.monotonic() - t0
        reference = artefacts(tmp / "ref")
        out = tmp / "out"
        kills, failures = [], []
        for i in range(args.kills):
            done = len(list((out / "runs").rglob("*.parquet"))) if out.exists() else 0
            # A moment within what is left of the run: startup, tasks or the final report.
            left = wall * (0.3 + 0.7 * (tasks - done) / tasks)
            moment = rng.uniform(0.05, 0.9) * left
            sig = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
            proc = subprocess.Popen(command(path, out), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)  # fmt: skip
            time.sleep(moment)
            finished = proc.poll() is not None
            if not finished:
                os.kill(proc.pid, sig)
            _, err = proc.communicate(timeout=60)
            t_kill = time.monotonic()
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
            kills.append(record)
            print(json.dumps(record, ensure_ascii=False), flush=True)
            if left_over:
                failures.append(f"kill {i + 1}: processes left {left_over}")
                for pid in left_over:
                    os.kill(pid, signal.SIGKILL)
            if "Traceback" in err:
                failures.append(f"kill {i + 1}: traceback on stderr")
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
                   "max_processes_gone_s": max(k["processes_gone_s"] for k in kills),
                   "byte_identical": identical, "files_compared": len(reference),
                   "failures": failures}  # fmt: skip
        print(json.dumps(summary, indent=2))
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
