"""Observation: the state of the levers, the population and trust at the end of each day."""

from __future__ import annotations

import numpy as np
from numba import njit

from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.population import CHARGE_INDOOR, LOCAL, MIGRANT
from vicinity_sim.world.tables import IN_GROUP, OUT_GROUP


@njit(cache=True)
def trust_summary(trust_inter, trust_inst, group, village, outgroup_share):
    """Means over everyone and per group (rows: all, local, migrant, Taiwan) of generalised
    interpersonal trust, institutional trust and other-group trust, and the local–migrant
    divide (mean own-group minus other-group trust over locals and migrants), in one pass."""
    sums = np.zeros((4, 3))
    counts = np.zeros(4)
    divide_sum = 0.0
    divide_n = 0
    for i in range(len(group)):
        g = group[i]
        s = outgroup_share[village[i], g]
        own, other = trust_inter[i, IN_GROUP], trust_inter[i, OUT_GROUP]
        row = 1 + g
        sums[row, 0] += (1.0 - s) * own + s * other
        sums[row, 1] += trust_inst[i]
        sums[row, 2] += other
        counts[row] += 1.0
        if g in (LOCAL, MIGRANT):
            divide_sum += own - other
            divide_n += 1
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


@register
class Observe(Process):
    """Records levels (not events): coverage of safety measures, facilities, population."""

    name = "observe"
    order = 90
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
            "registered_share": float(r.registered.mean()),
            "paired_household_share": float(w.households.paired.mean()),
            "residents": float(len(w.residents)),
            "sensor_share": float(b.smoke_sensor.mean()),
            "sprinkler_share": float(b.sprinkler.mean()),
            "escape_window_share": float(b.escape_windows.mean()),
            "three_in_one_premises": float(b.three_in_one.sum()),
            "dangerous_buildings": float(b.dangerous.sum()),
            "flood_points_untreated": float((~w.flood_points.fixed).sum()),
            "fire_lane_block_share": float(w.blocks.lane_cleared.mean()),
            "micro_stations": float(w.stations.active.sum()),
            "charging_sites": float(w.charging_sites.active.sum()),
            "indoor_charging": float(np.count_nonzero(w.residents.charging == CHARGE_INDOOR)),
        }
