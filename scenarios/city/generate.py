"""Write ``scenarios/xiamen_city.toml``: Xiamen's 108 urban villages, 2.27 M residents.

The city's totals are reported (Xinhua 2025: 108 villages, 2.27 million residents, 1.86 million
of them renters); the villages' individual sizes and forms are not, so they are drawn here,
once, from a fixed seed, and written down as an ordinary scenario file:

* two villages are the examples of docs/sources.md §villages: Weili (围里, the baseline's defaults:
  37,500 residents) and Xin'an (新垵, ~100,000 residents in 2,125 buildings, as in
  ``xiamen_villages.toml``);
* the other 106 villages' residents: log-normal (sigma 0.8), clipped to [3,000, 100,000]
  (Xin'an is the largest example) and scaled so all 108 add up to exactly 2,270,000;
* local share: beta-distributed with mean 0.18, so that the renters are 1.86 M of 2.27 M
  (82%) on average across villages;
* storeys: 4–7.5, uniform; taller villages have more units per storey;
* buildings: from residents, at Weili's ~14.4 residents per building scaled by storeys;
* distance from the city's fire stations: 1–8 km, uniform.

Run ``python scenarios/city/generate.py`` from the repository root to rewrite the file; the
tests check that the committed file is what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

N_VILLAGES = 108
RESIDENTS = 2_270_000
RENTER_SHARE = 1_860_000 / 2_270_000
SEED = 20250508  # the date of the 海峡导报 report the totals come from
OUT = Path(__file__).resolve().parents[1] / "xiamen_city.toml"


WEILI, XINAN = 37_500, 100_000


def village_sizes(rng: np.random.Generator) -> np.ndarray:
    """Residents of the villages other than Weili and Xin'an: log-normal, clipped to
    [3,000, 100,000], adding up to RESIDENTS with the two."""
    n, total = N_VILLAGES - 2, RESIDENTS - WEILI - XINAN
    raw = rng.lognormal(0.0, 0.8, n)
    sizes = raw / raw.sum() * total
    for _ in range(50):  # clip and rescale the unclipped ones until the total holds
        sizes = np.clip(sizes, 3_000, 100_000)
        free = (sizes > 3_000) & (sizes < 100_000)
        sizes[free] *= (total - sizes[~free].sum()) / sizes[free].sum()
    sizes = np.round(sizes).astype(int)
    sizes[np.argsort(sizes)[n // 2]] += total - sizes.sum()  # rounding, on a middle one
    return sizes


def render() -> str:
    """The scenario file's text."""
    rng = np.random.default_rng(SEED)
    sizes = village_sizes(rng)
    mean_local = 1.0 - RENTER_SHARE
    n = len(sizes)
    local = rng.beta(mean_local * 8, (1 - mean_local) * 8, n).clip(0.02, 0.6)
    storeys = rng.uniform(4.0, 7.5, n)
    distance = rng.uniform(1000.0, 8000.0, n)
    lines = [
        "# Xiamen's 108 urban villages, 2.27 M residents (Xinhua 2025), no program.",
        "# Written by scenarios/city/generate.py (fixed seed): village sizes and forms are drawn,",
        "# the city's totals are reported. Do not edit by hand; change the script and rerun it.",
        'extends = "baseline.toml"',
        'name = "xiamen_city"',
        'description = "The city: 108 urban villages, 2.27 M residents."',
        "",
    ]
    lines += [
        "# Weili: the baseline's village, with its defaults.",
        "[[villages]]",
        'name = "weili"',
        "",
        "# Xin'an: ~100,000 residents in 2,125 rental buildings (as in xiamen_villages.toml).",
        "[[villages]]",
        'name = "xinan"',
        "[villages.plan]",
        "n_buildings = 2125",
        "storeys_mean = 7.0",
        "rooms_per_storey = 6.5",
        "rooms_max = 90",
        "n_flood_points = 4",
        "city_station_distance_m = 4000.0",
        "[villages.population]",
        f"n_residents = {XINAN}",
        "share_local = 0.10",
        "",
    ]
    for i in range(n):
        name = f"village_{i + 3:03d}"
        rooms_per_storey = 2.1 * storeys[i] / 5.5
        per_building = 14.4 * (storeys[i] / 5.5) ** 2
        lines += [
            "[[villages]]",
            f'name = "{name}"',
            "[villages.plan]",
            f"n_buildings = {max(50, round(sizes[i] / per_building))}",
            f"storeys_mean = {storeys[i]:.2f}",
            f"rooms_per_storey = {rooms_per_storey:.2f}",
            "rooms_max = 90",
            f"city_station_distance_m = {distance[i]:.0f}",
            "[villages.population]",
            f"n_residents = {sizes[i]}",
            f"share_local = {local[i]:.3f}",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
