"""Party members' weeks in the reference model.

Mirrors :mod:`vicinity_sim.processes.party` over agents, once a week:

1. Resident members who left the village are marked moved; residents who are members without
   a row of their own join (new :class:`~vicinity_sim.reference.agents.PartyMember` agents).
2. Every serving member, in row order, ends their week (:meth:`PartyMember.step`): visits
   due, vanguard duty, an event, strain, the decision to withdraw, next week's hours.
3. The party branch releases the households of members no longer serving and assigns every
   paired household without a member to a serving member of its grid with time for one more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vicinity_sim.processes import party
from vicinity_sim.processes.party import PartyParams, party_metrics
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.world.build import resident_members
from vicinity_sim.world.codes import MEMBER_ACTIVE, MEMBER_MOVED, MEMBER_WITHDRAWN

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import PartyMember
    from vicinity_sim.reference.model import ReferenceModel

visit_hours_week = party.visit_hours_week.py_func


class _Statuses:
    """The members' statuses as the metrics read them from a table."""

    def __init__(self, members: list[PartyMember]) -> None:
        self.status = np.array([m.status for m in members], dtype=np.int8)


@reference_process
class Party(ReferenceProcess):
    """Party members' weekly hours: visits, vanguard duty, events, strain and assignment."""

    name = "party"

    def __init__(self, model: ReferenceModel, params: PartyParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self.weight = model.spec.trust.institutional_experience_weight
        w = self.world
        self.household_members: list[list[int]] = [[] for _ in range(len(w.households))]
        for res in model.residents:
            self.household_members[res.household].append(res.row)
        self.block_buildings: list[list[int]] = [[] for _ in range(len(w.blocks))]
        for b, blk in enumerate(w.buildings.block):
            self.block_buildings[int(blk)].append(b)
        self._index_residence()

    def _index_residence(self) -> None:
        """Who lives where, in row order (taken again when newcomers take units in other
        buildings; households and their members keep their rows)."""
        w = self.world
        self.building_residents: list[list[int]] = [[] for _ in range(len(w.buildings))]
        for res in self.model.residents:
            self.building_residents[res.building].append(res.row)
        self.household_grid = [int(w.buildings.grid[b]) for b in w.households.building]
        self._moves = w.moves

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        moved = self.sync()
        members = self.model.party_members
        hh = self.world.households
        for member in members:
            member.households = []
        for h, row in enumerate(hh.pair_member):
            if row >= 0:
                members[int(row)].households.append(h)
        out = [0.0] * 11
        for member in members:
            if member.status == MEMBER_ACTIVE:
                member.tally = out
                member.step()
        self.assign()
        return party_metrics(np.array(out), moved, _Statuses(members), hh)

    def sync(self) -> int:
        """Mark resident members who left as moved and add the residents who are members
        without a row; returns the members marked moved."""
        residents = self.model.residents
        covered = [False] * len(residents)
        moved = 0
        for member in self.model.party_members:
            if member.resident < 0 or member.status not in (MEMBER_ACTIVE, MEMBER_WITHDRAWN):
                continue
            res = residents[member.resident]
            if res.arrived_day != member.since_day or not res.party:
                member.status = MEMBER_MOVED
                member.budget_week = 0.0
                member.hours_left = 0.0
                moved += 1
            else:
                covered[member.resident] = True
        new = [res.row for res in residents if res.party and not covered[res.row]]
        if new:
            rows = resident_members(self.world, np.array(new, dtype=np.int64))
            self.world.party_members.append(**rows.columns())
            self.model.add_party_members()
        return moved

    def assign(self) -> None:
        """Release the households of members no longer serving; assign every paired
        household without a member to the serving member of its grid with the fewest assigned
        households per hour set aside, among those below the cap whose hours cover the visits
        of one more (ties: the first row)."""
        c = self.consts
        members = self.model.party_members
        hh = self.world.households
        for member in members:
            member.assigned = 0
        for h, row in enumerate(hh.pair_member):
            if row >= 0:
                if members[int(row)].status != MEMBER_ACTIVE:
                    hh.pair_member[h] = -1
                else:
                    members[int(row)].assigned += 1
        by_grid: dict[int, list[Any]] = {}
        for member in members:
            if member.status == MEMBER_ACTIVE:
                by_grid.setdefault(member.grid, []).append(member)
        for h in range(len(hh)):
            if not hh.paired[h] or hh.pair_member[h] >= 0:
                continue
            best, best_load = None, 0.0
            for member in by_grid.get(self.household_grid[h], []):
                full = member.assigned >= c.max_households_per_member
                if full or visit_hours_week(member.assigned + 1, c) > member.budget_week:
                    continue
                load = member.assigned / member.budget_week
                if best is None or load < best_load:
                    best, best_load = member, load
            if best is not None:
                hh.pair_member[h] = best.row
                best.assigned += 1
