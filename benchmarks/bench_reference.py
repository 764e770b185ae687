"""Benchmark: the fast model against the Mesa-agent reference on the same scenario.

Both engines run the baseline village scaled to 10,000 residents (700 buildings) with every
mechanism on, in one process, one after the other: the fast model for a year (median of
three seeds, JIT excluded), the reference for a shorter stretch (it is slow; its cost per day
is flat after the first days). Reports resident-days per second of each and their ratio.

Usage::

    .venv/bin/python benchmarks/bench_reference.py [--reference-days 20] [--fast-days 365]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = ["villages[0].plan.n_buildings=700", "villages[0].population.n_residents=10000"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline", help="scenario in scenarios/")
    parser.add_argument("--fast-days", type=int, default=365)
    parser.add_argument("--reference-days", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="fast runs (median)")
    args = parser.parse_args()

    from vicinity_sim.model import VicinityModel
    from vicinity_sim.reference import ReferenceModel
    from vicinity_sim.scenario import load_scenario

    path = ROOT / "scenarios" / f"{args.scenario}.toml"
    VicinityModel(load_scenario(path, [*SIZE, "run.days=10"])).run()  # compile or load kernels
    fast_s = []
    for seed in range(args.runs):
        model = VicinityModel(load_scenario(path, [*SIZE, f"run.days={args.fast_days}"]), rng=seed)
        t0 = time.perf_counter()
        model.run()
        fast_s.append(time.perf_counter() - t0)
    residents = len(model.world.residents)
    fast_rate = residents * args.fast_days / statistics.median(fast_s)

    ref = ReferenceModel(load_scenario(path, [*SIZE, f"run.days={args.reference_days}"]), rng=0)
    t0 = time.perf_counter()
    ref.run()
    ref_s = time.perf_counter() - t0
    ref_rate = len(ref.residents) * args.reference_days / ref_s

    report = {
        "scenario": args.scenario,
        "residents": residents,
        "fast": {"days": args.fast_days, "runs": args.runs,
                 "simulate_s_median": statistics.median(fast_s), "resident_days_per_s": fast_rate},
        "reference": {"days": args.reference_days, "simulate_s": ref_s,
                      "resident_days_per_s": ref_rate},
        "ratio": fast_rate / ref_rate,
    }  # fmt: skip
    print(f"{args.scenario}, {residents:,} residents, all mechanisms")
    print(f"  fast:      {fast_rate:.3g} resident-days/s (median of {args.runs} × "
          f"{args.fast_days} days: {statistics.median(fast_s):.2f} s)")  # fmt: skip
    print(f"  reference: {ref_rate:.3g} resident-days/s "
          f"({args.reference_days} days: {ref_s:.1f} s)")  # fmt: skip
    print(f"  ratio:     {fast_rate / ref_rate:.0f}x")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
