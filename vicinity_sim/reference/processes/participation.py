"""Participation in the reference model: the weekly decision to contribute to community affairs.

Mirrors :mod:`vicinity_sim.processes.participation`. Each week every adult decides whether to
contribute (volunteer, attend a council, report a hazard), a public-goods decision taken with
probability ``logistic(U)``, where U adds up mean trust, the disposition to contribute, party
membership, the points reward (best at a moderate value, crowding out beyond), the exemplar of
the grid's party members last week (fully visible where vanguard teams work), the grid's
contribution norm last week (stronger for those keeping the village rules) and, for Taiwan
compatriots, the village's measures encouraging them.

Contributors earn the village's points value and may report an indoor charger in their
building, who may then charge outdoors. The grid's shared spaces then move a step toward a
state set by this week's contribution share and paid cleaning.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes import participation
from vicinity_sim.processes.participation import (
    ParticipationParams,
    ParticipationSlot,
    keep_spaces,
)
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform
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


PARTICIPATION_SLOTS = slot_numbers(ParticipationSlot)
# The fast process's formulas, run as Python.
reward_response = participation.reward_response.py_func
exemplar = participation.exemplar.py_func
contribution_share = participation.contribution_share.py_func
utility = participation.utility.py_func
contribute_probability = participation.contribute_probability.py_func
mean_trust = participation.mean_trust.py_func


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
        self.consts = params.consts()
        self._index_residence()

    def _index_residence(self) -> None:
        """Each resident's grid and each building's occupants (rows), as the fast process
        indexes them: taken again when newcomers take units in other buildings."""
        grid_of_building = self.world.buildings.grid
        residents = self.model.residents
        self.grid_of: list[int] = [int(grid_of_building[r.building]) for r in residents]
        self.occupants: list[list[int]] = [[] for _ in range(len(self.world.buildings))]
        for res in residents:
            self.occupants[res.building].append(res.row)
        self._moves = self.world.moves

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        w, p = self.world, self.consts
        residents = self.model.residents
        n = len(residents)
        n_grids = len(w.grids)
        outgroup = w.outgroup_share().tolist()
        reward = w.villages.points_reward_cny.tolist()
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
            seen = exemplar(party_contrib_g[g], party_g[g], vanguard[g], p)
            share = contribution_share(contrib_g[g], adults_g[g])
            trust = mean_trust(res.trust_inter[IN_GROUP], res.trust_inter[OUT_GROUP],
                               outgroup[v][res.group], res.trust_inst)  # fmt: skip
            taiwan = res.group == TAIWAN and taiwan_program[v]
            u = utility(trust, res.propensity, reward_response(reward[v], p.reward_optimum_cny),
                        seen, share, res.holds_rules, res.party, taiwan, p)  # fmt: skip
            u_decide = uniform(key, PARTICIPATION_SLOTS.DECIDE, res.row)
            yes = u_decide < contribute_probability(u)
            res.participating = yes
            adults_by_group[res.group] += 1.0
            if not yes:
                continue
            contributors_by_group[res.group] += 1.0
            res.points += reward[v]
            points_awarded += reward[v]
            if uniform(key, PARTICIPATION_SLOTS.REPORT, res.row) < p.report_probability:
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

    def _report(self, res: Resident, key: np.uint64, n: int) -> float:
        """A contributor reports a random occupant of the building; an indoor charger may be
        persuaded to charge outdoors. Returns 1.0 if persuaded, else 0.0."""
        rows = self.occupants[res.building]
        other = self.model.residents[
            rows[int(uniform(key, PARTICIPATION_SLOTS.REPORT, n + res.row) * len(rows))]
        ]
        if (
            other.charging == CHARGE_INDOOR
            and uniform(key, PARTICIPATION_SLOTS.REPORT, 2 * n + res.row)
            < self.params.report_persuasion
        ):
            other.charging = CHARGE_OUTDOOR
            return 1.0
        return 0.0

    def _keep_spaces(self) -> None:
        """Contributors keep shared spaces clean: each grid's environment moves toward a level
        set by this week's contribution share in the grid and its paid cleaning."""
        grids = self.world.grids
        adults, contributing = [0] * len(grids), [0] * len(grids)
        for res in self.model.residents:
            if res.age == CHILD:
                continue
            g = self.grid_of[res.row]
            adults[g] += 1
            contributing[g] += 1 if res.participating else 0
        keep_spaces(np.array(adults), np.array(contributing), grids, self.params)
