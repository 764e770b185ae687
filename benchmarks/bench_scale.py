"""Benchmarks at scale: the city, a Weili-size program run, warm start and experiment throughput.

Cases (``--case``, several allowed; default all):

* ``weili``: the whole program (``xiamen_program.toml``) in a Weili-size village (37,500
  residents), three years, every mechanism: simulate time, median of ``--runs`` seeds, JIT
  excluded.
* ``city``: the city's 108 villages and 2.27 M residents (``xiamen_city_program.toml``), three
  years: build and simulate wall time and peak resident memory, in a fresh process.
* ``start``: from command to first simulated day: a fresh interpreter imports what
  ``vicinity-sim`` imports, loads ``scenarios/baseline.toml``, builds the Weili-size village
  and simulates one day; with the kernels cached (warm, median of 5) and with an empty numba
  cache (cold: compilation included).
* ``throughput``: runs per minute of an experiment (baseline and program, 6 replications
  each, the Weili-size village for a year) with 1 and 2 local workers, and the speed-up.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--case city] [--runs 3] [--city-days 1095]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CITY = """
import json, resource, time
t0 = time.perf_counter()
from vicinity_sim.model import VicinityModel
from vicinity_sim.scenario import load_scenario
sc = load_scenario("{root}/scenarios/xiamen_city_program.toml", ["run.days={days}"])
t1 = time.perf_counter()
m = VicinityModel(sc, rng=0)
t2 = time.perf_counter()
m.run()
t3 = time.perf_counter()
print(json.dumps({{"residents": len(m.world.residents), "villages": m.world.n_villages,
    "days": {days}, "import_load_s": t1 - t0, "build_s": t2 - t1, "simulate_s": t3 - t2,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def weili(runs: int) -> dict:
    from vicinity_sim.model import VicinityModel
    from vicinity_sim.scenario import load_scenario

    path = ROOT / "scenarios" / "xiamen_program.toml"
    VicinityModel(load_scenario(path, ["run.days=10"])).run()  # compile or load kernels
    times = []
    for seed in range(runs):
        model = VicinityModel(load_scenario(path), rng=seed)
        t0 = time.perf_counter()
        model.run()
        times.append(time.perf_counter() - t0)
    residents, days = len(model.world.residents), model.days
    med = statistics.median(times)
    return {"residents": residents, "days": days, "runs": runs, "simulate_s_median": med,
            "simulate_s_min": min(times), "simulate_s_max": max(times),
            "resident_days_per_s": residents * days / med}  # fmt: skip


def city(days: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CITY.format(root=ROOT, days=days)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["wall_s"] = r["import_load_s"] + r["build_s"] + r["simulate_s"]
    return r


FIRST_DAY = """
import time
import vicinity_sim.cli  # what the command imports
from vicinity_sim.model import VicinityModel
from vicinity_sim.scenario import load_scenario
model = VicinityModel(load_scenario("{root}/scenarios/baseline.toml", ["run.days=1"]), rng=0)
model.step()
print(time.time())
"""


def _first_day(env: dict | None = None) -> float:
    """Seconds from launching a fresh interpreter to the end of the first simulated day."""
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", FIRST_DAY.format(root=ROOT)], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1]) - t0


def start() -> dict:
    _first_day()  # make sure the cache is warm
    warm = [_first_day() for _ in range(5)]
    with tempfile.TemporaryDirectory() as cache:
        cold = _first_day(dict(os.environ, NUMBA_CACHE_DIR=cache))
    return {"warm_s_median": statistics.median(warm), "warm_s_max": max(warm), "cold_s": cold}


def throughput() -> dict:
    from vicinity_sim.experiment.runner import run_experiment
    from vicinity_sim.experiment.spec import load_experiment

    spec = load_experiment(ROOT / "experiments" / "four_pillars.toml")
    arms = [a for a in spec.arms if a.name in ("baseline", "program")]
    spec = spec.model_copy(update={
        "arms": arms, "replications": 6, "stopping": None,
        "set": [*spec.set, "run.days=365"]})  # fmt: skip
    out = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_experiment(spec, tmp, workers=workers, progress=False)
            wall = time.perf_counter() - t0
        out[f"workers_{workers}"] = {"tasks": 12, "wall_s": wall, "runs_per_min": 12 / wall * 60}
    out["speedup"] = out["workers_2"]["runs_per_min"] / out["workers_1"]["runs_per_min"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=["weili", "city", "start", "throughput"])
    parser.add_argument("--runs", type=int, default=3, help="seeds of the weili case")
    parser.add_argument("--city-days", type=int, default=1095)
    args = parser.parse_args()
    cases = args.case or ["start", "weili", "throughput", "city"]
    report = {}
    for case in cases:
        if case == "weili":
            r = report["weili"] = weili(args.runs)
            print(f"weili program: {r['residents']:,} residents × {r['days']} days, simulate "
                  f"median {r['simulate_s_median']:.1f} s (min {r['simulate_s_min']:.1f}, max "
                  f"{r['simulate_s_max']:.1f}) → {r['resident_days_per_s']:.3g} "
                  "resident-days/s")  # fmt: skip
        elif case == "city":
            r = report["city"] = city(args.city_days)
            print(f"city program: {r['villages']} villages, {r['residents']:,} residents × "
                  f"{r['days']} days: build {r['build_s']:.1f} s, simulate "
                  f"{r['simulate_s']:.0f} s, wall {r['wall_s']:.0f} s, peak memory "
                  f"{r['peak_rss_mb']:,.0f} MB")  # fmt: skip
        elif case == "start":
            r = report["start"] = start()
            print(f"start to first day: warm {r['warm_s_median']:.2f} s (median of 5, max "
                  f"{r['warm_s_max']:.2f}), cold (empty numba cache) "
                  f"{r['cold_s']:.1f} s")  # fmt: skip
        else:
            r = report["throughput"] = throughput()
            print(f"experiment throughput: {r['workers_1']['runs_per_min']:.1f} runs/min with 1 "
                  f"worker, {r['workers_2']['runs_per_min']:.1f} with 2 "
                  f"(speed-up {r['speedup']:.2f}x)")  # fmt: skip
    report["peak_rss_mb_this_process"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
