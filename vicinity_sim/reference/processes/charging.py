"""E-bike charging in the reference model: indoor chargers move to charging sites.

Mirrors :mod:`vicinity_sim.processes.charging`. Once a week every resident who charges an
e-bike indoors considers moving to a charging site and does so with a fixed probability; those
who consider it choose in the order of their draws (the smallest draw first), each taking the
nearest active site of their village within walking distance that still has a free place.
Sites are built by interventions; the decision is the residents'.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.processes.charging import ChargingSlot, distance2
from vicinity_sim.reference.agents import Resident
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_SITE

CHARGING_SLOTS = slot_numbers(ChargingSlot)


@reference_process
class Charging(ReferenceProcess):
    """Weekly choice of charging place by residents who charge indoors."""

    name = "charging"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        """Move this week's switchers to the nearest free site in reach.

        Args:
            day: Day of the run.
            key: Stream key of the charging process for the day.

        Returns:
            ``charging_moves``: residents who moved their charging to a site.
        """
        sites = self.world.charging_sites
        if not sites.active.any():
            return {"charging_moves": 0.0}
        p_switch = self.params.consts().switch_probability_per_week
        # Indoor chargers who consider switching this week, with their draws.
        switchers: list[tuple[float, Resident]] = []
        for res in self.model.residents:
            if res.charging == CHARGE_INDOOR:
                u = uniform(key, CHARGING_SLOTS.SWITCH, res.row)
                if u < p_switch:
                    switchers.append((u, res))
        # Places are first come, first served; the draw orders the queue (ties have
        # probability ~2**-53, so the fast kernel's unstable argsort orders them alike).
        switchers.sort(key=lambda pair: pair[0])
        moved = 0
        for _, res in switchers:
            site = self.nearest_free_site(res)
            if site >= 0:
                res.charging = CHARGE_SITE
                res.charging_site = site
                sites.used[site] += 1
                moved += 1
        return {"charging_moves": float(moved)}

    def nearest_free_site(self, res: Resident) -> int:
        """The nearest active site with room in the resident's village within walking
        distance (straight line from their building), or -1. Among equally near sites the
        last in index order wins, as in the fast kernel."""
        sites = self.world.charging_sites
        buildings = self.world.buildings
        bx, by = buildings.x[res.building], buildings.y[res.building]
        radius = self.params.walk_radius_m
        best, best_d2 = -1, radius * radius
        for s in range(len(sites)):
            if not sites.active[s] or sites.village[s] != res.village:
                continue
            if sites.used[s] >= sites.capacity[s]:
                continue  # full
            d2 = distance2.py_func(bx, by, sites.x[s], sites.y[s])
            if d2 <= best_d2:
                best, best_d2 = s, d2
        return best
