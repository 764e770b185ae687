"""Benchmark: resident-days per second of the default (Weili-like) village over three years.

Reports, on this machine:

* JIT compile time of every kernel: two 30-day runs in a fresh process with an empty numba
  cache, minus the same runs in a fresh process with the cache filled (so import and the runs
  themselves are not counted as compilation);
* world build time;
* simulation time (median over runs with different seeds, JIT excluded) and resident-days per
  second for: the hazard mechanisms alone (the social mechanisms switched off with
  ``run.disabled_processes``), all mechanisms on the baseline, and all mechanisms with the
  governance package, all mechanisms with the economy package; the ratio of all mechanisms to
  hazard alone; and, for the baseline with all mechanisms, the share of the simulation time
  spent in each process;
* peak resident memory of this process.

Usage::

    .venv/bin/python benchmarks/bench_village.py [--runs 5]
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
SOCIAL = (
    '["contacts","governance","disputes","participation","labour","collective",'
    '"housing","migration"]'
)

WARMUP = """
import time
t = time.perf_counter()
from vicinity_sim.runs import simulate
from vicinity_sim.scenario import load_scenario
for name in ("hazard_package", "governance_package", "economy_package"):
    simulate(load_scenario("{root}/scenarios/" + name + ".toml", ["run.days=30"]))
print(time.perf_counter() - t)
"""

CASES = {
    "hazard mechanisms only": ("baseline", [f"run.disabled_processes={SOCIAL}"]),
    "all mechanisms, baseline": ("baseline", []),
    "all mechanisms, governance package": ("governance_package", []),
    "all mechanisms, economy package": ("economy_package", []),
}


def warmup_seconds(cache: str) -> float:
    """Seconds for the short runs of ``WARMUP`` in a fresh process using numba cache ``cache``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", WARMUP.format(root=ROOT)], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def compile_seconds() -> tuple[float, float]:
    """Cold and warm seconds of the same short runs; their difference is compilation."""
    with tempfile.TemporaryDirectory() as cache:
        cold = warmup_seconds(cache)
        warm = warmup_seconds(cache)
    return cold, warm


def process_shares(scenario, seed: int = 0) -> dict[str, float]:
    """Share of simulation time per process for one run (timed around each process's step)."""
    from vicinity_sim.model import VicinityModel

    model = VicinityModel(scenario, rng=seed)
    spent = dict.fromkeys((p.name for p in model.processes), 0.0)

    def timed(proc):
        step = proc.step

        def wrapper(day, key):
            t = time.perf_counter()
            out = step(day, key)
            spent[proc.name] += time.perf_counter() - t
            return out

        return wrapper

    for proc in model.processes:
        proc.step = timed(proc)  # the instance attribute shadows the method
    model.run()
    total = sum(spent.values())
    return {name: s / total for name, s in sorted(spent.items(), key=lambda kv: -kv[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    args = parser.parse_args()

    from vicinity_sim.model import VicinityModel
    from vicinity_sim.scenario import load_scenario

    cold, warm = compile_seconds()
    jit = cold - warm
    results = {}
    for label, (name, overrides) in CASES.items():
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml", overrides)
        VicinityModel(load_scenario(ROOT / "scenarios" / f"{name}.toml", ["run.days=10"])).run()
        build, sim = [], []
        for seed in range(args.runs):
            t0 = time.perf_counter()
            model = VicinityModel(scenario, rng=seed)
            t1 = time.perf_counter()
            model.run()
            t2 = time.perf_counter()
            build.append(t1 - t0)
            sim.append(t2 - t1)
        residents, days = len(model.world.residents), scenario.run.days
        results[label] = {
            "residents": residents,
            "days": days,
            "build_s_median": statistics.median(build),
            "simulate_s_median": statistics.median(sim),
            "simulate_s_min": min(sim),
            "simulate_s_max": max(sim),
            "resident_days_per_s": residents * days / statistics.median(sim),
        }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hazard = results["hazard mechanisms only"]["resident_days_per_s"]
    full = results["all mechanisms, baseline"]["resident_days_per_s"]
    shares = process_shares(load_scenario(ROOT / "scenarios" / "baseline.toml"))
    report = {"jit_compile_s": jit, "warmup_cold_s": cold, "warmup_warm_s": warm,
              "runs": args.runs, "peak_rss_mb": peak_mb,
              "slowdown_all_vs_hazard": hazard / full, "process_shares_baseline": shares,
              **results}  # fmt: skip
    print(
        f"JIT compile: {jit:.1f} s (short runs: {cold:.1f} s on an empty cache, {warm:.1f} s warm)"
    )
    for label, r in results.items():
        print(
            f"{label:<36} {r['residents']:,} residents × {r['days']} days: build "
            f"{r['build_s_median']:.2f} s, simulate median {r['simulate_s_median']:.2f} s "
            f"(min {r['simulate_s_min']:.2f}, max {r['simulate_s_max']:.2f}) → "
            f"{r['resident_days_per_s']:.3g} resident-days/s"
        )
    print(f"all mechanisms vs hazard alone: {hazard / full:.1f}× the time per resident-day")
    print("share of simulation time by process (baseline, all mechanisms):")
    for name, share in shares.items():
        print(f"  {name:<14} {share:6.1%}")
    print(f"peak memory: {peak_mb:.0f} MB")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
