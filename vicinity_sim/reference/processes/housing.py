"""Housing in the reference model: building quality, rents paid, incomes and rent burden
(monthly).

Mirrors :mod:`vicinity_sim.processes.housing`. Each month:

1. The fabric of an unmanaged building wears down by the yearly decay (applied monthly, not
   below 0); a managed building's holds. A building's quality closes a share of the gap to its
   target: its fabric plus gains from professional property management and from safety
   retrofits (sensors, sprinklers, escape windows); its private quality the gap to the target
   without the retrofits the program paid for.
2. Tenant households pay their lease plus the management fee in a managed building; villagers
   living in a unit of their own pay nothing. Landlords receive the leases of the units they
   let, their shops' rents, and an operator's guarantee for a building leased to it.
3. Each resident's income is their wage, plus, for local villagers, the collective's dividend
   per head and an equal share of their household's rental income.
4. A tenant household's rent burden is its housing cost over its income, floored at a
   subsistence income.
5. Incomes are decomposed into wages, business income (an owner's wage is its business's
   profit), dividends and rents, and deflated by the price index.

Buildings, units, grids, villages and households are places, shared with the fast model and
updated with the same numpy expressions; incomes are the agents' own and are set one resident
at a time.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes import housing
from vicinity_sim.processes.housing import (
    HousingParams,
    deflated,
    housing_levels,
    improve_quality,
    income_decomposition,
    income_parts,
    pay_rents,
    posted_rent_mean,
    rent_burdens,
    worn_fabric,
)
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.processes.prices import owner_rows
from vicinity_sim.world.codes import CHILD, LOCAL, MIGRANT, UNIT_OWNER

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel

resident_income = housing.resident_income.py_func

#: numpy's pairwise summation adds blocks of up to this many values with eight accumulators.
_PAIRWISE_BLOCK = 128


def _pairwise_sum(values: Sequence[float]) -> float:
    """Sum of ``values`` in numpy's pairwise order (``pairwise_sum`` in numpy's loops): below
    eight values one after the other, up to a block of 128 in eight interleaved partial sums,
    beyond that split in two halves (at a multiple of eight)."""
    n = len(values)
    if n < 8:
        total = 0.0
        for x in values:
            total += x
        return total
    if n <= _PAIRWISE_BLOCK:
        r = list(values[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for x in values[i:]:
            total += x
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values[:half]) + _pairwise_sum(values[half:])


def household_sum(values: Sequence[float]) -> float:
    """Sum of one household's values, rounded exactly as the fast model's
    ``np.add.reduceat`` rounds it: the first value plus the pairwise sum of the rest.

    Args:
        values: The members' values, in row order (at least one).

    Returns:
        The sum.
    """
    return values[0] + _pairwise_sum(values[1:])


def household_members(model: ReferenceModel) -> list[list[int]]:
    """Rows of each household's members, in row order (households are stable; the residents
    of a row change when a household is replaced, the row's household does not)."""
    members: list[list[int]] = [[] for _ in range(len(model.world.households))]
    for res in model.residents:
        members[res.household].append(res.row)
    return members


@reference_process
class Housing(ReferenceProcess):
    """Monthly quality, rents, landlords' income, residents' incomes and rent burden.

    Args:
        model: The reference model.
        params: The housing parameters.
    """

    name = "housing"

    def __init__(self, model: ReferenceModel, params: HousingParams) -> None:
        super().__init__(model, params)
        w = self.world
        # The fabric of each building: its starting quality, worn down while unmanaged.
        self.fabric = w.buildings.quality.copy()
        self.rent_start = posted_rent_mean(w.buildings, w.units)
        self.fee = model.spec.rents.management_fee_cny_month
        self.members = household_members(model)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        b, hh, v, u = w.buildings, w.households, w.villages, w.units
        residents = self.model.residents

        # 1. The buildings (places): fabric and quality, as in the fast process.
        self.fabric = worn_fabric(self.fabric, b.managed, p)
        improve_quality(b, self.fabric, p)

        # 2. What households pay; what landlords receive (summed over units in order).
        tenant = u.state[hh.unit] != UNIT_OWNER
        landlord_income = pay_rents(b, u, hh, tenant, len(self.model.landlords), self.fee)
        for landlord in self.model.landlords:
            landlord.rent_income_cny = float(landlord_income[landlord.row])
        # A resident landlord's rents are shared equally within its household (if a
        # household had two landlords, the later one's share counts, as in the fast model).
        rent_share = [0.0] * len(hh)
        for landlord in self.model.landlords:
            if landlord.household >= 0:
                h = landlord.household
                rent_share[h] = float(landlord_income[landlord.row] / hh.size[h])

        # 3. Incomes: wages, plus dividends and rental income for villagers.
        for res in residents:
            res.income = resident_income(
                res.wage, res.group == LOCAL, float(v.dividend_per_capita[res.village]),
                rent_share[res.household],
            )  # fmt: skip

        # 4. Rent burden of tenant households on their members' incomes.
        hh_income = np.array(
            [household_sum([residents[i].income for i in rows]) for rows in self.members]
        )
        rent_burdens(hh, tenant, hh_income, self.model.spec.rent_burden.income_floor_cny_month)

        adults = [res for res in residents if res.age != CHILD]
        out = {
            **housing_levels(b, u, hh, tenant, self.rent_start),
            "income_individual_mean": _mean_income(adults),
            "income_local_mean": _mean_income([r for r in adults if r.group == LOCAL]),
            "income_migrant_mean": _mean_income([r for r in adults if r.group == MIGRANT]),
            "landlord_income_cny": float(landlord_income.sum()),
        }

        # 5. Incomes by source, from each agent's wage, ownership, dividend and rent share.
        owners = owner_rows(self.model)
        column = np.array
        parts = income_parts(
            column([res.wage for res in residents], dtype=np.float64),
            column([res.row in owners for res in residents], dtype=bool),
            column([res.group == LOCAL for res in residents], dtype=bool),
            column([float(v.dividend_per_capita[res.village]) for res in residents]),
            column([rent_share[res.household] for res in residents], dtype=np.float64),
        )
        adult = column([res.age != CHILD for res in residents], dtype=bool)
        local = column([res.group == LOCAL for res in residents], dtype=bool)
        migrant = column([res.group == MIGRANT for res in residents], dtype=bool)
        price = float(v.price_index.mean()) if len(v) else 1.0
        out.update(income_decomposition(parts, adult, local, migrant))
        out.update(deflated(out, price))
        return out


def _mean_income(residents: list[Resident]) -> float:
    """Mean income of ``residents`` (NaN if none). The sum is numpy's (pairwise), as the fast
    model's, so the mean agrees to the last bit."""
    if not residents:
        return math.nan
    return float(np.mean(np.array([res.income for res in residents], dtype=np.float64)))
