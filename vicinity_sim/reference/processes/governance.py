"""Governance service and institutional trust in the reference model.

Mirrors :mod:`vicinity_sim.processes.governance` ("民有所呼，我有所应") over agents:

1. Yesterday's fires: everyone living in a burned building's block learns from how fast the
   crews came (once per fire and block).
2. Supervision: on a grid supervised every N days, gridworkers' effort is lifted to the
   supervised level on the days of the events and otherwise falls back toward the
   unsupervised level, halving the gap every ``effort_half_life_days``.
3. Residents raise needs. A need of a household paired with a party member is taken up the
   same day with some probability; a resident not registered with the grid is often turned
   away; everything else joins the request queue.
4. Each grid's capacity (gridworkers × tasks per day × effort × (1 − duplication loss) ×
   skill speed × smart-platform gain, plus contracted social organisations) serves the queue
   oldest first; requests older than the residents' patience lapse unanswered.
5. Spare capacity goes to patrols: inspected buildings have their newcomers registered,
   indoor chargers persuaded to charge outdoors and 三合一 premises referred.
6. Paired households due for a visit today have a positive experience of the institutions.

Every experience moves institutional trust by the anchored learning rule of
:mod:`vicinity_sim.learning` (:func:`experience` below is its per-agent form).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes import governance
from vicinity_sim.processes.governance import (
    QUEUE_DRAW_OFFSET,
    RING,
    GovernanceParams,
    GovernanceSlot,
    grid_capacity,
)
from vicinity_sim.reference.learning import learn_institutions
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_OUTDOOR, ELDERLY

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel

GOVERNANCE_SLOTS = slot_numbers(GovernanceSlot)
# The fast process's formulas, run as Python.
top_need_rate = governance.top_need_rate.py_func
need_rate = governance.need_rate.py_func
resolve_probability = governance.resolve_probability.py_func
service_performance = governance.service_performance.py_func
fire_performance = governance.fire_performance.py_func
persuade_probability = governance.persuade_probability.py_func
effort_retention = governance.effort_retention.py_func
decayed_effort = governance.decayed_effort.py_func
visit_due = governance.visit_due.py_func


@dataclass
class Request:
    """A need waiting in the grid's queue.

    Attributes:
        seq: Sequence number since the run started (addresses the resolution draw).
        resident: Row of the resident who raised it.
        day: Day it was raised.
        complex: Whether it needs other units (landlords, firms, departments).
        open: False once answered or lapsed (it stays queued until the ones before it close).
    """

    seq: int
    resident: int
    day: int
    complex: bool
    open: bool = True


@reference_process
class Governance(ReferenceProcess):
    """Requests, service, patrols, visits and institutional trust."""

    name = "governance"

    def __init__(self, model: ReferenceModel, params: GovernanceParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self.weight = model.spec.trust.institutional_experience_weight
        # The request queue, oldest first. Closed requests stay until every request before
        # them has closed, and at most RING requests are kept: the fast model's ring buffer.
        self.queue: deque[Request] = deque()
        self.next_seq = 0
        w = self.world
        self._index_residence()
        self.grid_buildings: list[list[int]] = [[] for _ in range(len(w.grids))]
        for b, g in enumerate(w.buildings.grid):
            self.grid_buildings[int(g)].append(b)

    def _index_residence(self) -> None:
        """Who lives where (households keep their rows; newcomers may take units in other
        buildings, and then this is taken again). Lists are in row order."""
        w = self.world
        residents = self.model.residents
        self.building_residents: list[list[int]] = [[] for _ in range(len(w.buildings))]
        self.block_residents: list[list[int]] = [[] for _ in range(len(w.blocks))]
        self.household_members: list[list[int]] = [[] for _ in range(len(w.households))]
        self.resident_grid: list[int] = []
        for res in residents:
            self.building_residents[res.building].append(res.row)
            self.block_residents[int(w.buildings.block[res.building])].append(res.row)
            self.household_members[res.household].append(res.row)
            self.resident_grid.append(int(w.buildings.grid[res.building]))
        self._moves = w.moves

    # -- supervision and capacity ----------------------------------------------------------

    def supervise(self, day: int) -> None:
        """Grid by grid: a supervision event today lifts effort to the supervised level;
        otherwise effort decays toward the unsupervised level."""
        g = self.world.grids
        retention = effort_retention(self.consts)
        for k in range(len(g)):
            interval = int(g.supervision_interval[k])
            if interval > 0 and day - int(g.last_supervision[k]) >= interval:
                g.effort[k] = g.supervised_effort[k]
                g.last_supervision[k] = day
            else:
                g.effort[k] = decayed_effort(float(g.effort[k]), float(g.effort_base[k]), retention)

    def capacity(self) -> np.ndarray:
        """Tasks each grid can handle today (an array over grids)."""
        w = self.world
        g = w.grids
        staff = np.zeros(len(g))
        for worker in self.model.gridworkers:
            staff[worker.grid] += 1.0
        return grid_capacity(staff, g, w.villages.platform[g.village], self.params)

    # -- the day ---------------------------------------------------------------------------

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        self.fire_trust()
        self.supervise(day)
        capacity = self.capacity()
        total_capacity = float(capacity.sum())
        raised, by_party, answered, resolved, lapsed, wait_sum = self.raise_needs(day, key)
        a, r, lp, wait_sum = self.serve(day, key, capacity, wait_sum)
        answered, resolved, lapsed = answered + a, resolved + r, lapsed + lp
        backlog = sum(1 for req in self.queue if req.open)
        used = total_capacity - float(capacity.sum())
        inspections, registered, persuaded, referred = self.patrol(key, capacity)
        visited = self.visit(day)
        return {
            "needs_raised": float(raised),
            "needs_by_party": float(by_party),
            "needs_answered": float(answered),
            "needs_resolved": float(resolved),
            "needs_lapsed": float(lapsed),
            "mean_wait_days": wait_sum / answered if answered else math.nan,
            "request_backlog": float(backlog),
            "gridworkers": float(len(self.model.gridworkers)),
            "gridworker_utilisation": used / total_capacity if total_capacity else math.nan,
            "gridworker_effort_mean": float(self.world.grids.effort.mean())
            if len(self.world.grids)
            else math.nan,
            "inspections": float(inspections),
            "newcomers_registered": float(registered),
            "chargers_persuaded": float(persuaded),
            "three_in_one_referred": float(referred),
            "pairing_visits": float(visited),
        }

    def fire_trust(self) -> None:
        """Yesterday's fires: trust of everyone in a burned building's block follows how fast
        the crews came, once per fire and block (in order of block, then fire)."""
        fires = self.world.fires_today
        c = self.consts
        first_response: dict[tuple[int, int], float] = {}
        for building, event, response in zip(
            fires.building, fires.event, fires.response_min, strict=True
        ):
            blk = int(self.world.buildings.block[building])
            first_response.setdefault((blk, int(event)), float(response))
        for (blk, _event), response in sorted(first_response.items()):
            perf = fire_performance(response, c)
            for row in self.block_residents[blk]:
                learn_institutions(self.model.residents[row], perf, c.fire_trust_rate, self.weight)

    def raise_needs(self, day: int, key: np.uint64) -> tuple[int, int, int, int, int, float]:
        """Today's needs: drawn by thinning candidates at the highest individual rate.

        Returns:
            Counts raised, taken up by party members, answered (none yet), resolved, lapsed
            (turned away or pushed out of a full queue) and the wait sum (0).
        """
        c = self.consts
        residents = self.model.residents
        n = len(residents)
        top = top_need_rate(c)
        raised = by_party = resolved = lapsed = 0
        for k in range(round(n * top)):
            res = residents[int(uniform(key, GOVERNANCE_SLOTS.NEED_WHO, k) * n)]
            rate = need_rate(res.age == ELDERLY, day - res.arrived_day, c)
            if uniform(key, GOVERNANCE_SLOTS.NEED_ACCEPT, k) >= rate / top:
                continue
            raised += 1
            if (
                not res.registered
                and uniform(key, GOVERNANCE_SLOTS.TURNED_AWAY, k) >= c.unregistered_take_up
            ):
                learn_institutions(res, 0.0, c.trust_learning_rate, self.weight)
                lapsed += 1
                continue
            is_complex = uniform(key, GOVERNANCE_SLOTS.COMPLEX, k) < c.complex_share
            paired = bool(self.world.households.paired[res.household])
            if paired and uniform(key, GOVERNANCE_SLOTS.PARTY, k) < c.party_answer_probability:
                by_party += 1
                ok = uniform(key, GOVERNANCE_SLOTS.RESOLVE, k) < c.party_resolution
                learn_institutions(res, 1.0 if ok else 0.0, c.trust_learning_rate, self.weight)
                resolved += ok
                continue
            if len(self.queue) >= RING:  # queue full: the oldest request lapses
                oldest = self.queue.popleft()
                if oldest.open:
                    learn_institutions(
                        residents[oldest.resident], 0.0, c.trust_learning_rate, self.weight
                    )
                    oldest.open = False
                    lapsed += 1
            self.queue.append(Request(self.next_seq, res.row, day, is_complex))
            self.next_seq += 1
        return raised, by_party, 0, resolved, lapsed, 0.0

    def serve(
        self, day: int, key: np.uint64, capacity: np.ndarray, wait_sum: float
    ) -> tuple[int, int, int, float]:
        """Serve the queue oldest first, consuming each grid's ``capacity``; lapse requests
        past the residents' patience.

        Returns:
            Requests answered, resolved, lapsed, and the wait sum with the answered ones added.
        """
        c = self.consts
        g = self.world.grids
        residents = self.model.residents
        answered = resolved = lapsed = 0
        for req in self.queue:
            if not req.open:
                continue
            res = residents[req.resident]
            wait = day - req.day
            if wait > c.patience_days:
                learn_institutions(res, 0.0, c.trust_learning_rate, self.weight)
                req.open = False
                lapsed += 1
                continue
            grid = self.resident_grid[req.resident]
            if capacity[grid] < 1.0:
                continue
            capacity[grid] -= 1.0
            p_resolve = resolve_probability(g.skill[grid], g.coordination[grid], req.complex)
            ok = uniform(key, GOVERNANCE_SLOTS.RESOLVE, QUEUE_DRAW_OFFSET + req.seq) < p_resolve
            perf = service_performance(ok, wait, c)
            learn_institutions(res, perf, c.trust_learning_rate, self.weight)
            req.open = False
            answered += 1
            resolved += ok
            wait_sum += wait
        while self.queue and not self.queue[0].open:
            self.queue.popleft()
        return answered, resolved, lapsed, wait_sum

    def patrol(self, key: np.uint64, capacity: np.ndarray) -> tuple[int, int, int, int]:
        """Inspect random buildings of each grid with its spare capacity.

        Returns:
            Buildings inspected, newcomers registered, chargers persuaded, premises referred.
        """
        c = self.consts
        b = self.world.buildings
        residents, landlords = self.model.residents, self.model.landlords
        inspections = registered = persuaded = referred = 0
        counter = 0  # numbers the inspections of the day across grids
        for g, buildings in enumerate(self.grid_buildings):
            n_insp = int(capacity[g] * c.inspections_per_task)
            if not buildings:
                continue
            for _ in range(n_insp):
                bld = buildings[
                    int(uniform(key, GOVERNANCE_SLOTS.INSPECT, counter) * len(buildings))
                ]
                counter += 1
                inspections += 1
                assoc = landlords[b.owner[bld]].association
                persuade = persuade_probability(assoc, c)
                for row in self.building_residents[bld]:
                    res = residents[row]
                    if not res.registered:
                        res.registered = True
                        registered += 1
                    if (
                        res.charging == CHARGE_INDOOR
                        and uniform(key, GOVERNANCE_SLOTS.PERSUADE, row) < persuade
                    ):
                        res.charging = CHARGE_OUTDOOR
                        persuaded += 1
                if (
                    b.three_in_one[bld]
                    and uniform(key, GOVERNANCE_SLOTS.REFER, counter) < c.three_in_one_enforcement
                ):
                    b.three_in_one[bld] = False
                    referred += 1
        return inspections, registered, persuaded, referred

    def visit(self, day: int) -> int:
        """Visits of paired households due today; returns the number visited."""
        c = self.consts
        paired = self.world.households.paired
        visited = 0
        for h, members in enumerate(self.household_members):
            if paired[h] and visit_due(h, day, c):
                visited += 1
                for row in members:
                    learn_institutions(
                        self.model.residents[row], 1.0, c.visit_trust_effect, self.weight
                    )
        return visited
