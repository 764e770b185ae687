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

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from vicinity_sim.processes import governance, party
from vicinity_sim.processes import landlords as fast_landlords
from vicinity_sim.processes.governance import GovernanceSlot
from vicinity_sim.processes.party import PartySlot
from vicinity_sim.reference.learning import learn_institutions
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    LOCAL,
    MEMBER_WITHDRAWN,
    NOTICE_NONE,
    NOTICE_NONRENEWAL,
    NOTICE_TAKEOVER,
    UNIT_LET,
)
from vicinity_sim.world.tables import Gridworkers, Landlords, PartyMembers, Residents

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel


def _columns(table_cls: type) -> list[str]:
    return [f.name for f in fields(table_cls)]


#: The landlords' formulas, as plain Python (the fast kernels inline the same functions).
f = fast_landlords.formulas()
SLOT = slot_numbers(fast_landlords.LandlordSlot)

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


@dataclass
class LandlordMonth:
    """What landlords know and share in a month's decisions (set by the reference landlords
    process before it steps them).

    Attributes:
        day: Day of the run.
        key: The landlords' key of the day (their draws).
        consts: Landlords' constants; rents: the rents' constants.
        market: What they see at the start of the month (the fast model's
            :class:`~vicinity_sim.processes.landlords.Market`, computed on the places).
        safety_cost, subsidy, bonus: Per building, what was spent this month (summed in
            building order by the process, as the fast kernel adds them).
        counts: The month's counts of decisions (brought to standard, takeovers,
            renovations, non-renewals, evictions, renewals).
    """

    day: int
    key: np.uint64
    consts: Any
    rents: Any
    market: Any
    safety_cost: dict[int, float] = field(default_factory=dict)
    subsidy: dict[int, float] = field(default_factory=dict)
    bonus: dict[int, float] = field(default_factory=dict)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("brought", "takeovers", "renovations", "nonrenewals", "evictions", "renewals"), 0
        )
    )


class Landlord(RowAgent):
    """A landlord: owns buildings (``buildings.owner``); ``household`` is -1 if absentee.

    Once a month :meth:`step` makes the landlord's decisions for each of its buildings, in
    building order, with what it knows (a :class:`LandlordMonth`: its own units, the asking
    rents of its block's other buildings, the village's rules): whether to bring a building
    below the safety standard to it, whether to accept an operator's offer to lease it (统租),
    whether to renovate its units, what rent to post, and, for each lease ending, whether to
    renew it (at what rent) or let the unit again. A building leased to an operator is the
    operator's to price and let, by the same rules. When a shop wants one of its vacant
    ground-floor rooms, :meth:`accepts_shop` and :meth:`lets_shop_legally` decide.
    :mod:`vicinity_sim.processes.landlords` states the rules; the formulas are the fast
    model's own, called as plain Python.

    Attributes besides the columns of :class:`~vicinity_sim.world.tables.Landlords`:
        buildings: Rows of the buildings it owns, ascending.
    """

    columns = LANDLORD_COLUMNS

    def __init__(self, model: ReferenceModel, row: int, values: dict[str, Any]) -> None:
        super().__init__(model, row, values)
        self.buildings: list[int] = []

    def step(self) -> None:
        """The month's decisions for each of the landlord's buildings, in building order."""
        month = self.model.landlord_month
        for i in self.buildings:
            self.decide(i, month)

    def decide(self, i: int, month: LandlordMonth) -> None:
        """The month's decisions for building ``i``."""
        w = self.model.world
        b, v, c, m = w.buildings, w.villages, month.consts, month.market
        vil = int(b.village[i])
        n_market = int(m.n_market[i])
        vacancy = float(m.vacancy[i])
        leased = b.operator_until[i] >= 0
        if not leased:
            self.comply(i, month)
            active = month.day - int(b.renovated_day[i]) < round(c.renovation_life_years * 365)
            letting = float(b.rent[i]) * n_market
            if b.operator_offer[i] and n_market > 0 and f.operator_accepts(
                vacancy, float(v.operator_backing[vil]), float(v.operator_bonus_cny[vil]),
                letting, float(m.reluctance[i]), c,
            ):  # fmt: skip
                self.lease_to_operator(i, letting, month)
                leased = True
            elif (
                not active
                and n_market > 0
                and _draw(month, SLOT.REVIEW, i)
                < -math.expm1(-c.renovation_reviews_per_year / 12.0)
            ):
                self.consider_renovation(i, n_market, vacancy, month)
        posted = self.post_rent(i, n_market, vacancy, month)
        self.leases_ending(i, posted, vacancy, leased, month)

    def comply(self, i: int, month: LandlordMonth) -> None:
        """Bring building ``i`` to the safety standard this month, or not."""
        w = self.model.world
        b, v, c = w.buildings, w.villages, month.consts
        vil = int(b.village[i])
        ok = b.smoke_sensor[i] and b.escape_windows[i] and not b.three_in_one[i]
        if not v.safety_standard[vil] or ok:
            return
        cost = f.safety_cost(int(b.rooms[i]), bool(b.smoke_sensor[i]), bool(b.escape_windows[i]),
                             bool(b.three_in_one[i]), c)  # fmt: skip
        x = f.compliance_log_odds(cost, float(v.inspections_per_building_year[vil]),
                                  float(v.safety_fine_cny[vil]), float(month.market.peer_share[i]),
                                  self.association, b.order_day[i] >= 0, c)  # fmt: skip
        if _draw(month, SLOT.COMPLY, i) < f.logistic(x):
            b.smoke_sensor[i] = True
            b.escape_windows[i] = True
            b.three_in_one[i] = False
            b.order_day[i] = -1
            self.safety_spent_cny += cost
            month.safety_cost[i] = cost
            month.counts["brought"] += 1

    def lease_to_operator(self, i: int, letting: float, month: LandlordMonth) -> None:
        """统租: the operator takes building ``i`` over, renovates it, brings it to the standard,
        asks more and asks most sitting tenants to leave."""
        w = self.model.world
        b, u, hh, c = w.buildings, w.units, w.households, month.consts
        b.operator_until[i] = month.day + round(c.operator_lease_years * 365)
        b.operator_rent[i] = c.operator_guarantee_ratio * letting
        b.renovated_day[i] = month.day
        b.smoke_sensor[i] = True
        b.escape_windows[i] = True
        b.three_in_one[i] = False
        b.order_day[i] = -1
        b.value[i] = month.market.base_value[i] * (1.0 + month.rents.renovation_rent_premium)
        b.markup[i] *= c.operator_relet_multiplier
        month.counts["takeovers"] += 1
        month.bonus[i] = float(w.villages.operator_bonus_cny[b.village[i]])
        for k in range(int(month.market.unit_first[i]), int(month.market.unit_first[i + 1])):
            h = int(u.household[k])
            if (
                u.state[k] == UNIT_LET
                and hh.group[h] != LOCAL
                and _draw(month, SLOT.EVICT, h) < c.operator_eviction_share
            ):
                hh.notice[h] = NOTICE_TAKEOVER
                month.counts["evictions"] += 1

    def consider_renovation(self, i: int, n_market: int, vacancy: float,
                            month: LandlordMonth) -> None:  # fmt: skip
        """Renovate building ``i``'s units if the rent it adds is worth the cost net of the
        subsidy."""
        w = self.model.world
        b, c = w.buildings, month.consts
        cost = f.renovation_cost(n_market, float(month.market.cost_shock[i]), c)
        own = cost * (1.0 - float(w.villages.renovation_subsidy_share[b.village[i]]))
        if f.renovation_gain(float(b.rent[i]), vacancy, n_market, c, month.rents) > own:
            b.renovated_day[i] = month.day
            b.value[i] = month.market.base_value[i] * (1.0 + month.rents.renovation_rent_premium)
            self.renovations += 1
            self.renovation_spent_cny += own
            month.subsidy[i] = cost - own
            month.counts["renovations"] += 1

    def post_rent(self, i: int, n_market: int, vacancy: float, month: LandlordMonth) -> float:
        """The posted rent of building ``i`` for the month: the landlord's reading of the market
        moves with its vacancy and its neighbours' asking rents, its value it knows."""
        w = self.model.world
        b, m, c = w.buildings, month.market, month.consts
        posted = float(b.rent[i])
        x = math.log(b.markup[i])
        if n_market > 0:
            x = f.next_log_markup(x, vacancy, float(m.nbr_log_markup[i]), bool(m.has_nbr[i]), c)
        cap = float(w.villages.rent_cap_per_year[b.village[i]])
        new = f.capped_rise(b.base_rent[i] * b.value[i] * math.exp(x), posted, cap, 1.0)
        b.rent[i] = new
        b.markup[i] = new / (b.base_rent[i] * b.value[i]) if b.value[i] > 0.0 else 1.0
        return float(new)

    def leases_ending(self, i: int, posted: float, vacancy: float, leased: bool,
                      month: LandlordMonth) -> None:  # fmt: skip
        """Renew the leases of building ``i`` ending now, or ask the tenants to leave to let
        the units again at the posted rent."""
        w = self.model.world
        u, hh, c = w.units, w.households, month.consts
        cap = float(w.villages.rent_cap_per_year[w.buildings.village[i]])
        for k in range(int(month.market.unit_first[i]), int(month.market.unit_first[i + 1])):
            if u.state[k] != UNIT_LET or u.lease_end[k] > month.day:
                continue
            h = int(u.household[k])
            if hh.notice[h] != NOTICE_NONE:
                continue
            if hh.group[h] != LOCAL and not f.renews(
                float(u.rent[k]), posted, vacancy, cap, c, month.rents
            ):
                hh.notice[h] = NOTICE_NONRENEWAL
                month.counts["nonrenewals"] += 1
                if not leased:
                    self.nonrenewals += 1
            else:
                u.rent[k] = f.renewed_rent(float(u.rent[k]), posted, cap, c, month.rents)
                u.lease_end[k] += month.rents.lease_days
                month.counts["renewals"] += 1

    def accepts_shop(self, building: int) -> bool:
        """Whether the landlord lets a vacant ground-floor room of ``building`` as a shop."""
        month = self.model.landlord_month
        b = self.model.world.buildings
        vacancy = float(month.market.vacancy[building])
        return b.operator_until[building] < 0 and bool(
            f.shop_pays(float(b.rent[building]), vacancy, month.consts)
        )

    def lets_shop_legally(self, unit: int, building: int) -> bool:
        """Whether the new shop in ``unit`` is kept to the safety standard (else people sleep
        in it: a 三合一 premises); only where the standard is in force, weighing the fines to
        expect against the extra rent of 三合一."""
        month = self.model.landlord_month
        w = self.model.world
        v = w.villages
        vil = int(w.buildings.village[building])
        if not v.safety_standard[vil]:
            return False
        c = month.consts
        extra = 12.0 * c.three_in_one_rent_share * w.buildings.rent[building]
        x = f.shop_legal_log_odds(
            extra, float(v.inspections_per_building_year[vil]), float(v.safety_fine_cny[vil]),
            float(month.market.peer_share[building]), self.association, c,
        )  # fmt: skip
        return _draw(month, SLOT.SHOP_LEGAL, unit) < f.logistic(x)


def _draw(month: LandlordMonth, slot: int, index: int) -> float:
    """The landlords' uniform draw of the day for ``slot`` and ``index``."""
    return float(uniform(month.key, slot, int(index)))


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
