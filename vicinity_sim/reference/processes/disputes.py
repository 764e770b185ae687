"""Disputes in the reference model: neighbour and tenancy disputes, mediation or the police.

Mirrors :mod:`vicinity_sim.processes.disputes` over agents. Every day, building by building:

1. The building's dispute rate: neighbour disputes per household grow with crowding, indoor
   e-bike charging and the e-bikes parked in the lanes around its block, and fall with its
   residents' generalised trust and with the share of them keeping the village rules; each
   tenant household adds tenancy
   disputes with the landlord, at a rate that grows with its rent burden.
2. If a dispute arises, its parties are drawn: the first member of a tenant household (drawn
   in proportion to its tenancy rate) and the landlord's household's first member (an
   absentee landlord is no party), or two residents of different households of the building.
3. A party member mediates if one within reach has the time: the member assigned to either
   party's household, else a resident member of the block who knows a party (or any, on
   vanguard duty); the member spends the hours.
4. It is settled at the grassroots (枫桥经验) unless every available channel fails —
   informal settlement, the gridworker, the party member, council, tea parties, the landlord
   association, acquaintance between the parties, the village rules (both parties keep them),
   cameras — and otherwise escalates into a police incident.
5. Settled: a small positive experience of the institutions for both parties. Escalated: a
   negative experience of each other (of the other group if their groups differ) and a
   weaker tie between them.

Buildings are taken in order and trust is read as it stands, so an escalation in one
building already lowers the trust that sets the next building's rate, as in the fast kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.learning import generalised_trust
from vicinity_sim.numerics import event_probability
from vicinity_sim.processes import disputes
from vicinity_sim.processes.disputes import DisputeSlot, DisputesParams
from vicinity_sim.reference.learning import experience, learn_institutions
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.ties import find_slot, weaken_tie
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, IN_GROUP, LOCAL, MEMBER_ACTIVE, OUT_GROUP

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import PartyMember, Resident
    from vicinity_sim.reference.model import ReferenceModel

DISPUTE_SLOTS = slot_numbers(DisputeSlot)
# The fast process's formulas, run as Python.
tenancy_weight = disputes.tenancy_weight.py_func
lane_factor = disputes.lane_factor.py_func
crowding = disputes.crowding.py_func
rules_factor = disputes.rules_factor.py_func
neighbour_rate = disputes.neighbour_rate.py_func
tenancy_rate = disputes.tenancy_rate.py_func
unsettled = disputes.unsettled_probability.py_func
escalation_column = disputes.escalation_column.py_func
generalised = generalised_trust.py_func


@reference_process
class Disputes(ReferenceProcess):
    """Neighbour and tenancy disputes, mediation and police incidents."""

    name = "disputes"

    def __init__(self, model: ReferenceModel, params: DisputesParams) -> None:
        super().__init__(model, params)
        spec = model.spec
        self.consts = params.consts()
        self.inst_weight = spec.trust.institutional_experience_weight
        self.inter_weight = spec.trust.interpersonal_experience_weight
        self.tie_floor = spec.ties.floor
        w = self.world
        self._index_residence()
        # Share of a village outside each group, weighting own- and other-group trust into
        # generalised trust (fixed: leavers are replaced by newcomers of the same group).
        self.outgroup: list[list[float]] = w.outgroup_share().tolist()

    def _index_residence(self) -> None:
        """Who lives where (households keep their rows; newcomers may take units in other
        buildings, and then this is taken again). Residents and households are listed in row
        order, as the kernel takes them."""
        w, model = self.world, self.model
        self.building_residents: list[list[int]] = [[] for _ in range(len(w.buildings))]
        self.household_members: list[list[int]] = [[] for _ in range(len(w.households))]
        for res in model.residents:
            self.building_residents[res.building].append(res.row)
            self.household_members[res.household].append(res.row)
        self.building_households: list[list[int]] = [[] for _ in range(len(w.buildings))]
        for h, b in enumerate(w.households.building):
            self.building_households[int(b)].append(h)
        self._moves = w.moves

    def lane_factors(self) -> list[float]:
        """Today's neighbour-dispute factor of each block from the e-bikes its residents park
        in its lanes (those not charged indoors) per metre of lane."""
        w = self.world
        c = self.consts
        parked = [0] * len(w.blocks)
        for res in self.model.residents:
            if res.ebike and res.charging != CHARGE_INDOOR:
                parked[int(w.buildings.block[res.building])] += 1
        factors = []
        for k in range(len(w.blocks)):
            factors.append(lane_factor(parked[k], float(w.blocks.frontage_m[k]), c))
        return factors

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        self.lane = self.lane_factors()
        self.mediated = 0
        disputes = grassroots = police = 0
        for b in range(len(self.building_residents)):
            outcome = self.building_day(key, b)
            if outcome is None:
                continue
            disputes += 1
            if outcome:
                grassroots += 1
            else:
                police += 1
        return {
            "disputes": float(disputes),
            "disputes_grassroots": float(grassroots),
            "police_incidents": float(police),
            "disputes_party_mediated": float(self.mediated),
        }

    def tenancy_weight(self, h: int) -> float:
        """Household ``h``'s tenancy dispute rate relative to the reference: 0 for a local
        villager household, (burden / reference)^elasticity for tenants (1 if the burden is
        not known)."""
        households = self.world.households
        return tenancy_weight(households.group[h], float(households.rent_burden[h]), self.consts)

    def dispute_rates(self, b: int) -> tuple[float, float, list[tuple[int, float]]]:
        """Today's neighbour and tenancy dispute rates of building ``b`` and its tenant
        households with their tenancy weights (in household order)."""
        c = self.consts
        w = self.world
        residents = self.model.residents
        rows = self.building_residents[b]
        occ = len(rows)
        indoor = held = 0
        trust = 0.0
        for row in rows:
            res = residents[row]
            indoor += res.charging == CHARGE_INDOOR
            held += res.holds_rules
            s = self.outgroup[res.village][res.group]
            trust += generalised(res.trust_inter[IN_GROUP], res.trust_inter[OUT_GROUP], s)
        trust /= occ
        households = self.building_households[b]
        tenants = [(h, self.tenancy_weight(h)) for h in households
                   if w.households.group[h] != LOCAL]  # fmt: skip
        rules = rules_factor(held / occ, c)
        crowd = crowding(occ, int(w.buildings.rooms[b]), c)
        lane = self.lane[int(w.buildings.block[b])]
        neighbour = neighbour_rate(len(households), crowd, indoor, occ, trust, rules, lane, c)
        weight = 0.0
        for _, x in tenants:
            weight += x
        return neighbour, tenancy_rate(weight, c), tenants

    def building_day(self, key: np.uint64, b: int) -> bool | None:
        """One day of disputes in building ``b``.

        Returns:
            None if no dispute arose, True if one was settled at the grassroots, False if it
            escalated into a police incident.
        """
        rows = self.building_residents[b]
        occ = len(rows)
        if occ < 2 or not self.building_households[b]:
            return None
        neighbour, tenancy, tenants = self.dispute_rates(b)
        total = neighbour + tenancy
        if uniform(key, DISPUTE_SLOTS.DISPUTE, b) >= event_probability(total, 1.0):
            return None
        is_tenancy = uniform(key, DISPUTE_SLOTS.KIND, b) * total < tenancy
        if is_tenancy:
            i, j = self.tenancy_parties(key, b, tenants)
        else:
            i, j = self.neighbour_parties(key, b)
        residents = self.model.residents
        a, other = residents[i], residents[j]
        mediator = self.find_mediator(a, other, b)
        if mediator is not None:
            mediator.give(self.consts.party_mediation_hours)
            mediator.mediations += 1
            self.mediated += 1
        if uniform(key, DISPUTE_SLOTS.MEDIATE, b) >= self.unsettled_probability(
            b, a, other, is_tenancy, mediator is not None
        ):
            c = self.consts
            learn_institutions(a, 1.0, c.settlement_trust_effect, self.inst_weight)
            if other is not a:
                learn_institutions(other, 1.0, c.settlement_trust_effect, self.inst_weight)
            return True
        if other is not a:  # a bad experience of each other (none without a counterpart)
            self.escalate(a, other)
        return False

    def tenancy_parties(
        self, key: np.uint64, b: int, tenants: list[tuple[int, float]]
    ) -> tuple[int, int]:
        """The first member of a tenant household drawn in proportion to its tenancy weight,
        and the landlord household's first member (the tenant alone if the landlord is
        absentee)."""
        total = 0.0
        for _, x in tenants:
            total += x
        target = uniform(key, DISPUTE_SLOTS.PARTY_A, b) * total
        cum = 0.0
        h = -1
        for cand, x in tenants:
            if x > 0.0:
                h = cand
                cum += x
                if cum > target:
                    break
        i = self.household_members[h][0]
        landlord = self.model.landlords[self.world.buildings.owner[b]]
        j = self.household_members[landlord.household][0] if landlord.household >= 0 else i
        return i, j

    def neighbour_parties(self, key: np.uint64, b: int) -> tuple[int, int]:
        """A random resident of the building and, searching on from a random start, the first
        resident of another household (the same resident if the building has one household)."""
        rows = self.building_residents[b]
        residents = self.model.residents
        occ = len(rows)
        i = rows[int(uniform(key, DISPUTE_SLOTS.PARTY_A, b) * occ)]
        start = int(uniform(key, DISPUTE_SLOTS.PARTY_B, b) * occ)
        for step in range(occ):
            cand = rows[(start + step) % occ]
            if residents[cand].household != residents[i].household:
                return i, cand
        return i, i

    def find_mediator(self, a: Resident, other: Resident, b: int) -> PartyMember | None:
        """The party member who mediates a dispute between ``a`` and ``other`` in building
        ``b``: the member assigned to either household if they have the time (asked even if
        not), else the first resident member of the block with the time who knows either
        party or, where the grid has vanguard teams, any of them."""
        w = self.world
        cost = self.consts.party_mediation_hours
        members = self.model.party_members
        parties = (a.row, other.row)
        households = (
            [a.household] if other.household == a.household else [a.household, other.household]
        )
        for h in households:
            row = int(w.households.pair_member[h])
            if row < 0:
                continue
            member = members[row]
            if member.status != MEMBER_ACTIVE or member.resident in parties:
                continue
            member.ask(cost)
            if member.has(cost):
                return member
        blk = int(w.buildings.block[b])
        vanguard = bool(w.grids.vanguard[int(w.buildings.grid[b])])
        residents = self.model.residents
        for member in members:
            if (member.status != MEMBER_ACTIVE or member.block != blk or member.resident < 0
                    or member.resident in parties or not member.has(cost)):  # fmt: skip
                continue
            own = residents[member.resident]
            knows = find_slot(own, a.row) >= 0 or (
                other is not a and find_slot(own, other.row) >= 0
            )
            if vanguard or knows:
                member.ask(cost)
                return member
        return None

    def unsettled_probability(
        self, b: int, a: Resident, other: Resident, is_tenancy: bool, party: bool
    ) -> float:
        """Probability that every mediation channel available to the dispute fails."""
        w = self.world
        g = int(w.buildings.grid[b])
        grids = w.grids
        association = is_tenancy and self.model.landlords[w.buildings.owner[b]].association
        tie_w = 0.0
        if other is not a:
            k = find_slot(a, other.row)
            if k >= 0:  # acquaintances settle by tie strength (a float32 value)
                tie_w = float(a.ties_w[k])
        return unsettled(
            grids.skill[g], grids.effort[g], grids.duplication_loss[g], party, grids.council[g],
            grids.tea_parties_per_month[g], association, tie_w,
            bool(a.holds_rules and other.holds_rules), grids.cameras[g], self.consts,
        )  # fmt: skip

    def escalate(self, a: Resident, other: Resident) -> None:
        """A police incident: both parties trust each other's group less, and their tie
        weakens (or breaks)."""
        c = self.consts
        col = escalation_column(a.group, other.group)
        for res in (a, other):
            res.trust_inter[col] = experience(
                res.trust_inter[col], res.disposition_inter[col], 0.0,
                c.escalation_trust_effect, self.inter_weight,
            )  # fmt: skip
        weaken_tie(a, other, c.escalation_tie_loss, self.tie_floor)
