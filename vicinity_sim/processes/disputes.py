"""Disputes: neighbour and tenancy disputes, grassroots mediation or a police incident.

Each building produces neighbour disputes (noise, parking, e-bikes in corridors) at a rate per
household that grows with crowding and indoor e-bike charging and falls with its residents'
trust in each other and with the share of them who keep the village rules (村规民约, a norm
residents adopt, :mod:`~vicinity_sim.processes.rules`):

    neighbour rate ∝ … · (1 − rules_norm_effect · share of the building's residents keeping them);

tenant households also
have tenancy disputes with their landlord (arrears, deposits, rent rises), at a rate that grows
with the household's rent burden,

    tenancy rate of household h = tenancy rate · (burden_h / burden_reference)^elasticity

(a household whose burden is not known, e.g. with the housing mechanism switched off, counts
at the reference burden). E-bikes parked in the lanes around a block (those of its residents
who do not charge indoors) crowd the lanes: a building's neighbour disputes are scaled by

    lane factor of block k = (1 + lane_weight · d_k) / (1 + lane_weight · d_reference),

``d_k`` the e-bikes parked per metre of the block's lanes today, so moving chargers out of the
buildings trades disputes over corridors and cables for disputes over lane space. The parties
of a neighbour dispute are residents of
two households of the building; those of a tenancy dispute are a tenant and the landlord's
household (an absentee landlord is not a party for trust). A dispute is settled at the
grassroots (the 枫桥经验) if one of the available channels succeeds:

    P(grassroots) = 1 − Π_k (1 − m_k)

over informal settlement, the gridworker (scaled by skill, effort and time not lost to
duplicated reporting; a placeholder for the gridworkers' choice, which takes none of their
hours), a party member who mediates, the grid's council and tea parties, the landlord
association (tenancy disputes), acquaintance between the parties (scaled by tie strength), an
appeal to the village rules (when both parties keep them), and camera evidence. Otherwise it
escalates into a police incident (警情).

**A party member mediates** only if one is within reach and has ``party_mediation_hours``
left (they spend them whether or not the mediation succeeds): first the member assigned to
either party's household (百联千户; asked even when they lack the time), then resident members
living in the building's block, in row order, who know either party (a tie) or, where the grid
has vanguard teams, any of them (mediating in their block is part of vanguard duty).

A settled dispute is a small positive experience of
the institutions for both parties; an escalated one is a negative experience of each other (of
the other group, if the parties' groups differ) and weakens any tie between them. The trust in
a building is its residents' generalised trust (own and other group weighted by composition).

Levers read here: grids' ``effort``, ``skill``, ``duplication_loss``, ``vanguard``,
``council``, ``tea_parties_per_month``, ``cameras``; landlords' ``association``. State read:
residents' ``ebike`` and ``charging`` (e-bikes in the lanes) and ``holds_rules``, blocks'
``frontage_m`` (the length of their lanes: the plan's lattice, or measured around real
footprints), households' ``rent_burden`` and ``pair_member``, party members' hours.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.dispatch import KernelCall
from vicinity_sim.learning import experience, experience_at, generalised_trust
from vicinity_sim.numerics import event_probability
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import CHARGE_INDOOR, IN_GROUP, LOCAL, MEMBER_ACTIVE, OUT_GROUP
from vicinity_sim.world.ties import find_slot, group_members, weaken_tie

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("disputes")
class DisputeSlot(IntEnum):
    """Slots of the disputes stream's draws."""

    DISPUTE = 0
    KIND = 1
    PARTY_A = 2
    PARTY_B = 3
    MEDIATE = 4


class DisputesParams(ParamModel):
    """Dispute rates and mediation channels."""

    neighbour_disputes_per_household_year: float = param(
        0.008, unit="1/(household·year)", ge=0.0, le=10.0,
        doc="Neighbour disputes per household per year at reference crowding and full trust.",
        source="assumption: with the defaults, ~540 police incidents a year in a 37,500-resident "
        "village before the program (urban villages have ~60% of Xiamen's public-security "
        "cases, deputy mayor 2025)",
    )  # fmt: skip
    crowding_reference: float = param(
        1.2, unit="persons/room", gt=0.0, le=20.0,
        doc="Occupants per rental unit at which crowding neither raises nor lowers disputes.",
        source="assumption",
    )  # fmt: skip
    crowding_exponent: float = param(
        1.0, unit="1", ge=0.0, le=5.0, doc="Elasticity of disputes with crowding.",
        source="assumption",
    )  # fmt: skip
    ebike_weight: float = param(
        1.0, unit="1", ge=0.0, le=20.0,
        doc="Disputes rise by weight × indoor chargers per occupant (corridors, cables).",
        source="assumption",
    )  # fmt: skip
    distrust_weight: float = param(
        2.0, unit="1", ge=0.0, le=20.0,
        doc="Disputes rise by weight × (1 − mean interpersonal trust in the building).",
        source="assumption",
    )  # fmt: skip
    rules_norm_effect: float = param(
        0.15, unit="1", ge=0.0, le=1.0, range=(0.0, 0.3), prior="uniform",
        doc="Share of a building's neighbour disputes avoided when all its residents keep the "
        "village rules (in proportion to the share who do).",
        source="docs/sources.md §mediation: a peer-led norm campaign cut school conflicts by "
        "25%, not significant (Paluck, Shepherd & Aronow 2016, corrected 2018); a written "
        "rule is a weaker referent, so below that",
    )  # fmt: skip
    tenancy_disputes_per_tenant_household_year: float = param(
        0.005, unit="1/(household·year)", ge=0.0, le=10.0,
        doc="Tenancy disputes per tenant household per year at the reference rent burden.",
        source="assumption",
    )  # fmt: skip
    tenancy_burden_reference: float = param(
        0.26, unit="1", gt=0.0, le=10.0,
        doc="Rent burden (housing cost over income) at which a tenant household has the "
        "tenancy dispute rate above.",
        source="assumption: about the mean tenant burden at the start of the default village, "
        "so the default number of tenancy disputes is unchanged on average",
    )  # fmt: skip
    tenancy_burden_elasticity: float = param(
        1.0, unit="1", ge=0.0, le=5.0,
        doc="Elasticity of a tenant household's tenancy dispute rate with its rent burden "
        "(0: every tenant household has the same rate).",
        source="assumption: arrears and rent rises, the common tenancy disputes, come with "
        "high burdens",
    )  # fmt: skip
    lane_ebike_weight: float = param(
        1.0, unit="m/bike", ge=0.0, le=100.0,
        doc="Neighbour disputes scale with 1 + weight × e-bikes parked per metre of the "
        "block's lanes (relative to the reference density).",
        source="assumption: parking and e-bikes in the lanes are a common neighbour dispute "
        "(seed: 消防通道 blocked); effect kept modest",
    )  # fmt: skip
    lane_ebike_reference: float = param(
        0.15, unit="bikes/m", ge=0.0, le=100.0,
        doc="E-bikes parked per metre of lane at which the lane factor is 1.",
        source="assumption: about the mean density in the default village at the start "
        "(e-bikes not charged indoors over the lanes around each block), so the default "
        "number of neighbour disputes is unchanged on average",
    )  # fmt: skip
    informal_settlement: float = param(
        0.1, unit="1", ge=0.0, le=1.0,
        doc="Probability the parties settle by themselves or through neighbours.",
        source="assumption",
    )  # fmt: skip
    gridworker_mediation: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Mediation success of a gridworker at full skill, effort and time.",
        source="assumption",
    )  # fmt: skip
    party_mediation: float = param(
        0.5, unit="1", ge=0.0, le=1.0, range=(0.3, 0.8), prior="uniform",
        doc="Mediation success of a party member who mediates.",
        source="assumption: lay mediators with the time for it; below the 95–98% success "
        "people's mediation reports, which subsidies per case inflate (兰荣杰 2018, "
        "docs/sources.md §mediation)",
    )  # fmt: skip
    party_mediation_hours: float = param(
        3.0, unit="h/dispute", gt=0.0, le=100.0, range=(1.0, 8.0), prior="loguniform",
        doc="Hours a party member spends mediating a dispute.",
        source="assumption: a visit to each party and a talk together",
    )  # fmt: skip
    council_mediation: float = param(
        0.3, unit="1", ge=0.0, le=1.0, doc="Mediation success of a resident council.",
        source="assumption",
    )  # fmt: skip
    tea_party_mediation: float = param(
        0.2, unit="1", ge=0.0, le=1.0,
        doc="Mediation success of tea parties held at least monthly.", source="assumption",
    )  # fmt: skip
    association_mediation: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Mediation success of the landlord association in tenancy disputes.",
        source="assumption",
    )  # fmt: skip
    acquaintance_mediation: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Settlement between acquainted parties, per unit of tie strength.",
        source="assumption",
    )  # fmt: skip
    rules_mediation: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Settlement by appeal to the village rules when both parties keep them.",
        source="assumption: a shared written rule settles some disputes without a mediator, "
        "fewer than a party member's mediation (disputes.party_mediation)",
    )  # fmt: skip
    camera_mediation: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Settlement helped by camera evidence.", source="assumption",
    )  # fmt: skip
    settlement_trust_effect: float = param(
        0.05, unit="1", ge=0.0, le=1.0,
        doc="Learning rate of a settled dispute, a positive institutional experience.",
        source="assumption",
    )  # fmt: skip
    escalation_trust_effect: float = param(
        0.1, unit="1", ge=0.0, le=1.0,
        doc="Learning rate of an escalated dispute, a negative experience of one's neighbours.",
        source="assumption",
    )  # fmt: skip
    escalation_tie_loss: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Tie strength lost between the parties of an escalated dispute.",
        source="assumption",
    )  # fmt: skip


DisputesConsts = consts_class(DisputesParams)


class DisputeSections(NamedTuple):
    """The parameter sections a dispute uses: its own, the shared trust and ties ones."""

    disputes: Any
    trust: Any
    ties: Any


class DisputeIndex(NamedTuple):
    """Households and residents of each building, and residents of each household (CSR)."""

    bld_hh_ptr: np.ndarray
    bld_hh: np.ndarray
    bld_res_ptr: np.ndarray
    bld_res: np.ndarray
    hh_ptr: np.ndarray


class DisputeDrivers(NamedTuple):
    """Today's drivers of disputes that are not in the tables, and cached crowding.

    Attributes:
        parked: E-bikes parked in each block's lanes today (:func:`lane_factor`; the lanes'
            length is the blocks' ``frontage_m``).
        tenancy: Each household's tenancy dispute rate relative to the reference (0: owner).
        max_tenancy: The largest of them.
        outgroup_share: Share of a village's residents outside each group (n_villages, 3).
        crowd: Each building's crowding factor, computed for ``crowd_rooms`` rooms (-1: not
            yet); recomputed when the building's rooms differ.
        crowd_rooms: See ``crowd``.
    """

    parked: np.ndarray
    tenancy: np.ndarray
    max_tenancy: float
    outgroup_share: np.ndarray
    crowd: np.ndarray
    crowd_rooms: np.ndarray


# -- formulas (the reference engine runs the same functions as Python) ------------------------


@njit(cache=True, inline="always")
def tenancy_weight(group, burden, c):
    """A household's tenancy dispute rate relative to the reference: 0 for local villagers
    (owners), ``(burden / reference)^elasticity`` for tenants, 1 for tenants whose burden is
    not known (0, e.g. with housing switched off)."""
    if group == LOCAL:
        return 0.0
    if burden > 0:
        return (burden / c.tenancy_burden_reference) ** c.tenancy_burden_elasticity
    return 1.0


@njit(cache=True, inline="always")
def lane_factor(parked, frontage_m, c):
    """A block's neighbour-dispute factor from the e-bikes parked along its lanes."""
    return (1.0 + c.lane_ebike_weight * (parked / frontage_m)) / (
        1.0 + c.lane_ebike_weight * c.lane_ebike_reference
    )


@njit(cache=True, inline="always")
def crowding(occupants, rooms, c):
    """A building's crowding factor: occupants per room relative to the reference, to the
    elasticity."""
    return (occupants / rooms / c.crowding_reference) ** c.crowding_exponent


@njit(cache=True, inline="always")
def rules_factor(held_share, c):
    """Share of a building's neighbour disputes left where ``held_share`` of its residents
    keep the village rules."""
    return 1.0 - c.rules_norm_effect * held_share


@njit(cache=True, inline="always")
def neighbour_rate(households, crowd, indoor, occupants, trust, rules, lane, c):
    """A building's daily rate of neighbour disputes: per household, raised by crowding,
    indoor chargers and e-bikes in the lanes, lowered by trust and village rules."""
    rate = (c.neighbour_disputes_per_household_year / 365.0 * households * crowd
            * (1.0 + c.ebike_weight * indoor / occupants))  # fmt: skip
    rate *= (1.0 + c.distrust_weight * (1.0 - trust)) * rules
    return rate * lane


@njit(cache=True, inline="always")
def tenancy_rate(weights, c):
    """A building's daily rate of tenancy disputes: its tenant households weighted by their
    rent burden."""
    return c.tenancy_disputes_per_tenant_household_year / 365.0 * weights


@njit(cache=True, inline="always")
def unsettled_probability(skill, effort, duplication_loss, party, council, tea, association,
                          tie_w, rules_held, cameras, c):  # fmt: skip
    """Probability that every mediation channel available to a dispute fails.

    Args:
        skill, effort, duplication_loss: The grid's gridworkers.
        party: A party member mediates.
        council: The grid has a resident council.
        tea: Tea parties per month in the grid.
        association: A tenancy dispute with a member of the landlord association.
        tie_w: Strength of the parties' tie (0 without one).
        rules_held: Both parties keep the village rules.
        cameras: The grid has cameras.
        c: :data:`DisputesConsts`.
    """
    keep = 1.0 - c.informal_settlement
    keep *= 1.0 - c.gridworker_mediation * skill * effort * (1.0 - duplication_loss)
    if party:
        keep *= 1.0 - c.party_mediation
    if council:
        keep *= 1.0 - c.council_mediation
    keep *= 1.0 - c.tea_party_mediation * min(tea, 1.0)
    if association:
        keep *= 1.0 - c.association_mediation
    keep *= 1.0 - c.acquaintance_mediation * tie_w
    if rules_held:
        keep *= 1.0 - c.rules_mediation
    if cameras:
        keep *= 1.0 - c.camera_mediation
    return keep


@njit(cache=True, inline="always")
def escalation_column(group_a, group_b):
    """The trust column an escalation between two residents moves: own group or other."""
    return IN_GROUP if group_a == group_b else OUT_GROUP


# -- kernels -------------------------------------------------------------------------------


@njit(cache=True)
def find_mediator(i, j, h_i, h_j, blk, vanguard, m, pair_member, ties_to, cost):
    """The party member who mediates a dispute between residents ``i`` and ``j`` (of
    households ``h_i``, ``h_j``) in block ``blk``, or -1: the member assigned to either
    household if they have the time (asked even if not), else the first resident member of
    the block with the time who knows either party or, on vanguard duty, any of them. The
    member's hours are not spent here."""
    m_status = m.status
    m_hours_left = m.hours_left
    m_resident = m.resident
    m_block = m.block
    m_asked_week = m.asked_week
    for side in range(2):
        h = h_i if side == 0 else h_j
        if side == 1 and h_j == h_i:
            break
        k = pair_member[h]
        if k < 0 or m_status[k] != MEMBER_ACTIVE or m_resident[k] == i or m_resident[k] == j:
            continue
        m_asked_week[k] += cost
        if m_hours_left[k] >= cost:
            return k
    for k in range(len(m_status)):
        res = m_resident[k]
        if res < 0 or res == i:
            continue
        if res == j or m_status[k] != MEMBER_ACTIVE or m_block[k] != blk:
            continue
        if m_hours_left[k] < cost:
            continue
        knows = find_slot(ties_to, res, i) >= 0 or (j != i and find_slot(ties_to, res, j) >= 0)
        if vanguard or knows:
            m_asked_week[k] += cost
            return k
    return -1


@njit(cache=True)
def tenancy_weights(hh, c):
    """Every household's tenancy weight (:func:`tenancy_weight`)."""
    hh_group = hh.group
    hh_rent_burden = hh.rent_burden
    out = np.empty(len(hh_group))
    for h in range(len(out)):
        out[h] = tenancy_weight(hh_group[h], hh_rent_burden[h], c)
    return out


@njit(cache=True)
def parked_ebikes(res_block, ebike, charging, n_blocks):
    """E-bikes of each block's residents not charged indoors (parked in its lanes).

    Counted without a branch per resident: whether a resident owns an e-bike and where it is
    charged vary from one resident to the next with no pattern a processor could predict,
    and migration leaves the residents of a block scattered over the table.
    """
    out = np.zeros(n_blocks, dtype=np.int64)
    for i in range(len(res_block)):
        out[res_block[i]] += ebike[i] & (charging[i] != CHARGE_INDOOR)
    return out


@njit(cache=True)
def lane_factors(parked, frontage_m, c):
    """Every block's lane factor (:func:`lane_factor`)."""
    out = np.empty(len(parked))
    for k in range(len(out)):
        out[k] = lane_factor(parked[k], frontage_m[k], c)
    return out


@njit(cache=True)
def disputes_day(key, sections, b, bl, g, m, ll, hh, r, ties, index, drivers):
    """One day of disputes in every building; returns [disputes, grassroots, police, party
    mediations].

    Args:
        key: The day's stream key.
        sections: :class:`DisputeSections`.
        b, bl, g, m, ll, hh, r, ties: Buildings, blocks, grids, party members (hours spent
            mediating), landlords, households, residents (``trust_inst`` and ``trust_inter``
            updated) and ties (weakened).
        index: :class:`DisputeIndex`.
        drivers: :class:`DisputeDrivers` (its crowding cache is updated).

    A dispute is rare (about one building in a thousand a day), so a building whose draw is
    well above an upper bound of its probability is passed over without summing its
    residents' trust and households: the bound takes the largest lane factor, every resident
    as charging indoors and none keeping the village rules, every household as a tenant at the
    highest tenancy weight and the building's trust as the lowest anyone holds. The
    probability ``1 − exp(−total)`` is at most ``total``, and the bound is at least ``total``
    up to rounding, so ``draw ≥ 2 · bound`` decides exactly as the full computation would.
    The shortcut is off if any trust is NaN or a rate is negative.
    """
    b_block = b.block
    b_grid = b.grid
    b_owner = b.owner
    b_rooms = b.rooms
    g_cameras = g.cameras
    g_council = g.council
    g_duplication_loss = g.duplication_loss
    g_effort = g.effort
    g_skill = g.skill
    g_tea_parties_per_month = g.tea_parties_per_month
    g_vanguard = g.vanguard
    ll_association = ll.association
    ll_household = ll.household
    hh_pair_member = hh.pair_member
    m_hours_left = m.hours_left
    r_charging = r.charging
    r_holds_rules = r.holds_rules
    r_disposition_inst = r.disposition_inst
    r_disposition_inter = r.disposition_inter
    r_group = r.group
    r_trust_inst = r.trust_inst
    r_trust_inter = r.trust_inter
    r_village = r.village
    ties_to = ties.to
    ties_w = ties.w
    index_bld_hh = index.bld_hh
    index_bld_hh_ptr = index.bld_hh_ptr
    index_bld_res = index.bld_res
    index_bld_res_ptr = index.bld_res_ptr
    index_hh_ptr = index.hh_ptr
    drivers_crowd = drivers.crowd
    drivers_crowd_rooms = drivers.crowd_rooms
    drivers_lane = lane_factors(drivers.parked, bl.frontage_m, sections.disputes)
    drivers_max_lane = drivers_lane.max() if len(drivers_lane) else 0.0
    drivers_max_tenancy = drivers.max_tenancy
    drivers_outgroup_share = drivers.outgroup_share
    drivers_tenancy = drivers.tenancy
    c = sections.disputes
    inst_weight = sections.trust.institutional_experience_weight
    inter_weight = sections.trust.interpersonal_experience_weight
    out = np.zeros(4, dtype=np.int64)
    low = 0.0  # lowest trust held by anyone, less a margin far above rounding errors
    defined = True
    for i in range(r_trust_inter.shape[0]):
        for k in range(r_trust_inter.shape[1]):
            x = r_trust_inter[i, k]
            if x < low:
                low = x
            elif x != x:
                defined = False
    low -= 1e-6
    shortcut = (defined and c.neighbour_disputes_per_household_year >= 0.0
                and c.ebike_weight >= 0.0 and c.distrust_weight >= 0.0
                and c.tenancy_disputes_per_tenant_household_year >= 0.0)  # fmt: skip
    for k in range(len(b_rooms)):
        lo, hi = index_bld_res_ptr[k], index_bld_res_ptr[k + 1]
        occ = hi - lo
        n_hh = index_bld_hh_ptr[k + 1] - index_bld_hh_ptr[k]
        if occ < 2 or n_hh == 0:
            continue
        if drivers_crowd_rooms[k] != b_rooms[k]:
            drivers_crowd_rooms[k] = b_rooms[k]
            drivers_crowd[k] = crowding(occ, b_rooms[k], c)
        crowd = drivers_crowd[k]
        u = uniform(key, DisputeSlot.DISPUTE, k)
        if shortcut:
            bound = neighbour_rate(n_hh, crowd, 1, 1, low, 1.0, drivers_max_lane, c)
            bound += tenancy_rate(n_hh * drivers_max_tenancy, c)
            if bound > 0.0 and u >= 2.0 * bound:
                continue
        indoor = 0
        held = 0
        trust = 0.0
        for a in range(lo, hi):
            i = index_bld_res[a]
            indoor += r_charging[i] == CHARGE_INDOOR
            held += r_holds_rules[i]
            s = drivers_outgroup_share[r_village[i], r_group[i]]
            trust += generalised_trust(r_trust_inter[i, IN_GROUP], r_trust_inter[i, OUT_GROUP], s)
        trust /= occ
        rules = rules_factor(held / occ, c)
        tenants = 0.0  # tenant households weighted by their rent burden
        for a in range(index_bld_hh_ptr[k], index_bld_hh_ptr[k + 1]):
            tenants += drivers_tenancy[index_bld_hh[a]]
        neighbour = neighbour_rate(n_hh, crowd, indoor, occ, trust, rules,
                                   drivers_lane[b_block[k]], c)  # fmt: skip
        tenancy = tenancy_rate(tenants, c)
        total = neighbour + tenancy
        if u >= event_probability(total, 1.0):
            continue
        out[0] += 1
        is_tenancy = uniform(key, DisputeSlot.KIND, k) * total < tenancy
        if is_tenancy:
            # A tenant household drawn in proportion to its weight, and the landlord (absent
            # landlords take no part in the village's trust). With equal weights this is the
            # k-th tenant, k = ⌊u · tenants⌋.
            target = uniform(key, DisputeSlot.PARTY_A, k) * tenants
            cum = 0.0
            h = -1
            for a in range(index_bld_hh_ptr[k], index_bld_hh_ptr[k + 1]):
                if drivers_tenancy[index_bld_hh[a]] > 0.0:
                    h = index_bld_hh[a]  # the last tenant, should rounding leave cum ≤ target
                    cum += drivers_tenancy[h]
                    if cum > target:
                        break
            i = index_hh_ptr[h]
            owner_hh = ll_household[b_owner[k]]
            j = index_hh_ptr[owner_hh] if owner_hh >= 0 else i
        else:
            # Two residents of different households of the building.
            i = index_bld_res[lo + int(uniform(key, DisputeSlot.PARTY_A, k) * occ)]
            start = int(uniform(key, DisputeSlot.PARTY_B, k) * occ)
            hi_ = _household_of(index_hh_ptr, i)
            j = i  # a single household's dispute with the building at large, unless ...
            for step in range(occ):  # ... another household lives there
                cand = index_bld_res[lo + (start + step) % occ]
                if _household_of(index_hh_ptr, cand) != hi_:
                    j = cand
                    break
        grid = b_grid[k]
        cost = c.party_mediation_hours
        mediator = find_mediator(i, j, _household_of(index_hh_ptr, i),
                                 _household_of(index_hh_ptr, j), b_block[k], g_vanguard[grid],
                                 m, hh_pair_member, ties_to, cost)  # fmt: skip
        if mediator >= 0:
            m_hours_left[mediator] -= cost
            m.spent_week[mediator] += cost
            m.hours_total[mediator] += cost
            m.mediations[mediator] += 1
            out[3] += 1
        tie_w = 0.0
        if i != j:
            slot = find_slot(ties_to, i, j)
            if slot >= 0:
                tie_w = ties_w[i, slot]
        keep = unsettled_probability(
            g_skill[grid], g_effort[grid], g_duplication_loss[grid], mediator >= 0,
            g_council[grid], g_tea_parties_per_month[grid],
            is_tenancy and ll_association[b_owner[k]], tie_w,
            r_holds_rules[i] and r_holds_rules[j], g_cameras[grid], c,
        )  # fmt: skip
        if uniform(key, DisputeSlot.MEDIATE, k) >= keep:
            out[1] += 1
            experience(r_trust_inst, r_disposition_inst, i, 1.0, c.settlement_trust_effect,
                       inst_weight)  # fmt: skip
            if j != i:
                experience(r_trust_inst, r_disposition_inst, j, 1.0, c.settlement_trust_effect,
                           inst_weight)  # fmt: skip
        else:
            out[2] += 1
            if j != i:  # a bad experience of each other (none without a counterpart)
                col = escalation_column(r_group[i], r_group[j])
                for x in (i, j):
                    experience_at(r_trust_inter, r_disposition_inter, x, col, 0.0,
                                  c.escalation_trust_effect, inter_weight)  # fmt: skip
                weaken_tie(ties_to, ties_w, i, j, c.escalation_tie_loss, sections.ties.floor)
    return out


@njit(cache=True, inline="always")
def _household_of(hh_ptr, i):
    """Household of resident ``i`` (residents are stored household by household)."""
    return np.searchsorted(hh_ptr, i, side="right") - 1


@register
class Disputes(Process):
    """Neighbour and tenancy disputes, mediation and police incidents."""

    name = "disputes"
    reads = (
        "buildings.rooms",
        "buildings.grid",
        "buildings.owner",
        "buildings.block",
        "blocks.frontage_m",
        "households.building",
        "households.group",
        "households.rent_burden",
        "households.pair_member",
        "households.size",
        "residents.building",
        "residents.charging",
        "residents.ebike",
        "residents.trust_inter",
        "residents.disposition_inter",
        "residents.trust_inst",
        "residents.disposition_inst",
        "residents.village",
        "residents.group",
        "residents.holds_rules",
        "ties.to",
        "ties.w",
        "grids.effort",
        "grids.skill",
        "grids.duplication_loss",
        "grids.vanguard",
        "grids.council",
        "grids.tea_parties_per_month",
        "grids.cameras",
        "landlords.association",
        "landlords.household",
        "party_members.status",
        "party_members.block",
        "party_members.resident",
        "party_members.hours_left",
        "party_members.spent_week",
        "party_members.asked_week",
        "party_members.hours_total",
        "party_members.mediations",
    )
    writes = (
        "residents.trust_inst",
        "residents.trust_inter",
        "ties.to",
        "ties.w",
        "party_members.hours_left",
        "party_members.spent_week",
        "party_members.asked_week",
        "party_members.hours_total",
        "party_members.mediations",
    )
    after = ("contacts", "governance")
    Params = DisputesParams
    metrics = {
        "disputes": "Disputes arising today.",
        "disputes_grassroots": "Disputes settled at the grassroots today.",
        "police_incidents": "Disputes that escalated into police incidents today.",
        "disputes_party_mediated": "Disputes a party member mediated today.",
    }

    def __init__(self, model: VicinityModel, params: DisputesParams) -> None:
        super().__init__(model, params)
        w = self.world
        spec = model.spec
        self.consts = params.consts()
        self.sections = DisputeSections(self.consts, spec.trust.consts(), spec.ties.consts())
        n_b = len(w.buildings)
        self._index_residence()
        self._crowd = np.zeros(n_b)
        self._crowd_rooms = np.full(n_b, -1, dtype=np.int64)  # none computed yet
        self._burden = np.full(len(w.households), np.nan)  # burdens the weights were made for
        self._tenancy = np.zeros(len(w.households))
        self._max_tenancy = 0.0
        self._disputes_day = KernelCall(disputes_day)

    def _index_residence(self) -> None:
        """Who lives where: households and residents by building, each resident's block (the
        lanes of a block are its village's); rebuilt when newcomers take units in other
        buildings."""
        w = self.world
        n_b = len(w.buildings)
        self.index = DisputeIndex(
            *group_members(w.households.building.astype(np.int64), n_b),
            w.residence().ptr,  # residents by building: the world's index
            w.residence().members,
            np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64),
        )
        self.res_block = w.buildings.block[w.residents.building].astype(np.int64)
        self._moves = w.moves

    def parked(self) -> np.ndarray:
        """E-bikes parked in each block's lanes today (those not charged indoors)."""
        r = self.world.residents
        return parked_ebikes(self.res_block, r.ebike, r.charging, len(self.world.blocks))

    def lane_factors(self) -> tuple[np.ndarray, float]:
        """Today's lane factor of every block and the largest."""
        factors = lane_factors(self.parked(), self.arrays("blocks").frontage_m, self.consts)
        return factors, float(factors.max()) if len(factors) else 0.0

    def tenancy_weights(self) -> tuple[np.ndarray, float]:
        """Households' tenancy weights and their largest, recomputed when burdens change
        (monthly, with housing)."""
        hh = self.world.households
        if not np.array_equal(hh.rent_burden, self._burden):
            self._burden[:] = hh.rent_burden
            self._tenancy = tenancy_weights(self.arrays("households"), self.consts)
            self._max_tenancy = float(self._tenancy.max()) if len(self._tenancy) else 0.0
        return self._tenancy, self._max_tenancy

    def _drivers(self) -> DisputeDrivers:
        """Today's drivers: the same bundle as yesterday while its arrays and numbers stand
        (today's parked e-bikes are written into it), so the compiled call need not type a
        new one each day."""
        tenancy, max_tenancy = self.tenancy_weights()
        parked = self.parked()
        outgroup = self.world.outgroup_share()
        kept = self.__dict__.get("_kept_drivers")
        if (
            kept is None
            or len(kept.parked) != len(parked)
            or kept.tenancy is not tenancy
            or kept.max_tenancy != max_tenancy
            or kept.outgroup_share is not outgroup
            or kept.crowd is not self._crowd
            or kept.crowd_rooms is not self._crowd_rooms
        ):
            kept = self._kept_drivers = DisputeDrivers(
                parked, tenancy, max_tenancy, outgroup, self._crowd, self._crowd_rooms
            )
        else:
            kept.parked[:] = parked
        return kept

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        if self._moves != w.moves:
            self._index_residence()
            self._crowd_rooms[:] = -1  # occupants changed: crowding to compute again
        drivers = self._drivers()
        out = self._disputes_day(
            key, self.sections, self.arrays("buildings"), self.arrays("blocks"),
            self.arrays("grids"), self.arrays("party_members"), self.arrays("landlords"),
            self.arrays("households"),
            self.arrays("residents"), self.arrays("ties"),
            self.index, drivers,
        )  # fmt: skip
        return {
            "disputes": float(out[0]),
            "disputes_grassroots": float(out[1]),
            "police_incidents": float(out[2]),
            "disputes_party_mediated": float(out[3]),
        }
