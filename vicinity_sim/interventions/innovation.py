"""Interventions of the innovation pillar (创新性): new models of industry, management and rules.

The seed: 154 industrial projects with >1,600 new jobs in two years and more (以新模式助推产业
转型); professional property management by village–enterprise partnerships (大物业); the urban
renewal regulation and the rules on renting in urban villages (《城中村房屋租赁管理若干规定》);
one platform for the village's data and casework (一网统管).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vicinity_sim.interventions.base import Intervention, building_risk
from vicinity_sim.interventions.grids import VillageIntervention
from vicinity_sim.params import param
from vicinity_sim.world import World
from vicinity_sim.world.codes import ENT_PROJECT


class IndustrialProjects(Intervention):
    """产业项目: projects (文旅, 研学, 休闲) on idle collective land and buildings the collective
    leases to them (盘活闲置土地), run on visitors' demand
    (:mod:`~vicinity_sim.processes.enterprise`): their jobs follow their trade and the
    collective receives the lease and a share of their profit.

    Lever: active ``projects`` (capital, leased idle assets, local-hire share, wage); a
    project leases ``asset_m2`` of the village's idle collective assets, or what is left of
    them.
    """

    kind: Literal["industrial_projects"]
    levers = ("projects.active", "villages.idle_assets_m2")
    unit = "projects"
    builds_facilities = True
    default_quantity = 2
    targeting: Literal["all"] = "all"
    capital_cny: float = param(
        28_500_000.0, unit="CNY/project", ge=0.0, le=1e12, range=(5e6, 6e7),
        prior="loguniform",
        doc="Capital of a project (its scale: projects share visitors' spending on them by "
        "capital).",
        source="docs/sources.md §seed: 4.396 bn CNY of social capital in 154 projects "
        "(海峡导报 2025-05-08), 28.5 M CNY each",
    )  # fmt: skip
    asset_m2: float = param(
        3_000.0, unit="m²/project", ge=0.0, le=1e8, range=(1_000.0, 10_000.0),
        prior="loguniform",
        doc="Idle collective land and buildings a project leases.",
        source="assumption: an old factory building or a plot of a few thousand m²",
    )  # fmt: skip
    local_hire_share: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of a project's jobs reserved for local villagers first.",
        source="assumption: 带动居民家门口创业就业 (seed)",
    )  # fmt: skip
    wage_cny_month: float = param(
        5500.0, unit="CNY/month", ge=0.0, le=1e6, range=(4_000.0, 7_000.0),
        doc="Wage of a project job at the start (it follows the wage index).",
        source="assumption: above the services wage (4,023–4,141 CNY/month for migrants, "
        "NBS 2024, docs/sources.md §wages) for steadier work",
    )  # fmt: skip
    capital_cost_cny: float = param(
        2_000_000.0, unit="CNY/project", ge=0.0, le=1e11,
        doc="Public co-investment per project.", source="assumption",
    )  # fmt: skip

    def plan_facilities(
        self, world: World, village: int, quantity: int, gen: np.random.Generator
    ) -> np.ndarray:
        n = quantity
        return world.projects.append(
            village=np.full(n, village), jobs=np.zeros(n, np.int32),
            local_hire_share=np.full(n, self.local_hire_share),
            wage=np.full(n, self.wage_cny_month * world.villages.wage_index[village]),
            active=np.zeros(n, bool), kind=np.full(n, ENT_PROJECT, np.int8),
            owner=np.full(n, -1, np.int32), unit=np.full(n, -1, np.int32),
            capital_cny=np.full(n, self.capital_cny), asset_m2=np.zeros(n),
            demand_cny_month=np.zeros(n), sales_cny_month=np.zeros(n),
            profit_cny_month=np.zeros(n), profit_expected=np.zeros(n),
            opened_day=np.full(n, -1, np.int32), to_collective_cny_month=np.zeros(n),
        )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        pr, v = world.projects, world.villages
        for k in units.tolist():  # each leases what is left of its village's idle assets
            vv = pr.village[k]
            pr.asset_m2[k] = min(self.asset_m2, v.idle_assets_m2[vv])
            v.idle_assets_m2[vv] -= pr.asset_m2[k]
        pr.active[units] = True


class PropertyManagement(Intervention):
    """大物业: professional property management of buildings (maintenance, cleaning, security),
    paid by a fee from tenants.

    Lever: ``buildings.managed`` (quality rises; tenants pay the management fee).
    """

    kind: Literal["property_management"]
    levers = ("buildings.managed",)
    targeting: Literal["highest_risk", "random", "grid_order"] = "grid_order"
    running_cost_cny_per_year: float = param(
        1_000.0, unit="CNY/(building·year)", ge=0.0, le=1e9,
        doc="Public subsidy per managed building (fees are paid by tenants).",
        source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        b = world.buildings
        return np.nonzero(~b.managed & np.isin(b.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        return building_risk(world)[units]

    def install(self, world: World, units: np.ndarray) -> None:
        world.buildings.managed[units] = True


class RentalRegulation(VillageIntervention):
    """城中村房屋租赁管理 (《城中村房屋租赁管理若干规定》, as far as public sources document such
    rules: the national 住房租赁条例 of 2025): landlords register their tenants and file their
    contracts (备案) on arrival, and rented buildings must meet the fire-safety standard
    (smoke sensors, escape windows, no 三合一 use), enforced by inspections, rectification
    orders and fines. No rent cap: that is the separate ``rent_cap`` lever.

    Levers: ``villages.rental_registration`` (tenants and contracts registered),
    ``villages.safety_standard``, ``villages.inspections_per_building_year``,
    ``villages.safety_fine_cny``; all take effect once the rollout is half done. Landlords
    decide when to comply (:mod:`~vicinity_sim.processes.landlords`).
    """

    kind: Literal["rental_regulation"]
    levers = (
        "villages.rental_registration",
        "villages.safety_standard",
        "villages.inspections_per_building_year",
        "villages.safety_fine_cny",
    )
    safety_fine_cny: float = param(
        2000.0, unit="CNY/(building·inspection)", ge=0.0, le=1e8, range=(500.0, 5000.0),
        doc="Fine on a landlord whose building an inspection finds still below the standard "
        "after the deadline of a rectification order.",
        source="docs/sources.md §landlords: 500–5,000 CNY for an individual landlord after a "
        "missed deadline (Jinhua's and Zhuhai's rules); Xiamen's figure not found",
    )  # fmt: skip
    safety_standard: bool = param(
        True, unit="bool",
        doc="Put the fire-safety standard for rented buildings in force.",
        source="seed: 《城中村房屋租赁管理若干规定》; docs/sources.md §regulation: 住房租赁条例 "
        "(2025) requires rented housing to meet building and fire-safety standards",
    )  # fmt: skip
    inspections_per_building_year: float = param(
        1.0, unit="1/(building·year)", ge=0.0, le=365.0,
        doc="Safety inspections of each rented building per year.",
        source="assumption: a yearly check of rented buildings by the grid and fire brigade",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        50_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9,
        doc="Registration and enforcement per village.", source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return 1.0

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.rental_registration[units].astype(float)

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        on = units[values >= 0.5]
        world.villages.rental_registration[on] = True
        v = world.villages
        if self.safety_standard:
            v.safety_standard[on] = True
            v.safety_fine_cny[on] = np.maximum(v.safety_fine_cny[on], self.safety_fine_cny)
        v.inspections_per_building_year[on] = np.maximum(
            v.inspections_per_building_year[on], self.inspections_per_building_year
        )


class RentCap(VillageIntervention):
    """A cap on rent rises: posted rents and renewed leases may rise by at most
    ``per_year`` a year (:mod:`~vicinity_sim.processes.landlords`). Not part of the
    seed's program: an optional lever for comparisons.

    Lever: ``villages.rent_cap_per_year``; takes effect once the rollout is half done.
    """

    kind: Literal["rent_cap"]
    levers = ("villages.rent_cap_per_year",)
    per_year: float = param(
        0.05, unit="1/year", ge=0.0, le=10.0,
        doc="Largest rise of a unit's rent allowed per year (posted rents and renewals).",
        source="assumption: a policy choice; docs/sources.md §regulation: the national "
        "住房租赁条例 (2025) monitors rents and sets no cap, and Xiamen's rules were not found",
        prior="fixed",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        20_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9,
        doc="Monitoring rents per village.", source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return 1.0

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return np.isfinite(world.villages.rent_cap_per_year[units]).astype(float)

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        v = world.villages
        on = units[values >= 0.5]
        v.rent_cap_per_year[on] = np.minimum(v.rent_cap_per_year[on], self.per_year)


class SmartPlatform(VillageIntervention):
    """一网统管: one platform joining charging points, smoke and waterlogging sensors, cameras and
    the grid's casework ("人、屋、车、场、网" data).

    Lever: ``villages.platform``, on once the rollout is half done. It changes what people can
    do and are asked to do: a smoke sensor's alarm dispatches crews at once (fire); a
    waterlogging sensor's alarm is routed to the grid's gridworkers and then its party members,
    who must warn the buildings around the point within their hours (governance, flood); and
    the grid's open requests are visible to its party members, who claim them when they have
    time to spare (governance).
    """

    kind: Literal["smart_platform"]
    levers = ("villages.platform",)
    capital_cost_cny: float = param(
        2_000_000.0, unit="CNY/village", ge=0.0, le=1e11,
        doc="Building the platform and connecting devices per village.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        500_000.0, unit="CNY/(village·year)", ge=0.0, le=1e10,
        doc="Operations, maintenance and staff per village.", source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return 1.0

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.platform[units].astype(float)

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.platform[units[values >= 0.5]] = True


class RenovationSubsidy(VillageIntervention):
    """Subsidised renovation of rental units: the program pays a share of what landlords spend
    renovating their units (furniture, bathrooms, wiring), landlords still deciding whether to.

    Lever: ``villages.renovation_subsidy_share`` (rises with the rollout); the subsidies paid
    are a program cost (``renovation_subsidy_cny``,
    :mod:`~vicinity_sim.processes.landlords`).
    """

    kind: Literal["renovation_subsidy"]
    levers = ("villages.renovation_subsidy_share",)
    share: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Share of a landlord's renovation cost the program pays.",
        source="assumption: a policy choice (a setting of the scenario)",
        prior="fixed",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        20_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9,
        doc="Administering the subsidy per village (the subsidies themselves are counted "
        "when paid).",
        source="assumption: checking claims and paying them, a fraction of a clerk's year",
    )  # fmt: skip

    def target(self) -> float:
        return self.share

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.renovation_subsidy_share[units].copy()

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.renovation_subsidy_share[units] = values


class OperatorLeasing(Intervention):
    """统租: operators offer landlords to lease whole buildings for a decade, renovate them and
    let them again (the Shenzhen pattern); the program may back the operators (bearing part of
    their failure risk) and pay landlords a bonus for signing. Landlords decide whether to
    accept (:mod:`~vicinity_sim.processes.landlords`).

    Levers: ``buildings.operator_offer``; ``villages.operator_backing`` and
    ``villages.operator_bonus_cny`` of the buildings' villages.
    """

    kind: Literal["operator_leasing"]
    levers = ("buildings.operator_offer", "villages.operator_backing",
              "villages.operator_bonus_cny")  # fmt: skip
    targeting: Literal["highest_risk", "random", "grid_order"] = "grid_order"
    backing: float = param(
        0.0, unit="1", ge=0.0, le=1.0,
        doc="Share of the operators' failure risk the state bears for landlords (0: none).",
        source="assumption: a policy choice (Shenzhen's 统租 was led by state-owned "
        "operators, docs/sources.md §landlords)",
        prior="fixed",
    )  # fmt: skip
    bonus_cny: float = param(
        0.0, unit="CNY/building", ge=0.0, le=1e9,
        doc="One-off payment to a landlord who leases a building to the operator (a program "
        "cost when paid).",
        source="assumption: a policy choice",
        prior="fixed",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        b = world.buildings
        return np.nonzero(~b.operator_offer & (b.operator_until < 0)
                          & np.isin(b.village, villages))[0]  # fmt: skip

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        return building_risk(world)[units]

    def install(self, world: World, units: np.ndarray) -> None:
        b, v = world.buildings, world.villages
        b.operator_offer[units] = True
        villages = np.unique(b.village[units])
        v.operator_backing[villages] = self.backing
        v.operator_bonus_cny[villages] = self.bonus_cny


INNOVATION_KINDS = (IndustrialProjects, SmartPlatform, PropertyManagement, RentalRegulation,
                    RentCap, RenovationSubsidy, OperatorLeasing)  # fmt: skip
