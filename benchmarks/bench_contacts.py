"""Benchmark: what an everyday encounter costs inside a run, by village size.

Contacts take the largest share of a program day. Whether their encounters wait on memory
(partners' rows at distant places) or on their own work decides what could make them
faster: storing residents in building order, or doing less per encounter. This benchmark
measures it where it matters, inside whole runs, in which the other processes evict the
contacts tables from the caches between one day's encounters and the next.

For the program (``xiamen_program.toml``) in villages of each size (``--residents``,
repeatable; buildings scaled to the program village's 14.4 residents a building), it runs
``--days`` days and times every call of the everyday-encounters kernel
(:func:`vicinity_sim.processes.contacts.daily_encounters`: who starts an encounter today,
their partners, the encounters). It reports, per size:

* the encounters a day and the kernel's time a day;
* nanoseconds per encounter over the whole run, and over the first and the last 60 days
  (a new village stores residents building by building; over a run newcomers take the rows
  of the households they replace, wherever they move in, so a building's rows scatter);
* nanoseconds per encounter *warm*: the same kernel called 30 times in a row on the run's end
  state, its tables in the caches.

If encounters waited on memory, a large village would cost more per encounter than a small
one whose tables fit in the processor's second-level cache (a 2,000-resident village's
contacts tables take about 0.4 MB), a run more than a warm loop, and late days (scattered
rows) more than the first.

Usage::

    .venv/bin/python benchmarks/bench_contacts.py [--residents 2000 --residents 37500]
        [--days 365]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from vicinity_sim.model import VicinityModel
from vicinity_sim.processes.contacts import daily_encounters
from vicinity_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
#: Residents per building of the program village (37,500 residents in 2,600 buildings).
RESIDENTS_PER_BUILDING = 37_500 / 2_600
WINDOW = 60
WARM_CALLS = 30


def program(residents: int, days: int):
    """The program scenario in a village of ``residents``, for ``days`` days."""
    buildings = max(1, round(residents / RESIDENTS_PER_BUILDING))
    return load_scenario(ROOT / "scenarios" / "xiamen_program.toml", [
        f"villages[0].population.n_residents={residents}",
        f"villages[0].plan.n_buildings={buildings}", f"run.days={days}",
    ])  # fmt: skip


def per_encounter_ns(calls: np.ndarray) -> float:
    """Nanoseconds per encounter over timed calls (rows: seconds, encounters)."""
    return float(calls[:, 0].sum() / max(calls[:, 1].sum(), 1) * 1e9)


def table_megabytes(args: tuple) -> float:
    """Size of the arrays in the kernel's bundles, MB (each array once)."""
    seen: dict[int, int] = {}

    def walk(x) -> None:
        if isinstance(x, np.ndarray):
            seen[id(x)] = x.nbytes
        elif isinstance(x, tuple):
            for y in x:
                walk(y)

    walk(args[1:])  # not the parameter sections
    return sum(seen.values()) / 1e6


def timed_run(residents: int, days: int, seed: int = 1) -> dict:
    """One run with every everyday-encounters call timed, then the warm calls."""
    model = VicinityModel(program(residents, days), rng=seed)
    contacts = model.process("contacts")
    kernel_call = contacts._daily_encounters
    calls: list[tuple[float, int]] = []

    def timed(*args):
        t0 = time.perf_counter()
        out = kernel_call(*args)
        calls.append((time.perf_counter() - t0, out[0]))
        return out

    contacts._daily_encounters = timed
    t0 = time.perf_counter()
    model.run()
    run_seconds = time.perf_counter() - t0
    timing = np.array(calls[1:])  # the first call may load the kernel
    args = (contacts.sections, contacts.arrays("residents"), contacts.members,
            contacts.arrays("grids"), contacts.arrays("ties"))  # fmt: skip
    warm = []
    for d in range(WARM_CALLS):
        t0 = time.perf_counter()
        n = daily_encounters(np.uint64(10_000 + d), *args)[0]
        warm.append((time.perf_counter() - t0, n))
    return {
        "residents": len(model.world.residents),
        "days": days,
        "tables_mb": table_megabytes(args),
        "encounters_per_day": float(timing[:, 1].mean()),
        "kernel_us_per_day": float(timing[:, 0].mean() * 1e6),
        "kernel_share_of_day": float(timing[:, 0].sum() / run_seconds),
        "ns_per_encounter": per_encounter_ns(timing),
        "ns_per_encounter_first_days": per_encounter_ns(timing[:WINDOW]),
        "ns_per_encounter_last_days": per_encounter_ns(timing[-WINDOW:]),
        "ns_per_encounter_warm": per_encounter_ns(np.array(warm)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--residents",
        type=int,
        action="append",
        help="village size (repeatable; default 2,000, 10,000 and 37,500)",
    )
    ap.add_argument("--days", type=int, default=365, help="days of each run (default 365)")
    args = ap.parse_args()
    sizes = args.residents or [2_000, 10_000, 37_500]
    timed_run(sizes[0], 30)  # loads or compiles the kernels
    rows = [timed_run(n, args.days) for n in sizes]
    print(f"everyday encounters of the program, {args.days} days, ns per encounter")
    print(f"{'residents':>10} {'MB':>5} {'enc/day':>8} {'µs/day':>7} {'share':>6} {'run':>5} "
          f"{'first':>6} {'last':>5} {'warm':>5}")  # fmt: skip
    for r in rows:
        cells = (r["ns_per_encounter"], r["ns_per_encounter_first_days"],
                 r["ns_per_encounter_last_days"], r["ns_per_encounter_warm"])  # fmt: skip
        print(f"{r['residents']:>10,} {r['tables_mb']:>5.1f} {r['encounters_per_day']:>8.0f} "
              f"{r['kernel_us_per_day']:>7.0f} {r['kernel_share_of_day']:>6.0%} "
              + "{:>5.0f} {:>6.0f} {:>5.0f} {:>5.0f}".format(*cells))  # fmt: skip
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
