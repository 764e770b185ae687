"""Agents of the reference model: residents, party members, landlords and gridworkers.

Each agent holds the columns of its row in the fast model's tables as attributes (see
:mod:`vicinity_sim.world.tables` for their meaning and units), plus ``row``, the index that
addresses its random draws (the fast model's entity index). Two-column states (interpersonal
trust in one's own and in other groups) are two-element lists. A resident's acquaintance ties
are slots, as in the fast model: ``ties_to[k]`` is the row of the partner in slot k (-1: free)
and ``ties_w[k]`` its strength (a float32 value, the precision the fast model stores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from vicinity_sim.processes import landlords as fast_landlords
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import (
    LOCAL,
    NOTICE_NONE,
    NOTICE_NONRENEWAL,
    NOTICE_TAKEOVER,
    UNIT_LET,
)
from vicinity_sim.world.tables import Gridworkers, Landlords, Residents

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


class PartyMember(Resident):
    """A resident who is a member of the Communist Party (``party`` is true)."""


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
    """A gridworker (网格员) assigned to a grid; ``party`` marks party members."""

    columns = GRIDWORKER_COLUMNS
