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
    """城中村房屋租赁管理: landlords register tenants, may raise rents by at most a cap a year and
    must bring rented buildings to a fire-safety standard (smoke sensors, escape windows, no
    三合一 use), enforced by inspections.

    Levers: ``villages.rent_cap_per_year``, ``villages.rental_registration``,
    ``villages.safety_standard`` and ``villages.inspections_per_building_year``; all take effect
    once the rollout is half done. Landlords decide when to comply
    (:mod:`~vicinity_sim.processes.compliance`).
    """

    kind: Literal["rental_regulation"]
    levers = (
        "villages.rental_registration",
        "villages.rent_cap_per_year",
        "villages.safety_standard",
        "villages.inspections_per_building_year",
    )
    rent_cap_per_year: float = param(
        0.05, unit="1/year", ge=0.0, le=10.0,
        doc="Largest rise of a unit's rent allowed per year.", source="assumption",
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
        v.rent_cap_per_year[on] = np.minimum(v.rent_cap_per_year[on], self.rent_cap_per_year)
        if self.safety_standard:
            v.safety_standard[on] = True
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


INNOVATION_KINDS = (IndustrialProjects, SmartPlatform, PropertyManagement, RentalRegulation)
