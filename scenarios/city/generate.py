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
* distance from the city's fire stations: 1–8 km, uniform;
* positions in the city (``city_x_km``, ``city_y_km``, km from the jobs centre, read by the
  city's housing market): uniform over a disk of 15 km radius (assumption: Xiamen's villages
  lie on the island and in the districts around the bay; their real positions are not used);
  Weili (Huli, on the island) 4 km and Xin'an (Haicang) 10 km from the centre, roughly.

Run ``python scenarios/city/generate.py`` from the repository root to rewrite the file; the
tests check that the committed file is what this script writes.

**Larger cities.** The same generator makes a synthetic city of any size: the two example
villages, and the other villages drawn as above (log-normal sizes clipped to [3,000, 100,000]
and scaled to the total, the same local shares, storeys and distances), e.g. the 10-million-
resident city of the scale benchmark (``benchmarks/bench_city.py``)::

    python scenarios/city/generate.py --residents 10000000 --villages 476 \
        --name synthetic_10m --out outputs/synthetic_10m.toml

476 villages keep Xiamen's mean village size (2.27 M / 108 ≈ 21,000 residents); China's largest
cities house several times Xiamen's urban-village population.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

N_VILLAGES = 108
RESIDENTS = 2_270_000
RENTER_SHARE = 1_860_000 / 2_270_000
SEED = 20250508  # the date of the 海峡导报 report the totals come from
OUT = Path(__file__).resolve().parents[1] / "xiamen_city.toml"


WEILI, XINAN = 37_500, 100_000
#: Radius of the disk the villages are placed in (km around the city's jobs centre).
POSITION_RADIUS_KM = 15.0


def village_sizes(
    rng: np.random.Generator, n_villages: int = N_VILLAGES, residents: int = RESIDENTS
) -> np.ndarray:
    """Residents of the villages other than Weili and Xin'an: log-normal, clipped to
    [3,000, 100,000], adding up to ``residents`` with the two."""
    n, total = n_villages - 2, residents - WEILI - XINAN
    raw = rng.lognormal(0.0, 0.8, n)
    sizes = raw / raw.sum() * total
    for _ in range(50):  # clip and rescale the unclipped ones until the total holds
        sizes = np.clip(sizes, 3_000, 100_000)
        free = (sizes > 3_000) & (sizes < 100_000)
        sizes[free] *= (total - sizes[~free].sum()) / sizes[free].sum()
    sizes = np.round(sizes).astype(int)
    sizes[np.argsort(sizes)[n // 2]] += total - sizes.sum()  # rounding, on a middle one
    return sizes


def render(
    n_villages: int = N_VILLAGES, residents: int = RESIDENTS, name: str = "xiamen_city",
    extends: str = "baseline.toml",
) -> str:  # fmt: skip
    """The scenario file's text (by default Xiamen's city; otherwise a synthetic city of
    ``n_villages`` villages and ``residents`` residents from the same distributions)."""
    rng = np.random.default_rng(SEED)
    sizes = village_sizes(rng, n_villages, residents)
    mean_local = 1.0 - RENTER_SHARE
    n = len(sizes)
    local = rng.beta(mean_local * 8, (1 - mean_local) * 8, n).clip(0.02, 0.6)
    storeys = rng.uniform(4.0, 7.5, n)
    distance = rng.uniform(1000.0, 8000.0, n)
    # Positions in the city (km from the jobs centre), the two examples included: uniform
    # over a disk (drawn last, so the draws above are as before positions existed).
    angle = rng.uniform(0.0, 2.0 * np.pi, n + 2)
    radius = POSITION_RADIUS_KM * np.sqrt(rng.uniform(0.0, 1.0, n + 2))
    xs, ys = radius * np.cos(angle), radius * np.sin(angle)
    # The examples where they are (roughly, assumption): Weili in Huli on Xiamen Island near
    # the centre, Xin'an in Haicang across the western harbour.
    xs[:2], ys[:2] = (1.0, -10.0), (4.0, 2.0)
    if name == "xiamen_city":
        lines = [
            "# Xiamen's 108 urban villages, 2.27 M residents (Xinhua 2025), no program.",
            "# Written by scenarios/city/generate.py (fixed seed): village sizes and forms are "
            "drawn,",
            "# the city's totals are reported. Do not edit by hand; change the script and rerun "
            "it.",
            f'extends = "{extends}"',
            f'name = "{name}"',
            'description = "The city: 108 urban villages, 2.27 M residents."',
            "",
        ]
    else:
        lines = [
            f"# A synthetic city of {n_villages} urban villages and {residents:,} residents,",
            "# written by scenarios/city/generate.py from the distributions of Xiamen's city.",
            f'extends = "{extends}"',
            f'name = "{name}"',
            f'description = "A synthetic city: {n_villages} urban villages, {residents:,} '
            'residents."',
            "",
        ]
    lines += [
        "# Weili: the baseline's village, with its defaults.",
        "[[villages]]",
        'name = "weili"',
        "[villages.plan]",
        f"city_x_km = {xs[0]:.2f}",
        f"city_y_km = {ys[0]:.2f}",
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
        f"city_x_km = {xs[1]:.2f}",
        f"city_y_km = {ys[1]:.2f}",
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
            f"city_x_km = {xs[i + 2]:.2f}",
            f"city_y_km = {ys[i + 2]:.2f}",
            "[villages.population]",
            f"n_residents = {sizes[i]}",
            f"share_local = {local[i]:.3f}",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a city scenario file.")
    parser.add_argument("--villages", type=int, default=N_VILLAGES)
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    parser.add_argument("--name", default="xiamen_city")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--extends",
        default=None,
        help="scenario the city extends (default: baseline.toml next to it)",
    )
    args = parser.parse_args(argv)
    if args.villages < 3 or args.residents < WEILI + XINAN + 3_000 * (args.villages - 2):
        parser.error("need at least 3 villages and 3,000 residents in each besides the two "
                     "examples")  # fmt: skip
    extends = args.extends
    if extends is None:
        base = OUT.parent / "baseline.toml"
        extends = "baseline.toml" if args.out.resolve().parent == OUT.parent else str(base)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(args.villages, args.residents, args.name, extends),
                        encoding="utf-8")  # fmt: skip
    sys.stdout.write(f"wrote {args.out}\n")


if __name__ == "__main__":
    main()
