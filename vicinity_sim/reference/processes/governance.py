"""Governance service and institutional trust in the reference model.

Mirrors :mod:`vicinity_sim.processes.governance` ("民有所呼，我有所应") over agents:

1. Yesterday's fires: everyone living in a burned building's block learns from how fast the
   crews came (once per fire and block).
2. Supervision: on a grid supervised every N days, effort is lifted to the supervised level
   on the days of the events and otherwise falls back toward the unsupervised level, halving
   the gap every ``effort_half_life_days``.
3. Gridworkers come on duty (:meth:`Gridworker.start_day`): a vacant post counts its days
   down; a holder works the hours their effort (the grid's, worn down by their own strain)
   and the grid's duplicated reporting leave, and knows more of the grid the longer they
   have served.
4. Waterlogging alarms (smart platform, heavy rain, drainage not fixed): the grid's
   gridworkers, then its party members, warn the buildings around the point while someone
   has the time.
5. Residents raise needs. A need of a paired household goes to its party member, who answers
   it if they have the time; a resident not registered with the grid is often turned away;
   everything else joins the request queue.
6. The queue is served oldest first: each request by the first of its grid's gridworkers with
   the time, then the grid's contracted social organisation, then (with the platform) the
   first of its party members with the time to claim it; requests older than the residents'
   patience lapse unanswered.
7. Gridworkers patrol with the hours left, on the route their grid's rule gives (a fixed
   round, or the buildings the grid's record shows most hazardous as far as they know the
   grid): newcomers are registered, indoor chargers persuaded, 三合一 premises referred.
8. The day ends for every gridworker on duty (:meth:`Gridworker.step`): strain and quitting.

Every experience moves institutional trust by the anchored learning rule of
:mod:`vicinity_sim.learning`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes import governance
from vicinity_sim.processes.governance import (
    DAY_COUNTS,
    QUEUE_DRAW_OFFSET,
    RANDOM_ROUTE,
    RING,
    RISK_TARGETED,
    GovernanceParams,
    GovernanceSlot,
    day_metrics,
)
from vicinity_sim.reference.learning import learn_institutions
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, CHARGE_OUTDOOR, ELDERLY, MEMBER_ACTIVE

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Gridworker, PartyMember
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
case_hours = governance.case_hours.py_func
check_hours = governance.check_hours.py_func


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
    """Gridworkers' day: alarms, requests, service, patrols; institutional trust."""

    name = "governance"

    def __init__(self, model: ReferenceModel, params: GovernanceParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self.weight = model.spec.trust.institutional_experience_weight
        # The request queue, oldest first. Closed requests stay until every request before
        # them has closed, and at most RING requests are kept: the fast model's ring buffer.
        self.queue: deque[Request] = deque()
        self.next_seq = 0
        self.quits_today = 0
        w = self.world
        self._index_residence()
        self.grid_buildings: list[list[int]] = [[] for _ in range(len(w.grids))]
        for b, g in enumerate(w.buildings.grid):
            self.grid_buildings[int(g)].append(b)
        self.point_buildings: list[list[int]] = [[] for _ in range(len(w.flood_points))]
        for b, f in enumerate(w.buildings.flood_point):
            if f >= 0:
                self.point_buildings[int(f)].append(b)

    def _index_residence(self) -> None:
        """Who lives where (households keep their rows; newcomers may take units in other
        buildings, and then this is taken again). Lists are in row order."""
        w = self.world
        residents = self.model.residents
        self.building_residents: list[list[int]] = [[] for _ in range(len(w.buildings))]
        self.block_residents: list[list[int]] = [[] for _ in range(len(w.blocks))]
        self.resident_grid: list[int] = []
        for res in residents:
            self.building_residents[res.building].append(res.row)
            self.block_residents[int(w.buildings.block[res.building])].append(res.row)
            self.resident_grid.append(int(w.buildings.grid[res.building]))
        self.grid_households = [0] * len(w.grids)
        for b in w.households.building:
            self.grid_households[int(w.buildings.grid[b])] += 1
        self._moves = w.moves

    # -- the day ---------------------------------------------------------------------------

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        c = self.consts
        self.fire_trust()
        self.supervise(day)
        out = dict.fromkeys(DAY_COUNTS, 0.0)
        n_grids = len(self.world.grids)
        for worker in self.model.gridworkers:  # in row order, as the kernel
            worker.start_day(c, self.grid_households[worker.grid])
            if worker.on_duty:
                out["on_duty"] += 1.0
                out["hours"] += worker.hours
                out["effort_sum"] += worker.effort
                out["knowledge_sum"] += worker.knowledge
        self.crews: list[list[Gridworker]] = [[] for _ in range(n_grids)]
        for worker in self.model.gridworkers:
            if worker.on_duty:
                self.crews[worker.grid].append(worker)
        self.members: list[list[PartyMember]] = [[] for _ in range(n_grids)]
        for member in self.model.party_members:
            if member.status == MEMBER_ACTIVE:
                self.members[member.grid].append(member)
        self.asked = [0.0] * n_grids
        self.alarms(day, out)
        self.raise_needs(day, key, out)
        self.serve(day, key, out)
        self.patrol(day, key, out)
        self.end_day(out)
        counts = np.array([out[name] for name in DAY_COUNTS])
        return day_metrics(counts, len(self.model.gridworkers), self.world.grids.effort)

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

    def alarms(self, day: int, out: dict[str, float]) -> None:
        """Waterlogging alarms in smart-platform villages on heavy-rain days at points whose
        drainage is not fixed: the buildings around the point are warned one by one by the
        first of the grid's gridworkers, else of its party members, with the time."""
        w = self.world
        c = self.consts
        fp, v = w.flood_points, w.villages
        cost = c.warning_hours_per_building
        for f in range(len(fp)):
            village = int(fp.village[f])
            if not (v.heavy_rain[village] and v.platform[village]) or fp.fixed[f]:
                continue
            total = warned = 0.0
            for bld in self.point_buildings[f]:
                occupants = len(self.building_residents[bld])
                total += occupants
                out["alarm_buildings"] += 1
                q = int(w.buildings.grid[bld])
                self.asked[q] += cost
                done = any(worker.take(cost) for worker in self.crews[q])
                if not done:
                    for member in self.members[q]:
                        if member.has(cost):
                            member.ask(cost)
                            member.give(cost)
                            member.warnings += 1
                            done = True
                            break
                if done:
                    warned += occupants
                    out["warned_buildings"] += 1
            fp.warned[f] = warned / total if total > 0 else 0.0
            fp.warned_day[f] = day

    def raise_needs(self, day: int, key: np.uint64, out: dict[str, float]) -> None:
        """Today's needs, drawn by thinning candidates at the highest individual rate: a
        paired household's go to its member (answered if they have the time), the rest join
        the queue (or are turned away)."""
        c = self.consts
        residents = self.model.residents
        members = self.model.party_members
        hh = self.world.households
        g = self.world.grids
        n = len(residents)
        top = top_need_rate(c)
        for k in range(round(n * top)):
            res = residents[int(uniform(key, GOVERNANCE_SLOTS.NEED_WHO, k) * n)]
            rate = need_rate(res.age == ELDERLY, day - res.arrived_day, c)
            if uniform(key, GOVERNANCE_SLOTS.NEED_ACCEPT, k) >= rate / top:
                continue
            out["raised"] += 1
            if (
                not res.registered
                and uniform(key, GOVERNANCE_SLOTS.TURNED_AWAY, k) >= c.unregistered_take_up
            ):
                learn_institutions(res, 0.0, c.trust_learning_rate, self.weight)
                out["lapsed"] += 1
                continue
            is_complex = uniform(key, GOVERNANCE_SLOTS.COMPLEX, k) < c.complex_share
            if hh.paired[res.household]:
                out["to_party"] += 1
                row = int(hh.pair_member[res.household])
                member = members[row] if row >= 0 else None
                if member is not None and member.status == MEMBER_ACTIVE:
                    member.ask(c.party_need_hours)
                    if member.has(c.party_need_hours):
                        member.give(c.party_need_hours)
                        member.needs_answered += 1
                        out["by_party"] += 1
                        ok = uniform(key, GOVERNANCE_SLOTS.RESOLVE, k) < c.party_resolution
                        learn_institutions(res, 1.0 if ok else 0.0, c.trust_learning_rate,
                                           self.weight)  # fmt: skip
                        out["resolved"] += ok
                        continue
                out["party_no_time"] += 1
            if len(self.queue) >= RING:  # queue full: the oldest request lapses
                oldest = self.queue.popleft()
                if oldest.open:
                    learn_institutions(
                        residents[oldest.resident], 0.0, c.trust_learning_rate, self.weight
                    )
                    oldest.open = False
                    out["lapsed"] += 1
            self.queue.append(Request(self.next_seq, res.row, day, is_complex))
            self.next_seq += 1
            q = self.resident_grid[res.row]
            self.asked[q] += case_hours(float(g.skill[q]), c)

    def serve(self, day: int, key: np.uint64, out: dict[str, float]) -> None:
        """Serve the queue oldest first (gridworkers, then the social organisation, then party
        members claiming through the platform); lapse requests past the residents'
        patience."""
        c = self.consts
        w = self.world
        g = w.grids
        residents = self.model.residents
        next_worker = [0] * len(g)  # the first of the grid's gridworkers who may have time
        next_member = [0] * len(g)
        org_left = [float(x) for x in g.social_org_tasks_per_day]
        for req in self.queue:
            if not req.open:
                continue
            res = residents[req.resident]
            wait = day - req.day
            if wait > c.patience_days:
                learn_institutions(res, 0.0, c.trust_learning_rate, self.weight)
                req.open = False
                out["lapsed"] += 1
                continue
            q = self.resident_grid[req.resident]
            cost = case_hours(float(g.skill[q]), c)
            p_resolve = resolve_probability(g.skill[q], g.coordination[q], req.complex)
            served = False
            crew = self.crews[q]
            while next_worker[q] < len(crew):
                if crew[next_worker[q]].take(cost):
                    served = True
                    break
                next_worker[q] += 1
            if not served and org_left[q] >= 1.0:
                org_left[q] -= 1.0
                served = True
            if not served and w.villages.platform[g.village[q]]:
                members = self.members[q]
                while next_member[q] < len(members):
                    member = members[next_member[q]]
                    if member.has(c.party_need_hours):
                        member.give(c.party_need_hours)
                        member.claims += 1
                        out["claimed"] += 1
                        served = True
                        p_resolve = c.party_resolution
                        break
                    next_member[q] += 1
            if not served:
                continue
            ok = uniform(key, GOVERNANCE_SLOTS.RESOLVE, QUEUE_DRAW_OFFSET + req.seq) < p_resolve
            learn_institutions(res, service_performance(ok, wait, c), c.trust_learning_rate,
                               self.weight)  # fmt: skip
            req.open = False
            out["answered"] += 1
            out["resolved"] += ok
            out["wait_sum"] += wait
        while self.queue and not self.queue[0].open:
            self.queue.popleft()
        out["backlog"] = float(sum(1 for req in self.queue if req.open))

    def patrol(self, day: int, key: np.uint64, out: dict[str, float]) -> None:
        """Every gridworker on duty checks buildings with the hours left, grid by grid, on
        the route the patrol rule gives."""
        c = self.consts
        b = self.world.buildings
        residents, landlords = self.model.residents, self.model.landlords
        counter = 0  # numbers the checks of the day across grids
        for q, buildings in enumerate(self.grid_buildings):
            if not buildings:
                continue
            cost = check_hours(float(self.world.grids.skill[q]), c)
            for worker in self.crews[q]:
                for _ in range(int(worker.left / cost)):
                    bld = self.choose_building(worker, buildings, day, key, counter)
                    counter += 1
                    worker.checks += 1
                    out["inspections"] += 1
                    assoc = landlords[b.owner[bld]].association
                    persuade = persuade_probability(assoc, worker.knowledge, c)
                    found = 0
                    for row in self.building_residents[bld]:
                        res = residents[row]
                        if not res.registered:
                            res.registered = True
                            out["registered"] += 1
                        if res.charging == CHARGE_INDOOR:
                            if uniform(key, GOVERNANCE_SLOTS.PERSUADE, row) < persuade:
                                res.charging = CHARGE_OUTDOOR
                                out["persuaded"] += 1
                            else:
                                found += 1
                    if b.three_in_one[bld]:
                        u = uniform(key, GOVERNANCE_SLOTS.REFER, counter)
                        if u < c.three_in_one_enforcement:
                            b.three_in_one[bld] = False
                            out["referred"] += 1
                        else:
                            found += 1
                    b.last_check[bld] = day
                    b.hazards_seen[bld] = found

    def choose_building(self, worker: Gridworker, buildings: list[int], day: int,
                        key: np.uint64, counter: int) -> int:  # fmt: skip
        """The gridworker's next building: at random, the most hazardous on the grid's record
        not checked lately (risk-targeted, as far as the gridworker knows the grid), or the
        next on their round."""
        c = self.consts
        b = self.world.buildings
        if c.patrol_route == RANDOM_ROUTE:
            u = uniform(key, GOVERNANCE_SLOTS.INSPECT, counter)
            return buildings[int(u * len(buildings))]
        if (c.patrol_route == RISK_TARGETED
                and uniform(key, GOVERNANCE_SLOTS.ROUTE, counter) < worker.knowledge):  # fmt: skip
            best, pick = 0, -1
            for bld in buildings:
                seen = int(b.hazards_seen[bld])
                if seen > best and day - int(b.last_check[bld]) >= c.recheck_days:
                    pick, best = bld, seen
            if pick >= 0:
                return pick
        bld = buildings[worker.route_pos % len(buildings)]
        worker.route_pos += 1
        return bld

    def end_day(self, out: dict[str, float]) -> None:
        """Every gridworker on duty ends the day (grid by grid): hours and strain, quitting."""
        self.quits_today = 0
        for q, crew in enumerate(self.crews):
            for worker in crew:
                out["case_hours"] += worker.hours_cases
                if worker.hours > 0.0:
                    out["utilisation_sum"] += worker.hours_cases / worker.hours
                worker.asked_today = self.asked[q] / len(crew)
                worker.step()
        out["quits"] = float(self.quits_today)
