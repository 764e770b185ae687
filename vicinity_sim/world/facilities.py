"""Facilities a village already has at the start: micro fire stations, e-bike charging sites
and networked smoke sensors.

They are placed as the interventions that build them place theirs (stations to serve
residents, charging sites where indoor charging is densest; sensors in buildings chosen at
random), but they are part of the starting village: no rollout and no cost. The defaults are
none, as in a village before the program.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.world.codes import CHARGE_INDOOR
from vicinity_sim.world.geometry import snap_sites

if TYPE_CHECKING:
    from vicinity_sim.world import World


class FacilitiesParams(ParamModel):
    """Safety facilities in service when the run starts (per village)."""

    micro_stations: int = param(
        0, unit="stations", ge=0, le=1000,
        doc="Micro fire stations (微型消防站) already in service, placed to serve residents.",
        source="-",
    )  # fmt: skip
    charging_sites: int = param(
        0, unit="sites", ge=0, le=10_000,
        doc="E-bike charging sites already in service, placed where indoor charging is densest "
        "(residents take them up through the charging mechanism).",
        source="-",
    )  # fmt: skip
    charging_site_capacity: int = param(
        60, unit="bikes/site", ge=1, le=100_000,
        doc="E-bikes each existing charging site can charge.", source="assumption",
    )  # fmt: skip
    smoke_sensor_share: float = param(
        0.0, unit="1", ge=0.0, le=1.0,
        doc="Share of buildings with a networked smoke sensor at the start (chosen at random).",
        source="-",
    )  # fmt: skip


def weighted_sites(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, k: int, gen: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Place ``k`` sites to serve weighted points (weighted k-means, Manhattan-ish coverage).

    Starts from a farthest-first choice among the points and runs Lloyd iterations; sites are
    returned in order of the weight they serve (largest first), so a partial rollout builds
    the busiest sites first.
    """
    n = len(x)
    if n == 0 or k == 0:
        return np.zeros(0), np.zeros(0)
    w = np.maximum(weight.astype(np.float64), 1e-9)
    first = int(np.argmax(w * (1.0 + gen.random(n) * 1e-6)))
    centres = [first]
    d = np.abs(x - x[first]) + np.abs(y - y[first])
    for _ in range(1, min(k, n)):
        nxt = int(np.argmax(d * w))
        centres.append(nxt)
        d = np.minimum(d, np.abs(x - x[nxt]) + np.abs(y - y[nxt]))
    cx, cy = x[centres].copy(), y[centres].copy()
    for _ in range(25):
        dist = np.abs(x[:, None] - cx[None, :]) + np.abs(y[:, None] - cy[None, :])
        nearest = np.argmin(dist, axis=1)
        for j in range(len(cx)):
            m = nearest == j
            if m.any():
                cx[j] = np.average(x[m], weights=w[m])
                cy[j] = np.average(y[m], weights=w[m])
    dist = np.abs(x[:, None] - cx[None, :]) + np.abs(y[:, None] - cy[None, :])
    served = np.bincount(np.argmin(dist, axis=1), weights=w, minlength=len(cx))
    order = np.argsort(-served, kind="stable")
    if k > n:  # more sites than buildings: stack the rest on the busiest
        order = np.concatenate([order, np.resize(order, k - n)])
    return cx[order], cy[order]


def place_existing_facilities(
    world: World, v: int, p: FacilitiesParams, gen: np.random.Generator
) -> None:
    """Add village ``v``'s starting facilities to ``world`` (active from day 0).

    Args:
        world: The world being built (buildings and residents in place).
        v: Index of the village.
        p: The village's facilities.
        gen: The village's generator for facility placement.
    """
    b = world.buildings
    in_v = np.nonzero(b.village == v)[0]
    if p.micro_stations:
        weight = world.occupants()[in_v]
        sx, sy = weighted_sites(b.x[in_v], b.y[in_v], weight, p.micro_stations, gen)
        sx, sy = snap_sites(world, v, sx, sy)
        world.stations.append(
            village=np.full(len(sx), v), x=sx, y=sy, active=np.ones(len(sx), bool)
        )
    if p.charging_sites:
        r = world.residents
        demand = np.bincount(r.building[r.charging == CHARGE_INDOOR], minlength=len(b))
        sx, sy = weighted_sites(b.x[in_v], b.y[in_v], demand[in_v], p.charging_sites, gen)
        sx, sy = snap_sites(world, v, sx, sy)
        n = len(sx)
        world.charging_sites.append(
            village=np.full(n, v),
            x=sx,
            y=sy,
            active=np.ones(n, bool),
            capacity=np.full(n, p.charging_site_capacity),
            used=np.zeros(n),
        )
    n_sensors = round(p.smoke_sensor_share * len(in_v))
    if n_sensors:
        b.smoke_sensor[gen.choice(in_v, size=n_sensors, replace=False)] = True
