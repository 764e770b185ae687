"""Interventions and observation in the reference model.

Interventions are data acting on places, so the reference runs the fast model's rollout
itself on the shared tables and then tells the agents what changed for them: landlords who
joined the association, gridworkers who were hired, in-service party members who registered.
Observation computes the same levels as the fast model's, from the agents.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from vicinity_sim.learning import generalised_trust
from vicinity_sim.processes.rollout import Rollout
from vicinity_sim.reference.agents import Resident
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    IN_GROUP,
    LOCAL,
    MEMBER_ACTIVE,
    MEMBER_PLANNED,
    MIGRANT,
    OUT_GROUP,
)

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel

generalised = generalised_trust.py_func


@reference_process
class Interventions(ReferenceProcess):
    """Rollout of the interventions (shared with the fast model), then the agents' part."""

    name = "interventions"

    def __init__(self, model: ReferenceModel, params: Any) -> None:
        super().__init__(model, params)
        self.rollout = Rollout(model, params)  # type: ignore[arg-type]

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        values = self.rollout.step(day, key)
        association = self.world.landlords.association
        for landlord in self.model.landlords:
            landlord.association = bool(association[landlord.row])
        self.model.add_gridworkers()
        self.model.add_party_members()
        status = self.world.party_members.status
        for member in self.model.party_members:
            if member.status == MEMBER_PLANNED and status[member.row] == MEMBER_ACTIVE:
                member.status = MEMBER_ACTIVE
        return dict(values)


@reference_process
class Observe(ReferenceProcess):
    """Levels at the end of the day: coverage of measures, facilities, population, trust."""

    name = "observe"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        b = w.buildings
        residents = self.model.residents
        outgroup = w.outgroup_share()
        # Sums per group (rows: local, migrant, Taiwan) in row order, as the fast kernel adds.
        general, institutional, other_group, count = [0.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3
        divide_sum, divide_n = 0.0, 0
        for res in residents:
            g = res.group
            s = float(outgroup[res.village, g])
            own, other = res.trust_inter[IN_GROUP], res.trust_inter[OUT_GROUP]
            general[g] += generalised(own, other, s)
            institutional[g] += res.trust_inst
            other_group[g] += other
            count[g] += 1.0
            if g in (LOCAL, MIGRANT):
                divide_sum += own - other
                divide_n += 1

        def mean(sums: list[float], g: int | None = None) -> float:
            if g is None:
                total, n = sums[0] + sums[1] + sums[2], count[0] + count[1] + count[2]
            else:
                total, n = sums[g], count[g]
            return total / n if n > 0 else math.nan

        # Counts do not depend on order: Mesa's AgentSet does them.
        people = self.model.agents.select(agent_type=Resident)
        registered = len(people.select(lambda a: a.registered))
        return {
            "trust_interpersonal": mean(general),
            "trust_institutional": mean(institutional),
            "trust_gap_local_migrant": divide_sum / divide_n if divide_n else math.nan,
            "trust_interpersonal_local": mean(general, LOCAL),
            "trust_interpersonal_migrant": mean(general, MIGRANT),
            "trust_outgroup_local": mean(other_group, LOCAL),
            "trust_outgroup_migrant": mean(other_group, MIGRANT),
            "trust_institutional_local": mean(institutional, LOCAL),
            "trust_institutional_migrant": mean(institutional, MIGRANT),
            "registered_share": registered / len(people),
            "paired_household_share": float(w.households.paired.mean()),
            "residents": float(len(people)),
            "sensor_share": float(b.smoke_sensor.mean()),
            "sprinkler_share": float(b.sprinkler.mean()),
            "escape_window_share": float(b.escape_windows.mean()),
            "three_in_one_premises": float(b.three_in_one.sum()),
            "dangerous_buildings": float(b.dangerous.sum()),
            "flood_points_untreated": float((~w.flood_points.fixed).sum()),
            "fire_lane_block_share": float(w.blocks.lane_cleared.mean()),
            "micro_stations": float(w.stations.active.sum()),
            "charging_sites": float(w.charging_sites.active.sum()),
            "indoor_charging": float(len(people.select(lambda a: a.charging == CHARGE_INDOOR))),
        }
