"""The world: every village of a scenario as one set of struct-of-arrays tables.

:func:`build_world` lays out each village (:mod:`~vicinity_sim.world.plan`), populates it
(:mod:`~vicinity_sim.world.population`) and concatenates the villages into global tables. Each
village draws from its own streams (``world.plan`` and ``world.population`` with the village's
position as index), so a village is the same whatever other villages the scenario holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.streams import Streams
from vicinity_sim.world.plan import Plan, PlanParams, build_plan
from vicinity_sim.world.population import (
    CapacityError,
    Population,
    PopulationParams,
    build_population,
)
from vicinity_sim.world.tables import (
    Adjacency,
    Blocks,
    Buildings,
    ChargingSites,
    FloodPoints,
    Gridworkers,
    Households,
    Landlords,
    Residents,
    Stations,
)

__all__ = ["VillageSpecLike", "World", "build_world"]


class VillageSpecLike(Protocol):
    name: str
    plan: PlanParams
    population: PopulationParams


@dataclass
class World:
    """All state of a run that is not a parameter.

    Attributes:
        village_names: Names of the villages, in scenario order.
        city_station_distance_m: Per village, road distance of the municipal fire station.
        width_m, height_m: Per village, extent of the plan.
        buildings, blocks, households, residents, landlords, gridworkers: Populations.
        stations, charging_sites: Facilities (rows are added when interventions plan them).
        flood_points: Waterlogging points.
        adjacency: Neighbouring buildings with their separation (for fire spread).
        heavy_rain, wind_ms: Today's weather per village (set by the weather process).
    """

    village_names: list[str]
    city_station_distance_m: np.ndarray
    width_m: np.ndarray
    height_m: np.ndarray
    buildings: Buildings
    blocks: Blocks
    households: Households
    residents: Residents
    landlords: Landlords
    gridworkers: Gridworkers
    stations: Stations
    charging_sites: ChargingSites
    flood_points: FloodPoints
    adjacency: Adjacency
    heavy_rain: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    wind_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_villages(self) -> int:
        return len(self.village_names)

    def occupants(self) -> np.ndarray:
        """Residents living in each building (derived from the residents table)."""
        return np.bincount(self.residents.building, minlength=len(self.buildings)).astype(np.int64)

    def village_index(self, name: str) -> int:
        return self.village_names.index(name)


def _village_tables(v: int, plan: Plan, pop: Population, off: dict[str, int]) -> dict[str, object]:
    """Tables of one village with indices shifted to global positions."""
    nb = len(plan.x)
    grid_of_block = pop.block_grid + off["grid"]
    buildings = Buildings(
        village=np.full(nb, v, np.int32),
        block=(plan.block + off["block"]).astype(np.int32),
        grid=grid_of_block[plan.block].astype(np.int32),
        x=plan.x,
        y=plan.y,
        side_m=plan.side_m,
        storeys=plan.storeys,
        rooms=plan.rooms,
        owner=(pop.building_owner + off["landlord"]).astype(np.int32),
        fire_resistive=plan.fire_resistive,
        three_in_one=plan.three_in_one,
        dangerous=plan.dangerous,
        old_wiring=plan.old_wiring,
        flood_point=np.where(plan.flood_point >= 0, plan.flood_point + off["flood"], -1).astype(
            np.int32
        ),
        access_road_m=plan.access_road_m,
        access_lane_m=plan.access_lane_m,
        edge_dist_m=plan.edge_dist_m,
        smoke_sensor=np.zeros(nb, bool),
        sprinkler=np.zeros(nb, bool),
        escape_windows=np.zeros(nb, bool),
        damage=np.zeros(nb),
    )
    blocks = Blocks(
        village=np.full(plan.n_blocks, v, np.int32),
        grid=grid_of_block.astype(np.int32),
        lane_cleared=np.zeros(plan.n_blocks, bool),
    )
    nh = len(pop.hh_size)
    households = Households(
        village=np.full(nh, v, np.int32),
        building=(pop.hh_building + off["building"]).astype(np.int32),
        group=pop.hh_group,
        size=pop.hh_size,
    )
    nr = len(pop.res_household)
    residents = Residents(
        village=np.full(nr, v, np.int32),
        household=(pop.res_household + off["household"]).astype(np.int32),
        building=households.building[pop.res_household],
        group=pop.res_group,
        age=pop.res_age,
        employed=pop.res_employed,
        income=pop.res_income,
        ebike=pop.res_ebike,
        charging=pop.res_charging,
        charging_site=np.full(nr, -1, np.int32),
        party=pop.res_party,
    )
    nl = len(pop.landlord_household)
    landlords = Landlords(
        village=np.full(nl, v, np.int32),
        household=np.where(
            pop.landlord_household >= 0, pop.landlord_household + off["household"], -1
        ),
    )
    gridworkers = Gridworkers(
        village=np.full(len(pop.gw_grid), v, np.int32),
        grid=(pop.gw_grid + off["grid"]).astype(np.int32),
        party=pop.gw_party,
    )
    nf = len(plan.flood_x)
    flood = FloodPoints(
        village=np.full(nf, v, np.int32),
        x=plan.flood_x,
        y=plan.flood_y,
        fixed=np.zeros(nf, bool),
    )
    return {
        "buildings": buildings,
        "blocks": blocks,
        "households": households,
        "residents": residents,
        "landlords": landlords,
        "gridworkers": gridworkers,
        "flood_points": flood,
        "edges": (
            plan.edges_src + off["building"],
            plan.edges_dst + off["building"],
            plan.edges_sep_m,
        ),
    }


def build_world(
    villages: list[VillageSpecLike], streams: Streams, source: str = "scenario"
) -> World:
    """Build every village and join them into one world.

    Args:
        villages: Village specifications (name, plan, population), in order.
        streams: Streams for the world (``world.plan``/``world.population`` per village).
        source: Name of the scenario's source, for error messages.

    Returns:
        The world, with no interventions applied yet.

    Raises:
        InputError: If a village's parameters cannot describe a village (e.g. more households
            than rental units).
    """
    parts: list[dict[str, object]] = []
    off = {"building": 0, "block": 0, "grid": 0, "household": 0, "landlord": 0, "flood": 0}
    dist, width, height = [], [], []
    for v, spec in enumerate(villages):
        plan = build_plan(spec.plan, streams.generator("world.plan", v))
        block_cols = np.arange(plan.n_blocks) % plan.n_block_cols
        block_rows = np.arange(plan.n_blocks) // plan.n_block_cols
        try:
            pop = build_population(
                spec.population,
                plan.rooms,
                block_cols,
                block_rows,
                streams.generator("world.population", v),
            )
        except CapacityError as e:
            raise InputError(
                source,
                f"villages[{v}].population.n_residents",
                f"{spec.population.n_residents} residents form about {e.households} households "
                f"but village '{spec.name}' has only {e.rooms} rental units; lower n_residents "
                "or raise plan.n_buildings or plan.rooms_per_storey",
            ) from None
        parts.append(_village_tables(v, plan, pop, off))
        off["building"] += len(plan.x)
        off["block"] += plan.n_blocks
        off["grid"] += pop.n_grids
        off["household"] += len(pop.hh_size)
        off["landlord"] += len(pop.landlord_household)
        off["flood"] += len(plan.flood_x)
        dist.append(spec.plan.city_station_distance_m)
        width.append(plan.width_m)
        height.append(plan.height_m)

    def cat(name: str):
        return type(parts[0][name]).concat([p[name] for p in parts])  # type: ignore[attr-defined]

    src = np.concatenate([p["edges"][0] for p in parts])  # type: ignore[index]
    dst = np.concatenate([p["edges"][1] for p in parts])  # type: ignore[index]
    sep = np.concatenate([p["edges"][2] for p in parts])  # type: ignore[index]
    n_v = len(villages)
    return World(
        village_names=[v.name for v in villages],
        city_station_distance_m=np.array(dist, dtype=np.float64),
        width_m=np.array(width),
        height_m=np.array(height),
        buildings=cat("buildings"),
        blocks=cat("blocks"),
        households=cat("households"),
        residents=cat("residents"),
        landlords=cat("landlords"),
        gridworkers=cat("gridworkers"),
        stations=Stations(
            village=np.zeros(0, np.int32),
            x=np.zeros(0),
            y=np.zeros(0),
            active=np.zeros(0, bool),
        ),
        charging_sites=ChargingSites(
            village=np.zeros(0, np.int32),
            x=np.zeros(0),
            y=np.zeros(0),
            active=np.zeros(0, bool),
            capacity=np.zeros(0, np.int32),
            used=np.zeros(0, np.int32),
        ),
        flood_points=cat("flood_points"),
        adjacency=Adjacency.from_edges(off["building"], src, dst, sep),
        heavy_rain=np.zeros(n_v, bool),
        wind_ms=np.zeros(n_v),
    )
