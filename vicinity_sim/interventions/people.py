"""Interventions of the people pillar (人民性): safety, space, environment and culture.

The seed reports, program-wide: 489 dangerous buildings demolished or repaired, 142
waterlogging points treated, >12,000 三合一/九小 premises rectified, >22,000 fire retrofits,
~200 micro fire stations, 1,000 e-bike charging sites, and >290,000 escape windows, cleared fire
passages, sprinklers and hydrants ("补齐安全短板，让'邻'心安"); >3,000 small parks, plazas,
covered corridors and similar facilities, >2,000 micro landscapes (美化空间环境，让"邻"心欢);
garbage rooms, toilets and cleaning services (环境整治); heritage, place names, crafts and local
food brought back as a shared identity (挖掘人文历史，让"邻"心喜).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vicinity_sim.interventions.base import Intervention, building_risk
from vicinity_sim.interventions.grids import GridIntervention, VillageIntervention
from vicinity_sim.params import param
from vicinity_sim.world import World
from vicinity_sim.world.codes import CHARGE_INDOOR
from vicinity_sim.world.facilities import weighted_sites
from vicinity_sim.world.geometry import snap_sites

BuildingTargeting = Literal["highest_risk", "random", "grid_order"]


class FireRetrofit(Intervention):
    """消防技改: networked smoke sensors, sprinklers, escape windows and rewiring per building,
    paid by the program.

    Levers: ``buildings.smoke_sensor``, ``sprinkler``, ``escape_windows``, ``old_wiring``; the
    items it installs count in ``buildings.public_safety`` (publicly paid: whether they raise
    rents is ``rents.public_retrofit_raises_rent``).
    """

    kind: Literal["fire_retrofit"]
    levers = (
        "buildings.smoke_sensor",
        "buildings.sprinkler",
        "buildings.escape_windows",
        "buildings.old_wiring",
        "buildings.public_safety",
    )
    targeting: BuildingTargeting = "highest_risk"
    sensors: bool = param(
        True, unit="bool", doc="Install networked smoke sensors in every unit.", source="-"
    )
    sprinklers: bool = param(True, unit="bool", doc="Install sprinklers.", source="-")
    escape_windows: bool = param(
        True, unit="bool", doc="Open escape windows in the security grilles.", source="-"
    )
    rewiring: bool = param(
        False, unit="bool", doc="Replace old wiring (clears the old-wiring flag).", source="-"
    )
    sensor_cost_cny_per_room: float = param(
        150.0, unit="CNY/room", ge=0.0, le=1e7,
        doc="Networked smoke sensor per rental unit, installed.", source="assumption",
    )  # fmt: skip
    sprinkler_cost_cny: float = param(
        8000.0, unit="CNY/building", ge=0.0, le=1e8,
        doc="Simple sprinkler system for corridors and stairwell.", source="assumption",
    )  # fmt: skip
    escape_window_cost_cny: float = param(
        2000.0, unit="CNY/building", ge=0.0, le=1e8,
        doc="Escape windows in a building's security grilles.", source="assumption",
    )  # fmt: skip
    rewiring_cost_cny: float = param(
        15000.0, unit="CNY/building", ge=0.0, le=1e8, doc="Rewiring a building.",
        source="assumption",
    )  # fmt: skip
    sensor_running_cny_per_room_year: float = param(
        20.0, unit="CNY/(room·year)", ge=0.0, le=1e6,
        doc="Platform fee and batteries per sensor per year.", source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        b = world.buildings
        missing = np.zeros(len(b), dtype=bool)
        if self.sensors:
            missing |= ~b.smoke_sensor
        if self.sprinklers:
            missing |= ~b.sprinkler
        if self.escape_windows:
            missing |= ~b.escape_windows
        if self.rewiring:
            missing |= b.old_wiring
        return np.nonzero(missing & np.isin(b.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        return building_risk(world)[units]

    def install(self, world: World, units: np.ndarray) -> None:
        b = world.buildings
        for wanted, column in ((self.sensors, b.smoke_sensor), (self.sprinklers, b.sprinkler),
                               (self.escape_windows, b.escape_windows)):  # fmt: skip
            if wanted:
                # A third of the safety items for each one the program paid for.
                b.public_safety[units] += ~column[units] / 3.0
                column[units] = True
        if self.rewiring:
            b.old_wiring[units] = False

    def unit_capital_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        rooms = world.buildings.rooms[units].astype(np.float64)
        cost = np.full(len(units), self.capital_cost_cny)
        cost += self.sensors * self.sensor_cost_cny_per_room * rooms
        cost += self.sprinklers * self.sprinkler_cost_cny
        cost += self.escape_windows * self.escape_window_cost_cny
        cost += self.rewiring * self.rewiring_cost_cny
        return cost

    def unit_running_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        rooms = world.buildings.rooms[units].astype(np.float64)
        return self.running_cost_cny_per_year + (
            self.sensors * self.sensor_running_cny_per_room_year * rooms
        )


class MicroFireStations(Intervention):
    """微型消防站: staffed stations inside the village with portable equipment.

    Sites are placed to serve residents (weighted k-means); the busiest are built first.
    Lever: ``stations.active``.
    """

    kind: Literal["micro_fire_stations"]
    levers = ("stations.active",)
    unit = "stations"
    builds_facilities = True
    default_quantity = 3
    targeting: Literal["coverage", "random"] = "coverage"
    capital_cost_cny: float = param(
        300_000.0, unit="CNY/station", ge=0.0, le=1e10,
        doc="Building and equipping a micro fire station.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        200_000.0, unit="CNY/(station·year)", ge=0.0, le=1e10,
        doc="Staff on duty and upkeep of a station.", source="assumption",
    )  # fmt: skip

    def plan_facilities(
        self, world: World, village: int, quantity: int, gen: np.random.Generator
    ) -> np.ndarray:
        b = world.buildings
        in_v = np.nonzero(b.village == village)[0]
        if self.targeting == "random":
            pick = gen.choice(in_v, size=quantity, replace=quantity > len(in_v))
            sx, sy = b.x[pick], b.y[pick]
        else:
            weight = world.occupants()[in_v]
            sx, sy = weighted_sites(b.x[in_v], b.y[in_v], weight, quantity, gen)
        sx, sy = snap_sites(world, village, sx, sy)  # onto open ground in a footprint village
        return world.stations.append(
            village=np.full(len(sx), village), x=sx, y=sy, active=np.zeros(len(sx), bool)
        )

    def install(self, world: World, units: np.ndarray) -> None:
        world.stations.active[units] = True


class EbikeChargingSites(Intervention):
    """电动自行车集中充电场所: outdoor sites where e-bikes are parked and charged.

    Sites go where indoor charging is densest. Building a site does not move anyone: residents
    decide to charge there (:mod:`~vicinity_sim.processes.charging`). Lever:
    ``charging_sites.active`` (with their capacity).
    """

    kind: Literal["ebike_charging_sites"]
    levers = ("charging_sites.active",)
    unit = "charging_sites"
    builds_facilities = True
    default_quantity = 16
    targeting: Literal["coverage", "random"] = "coverage"
    capacity: int = param(
        60, unit="bikes/site", ge=1, le=100_000, doc="E-bikes a site can charge.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        60_000.0, unit="CNY/site", ge=0.0, le=1e10,
        doc="Shelter, charging posts, fire separation and a camera.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        6_000.0, unit="CNY/(site·year)", ge=0.0, le=1e10,
        doc="Upkeep and insurance (electricity is paid by users).", source="assumption",
    )  # fmt: skip

    def plan_facilities(
        self, world: World, village: int, quantity: int, gen: np.random.Generator
    ) -> np.ndarray:
        b = world.buildings
        r = world.residents
        in_v = np.nonzero(b.village == village)[0]
        if self.targeting == "random":
            pick = gen.choice(in_v, size=quantity, replace=quantity > len(in_v))
            sx, sy = b.x[pick], b.y[pick]
        else:
            demand = np.bincount(r.building[r.charging == CHARGE_INDOOR], minlength=len(b))
            sx, sy = weighted_sites(b.x[in_v], b.y[in_v], demand[in_v], quantity, gen)
        sx, sy = snap_sites(world, village, sx, sy)
        n = len(sx)
        return world.charging_sites.append(
            village=np.full(n, village),
            x=sx,
            y=sy,
            active=np.zeros(n, bool),
            capacity=np.full(n, self.capacity),
            used=np.zeros(n),
        )

    def install(self, world: World, units: np.ndarray) -> None:
        world.charging_sites.active[units] = True


class ThreeInOneRectification(Intervention):
    """三合一 rectification: separate dwelling from shop, workshop or store.

    Lever: ``buildings.three_in_one`` (cleared).
    """

    kind: Literal["three_in_one_rectification"]
    levers = ("buildings.three_in_one",)
    targeting: BuildingTargeting = "highest_risk"
    capital_cost_cny: float = param(
        15_000.0, unit="CNY/premises", ge=0.0, le=1e10,
        doc="Fire separation, separate exit and removal of beds from the premises.",
        source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        b = world.buildings
        return np.nonzero(b.three_in_one & np.isin(b.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        return building_risk(world)[units]

    def install(self, world: World, units: np.ndarray) -> None:
        world.buildings.three_in_one[units] = False


class DangerousBuildingRepair(Intervention):
    """拆改危房: demolish or repair dangerous buildings. Lever: ``buildings.dangerous``."""

    kind: Literal["dangerous_building_repair"]
    levers = ("buildings.dangerous",)
    targeting: BuildingTargeting = "highest_risk"
    capital_cost_cny: float = param(
        400_000.0, unit="CNY/building", ge=0.0, le=1e10,
        doc="Structural repair or rebuilding of a dangerous building.", source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        b = world.buildings
        return np.nonzero(b.dangerous & np.isin(b.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.occupants()[units].astype(np.float64)

    def install(self, world: World, units: np.ndarray) -> None:
        world.buildings.dangerous[units] = False


class WaterloggingFix(Intervention):
    """整治易涝点: drainage works at waterlogging points. Lever: ``flood_points.fixed``."""

    kind: Literal["waterlogging_fix"]
    levers = ("flood_points.fixed",)
    unit = "flood_points"
    targeting: Literal["highest_risk", "random"] = "highest_risk"
    capital_cost_cny: float = param(
        2_000_000.0, unit="CNY/point", ge=0.0, le=1e11,
        doc="Drainage works at one waterlogging point.", source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        fp = world.flood_points
        return np.nonzero(~fp.fixed & np.isin(fp.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        at = world.buildings.flood_point[world.residents.building]
        exposed = np.bincount(at[at >= 0], minlength=len(world.flood_points))
        return exposed[units].astype(np.float64)

    def install(self, world: World, units: np.ndarray) -> None:
        world.flood_points.fixed[units] = True


class FireLanes(Intervention):
    """打通消防通道: clear the lanes around a block so crews reach its buildings.

    Lever: ``blocks.lane_cleared`` (hose lays start at the block's lane, not the nearest road).
    """

    kind: Literal["fire_lanes"]
    levers = ("blocks.lane_cleared",)
    unit = "blocks"
    targeting: BuildingTargeting = "highest_risk"
    capital_cost_cny: float = param(
        100_000.0, unit="CNY/block", ge=0.0, le=1e10,
        doc="Removing encroachments and marking fire lanes around a block.",
        source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        5_000.0, unit="CNY/(block·year)", ge=0.0, le=1e10,
        doc="Keeping the lanes clear.", source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        bl = world.blocks
        has_buildings = np.bincount(world.buildings.block, minlength=len(bl)) > 0
        return np.nonzero(~bl.lane_cleared & has_buildings & np.isin(bl.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        b = world.buildings
        gain = (b.access_road_m - b.access_lane_m) * world.occupants()
        return np.bincount(b.block, weights=gain, minlength=len(world.blocks))[units]

    def install(self, world: World, units: np.ndarray) -> None:
        world.blocks.lane_cleared[units] = True


class SmartSensors(GridIntervention):
    """智能设备全覆盖: face recognition, security cameras and IoT sensors on the platform.

    Levers: ``grids.cameras`` (evidence settles disputes) and networked smoke sensors in
    every building of the grid (``buildings.smoke_sensor``).
    """

    kind: Literal["smart_sensors"]
    levers = ("grids.cameras", "buildings.smoke_sensor")
    camera_cost_cny: float = param(
        50_000.0, unit="CNY/grid", ge=0.0, le=1e9, doc="Cameras and access control per grid.",
        source="assumption",
    )  # fmt: skip
    sensor_cost_cny_per_room: float = param(
        150.0, unit="CNY/room", ge=0.0, le=1e7,
        doc="Networked smoke sensor per rental unit, installed.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        5_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9,
        doc="Platform fees and maintenance per grid (besides sensors).", source="assumption",
    )  # fmt: skip
    sensor_running_cny_per_room_year: float = param(
        20.0, unit="CNY/(room·year)", ge=0.0, le=1e6,
        doc="Platform fee and batteries per sensor per year.", source="assumption",
    )  # fmt: skip

    def _rooms(self, world: World, units: np.ndarray) -> np.ndarray:
        b = world.buildings
        rooms = np.bincount(b.grid, weights=b.rooms * ~b.smoke_sensor, minlength=len(world.grids))
        return rooms[units]

    def install(self, world: World, units: np.ndarray) -> None:
        world.grids.cameras[units] = True
        b = world.buildings
        b.smoke_sensor[np.isin(b.grid, units)] = True

    def unit_capital_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        return (
            self.capital_cost_cny
            + self.camera_cost_cny
            + (self.sensor_cost_cny_per_room * self._rooms(world, units))
        )

    def unit_running_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        return self.running_cost_cny_per_year + (
            self.sensor_running_cny_per_room_year * self._rooms(world, units)
        )


class PublicSpace(GridIntervention):
    """小公园、小广场、风雨连廊: public space in reach of every resident of the grid.

    Lever: ``grids.public_space`` (more and better encounters in public).
    """

    kind: Literal["public_space"]
    levers = ("grids.public_space",)
    provision: float = param(
        0.8, unit="1", ge=0.0, le=1.0, doc="Public-space provision of a grid afterwards.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        400_000.0, unit="CNY/grid", ge=0.0, le=1e10,
        doc="Small park, plaza or covered corridor per grid.",
        source="assumption: ~3,000 facilities program-wide, ~2 per grid",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        20_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9, doc="Upkeep per grid.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        g.public_space[units] = np.maximum(g.public_space[units], self.provision)


class CultureHeritage(VillageIntervention):
    """挖掘人文历史: heritage, place names, crafts and festivals as village-wide events.

    Lever: ``villages.cultural_events_per_year``.
    """

    kind: Literal["culture_heritage"]
    levers = ("villages.cultural_events_per_year",)
    events_per_year: float = param(
        6.0, unit="1/year", ge=0.0, le=365.0, doc="Village-wide cultural events per year.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        300_000.0, unit="CNY/village", ge=0.0, le=1e10,
        doc="Restoring heritage sites and branding (一村社一品牌).", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        50_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9, doc="Organising the events.",
        source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return self.events_per_year

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.cultural_events_per_year[units].copy()

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.cultural_events_per_year[units] = values


class EnvironmentServices(GridIntervention):
    """环境整治: paid cleaning, garbage rooms and sanitation in a grid.

    Lever: ``grids.cleaning`` (the grid's environment settles higher).
    """

    kind: Literal["environment_services"]
    levers = ("grids.cleaning",)
    cleaning: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Rise of the level a grid's environment settles at.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        60_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9,
        doc="Cleaning staff and garbage collection per grid.", source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        50_000.0, unit="CNY/grid", ge=0.0, le=1e9,
        doc="Garbage rooms and toilets per grid.",
        source="assumption: >200 garbage rooms program-wide (seed)",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        g.cleaning[units] = np.maximum(g.cleaning[units], self.cleaning)


PEOPLE_KINDS: tuple[type[Intervention], ...] = (
    FireRetrofit,
    MicroFireStations,
    EbikeChargingSites,
    ThreeInOneRectification,
    DangerousBuildingRepair,
    WaterloggingFix,
    FireLanes,
    SmartSensors,
    PublicSpace,
    CultureHeritage,
    EnvironmentServices,
)
