"""Housing: building quality, rents paid, landlords' income, incomes and rent burden (monthly).

A building's quality moves each month a step toward a target: its fabric, plus a gain under
professional property management (大物业 maintenance) and a gain from safety retrofits
(sensors, sprinklers, escape windows). The fabric starts at the building's starting quality and
wears down slowly (``quality_decay_per_year``) unless the building is managed: maintenance
holds it, so the gain of management lasts as long as the management does. The building's
*private* quality moves the same way toward the target without what publicly paid retrofits
added (``buildings.public_safety``): whether rents follow it or the full quality is the switch
``rents.public_retrofit_raises_rent`` (:mod:`~vicinity_sim.processes.landlords`).

Rents are set by landlords (:mod:`~vicinity_sim.processes.landlords`): a tenant household pays
the rent of its lease (``units.rent``), plus the management fee where the building is managed;
villagers living in their own building pay nothing. Landlords receive the rents of the units
they let, the rents of their shops and, for buildings leased to an operator (统租), the
operator's guaranteed rent instead of the tenants', and the rents of the idle rooms let to
doorstep businesses. Each resident's income is their wage (a business owner's: its profit),
plus, for local villagers, the collective's per-capita dividend and an equal share of their
household's rental income; the outputs decompose it into wages, business income, dividends and
rents (``income_local_wages`` …), which add up to it, and report incomes and rents also deflated
by the price index (``_real``). A tenant household's rent burden is its housing cost over its income
(floored at a subsistence income, since households with no earnings live on savings or help).

Levers read here: buildings' ``managed``, ``smoke_sensor``, ``sprinkler``, ``escape_windows``,
``public_safety``. State read: villages' ``dividend_per_capita``, residents' ``wage``, units'
leases, buildings' operator leases.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.labour import business_owners
from vicinity_sim.world.codes import (
    CHILD,
    LOCAL,
    MIGRANT,
    UNIT_BUSINESS,
    UNIT_LET,
    UNIT_OWNER,
    UNIT_SHOP,
    UNIT_VACANT,
)

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


class HousingParams(ParamModel):
    """Quality, rents paid and burdens."""

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


HousingConsts = consts_class(HousingParams)

# Buildings, grids, villages and households are places, tables both engines share: what is
# computed on them is computed by the same functions in both; incomes are the residents' own
# and each engine sets them with the same formula.


def posted_rent_mean(b: Any, u: Any) -> float:
    """Mean posted rent per unit on the market (1 where there is none to average, or it is
    0)."""
    on_market = (u.state == UNIT_LET) | (u.state == UNIT_VACANT)
    weights = np.bincount(u.building[on_market], minlength=len(b.rent))
    return (float(np.average(b.rent, weights=weights)) if weights.sum() else 1.0) or 1.0


def worn_fabric(fabric: np.ndarray, managed: np.ndarray, p: Any) -> np.ndarray:
    """The fabric after a month: worn down by the yearly decay unless managed, not below 0."""
    return np.maximum(fabric - p.quality_decay_per_year / 12.0 * ~managed, 0.0)


def improve_quality(b: Any, fabric: np.ndarray, p: Any) -> None:
    """Each building's quality closes a share of the gap to its target: its fabric plus gains
    from management and from safety retrofits (sensors, sprinklers, escape windows); its
    private quality closes the same share of the gap to the target without the share of the
    retrofits the program paid for."""
    safety = (b.smoke_sensor.astype(float) + b.sprinkler + b.escape_windows) / 3.0
    base = fabric + p.management_quality_gain * b.managed
    target = np.minimum(base + p.safety_quality_gain * safety, 1.0)
    private = np.minimum(base + p.safety_quality_gain * np.maximum(safety - b.public_safety, 0.0),
                         1.0)  # fmt: skip
    b.quality += p.quality_rate_per_month * (target - b.quality)
    b.quality_private += p.quality_rate_per_month * (private - b.quality_private)


def pay_rents(b: Any, u: Any, hh: Any, tenant: np.ndarray, n_landlords: int,
              fee: float) -> np.ndarray:  # fmt: skip
    """What households pay (their lease and, in a managed building, the fee; owners nothing):
    sets ``housing_cost`` and returns what each landlord receives: the leases of the units it
    lets, its shops' and doorstep businesses' rents, and for buildings leased to an operator
    the guarantee instead of the tenants' rents."""
    rent_paid = np.where(tenant, u.rent[hh.unit], 0.0)
    hh.housing_cost[:] = rent_paid + tenant * b.managed[hh.building] * fee
    leased = b.operator_until >= 0
    own = (((u.state == UNIT_LET) & ~leased[u.building]) | (u.state == UNIT_SHOP)
           | (u.state == UNIT_BUSINESS))  # fmt: skip
    income = np.bincount(b.owner[u.building[own]], weights=u.rent[own], minlength=n_landlords)
    income += np.bincount(b.owner[leased], weights=b.operator_rent[leased],
                          minlength=n_landlords)  # fmt: skip
    return income


def burden_of(cost: Any, income: Any, floor: Any) -> Any:
    """A rent burden: housing cost over income, the income floored (households with no
    earnings live on savings or help)."""
    return cost / np.maximum(income, floor)


def rent_burdens(hh: Any, tenant: np.ndarray, income: np.ndarray, floor: float) -> None:
    """Each tenant household's rent burden on its income (0 for owners)."""
    hh.rent_burden[:] = np.where(tenant, burden_of(hh.housing_cost, income, floor), 0.0)


def housing_levels(b: Any, u: Any, hh: Any, tenant: np.ndarray,
                   rent_start: float) -> dict[str, float]:  # fmt: skip
    """The month's levels of rents, burdens and quality."""
    return {
        "rent_index": posted_rent_mean(b, u) / rent_start if len(b.rent) else math.nan,
        "lease_rent_mean": float(hh.housing_cost[tenant].mean()) if tenant.any() else math.nan,
        "rent_burden_mean": float(hh.rent_burden[tenant].mean()) if tenant.any() else 0.0,
        "quality_mean": float(b.quality.mean()),
    }


#: The parts of a resident's income (``income_<group>_<part>`` in the outputs).
INCOME_PARTS = ("wages", "business", "dividends", "rents")


def income_parts(wage: Any, owner: Any, local: Any, dividend: Any, rent_share: Any) -> tuple:
    """A resident's income by source: wages from employers, a doorstep business's profit (its
    owner's ``wage``), the collective's dividend (local villagers) and rents; they add up to
    :func:`resident_income`."""
    return (np.where(owner, 0.0, wage), np.where(owner, wage, 0.0),
            np.where(local, dividend, 0.0), rent_share)  # fmt: skip


def income_decomposition(parts: tuple, adult: np.ndarray, local: np.ndarray,
                         migrant: np.ndarray) -> dict[str, float]:  # fmt: skip
    """Mean monthly income of adult villagers and adult migrants by source (nominal CNY)."""
    out = {}
    for group, mask in (("local", adult & local), ("migrant", adult & migrant)):
        for name, values in zip(INCOME_PARTS, parts, strict=True):
            out[f"income_{group}_{name}"] = float(values[mask].mean()) if mask.any() else math.nan
    return out


def deflated(levels: dict[str, float], price: float) -> dict[str, float]:
    """Incomes and rents deflated by the price index (CNY at the start's prices)."""
    names = ("income_individual_mean", "income_local_mean", "income_migrant_mean",
             "lease_rent_mean")  # fmt: skip
    return {f"{n}_real": levels[n] / price for n in names}


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
        "buildings.quality_private",
        "buildings.public_safety",
        "buildings.rent",
        "buildings.managed",
        "buildings.smoke_sensor",
        "buildings.sprinkler",
        "buildings.escape_windows",
        "buildings.owner",
        "buildings.operator_until",
        "buildings.operator_rent",
        "units.building",
        "units.state",
        "units.rent",
        "villages.dividend_per_capita",
        "residents.wage",
        "residents.group",
        "residents.village",
        "residents.household",
        "residents.age",
        "residents.income",
        "households.building",
        "households.unit",
        "households.size",
        "landlords.household",
        "projects.active",
        "projects.owner",
        "residents.job_project",
        "villages.price_index",
    )
    writes = (
        "buildings.quality",
        "buildings.quality_private",
        "households.housing_cost",
        "households.rent_burden",
        "residents.income",
        "landlords.rent_income_cny",
    )
    after = ("compliance", "participation", "labour", "collective", "landlords", "enterprise")
    cadence = "month"
    Params = HousingParams
    metrics = {
        "rent_index": "Mean posted rent per unit on the market relative to the start.",
        "lease_rent_mean": "Mean housing cost of tenant households (lease and fees, CNY/month).",
        "rent_burden_mean": "Mean rent burden of tenant households.",
        "income_individual_mean": "Mean monthly income of adults (CNY).",
        "income_local_mean": "Mean monthly income of local adult villagers (CNY).",
        "income_migrant_mean": "Mean monthly income of adult migrant tenants (CNY).",
        "landlord_income_cny": "Rents received by landlords this month (CNY).",
        "quality_mean": "Mean building quality.",
        **{
            f"income_{g}_{part}": f"Mean monthly income of adult {who} from {what} (CNY)."
            for g, who in (("local", "local villagers"), ("migrant", "migrant tenants"))
            for part, what in (
                ("wages", "wages"),
                ("business", "their doorstep businesses"),
                ("dividends", "collective dividends"),
                ("rents", "rents"),
            )
        },
        **{
            f"{n}_real": f"{n} deflated by the price index (CNY at the start's prices)."
            for n in (
                "income_individual_mean",
                "income_local_mean",
                "income_migrant_mean",
                "lease_rent_mean",
            )
        },
    }
    levels = frozenset(set(metrics) - {"landlord_income_cny"})

    def __init__(self, model: VicinityModel, params: HousingParams) -> None:
        super().__init__(model, params)
        w = self.world
        self.fabric = w.buildings.quality.copy()
        self.rent_start = posted_rent_mean(w.buildings, w.units)
        self.fee = model.spec.rents.management_fee_cny_month
        self.hh_ptr = np.concatenate([[0], np.cumsum(w.households.size)]).astype(np.int64)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        b, hh, r, v, u = w.buildings, w.households, w.residents, w.villages, w.units
        self.fabric = worn_fabric(self.fabric, b.managed, p)
        improve_quality(b, self.fabric, p)
        # Owner-occupiers live in a unit of their own (villagers never move).
        tenant = u.state[hh.unit] != UNIT_OWNER
        landlord_income = pay_rents(b, u, hh, tenant, len(w.landlords), self.fee)
        w.landlords.rent_income_cny[:] = landlord_income
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

        out = {
            **housing_levels(b, u, hh, tenant, self.rent_start),
            "income_individual_mean": mean_income(adult),
            "income_local_mean": mean_income(adult & local),
            "income_migrant_mean": mean_income(adult & (r.group == MIGRANT)),
            "landlord_income_cny": float(landlord_income.sum()),
        }
        parts = income_parts(r.wage, business_owners(w.projects, r.job_project), local,
                             v.dividend_per_capita[r.village], share[r.household])  # fmt: skip
        price = float(v.price_index.mean()) if len(v) else 1.0
        out.update(income_decomposition(parts, adult, local, r.group == MIGRANT))
        out.update(deflated(out, price))
        return out
