"""Observation: the state of the levers and the population at the end of each day."""

from __future__ import annotations

import numpy as np

from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.population import CHARGE_INDOOR


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
    }

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        b = w.buildings
        return {
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
