"""Building the world: lay out each village, populate it and join the villages' tables.

:func:`build_world` lays out each village (:mod:`~vicinity_sim.world.plan`, or its real
building footprints: :mod:`~vicinity_sim.world.plan_source`), populates it
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
from vicinity_sim.world.codes import (
    ELDERLY,
    LONG_AGO,
    MEMBER_ACTIVE,
    NEVER,
    NEVER_SUPERVISED,
    NOTICE_NONE,
    RETIRED_MEMBER,
    SECTORS,
    UNIT_LET,
    UNIT_OWNER,
    UNIT_SHOP,
    UNIT_VACANT,
    WORKING_MEMBER,
)
from vicinity_sim.world.economy import EconomyParams
from vicinity_sim.world.facilities import FacilitiesParams, place_existing_facilities
from vicinity_sim.world.geometry import VillageGeometry
from vicinity_sim.world.institutions import InstitutionsParams
from vicinity_sim.world.plan import Plan, PlanParams
from vicinity_sim.world.plan_source import build_village_plan
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
    PartyMembers,
    Projects,
    Residents,
    Stations,
    Units,
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
    gw_gen: np.random.Generator,
    units_gen: np.random.Generator,
) -> dict[str, object]:
    """Tables of one village with indices shifted to global positions (``gen``: the
    village's economy stream; ``gw_gen``: its gridworkers'; ``units_gen``: its units')."""
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
        last_check=np.full(nb, NEVER, np.int32),
        hazards_seen=np.full(nb, -1, np.int32),
        quality_private=np.zeros(nb),
        public_safety=np.zeros(nb),
        value=np.ones(nb),
        markup=np.ones(nb),
        renovated_day=np.full(nb, LONG_AGO, np.int32),
        inspected_day=np.full(nb, LONG_AGO, np.int32),
        order_day=np.full(nb, -1, np.int32),
        operator_offer=np.zeros(nb, bool),
        operator_until=np.full(nb, -1, np.int32),
        operator_rent=np.zeros(nb),
    )
    buildings.quality_private = buildings.quality.copy()
    # Rents start at the base rent; the landlords' process prices the units when it starts.
    buildings.rent = buildings.base_rent.copy()
    units, hh_unit = _village_units(v, plan, pop, buildings.base_rent, off, units_gen)
    blocks = Blocks(
        village=np.full(plan.n_blocks, v, np.int32),
        grid=grid_of_block.astype(np.int32),
        lane_cleared=np.zeros(plan.n_blocks, bool),
        frontage_m=plan.block_frontage_m,
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
        pair_member=np.full(nh, -1, np.int32),
        last_visit=np.full(nh, NEVER, np.int32),
        unit=(hh_unit + off["unit"]).astype(np.int32),
        notice=np.full(nh, NOTICE_NONE, np.int8),
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
        holds_rules=np.zeros(nr, bool),
    )
    nl = len(pop.landlord_household)
    landlords = Landlords(
        village=np.full(nl, v, np.int32),
        household=np.where(
            pop.landlord_household >= 0, pop.landlord_household + off["household"], -1
        ),
        association=np.zeros(nl, bool),
        safety_spent_cny=np.zeros(nl),
        fines_cny=np.zeros(nl),
        renovations=np.zeros(nl, np.int32),
        renovation_spent_cny=np.zeros(nl),
        nonrenewals=np.zeros(nl, np.int32),
        rent_income_cny=np.zeros(nl),
        posted_rent_mean=np.zeros(nl),
        units_let=np.zeros(nl, np.int32),
        units_vacant=np.zeros(nl, np.int32),
        buildings_compliant=np.zeros(nl, np.int32),
        buildings_leased=np.zeros(nl, np.int32),
        shops=np.zeros(nl, np.int32),
    )
    n_gw = len(pop.gw_grid)
    tenure = np.floor(gw_gen.exponential(spec.population.gridworker_tenure_mean_days, n_gw))
    gridworkers = Gridworkers.new(np.full(n_gw, v), pop.gw_grid + off["grid"], pop.gw_party,
                                  tenure.astype(np.int32))  # fmt: skip
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
        safety_fine_cny=np.zeros(1),
        collective_revenue_cny_year=np.array([eco.collective_revenue_cny_year]),
        dividend_share=np.array([eco.dividend_share]),
        collective_fund_cny=np.zeros(1),
        dividend_per_capita=np.zeros(1),
        platform=np.zeros(1, bool),
        jobs=_job_stock(pop, eco.vacancy_rate),
        renovation_subsidy_share=np.zeros(1),
        operator_backing=np.zeros(1),
        operator_bonus_cny=np.zeros(1),
        shop_openings_due=np.zeros(1),
        idle_assets_m2=np.array([eco.idle_collective_assets_m2]),
        visitors_per_day=np.zeros(1),
        wage_index=np.ones(1),
        price_index=np.ones(1),
    )
    nf = len(plan.flood_x)
    flood = FloodPoints(
        village=np.full(nf, v, np.int32),
        x=plan.flood_x,
        y=plan.flood_y,
        fixed=np.zeros(nf, bool),
        warned=np.zeros(nf),
        warned_day=np.full(nf, NEVER, np.int32),
    )
    return {
        "villages": village,
        "grids": grids,
        "buildings": buildings,
        "blocks": blocks,
        "households": households,
        "units": units,
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


def _village_units(
    v: int,
    plan: Plan,
    pop: Population,
    base_rent: np.ndarray,
    off: dict[str, int],
    gen: np.random.Generator,
) -> tuple[Units, np.ndarray]:
    """The rental units of one village and the unit of each household (village-local).

    A building's rows are consecutive, its ground-floor unit first; a 三合一 premises is a shop
    in the ground-floor unit. Each building's households take its other units in a random
    order (the owner's own household lives in one of them); the rest stand vacant. Leases run
    a year from the anniversary of moving in, at the base rent until the landlords price them.
    """
    rooms = plan.rooms.astype(np.int64)
    n = int(rooms.sum())
    building = np.repeat(np.arange(len(rooms)), rooms)
    first = np.concatenate([[0], np.cumsum(rooms)[:-1]]).astype(np.int64)
    ground = np.zeros(n, dtype=bool)
    ground[first[rooms > 0]] = True
    state = np.full(n, UNIT_VACANT, np.int8)
    shop = ground & plan.three_in_one[building]
    state[shop] = UNIT_SHOP
    # Households of a building take its residential units in a random order.
    residential = np.nonzero(~shop)[0]
    key = gen.random(n)
    order = residential[np.lexsort((key[residential], building[residential]))]
    rank = np.arange(len(order)) - np.searchsorted(building[order], building[order])
    hh_b = pop.hh_building.astype(np.int64)
    hh_rank = np.arange(len(hh_b)) - np.searchsorted(hh_b, hh_b)  # households sorted by building
    slot = np.full((len(rooms), int(rooms.max()) if len(rooms) else 0), -1, np.int64)
    slot[building[order], rank] = order
    hh_unit = slot[hh_b, hh_rank]
    household = np.full(n, -1, np.int32)
    household[hh_unit] = np.arange(len(hh_b)) + off["household"]
    owner_hh = pop.landlord_household[pop.building_owner[hh_b]]
    owner = owner_hh == np.arange(len(hh_b))
    state[hh_unit] = np.where(owner, UNIT_OWNER, UNIT_LET)
    # Leases: yearly from the day the household (its head, the first member) moved in.
    head = np.concatenate([[0], np.cumsum(pop.hh_size)[:-1]]).astype(np.int64)
    arrived = pop.res_arrived[head].astype(np.int64) if len(head) else np.zeros(0, np.int64)
    lease_end = np.zeros(n, np.int32)
    lease_end[hh_unit] = arrived + 365 * (-arrived // 365 + 1)
    rent = np.zeros(n)
    let = hh_unit[~owner]
    rent[let] = base_rent[building[let]]
    units = Units(
        village=np.full(n, v, np.int32),
        building=(building + off["building"]).astype(np.int32),
        ground=ground,
        state=state,
        household=household,
        rent=rent,
        lease_end=lease_end,
        vacant_since=np.zeros(n, np.int32),
    )
    return units, hh_unit


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
    off["unit"] = 0
    pops: list[Population] = []
    ids = list(range(len(villages))) if ids is None else [int(i) for i in ids]
    geometry: dict[int, VillageGeometry] = {}
    for v, spec in enumerate(villages):
        gid = ids[v]
        # A synthetic plan, or one read from building footprints (plan.source).
        plan, geom, grids = build_village_plan(spec.plan, streams.generator("world.plan", gid),
                                               source, gid)  # fmt: skip
        if geom is not None:
            geometry[v] = geom
        block_cols = np.arange(plan.n_blocks) % plan.n_block_cols
        block_rows = np.arange(plan.n_blocks) // plan.n_block_cols
        try:
            # A 三合一 premises takes its building's ground-floor unit as a shop.
            pop = build_population(
                spec.population,
                plan.rooms - (plan.three_in_one & (plan.rooms > 0)),
                block_cols,
                block_rows,
                streams.generator("world.population", gid),
                grids,
            )
        except CapacityError as e:
            raise InputError(
                source,
                f"villages[{gid}].population.n_residents",
                f"{spec.population.n_residents} residents form about {e.households} households "
                f"but village '{spec.name}' has only {e.rooms} rental units; lower n_residents "
                + (
                    "or plan.footprints.unit_floor_area_m2"
                    if geom is not None
                    else "or raise plan.n_buildings or plan.rooms_per_storey"
                ),
            ) from None
        economy = streams.generator("world.economy", gid)
        gridworkers = streams.generator("world.gridworkers", gid)
        units = streams.generator("world.units", gid)
        parts.append(_village_tables(v, spec, plan, pop, off, economy, gridworkers, units))
        pops.append(pop)
        off["building"] += len(plan.x)
        off["block"] += plan.n_blocks
        off["grid"] += pop.n_grids
        off["household"] += len(pop.hh_size)
        off["landlord"] += len(pop.landlord_household)
        off["flood"] += len(plan.flood_x)
        off["resident"] += len(pop.res_household)
        off["unit"] += int(plan.rooms.sum())

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
        units=cat("units"),
        residents=cat("residents"),
        landlords=cat("landlords"),
        gridworkers=cat("gridworkers"),
        party_members=PartyMembers.new(*[np.zeros(0)] * 8),
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
            active=np.zeros(0, bool),
            kind=np.zeros(0, np.int8),
            owner=np.zeros(0, np.int32),
            unit=np.zeros(0, np.int32),
            capital_cny=np.zeros(0),
            asset_m2=np.zeros(0),
            demand_cny_month=np.zeros(0),
            sales_cny_month=np.zeros(0),
            profit_cny_month=np.zeros(0),
            profit_expected=np.zeros(0),
            opened_day=np.zeros(0, np.int32),
            to_collective_cny_month=np.zeros(0),
        ),
        flood_points=cat("flood_points"),
        adjacency=Adjacency.from_edges(off["building"], src, dst, sep),
        geometry=geometry,
        village_ids=np.array(ids, dtype=np.int64),
    )
    world.party_members = resident_members(world, np.nonzero(world.residents.party)[0])
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


def resident_members(world: World, rows: np.ndarray) -> PartyMembers:
    """Party-member rows (active, no time given yet) for the residents in ``rows``: retired
    if 60 or over, of working age otherwise; serving their home grid and block."""
    r, b = world.residents, world.buildings
    building = r.building[rows]
    return PartyMembers.new(
        r.village[rows], b.grid[building], b.block[building], rows,
        np.where(r.age[rows] == ELDERLY, RETIRED_MEMBER, WORKING_MEMBER), r.group[rows],
        r.arrived_day[rows], np.full(len(rows), MEMBER_ACTIVE),
    )  # fmt: skip
