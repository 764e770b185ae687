"""Memory per resident: the figure behind the memory check before simulating.

Runs one village of each population size in a fresh process and records its peak resident
memory; the slope between sizes is the memory per resident, the intercept the process's base.
``vicinity_sim.preflight`` refuses runs whose estimate (``BYTES_PER_RESIDENT`` per resident
plus ``BASE_BYTES``) exceeds the available memory, so both must stay above what this measures.

Usage::

    .venv/bin/python benchmarks/bench_memory.py [--sizes 20000 200000 1000000] [--days 365]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys

CODE = """
import resource, json
from vicinity_sim.runs import run_files, simulate
from vicinity_sim.scenario import scenario_from_dict
n, days = {n}, {days}
sc = scenario_from_dict({{"run": {{"days": days}}, "villages": [{{"name": "v",
     "plan": {{"n_buildings": max(40, n // 14)}}, "population": {{"n_residents": n}}}}]}})
run_files(simulate(sc, seed=0))
print(json.dumps({{"residents": n, "peak_bytes": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000, 1_000_000])
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    from vicinity_sim import preflight

    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, "-c", CODE.format(n=n, days=args.days)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    slopes = [(b["peak_bytes"] - a["peak_bytes"]) / (b["residents"] - a["residents"])
              for a, b in itertools.pairwise(rows)]  # fmt: skip
    base = rows[0]["peak_bytes"] - slopes[0] * rows[0]["residents"] if slopes else None
    print(json.dumps({
        "days": args.days,
        "bytes_per_resident": [round(s) for s in slopes],
        "base_mb": round(base / 2**20) if base is not None else None,
        "estimate_bytes_per_resident": preflight.BYTES_PER_RESIDENT,
        "estimate_base_mb": preflight.BASE_BYTES // 2**20,
        "estimate_bounds_every_size": all(
            r["peak_bytes"] <= preflight.memory_needed(r["residents"]) for r in rows),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
