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


class IndustrialProjects(Intervention):
    """产业项目: projects on idle land and buildings (agriculture, e-commerce, culture, tourism)
    run with the village collective: jobs at home and collective revenue.

    Lever: active ``projects`` (jobs, local-hire share, wage, revenue to the collective).
    """

    kind: Literal["industrial_projects"]
    levers = ("projects.active",)
    unit = "projects"
    builds_facilities = True
    default_quantity = 2
    targeting: Literal["all"] = "all"
    jobs: int = param(
        10, unit="jobs/project", ge=0, le=100_000, doc="Jobs per project.",
        source="seed: 154 projects, >1,600 jobs (~10 per project)",
    )  # fmt: skip
    local_hire_share: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of a project's jobs reserved for local villagers first.",
        source="assumption: 带动居民家门口创业就业 (seed)",
    )  # fmt: skip
    wage_cny_month: float = param(
        5500.0, unit="CNY/month", ge=0.0, le=1e6, doc="Wage of a project job.",
        source="assumption",
    )  # fmt: skip
    revenue_cny_year: float = param(
        3_000_000.0, unit="CNY/(project·year)", ge=0.0, le=1e10,
        doc="Revenue a running project brings the village collective per year.",
        source="calibrated: about two projects per village under governance (154 over 71 "
        "villages) raise a 20 M CNY collective income by about a third, as the seed reports "
        "(+35%)",
    )  # fmt: skip
    capital_cost_cny: float = param(
        2_000_000.0, unit="CNY/project", ge=0.0, le=1e11,
        doc="Public co-investment per project.", source="assumption",
    )  # fmt: skip

    def plan_facilities(
        self, world: World, village: int, quantity: int, gen: np.random.Generator
    ) -> np.ndarray:
        return world.projects.append(
            village=np.full(quantity, village),
            jobs=np.full(quantity, self.jobs),
            local_hire_share=np.full(quantity, self.local_hire_share),
            wage=np.full(quantity, self.wage_cny_month),
            revenue_cny_year=np.full(quantity, self.revenue_cny_year),
            active=np.zeros(quantity, bool),
        )

    def install(self, world: World, units: np.ndarray) -> None:
        world.projects.active[units] = True


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
    """城中村房屋租赁管理: landlords register tenants and must bring rented buildings to a
    fire-safety standard (smoke sensors, escape windows, no 三合一 use), enforced by inspections,
    rectification orders and fines; optionally, rent rises are capped.

    Levers: ``villages.rental_registration``, ``villages.safety_standard``,
    ``villages.inspections_per_building_year``, ``villages.safety_fine_cny`` and, if a cap is
    given, ``villages.rent_cap_per_year``; all take effect once the rollout is half done.
    Landlords decide when to comply (:mod:`~vicinity_sim.processes.landlords`).
    """

    kind: Literal["rental_regulation"]
    levers = (
        "villages.rental_registration",
        "villages.rent_cap_per_year",
        "villages.safety_standard",
        "villages.inspections_per_building_year",
        "villages.safety_fine_cny",
    )
    rent_cap_per_year: float | None = param(
        None, unit="1/year", ge=0.0, le=10.0,
        doc="Largest rise of a unit's rent allowed per year (posted rents and renewals); none "
        "if not given.",
        source="docs/sources.md §landlords: the national 住房租赁条例 (2025) monitors rents "
        "and sets no cap; the text of Xiamen's rules was not found",
    )  # fmt: skip
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
        source="seed: 《城中村房屋租赁管理若干规定》",
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
        if self.rent_cap_per_year is not None:
            v.rent_cap_per_year[on] = np.minimum(v.rent_cap_per_year[on], self.rent_cap_per_year)
        if self.safety_standard:
            v.safety_standard[on] = True
            v.safety_fine_cny[on] = np.maximum(v.safety_fine_cny[on], self.safety_fine_cny)
        v.inspections_per_building_year[on] = np.maximum(
            v.inspections_per_building_year[on], self.inspections_per_building_year
        )


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
                    RenovationSubsidy, OperatorLeasing)  # fmt: skip
