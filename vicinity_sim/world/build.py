"""Building the world: lay out each village, populate it and join the villages' tables.

:func:`build_world` lays out each village (:mod:`~vicinity_sim.world.plan`), populates it
(:mod:`~vicinity_sim.world.population`) and concatenates the villages into global tables. Each
village draws from its own streams (``world.plan`` and ``world.population`` with the village's
position as index), so a village is the same whatever other villages the scenario holds.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.streams import Streams, stream_slots
from vicinity_sim.world.codes import NEVER_SUPERVISED, SECTORS
from vicinity_sim.world.economy import EconomyParams
from vicinity_sim.world.facilities import FacilitiesParams, place_existing_facilities
from vicinity_sim.world.institutions import InstitutionsParams
from vicinity_sim.world.plan import Plan, PlanParams, build_plan
from vicinity_sim.world.population import (
    CapacityError,
    Population,
    PopulationParams,
    build_population,
)
from vicinity_sim.world.state import World
from vicinity_sim.world.tables import (
    Adjacency,
    Blocks,
    Buildings,
    ChargingSites,
    FloodPoints,
    Grids,
    Gridworkers,
    Households,
    Landlords,
    Projects,
    Residents,
    Stations,
    Villages,
)
from vicinity_sim.world.ties import (
    INITIAL_STRENGTH,
    Ties,
    TieSeeding,
    group_members,
    seed_ties,
)

__all__ = ["VillageSpecLike", "build_world"]


@stream_slots("world.ties")
class TieSlot(IntEnum):
    """Slots of the initial ties' draws: one per kind of group residents meet in."""

    BUILDING = 0
    BLOCK = 1
    WORKPLACE = 2


class VillageSpecLike(Protocol):
    name: str
    plan: PlanParams
    population: PopulationParams
    institutions: InstitutionsParams
    economy: EconomyParams
    facilities: FacilitiesParams


def _job_stock(pop: Population, vacancy_rate: float) -> np.ndarray:
    """Jobs open to a village's residents by sector at the start, shape (1, 4): the filled
    ones plus the vacancy rate's share of the stock (rounded)."""
    filled = np.bincount(pop.res_sector[pop.res_employed], minlength=len(SECTORS))
    vacant = np.rint(filled * vacancy_rate / (1.0 - vacancy_rate))
    return (filled + vacant).astype(np.int64)[None, :]


def _village_tables(
    v: int,
    spec: VillageSpecLike,
    plan: Plan,
    pop: Population,
    off: dict[str, int],
    gen: np.random.Generator,
) -> dict[str, object]:
    """Tables of one village with indices shifted to global positions."""
    nb = len(plan.x)
    eco = spec.economy
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
        last_fire_day=np.full(nb, -(10**6), np.int32),
        quality=np.clip(gen.normal(eco.quality_mean, eco.quality_sd, nb), 0.0, 1.0),
        base_rent=eco.rent_median_cny_month * gen.lognormal(0.0, eco.rent_sigma, nb),
        rent=np.zeros(nb),
        managed=np.zeros(nb, bool),
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
        paired=np.zeros(nh, bool),
        housing_cost=np.zeros(nh),
        rent_burden=np.zeros(nh),
        burden_tolerance=np.zeros(nh),
    )
    nr = len(pop.res_household)
    residents = Residents(
        village=np.full(nr, v, np.int32),
        household=(pop.res_household + off["household"]).astype(np.int32),
        building=households.building[pop.res_household],
        group=pop.res_group,
        age=pop.res_age,
        employed=pop.res_employed,
        income=pop.res_income.copy(),
        wage=pop.res_income,
        job_project=np.full(nr, -1, np.int32),
        sector=pop.res_sector,
        ebike=pop.res_ebike,
        charging=pop.res_charging,
        charging_site=np.full(nr, -1, np.int32),
        party=pop.res_party,
        workplace=pop.res_workplace,
        trust_inter=pop.res_trust_inter,
        trust_inst=pop.res_trust_inst,
        disposition_inter=pop.res_disposition_inter,
        disposition_inst=pop.res_disposition_inst,
        propensity=pop.res_propensity,
        participating=np.zeros(nr, bool),
        points=np.zeros(nr),
        registered=pop.res_registered,
        arrived_day=pop.res_arrived,
    )
    nl = len(pop.landlord_household)
    landlords = Landlords(
        village=np.full(nl, v, np.int32),
        household=np.where(
            pop.landlord_household >= 0, pop.landlord_household + off["household"], -1
        ),
        association=np.zeros(nl, bool),
        safety_spent_cny=np.zeros(nl),
    )
    gridworkers = Gridworkers(
        village=np.full(len(pop.gw_grid), v, np.int32),
        grid=(pop.gw_grid + off["grid"]).astype(np.int32),
        party=pop.gw_party,
    )
    inst = spec.institutions
    grids = Grids(
        village=np.full(pop.n_grids, v, np.int32),
        duplication_loss=np.full(pop.n_grids, inst.duplication_loss),
        effort=np.full(pop.n_grids, inst.gridworker_effort),
        effort_base=np.full(pop.n_grids, inst.gridworker_effort),
        supervision_interval=np.zeros(pop.n_grids, np.int32),
        supervised_effort=np.full(pop.n_grids, inst.gridworker_effort),
        last_supervision=np.full(pop.n_grids, NEVER_SUPERVISED, np.int32),
        skill=np.full(pop.n_grids, inst.gridworker_skill),
        coordination=np.full(pop.n_grids, inst.coordination),
        public_space=np.full(pop.n_grids, inst.public_space),
        environment=np.full(pop.n_grids, inst.environment),
        cleaning=np.zeros(pop.n_grids),
        council=np.full(pop.n_grids, inst.council),
        tea_parties_per_month=np.full(pop.n_grids, inst.tea_parties_per_month),
        vanguard=np.full(pop.n_grids, inst.vanguard),
        cameras=np.full(pop.n_grids, inst.cameras),
        social_org_tasks_per_day=np.full(pop.n_grids, inst.social_org_tasks_per_day),
    )
    village = Villages(
        city_station_distance_m=np.array([spec.plan.city_station_distance_m]),
        width_m=np.array([plan.width_m]),
        height_m=np.array([plan.height_m]),
        heavy_rain=np.zeros(1, bool),
        wind_ms=np.zeros(1),
        rules_norm=np.array([inst.rules_norm]),
        points_reward_cny=np.array([inst.points_reward_cny]),
        cultural_events_per_year=np.array([inst.cultural_events_per_year]),
        taiwan_program=np.array([inst.taiwan_program]),
        rent_cap_per_year=np.array([np.inf]),
        rental_registration=np.zeros(1, bool),
        safety_standard=np.zeros(1, bool),
        inspections_per_building_year=np.zeros(1),
        collective_revenue_cny_year=np.array([eco.collective_revenue_cny_year]),
        dividend_share=np.array([eco.dividend_share]),
        collective_fund_cny=np.zeros(1),
        dividend_per_capita=np.zeros(1),
        platform=np.zeros(1, bool),
        jobs=_job_stock(pop, eco.vacancy_rate),
    )
    nf = len(plan.flood_x)
    flood = FloodPoints(
        village=np.full(nf, v, np.int32),
        x=plan.flood_x,
        y=plan.flood_y,
        fixed=np.zeros(nf, bool),
    )
    return {
        "villages": village,
        "grids": grids,
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
    villages: list[VillageSpecLike], streams: Streams, source: str = "scenario",
    ids: list[int] | None = None,
) -> World:  # fmt: skip
    """Build every village and join them into one world.

    Args:
        villages: Village specifications (name, plan, population, facilities), in order.
        streams: Streams for the world (``world.plan``/``world.population``/
            ``world.facilities``... per village).
        source: Name of the scenario's source, for error messages.
        ids: Position of each village in the scenario (default ``0..n−1``): a village's
            streams are addressed by it, so a city run's unit, which builds one village,
            builds exactly that village of the whole city's world.

    Returns:
        The world with the facilities it starts with, no interventions applied yet.

    Raises:
        InputError: If a village's parameters cannot describe a village (e.g. more households
            than rental units).
    """
    parts: list[dict[str, object]] = []
    off = {"building": 0, "block": 0, "grid": 0, "household": 0, "landlord": 0, "flood": 0}
    off["resident"] = 0
    pops: list[Population] = []
    ids = list(range(len(villages))) if ids is None else [int(i) for i in ids]
    for v, spec in enumerate(villages):
        gid = ids[v]
        plan = build_plan(spec.plan, streams.generator("world.plan", gid))
        block_cols = np.arange(plan.n_blocks) % plan.n_block_cols
        block_rows = np.arange(plan.n_blocks) // plan.n_block_cols
        try:
            pop = build_population(
                spec.population,
                plan.rooms,
                block_cols,
                block_rows,
                streams.generator("world.population", gid),
            )
        except CapacityError as e:
            raise InputError(
                source,
                f"villages[{gid}].population.n_residents",
                f"{spec.population.n_residents} residents form about {e.households} households "
                f"but village '{spec.name}' has only {e.rooms} rental units; lower n_residents "
                "or raise plan.n_buildings or plan.rooms_per_storey",
            ) from None
        parts.append(
            _village_tables(v, spec, plan, pop, off, streams.generator("world.economy", gid))
        )
        pops.append(pop)
        off["building"] += len(plan.x)
        off["block"] += plan.n_blocks
        off["grid"] += pop.n_grids
        off["household"] += len(pop.hh_size)
        off["landlord"] += len(pop.landlord_household)
        off["flood"] += len(plan.flood_x)
        off["resident"] += len(pop.res_household)

    def cat(name: str):
        return type(parts[0][name]).concat([p[name] for p in parts])  # type: ignore[attr-defined]

    src = np.concatenate([p["edges"][0] for p in parts])  # type: ignore[index]
    dst = np.concatenate([p["edges"][1] for p in parts])  # type: ignore[index]
    sep = np.concatenate([p["edges"][2] for p in parts])  # type: ignore[index]
    world = World(
        village_names=[v.name for v in villages],
        villages=cat("villages"),
        grids=cat("grids"),
        buildings=cat("buildings"),
        blocks=cat("blocks"),
        households=cat("households"),
        residents=cat("residents"),
        landlords=cat("landlords"),
        gridworkers=cat("gridworkers"),
        ties=Ties.empty(off["resident"], max(v.population.max_ties for v in villages)),
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
        projects=Projects(
            village=np.zeros(0, np.int32),
            jobs=np.zeros(0, np.int32),
            local_hire_share=np.zeros(0),
            wage=np.zeros(0),
            revenue_cny_year=np.zeros(0),
            active=np.zeros(0, bool),
        ),
        flood_points=cat("flood_points"),
        adjacency=Adjacency.from_edges(off["building"], src, dst, sep),
        village_ids=np.array(ids, dtype=np.int64),
    )
    for v, (spec, pop) in enumerate(zip(villages, pops, strict=True)):
        _seed_village_ties(world, v, spec.population, pop, streams)
    for v, spec in enumerate(villages):
        place_existing_facilities(
            world, v, spec.facilities, streams.generator("world.facilities", ids[v])
        )
    return world


def _seed_village_ties(
    world: World, v: int, p: PopulationParams, pop: Population, streams: Streams
) -> None:
    """Initial acquaintances of one village: in buildings, blocks and workplaces."""
    r = world.residents
    idx = np.nonzero(r.village == v)[0]
    if len(idx) < 2:
        return
    first = idx[0]
    b = r.building[idx]
    groups = {
        TieSlot.BUILDING: (b - b.min(), [p.group(g).building_ties for g in range(3)]),
        TieSlot.BLOCK: (
            world.buildings.block[b] - world.buildings.block[b].min(),
            [p.group(g).block_ties for g in range(3)],
        ),
        TieSlot.WORKPLACE: (pop.res_workplace, [p.group(g).workplace_ties for g in range(3)]),
    }
    key = streams.key("world.ties", int(world.village_ids[v]))
    for slot, (labels, rate) in groups.items():
        labels = labels.astype(np.int64)
        ptr, members = group_members(labels, int(labels.max()) + 1)
        seeding = TieSeeding(np.array(rate, dtype=np.float64), 1.0,
                             p.cross_group_tie_acceptance, *INITIAL_STRENGTH)  # fmt: skip
        seed_ties(key, slot, world.ties.arrays(), ptr, members + first, r.arrays(), seeding)
