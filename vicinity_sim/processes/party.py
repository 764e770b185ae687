"""Party members: a weekly time budget spent on roles by a priority rule (党员服务).

Party members serving the village are resident members (residents flagged ``party``) and
in-service members of government organs, public institutions and state firms registered with
a grid (在职党员双报到, rows added by the ``party_registration`` intervention). Each is an
agent with a weekly budget of hours and a bank of hours not yet given (at most
``bank_weeks`` budgets: time set aside and not asked for is not kept forever).

**Budget.** Each week a member sets aside

    H = base(kind) · engagement · (1 + recognition_hours_gain · R) · burnout(strain),

``base`` the hours of a retired resident member, a working one or an in-service member;
``engagement`` 1, or ``migrant_engagement`` for migrant members (their party ties lie where
they came from); ``R`` the recognition the grid gives members (1 where vanguard teams show
members' identity and deeds, 三亮一表率; points, 积分, worth ``points / recognition_points_cny``
otherwise; at most 1); ``burnout = max(0, 1 − burnout_hours_loss · max(0, strain −
burnout_threshold))``. In-service members under the community's yearly appraisal give at
least ``appraisal_floor_hours_year / 52`` ("不掉队即可": enough not to fall behind).

**Choice rule** (a priority order under a hard budget; a task is done only if its hours fit in
what the member has left):

1. every day, what is asked of them, as it comes (other mechanisms): needs of the paired
   households assigned to them (governance), flood alarms the smart platform routes to them
   (governance), disputes in their building or block they are asked to mediate (disputes);
   with the platform, members with time also claim open requests of their grid
   (governance);
2. at the week's end, pairing visits to their assigned households that are due (every
   ``visit_interval_days``, the longest unvisited first): a positive experience of the
   institutions for the household;
3. vanguard duty, where the grid has vanguard teams, with ``vanguard_duty_share`` of what is
   left: walks through the buildings of their home block in turn (resident members only),
   persuading indoor chargers and reporting 三合一 premises (the grid's record of each
   building's hazards is updated);
4. volunteering at a community event (``event_hours``), where vanguard teams organise them;
   the hours are counted and have no further effect in this version.

**Strain and burnout.** The hours asked of a member in a week (needs, alarms and mediations
as they come, and the week's share of their assigned households' visits,
``assigned · visit_hours · 7 / visit_interval_days``) over the hours they set aside is their
load; ``strain`` is its moving mean over
``strain_weeks`` weeks. Strain above ``burnout_threshold`` lowers the hours they set aside and
raises their weekly probability of withdrawing from community service,

    P(withdraw) = 1 − exp(−base_quit_per_year / 52 · (1 − recognition_retention_gain · R)
                          · exp(burnout_quit_hazard · max(0, strain − burnout_threshold))),

for resident members; in-service members under appraisal do not withdraw (their hours fall
to the floor instead).

**Assignment** (the community party branch's rule): every paired household without a serving
member is assigned to the serving member of its grid with the fewest assigned households per
hour set aside, among those with fewer than ``max_households_per_member`` whose hours set
aside cover the visits of one more household; a household whose grid has no such member stays
unassigned, paired in name only (its needs go to the grid). Members who withdraw or move away
release their households. Resident members who leave the village are marked ``moved``;
newcomers who are party members join.

Levers read here: grids' ``vanguard``, villages' ``points_reward_cny``, households' ``paired``;
the ``party_members`` rows the ``party_registration`` intervention activates.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.learning import experience
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.snapshots import register_snapshot
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.build import resident_members
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    IN_SERVICE_MEMBER,
    MEMBER_ACTIVE,
    MEMBER_MOVED,
    MEMBER_WITHDRAWN,
    MIGRANT,
    RETIRED_MEMBER,
)
from vicinity_sim.world.ties import counting_sort, group_members

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("party")
class PartySlot(IntEnum):
    """Slots of the party stream's draws."""

    WITHDRAW = 0
    PERSUADE = 1
    REPORT = 2


class PartyParams(ParamModel):
    """Party members' weekly time, its use, recognition and burnout."""

    retired_hours_week: float = param(
        2.0, unit="h/(member·week)", ge=0.0, le=60.0, range=(0.5, 5.0), prior="loguniform",
        doc="Hours a retired resident member sets aside for the community each week.",
        source="assumption: retired members take part more (许亚敏 & 赵聚军 2021, docs/sources.md "
        "§party-members); about twice the US median volunteer's 50 h/year",
    )  # fmt: skip
    working_hours_week: float = param(
        0.5, unit="h/(member·week)", ge=0.0, le=60.0, range=(0.1, 2.0), prior="loguniform",
        doc="Hours a resident member of working age sets aside each week.",
        source="assumption: near the US median volunteer (50 h/year, BLS 2013) and below "
        "retired members (docs/sources.md §party-members)",
    )  # fmt: skip
    in_service_hours_week: float = param(
        0.25, unit="h/(member·week)", ge=0.0, le=60.0, range=(0.05, 1.0), prior="loguniform",
        doc="Hours an in-service member registered with a grid (双报到) sets aside each week.",
        source="docs/sources.md §party-members: two registrations a year (Foshan) of about "
        "3.1 h each (Ningbo 2022) are 0.12 h/week; doubled for help between registrations "
        "(assumption); Xingtai's 50 h/year requirement (≈1 h/week) bounds it above",
    )  # fmt: skip
    migrant_engagement: float = param(
        0.3, unit="1", ge=0.0, le=1.0, range=(0.1, 1.0), prior="uniform",
        doc="Share of a resident member's hours a migrant member gives (their party "
        "organisation usually stays where they came from).",
        source="assumption: floating members' community participation is mostly passive or "
        "selective (张洋阳 2020, docs/sources.md §party-members)",
    )  # fmt: skip
    bank_weeks: float = param(
        4.0, unit="weeks", ge=1.0, le=52.0, range=(2.0, 8.0), prior="uniform",
        doc="Most hours a member holds for later, in weekly budgets (time set aside and not "
        "asked for is kept about a month).",
        source="assumption: members plan their community time by the month (monthly "
        "activities, half-yearly registrations); a member with less than an hour a week can "
        "still answer a need",
    )  # fmt: skip
    visit_interval_days: int = param(
        30, unit="days", ge=1, le=3650,
        doc="Days between a member's pairing visits to each assigned household.",
        source="assumption: a monthly visit; the seed gives no frequency (docs/sources.md "
        "§party-members: 'every so often', 每隔一段时间)",
    )  # fmt: skip
    visit_hours: float = param(
        0.75, unit="h/visit", gt=0.0, le=24.0, range=(0.5, 1.5), prior="uniform",
        doc="Hours of a pairing visit, with the way there.",
        source="docs/sources.md §gridworkers: a Xiamen gridworker's two hours of door visits "
        "a day reach a few households (人民日报 2022-08-19)",
    )  # fmt: skip
    visit_trust_effect: float = param(
        0.05, unit="1/visit", ge=0.0, le=1.0,
        doc="Learning rate of a visit, a positive experience of the institutions.",
        source="assumption: no study measures the trust a single visit builds; a visit is "
        "weighed as one good experience of the institutions among the dozens a year a "
        "resident has",
    )  # fmt: skip
    max_households_per_member: int = param(
        3, unit="households/member", ge=1, le=100,
        doc="Most paired households the party branch assigns to one member.",
        source="assumption: two to three households per registration (the pairing "
        "intervention's scale, docs/sources.md §party-members); plausibly 1 to 6, an "
        "integer, so fixed in experiments",
    )  # fmt: skip
    vanguard_duty_share: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of the hours left after visits a member on vanguard duty spends walking "
        "the buildings of their block.",
        source="assumption: duty takes part of the spare time, events and the bank the rest",
    )  # fmt: skip
    walk_hours: float = param(
        0.33, unit="h/building", gt=0.0, le=24.0, range=(0.17, 0.75), prior="loguniform",
        doc="Hours a vanguard member spends walking one building (corridors, stairwells, "
        "talking to residents).",
        source="assumption: about 20 minutes, consistent with a Guangzhou street's safety "
        "campaign (209 person-times for 787 buildings over six operations, docs/sources.md "
        "§gridworkers)",
    )  # fmt: skip
    walk_persuade_probability: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Probability a walk persuades an indoor charger in the building to charge outdoors.",
        source="assumption: as a gridworker's inspection (governance.persuade_probability)",
    )  # fmt: skip
    report_rectified_probability: float = param(
        0.05, unit="1", ge=0.0, le=1.0,
        doc="Probability a 三合一 premises a member reports is rectified.",
        source="assumption: as after a gridworker's inspection "
        "(governance.three_in_one_enforcement)",
    )  # fmt: skip
    event_hours: float = param(
        3.0, unit="h/event", gt=0.0, le=24.0, range=(2.0, 4.0), prior="uniform",
        doc="Hours of volunteering at a community event.",
        source="docs/sources.md §party-members: 3.1 h per volunteer participation (Ningbo 2022)",
    )  # fmt: skip
    recognition_points_cny: float = param(
        40.0, unit="CNY/week", gt=0.0, le=10_000.0, range=(20.0, 100.0), prior="loguniform",
        doc="Points (积分) a week at which members feel fully recognised where no vanguard "
        "teams show their deeds.",
        source="assumption: party members earn points for deeds where a points system runs; "
        "the program's 20 CNY then gives half the recognition vanguard teams give",
    )  # fmt: skip
    recognition_hours_gain: float = param(
        0.1, unit="1", ge=0.0, le=2.0, range=(0.0, 0.3), prior="uniform",
        doc="Relative rise of the hours a fully recognised member sets aside.",
        source="assumption: non-financial rewards raise volunteers' effort (Ashraf, Bandiera "
        "& Jack 2014) but no hours elasticity is published; kept below the retention effect "
        "(docs/sources.md §party-members)",
    )  # fmt: skip
    recognition_retention_gain: float = param(
        0.2, unit="1", ge=0.0, le=1.0, range=(0.0, 0.35), prior="uniform",
        doc="Relative cut of a fully recognised member's probability of withdrawing.",
        source="docs/sources.md §party-members: a symbolic award cut newcomers' drop-out from "
        "43.5% to 34.8% (Gallus 2017); awarded Scout volunteers' odds of staying 1.43× (Walk "
        "et al. 2019)",
    )  # fmt: skip
    strain_weeks: float = param(
        4.0, unit="weeks", ge=1.0, le=52.0,
        doc="Weeks over which a member's load (hours asked over hours set aside) is averaged.",
        source="assumption: burnout follows overload that lasts, not a single busy week",
    )  # fmt: skip
    burnout_threshold: float = param(
        1.2, unit="1", ge=0.0, le=10.0, range=(1.0, 2.0), prior="uniform",
        doc="Strain (hours asked over hours set aside) above which a member burns out.",
        source="assumption: a little unmet demand is tolerated; burnout starts when requests "
        "persistently exceed the time a member has",
    )  # fmt: skip
    burnout_hours_loss: float = param(
        0.2, unit="1 per unit strain", ge=0.0, le=1.0, range=(0.0, 0.5), prior="uniform",
        doc="Share of their hours a member stops setting aside per unit of strain above the "
        "threshold.",
        source="assumption: exhausted volunteers withdraw effort before they quit (Aranda et al. "
        "2019); kept smaller than the effect on withdrawing (docs/sources.md §party-members)",
    )  # fmt: skip
    burnout_quit_hazard: float = param(
        0.5, unit="1 per unit strain", ge=0.0, le=10.0, range=(0.1, 2.0), prior="loguniform",
        doc="Elasticity of the withdrawal hazard with strain above the threshold.",
        source="assumption, shaped by the volunteer literature: overload and role ambiguity "
        "lead to burnout and the intention to quit (Allen & Mueller 2013, docs/sources.md "
        "§party-members)",
    )  # fmt: skip
    base_quit_per_year: float = param(
        0.10, unit="1/year", ge=0.0, le=5.0, range=(0.05, 0.2), prior="uniform",
        doc="Hazard a resident member withdraws from community service, without strain or "
        "recognition.",
        source="docs/sources.md §party-members: 13% a year volunteer turnover (Boy Scouts of "
        "America 2016–17, Walk et al. 2019); lower for party members, who are asked to serve",
    )  # fmt: skip
    appraisal_floor_hours_year: float = param(
        6.0, unit="h/(member·year)", ge=0.0, le=500.0,
        doc="Least hours an in-service member gives under the community's yearly appraisal "
        "(0: no appraisal, and in-service members may withdraw).",
        source="docs/sources.md §party-members: registration every half year (Foshan) of about "
        "3.1 h; members not registering cannot be rated 合格; 'do enough not to fall behind' "
        "(不掉队即可, 许亚敏 & 赵聚军 2021)",
    )  # fmt: skip


PartyConsts = consts_class(PartyParams)


class PartySections(NamedTuple):
    """The parameter sections the party process uses: its own and the shared trust one."""

    party: Any
    trust: Any


class PartyIndex(NamedTuple):
    """Residents of each household and building, buildings of each block (CSR), and each
    household's grid."""

    hh_ptr: np.ndarray
    hh_grid: np.ndarray
    block_bld_ptr: np.ndarray
    block_bld: np.ndarray
    bld_res_ptr: np.ndarray
    bld_res: np.ndarray


# -- formulas (the reference engine runs the same functions as Python) ------------------------


@njit(cache=True, inline="always")
def base_hours(kind, group, c):
    """Hours a member of this kind and group sets aside each week before recognition and
    burnout."""
    if kind == IN_SERVICE_MEMBER:
        return c.in_service_hours_week
    hours = c.retired_hours_week if kind == RETIRED_MEMBER else c.working_hours_week
    return hours * (c.migrant_engagement if group == MIGRANT else 1.0)


@njit(cache=True, inline="always")
def recognition(vanguard, points_reward, c):
    """Recognition a grid gives its members, in [0, 1]: full where vanguard teams show their
    identity and deeds, the points' value relative to ``recognition_points_cny`` otherwise."""
    if vanguard:
        return 1.0
    return min(1.0, points_reward / c.recognition_points_cny)


@njit(cache=True, inline="always")
def overload(strain, c):
    """Strain above the burnout threshold (0 below it)."""
    return max(0.0, strain - c.burnout_threshold)


@njit(cache=True, inline="always")
def weekly_budget(kind, group, recognised, strain, c):
    """Hours a member sets aside this week (see the module docstring)."""
    hours = base_hours(kind, group, c) * (1.0 + c.recognition_hours_gain * recognised)
    hours *= max(0.0, 1.0 - c.burnout_hours_loss * overload(strain, c))
    if kind == IN_SERVICE_MEMBER:
        hours = max(hours, c.appraisal_floor_hours_year / 52.0)
    return hours


@njit(cache=True, inline="always")
def banked(hours_left, budget, c):
    """Hours a member has for the coming week: what is left plus the new budget, at most
    ``bank_weeks`` budgets."""
    return min(hours_left + budget, c.bank_weeks * budget)


@njit(cache=True, inline="always")
def next_strain(strain, asked, budget, c):
    """Strain after a week in which ``asked`` hours were asked of ``budget`` set aside."""
    load = asked / budget if budget > 0.0 else 0.0
    return strain + (load - strain) / c.strain_weeks


@njit(cache=True, inline="always")
def withdraw_probability(kind, strain, recognised, c):
    """Probability a member withdraws from community service this week."""
    if kind == IN_SERVICE_MEMBER and c.appraisal_floor_hours_year > 0.0:
        return 0.0
    hazard = c.base_quit_per_year / 52.0 * (1.0 - c.recognition_retention_gain * recognised)
    return 1.0 - math.exp(-hazard * math.exp(c.burnout_quit_hazard * overload(strain, c)))


@njit(cache=True, inline="always")
def visit_hours_week(households, c):
    """Hours a week the pairing visits of ``households`` assigned households take."""
    return households * c.visit_hours * 7.0 / c.visit_interval_days


@njit(cache=True, inline="always")
def visit_due(last_visit, day, c):
    """Whether a household last visited on ``last_visit`` is due for a visit by ``day``."""
    return day - last_visit >= c.visit_interval_days


@njit(cache=True, inline="always")
def spend(m, k, hours):
    """Member ``k`` gives ``hours`` (the caller has checked they have them)."""
    m.hours_left[k] -= hours
    m.spent_week[k] += hours
    m.hours_total[k] += hours


# -- kernels -------------------------------------------------------------------------------


@njit(cache=True)
def assigned_households(m, hh):
    """Households assigned to each member (CSR over members, households in row order)."""
    return counting_sort(hh.pair_member, len(m.status))


@njit(cache=True)
def serve_week(key, day, s, m, hh, r, b, g, v, index, out):
    """The week's end for every serving member: visits due, vanguard duty, events; then the
    week is closed (strain, withdrawal) and the next one's hours set aside.

    Args:
        key, day: The week's stream key and day.
        s: :class:`PartySections`.
        m: Party members (every column).
        hh, r, b, g, v: Households (``last_visit``), residents (``trust_inst``,
            ``charging``), buildings (``three_in_one``, ``hazards_seen``), grids, villages.
        index: :class:`PartyIndex`.
        out: Receives [members, hours given, hours set aside, visits, walks, persuaded,
            reported, events, withdrew, overloaded, visits due].
    """
    c, tc = s.party, s.trust
    m_status = m.status
    m_kind = m.kind
    m_group = m.group
    m_grid = m.grid
    m_block = m.block
    m_hours_left = m.hours_left
    m_budget_week = m.budget_week
    hh_last_visit = hh.last_visit
    r_charging = r.charging
    r_trust_inst = r.trust_inst
    r_disposition_inst = r.disposition_inst
    b_three_in_one = b.three_in_one
    b_hazards_seen = b.hazards_seen
    g_vanguard = g.vanguard
    g_village = g.village
    v_points_reward_cny = v.points_reward_cny
    hh_ptr = index.hh_ptr
    block_bld_ptr = index.block_bld_ptr
    block_bld = index.block_bld
    bld_res_ptr = index.bld_res_ptr
    bld_res = index.bld_res
    weight = tc.institutional_experience_weight
    ptr, households = assigned_households(m, hh)
    for k in range(len(m_status)):
        if m_status[k] != MEMBER_ACTIVE:
            continue
        grid = m_grid[k]
        vanguard = g_vanguard[grid]
        # 2. Visits due, the longest unvisited first (selection among a few households).
        lo, hi = ptr[k], ptr[k + 1]
        done = np.zeros(hi - lo, dtype=np.bool_)
        for _ in range(hi - lo):
            best = -1
            for a in range(lo, hi):
                h = households[a]
                if done[a - lo] or not visit_due(hh_last_visit[h], day, c):
                    continue
                if best < 0 or hh_last_visit[h] < hh_last_visit[households[best]]:
                    best = a
            if best < 0:
                break
            done[best - lo] = True
            h = households[best]
            out[10] += 1
            if m_hours_left[k] < c.visit_hours:
                continue
            spend(m, k, c.visit_hours)
            m.visits[k] += 1
            out[3] += 1
            hh_last_visit[h] = day
            for i in range(hh_ptr[h], hh_ptr[h + 1]):
                experience(r_trust_inst, r_disposition_inst, i, 1.0, c.visit_trust_effect,
                           weight)  # fmt: skip
        # 3. Vanguard duty: walks through the home block's buildings in turn.
        blk = m_block[k]
        if vanguard and blk >= 0:
            n_bld = block_bld_ptr[blk + 1] - block_bld_ptr[blk]
            walks = min(int(m_hours_left[k] * c.vanguard_duty_share / c.walk_hours), n_bld)
            for _ in range(walks):
                bld = block_bld[block_bld_ptr[blk] + m.walk_pos[k] % n_bld]
                m.walk_pos[k] += 1
                spend(m, k, c.walk_hours)
                m.walks[k] += 1
                out[4] += 1
                found = 0
                for a in range(bld_res_ptr[bld], bld_res_ptr[bld + 1]):
                    i = bld_res[a]
                    if r_charging[i] == CHARGE_INDOOR:
                        if uniform(key, PartySlot.PERSUADE, i) < c.walk_persuade_probability:
                            r_charging[i] = CHARGE_OUTDOOR
                            out[5] += 1
                        else:
                            found += 1
                if b_three_in_one[bld]:
                    if uniform(key, PartySlot.REPORT, bld) < c.report_rectified_probability:
                        b_three_in_one[bld] = False
                        out[6] += 1
                    else:
                        found += 1
                b_hazards_seen[bld] = found
        # 4. An event, where vanguard teams organise them.
        if vanguard and m_hours_left[k] >= c.event_hours:
            spend(m, k, c.event_hours)
            m.events[k] += 1
            out[7] += 1
        # Close the week; withdraw or set aside the next week's hours.
        out[0] += 1
        out[1] += m.spent_week[k]
        out[2] += m_budget_week[k]
        m.hours_last_week[k] = m.spent_week[k]
        asked = m.asked_week[k] + visit_hours_week(hi - lo, c)
        m.strain[k] = next_strain(m.strain[k], asked, m_budget_week[k], c)
        m.spent_week[k] = 0.0
        m.asked_week[k] = 0.0
        recognised = recognition(vanguard, v_points_reward_cny[g_village[grid]], c)
        p_withdraw = withdraw_probability(m_kind[k], m.strain[k], recognised, c)
        if uniform(key, PartySlot.WITHDRAW, k) < p_withdraw:
            m_status[k] = MEMBER_WITHDRAWN
            m_budget_week[k] = 0.0
            m_hours_left[k] = 0.0
            out[8] += 1
            continue
        out[9] += overload(m.strain[k], c) > 0.0
        budget = weekly_budget(m_kind[k], m_group[k], recognised, m.strain[k], c)
        m_budget_week[k] = budget
        m.budget_total[k] += budget
        m_hours_left[k] = banked(m_hours_left[k], budget, c)


@njit(cache=True)
def assign(m, hh, hh_grid, c):
    """Release the households of members no longer serving, then assign every paired
    household without a member to the serving member of its grid with the fewest assigned
    households per hour set aside, among those below ``max_households_per_member`` whose
    hours set aside cover the visits of one more household (ties: the first row). Returns
    the households assigned now."""
    m_status = m.status
    m_assigned = m.assigned
    m_budget_week = m.budget_week
    m_grid = m.grid
    hh_paired = hh.paired
    hh_pair_member = hh.pair_member
    n_grids = 0
    for k in range(len(m_grid)):
        n_grids = max(n_grids, m_grid[k] + 1)
    for h in range(len(hh_grid)):
        n_grids = max(n_grids, hh_grid[h] + 1)
    for k in range(len(m_status)):
        m_assigned[k] = 0
    for h in range(len(hh_pair_member)):
        k = hh_pair_member[h]
        if k >= 0:
            if m_status[k] != MEMBER_ACTIVE:
                hh_pair_member[h] = -1
            else:
                m_assigned[k] += 1
    # Serving members of each grid (CSR, row order).
    ptr = np.zeros(n_grids + 1, dtype=np.int64)
    for k in range(len(m_status)):
        if m_status[k] == MEMBER_ACTIVE:
            ptr[m_grid[k] + 1] += 1
    for q in range(n_grids):
        ptr[q + 1] += ptr[q]
    fill = ptr[:-1].copy()
    members = np.empty(ptr[n_grids], dtype=np.int64)
    for k in range(len(m_status)):
        if m_status[k] == MEMBER_ACTIVE:
            members[fill[m_grid[k]]] = k
            fill[m_grid[k]] += 1
    # A member only gains households here, and one more household never takes fewer hours,
    # so once a grid has no member able to take a household it has none for the later ones:
    # they are not looked at (late in a program most paired households wait so, and looking
    # at each one's grid every week grew to most of the week's cost).
    full = np.zeros(n_grids, dtype=np.bool_)
    new = 0
    for h in range(len(hh_paired)):
        if not hh_paired[h] or hh_pair_member[h] >= 0:
            continue
        q = hh_grid[h]
        if full[q]:
            continue
        best = -1
        best_load = 0.0
        for a in range(ptr[q], ptr[q + 1]):
            k = members[a]
            if (m_assigned[k] >= c.max_households_per_member
                    or visit_hours_week(m_assigned[k] + 1, c) > m_budget_week[k]):  # fmt: skip
                continue
            load = m_assigned[k] / m_budget_week[k]
            if best < 0 or load < best_load:
                best, best_load = k, load
        if best >= 0:
            hh_pair_member[h] = best
            m_assigned[best] += 1
            new += 1
        else:
            full[q] = True
    return new


@register
class Party(Process):
    """Party members' weekly hours: visits, vanguard duty, events, strain and assignment."""

    name = "party"
    cadence = "week"
    reads = (
        "residents.party",
        "residents.arrived_day",
        "residents.age",
        "residents.group",
        "residents.village",
        "residents.building",
        "residents.charging",
        "residents.trust_inst",
        "residents.disposition_inst",
        "households.paired",
        "households.building",
        "households.size",
        "households.pair_member",
        "households.last_visit",
        "buildings.block",
        "buildings.grid",
        "buildings.three_in_one",
        "buildings.hazards_seen",
        "grids.vanguard",
        "grids.village",
        "villages.points_reward_cny",
        "party_members",
    )
    writes = (
        "party_members",
        "households.pair_member",
        "households.last_visit",
        "residents.trust_inst",
        "residents.charging",
        "buildings.three_in_one",
        "buildings.hazards_seen",
    )
    after = ("migration",)
    Params = PartyParams
    metrics = {
        "party_members_serving": "Party members serving the village (resident and in-service).",
        "party_member_weeks": "Members whose week closed today.",
        "party_hours_given": "Hours members gave in the week that closed today.",
        "party_hours_set_aside": "Hours members set aside for the week that closed today.",
        "party_overloaded_share": "Share of serving members whose strain is above the "
        "burnout threshold.",
        "party_visits": "Pairing visits made this week.",
        "party_visits_due": "Pairing visits due this week (made or not).",
        "party_walks": "Buildings walked on vanguard duty this week.",
        "party_chargers_persuaded": "Indoor chargers persuaded on vanguard walks this week.",
        "party_three_in_one_reported": "三合一 premises rectified after members' reports.",
        "party_events": "Community events members volunteered at this week.",
        "party_withdrawals": "Members who withdrew from community service this week.",
        "party_members_moved": "Resident members who left the village since last week.",
        "paired_households_assigned": "Paired households with a serving member.",
    }
    levels = frozenset({"party_members_serving", "party_overloaded_share",
                        "paired_households_assigned"})  # fmt: skip

    def __init__(self, model: VicinityModel, params: PartyParams) -> None:
        super().__init__(model, params)
        self.sections = PartySections(params.consts(), model.spec.trust.consts())
        self._index_residence()

    def _index_residence(self) -> None:
        """Who lives where (rebuilt when newcomers take units in other buildings)."""
        w = self.world
        b = w.buildings
        self._moves = w.moves
        self.index = PartyIndex(
            np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64),
            b.grid[w.households.building].astype(np.int64),
            *group_members(b.block.astype(np.int64), len(w.blocks)),
            w.residence().ptr,  # residents by building: the world's index
            w.residence().members,
        )

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        moved = sync_resident_members(self.world)
        out = np.zeros(11)
        serve_week(key, day, self.sections, self.arrays("party_members"),
                   self.arrays("households"), self.arrays("residents"),
                   self.arrays("buildings"), self.arrays("grids"), self.arrays("villages"),
                   self.index, out)  # fmt: skip
        assign(self.arrays("party_members"), self.arrays("households"), self.index.hh_grid,
               self.sections.party)  # fmt: skip
        m = self.world.party_members
        return party_metrics(out, moved, m, self.world.households)


def sync_resident_members(world: Any) -> int:
    """Resident members who left the village (another person now lives in their row, or the
    row is no longer a member's) are marked moved; residents who are members without a row
    that is theirs join. Returns the members marked moved."""
    m, r = world.party_members, world.residents
    live = (m.resident >= 0) & ((m.status == MEMBER_ACTIVE) | (m.status == MEMBER_WITHDRAWN))
    rows = np.nonzero(live)[0]
    person = m.resident[rows]
    gone = rows[(r.arrived_day[person] != m.since_day[rows]) | ~r.party[person]]
    m.status[gone] = MEMBER_MOVED
    m.budget_week[gone] = 0.0
    m.hours_left[gone] = 0.0
    covered = np.zeros(len(r), dtype=bool)
    covered[m.resident[live & (m.status != MEMBER_MOVED)]] = True
    new = np.nonzero(r.party & ~covered)[0]
    if len(new):
        m.append(**resident_members(world, new).columns())
    return len(gone)


def party_metrics(out: np.ndarray, moved: int, m: Any, hh: Any) -> dict[str, float]:
    """The party process's metrics from the kernel's counts and the tables (both engines)."""
    serving = float(np.count_nonzero(m.status == MEMBER_ACTIVE))
    return {
        "party_members_serving": serving,
        "party_member_weeks": out[0],
        "party_hours_given": out[1],
        "party_hours_set_aside": out[2],
        "party_overloaded_share": out[9] / serving if serving else math.nan,
        "party_visits": out[3],
        "party_visits_due": out[10],
        "party_walks": out[4],
        "party_chargers_persuaded": out[5],
        "party_three_in_one_reported": out[6],
        "party_events": out[7],
        "party_withdrawals": out[8],
        "party_members_moved": float(moved),
        "paired_households_assigned": float(np.count_nonzero(hh.pair_member >= 0)),
    }


register_snapshot("party_members", "party_members", {
    "village": "Village (index).",
    "grid": "Home grid, or the grid an in-service member registered with (global index).",
    "resident": "Row of the resident (agent id in residents), -1 for in-service members.",
    "kind": "0 retired resident member, 1 resident member of working age, 2 in-service member.",
    "status": "0 serving, 1 registered but not yet reached by the rollout, 2 withdrew from "
    "community service, 3 moved away.",
    "budget_week": "Hours set aside this week (h).",
    "hours_left": "Hours the member can still give, this week's and banked (h).",
    "hours_last_week": "Hours given in the last whole week (h).",
    "strain": "Hours asked over hours set aside, moving mean over weeks (1; above "
    "party.burnout_threshold the member burns out).",
    "assigned": "Paired households assigned to the member.",
    "budget_total": "Hours set aside so far (h).",
    "hours_total": "Hours given so far (h).",
    "needs_answered": "Needs of paired households answered so far.",
    "visits": "Pairing visits made so far.",
    "mediations": "Disputes mediated so far.",
    "claims": "Grid requests claimed through the smart platform so far.",
    "warnings": "Buildings warned of waterlogging so far.",
    "walks": "Buildings walked on vanguard duty so far.",
    "events": "Community events volunteered at so far.",
})  # fmt: skip
