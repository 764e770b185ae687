"""Benchmark: the fast model against the Mesa-agent reference on the same scenario.

Both engines run the baseline village scaled to 10,000 residents (700 buildings) with every
mechanism on, in one process, in alternating rounds: each round runs the fast model for a year
(a new seed each round, JIT excluded) and then the reference for the same year and seed.
Pairing the two in adjacent rounds keeps a shared machine's changing load out of their ratio as
far as possible. Reports resident-days per second of each (wall clock and CPU time of the
process) and the median ratio over rounds.

Both engines simulate the same days because the cost of a day is not flat: the reference's
first 20 days run at about 100,000 resident-days/s and the rest of the year at about 80,000 (ties
and the other state built up over the year make later days dearer), so timing the reference on
a shorter stretch (``--reference-days 20``, about 37 s less per round) flatters it.

Usage::

    .venv/bin/python benchmarks/bench_reference.py [--rounds 5] [--reference-days 365]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = ["villages[0].plan.n_buildings=700", "villages[0].population.n_residents=10000"]


def timed(model) -> tuple[float, float]:
    """Wall-clock and CPU seconds of running a model to its end."""
    w0, c0 = time.perf_counter(), time.process_time()
    model.run()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline", help="scenario in scenarios/")
    parser.add_argument("--fast-days", type=int, default=365)
    parser.add_argument("--reference-days", type=int, default=None,
                        help="per round (default: --fast-days, the same year)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.reference_days is None:
        args.reference_days = args.fast_days

    from vicinity_sim.model import VicinityModel
    from vicinity_sim.reference import ReferenceModel
    from vicinity_sim.scenario import load_scenario

    path = ROOT / "scenarios" / f"{args.scenario}.toml"
    fast_sc = load_scenario(path, [*SIZE, f"run.days={args.fast_days}"])
    ref_sc = load_scenario(path, [*SIZE, f"run.days={args.reference_days}"])
    VicinityModel(load_scenario(path, [*SIZE, "run.days=10"])).run()  # compile or load kernels
    rounds = []
    for seed in range(args.rounds):
        fast = VicinityModel(fast_sc, rng=seed)
        fast_wall, fast_cpu = timed(fast)
        ref = ReferenceModel(ref_sc, rng=seed)
        ref_wall, ref_cpu = timed(ref)
        n = len(fast.world.residents)
        rounds.append({
            "seed": seed,
            "fast_rate": n * args.fast_days / fast_wall,
            "fast_rate_cpu": n * args.fast_days / fast_cpu,
            "reference_rate": len(ref.residents) * args.reference_days / ref_wall,
            "reference_rate_cpu": len(ref.residents) * args.reference_days / ref_cpu,
        })  # fmt: skip
        r = rounds[-1]
        r["ratio"] = r["fast_rate"] / r["reference_rate"]
        r["ratio_cpu"] = r["fast_rate_cpu"] / r["reference_rate_cpu"]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    report = {
        "scenario": args.scenario,
        "residents": n,
        "fast_days": args.fast_days,
        "reference_days": args.reference_days,
        "rounds": rounds,
        "median": {k: med(k) for k in rounds[0] if k != "seed"},
    }
    print(f"{args.scenario}, {n:,} residents, all mechanisms, {args.rounds} rounds")
    for label, key in (("fast", "fast_rate"), ("reference", "reference_rate")):
        lo, hi = min(r[key] for r in rounds), max(r[key] for r in rounds)
        print(f"  {label + ':':11}{med(key):.3g} resident-days/s median ({lo:.3g}–{hi:.3g}); "
              f"CPU time {med(key + '_cpu'):.3g}")  # fmt: skip
    ratios = sorted(r["ratio"] for r in rounds)
    print(f"  ratio:     {med('ratio'):.0f}x median of rounds ({ratios[0]:.0f}–{ratios[-1]:.0f}); "
          f"CPU time {med('ratio_cpu'):.0f}x")  # fmt: skip
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
