"""Benchmark: resident-days per second of the default (Weili-like) village over three years.

Reports, on this machine:

* JIT compile time of every kernel, measured in a fresh process with an empty numba cache;
* world build time;
* simulation time of the baseline and the hazard package (median over runs with different
  seeds, JIT excluded), as resident-days per second;
* peak resident memory of this process.

Usage::

    .venv/bin/python benchmarks/bench_hazard.py [--runs 5]
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

WARMUP = """
import time
t = time.perf_counter()
from vicinity_sim.runs import simulate
from vicinity_sim.scenario import load_scenario
simulate(load_scenario("{scenario}", ["run.days=30"]))
print(time.perf_counter() - t)
"""


def compile_seconds() -> float:
    """Import and a 30-day run in a fresh process with an empty numba cache (compile cost)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        code = WARMUP.format(scenario=ROOT / "scenarios" / "hazard_package.toml")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
        return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5)")
    args = parser.parse_args()

    from vicinity_sim.model import VicinityModel
    from vicinity_sim.runs import simulate
    from vicinity_sim.scenario import load_scenario

    jit = compile_seconds()
    simulate(load_scenario(ROOT / "scenarios" / "hazard_package.toml", ["run.days=10"]))  # warm
    results = {}
    for name in ("baseline", "hazard_package"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        build, sim = [], []
        for seed in range(args.runs):
            t0 = time.perf_counter()
            model = VicinityModel(scenario, rng=seed)
            t1 = time.perf_counter()
            model.run()
            t2 = time.perf_counter()
            build.append(t1 - t0)
            sim.append(t2 - t1)
        residents = len(model.world.residents)
        days = scenario.run.days
        results[name] = {
            "residents": residents,
            "days": days,
            "build_s_median": statistics.median(build),
            "simulate_s_median": statistics.median(sim),
            "simulate_s_min": min(sim),
            "simulate_s_max": max(sim),
            "resident_days_per_s": residents * days / statistics.median(sim),
        }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {"jit_compile_s": jit, "runs": args.runs, "peak_rss_mb": peak_mb, **results}
    print(f"JIT compile (fresh cache, import + 30-day run): {jit:.1f} s")
    for name, r in results.items():
        print(
            f"{name:<15} {r['residents']:,} residents × {r['days']} days: build "
            f"{r['build_s_median']:.2f} s, simulate median {r['simulate_s_median']:.2f} s "
            f"(min {r['simulate_s_min']:.2f}, max {r['simulate_s_max']:.2f}) → "
            f"{r['resident_days_per_s']:.3g} resident-days/s"
        )
    print(f"peak memory: {peak_mb:.0f} MB")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
