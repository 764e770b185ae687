"""Landlords' monthly decisions in the reference model.

Mirrors :mod:`vicinity_sim.processes.landlords`. Each month:

1. Operators hand back buildings whose lease has ended or when they fail (a draw per leased
   building).
2. Every building's value is taken from its quality, its grid's amenity and whether its units'
   renovation holds; what the landlords see at the start of the month (their units' vacancy,
   their block's asking rents, their neighbours' compliance) is computed on the places, with
   the same function as the fast model (in a city run with the housing market, the
   applicants the village turned away last month lower the vacancy they read).
3. Each landlord agent steps (:meth:`~vicinity_sim.reference.agents.Landlord.step`, in row
   order): for each of its buildings, compliance, an operator's offer, renovation, the posted
   rent and the leases ending.
4. Shops close (a draw per shop) and open: each opening views vacant ground-floor units of its
   village and asks their landlords (:meth:`~vicinity_sim.reference.agents.Landlord.
   accepts_shop`), who also decide whether the shop is kept to the standard.
5. Vacant units are asked at their building's posted rent, cut for long vacancies; each
   landlord agent's counts (units, buildings, shops, mean posted rent) are taken from the
   places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes.landlords import (
    N_OUT,
    OUT_BONUS,
    OUT_BROUGHT,
    OUT_EVICTIONS,
    OUT_NONRENEWALS,
    OUT_RENEWALS,
    OUT_RENOVATIONS,
    OUT_SAFETY_COST,
    OUT_SUBSIDY,
    OUT_TAKEOVERS,
    LandlordPlaces,
    LandlordSlot,
    LandlordsParams,
    asking_rents,
    ground_pools,
    landlord_aggregates,
    market_levels,
    market_view,
    month_counts,
    openings_due,
    operators_return,
    renovated,
    values,
)
from vicinity_sim.reference.agents import Landlord, LandlordMonth
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import UNIT_SHOP, UNIT_VACANT

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel

SLOT = slot_numbers(LandlordSlot)


@reference_process
class Landlords(ReferenceProcess, LandlordPlaces):
    """Monthly decisions of the landlord agents (and of the operators they lease to).

    Args:
        model: The reference model.
        params: The landlords' parameters.
    """

    name = "landlords"

    def __init__(self, model: ReferenceModel, params: LandlordsParams) -> None:
        super().__init__(model, params)
        self.set_up_places(model, params)  # as the fast process sets them up

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, c = self.world, self.consts
        b = w.buildings
        returned = operators_return(b, key, day, c)
        base = self.base_values()
        b.value[:] = values(base, renovated(b, day, c), self.rents)
        market = market_view(w, base, self.cost_shock, self.reluctance, self.unit_first,
                             self.model.city_applicants)  # fmt: skip
        month = LandlordMonth(day, key, c, self.rents, market)
        self.model.landlord_month = month
        self.model.agents_by_type[Landlord].do("step")
        out = np.zeros(N_OUT)
        # Spending summed in building order, as the fast kernel adds it.
        for name, slot in (("safety_cost", OUT_SAFETY_COST), ("subsidy", OUT_SUBSIDY),
                           ("bonus", OUT_BONUS)):  # fmt: skip
            for i in sorted(getattr(month, name)):
                out[slot] += getattr(month, name)[i]
        for name, slot in (("brought", OUT_BROUGHT), ("takeovers", OUT_TAKEOVERS),
                           ("renovations", OUT_RENOVATIONS), ("nonrenewals", OUT_NONRENEWALS),
                           ("evictions", OUT_EVICTIONS), ("renewals", OUT_RENEWALS)):  # fmt: skip
            out[slot] = month.counts[name]
        shops = self.shops(key, day, month)
        asking_rents(w.units, b.rent, day, c)
        counts = landlord_aggregates(w, len(self.model.landlords))
        for landlord in self.model.landlords:
            for name, value in counts.items():
                setattr(landlord, name, value[landlord.row].item())
        return {**market_levels(w), **month_counts(out, shops, returned)}

    def shops(self, key: np.uint64, day: int, month: LandlordMonth) -> np.ndarray:
        """Shops closing (unit by unit) and opening (village by village, each opening viewing
        vacant ground-floor units and asking their landlords): (closed, opened, 三合一)."""
        w, c = self.world, self.consts
        b, u, v = w.buildings, w.units, w.villages
        out = np.zeros(3)
        due = openings_due(v, self.shop_demand, c)
        ptr, pool, left = ground_pools(w)
        before = left.copy()
        p_close = -np.expm1(-c.shop_closure_per_year / 12.0)
        for k in range(len(u)):
            if u.state[k] == UNIT_SHOP and uniform(key, SLOT.CLOSE, k) < p_close:
                u.state[k] = UNIT_VACANT
                u.vacant_since[k] = day
                u.rent[k] = b.rent[u.building[k]]
                b.three_in_one[u.building[k]] = False
                out[0] += 1.0
        views = 0
        landlords = self.model.landlords
        for vil in range(len(due)):
            for _ in range(int(due[vil])):
                taken = -1
                for _ in range(c.shop_views):
                    n = int(left[vil])
                    if n == 0:
                        break
                    j = int(ptr[vil]) + int(uniform(key, SLOT.SHOP_VIEW, views) * n)
                    views += 1
                    bld = int(u.building[pool[j]])
                    if landlords[b.owner[bld]].accepts_shop(bld):
                        taken = j
                        break
                if taken < 0:
                    continue
                k = int(pool[taken])
                pool[taken] = pool[ptr[vil] + left[vil] - 1]
                left[vil] -= 1
                bld = int(u.building[k])
                u.state[k] = UNIT_SHOP
                rent = c.commercial_rent_multiple * b.rent[bld]
                if not landlords[b.owner[bld]].lets_shop_legally(k, bld):
                    b.three_in_one[bld] = True
                    rent += c.three_in_one_rent_share * b.rent[bld]
                    out[2] += 1.0
                u.rent[k] = rent
                out[1] += 1.0
        v.shop_openings_due -= before - left
        return out
