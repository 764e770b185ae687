"""The README's figure of a footprint village: ``scenarios/osm_extract.toml`` after its run,
drawn by the dashboard's plan figure on the fire layer (whole village and a close-up of its
largest fire, framed in red on the whole). Needs the geo extra.

Usage::

    .venv/bin/python docs/osm_extract_figure.py [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.patches import Rectangle

from vicinity_sim.dashboard.figures import plan_figure
from vicinity_sim.model import VicinityModel
from vicinity_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sc = load_scenario(ROOT / "scenarios" / "osm_extract.toml")
    model = VicinityModel(sc, rng=args.seed)
    model.run()
    b = model.world.buildings
    events = model.process("fire").event_table()
    print(f"{len(events['day'])} fires, {int((b.damage > 0).sum())} buildings burned")

    # Close-up around the fire that burned most buildings.
    burned = np.nonzero(b.damage > 0)[0]
    if len(events["day"]):
        origin = int(events["building"][np.argmax(events["buildings_burned"])])
        cx, cy = b.x[origin], b.y[origin]
    else:
        cx, cy = float(np.median(b.x)), float(np.median(b.y))
    near = burned[np.hypot(b.x[burned] - cx, b.y[burned] - cy) < 150]
    spans = [float(np.ptp(v)) for v in (b.x[near], b.y[near]) if len(v)]
    half = max([60.0, *spans])
    fig = plan_figure(model, "fires")
    fig.axes[0].add_patch(Rectangle((cx - half, cy - half), 2 * half, 2 * half, fill=False,
                                    edgecolor="#d50000", linewidth=1.2))  # fmt: skip
    fig.savefig(ROOT / "docs" / "osm_extract_fires.png", dpi=110)
    zoom = plan_figure(model, "fires")
    ax = zoom.axes[0]
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_title(f"{ax.get_title()} (close-up)", fontsize=10)
    zoom.savefig(ROOT / "docs" / "osm_extract_fires_zoom.png", dpi=110)


if __name__ == "__main__":
    main()
