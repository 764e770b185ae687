"""Observation: the state of the levers, the population and trust at the end of each day."""

from __future__ import annotations

import numpy as np
from numba import njit

from vicinity_sim.learning import generalised_trust
from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.codes import CHARGE_INDOOR, IN_GROUP, LOCAL, MIGRANT, OUT_GROUP


@njit(cache=True)
def trust_summary(trust_inter, trust_inst, group, village, outgroup_share):
    """Means over everyone and per group (rows: all, local, migrant, Taiwan) of generalised
    interpersonal trust, institutional trust and other-group trust, and the local–migrant
    divide (mean own-group minus other-group trust over locals and migrants), in one pass."""
    # One accumulator per group and quantity in registers (each sums in resident order, as a
    # row of ``sums`` would): accumulating into the array goes through memory each time.
    gen0 = gen1 = gen2 = inst0 = inst1 = inst2 = oth0 = oth1 = oth2 = 0.0
    n0 = n1 = n2 = 0.0
    divide_sum = 0.0
    divide_n = 0
    for i in range(len(group)):
        g = group[i]
        s = outgroup_share[village[i], g]
        own, other = trust_inter[i, IN_GROUP], trust_inter[i, OUT_GROUP]
        gen = generalised_trust(own, other, s)
        inst = trust_inst[i]
        if g == LOCAL:
            gen0 += gen
            inst0 += inst
            oth0 += other
            n0 += 1.0
            divide_sum += own - other
            divide_n += 1
        elif g == MIGRANT:
            gen1 += gen
            inst1 += inst
            oth1 += other
            n1 += 1.0
            divide_sum += own - other
            divide_n += 1
        else:
            gen2 += gen
            inst2 += inst
            oth2 += other
            n2 += 1.0
    sums = np.array([[0.0, 0.0, 0.0], [gen0, inst0, oth0], [gen1, inst1, oth1],
                     [gen2, inst2, oth2]])  # fmt: skip
    counts = np.array([0.0, n0, n1, n2])
    for k in range(3):
        sums[0, k] = sums[1, k] + sums[2, k] + sums[3, k]
    counts[0] = counts[1] + counts[2] + counts[3]
    means = np.full((4, 3), np.nan)
    for row in range(4):
        if counts[row] > 0:
            for k in range(3):
                means[row, k] = sums[row, k] / counts[row]
    divide = divide_sum / divide_n if divide_n else np.nan
    return means, divide


@njit(cache=True)
def _share(flags):
    n = len(flags)
    if n == 0:
        return np.nan
    k = 0
    for i in range(n):
        k += flags[i]
    return k / n


@njit(cache=True)
def _count(flags):
    k = 0
    for i in range(len(flags)):
        k += flags[i]
    return k


@njit(cache=True)
def lever_levels(smoke_sensor, sprinkler, escape_windows, three_in_one, dangerous, flood_fixed,
                 lane_cleared, station_active, site_active, paired, registered,
                 charging):  # fmt: skip
    """The day's levels of the levers and registers, in one call (see ``Observe.metrics``):
    shares are exact counts over lengths, as numpy's means of flags."""
    out = np.empty(12)
    out[0] = _share(smoke_sensor)
    out[1] = _share(sprinkler)
    out[2] = _share(escape_windows)
    out[3] = _count(three_in_one)
    out[4] = _count(dangerous)
    out[5] = len(flood_fixed) - _count(flood_fixed)
    out[6] = _share(lane_cleared)
    out[7] = _count(station_active)
    out[8] = _count(site_active)
    out[9] = _share(paired)
    out[10] = _share(registered)
    indoor = 0
    for i in range(len(charging)):
        indoor += charging[i] == CHARGE_INDOOR
    out[11] = indoor
    return out


@register
class Observe(Process):
    """Records levels (not events): coverage of safety measures, facilities, population."""

    name = "observe"
    reads = (
        "residents.trust_inter",
        "residents.trust_inst",
        "residents.group",
        "residents.village",
        "residents.registered",
        "residents.charging",
        "buildings.smoke_sensor",
        "buildings.sprinkler",
        "buildings.escape_windows",
        "buildings.three_in_one",
        "buildings.dangerous",
        "flood_points.fixed",
        "blocks.lane_cleared",
        "stations.active",
        "charging_sites.active",
        "households.paired",
    )
    writes = ()
    after = ("*",)
    metrics = {
        "residents": "Residents in all villages.",
        "sensor_share": "Share of buildings with networked smoke sensors.",
        "sprinkler_share": "Share of buildings with sprinklers.",
        "escape_window_share": "Share of buildings with escape windows.",
        "three_in_one_premises": "三合一 premises not yet rectified.",
        "dangerous_buildings": "Buildings flagged dangerous.",
        "flood_points_untreated": "Waterlogging points without fixed drainage.",
        "fire_lane_block_share": "Share of blocks whose lanes are cleared fire lanes.",
        "micro_stations": "Active micro fire stations.",
        "charging_sites": "Active e-bike charging sites.",
        "indoor_charging": "E-bikes charged indoors.",
        "trust_interpersonal": "Mean generalised interpersonal trust of residents.",
        "trust_institutional": "Mean institutional trust of residents.",
        "trust_gap_local_migrant": "Local–migrant divide: mean trust local villagers and "
        "migrant tenants place in their own group minus what they place in the other.",
        "trust_interpersonal_local": "Mean generalised interpersonal trust of local villagers.",
        "trust_interpersonal_migrant": "Mean generalised interpersonal trust of migrant tenants.",
        "trust_outgroup_local": "Mean trust of local villagers in migrant neighbours.",
        "trust_outgroup_migrant": "Mean trust of migrant tenants in other-group neighbours.",
        "trust_institutional_local": "Mean institutional trust of local villagers.",
        "trust_institutional_migrant": "Mean institutional trust of migrant tenants.",
        "registered_share": "Share of residents registered with the grid.",
        "paired_household_share": "Share of households paired with a party member.",
    }

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        b, r = w.buildings, w.residents
        means, divide = trust_summary(
            r.trust_inter, r.trust_inst, r.group, r.village, w.outgroup_share()
        )
        local, migrant = 1 + LOCAL, 1 + MIGRANT
        levels = lever_levels(
            b.smoke_sensor,
            b.sprinkler,
            b.escape_windows,
            b.three_in_one,
            b.dangerous,
            w.flood_points.fixed,
            w.blocks.lane_cleared,
            w.stations.active,
            w.charging_sites.active,
            w.households.paired,
            r.registered,
            r.charging,
        ).tolist()
        return {
            "trust_interpersonal": means[0, 0],
            "trust_institutional": means[0, 1],
            "trust_gap_local_migrant": divide,
            "trust_interpersonal_local": means[local, 0],
            "trust_interpersonal_migrant": means[migrant, 0],
            "trust_outgroup_local": means[local, 2],
            "trust_outgroup_migrant": means[migrant, 2],
            "trust_institutional_local": means[local, 1],
            "trust_institutional_migrant": means[migrant, 1],
            "registered_share": levels[10],
            "paired_household_share": levels[9],
            "residents": float(len(w.residents)),
            "sensor_share": levels[0],
            "sprinkler_share": levels[1],
            "escape_window_share": levels[2],
            "three_in_one_premises": levels[3],
            "dangerous_buildings": levels[4],
            "flood_points_untreated": levels[5],
            "fire_lane_block_share": levels[6],
            "micro_stations": levels[7],
            "charging_sites": levels[8],
            "indoor_charging": levels[11],
        }
