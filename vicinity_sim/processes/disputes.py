"""Disputes: neighbour and tenancy disputes, grassroots mediation or a police incident.

Each building produces neighbour disputes (noise, parking, e-bikes in corridors) at a rate per
household that grows with crowding and indoor e-bike charging and falls with its residents'
trust in each other and with village rules that settle what is allowed; tenant households also
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
duplicated reporting), party members (where vanguard teams work or the household is paired),
the grid's council and tea parties, the landlord association (tenancy disputes), acquaintance
between the parties (scaled by tie strength), village rules, and camera evidence. Otherwise it
escalates into a police incident (警情). A settled dispute is a small positive experience of
the institutions for both parties; an escalated one is a negative experience of each other (of
the other group, if the parties' groups differ) and weakens any tie between them. The trust in
a building is its residents' generalised trust (own and other group weighted by composition).

Levers read here: grids' ``effort``, ``skill``, ``duplication_loss``, ``vanguard``,
``council``, ``tea_parties_per_month``, ``cameras``; villages' ``rules_norm``; households'
``paired``; landlords' ``association``. State read: residents' ``ebike`` and ``charging``
(e-bikes in the lanes), households' ``rent_burden``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.learning import experience, experience_at
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.streams import uniform
from vicinity_sim.world.population import CHARGE_INDOOR, LOCAL
from vicinity_sim.world.ties import find_slot, group_members, weaken_tie

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

SLOT_DISPUTE = 0
SLOT_KIND = 1
SLOT_PARTY_A = 2
SLOT_PARTY_B = 3
SLOT_MEDIATE = 4


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
    rules_effect: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Share of neighbour disputes avoided by fully owned village rules.",
        source="assumption: 村规民约 as soft law (seed)",
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
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Mediation success of party members (vanguard teams or a paired household).",
        source="assumption",
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
        doc="Settlement by appeal to fully owned village rules.", source="assumption",
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


class DisputeConsts(NamedTuple):
    neighbour_rate: float
    crowding_ref: float
    crowding_exp: float
    ebike_w: float
    distrust_w: float
    rules_effect: float
    tenancy_rate: float
    informal: float
    m_gw: float
    m_party: float
    m_council: float
    m_tea: float
    m_assoc: float
    m_tie: float
    m_rules: float
    m_camera: float
    settle_effect: float
    escalate_effect: float
    tie_loss: float
    inst_weight: float
    inter_weight: float
    tie_floor: float
    burden_ref: float
    burden_elas: float
    lane_w: float
    lane_ref: float

    @classmethod
    def from_params(
        cls, p: DisputesParams, inst_weight: float, inter_weight: float, tie_floor: float
    ) -> DisputeConsts:
        return cls(
            p.neighbour_disputes_per_household_year / 365.0, p.crowding_reference,
            p.crowding_exponent, p.ebike_weight, p.distrust_weight, p.rules_effect,
            p.tenancy_disputes_per_tenant_household_year / 365.0, p.informal_settlement,
            p.gridworker_mediation, p.party_mediation, p.council_mediation,
            p.tea_party_mediation, p.association_mediation, p.acquaintance_mediation,
            p.rules_mediation, p.camera_mediation, p.settlement_trust_effect,
            p.escalation_trust_effect, p.escalation_tie_loss, inst_weight, inter_weight,
            tie_floor, p.tenancy_burden_reference, p.tenancy_burden_elasticity,
            p.lane_ebike_weight, p.lane_ebike_reference,
        )  # fmt: skip


def tenancy_weights(group: np.ndarray, burden: np.ndarray, c: DisputeConsts) -> np.ndarray:
    """Each household's tenancy dispute rate relative to the reference: 0 for local
    villagers (owners), ``(burden / reference)^elasticity`` for tenants, 1 for tenants whose
    burden is not known (0, e.g. with housing switched off)."""
    with np.errstate(divide="ignore"):
        scaled = np.where(burden > 0, (burden / c.burden_ref) ** c.burden_elas, 1.0)
    return np.where(group != LOCAL, scaled, 0.0)


def lane_factors(parked: np.ndarray, frontage_m: np.ndarray, c: DisputeConsts) -> np.ndarray:
    """Each block's neighbour-dispute factor from the e-bikes parked along its lanes."""
    return (1.0 + c.lane_w * (parked / frontage_m)) / (1.0 + c.lane_w * c.lane_ref)


@njit(cache=True)
def disputes_day(key, c, b_rooms, b_grid, b_village, b_owner, b_block, blk_lane, max_lane,
                 bld_hh_ptr, bld_hh, hh_tenancy, max_tenancy, hh_paired, hh_ptr, bld_res_ptr,
                 bld_res, res_charging, trust_inter, disp_inter, trust_inst, disp_inst, to, w,
                 g_effort, g_skill, g_dup, g_vanguard, g_council, g_tea, g_cameras, v_rules,
                 ll_association, ll_household, res_village, res_group, outgroup_share, crowd,
                 crowd_rooms):  # fmt: skip
    """One day of disputes in every building; returns [disputes, grassroots, police].

    ``crowd[b]`` caches building b's crowding factor (a power, costly every day), computed for
    ``crowd_rooms[b]`` rooms and recomputed whenever the building's rooms differ from that
    (occupancy per building is fixed for the run: residents are grouped once).

    A dispute is rare (about one building in a thousand a day), so a building whose draw is
    well above an upper bound of its probability is passed over without summing its
    residents' trust and households: the bound takes the largest lane factor (``max_lane``),
    every resident as charging indoors,
    every household as a tenant at the highest tenancy weight (``max_tenancy``, the largest
    of ``hh_tenancy``) and the building's trust as the lowest anyone holds. The
    probability ``1 − exp(−total)`` is at most ``total``, and the bound is at least ``total``
    up to rounding, so ``draw ≥ 2 · bound`` decides exactly as the full computation would.
    The shortcut is off if any trust is NaN or a rate is negative.
    """
    out = np.zeros(3, dtype=np.int64)
    low = 0.0  # lowest trust held by anyone, less a margin far above rounding errors
    defined = True
    for r in range(trust_inter.shape[0]):
        for k in range(trust_inter.shape[1]):
            x = trust_inter[r, k]
            if x < low:
                low = x
            elif x != x:
                defined = False
    low -= 1e-6
    shortcut = (defined and c.neighbour_rate >= 0.0 and c.ebike_w >= 0.0
                and c.distrust_w >= 0.0 and c.tenancy_rate >= 0.0)  # fmt: skip
    for b in range(len(b_rooms)):
        lo, hi = bld_res_ptr[b], bld_res_ptr[b + 1]
        occ = hi - lo
        n_hh = bld_hh_ptr[b + 1] - bld_hh_ptr[b]
        if occ < 2 or n_hh == 0:
            continue
        if crowd_rooms[b] != b_rooms[b]:
            crowd_rooms[b] = b_rooms[b]
            crowd[b] = (occ / b_rooms[b] / c.crowding_ref) ** c.crowding_exp
        crowd_b = crowd[b]
        v = b_village[b]
        rules = 1.0 - c.rules_effect * v_rules[v]
        u = uniform(key, SLOT_DISPUTE, b)
        if shortcut and rules >= 0.0:
            bound = c.neighbour_rate * n_hh * crowd_b * (1.0 + c.ebike_w)
            bound *= (1.0 + c.distrust_w * (1.0 - low)) * rules
            bound *= max_lane
            bound += c.tenancy_rate * n_hh * max_tenancy
            if bound > 0.0 and u >= 2.0 * bound:
                continue
        indoor = 0
        trust = 0.0
        for a in range(lo, hi):
            indoor += res_charging[bld_res[a]] == CHARGE_INDOOR
            r = bld_res[a]
            s = outgroup_share[res_village[r], res_group[r]]
            trust += (1.0 - s) * trust_inter[r, 0] + s * trust_inter[r, 1]
        trust /= occ
        tenants = 0.0  # tenant households weighted by their rent burden
        for a in range(bld_hh_ptr[b], bld_hh_ptr[b + 1]):
            tenants += hh_tenancy[bld_hh[a]]
        neighbour = c.neighbour_rate * n_hh * crowd_b * (1.0 + c.ebike_w * indoor / occ)
        neighbour *= (1.0 + c.distrust_w * (1.0 - trust)) * rules
        neighbour *= blk_lane[b_block[b]]
        tenancy = c.tenancy_rate * tenants
        total = neighbour + tenancy
        if u >= -math.expm1(-total):
            continue
        out[0] += 1
        is_tenancy = uniform(key, SLOT_KIND, b) * total < tenancy
        if is_tenancy:
            # A tenant household drawn in proportion to its weight, and the landlord (absent
            # landlords take no part in the village's trust). With equal weights this is the
            # k-th tenant, k = ⌊u · tenants⌋.
            target = uniform(key, SLOT_PARTY_A, b) * tenants
            cum = 0.0
            h = -1
            for a in range(bld_hh_ptr[b], bld_hh_ptr[b + 1]):
                if hh_tenancy[bld_hh[a]] > 0.0:
                    h = bld_hh[a]  # the last tenant, should rounding leave cum ≤ target
                    cum += hh_tenancy[h]
                    if cum > target:
                        break
            i = hh_ptr[h]
            owner_hh = ll_household[b_owner[b]]
            j = hh_ptr[owner_hh] if owner_hh >= 0 else i
        else:
            # Two residents of different households of the building.
            i = bld_res[lo + int(uniform(key, SLOT_PARTY_A, b) * occ)]
            start = int(uniform(key, SLOT_PARTY_B, b) * occ)
            hi_ = _household_of(hh_ptr, i)
            j = i  # a single household's dispute with the building at large, unless ...
            for step in range(occ):  # ... another household lives there
                cand = bld_res[lo + (start + step) % occ]
                if _household_of(hh_ptr, cand) != hi_:
                    j = cand
                    break
        g = b_grid[b]
        keep = 1.0 - c.informal
        keep *= 1.0 - c.m_gw * g_skill[g] * g_effort[g] * (1.0 - g_dup[g])
        paired = hh_paired[_household_of(hh_ptr, i)] or hh_paired[_household_of(hh_ptr, j)]
        if g_vanguard[g] or paired:
            keep *= 1.0 - c.m_party
        if g_council[g]:
            keep *= 1.0 - c.m_council
        keep *= 1.0 - c.m_tea * min(g_tea[g], 1.0)
        if is_tenancy and ll_association[b_owner[b]]:
            keep *= 1.0 - c.m_assoc
        if i != j:
            k = find_slot(to, i, j)
            if k >= 0:
                keep *= 1.0 - c.m_tie * w[i, k]
        keep *= 1.0 - c.m_rules * v_rules[v]
        if g_cameras[g]:
            keep *= 1.0 - c.m_camera
        if uniform(key, SLOT_MEDIATE, b) >= keep:
            out[1] += 1
            experience(trust_inst, disp_inst, i, 1.0, c.settle_effect, c.inst_weight)
            if j != i:
                experience(trust_inst, disp_inst, j, 1.0, c.settle_effect, c.inst_weight)
        else:
            out[2] += 1
            if j != i:  # a bad experience of each other (none without a counterpart)
                col = 0 if res_group[i] == res_group[j] else 1
                for k in (i, j):
                    experience_at(trust_inter, disp_inter, k, col, 0.0, c.escalate_effect,
                                  c.inter_weight)  # fmt: skip
                weaken_tie(to, w, i, j, c.tie_loss, c.tie_floor)
    return out


@njit(cache=True, inline="always")
def _household_of(hh_ptr, i):
    """Household of resident ``i`` (residents are stored household by household)."""
    return np.searchsorted(hh_ptr, i, side="right") - 1


@register
class Disputes(Process):
    """Neighbour and tenancy disputes, mediation and police incidents."""

    name = "disputes"
    order = SCHEDULE["disputes"]
    Params = DisputesParams
    metrics = {
        "disputes": "Disputes arising today.",
        "disputes_grassroots": "Disputes settled at the grassroots today.",
        "police_incidents": "Disputes that escalated into police incidents today.",
    }

    def __init__(self, model: VicinityModel, params: DisputesParams) -> None:
        super().__init__(model, params)
        w = self.world
        spec = model.spec
        self.consts = DisputeConsts.from_params(
            params,
            spec.governance.experience_weight,
            spec.contacts.experience_weight,
            spec.contacts.tie_floor,
        )
        n_b = len(w.buildings)
        self.bld_res_ptr, self.bld_res = group_members(w.residents.building.astype(np.int64), n_b)
        self.bld_hh_ptr, self.bld_hh = group_members(w.households.building.astype(np.int64), n_b)
        self.hh_ptr = np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64)
        self._crowd = np.zeros(n_b)
        self._crowd_rooms = np.full(n_b, -1, dtype=np.int64)  # none computed yet
        # Residents stay in their building's block and park along its lanes.
        self.res_block = w.buildings.block[w.residents.building].astype(np.int64)
        self.frontage_m = w.blocks.frontage_m.astype(np.float64)
        self._burden = np.full(len(w.households), np.nan)  # burdens the weights were made for
        self._tenancy = np.zeros(len(w.households))
        self._max_tenancy = 0.0

    def lane_factors(self) -> tuple[np.ndarray, float]:
        """Today's lane factor of every block and the largest."""
        r = self.world.residents
        parked = np.bincount(self.res_block[r.ebike & (r.charging != CHARGE_INDOOR)],
                             minlength=len(self.frontage_m))  # fmt: skip
        factors = lane_factors(parked, self.frontage_m, self.consts)
        return factors, float(factors.max()) if len(factors) else 0.0

    def tenancy_weights(self) -> tuple[np.ndarray, float]:
        """Households' tenancy weights and their largest, recomputed when burdens change
        (monthly, with housing)."""
        hh = self.world.households
        if not np.array_equal(hh.rent_burden, self._burden):
            self._burden[:] = hh.rent_burden
            self._tenancy = tenancy_weights(hh.group, hh.rent_burden, self.consts)
            self._max_tenancy = float(self._tenancy.max()) if len(self._tenancy) else 0.0
        return self._tenancy, self._max_tenancy

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        b, g, r, hh, ties = w.buildings, w.grids, w.residents, w.households, w.ties
        tenancy, max_tenancy = self.tenancy_weights()
        lane, max_lane = self.lane_factors()
        out = disputes_day(
            key, self.consts, b.rooms, b.grid, b.village, b.owner, b.block, lane, max_lane,
            self.bld_hh_ptr, self.bld_hh,
            tenancy, max_tenancy, hh.paired, self.hh_ptr, self.bld_res_ptr,
            self.bld_res, r.charging,
            r.trust_inter, r.disposition_inter, r.trust_inst, r.disposition_inst, ties.to, ties.w,
            g.effort, g.skill, g.duplication_loss,
            g.vanguard, g.council, g.tea_parties_per_month, g.cameras, w.villages.rules_norm,
            w.landlords.association, w.landlords.household, r.village, r.group,
            w.outgroup_share(), self._crowd, self._crowd_rooms,
        )  # fmt: skip
        return {
            "disputes": float(out[0]),
            "disputes_grassroots": float(out[1]),
            "police_incidents": float(out[2]),
        }
