"""Housing: building quality, rents, landlords' income, incomes and rent burden (monthly).

A building's quality moves each month a step toward a target: its fabric, plus a gain under
professional property management (大物业 maintenance) and a gain from safety retrofits
(sensors, sprinklers, escape windows). The fabric starts at the building's starting quality and
wears down slowly (``quality_decay_per_year``) unless the building is managed: maintenance
holds it, so the gain of management lasts as long as the management does. Landlords move
rents a step toward what the market bears,

    target = base_rent · (1 + quality_premium · (quality − reference quality))
                       · (1 + amenity_premium · Δ amenity of the grid),

where the amenity of a grid is the mean of its public-space provision and its environment, and
Δ its change since the start: renewal raises rents. Where rental regulation caps rents, a unit's
rent rises by at most the cap per year (applied monthly).

Tenant households pay their unit's rent, plus the management fee where the building is
managed; villagers living in their own building pay nothing. Landlords receive the rents of
their buildings. Each resident's income is their wage, plus, for local villagers, the
collective's per-capita dividend and an equal share of their household's rental income. A
tenant household's rent burden is its housing cost over its income (floored at a subsistence
income, since households with no earnings live on savings or help).

Levers read here: buildings' ``managed``, ``smoke_sensor``, ``sprinkler``, ``escape_windows``;
grids' ``public_space``; villages' ``rent_cap_per_year``. State read: grids' ``environment``,
villages' ``dividend_per_capita``, residents' ``wage``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.world.codes import CHILD, LOCAL, MIGRANT

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


class HousingParams(ParamModel):
    """Quality, rents and burdens."""

    quality_rate_per_month: float = param(
        0.05, unit="1/month", ge=0.0, le=1.0,
        doc="Share of the gap to its target quality a building closes each month.",
        source="assumption: renovation and maintenance take a few years to show fully",
    )  # fmt: skip
    quality_decay_per_year: float = param(
        0.01, unit="1/year", ge=0.0, le=1.0,
        doc="Yearly wear of an unmanaged building's fabric (the base of its target quality).",
        source="assumption: unmaintained rental blocks run down over decades, not years",
    )  # fmt: skip
    management_quality_gain: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Target quality gained under professional property management.",
        source="assumption",
    )  # fmt: skip
    safety_quality_gain: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Target quality gained with sensors, sprinklers and escape windows (pro rata).",
        source="assumption",
    )  # fmt: skip
    quality_premium: float = param(
        1.0, unit="1", ge=0.0, le=10.0, range=(1.5, 4.5),
        doc="Relative rise of the market rent per unit of quality.",
        source="assumption: renewal raises village rents noticeably (rent-gap reasoning, e.g. "
        "Mauro et al. 2025); scenarios/baseline.toml sets 3.07, calibrated to the seed's "
        "income figures (docs/calibration.md)",
    )  # fmt: skip
    amenity_premium: float = param(
        0.5, unit="1", ge=0.0, le=10.0,
        doc="Relative rise of the market rent per unit rise of the grid's amenity.",
        source="assumption",
    )  # fmt: skip
    rent_adjust_per_month: float = param(
        0.1, unit="1/month", ge=0.0, le=1.0,
        doc="Share of the gap to the market rent landlords close each month.",
        source="assumption",
    )  # fmt: skip
    management_fee_cny_month: float = param(
        50.0, unit="CNY/(unit·month)", ge=0.0, le=10_000.0,
        doc="Property-management fee a tenant household pays in a managed building.",
        source="assumption",
    )  # fmt: skip


HousingConsts = consts_class(HousingParams)

# Buildings, grids, villages and households are places, tables both engines share: what is
# computed on them is computed by the same functions in both; incomes are the residents' own
# and each engine sets them with the same formula.


def amenity(g: Any) -> np.ndarray:
    """Amenity of each grid: the mean of its public-space provision and its environment."""
    return 0.5 * (g.public_space + g.environment)


def market_rent(b: Any, amenity_delta: np.ndarray, quality_ref: np.ndarray, p: Any) -> np.ndarray:
    """What each building's units would let for: base rent scaled by quality relative to the
    village's reference and by the change of its grid's amenity since the start."""
    factor = (1.0 + p.quality_premium * (b.quality - quality_ref)) * (
        1.0 + p.amenity_premium * amenity_delta[b.grid]
    )
    return b.base_rent * np.maximum(factor, 0.0)


def village_reference_quality(world: Any, spec: Any) -> np.ndarray:
    """Each building's reference quality: its village's mean starting quality."""
    means = [spec.villages[v].economy.quality_mean for v in range(world.n_villages)]
    return np.array(means)[world.buildings.village]


def mean_rent(b: Any) -> float:
    """Mean asked rent per rental unit (1 where there is none to average, or it is 0)."""
    return (float(np.average(b.rent, weights=b.rooms)) if len(b.rent) else 1.0) or 1.0


def worn_fabric(fabric: np.ndarray, managed: np.ndarray, p: Any) -> np.ndarray:
    """The fabric after a month: worn down by the yearly decay unless managed, not below 0."""
    return np.maximum(fabric - p.quality_decay_per_year / 12.0 * ~managed, 0.0)


def improve_quality(b: Any, fabric: np.ndarray, p: Any) -> None:
    """Each building's quality closes a share of the gap to its target: its fabric plus gains
    from management and from safety retrofits (sensors, sprinklers, escape windows)."""
    safety = (b.smoke_sensor.astype(float) + b.sprinkler + b.escape_windows) / 3.0
    target = np.minimum(
        fabric + p.management_quality_gain * b.managed + p.safety_quality_gain * safety, 1.0
    )
    b.quality += p.quality_rate_per_month * (target - b.quality)


def adjust_rents(b: Any, market: np.ndarray, cap: np.ndarray, p: Any) -> None:
    """Landlords move rents a share of the way to the market, by at most the yearly cap
    (applied monthly) where rental regulation caps rents (an infinite cap: none)."""
    proposed = b.rent + p.rent_adjust_per_month * (market - b.rent)
    capped = np.minimum(proposed, b.rent * (1.0 + np.where(np.isinf(cap), 0.0, cap)) ** (1 / 12))
    b.rent[:] = np.where(np.isinf(cap), proposed, capped)


def pay_rents(b: Any, hh: Any, tenant: np.ndarray, n_landlords: int, p: Any) -> np.ndarray:
    """What households pay (their unit's rent and, in a managed building, the fee; owners
    nothing): sets ``housing_cost`` and returns what each landlord receives."""
    rent_paid = np.where(tenant, b.rent[hh.building], 0.0)
    hh.housing_cost[:] = rent_paid + tenant * b.managed[hh.building] * p.management_fee_cny_month
    return np.bincount(b.owner[hh.building], weights=rent_paid, minlength=n_landlords)


def burden_of(cost: Any, income: Any, floor: Any) -> Any:
    """A rent burden: housing cost over income, the income floored (households with no
    earnings live on savings or help)."""
    return cost / np.maximum(income, floor)


def rent_burdens(hh: Any, tenant: np.ndarray, income: np.ndarray, floor: float) -> None:
    """Each tenant household's rent burden on its income (0 for owners)."""
    hh.rent_burden[:] = np.where(tenant, burden_of(hh.housing_cost, income, floor), 0.0)


def housing_levels(b: Any, hh: Any, tenant: np.ndarray, rent_start: float) -> dict[str, float]:
    """The month's levels of rents, burdens and quality."""
    return {
        "rent_index": float(np.average(b.rent, weights=b.rooms) / rent_start)
        if len(b.rent)
        else math.nan,
        "rent_burden_mean": float(hh.rent_burden[tenant].mean()) if tenant.any() else 0.0,
        "quality_mean": float(b.quality.mean()),
    }


@njit(cache=True, inline="always")
def resident_income(wage, local, dividend, rent_share):
    """A resident's monthly income: the wage, plus for local villagers the collective's
    dividend per head, plus an equal share of the household's rental income."""
    income = wage
    if local:
        income += dividend
    return income + rent_share


@njit(cache=True)
def set_incomes(r, dividend_per_capita, rent_share):
    """Every resident's :func:`resident_income` (``rent_share`` per household)."""
    r_group = r.group
    r_household = r.household
    r_income = r.income
    r_village = r.village
    r_wage = r.wage
    for i in range(len(r_income)):
        r_income[i] = resident_income(r_wage[i], r_group[i] == LOCAL,
                                      dividend_per_capita[r_village[i]],
                                      rent_share[r_household[i]])  # fmt: skip


@register
class Housing(Process):
    """Monthly quality, rents, incomes and rent burden."""

    name = "housing"
    reads = (
        "buildings.quality",
        "buildings.base_rent",
        "buildings.rent",
        "buildings.managed",
        "buildings.smoke_sensor",
        "buildings.sprinkler",
        "buildings.escape_windows",
        "buildings.village",
        "buildings.grid",
        "buildings.owner",
        "buildings.rooms",
        "grids.public_space",
        "grids.environment",
        "villages.rent_cap_per_year",
        "villages.dividend_per_capita",
        "residents.wage",
        "residents.group",
        "residents.village",
        "residents.household",
        "residents.age",
        "residents.income",
        "households.building",
        "households.size",
        "landlords.household",
    )
    writes = (
        "buildings.quality",
        "buildings.rent",
        "households.housing_cost",
        "households.rent_burden",
        "residents.income",
    )
    after = ("compliance", "participation", "labour", "collective")
    cadence = "month"
    Params = HousingParams
    metrics = {
        "rent_index": "Mean asked rent per rental unit relative to the start.",
        "rent_burden_mean": "Mean rent burden of tenant households.",
        "income_individual_mean": "Mean monthly income of adults (CNY).",
        "income_local_mean": "Mean monthly income of local adult villagers (CNY).",
        "income_migrant_mean": "Mean monthly income of adult migrant tenants (CNY).",
        "landlord_income_cny": "Rents received by landlords this month (CNY).",
        "quality_mean": "Mean building quality.",
    }
    levels = frozenset({"rent_index", "rent_burden_mean", "income_individual_mean",
                        "income_local_mean", "income_migrant_mean", "quality_mean"})  # fmt: skip

    def __init__(self, model: VicinityModel, params: HousingParams) -> None:
        super().__init__(model, params)
        w = self.world
        b, hh = w.buildings, w.households
        self.fabric = b.quality.copy()
        self.quality_ref = village_reference_quality(w, model.spec)
        self.amenity_start = amenity(w.grids)
        b.rent[:] = self._market_rent()  # rents start at the market rent
        self.rent_start = mean_rent(b)
        # Owner-occupiers: a household living in a building its own landlord household owns.
        owner_hh = w.landlords.household[b.owner[hh.building]]
        self.owner_occupier = owner_hh == np.arange(len(hh))
        self.hh_ptr = np.concatenate([[0], np.cumsum(hh.size)]).astype(np.int64)

    def _market_rent(self) -> np.ndarray:
        w = self.world
        delta = amenity(w.grids) - self.amenity_start
        return market_rent(w.buildings, delta, self.quality_ref, self.params)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        b, hh, r, v = w.buildings, w.households, w.residents, w.villages
        self.fabric = worn_fabric(self.fabric, b.managed, p)
        improve_quality(b, self.fabric, p)
        adjust_rents(b, self._market_rent(), v.rent_cap_per_year[b.village], p)
        tenant = ~self.owner_occupier
        landlord_income = pay_rents(b, hh, tenant, len(w.landlords), p)
        # Incomes: wages, dividends and rental income for villagers.
        ll_hh = w.landlords.household
        with_hh = ll_hh >= 0
        share = np.zeros(len(hh))
        share[ll_hh[with_hh]] = landlord_income[with_hh] / hh.size[ll_hh[with_hh]]
        set_incomes(self.arrays("residents"), v.dividend_per_capita, share)
        hh_income = np.add.reduceat(r.income, self.hh_ptr[:-1]) if len(hh) else np.zeros(0)
        rent_burdens(hh, tenant, hh_income, self.model.spec.rent_burden.income_floor_cny_month)
        adult = r.age != CHILD
        local = r.group == LOCAL

        def mean_income(mask: np.ndarray) -> float:
            return float(r.income[mask].mean()) if mask.any() else math.nan

        return {
            **housing_levels(b, hh, tenant, self.rent_start),
            "income_individual_mean": mean_income(adult),
            "income_local_mean": mean_income(adult & local),
            "income_migrant_mean": mean_income(adult & (r.group == MIGRANT)),
            "landlord_income_cny": float(landlord_income.sum()),
        }
