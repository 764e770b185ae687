"""Participation in the reference model: the weekly decision to contribute to community affairs.

Mirrors :mod:`vicinity_sim.processes.participation`. Each week every adult decides whether to
contribute (volunteer, attend a council, report a hazard), a public-goods decision taken with
probability ``logistic(U)``, where U adds up mean trust, the disposition to contribute, party
membership, the points reward (best at a moderate value, crowding out beyond), the exemplar of
the grid's party members last week (fully visible where vanguard teams work), the grid's
contribution norm last week (stronger under village rules) and, for Taiwan compatriots, the
village's measures encouraging them.

Contributors earn the village's points value and may report an indoor charger in their
building, who may then charge outdoors. The grid's shared spaces then move a step toward a
state set by this week's contribution share and paid cleaning.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.participation import ParticipationParams, ParticipationSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import uniform
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    CHILD,
    IN_GROUP,
    LOCAL,
    MIGRANT,
    OUT_GROUP,
    TAIWAN,
)

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel


def reward_response(reward: float, optimum: float) -> float:
    """ρ(r) = (r/r*)·exp(1 − r/r*): 0 without reward, 1 at the optimum r*, falling beyond
    (large rewards crowd out intrinsic motives)."""
    x = reward / optimum
    return x * math.exp(1.0 - x)


@reference_process
class Participation(ReferenceProcess):
    """Weekly contribution decisions of the adults, points, hazard reports and upkeep of the
    grids' shared spaces.

    Args:
        model: The reference model.
        params: Participation parameters.
    """

    name = "participation"

    def __init__(self, model: ReferenceModel, params: ParticipationParams) -> None:
        super().__init__(model, params)
        # As in the fast process, each resident's grid and each building's occupants are
        # taken once, as built (residents who move keep counting in their first grid; a
        # reporter picks a charger among the building's original occupants' rows).
        grid_of_building = self.world.buildings.grid
        self.grid_of: list[int] = [int(grid_of_building[r.building]) for r in model.residents]
        self.occupants: list[list[int]] = [[] for _ in range(len(self.world.buildings))]
        for res in model.residents:
            self.occupants[res.building].append(res.row)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        residents = self.model.residents
        n = len(residents)
        n_grids = len(w.grids)
        outgroup = w.outgroup_share().tolist()
        reward = w.villages.points_reward_cny.tolist()
        rules = w.villages.rules_norm.tolist()
        taiwan_program = w.villages.taiwan_program.tolist()
        vanguard = w.grids.vanguard.tolist()

        # Last week's contribution shares per grid: among all adults and among party members.
        adults_g, contrib_g = [0.0] * n_grids, [0.0] * n_grids
        party_g, party_contrib_g = [0.0] * n_grids, [0.0] * n_grids
        for res in residents:
            if res.age == CHILD:
                continue
            g = self.grid_of[res.row]
            adults_g[g] += 1.0
            contrib_g[g] += 1.0 if res.participating else 0.0
            if res.party:
                party_g[g] += 1.0
                party_contrib_g[g] += 1.0 if res.participating else 0.0

        adults_by_group, contributors_by_group = [0.0] * 3, [0.0] * 3
        persuaded, points_awarded = 0.0, 0.0
        for res in residents:
            if res.age == CHILD:
                res.participating = False
                continue
            g, v = self.grid_of[res.row], res.village
            exemplar = party_contrib_g[g] / party_g[g] if party_g[g] > 0 else 0.0
            exemplar *= 1.0 if vanguard[g] else p.exemplar_visibility
            share = contrib_g[g] / adults_g[g] if adults_g[g] > 0 else 0.0
            u = self._utility(res, outgroup[v][res.group], reward[v], rules[v], exemplar, share)
            if res.group == TAIWAN and taiwan_program[v]:
                u += p.taiwan_weight
            yes = uniform(key, ParticipationSlot.DECIDE, res.row) < 1.0 / (1.0 + math.exp(-u))
            res.participating = yes
            adults_by_group[res.group] += 1.0
            if not yes:
                continue
            contributors_by_group[res.group] += 1.0
            res.points += reward[v]
            points_awarded += reward[v]
            if uniform(key, ParticipationSlot.REPORT, res.row) < p.report_probability:
                persuaded += self._report(res, key, n)

        self._keep_spaces()

        def rate(adults: float, contributors: float) -> float:
            return contributors / adults if adults else math.nan

        return {
            "participation_rate": rate(sum(adults_by_group), sum(contributors_by_group)),
            "participation_rate_local": rate(adults_by_group[LOCAL], contributors_by_group[LOCAL]),
            "participation_rate_migrant": rate(
                adults_by_group[MIGRANT], contributors_by_group[MIGRANT]
            ),
            "participation_rate_taiwan": rate(
                adults_by_group[TAIWAN], contributors_by_group[TAIWAN]
            ),
            "hazard_reports_persuaded": persuaded,
            "points_awarded_cny": points_awarded,
            "environment_mean": float(w.grids.environment.mean()),
        }

    def _utility(
        self, res: Resident, outgroup: float, reward: float, rules: float, exemplar: float,
        share: float,
    ) -> float:  # fmt: skip
        """U of a resident before the Taiwan compatriots' term (terms added in the fast
        kernel's order, so the sums round alike)."""
        p = self.params
        # Mean of generalised interpersonal trust (own and other groups weighted by the
        # village's composition) and institutional trust.
        general = (1.0 - outgroup) * res.trust_inter[IN_GROUP] + outgroup * res.trust_inter[
            OUT_GROUP
        ]
        trust = 0.5 * (general + res.trust_inst)
        norm = p.norm_base + p.rules_conformity * rules
        u = (
            p.intercept
            + p.trust_weight * (trust - 0.5)
            + p.propensity_weight * (res.propensity - 0.5)
            + p.reward_weight * reward_response(reward, p.reward_optimum_cny)
            + p.exemplar_weight * exemplar
            + p.norm_weight * norm * share
        )
        if res.party:
            u += p.party_weight
        return u

    def _report(self, res: Resident, key: np.uint64, n: int) -> float:
        """A contributor reports a random occupant of the building; an indoor charger may be
        persuaded to charge outdoors. Returns 1.0 if persuaded, else 0.0."""
        rows = self.occupants[res.building]
        other = self.model.residents[
            rows[int(uniform(key, ParticipationSlot.REPORT, n + res.row) * len(rows))]
        ]
        if (
            other.charging == CHARGE_INDOOR
            and uniform(key, ParticipationSlot.REPORT, 2 * n + res.row)
            < self.params.report_persuasion
        ):
            other.charging = CHARGE_OUTDOOR
            return 1.0
        return 0.0

    def _keep_spaces(self) -> None:
        """Contributors keep shared spaces clean: each grid's environment moves toward a level
        set by this week's contribution share in the grid and its paid cleaning."""
        p, grids = self.params, self.world.grids
        adults, contributing = [0] * len(grids), [0] * len(grids)
        for res in self.model.residents:
            if res.age == CHILD:
                continue
            g = self.grid_of[res.row]
            adults[g] += 1
            contributing[g] += 1 if res.participating else 0
        share = np.array([c / max(a, 1) for a, c in zip(adults, contributing, strict=True)])
        target = np.minimum(
            p.environment_floor + grids.cleaning + p.environment_per_share * share, 1.0
        )
        grids.environment += p.environment_rate_per_week * (target - grids.environment)
