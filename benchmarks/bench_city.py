"""Benchmarks of city runs spread over workers: the Xiamen city program, scaling, 10 M residents.

Cases (``--case``, several allowed; default all):

* ``program``: ``vicinity-sim run scenarios/xiamen_city_program.toml --workers 2`` (108
  villages, 2.27 M residents, three years, the program in waves): wall time of the command and
  its stages from the manifest (a timing run), then the peak memory of all its processes
  together (PSS, a memory run, whose wall time is reported beside as ``memory_run_wall_s``).
* ``scaling``: the same city with ``--workers 1`` and ``--workers 2`` for ``--scaling-days``
  days (default 365), alternating, ``--runs`` times each: simulate time (manifest) and the
  speed-up.
* ``tenmillion``: a synthetic city of 10 million residents in 476 villages, written by
  ``scenarios/city/generate.py`` (Xiamen's distributions and mean village size), with the
  program in waves of the same shares as Xiamen's (5/66/37 of 108), three years, ``--workers
  2``: wall time, peak memory of all processes and memory per resident, from one memory run
  (its time is therefore an upper bound: the sampling slows it).

Every command runs in its own session. Time and memory are measured in separate runs, because
measuring memory slows what it measures: reading a process's proportional set size walks its
page tables, about 75 ms for the three processes of the Xiamen program on this machine, so
sampling every 0.2 s kept about a quarter of a core busy in the kernel and made the two workers
wait (the program took 195 s sampled against 161 s unsampled, one run after the other). A
timing run reads only each process's CPU seconds (``/proc/PID/stat``, cheap). A memory run
samples, every 0.2 s, the sum of the proportional set sizes (PSS) of the session's processes
(the command, the fork server and the workers): a page shared by several processes (the workers
are forked from the fork server, which has loaded the package and its compiled kernels) counts
once in all, shared among them, so the sum is the physical memory the run takes. The sum of
their resident set sizes, which counts a shared page once per process, is reported beside it.
The CPU seconds of each process are recorded (the last sample before it ends): with the
machine's load average, they show how much of the wall time was waiting for a core on a shared
machine.

Usage::

    .venv/bin/python benchmarks/bench_city.py [--case program] [--runs 2] [--scaling-days 365]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIM = [sys.executable, "-m", "vicinity_sim.cli"]


def _pss(pid: Path) -> int:
    """Proportional set size of a process, bytes (0 if the kernel does not report it)."""
    for line in (pid / "smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def _session(sid: int, cpu: dict[int, float], memory: bool = True) -> tuple[int, int]:
    """Memory of a session's live processes, bytes: the sums of their resident and of their
    proportional set sizes (both 0 unless ``memory``); records each one's CPU seconds so far
    in ``cpu`` (pid → seconds)."""
    total = pss = 0
    page = os.sysconf("SC_PAGE_SIZE")
    tick = os.sysconf("SC_CLK_TCK")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:
                cpu[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
                if memory:
                    total += int((d / "statm").read_text().split()[1]) * page
                    pss += _pss(d)
        except (OSError, ValueError, IndexError):
            continue
    return total, pss


def timed(args: list[str], memory: bool = False) -> dict:
    """Run a command in its own session; its wall time, the manifest, each process's CPU
    seconds and, in a memory run (``memory``), the peak memory of its processes."""
    out = Path(tempfile.mkdtemp(prefix="bench-city-")) / "out"
    load = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen([*SIM, *args, "--out", str(out), "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    peak = [0, 0]  # sums of resident and of proportional set sizes
    cpu: dict[int, float] = {}

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = _session(proc.pid, cpu, memory)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err.strip()}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    busy = sorted(cpu.values(), reverse=True)
    return {"wall_s": wall, "peak_rss_mb": peak[0] / 2**20, "peak_pss_mb": peak[1] / 2**20,
            "timings_s": manifest["timings_s"],
            "cpu_s_by_process": [round(c, 1) for c in busy[:6]],
            "load_before": load, "load_after": os.getloadavg(), "out": str(out)}  # fmt: skip


def program(workers: int = 2) -> dict:
    args = ["run", str(ROOT / "scenarios" / "xiamen_city_program.toml"), "--workers", str(workers)]
    r = timed(args)
    m = timed(args, memory=True)
    r.update({k: m[k] for k in ("peak_rss_mb", "peak_pss_mb")})
    r["memory_run_wall_s"] = m["wall_s"]
    r["residents"] = 2_270_000
    r["bytes_per_resident"] = r["peak_pss_mb"] * 2**20 / r["residents"]
    return r


def scaling(days: int, runs: int) -> dict:
    path = str(ROOT / "scenarios" / "xiamen_city_program.toml")
    sims: dict[int, list[float]] = {1: [], 2: []}
    walls: dict[int, list[float]] = {1: [], 2: []}
    loads = []
    for _ in range(runs):
        for workers in (1, 2):
            r = timed(["run", path, "--days", str(days), "--workers", str(workers)])
            sims[workers].append(r["timings_s"]["simulate_s"])
            walls[workers].append(r["wall_s"])
            loads.append(r["load_before"][0])
    best = {w: min(v) for w, v in sims.items()}
    return {"days": days, "runs": runs, "simulate_s": sims, "wall_s": walls,
            "speedup_simulate_best": best[1] / best[2],
            "speedup_wall_best": min(walls[1]) / min(walls[2]), "load_1min": loads}  # fmt: skip


def ten_million(days: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-10m-"))
    city = tmp / "synthetic_10m.toml"
    subprocess.run([sys.executable, str(ROOT / "scenarios" / "city" / "generate.py"),
                    "--residents", "10000000", "--villages", "476", "--name", "synthetic_10m",
                    "--out", str(city)], check=True, capture_output=True)  # fmt: skip
    prog = tmp / "synthetic_10m_program.toml"
    prog.write_text(
        f'extends = ["{city}", "{ROOT / "scenarios" / "xiamen_program.toml"}"]\n'
        'name = "synthetic_10m_program"\n[rollout]\norder = "need"\n'
        '[[rollout.waves]]\nname = "pilot"\nstart_day = 0\nvillages = 22\n'
        '[[rollout.waves]]\nname = "push"\nstart_day = 366\nvillages = 291\n'
        '[[rollout.waves]]\nname = "full_coverage"\nstart_day = 1096\nvillages = 163\n',
        encoding="utf-8",
    )
    r = timed(["run", str(prog), "--workers", "2", "--days", str(days)], memory=True)
    r["residents"] = 10_000_000
    r["villages"] = 476
    r["bytes_per_resident"] = r["peak_pss_mb"] * 2**20 / r["residents"]
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append",
                        choices=["program", "scaling", "tenmillion"])  # fmt: skip
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--scaling-days", type=int, default=365)
    parser.add_argument("--days", type=int, default=1095, help="days of the 10 M city")
    args = parser.parse_args()
    cases = args.case or ["program", "scaling", "tenmillion"]
    for case in cases:
        if case == "program":
            result = program()
        elif case == "scaling":
            result = scaling(args.scaling_days, args.runs)
        else:
            result = ten_million(args.days)
        print(json.dumps({case: result}, indent=1), flush=True)


if __name__ == "__main__":
    main()
