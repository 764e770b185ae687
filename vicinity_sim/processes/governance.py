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
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.learning import experience
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.streams import uniform
from vicinity_sim.world.population import CHARGE_INDOOR, CHARGE_OUTDOOR, ELDERLY
from vicinity_sim.world.tables import Residents
from vicinity_sim.world.ties import group_members

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

SLOT_NEED_WHO = 0
SLOT_NEED_ACCEPT = 1
SLOT_COMPLEX = 2
SLOT_PARTY = 3
SLOT_RESOLVE = 4
SLOT_INSPECT = 5
SLOT_PERSUADE = 6
SLOT_REFER = 7
SLOT_TURNED_AWAY = 8

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
    experience_weight: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of institutional trust that follows experience; the rest stays with the "
        "resident's disposition (see vicinity_sim.learning).",
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


class GovConsts(NamedTuple):
    rate: float
    elderly: float
    newcomer: float
    newcomer_days: int
    complex_share: float
    unregistered_take_up: float
    party_answer: float
    party_resolution: float
    patience: int
    wait_scale: float
    alpha: float
    weight: float
    visit_interval: int
    visit_effect: float
    persuade: float
    assoc_multiplier: float
    enforcement: float

    @classmethod
    def from_params(cls, p: GovernanceParams) -> GovConsts:
        return cls(
            rate=p.needs_per_resident_year / 365.0,
            elderly=p.elderly_need_multiplier,
            newcomer=p.newcomer_need_multiplier,
            newcomer_days=p.newcomer_days,
            complex_share=p.complex_share,
            unregistered_take_up=p.unregistered_take_up,
            party_answer=p.party_answer_probability,
            party_resolution=p.party_resolution,
            patience=p.patience_days,
            wait_scale=p.wait_scale_days,
            alpha=p.trust_learning_rate,
            weight=p.experience_weight,
            visit_interval=p.visit_interval_days,
            visit_effect=p.visit_trust_effect,
            persuade=p.persuade_probability,
            assoc_multiplier=p.association_persuasion_multiplier,
            enforcement=p.three_in_one_enforcement,
        )


@njit(cache=True)
def raise_and_serve(key, day, c, res_age, res_arrived, res_registered, res_household, res_grid,
                    hh_paired,
                    trust_inst, disp_inst, capacity, skill, coordination, req_res, req_day,
                    req_complex,
                    req_open, ring_state, out):  # fmt: skip
    """Raise today's needs, answer them and update institutional trust.

    ``ring_state`` holds [head, tail] of the request ring; ``capacity`` is consumed per grid.
    ``out`` receives [raised, by_party, answered, resolved, lapsed, wait_sum].
    """
    n = len(res_age)
    top = c.rate * max(c.elderly, 1.0) * max(c.newcomer, 1.0)
    candidates = round(n * top)
    head, tail = ring_state[0], ring_state[1]
    for k in range(candidates):
        i = int(uniform(key, SLOT_NEED_WHO, k) * n)
        rate = c.rate
        if res_age[i] == ELDERLY:
            rate *= c.elderly
        if day - res_arrived[i] < c.newcomer_days:
            rate *= c.newcomer
        if uniform(key, SLOT_NEED_ACCEPT, k) >= rate / top:
            continue
        out[0] += 1
        if not res_registered[i] and uniform(key, SLOT_TURNED_AWAY, k) >= c.unregistered_take_up:
            experience(trust_inst, disp_inst, i, 0.0, c.alpha, c.weight)
            out[4] += 1
            continue
        is_complex = uniform(key, SLOT_COMPLEX, k) < c.complex_share
        if hh_paired[res_household[i]] and uniform(key, SLOT_PARTY, k) < c.party_answer:
            out[1] += 1
            resolved = uniform(key, SLOT_RESOLVE, k) < c.party_resolution
            perf = 1.0 if resolved else 0.0
            experience(trust_inst, disp_inst, i, perf, c.alpha, c.weight)
            out[3] += resolved
            continue
        if tail - head >= len(req_res):  # ring full: the oldest request lapses
            j = head % len(req_res)
            if req_open[j]:
                experience(trust_inst, disp_inst, req_res[j], 0.0, c.alpha, c.weight)
                req_open[j] = False
                out[4] += 1
            head += 1
        j = tail % len(req_res)
        req_res[j] = i
        req_day[j] = day
        req_complex[j] = is_complex
        req_open[j] = True
        tail += 1
    # Serve oldest first; lapse those past patience.
    for idx in range(head, tail):
        j = idx % len(req_res)
        if not req_open[j]:
            continue
        i = req_res[j]
        wait = day - req_day[j]
        if wait > c.patience:
            experience(trust_inst, disp_inst, i, 0.0, c.alpha, c.weight)
            req_open[j] = False
            out[4] += 1
            continue
        g = res_grid[i]
        if capacity[g] < 1.0:
            continue
        capacity[g] -= 1.0
        p_resolve = skill[g] * (coordination[g] if req_complex[j] else 1.0)
        resolved = uniform(key, SLOT_RESOLVE, 1_000_000_000 + idx) < p_resolve
        perf = math.exp(-wait / c.wait_scale) if resolved else 0.0
        experience(trust_inst, disp_inst, i, perf, c.alpha, c.weight)
        req_open[j] = False
        out[2] += 1
        out[3] += resolved
        out[5] += wait
    while head < tail and not req_open[head % len(req_res)]:
        head += 1
    ring_state[0], ring_state[1] = head, tail
    backlog = 0
    for idx in range(head, tail):
        backlog += req_open[idx % len(req_res)]
    return backlog


@njit(cache=True)
def patrol(key, c, capacity, inspections_per_task, grid_bld_ptr, grid_bld, bld_res_ptr,
           bld_res, res_charging, res_registered, b_three_in_one, b_owner,
           ll_association):  # fmt: skip
    """Inspect buildings with spare capacity; returns [inspections, registered, persuaded,
    referred]."""
    out = np.zeros(4, dtype=np.int64)
    counter = 0
    for g in range(len(capacity)):
        n_insp = int(capacity[g] * inspections_per_task)
        lo, hi = grid_bld_ptr[g], grid_bld_ptr[g + 1]
        if hi == lo:
            continue
        for _ in range(n_insp):
            b = grid_bld[lo + int(uniform(key, SLOT_INSPECT, counter) * (hi - lo))]
            counter += 1
            out[0] += 1
            persuade = c.persuade * (c.assoc_multiplier if ll_association[b_owner[b]] else 1.0)
            for a in range(bld_res_ptr[b], bld_res_ptr[b + 1]):
                r = bld_res[a]
                if not res_registered[r]:
                    res_registered[r] = True
                    out[1] += 1
                if res_charging[r] == CHARGE_INDOOR and uniform(key, SLOT_PERSUADE, r) < persuade:
                    res_charging[r] = CHARGE_OUTDOOR
                    out[2] += 1
            if b_three_in_one[b] and uniform(key, SLOT_REFER, counter) < c.enforcement:
                b_three_in_one[b] = False
                out[3] += 1
    return out


@njit(cache=True)
def visits(day, c, hh_paired, hh_ptr, trust_inst, disp_inst):
    """Paired households due for a visit today (a positive experience of the institutions);
    returns the number visited."""
    visited = 0
    for h in range(len(hh_paired)):
        if hh_paired[h] and (h + day) % c.visit_interval == 0:
            visited += 1
            for i in range(hh_ptr[h], hh_ptr[h + 1]):
                experience(trust_inst, disp_inst, i, 1.0, c.visit_effect, c.weight)
    return visited


@register
class Governance(Process):
    """Requests, service, patrols, visits and institutional trust."""

    name = "governance"
    order = SCHEDULE["governance"]
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
        self.consts = GovConsts.from_params(params)
        self.req_res = np.zeros(RING, np.int64)
        self.req_day = np.zeros(RING, np.int64)
        self.req_complex = np.zeros(RING, bool)
        self.req_open = np.zeros(RING, bool)
        self.ring_state = np.zeros(2, np.int64)
        b = w.buildings
        self.grid_bld_ptr, self.grid_bld = group_members(b.grid.astype(np.int64), len(w.grids))
        self.bld_res_ptr, self.bld_res = group_members(
            w.residents.building.astype(np.int64), len(b)
        )
        self.blk_res_ptr, self.blk_res = group_members(
            b.block[w.residents.building].astype(np.int64), len(w.blocks)
        )
        self.hh_ptr = np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64)
        self.res_grid = w.resident_grid().astype(np.int64)

    def supervise(self, day: int) -> None:
        """Today's effort: lifted on supervision days, otherwise decaying toward the base."""
        g = self.world.grids
        retention = 0.5 ** (1.0 / self.params.effort_half_life_days)
        due = (g.supervision_interval > 0) & (day - g.last_supervision >= g.supervision_interval)
        g.effort[:] = np.where(
            due, g.supervised_effort, g.effort_base + (g.effort - g.effort_base) * retention
        )
        g.last_supervision[due] = day

    def capacity(self) -> np.ndarray:
        """Tasks each grid can handle today."""
        w = self.world
        g = w.grids
        p = self.params
        staff = np.bincount(w.gridworkers.grid, minlength=len(g)).astype(np.float64)
        speed = (g.skill / p.reference_skill) ** p.skill_speed_elasticity
        per_worker = p.tasks_per_gridworker_day * g.effort * (1.0 - g.duplication_loss) * speed
        platform = 1.0 + p.platform_capacity_gain * w.villages.platform[g.village]
        return staff * per_worker * platform + g.social_org_tasks_per_day

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, c = self.world, self.consts
        r, g = w.residents, w.grids
        self._fire_trust(r)
        self.supervise(day)
        capacity = self.capacity()
        total_capacity = float(capacity.sum())
        out = np.zeros(6)
        backlog = raise_and_serve(
            key, day, c, r.age, r.arrived_day, r.registered, r.household, self.res_grid,
            w.households.paired,
            r.trust_inst, r.disposition_inst, capacity, g.skill, g.coordination, self.req_res,
            self.req_day, self.req_complex, self.req_open, self.ring_state, out,
        )  # fmt: skip
        used = total_capacity - float(capacity.sum())
        found = patrol(
            key, c, capacity, self.params.inspections_per_task, self.grid_bld_ptr,
            self.grid_bld, self.bld_res_ptr, self.bld_res, r.charging, r.registered,
            w.buildings.three_in_one, w.buildings.owner, w.landlords.association,
        )  # fmt: skip
        visited = visits(day, c, w.households.paired, self.hh_ptr, r.trust_inst,
                         r.disposition_inst)  # fmt: skip
        return {
            "needs_raised": out[0],
            "needs_by_party": out[1],
            "needs_answered": out[2],
            "needs_resolved": out[3],
            "needs_lapsed": out[4],
            "mean_wait_days": out[5] / out[2] if out[2] else math.nan,
            "request_backlog": float(backlog),
            "gridworkers": float(len(w.gridworkers)),
            "gridworker_utilisation": used / total_capacity if total_capacity else math.nan,
            "gridworker_effort_mean": float(g.effort.mean()) if len(g) else math.nan,
            "inspections": float(found[0]),
            "newcomers_registered": float(found[1]),
            "chargers_persuaded": float(found[2]),
            "three_in_one_referred": float(found[3]),
            "pairing_visits": float(visited),
        }

    def _fire_trust(self, r: Residents) -> None:
        """Yesterday's fires: trust in the burned buildings' blocks follows the response."""
        fires = self.world.fires_today
        if len(fires.building) == 0:
            return
        p = self.params
        blocks = self.world.buildings.block[fires.building]
        # Once per fire and block.
        _, first = np.unique(np.column_stack([blocks, fires.event]), axis=0, return_index=True)
        for blk, response in zip(blocks[first], fires.response_min[first], strict=True):
            who = self.blk_res[self.blk_res_ptr[blk] : self.blk_res_ptr[blk + 1]]
            perf = math.exp(-response / p.fire_response_scale_min)
            target = (
                p.experience_weight * perf + (1 - p.experience_weight) * r.disposition_inst[who]
            )
            r.trust_inst[who] += p.fire_trust_rate * (target - r.trust_inst[who])
