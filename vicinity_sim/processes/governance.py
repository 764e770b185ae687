"""Governance service and institutional trust ("民有所呼，我有所应").

Residents raise needs and grievances (repairs, paperwork, neighbour trouble, help for the old
and the young) at a rate that is higher for the elderly and for newcomers. A need of a household
paired with a party member (百联千户) goes first to that member, who answers it the same day
with some probability; everything else joins the grid's queue. Each day a grid can handle

    capacity = Σ gridworkers · tasks_per_gridworker_day · effort · (1 − duplication_loss)
                 · (skill / reference_skill)^skill_speed_elasticity
               + social_org_tasks_per_day,

so supervision (effort), one integrated grid network (less duplicated reporting), training
(skill), more staff, the smart platform (by ``platform_capacity_gain``) and contracted social
organisations all add capacity. Requests are
handled oldest first; a handled request is resolved with probability ``skill`` (times
``coordination`` if it needs other units: landlords, firms, departments). Requests not
handled within the residents' patience lapse unanswered. A resident not registered with the
grid is often turned away.

Effort follows the supervision cadence (每周一例会、每月一检查、每季一晾晒): on a grid whose
``supervision_interval`` is set, a supervision event every that many days lifts effort to
``supervised_effort``; between events it decays back toward the unsupervised ``effort_base``,

    effort ← effort_base + (effort − effort_base) · 0.5^(1 / effort_half_life_days),

so frequent supervision keeps effort near its peak and sparse supervision lets it sag. A grid
never supervised stays at its base effort.

Institutional trust follows experience (expectation–confirmation, with the resident's current
trust as the expectation; anchored to their disposition, see :mod:`vicinity_sim.learning`):
after each answered, resolved or lapsed request it moves toward
``perf = resolved · exp(−wait / wait_scale)`` (0 for a lapsed one). A fire costs or
earns trust among everyone in the burned buildings' blocks, by how fast crews came (once per
fire and block). Paired households are visited regularly, a positive experience of the
institutions.

Capacity left after requests goes to patrols: gridworkers inspect buildings, register
newcomers they find, persuade residents who charge e-bikes indoors to stop (more often where
the landlord belongs to the association) and refer 三合一 premises for rectification.

Levers read here: ``gridworkers`` (staffing), grids' ``supervision_interval`` and
``supervised_effort`` (state: ``effort``, ``last_supervision``), ``skill``,
``duplication_loss``, ``coordination``, ``social_org_tasks_per_day``; households' ``paired``;
landlords' ``association``.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.dispatch import KernelCall
from vicinity_sim.learning import experience
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.snapshots import register_snapshot
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_OUTDOOR, ELDERLY, MEMBER_ACTIVE
from vicinity_sim.world.ties import group_members

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("governance")
class GovernanceSlot(IntEnum):
    """Slots of the governance stream's draws."""

    NEED_WHO = 0
    NEED_ACCEPT = 1
    COMPLEX = 2
    RESOLVE = 4
    INSPECT = 5
    PERSUADE = 6
    REFER = 7
    TURNED_AWAY = 8
    QUIT = 9
    ROUTE = 10


RING = 1 << 17  # open requests kept at most (oldest are dropped as lapsed beyond this)


class GovernanceParams(ParamModel):
    """Requests, gridworker capacity, patrols and institutional trust."""

    needs_per_resident_year: float = param(
        2.0, unit="1/(person·year)", ge=0.0, le=100.0,
        doc="Needs and grievances a resident raises with the grid per year (base rate).",
        source="assumption",
    )  # fmt: skip
    elderly_need_multiplier: float = param(
        1.5, unit="1", ge=0.0, le=20.0, doc="Need rate multiplier for the elderly (一老).",
        source="assumption",
    )  # fmt: skip
    newcomer_need_multiplier: float = param(
        2.0, unit="1", ge=0.0, le=20.0,
        doc="Need rate multiplier in the first months after moving in.", source="assumption",
    )  # fmt: skip
    newcomer_days: int = param(
        90, unit="days", ge=0, le=3650, doc="How long a resident counts as a newcomer.",
        source="assumption",
    )  # fmt: skip
    complex_share: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Share of requests that need other units (landlords, firms, departments).",
        source="assumption",
    )  # fmt: skip
    tasks_per_gridworker_day: float = param(
        16.0, unit="tasks/day", ge=0.0, le=500.0,
        doc="Requests a gridworker could handle per day at full effort and no duplication.",
        source="assumption",
    )  # fmt: skip
    unregistered_take_up: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Probability a request from a resident not registered with the grid can be taken "
        "up at all (otherwise it is turned away).",
        source="assumption: services follow the registered population",
    )  # fmt: skip
    skill_speed_elasticity: float = param(
        0.5, unit="1", ge=0.0, le=2.0,
        doc="Capacity scales with (skill / reference_skill) to this power: trained workers "
        "handle requests faster as well as better.",
        source="assumption",
    )  # fmt: skip
    reference_skill: float = param(
        0.6, unit="1", gt=0.0, le=1.0,
        doc="Skill at which tasks_per_gridworker_day applies.",
        source="assumption (the default starting skill)",
    )  # fmt: skip
    party_need_hours: float = param(
        1.5, unit="h/need", gt=0.0, le=100.0, range=(0.5, 4.0), prior="loguniform",
        doc="Hours a party member spends answering a need (of an assigned household, or a "
        "request claimed through the smart platform).",
        source="assumption: one follow-up visit or errand to answer a household's need",
    )  # fmt: skip
    party_resolution: float = param(
        0.7, unit="1", ge=0.0, le=1.0,
        doc="Probability a need a party member answers is resolved.",
        source="assumption: a member resolves most everyday needs (errands, forms, contacts) "
        "but not those needing other offices, a little below a gridworker with full skill",
    )  # fmt: skip
    patience_days: int = param(
        14, unit="days", ge=1, le=365,
        doc="Days a request waits before it lapses unanswered.", source="assumption",
    )  # fmt: skip
    wait_scale_days: float = param(
        3.0, unit="days", gt=0.0, le=365.0,
        doc="Performance of a resolved request is exp(−wait / scale).", source="assumption",
    )  # fmt: skip
    effort_half_life_days: float = param(
        30.0, unit="days", gt=0.0, le=3650.0,
        doc="Days for gridworkers' effort to fall half-way back from its level after a "
        "supervision event to their unsupervised effort.",
        source="assumption: a meeting's push fades over weeks; with weekly meetings effort "
        "stays near its peak, with quarterly rankings alone it sags",
    )  # fmt: skip
    trust_learning_rate: float = param(
        0.1, unit="1/experience", ge=0.0, le=1.0, range=(0.03, 0.3), prior="loguniform",
        doc="Learning rate of one service experience in institutional trust.",
        source="assumption",
    )  # fmt: skip
    fire_trust_rate: float = param(
        0.2, unit="1/fire", ge=0.0, le=1.0,
        doc="Weight of a fire in the block in institutional trust.", source="assumption",
    )  # fmt: skip
    fire_response_scale_min: float = param(
        8.0, unit="min", gt=0.0, le=600.0,
        doc="A fire's performance is exp(−response / scale).", source="assumption",
    )  # fmt: skip
    inspections_per_task: float = param(
        0.5, unit="buildings/task", ge=0.0, le=100.0,
        doc="Buildings a gridworker checks on patrol in the time of one request (a check "
        "takes hours_per_day / tasks_per_gridworker_day / inspections_per_task hours).",
        source="assumption: a building check (stairwells, corridors, talking to the landlord) "
        "takes about twice the time of an ordinary request",
    )  # fmt: skip
    persuade_probability: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Probability an inspection persuades an indoor charger to charge outdoors.",
        source="assumption",
    )  # fmt: skip
    association_persuasion_multiplier: float = param(
        2.0, unit="1", ge=1.0, le=10.0,
        doc="Persuasion is this much likelier where the landlord is in the association.",
        source="assumption",
    )  # fmt: skip
    three_in_one_enforcement: float = param(
        0.05, unit="1", ge=0.0, le=1.0,
        doc="Probability an inspection gets a 三合一 premises rectified.", source="assumption",
    )  # fmt: skip

    hours_per_day: float = param(
        8.0, unit="h/day", gt=0.0, le=24.0, range=(7.0, 10.0), prior="uniform",
        doc="Working hours of a full-time gridworker a day; at full effort and no duplicated "
        "reporting they handle tasks_per_gridworker_day requests in them.",
        source="assumption: a full-time post (docs/sources.md §gridworkers)",
    )  # fmt: skip
    patrol_route: Literal["round_robin", "risk_targeted", "random"] = param(
        "round_robin", unit="choice",
        doc="How a gridworker chooses the buildings to check with the hours left after "
        "requests: round_robin walks the grid's buildings in a fixed round; risk_targeted "
        "goes, with probability equal to their knowledge of the grid, to the building whose "
        "last check found the most hazards and was not checked in the last recheck_days "
        "(the round otherwise); random draws buildings at random.",
        source="assumption: a lever (fixed rounds, 巡查, as the default); risk-ranked "
        "inspection after Firebird, Atlanta, and FDNY's risk-based system (docs/sources.md "
        "§gridworkers)",
    )  # fmt: skip
    recheck_days: int = param(
        30, unit="days", ge=0, le=3650,
        doc="Risk-targeted patrols leave a building checked within this many days for later.",
        source="assumption: a monthly re-check of known hazards (回头看)",
    )  # fmt: skip
    knowledge_start: float = param(
        0.1, unit="1", ge=0.0, le=1.0, range=(0.0, 0.3), prior="uniform",
        doc="Share of the grid's households a newly hired gridworker knows.",
        source="assumption: a newcomer knows few households (docs/sources.md §gridworkers)",
    )  # fmt: skip
    learn_households_per_day: float = param(
        1.9, unit="households/day", ge=0.0, le=100.0, range=(0.7, 3.6), prior="uniform",
        doc="Households a gridworker gets to know per day in post (calendar days).",
        source="docs/sources.md §gridworkers: a new Yichang gridworker collected two or three "
        "households' details a working day (中国青年报 2015-11-10); at 5.5 working days a week",
    )  # fmt: skip
    knowledge_persuasion_weight: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of a gridworker's persuasion that rests on knowing the residents: "
        "persuasion × (1 − weight + weight · knowledge).",
        source="assumption: residents listen more to a gridworker they know; a newcomer is "
        "first met with refusals (90% unwilling to talk at first in Yichang, docs/sources.md "
        "§gridworkers)",
    )  # fmt: skip
    strain_days: float = param(
        56.0, unit="days", ge=1.0, le=3650.0,
        doc="Days over which a gridworker's workload (hours asked over nominal hours) is "
        "averaged into their strain.",
        source="assumption: an eight-week moving mean (docs/sources.md §gridworkers)",
    )  # fmt: skip
    overload_effort_loss: float = param(
        0.1, unit="1 per unit strain", ge=0.0, le=1.0, range=(0.0, 0.3), prior="uniform",
        doc="Share of effort a gridworker loses per unit of strain above 1 (sustained "
        "overload wears effort down).",
        source="assumption: no study measures it; kept small",
    )  # fmt: skip
    base_quit_per_year: float = param(
        0.18, unit="1/year", ge=0.0, le=365.0, range=(0.08, 0.30), prior="uniform",
        doc="Hazard a gridworker quits without overload or supervision.",
        source="docs/sources.md §gridworkers: community social workers' turnover 17.6–19.8% a "
        "year in Shenzhen 2011–13, about 20% in several cities (no gridworker figure found)",
    )  # fmt: skip
    overload_quit_elasticity: float = param(
        1.0, unit="1 per unit strain", ge=0.0, le=10.0, range=(0.3, 2.5), prior="loguniform",
        doc="The quit hazard is multiplied by exp(elasticity · max(0, strain − 1)).",
        source="assumption: heavy workloads and pressure are given as reasons for gridworkers' "
        "high turnover (docs/sources.md §gridworkers); no elasticity is published",
    )  # fmt: skip
    supervision_quit_gain: float = param(
        0.1, unit="1", ge=0.0, le=2.0, range=(0.0, 0.3), prior="uniform",
        doc="Relative rise of the quit hazard on a supervised grid.",
        source="docs/sources.md §gridworkers: monitored health staff were less satisfied and "
        "posts harder to fill (Dhaliwal & Hanna 2013)",
    )  # fmt: skip
    vacancy_days: int = param(
        60, unit="days", ge=0, le=3650,
        doc="Days a post stays vacant after its holder quits.",
        source="assumption: posts are filled by periodic recruitment rounds (plausibly 20 to "
        "120 days; an integer, so fixed in experiments: vary it with --set)",
    )  # fmt: skip
    party_effort_difference: float = param(
        0.0, unit="1", ge=-0.5, le=0.5, prior="fixed",
        doc="Relative effort of a gridworker who is a party member (0: none).",
        source="no study compares party and non-party gridworkers (docs/sources.md "
        "§gridworkers): no difference, so the party share of gridworkers has no effect",
    )  # fmt: skip
    party_quit_difference: float = param(
        0.0, unit="1", ge=-0.9, le=2.0, prior="fixed",
        doc="Relative quit hazard of a gridworker who is a party member (0: none).",
        source="no study found; party membership helps state careers (Dickson 2014), which "
        "cuts both ways for staying (docs/sources.md §gridworkers): no difference",
    )  # fmt: skip
    warning_hours_per_building: float = param(
        0.1, unit="h/building", ge=0.0, le=24.0, range=(0.05, 0.25), prior="uniform",
        doc="Hours a gridworker or party member needs to warn one building of rising water "
        "after a waterlogging alarm (knocking, calls, the building's group chat).",
        source="assumption: a few minutes a building; Shanghai's platform asks responders to "
        "be on site within 15 minutes of an alarm (docs/sources.md §platform)",
    )  # fmt: skip


GovernanceConsts = consts_class(GovernanceParams)

#: ``patrol_route`` choices as their kernel index.
ROUND_ROBIN, RISK_TARGETED, RANDOM_ROUTE = 0, 1, 2

#: Offset of the entity index of a queued request's resolution draw (its queue sequence number
#: is added), so it never collides with the same-day draws addressed by candidate number.
QUEUE_DRAW_OFFSET = 1_000_000_000


class RequestQueue(NamedTuple):
    """Requests waiting for the grids, as a ring buffer of at most :data:`RING` requests.

    Attributes:
        resident, day, complex, open: Per slot: who raised the request, when, whether it needs
            other units, and whether it is still waiting (closed ones stay until every request
            before them has closed).
        state: [head, tail]: sequence numbers of the oldest kept request and of the next one.
    """

    resident: np.ndarray
    day: np.ndarray
    complex: np.ndarray
    open: np.ndarray
    state: np.ndarray

    @classmethod
    def empty(cls) -> RequestQueue:
        return cls(np.zeros(RING, np.int64), np.zeros(RING, np.int64), np.zeros(RING, bool),
                   np.zeros(RING, bool), np.zeros(2, np.int64))  # fmt: skip


class GovernanceIndex(NamedTuple):
    """Buildings of each grid, residents of each building and buildings around each
    waterlogging point (CSR), for patrols and alarms; each resident's grid; residents of each
    household (``hh_ptr``: they are stored household by household); households of each grid
    (a gridworker's knowledge is a share of them)."""

    grid_bld_ptr: np.ndarray
    grid_bld: np.ndarray
    bld_res_ptr: np.ndarray
    bld_res: np.ndarray
    point_bld_ptr: np.ndarray
    point_bld: np.ndarray
    res_grid: np.ndarray
    hh_ptr: np.ndarray
    grid_households: np.ndarray


class GovernanceSections(NamedTuple):
    """The parameter sections governance uses: its own and the shared trust one."""

    governance: Any
    trust: Any


class GovernanceTables(NamedTuple):
    """The tables governance touches, each as the bundle of the columns it declares."""

    residents: Any
    households: Any
    grids: Any
    buildings: Any
    landlords: Any
    gridworkers: Any
    party_members: Any
    villages: Any
    flood_points: Any


# -- formulas (the reference engine runs the same functions as Python) ------------------------


@njit(cache=True, inline="always")
def top_need_rate(c):
    """The highest daily need rate of any resident (candidates are thinned from it)."""
    rate = c.needs_per_resident_year / 365.0
    return rate * max(c.elderly_need_multiplier, 1.0) * max(c.newcomer_need_multiplier, 1.0)


@njit(cache=True, inline="always")
def need_rate(elderly, days_since_arrival, c):
    """A resident's daily rate of raising a need: higher for the elderly and newcomers."""
    rate = c.needs_per_resident_year / 365.0
    if elderly:
        rate *= c.elderly_need_multiplier
    if days_since_arrival < c.newcomer_days:
        rate *= c.newcomer_need_multiplier
    return rate


@njit(cache=True, inline="always")
def resolve_probability(skill, coordination, is_complex):
    """Probability a handled request is resolved: the grid's skill, times its coordination
    with other units if the request needs them."""
    return skill * (coordination if is_complex else 1.0)


@njit(cache=True, inline="always")
def service_performance(resolved, wait_days, c):
    """Quality of a handled request as experienced: ``exp(−wait / scale)`` if resolved."""
    return math.exp(-wait_days / c.wait_scale_days) if resolved else 0.0


@njit(cache=True, inline="always")
def fire_performance(response_min, c):
    """Quality of a fire response as experienced: ``exp(−response / scale)``."""
    return math.exp(-response_min / c.fire_response_scale_min)


@njit(cache=True, inline="always")
def persuade_probability(association, knowledge, c):
    """Probability a gridworker's check moves an indoor charger outdoors: likelier where the
    landlord belongs to the association and the more residents the gridworker knows."""
    p = c.persuade_probability * (c.association_persuasion_multiplier if association else 1.0)
    return p * (1.0 - c.knowledge_persuasion_weight + c.knowledge_persuasion_weight * knowledge)


@njit(cache=True, inline="always")
def effort_retention(c):
    """Share of the gap between effort and its unsupervised base kept from one day to the
    next (half-life ``effort_half_life_days``)."""
    return 0.5 ** (1.0 / c.effort_half_life_days)


@njit(cache=True, inline="always")
def decayed_effort(effort, base, retention):
    """Effort a day later without a supervision event: back toward the base."""
    return base + (effort - base) * retention


@njit(cache=True, inline="always")
def case_hours(skill, c):
    """Hours a gridworker needs for one request: trained workers are faster."""
    speed = (skill / c.reference_skill) ** c.skill_speed_elasticity
    return c.hours_per_day / c.tasks_per_gridworker_day / speed


@njit(cache=True, inline="always")
def check_hours(skill, c):
    """Hours a gridworker needs to check one building on patrol."""
    return case_hours(skill, c) / c.inspections_per_task


@njit(cache=True, inline="always")
def grid_knowledge(tenure_days, households, c):
    """Share of the grid's households a gridworker in post for ``tenure_days`` knows."""
    known = c.knowledge_start * households + c.learn_households_per_day * tenure_days
    return min(1.0, known / households) if households > 0 else 1.0


@njit(cache=True, inline="always")
def worker_effort(grid_effort, strain, party, c):
    """A gridworker's effort today: the grid's (supervision lifts it), worn down by strain
    above 1, and different for party members by ``party_effort_difference``."""
    effort = grid_effort * max(0.0, 1.0 - c.overload_effort_loss * max(0.0, strain - 1.0))
    if party:
        effort *= 1.0 + c.party_effort_difference
    return min(effort, 1.0)


@njit(cache=True, inline="always")
def worker_hours(effort, duplication_loss, c):
    """Productive hours of a gridworker today."""
    return c.hours_per_day * effort * (1.0 - duplication_loss)


@njit(cache=True, inline="always")
def next_worker_strain(strain, asked_hours, duplication_loss, c):
    """Strain after a day on which ``asked_hours`` were asked of the gridworker (over their
    nominal hours, net of duplicated reporting)."""
    load = asked_hours / (c.hours_per_day * (1.0 - duplication_loss))
    return strain + (load - strain) / c.strain_days


@njit(cache=True, inline="always")
def quit_probability(strain, supervised, party, c):
    """Probability a gridworker quits today."""
    hazard = (
        c.base_quit_per_year / 365.0 * math.exp(c.overload_quit_elasticity * max(0.0, strain - 1.0))
    )
    if supervised:
        hazard *= 1.0 + c.supervision_quit_gain
    if party:
        hazard *= 1.0 + c.party_quit_difference
    return 1.0 - math.exp(-hazard)


@njit(cache=True, inline="always")
def member_has(hours_left, hours):
    """Whether a party member has ``hours`` left to give."""
    return hours_left >= hours


# -- kernels -------------------------------------------------------------------------------


@njit(cache=True)
def supervise(day, g, c):
    """Today's effort of every grid: lifted to the supervised level on the days of a grid's
    supervision events, otherwise decaying toward the unsupervised base."""
    g_effort = g.effort
    g_effort_base = g.effort_base
    g_last_supervision = g.last_supervision
    g_supervised_effort = g.supervised_effort
    g_supervision_interval = g.supervision_interval
    retention = effort_retention(c)
    for k in range(len(g_effort)):
        interval = g_supervision_interval[k]
        if interval > 0 and day - g_last_supervision[k] >= interval:
            g_effort[k] = g_supervised_effort[k]
            g_last_supervision[k] = day
        else:
            g_effort[k] = decayed_effort(g_effort[k], g_effort_base[k], retention)


@njit(cache=True)
def on_duty(c, gw, g, grid_households, left, duty, out):
    """Who works today and with how many hours: a vacant post counts its days down; a holder
    serves another day, knows a little more of the grid and works at today's effort.

    Args:
        c: :data:`GovernanceConsts`.
        gw: Gridworker posts (``tenure_days``, ``vacant_days``, ``knowledge``, ``effort``,
            ``hours``, ``hours_cases`` updated).
        g: Grids.
        grid_households: Households of each grid.
        left: Receives each post's hours left today (its hours).
        duty: Receives whether each post is filled today.
        out: Receives [on duty, hours, effort sum, knowledge sum].
    """
    gw_grid = gw.grid
    gw_party = gw.party
    gw_tenure_days = gw.tenure_days
    gw_vacant_days = gw.vacant_days
    gw_strain = gw.strain
    gw_effort = gw.effort
    gw_knowledge = gw.knowledge
    gw_hours = gw.hours
    gw_hours_cases = gw.hours_cases
    g_effort = g.effort
    g_duplication_loss = g.duplication_loss
    for w in range(len(gw_grid)):
        gw_hours_cases[w] = 0.0
        if gw_vacant_days[w] > 0:
            gw_vacant_days[w] -= 1
            gw_hours[w] = 0.0
            gw_effort[w] = 0.0
            gw_knowledge[w] = 0.0
            left[w] = 0.0
            duty[w] = False
            continue
        k = gw_grid[w]
        gw_tenure_days[w] += 1
        gw_knowledge[w] = grid_knowledge(gw_tenure_days[w], grid_households[k], c)
        gw_effort[w] = worker_effort(g_effort[k], gw_strain[w], gw_party[w], c)
        gw_hours[w] = worker_hours(gw_effort[w], g_duplication_loss[k], c)
        left[w] = gw_hours[w]
        duty[w] = True
        out[0] += 1.0
        out[1] += gw_hours[w]
        out[2] += gw_effort[w]
        out[3] += gw_knowledge[w]


@njit(cache=True)
def by_grid(grid, serving, n_grids):
    """CSR of the rows serving today by grid (row order within a grid)."""
    ptr = np.zeros(n_grids + 1, dtype=np.int64)
    for k in range(len(grid)):
        if serving[k]:
            ptr[grid[k] + 1] += 1
    for q in range(n_grids):
        ptr[q + 1] += ptr[q]
    fill = ptr[:-1].copy()
    rows = np.empty(ptr[n_grids], dtype=np.int64)
    for k in range(len(grid)):
        if serving[k]:
            rows[fill[grid[k]]] = k
            fill[grid[k]] += 1
    return ptr, rows


@njit(cache=True)
def alarms(day, c, t, index, crews, left, asked, out):
    """Waterlogging alarms (smart-platform villages, heavy rain, drainage not fixed): the
    grid's gridworkers, then its party members, warn the buildings around the point one by
    one while someone has the time.

    Args:
        day: Today.
        c: :data:`GovernanceConsts`.
        t: :class:`GovernanceTables` (``flood_points.warned``/``warned_day``, members'
            hours updated).
        index: :class:`GovernanceIndex`.
        crews: (gridworkers' CSR by grid, party members' CSR by grid).
        left: Gridworkers' hours left today (consumed).
        asked: Hours asked of each grid's gridworkers today (added to).
        out: Receives [buildings alarmed, buildings warned].
    """
    fp, v, b, m = t.flood_points, t.villages, t.buildings, t.party_members
    fp_fixed = fp.fixed
    fp_village = fp.village
    fp_warned = fp.warned
    fp_warned_day = fp.warned_day
    v_heavy_rain = v.heavy_rain
    v_platform = v.platform
    b_grid = b.grid
    m_hours_left = m.hours_left
    point_bld_ptr = index.point_bld_ptr
    point_bld = index.point_bld
    bld_res_ptr = index.bld_res_ptr
    wptr, workers = crews[0]
    mptr, members = crews[1]
    cost = c.warning_hours_per_building
    for f in range(len(fp_fixed)):
        village = fp_village[f]
        if not (v_heavy_rain[village] and v_platform[village]) or fp_fixed[f]:
            continue
        total = 0.0
        warned = 0.0
        for a in range(point_bld_ptr[f], point_bld_ptr[f + 1]):
            bld = point_bld[a]
            occupants = bld_res_ptr[bld + 1] - bld_res_ptr[bld]
            total += occupants
            out[0] += 1
            q = b_grid[bld]
            asked[q] += cost
            done = False
            for x in range(wptr[q], wptr[q + 1]):
                w = workers[x]
                if left[w] >= cost:
                    left[w] -= cost
                    t.gridworkers.hours_cases[w] += cost
                    t.gridworkers.cases[w] += 1
                    done = True
                    break
            if not done:
                for x in range(mptr[q], mptr[q + 1]):
                    k = members[x]
                    if member_has(m_hours_left[k], cost):
                        m.asked_week[k] += cost
                        m_hours_left[k] -= cost
                        m.spent_week[k] += cost
                        m.hours_total[k] += cost
                        m.warnings[k] += 1
                        done = True
                        break
            if done:
                warned += occupants
                out[1] += 1
        fp_warned[f] = warned / total if total > 0 else 0.0
        fp_warned_day[f] = day


@njit(cache=True)
def raise_needs(key, day, s, t, res_grid, queue, asked, out):
    """Raise today's needs: a need of a paired household goes to its member, who answers it
    if they have the time; the rest (and residents turned away) go to the grid's queue.

    Args:
        key, day: The day's stream key and index.
        s: :class:`GovernanceSections`.
        t: :class:`GovernanceTables` (residents' ``trust_inst`` and members' hours updated).
        res_grid: Grid of each resident.
        queue: :class:`RequestQueue`.
        asked: Hours asked of each grid's gridworkers today (the requests joining its queue
            are added).
        out: Receives [raised, by party, -, resolved, lapsed, ..., routed to party (11),
            party channel without time (12)].
    """
    c, tc = s.governance, s.trust
    r, hh, m, g = t.residents, t.households, t.party_members, t.grids
    g_skill = g.skill
    r_age = r.age
    r_arrived_day = r.arrived_day
    r_disposition_inst = r.disposition_inst
    r_household = r.household
    r_registered = r.registered
    r_trust_inst = r.trust_inst
    hh_paired = hh.paired
    hh_pair_member = hh.pair_member
    m_status = m.status
    m_hours_left = m.hours_left
    queue_complex = queue.complex
    queue_day = queue.day
    queue_open = queue.open
    queue_resident = queue.resident
    queue_state = queue.state
    n = len(r_age)
    weight = tc.institutional_experience_weight
    top = top_need_rate(c)
    candidates = round(n * top)
    head, tail = queue_state[0], queue_state[1]
    ring = len(queue_resident)
    for k in range(candidates):
        i = int(uniform(key, GovernanceSlot.NEED_WHO, k) * n)
        rate = need_rate(r_age[i] == ELDERLY, day - r_arrived_day[i], c)
        if uniform(key, GovernanceSlot.NEED_ACCEPT, k) >= rate / top:
            continue
        out[0] += 1
        u_away = uniform(key, GovernanceSlot.TURNED_AWAY, k)
        if not r_registered[i] and u_away >= c.unregistered_take_up:
            experience(r_trust_inst, r_disposition_inst, i, 0.0, c.trust_learning_rate, weight)
            out[4] += 1
            continue
        is_complex = uniform(key, GovernanceSlot.COMPLEX, k) < c.complex_share
        h = r_household[i]
        if hh_paired[h]:
            out[11] += 1
            member = hh_pair_member[h]
            if member >= 0 and m_status[member] == MEMBER_ACTIVE:
                m.asked_week[member] += c.party_need_hours
                if member_has(m_hours_left[member], c.party_need_hours):
                    m_hours_left[member] -= c.party_need_hours
                    m.spent_week[member] += c.party_need_hours
                    m.hours_total[member] += c.party_need_hours
                    m.needs_answered[member] += 1
                    out[1] += 1
                    resolved = uniform(key, GovernanceSlot.RESOLVE, k) < c.party_resolution
                    perf = 1.0 if resolved else 0.0
                    experience(r_trust_inst, r_disposition_inst, i, perf, c.trust_learning_rate,
                               weight)  # fmt: skip
                    out[3] += resolved
                    continue
            out[12] += 1
        if tail - head >= ring:  # ring full: the oldest request lapses
            j = head % ring
            if queue_open[j]:
                experience(r_trust_inst, r_disposition_inst, queue_resident[j], 0.0,
                           c.trust_learning_rate, weight)  # fmt: skip
                queue_open[j] = False
                out[4] += 1
            head += 1
        j = tail % ring
        queue_resident[j] = i
        queue_day[j] = day
        queue_complex[j] = is_complex
        queue_open[j] = True
        tail += 1
        q = res_grid[i]
        asked[q] += case_hours(g_skill[q], c)
    queue_state[0], queue_state[1] = head, tail


@njit(cache=True)
def serve_queue(key, day, s, t, res_grid, queue, crews, left, out):
    """Serve the queue oldest first: each request of a grid goes to the first of its
    gridworkers with the time for it, then to its contracted social organisation, then (with
    the smart platform) to the first of its party members with the time to claim it;
    requests past the residents' patience lapse.

    Args:
        key, day: The day's stream key and index.
        s: :class:`GovernanceSections`.
        t: :class:`GovernanceTables`.
        res_grid: Grid of each resident.
        queue: :class:`RequestQueue`.
        crews: (gridworkers' CSR by grid, party members' CSR by grid).
        left: Gridworkers' hours left today (consumed).
        out: Receives [.., answered (2), resolved (3), lapsed (4), wait sum (5), backlog
            (6), .., claimed by party members (13)].
    """
    c, tc = s.governance, s.trust
    r, g, m, v = t.residents, t.grids, t.party_members, t.villages
    gw_hours_cases = t.gridworkers.hours_cases
    gw_cases = t.gridworkers.cases
    r_disposition_inst = r.disposition_inst
    r_trust_inst = r.trust_inst
    g_coordination = g.coordination
    g_skill = g.skill
    g_village = g.village
    g_social_org_tasks_per_day = g.social_org_tasks_per_day
    v_platform = v.platform
    m_hours_left = m.hours_left
    queue_complex = queue.complex
    queue_day = queue.day
    queue_open = queue.open
    queue_resident = queue.resident
    queue_state = queue.state
    wptr, workers = crews[0]
    mptr, members = crews[1]
    weight = tc.institutional_experience_weight
    next_worker = wptr[:-1].copy()
    next_member = mptr[:-1].copy()
    org_left = g_social_org_tasks_per_day.copy()
    head, tail = queue_state[0], queue_state[1]
    ring = len(queue_resident)
    for idx in range(head, tail):
        j = idx % ring
        if not queue_open[j]:
            continue
        i = queue_resident[j]
        wait = day - queue_day[j]
        if wait > c.patience_days:
            experience(r_trust_inst, r_disposition_inst, i, 0.0, c.trust_learning_rate, weight)
            queue_open[j] = False
            out[4] += 1
            continue
        q = res_grid[i]
        cost = case_hours(g_skill[q], c)
        p_resolve = resolve_probability(g_skill[q], g_coordination[q], queue_complex[j])
        served = False
        while next_worker[q] < wptr[q + 1]:
            w = workers[next_worker[q]]
            if left[w] >= cost:
                left[w] -= cost
                gw_hours_cases[w] += cost
                gw_cases[w] += 1
                served = True
                break
            next_worker[q] += 1
        if not served and org_left[q] >= 1.0:
            org_left[q] -= 1.0
            served = True
        if not served and v_platform[g_village[q]]:
            while next_member[q] < mptr[q + 1]:
                k = members[next_member[q]]
                if member_has(m_hours_left[k], c.party_need_hours):
                    m_hours_left[k] -= c.party_need_hours
                    m.spent_week[k] += c.party_need_hours
                    m.hours_total[k] += c.party_need_hours
                    m.claims[k] += 1
                    out[13] += 1
                    served = True
                    p_resolve = c.party_resolution
                    break
                next_member[q] += 1
        if not served:
            continue
        resolved = uniform(key, GovernanceSlot.RESOLVE, QUEUE_DRAW_OFFSET + idx) < p_resolve
        perf = service_performance(resolved, wait, c)
        experience(r_trust_inst, r_disposition_inst, i, perf, c.trust_learning_rate, weight)
        queue_open[j] = False
        out[2] += 1
        out[3] += resolved
        out[5] += wait
    while head < tail and not queue_open[head % ring]:
        head += 1
    queue_state[0] = head
    backlog = 0
    for idx in range(head, tail):
        backlog += queue_open[idx % ring]
    out[6] = backlog


@njit(cache=True)
def patrol(key, day, c, t, index, crew, left, out):
    """Each gridworker checks buildings of the grid with the hours left, on the route the
    ``patrol_route`` rule gives: newcomers found are registered, indoor chargers persuaded,
    三合一 premises referred, and the grid's record of the building updated.

    Args:
        key, day: The day's stream key and index.
        c: :data:`GovernanceConsts`.
        t: :class:`GovernanceTables`.
        index: :class:`GovernanceIndex`.
        crew: Gridworkers' CSR by grid.
        left: Gridworkers' hours left today.
        out: Receives [.., inspections (7), registered (8), persuaded (9), referred (10)].
    """
    r, b, ll, g, gw = t.residents, t.buildings, t.landlords, t.grids, t.gridworkers
    index_bld_res = index.bld_res
    index_bld_res_ptr = index.bld_res_ptr
    index_grid_bld = index.grid_bld
    index_grid_bld_ptr = index.grid_bld_ptr
    r_charging = r.charging
    r_registered = r.registered
    b_owner = b.owner
    b_three_in_one = b.three_in_one
    b_last_check = b.last_check
    b_hazards_seen = b.hazards_seen
    ll_association = ll.association
    g_skill = g.skill
    gw_knowledge = gw.knowledge
    gw_route_pos = gw.route_pos
    gw_checks = gw.checks
    wptr, workers = crew
    counter = 0
    for q in range(len(wptr) - 1):
        lo, hi = index_grid_bld_ptr[q], index_grid_bld_ptr[q + 1]
        if hi == lo:
            continue
        cost = check_hours(g_skill[q], c)
        for x in range(wptr[q], wptr[q + 1]):
            w = workers[x]
            n_checks = int(left[w] / cost)
            for _ in range(n_checks):
                k = -1
                if c.patrol_route == RANDOM_ROUTE:
                    u = uniform(key, GovernanceSlot.INSPECT, counter)
                    k = index_grid_bld[lo + int(u * (hi - lo))]
                elif c.patrol_route == RISK_TARGETED and (
                    uniform(key, GovernanceSlot.ROUTE, counter) < gw_knowledge[w]
                ):
                    best = 0
                    for a in range(lo, hi):
                        bld = index_grid_bld[a]
                        if (b_hazards_seen[bld] > best
                                and day - b_last_check[bld] >= c.recheck_days):  # fmt: skip
                            k, best = bld, b_hazards_seen[bld]
                if k < 0:
                    k = index_grid_bld[lo + gw_route_pos[w] % (hi - lo)]
                    gw_route_pos[w] += 1
                counter += 1
                gw_checks[w] += 1
                out[7] += 1
                persuade = persuade_probability(ll_association[b_owner[k]], gw_knowledge[w], c)
                found = 0
                for a in range(index_bld_res_ptr[k], index_bld_res_ptr[k + 1]):
                    i = index_bld_res[a]
                    if not r_registered[i]:
                        r_registered[i] = True
                        out[8] += 1
                    if r_charging[i] == CHARGE_INDOOR:
                        if uniform(key, GovernanceSlot.PERSUADE, i) < persuade:
                            r_charging[i] = CHARGE_OUTDOOR
                            out[9] += 1
                        else:
                            found += 1
                if b_three_in_one[k]:
                    if uniform(key, GovernanceSlot.REFER, counter) < c.three_in_one_enforcement:
                        b_three_in_one[k] = False
                        out[10] += 1
                    else:
                        found += 1
                b_last_check[k] = day
                b_hazards_seen[k] = found


@njit(cache=True)
def close_day(key, c, gw, g, crew, asked, out):
    """The gridworkers' day ends: strain follows the hours of work that came to their grid
    today (new requests and alarms, shared among its gridworkers on duty), and some quit
    (their post falls vacant).

    Args:
        key: The day's stream key.
        c: :data:`GovernanceConsts`.
        gw: Gridworker posts.
        g: Grids.
        crew: Gridworkers' CSR by grid.
        asked: Hours of work that came to each grid's gridworkers today.
        out: Receives [.., case hours (17), utilisation sum (18), quits (20)].
    """
    gw_strain = gw.strain
    gw_party = gw.party
    gw_hours = gw.hours
    gw_hours_cases = gw.hours_cases
    gw_vacant_days = gw.vacant_days
    gw_tenure_days = gw.tenure_days
    gw_quits = gw.quits
    g_duplication_loss = g.duplication_loss
    g_supervision_interval = g.supervision_interval
    wptr, workers = crew
    for q in range(len(wptr) - 1):
        on = wptr[q + 1] - wptr[q]
        for x in range(wptr[q], wptr[q + 1]):
            w = workers[x]
            out[17] += gw_hours_cases[w]
            if gw_hours[w] > 0.0:
                out[18] += gw_hours_cases[w] / gw_hours[w]
            gw_strain[w] = next_worker_strain(gw_strain[w], asked[q] / on,
                                              g_duplication_loss[q], c)  # fmt: skip
            p_quit = quit_probability(gw_strain[w], g_supervision_interval[q] > 0,
                                      gw_party[w], c)  # fmt: skip
            if uniform(key, GovernanceSlot.QUIT, w) < p_quit:
                gw_quits[w] += 1
                gw_vacant_days[w] = c.vacancy_days
                gw_tenure_days[w] = 0
                gw_strain[w] = 0.0
                out[20] += 1


@njit(cache=True)
def serve_day(key, day, s, t, queue, index, out):
    """The day's service in one compiled call: gridworkers come on duty, answer waterlogging
    alarms, needs are raised and served, patrols use the hours left, and the day closes
    (strain, quitting).

    Args:
        key, day: The day's stream key and index.
        s: :class:`GovernanceSections`.
        t: :class:`GovernanceTables`.
        queue: :class:`RequestQueue`.
        index: :class:`GovernanceIndex`.
        out: Receives the counts listed in :data:`DAY_COUNTS` (by position).
    """
    c = s.governance
    gw, g, m = t.gridworkers, t.grids, t.party_members
    n_grids = len(g.skill)
    left = np.zeros(len(gw.grid))
    duty = np.zeros(len(gw.grid), dtype=np.bool_)
    counts = np.zeros(4)
    on_duty(c, gw, g, index.grid_households, left, duty, counts)
    out[19], out[16], out[21], out[22] = counts[0], counts[1], counts[2], counts[3]
    crew = by_grid(gw.grid, duty, n_grids)
    serving = by_grid(m.grid, m.status == MEMBER_ACTIVE, n_grids)
    asked = np.zeros(n_grids)
    alarmed = np.zeros(2)
    alarms(day, c, t, index, (crew, serving), left, asked, alarmed)
    out[14], out[15] = alarmed[0], alarmed[1]
    raise_needs(key, day, s, t, index.res_grid, queue, asked, out)
    serve_queue(key, day, s, t, index.res_grid, queue, (crew, serving), left, out)
    patrol(key, day, c, t, index, crew, left, out)
    close_day(key, c, gw, g, crew, asked, out)


#: What :func:`serve_day` counts, by position in its ``out`` array.
DAY_COUNTS = (
    "raised", "by_party", "answered", "resolved", "lapsed", "wait_sum", "backlog",
    "inspections", "registered", "persuaded", "referred", "to_party", "party_no_time",
    "claimed", "alarm_buildings", "warned_buildings", "hours", "case_hours", "utilisation_sum",
    "on_duty", "quits", "effort_sum", "knowledge_sum",
)  # fmt: skip


@njit(cache=True)
def fire_trust(blocks, responses, blk_res_ptr, blk_res, r, c, tc):
    """Yesterday's fires: trust of everyone living in each block follows how fast the crews
    came (``blocks[k]`` and ``responses[k]``: one per fire and block, in that order)."""
    r_disposition_inst = r.disposition_inst
    r_trust_inst = r.trust_inst
    for k in range(len(blocks)):
        perf = fire_performance(responses[k], c)
        for a in range(blk_res_ptr[blocks[k]], blk_res_ptr[blocks[k] + 1]):
            experience(r_trust_inst, r_disposition_inst, blk_res[a], perf, c.fire_trust_rate,
                       tc.institutional_experience_weight)  # fmt: skip


def _mean(x: np.ndarray) -> float:
    """Mean of a 1-D array (NaN if empty): the sum over the count, as ``x.mean()`` computes it,
    bit for bit, without its dispatch (called every day)."""
    return float(np.add.reduce(x)) / len(x) if len(x) else math.nan


def day_metrics(out: np.ndarray, posts: int, grid_effort: np.ndarray) -> dict[str, float]:
    """The governance metrics from the day's counts (both engines)."""
    x = dict(zip(DAY_COUNTS, out.tolist(), strict=True))
    on = x["on_duty"]
    return {
        "needs_raised": x["raised"],
        "needs_by_party": x["by_party"],
        "needs_to_party": x["to_party"],
        "needs_party_no_time": x["party_no_time"],
        "needs_answered": x["answered"],
        "needs_claimed_by_party": x["claimed"],
        "needs_resolved": x["resolved"],
        "needs_lapsed": x["lapsed"],
        "mean_wait_days": x["wait_sum"] / x["answered"] if x["answered"] else math.nan,
        "request_backlog": x["backlog"],
        "gridworkers": float(posts),
        "gridworkers_on_duty": on,
        "gridworker_quits": x["quits"],
        "gridworker_hours": x["hours"],
        "gridworker_utilisation": x["case_hours"] / x["hours"] if x["hours"] else math.nan,
        "gridworker_utilisation_mean": x["utilisation_sum"] / on if on else math.nan,
        "gridworker_effort_mean": x["effort_sum"] / on if on else math.nan,
        "gridworker_knowledge_mean": x["knowledge_sum"] / on if on else math.nan,
        "grid_effort_mean": _mean(grid_effort),
        "inspections": x["inspections"],
        "newcomers_registered": x["registered"],
        "chargers_persuaded": x["persuaded"],
        "three_in_one_referred": x["referred"],
        "flood_alarm_buildings": x["alarm_buildings"],
        "flood_buildings_warned": x["warned_buildings"],
    }


@register
class Governance(Process):
    """Gridworkers' day: alarms, requests, service, patrols; institutional trust."""

    name = "governance"
    reads = (
        "fires_today",
        "residents.age",
        "residents.arrived_day",
        "residents.registered",
        "residents.household",
        "residents.building",
        "residents.charging",
        "residents.trust_inst",
        "residents.disposition_inst",
        "households.paired",
        "households.size",
        "households.building",
        "households.pair_member",
        "gridworkers",
        "party_members.grid",
        "party_members.status",
        "party_members.hours_left",
        "party_members.spent_week",
        "party_members.asked_week",
        "party_members.hours_total",
        "party_members.needs_answered",
        "party_members.claims",
        "party_members.warnings",
        "grids.village",
        "grids.effort",
        "grids.effort_base",
        "grids.supervision_interval",
        "grids.supervised_effort",
        "grids.last_supervision",
        "grids.skill",
        "grids.duplication_loss",
        "grids.coordination",
        "grids.social_org_tasks_per_day",
        "villages.platform",
        "villages.heavy_rain",
        "flood_points.village",
        "flood_points.fixed",
        "flood_points.warned",
        "flood_points.warned_day",
        "buildings.block",
        "buildings.grid",
        "buildings.flood_point",
        "buildings.three_in_one",
        "buildings.owner",
        "buildings.last_check",
        "buildings.hazards_seen",
        "landlords.association",
    )
    writes = (
        "grids.effort",
        "grids.last_supervision",
        "gridworkers.tenure_days",
        "gridworkers.vacant_days",
        "gridworkers.strain",
        "gridworkers.effort",
        "gridworkers.knowledge",
        "gridworkers.hours",
        "gridworkers.hours_cases",
        "gridworkers.route_pos",
        "gridworkers.cases",
        "gridworkers.checks",
        "gridworkers.quits",
        "party_members.hours_left",
        "party_members.spent_week",
        "party_members.asked_week",
        "party_members.hours_total",
        "party_members.needs_answered",
        "party_members.claims",
        "party_members.warnings",
        "flood_points.warned",
        "flood_points.warned_day",
        "residents.trust_inst",
        "residents.registered",
        "residents.charging",
        "buildings.three_in_one",
        "buildings.last_check",
        "buildings.hazards_seen",
    )
    after = ("interventions", "charging", "compliance", "contacts")
    Params = GovernanceParams
    metrics = {
        "needs_raised": "Needs and grievances raised today.",
        "needs_by_party": "Needs of paired households answered by their party member today.",
        "needs_to_party": "Needs raised today by paired households (routed to their member).",
        "needs_party_no_time": "Needs of paired households whose member had no time (or "
        "none was assigned): they went to the grid's queue.",
        "needs_answered": "Requests handled from the grid's queue today (gridworkers, social "
        "organisations, party members claiming them through the smart platform).",
        "needs_claimed_by_party": "Requests of the grid's queue claimed by party members "
        "through the smart platform today.",
        "needs_resolved": "Needs resolved today (all channels).",
        "needs_lapsed": "Requests that lapsed unanswered or were turned away today.",
        "mean_wait_days": "Mean wait of the requests handled today.",
        "request_backlog": "Requests waiting at the end of the day.",
        "gridworkers": "Gridworker posts.",
        "gridworkers_on_duty": "Gridworker posts filled today.",
        "gridworker_quits": "Gridworkers who quit today.",
        "gridworker_hours": "Productive hours of the gridworkers on duty today.",
        "gridworker_utilisation": "Share of today's gridworker hours spent on requests and "
        "alarms (pooled).",
        "gridworker_utilisation_mean": "Mean over gridworkers on duty of the share of their "
        "hours spent on requests and alarms today.",
        "gridworker_effort_mean": "Mean effort of the gridworkers on duty today.",
        "gridworker_knowledge_mean": "Mean share of their grid's households the gridworkers on "
        "duty know.",
        "grid_effort_mean": "Mean effort of the grids today (supervision lifts it).",
        "inspections": "Buildings checked on patrol today.",
        "newcomers_registered": "Residents registered on patrol today.",
        "chargers_persuaded": "Indoor chargers persuaded to charge outdoors today.",
        "three_in_one_referred": "三合一 premises rectified after an inspection today.",
        "flood_alarm_buildings": "Buildings around waterlogging points whose alarm went off "
        "today (smart platform, heavy rain).",
        "flood_buildings_warned": "Of those, buildings warned by a gridworker or party member.",
    }

    def __init__(self, model: VicinityModel, params: GovernanceParams) -> None:
        super().__init__(model, params)
        w = self.world
        self.consts = params.consts()
        self.trust = model.spec.trust.consts()
        self.queue = RequestQueue.empty()
        self.hh_ptr = np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64)
        self.sections = GovernanceSections(self.consts, self.trust)
        self._tables: GovernanceTables | None = None
        self._serve_day = KernelCall(serve_day)
        self._supervise = KernelCall(supervise)
        self._index_residence()

    def _index_residence(self) -> None:
        """Who lives where: residents by building and block, each resident's grid (rebuilt
        when newcomers take units in other buildings)."""
        w = self.world
        b = w.buildings
        self.res_grid = w.resident_grid().astype(np.int64)
        self.index = GovernanceIndex(
            *group_members(b.grid.astype(np.int64), len(w.grids)),
            w.residence().ptr,  # residents by building: the world's index
            w.residence().members,
            *group_members(b.flood_point.astype(np.int64), len(w.flood_points)),
            self.res_grid,
            self.hh_ptr,
            np.bincount(b.grid[w.households.building], minlength=len(w.grids)).astype(np.int64),
        )
        self.blk_res_ptr, self.blk_res = group_members(
            b.block[w.residents.building].astype(np.int64), len(w.blocks)
        )
        self._moves = w.moves

    def tables(self) -> GovernanceTables:
        """The bundles of the tables governance touches, as they stand (the same object
        while every bundle is: compiled calls then skip typing it, see
        :mod:`vicinity_sim.dispatch`)."""
        parts = [self.arrays(name) for name in GovernanceTables._fields]
        kept = self._tables
        if kept is None or any(a is not b for a, b in zip(parts, kept, strict=True)):
            kept = self._tables = GovernanceTables(*parts)
        return kept

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        w = self.world
        t = self.tables()
        self._fire_trust(t.residents)
        self._supervise(day, t.grids, self.consts)
        out = np.zeros(len(DAY_COUNTS))
        self._serve_day(key, day, self.sections, t, self.queue, self.index, out)
        return day_metrics(out, len(w.gridworkers), w.grids.effort)

    def _fire_trust(self, residents: Any) -> None:
        """Yesterday's fires: trust in the burned buildings' blocks follows the response,
        once per fire and block (in order of block, then fire)."""
        fires = self.world.fires_today
        if len(fires.building) == 0:
            return
        blocks = self.world.buildings.block[fires.building]
        _, first = np.unique(np.column_stack([blocks, fires.event]), axis=0, return_index=True)
        fire_trust(blocks[first].astype(np.int64), fires.response_min[first], self.blk_res_ptr,
                   self.blk_res, residents, self.consts, self.trust)  # fmt: skip


register_snapshot("gridworkers", "gridworkers", {
    "village": "Village (index).",
    "grid": "Grid served (global index).",
    "party": "The post is held by a party member (bool).",
    "tenure_days": "Days the current holder has served (0 while vacant).",
    "vacant_days": "Days the post stays vacant (0: filled).",
    "strain": "Hours asked over nominal hours, moving mean (1; above 1 overloaded).",
    "effort": "Effort on the day (share of nominal hours delivered).",
    "knowledge": "Share of the grid's households the holder knows.",
    "hours": "Productive hours on the day (h).",
    "hours_cases": "Hours spent on requests and alarms on the day (h).",
    "cases": "Requests handled and alarms answered from the post so far.",
    "checks": "Buildings checked on patrol from the post so far.",
    "quits": "Holders of the post who quit so far.",
})  # fmt: skip
