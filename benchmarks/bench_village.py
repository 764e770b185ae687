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

With ``--against REV`` it compares builds instead: it checks commit ``REV`` out in a temporary
git worktree and runs the same cases in two long-lived processes, one importing that commit
and one the working tree, alternating between them case by case (and which goes first, round
by round), so that the changing load of a shared machine falls on both alike. Each process
loads its own tree's scenario files. The cases (``--case``, repeatable):

* ``weili``: the program (``xiamen_program.toml``) in a Weili-size village, 3 years;
* ``baseline10k``: the baseline village scaled to 10,000 residents (700 buildings), 1 year;
* ``village300``: the baseline village scaled to 300 residents (25 buildings), 1 year: its
  time per day is almost all fixed cost (calling the processes, recording the metrics).

It reports, per case, each build's median resident-days per second and milliseconds per
simulated day, and the median over rounds of the ratio of the two builds within a round.
The first round of each process compiles or loads its kernels and is not counted.

Usage::

    .venv/bin/python benchmarks/bench_village.py [--runs 5]
    .venv/bin/python benchmarks/bench_village.py --against 963d6a1 [--rounds 5] [--case weili]
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


#: Cases of ``--against``: scenario and overrides.
BUILD_CASES = {
    "weili": ("xiamen_program", []),
    "baseline10k": ("baseline", ["villages[0].plan.n_buildings=700",
                                 "villages[0].population.n_residents=10000", "run.days=365"]),
    "village300": ("baseline", ["villages[0].plan.n_buildings=25",
                                "villages[0].population.n_residents=300", "run.days=365"]),
}  # fmt: skip

#: A process that imports the package of one tree and times the cases it is sent on stdin
#: (one JSON request per line: case name, scenario, overrides, seed), answering one JSON line
#: each. Written against the oldest interface a compared commit may have.
BUILD_WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import vicinity_sim
from vicinity_sim.model import VicinityModel
from vicinity_sim.scenario import load_scenario
print(json.dumps({"package": vicinity_sim.__file__}), flush=True)
for line in sys.stdin:
    ask = json.loads(line)
    scenario = load_scenario(sys.argv[1] + "/scenarios/" + ask["scenario"] + ".toml",
                             ask["overrides"])
    model = VicinityModel(scenario, rng=ask["seed"])
    t0 = time.perf_counter()
    model.run()
    seconds = time.perf_counter() - t0
    print(json.dumps({"residents": len(model.world.residents), "days": model.days,
                      "seconds": seconds}), flush=True)
"""


class BuildWorker:
    """A long-lived process timing runs of the package in ``tree``."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BUILD_WORKER, str(tree)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, cwd=tree,
        )  # fmt: skip
        package = Path(json.loads(self.proc.stdout.readline())["package"]).resolve()
        if not package.is_relative_to(tree.resolve()):
            self.close()
            raise SystemExit(f"{tree}: the worker imported vicinity_sim from {package}")

    def time(self, case: str, seed: int) -> dict:
        """One run of ``case`` with ``seed``: residents, days and seconds of simulation."""
        scenario, overrides = BUILD_CASES[case]
        ask = {"scenario": scenario, "overrides": overrides, "seed": seed}
        self.proc.stdin.write(json.dumps(ask) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise SystemExit(f"{self.tree}: the worker stopped during case {case}")
        return json.loads(answer)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def rate(run: dict) -> float:
    """Resident-days per second of one timed run."""
    return run["residents"] * run["days"] / run["seconds"]


def compare_builds(rev: str, cases: list[str], rounds: int) -> dict:
    """Alternate the cases between commit ``rev`` (in a temporary worktree) and the working
    tree; per case, each build's medians and the median within-round ratio (working tree
    over ``rev``, in resident-days per second)."""
    out = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"--against {rev}: not a commit of {ROOT}")
    commit = out.stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "against"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        try:
            workers = {"against": BuildWorker(tree), "working": BuildWorker(ROOT)}
            times: dict[str, dict[str, list[dict]]] = {c: {"against": [], "working": []}
                                                       for c in cases}  # fmt: skip
            for r in range(rounds + 1):  # round 0 compiles or loads the kernels
                for case in cases:
                    order = ["against", "working"] if r % 2 else ["working", "against"]
                    for build in order:
                        res = workers[build].time(case, seed=r)
                        if r:
                            times[case][build].append(res)
                print(f"round {r}/{rounds} done", file=sys.stderr)
            for w in workers.values():
                w.close()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           capture_output=True)  # fmt: skip
    report = {"against": commit, "rounds": rounds, "cases": {}}
    for case in cases:
        per = {}
        for build, runs in times[case].items():
            rates = [rate(x) for x in runs]
            per[build] = {"residents": runs[0]["residents"], "days": runs[0]["days"],
                          "resident_days_per_s_median": statistics.median(rates),
                          "ms_per_day_median": statistics.median(
                              1000 * x["seconds"] / x["days"] for x in runs)}  # fmt: skip
        pairs = zip(times[case]["working"], times[case]["against"], strict=True)
        ratios = [rate(w) / rate(a) for w, a in pairs]
        report["cases"][case] = {**per, "ratios": ratios, "ratio_median": statistics.median(ratios)}
    return report


def print_comparison(report: dict) -> None:
    print(f"working tree against {report['against'][:10]}, {report['rounds']} alternating rounds")
    for case, r in report["cases"].items():
        a, w = r["against"], r["working"]
        print(f"{case:<12} {w['residents']:,} residents × {w['days']} days: "
              f"{a['resident_days_per_s_median']:.3g} → {w['resident_days_per_s_median']:.3g} "
              f"resident-days/s, {a['ms_per_day_median']:.3f} → {w['ms_per_day_median']:.3f} "
              f"ms/day; ratio median {r['ratio_median']:.2f}× "
              f"(rounds {min(r['ratios']):.2f}–{max(r['ratios']):.2f})")  # fmt: skip
    print(json.dumps(report, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument("--against", metavar="REV", help="compare with commit REV")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of --against")
    parser.add_argument("--case", action="append", choices=list(BUILD_CASES),
                        help="cases of --against (default: all)")  # fmt: skip
    args = parser.parse_args()
    if args.against:
        print_comparison(compare_builds(args.against, args.case or list(BUILD_CASES),
                                        args.rounds))  # fmt: skip
        return

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
