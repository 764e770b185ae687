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
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.learning import experience
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.snapshots import register_snapshot
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_OUTDOOR, ELDERLY
from vicinity_sim.world.ties import group_members

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("governance")
class GovernanceSlot(IntEnum):
    """Slots of the governance stream's draws."""

    NEED_WHO = 0
    NEED_ACCEPT = 1
    COMPLEX = 2
    PARTY = 3
    RESOLVE = 4
    INSPECT = 5
    PERSUADE = 6
    REFER = 7
    TURNED_AWAY = 8


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
    platform_capacity_gain: float = param(
        0.2, unit="1", ge=0.0, le=5.0,
        doc="Relative rise of grid capacity where requests arrive and are tracked through the "
        "smart platform (一网统管).",
        source="assumption",
    )  # fmt: skip
    party_answer_probability: float = param(
        0.8, unit="1", ge=0.0, le=1.0,
        doc="Probability a paired party member takes up a need of the household the same day.",
        source="assumption",
    )  # fmt: skip
    party_resolution: float = param(
        0.7, unit="1", ge=0.0, le=1.0,
        doc="Probability a need taken up by a paired party member is resolved.",
        source="assumption",
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
    visit_interval_days: int = param(
        30, unit="days", ge=1, le=3650,
        doc="Days between a paired party member's visits to the household.",
        source="assumption",
    )  # fmt: skip
    visit_trust_effect: float = param(
        0.05, unit="1/visit", ge=0.0, le=1.0,
        doc="Learning rate of a visit, a positive experience of the institutions.",
        source="assumption",
    )  # fmt: skip
    inspections_per_task: float = param(
        0.5, unit="buildings/task", ge=0.0, le=100.0,
        doc="Buildings inspected per unit of spare capacity.", source="assumption",
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


GovernanceConsts = consts_class(GovernanceParams)

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
    """Buildings of each grid and residents of each building (CSR), for patrols; each
    resident's grid; residents of each household (``hh_ptr``: they are stored household by
    household)."""

    grid_bld_ptr: np.ndarray
    grid_bld: np.ndarray
    bld_res_ptr: np.ndarray
    bld_res: np.ndarray
    res_grid: np.ndarray
    hh_ptr: np.ndarray


class GovernanceSections(NamedTuple):
    """The parameter sections governance uses: its own and the shared trust one."""

    governance: Any
    trust: Any


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
def persuade_probability(association, c):
    """Probability an inspection moves an indoor charger outdoors (likelier where the landlord
    belongs to the association)."""
    return c.persuade_probability * (c.association_persuasion_multiplier if association else 1.0)


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
def visit_due(household, day, c):
    """Whether a paired household is visited today (every ``visit_interval_days``)."""
    return (household + day) % c.visit_interval_days == 0


def grid_capacity(staff: np.ndarray, g: Any, platform: np.ndarray, p: Any) -> np.ndarray:
    """Tasks each grid can handle today (both engines: grids are shared tables).

    Args:
        staff: Gridworkers per grid.
        g: The grids table.
        platform: Whether each grid's village has the smart platform.
        p: The governance parameters.
    """
    speed = (g.skill / p.reference_skill) ** p.skill_speed_elasticity
    per_worker = p.tasks_per_gridworker_day * g.effort * (1.0 - g.duplication_loss) * speed
    return staff * per_worker * (1.0 + p.platform_capacity_gain * platform) + (
        g.social_org_tasks_per_day
    )


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
def raise_and_serve(key, day, c, tc, r, hh, res_grid, g, capacity, queue, out):
    """Raise today's needs, answer them and update institutional trust.

    Args:
        key, day: The day's stream key and index.
        c, tc: :data:`GovernanceConsts` and the shared trust constants.
        r, hh, g: Residents (``trust_inst`` is updated), households, grids.
        res_grid: Grid of each resident.
        capacity: Tasks left per grid (consumed).
        queue: :class:`RequestQueue`.
        out: Receives [raised, by_party, answered, resolved, lapsed, wait_sum].

    Returns:
        The requests still waiting.
    """
    r_age = r.age
    r_arrived_day = r.arrived_day
    r_disposition_inst = r.disposition_inst
    r_household = r.household
    r_registered = r.registered
    r_trust_inst = r.trust_inst
    hh_paired = hh.paired
    g_coordination = g.coordination
    g_skill = g.skill
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
        u_party = uniform(key, GovernanceSlot.PARTY, k)
        if hh_paired[r_household[i]] and u_party < c.party_answer_probability:
            out[1] += 1
            resolved = uniform(key, GovernanceSlot.RESOLVE, k) < c.party_resolution
            perf = 1.0 if resolved else 0.0
            experience(r_trust_inst, r_disposition_inst, i, perf, c.trust_learning_rate, weight)
            out[3] += resolved
            continue
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
    # Serve oldest first; lapse those past patience.
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
        k = res_grid[i]
        if capacity[k] < 1.0:
            continue
        capacity[k] -= 1.0
        p_resolve = resolve_probability(g_skill[k], g_coordination[k], queue_complex[j])
        resolved = uniform(key, GovernanceSlot.RESOLVE, QUEUE_DRAW_OFFSET + idx) < p_resolve
        perf = service_performance(resolved, wait, c)
        experience(r_trust_inst, r_disposition_inst, i, perf, c.trust_learning_rate, weight)
        queue_open[j] = False
        out[2] += 1
        out[3] += resolved
        out[5] += wait
    while head < tail and not queue_open[head % ring]:
        head += 1
    queue_state[0], queue_state[1] = head, tail
    backlog = 0
    for idx in range(head, tail):
        backlog += queue_open[idx % ring]
    return backlog


@njit(cache=True)
def patrol(key, c, capacity, index, r, b, ll):
    """Inspect buildings with spare capacity; returns [inspections, registered, persuaded,
    referred].

    Args:
        key: The day's stream key.
        c: :data:`GovernanceConsts`.
        capacity: Tasks left per grid.
        index: :class:`PatrolIndex`.
        r, b, ll: Residents (``registered``, ``charging`` updated), buildings
            (``three_in_one`` updated) and landlords.
    """
    index_bld_res = index.bld_res
    index_bld_res_ptr = index.bld_res_ptr
    index_grid_bld = index.grid_bld
    index_grid_bld_ptr = index.grid_bld_ptr
    r_charging = r.charging
    r_registered = r.registered
    b_owner = b.owner
    b_three_in_one = b.three_in_one
    ll_association = ll.association
    out = np.zeros(4, dtype=np.int64)
    counter = 0
    for g in range(len(capacity)):
        n_insp = int(capacity[g] * c.inspections_per_task)
        lo, hi = index_grid_bld_ptr[g], index_grid_bld_ptr[g + 1]
        if hi == lo:
            continue
        for _ in range(n_insp):
            k = index_grid_bld[lo + int(uniform(key, GovernanceSlot.INSPECT, counter) * (hi - lo))]
            counter += 1
            out[0] += 1
            persuade = persuade_probability(ll_association[b_owner[k]], c)
            for a in range(index_bld_res_ptr[k], index_bld_res_ptr[k + 1]):
                i = index_bld_res[a]
                if not r_registered[i]:
                    r_registered[i] = True
                    out[1] += 1
                u = uniform(key, GovernanceSlot.PERSUADE, i)
                if r_charging[i] == CHARGE_INDOOR and u < persuade:
                    r_charging[i] = CHARGE_OUTDOOR
                    out[2] += 1
            u = uniform(key, GovernanceSlot.REFER, counter)
            if b_three_in_one[k] and u < c.three_in_one_enforcement:
                b_three_in_one[k] = False
                out[3] += 1
    return out


@njit(cache=True)
def visits(day, c, tc, paired, hh_ptr, r):
    """Paired households due for a visit today (a positive experience of the institutions);
    returns the number visited."""
    r_disposition_inst = r.disposition_inst
    r_trust_inst = r.trust_inst
    visited = 0
    for h in range(len(paired)):
        if paired[h] and visit_due(h, day, c):
            visited += 1
            for i in range(hh_ptr[h], hh_ptr[h + 1]):
                experience(r_trust_inst, r_disposition_inst, i, 1.0, c.visit_trust_effect,
                           tc.institutional_experience_weight)  # fmt: skip
    return visited


@njit(cache=True)
def serve_day(key, day, s, r, hh, g, b, ll, queue, index, capacity, out):
    """The day's service: needs raised and served (:func:`raise_and_serve`), patrols with the
    capacity left (:func:`patrol`) and pairing visits (:func:`visits`), in one compiled call.

    Args:
        key, day: The day's stream key and index.
        s: :class:`GovernanceSections`.
        r, hh, g, b, ll: Residents, households, grids, buildings and landlords.
        queue: :class:`RequestQueue`.
        index: :class:`GovernanceIndex`.
        capacity: Tasks each grid can handle today (consumed by requests).
        out: Receives [raised, by_party, answered, resolved, lapsed, wait_sum, backlog,
            inspections, registered, persuaded, referred, visited].
    """
    c, tc = s.governance, s.trust
    out[6] = raise_and_serve(key, day, c, tc, r, hh, index.res_grid, g, capacity, queue, out)
    found = patrol(key, c, capacity, index, r, b, ll)
    for k in range(4):
        out[7 + k] = found[k]
    out[11] = visits(day, c, tc, hh.paired, index.hh_ptr, r)


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


@register
class Governance(Process):
    """Requests, service, patrols, visits and institutional trust."""

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
        "gridworkers.grid",
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
        "buildings.block",
        "buildings.grid",
        "buildings.three_in_one",
        "buildings.owner",
        "landlords.association",
    )
    writes = (
        "grids.effort",
        "grids.last_supervision",
        "residents.trust_inst",
        "residents.registered",
        "residents.charging",
        "buildings.three_in_one",
    )
    after = ("interventions", "charging", "compliance", "contacts")
    Params = GovernanceParams
    metrics = {
        "needs_raised": "Needs and grievances raised today.",
        "needs_by_party": "Needs taken up the same day by paired party members.",
        "needs_answered": "Requests handled by gridworkers and social organisations today.",
        "needs_resolved": "Needs resolved today (all channels).",
        "needs_lapsed": "Requests that lapsed unanswered or were turned away today.",
        "mean_wait_days": "Mean wait of the requests handled today.",
        "request_backlog": "Requests waiting at the end of the day.",
        "gridworkers": "Gridworkers employed.",
        "gridworker_utilisation": "Share of today's grid capacity spent on requests.",
        "gridworker_effort_mean": "Mean effort of the grids today (supervision lifts it).",
        "inspections": "Buildings inspected on patrol today.",
        "newcomers_registered": "Residents registered on patrol today.",
        "chargers_persuaded": "Indoor chargers persuaded to charge outdoors today.",
        "three_in_one_referred": "三合一 premises rectified after an inspection today.",
        "pairing_visits": "Paired households visited today.",
    }

    def __init__(self, model: VicinityModel, params: GovernanceParams) -> None:
        super().__init__(model, params)
        w = self.world
        self.consts = params.consts()
        self.trust = model.spec.trust.consts()
        self.queue = RequestQueue.empty()
        self.hh_ptr = np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64)
        self.sections = GovernanceSections(self.consts, self.trust)
        self._index_residence()

    def _index_residence(self) -> None:
        """Who lives where: residents by building and block, each resident's grid (rebuilt
        when newcomers take units in other buildings)."""
        w = self.world
        b = w.buildings
        self.res_grid = w.resident_grid().astype(np.int64)
        self.index = GovernanceIndex(
            *group_members(b.grid.astype(np.int64), len(w.grids)),
            *group_members(w.residents.building.astype(np.int64), len(b)),
            self.res_grid,
            self.hh_ptr,
        )
        self.blk_res_ptr, self.blk_res = group_members(
            b.block[w.residents.building].astype(np.int64), len(w.blocks)
        )
        self._moves = w.moves

    def capacity(self) -> np.ndarray:
        """Tasks each grid can handle today."""
        w = self.world
        g = w.grids
        staff = np.bincount(w.gridworkers.grid, minlength=len(g)).astype(np.float64)
        return grid_capacity(staff, g, w.villages.platform[g.village], self.params)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        w, c = self.world, self.consts
        g = w.grids
        residents = self.arrays("residents")
        self._fire_trust(residents)
        grids = self.arrays("grids")
        supervise(day, grids, c)
        capacity = self.capacity()
        total_capacity = float(capacity.sum())
        out = np.zeros(12)
        serve_day(
            key, day, self.sections, residents, self.arrays("households"), grids,
            self.arrays("buildings"), self.arrays("landlords"), self.queue, self.index,
            capacity, out,
        )  # fmt: skip
        used = total_capacity - float(capacity.sum())  # patrols and visits use no capacity
        return {
            "needs_raised": out[0],
            "needs_by_party": out[1],
            "needs_answered": out[2],
            "needs_resolved": out[3],
            "needs_lapsed": out[4],
            "mean_wait_days": out[5] / out[2] if out[2] else math.nan,
            "request_backlog": out[6],
            "gridworkers": float(len(w.gridworkers)),
            "gridworker_utilisation": used / total_capacity if total_capacity else math.nan,
            "gridworker_effort_mean": float(g.effort.mean()) if len(g) else math.nan,
            "inspections": out[7],
            "newcomers_registered": out[8],
            "chargers_persuaded": out[9],
            "three_in_one_referred": out[10],
            "pairing_visits": out[11],
        }

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
    "party": "Party member (bool).",
})  # fmt: skip
