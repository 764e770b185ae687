"""Agents of the reference model: residents, party members, landlords and gridworkers.

Each agent holds the columns of its row in the fast model's tables as attributes (see
:mod:`vicinity_sim.world.tables` for their meaning and units), plus ``row``, the index that
addresses its random draws (the fast model's entity index). Two-column states (interpersonal
trust in one's own and in other groups) are two-element lists. A resident's acquaintance ties
are slots, as in the fast model: ``ties_to[k]`` is the row of the partner in slot k (-1: free)
and ``ties_w[k]`` its strength (a float32 value, the precision the fast model stores).

People who decide are agents with a ``step``: a party member's (:class:`PartyMember`, and
:class:`InServiceMember` for members who do not live in the village) is the end of their week,
a gridworker's (:class:`Gridworker`) the end of their day. What they do as it comes during the
day (answer a need, warn a building, take a request, mediate) are methods the processes call
in the order the fast kernels take them. A resident who is a party member is two agents: the
:class:`Resident` (home, work, trust) and the :class:`PartyMember` (their party role, linked by
``resident``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from vicinity_sim.processes import governance, party
from vicinity_sim.processes.governance import GovernanceSlot
from vicinity_sim.processes.party import PartySlot
from vicinity_sim.reference.learning import learn_institutions
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    MEMBER_WITHDRAWN,
)
from vicinity_sim.world.tables import Gridworkers, Landlords, PartyMembers, Residents

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel


def _columns(table_cls: type) -> list[str]:
    return [f.name for f in fields(table_cls)]


RESIDENT_COLUMNS = _columns(Residents)
LANDLORD_COLUMNS = _columns(Landlords)
GRIDWORKER_COLUMNS = _columns(Gridworkers)
PARTY_MEMBER_COLUMNS = _columns(PartyMembers)

GOVERNANCE_SLOTS = slot_numbers(GovernanceSlot)
PARTY_SLOTS = slot_numbers(PartySlot)
# The fast mechanisms' formulas, run as Python.
grid_knowledge = governance.grid_knowledge.py_func
worker_effort = governance.worker_effort.py_func
worker_hours = governance.worker_hours.py_func
next_worker_strain = governance.next_worker_strain.py_func
quit_probability = governance.quit_probability.py_func
visit_due = party.visit_due.py_func
visit_hours_week = party.visit_hours_week.py_func
recognition = party.recognition.py_func
overload = party.overload.py_func
weekly_budget = party.weekly_budget.py_func
banked = party.banked.py_func
next_strain = party.next_strain.py_func
withdraw_probability = party.withdraw_probability.py_func


class RowAgent(mesa.Agent):
    """An agent that mirrors one row of a fast-model table.

    Args:
        model: The reference model.
        row: Index of the agent's row (addresses its random draws).
        values: Column name → value of the row.
    """

    columns: list[str] = []

    def __init__(self, model: ReferenceModel, row: int, values: dict[str, Any]) -> None:
        super().__init__(model)
        self.row = row
        for name in self.columns:
            value = values[name]
            setattr(self, name, value.tolist() if isinstance(value, np.ndarray) else value.item())


class Resident(RowAgent):
    """A resident: local villager (group 0), migrant tenant (1) or Taiwan compatriot (2).

    Attributes besides the columns of :class:`~vicinity_sim.world.tables.Residents`:
        ties_to: Partner row per tie slot (-1: free slot).
        ties_w: Tie strength per slot.
    """

    columns = RESIDENT_COLUMNS

    def __init__(
        self, model: ReferenceModel, row: int, values: dict[str, Any],
        ties_to: list[int], ties_w: list[float],
    ) -> None:  # fmt: skip
        super().__init__(model, row, values)
        self.ties_to = ties_to
        self.ties_w = ties_w

    @property
    def is_party_member(self) -> bool:
        return bool(self.party)


class PartyMember(RowAgent):
    """A party member serving the village, with a weekly budget of hours (a row of
    ``party_members``; resident members' ``resident`` is their row of residents).

    During the week the processes ask the member for hours (:meth:`ask`) and the member gives
    them only if they have them (:meth:`has`, :meth:`give`); :meth:`step` ends the week.

    Attributes besides the columns of :class:`~vicinity_sim.world.tables.PartyMembers`:
        households: Rows of the paired households assigned to the member (set by the party
            process before the week ends, in row order).
        tally: Where :meth:`step` adds its counts (the party process's metrics).
    """

    columns = PARTY_MEMBER_COLUMNS

    def __init__(self, model: ReferenceModel, row: int, values: dict[str, Any]) -> None:
        super().__init__(model, row, values)
        self.households: list[int] = []
        self.tally: list[float] = []

    def has(self, hours: float) -> bool:
        """Whether the member has ``hours`` left to give."""
        return self.hours_left >= hours

    def ask(self, hours: float) -> None:
        """Record that ``hours`` were asked of the member (they count toward strain)."""
        self.asked_week += hours

    def give(self, hours: float) -> None:
        """Give ``hours`` (the caller has checked :meth:`has`)."""
        self.hours_left -= hours
        self.spent_week += hours
        self.hours_total += hours

    def step(self) -> None:
        """The week's end: visits due, vanguard duty and an event with the hours left (in
        that order, each only if its hours fit), then strain, the decision to withdraw and
        the hours set aside for the next week."""
        model = self.model
        day = model.day
        proc = model.process("party")
        c, key = proc.consts, model.streams.key("party", day)
        w = model.world
        out = self.tally
        vanguard = bool(w.grids.vanguard[self.grid])
        self.visit_due_households(day, c, out)
        if vanguard and self.block >= 0:
            self.vanguard_walks(key, c, out)
        if vanguard and self.hours_left >= c.event_hours:
            self.give(c.event_hours)
            self.events += 1
            out[7] += 1
        out[0] += 1
        out[1] += self.spent_week
        out[2] += self.budget_week
        self.hours_last_week = self.spent_week
        asked = self.asked_week + visit_hours_week(len(self.households), c)
        self.strain = next_strain(self.strain, asked, self.budget_week, c)
        self.spent_week = 0.0
        self.asked_week = 0.0
        points = float(w.villages.points_reward_cny[w.grids.village[self.grid]])
        recognised = recognition(vanguard, points, c)
        p_withdraw = withdraw_probability(self.kind, self.strain, recognised, c)
        if uniform(key, PARTY_SLOTS.WITHDRAW, self.row) < p_withdraw:
            self.status = MEMBER_WITHDRAWN
            self.budget_week = 0.0
            self.hours_left = 0.0
            out[8] += 1
            return
        out[9] += overload(self.strain, c) > 0.0
        budget = weekly_budget(self.kind, self.group, recognised, self.strain, c)
        self.budget_week = budget
        self.budget_total += budget
        self.hours_left = banked(self.hours_left, budget, c)

    def visit_due_households(self, day: int, c: Any, out: list[float]) -> None:
        """Visit the assigned households due for a visit, the longest unvisited first, while
        the hours last: each visit is a positive experience of the institutions for everyone
        in the household."""
        hh = self.model.world.households
        proc = self.model.process("party")
        due = [h for h in self.households if visit_due(int(hh.last_visit[h]), day, c)]
        due.sort(key=lambda h: int(hh.last_visit[h]))  # stable: ties keep row order
        for h in due:
            out[10] += 1
            if not self.has(c.visit_hours):
                continue
            self.give(c.visit_hours)
            self.visits += 1
            out[3] += 1
            hh.last_visit[h] = day
            for i in proc.household_members[h]:
                learn_institutions(self.model.residents[i], 1.0, c.visit_trust_effect,
                                   proc.weight)  # fmt: skip

    def vanguard_walks(self, key: Any, c: Any, out: list[float]) -> None:
        """Vanguard duty: walk the home block's buildings in turn with part of the hours left,
        persuading indoor chargers and reporting 三合一 premises."""
        w = self.model.world
        proc = self.model.process("party")
        buildings = proc.block_buildings[self.block]
        walks = min(int(self.hours_left * c.vanguard_duty_share / c.walk_hours), len(buildings))
        for _ in range(walks):
            bld = buildings[self.walk_pos % len(buildings)]
            self.walk_pos += 1
            self.give(c.walk_hours)
            self.walks += 1
            out[4] += 1
            found = 0
            for i in proc.building_residents[bld]:
                res = self.model.residents[i]
                if res.charging == CHARGE_INDOOR:
                    if uniform(key, PARTY_SLOTS.PERSUADE, i) < c.walk_persuade_probability:
                        res.charging = CHARGE_OUTDOOR
                        out[5] += 1
                    else:
                        found += 1
            if w.buildings.three_in_one[bld]:
                if uniform(key, PARTY_SLOTS.REPORT, bld) < c.report_rectified_probability:
                    w.buildings.three_in_one[bld] = False
                    out[6] += 1
                else:
                    found += 1
            w.buildings.hazards_seen[bld] = found


class InServiceMember(PartyMember):
    """A party member of a government organ, public institution or state firm registered
    with one of the village's grids (在职党员双报到): fewer hours, no home in the village
    (``block`` and ``resident`` are -1), so no acquaintances here and no vanguard walks; under
    the community's yearly appraisal they give at least its floor and do not withdraw."""


class Landlord(RowAgent):
    """A landlord: owns buildings (``buildings.owner``); ``household`` is -1 if absentee."""

    columns = LANDLORD_COLUMNS


class Gridworker(RowAgent):
    """A gridworker (网格员) post of a grid and its current holder; ``party`` marks party
    members.

    Each day the holder comes on duty (:meth:`start_day`: effort from the grid's supervision
    and their own strain, hours net of duplicated reporting, knowledge of the grid from their
    time in post), takes alarms and requests while their hours last (:meth:`take`), patrols
    with the hours left (the governance process routes them), and ends the day with
    :meth:`step`: strain follows the work that came to the grid, and the holder may quit (the
    post falls vacant for a while, then a newcomer takes it).

    Attributes besides the columns of :class:`~vicinity_sim.world.tables.Gridworkers`:
        left: Hours left today.
        on_duty: Whether the post is filled today.
        asked_today: Hours of work that came to the holder today (their share of the grid's).
    """

    columns = GRIDWORKER_COLUMNS

    def __init__(self, model: ReferenceModel, row: int, values: dict[str, Any]) -> None:
        super().__init__(model, row, values)
        self.left = 0.0
        self.on_duty = False
        self.asked_today = 0.0

    def start_day(self, c: Any, grid_households: int) -> None:
        """Come on duty (or count a vacancy down)."""
        w = self.model.world
        self.hours_cases = 0.0
        if self.vacant_days > 0:
            self.vacant_days -= 1
            self.hours = self.effort = self.knowledge = self.left = 0.0
            self.on_duty = False
            return
        g = self.grid
        self.tenure_days += 1
        self.knowledge = grid_knowledge(self.tenure_days, grid_households, c)
        self.effort = worker_effort(float(w.grids.effort[g]), self.strain, self.party, c)
        self.hours = worker_hours(self.effort, float(w.grids.duplication_loss[g]), c)
        self.left = self.hours
        self.on_duty = True

    def take(self, hours: float) -> bool:
        """Take a request or an alarm of ``hours`` if the hours left allow it."""
        if self.left < hours:
            return False
        self.left -= hours
        self.hours_cases += hours
        self.cases += 1
        return True

    def step(self) -> None:
        """The day's end: strain, and the decision to quit."""
        model = self.model
        w = model.world
        c = model.process("governance").consts
        key = model.streams.key("governance", model.day)
        g = self.grid
        self.strain = next_worker_strain(self.strain, self.asked_today,
                                         float(w.grids.duplication_loss[g]), c)  # fmt: skip
        supervised = int(w.grids.supervision_interval[g]) > 0
        if uniform(key, GOVERNANCE_SLOTS.QUIT, self.row) < quit_probability(
            self.strain, supervised, self.party, c
        ):
            self.quits += 1
            self.vacant_days = c.vacancy_days
            self.tenure_days = 0
            self.strain = 0.0
            model.process("governance").quits_today += 1
