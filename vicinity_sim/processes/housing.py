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
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.world.population import CHILD, LOCAL, MIGRANT

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
    income_floor_cny_month: float = param(
        1500.0, unit="CNY/(household·month)", gt=0.0, le=1e6,
        doc="Household income assumed at least, for rent burden (savings, help from family).",
        source="assumption",
    )  # fmt: skip


@register
class Housing(Process):
    """Monthly quality, rents, incomes and rent burden."""

    name = "housing"
    order = SCHEDULE["economy"] + 2
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
        self.quality_ref = np.array([model.spec.villages[v].economy.quality_mean
                                     for v in range(w.n_villages)])[b.village]  # fmt: skip
        self.amenity_start = self._amenity()
        b.rent[:] = self._market_rent()
        self.rent_start = float(np.average(b.rent, weights=b.rooms)) if len(b) else 1.0
        self.rent_start = self.rent_start or 1.0
        # Owner-occupiers: a household living in a building its own landlord household owns.
        owner_hh = w.landlords.household[b.owner[hh.building]]
        self.owner_occupier = owner_hh == np.arange(len(hh))
        self.hh_ptr = np.concatenate([[0], np.cumsum(hh.size)]).astype(np.int64)

    def _amenity(self) -> np.ndarray:
        g = self.world.grids
        return 0.5 * (g.public_space + g.environment)

    def _market_rent(self) -> np.ndarray:
        b, p = self.world.buildings, self.params
        delta = (self._amenity() - self.amenity_start)[b.grid]
        factor = (1.0 + p.quality_premium * (b.quality - self.quality_ref)) * (
            1.0 + p.amenity_premium * delta
        )
        return b.base_rent * np.maximum(factor, 0.0)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        b, hh, r, v = w.buildings, w.households, w.residents, w.villages
        # The fabric wears unless maintained; quality toward its target.
        self.fabric = np.maximum(self.fabric - p.quality_decay_per_year / 12.0 * ~b.managed, 0.0)
        safety = (b.smoke_sensor.astype(float) + b.sprinkler + b.escape_windows) / 3.0
        target_q = np.minimum(
            self.fabric + p.management_quality_gain * b.managed
            + p.safety_quality_gain * safety, 1.0,
        )  # fmt: skip
        b.quality += p.quality_rate_per_month * (target_q - b.quality)
        # Rents toward the market, within caps.
        market = self._market_rent()
        proposed = b.rent + p.rent_adjust_per_month * (market - b.rent)
        cap = v.rent_cap_per_year[b.village]
        capped = np.minimum(
            proposed, b.rent * (1.0 + np.where(np.isinf(cap), 0.0, cap)) ** (1 / 12)
        )
        b.rent[:] = np.where(np.isinf(cap), proposed, capped)
        # What households pay; what landlords receive.
        tenant = ~self.owner_occupier
        rent_paid = np.where(tenant, b.rent[hh.building], 0.0)
        hh.housing_cost[:] = rent_paid + tenant * b.managed[hh.building] * (
            p.management_fee_cny_month
        )
        landlord_income = np.bincount(b.owner[hh.building], weights=rent_paid,
                                      minlength=len(w.landlords))  # fmt: skip
        # Incomes: wages, dividends and rental income for villagers.
        r.income[:] = r.wage
        local = r.group == LOCAL
        r.income[local] += v.dividend_per_capita[r.village[local]]
        ll_hh = w.landlords.household
        with_hh = ll_hh >= 0
        share = np.zeros(len(hh))
        share[ll_hh[with_hh]] = landlord_income[with_hh] / hh.size[ll_hh[with_hh]]
        r.income += share[r.household]
        hh_income = np.add.reduceat(r.income, self.hh_ptr[:-1]) if len(hh) else np.zeros(0)
        hh.rent_burden[:] = np.where(
            tenant, hh.housing_cost / np.maximum(hh_income, p.income_floor_cny_month), 0.0
        )
        adult = r.age != CHILD

        def mean_income(mask: np.ndarray) -> float:
            return float(r.income[mask].mean()) if mask.any() else math.nan

        return {
            "rent_index": float(np.average(b.rent, weights=b.rooms) / self.rent_start)
            if len(b)
            else math.nan,
            "rent_burden_mean": float(hh.rent_burden[tenant].mean()) if tenant.any() else 0.0,
            "income_individual_mean": mean_income(adult),
            "income_local_mean": mean_income(adult & local),
            "income_migrant_mean": mean_income(adult & (r.group == MIGRANT)),
            "landlord_income_cny": float(landlord_income.sum()),
            "quality_mean": float(b.quality.mean()),
        }
