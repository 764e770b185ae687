"""Struct-of-arrays tables: the model's state.

Each table is a dataclass whose fields are equally long numpy arrays, one row per entity. All
villages of a scenario live in the same tables; the ``village`` column says which village a row
belongs to, and indices between tables (a resident's building, a building's block) are global.
Mechanisms read and write these arrays directly. Numba kernels receive a table as one bundle:
:meth:`Table.arrays` gives its columns as a named tuple (``BuildingsArrays`` for
:class:`Buildings`, made by :func:`arrays_of`), which numba compiles as a typed record of arrays,
so a kernel takes a handful of bundles instead of dozens of arrays.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

import numpy as np


class Table:
    """Mixin for dataclasses of equally long arrays (2-D columns have one row per entity)."""

    #: The table's bundle type for kernels (set by :func:`arrays_of`).
    Arrays: ClassVar[type]

    def __setattr__(self, name: str, value: Any) -> None:
        # Count assignments (a column replaced, rows added): bundles of the columns built
        # before stay valid as long as the count has not changed.
        object.__setattr__(self, name, value)
        object.__setattr__(self, "version", self.__dict__.get("version", 0) + 1)

    def arrays(self) -> Any:
        """The columns as one named tuple for numba kernels (the arrays themselves: a kernel
        writing into a column writes into the table). Take it afresh after rows are added."""
        kind = type(self).Arrays
        return kind._make([getattr(self, name) for name in kind._fields])

    def __len__(self) -> int:
        # The first field's name from the class's field dict: dataclasses.fields() is slow
        # enough to show in a profile, and tables are measured many times a day.
        return len(getattr(self, next(iter(self.__dataclass_fields__))))  # type: ignore[attr-defined]

    @classmethod
    def concat(cls, parts: list[Self]) -> Self:
        """Rows of several tables of the same kind, in order."""
        return cls(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(cls)  # type: ignore[arg-type]
            }
        )

    def append(self, **columns: Any) -> np.ndarray:
        """Add rows; returns the indices of the new rows."""
        start = len(self)
        names = [f.name for f in fields(self)]  # type: ignore[arg-type]
        if set(columns) != set(names):
            raise ValueError(f"append needs exactly the columns {names}")
        for name in names:
            old = getattr(self, name)
            new = np.asarray(columns[name], dtype=old.dtype).reshape(-1)
            setattr(self, name, np.concatenate([old, new]))
        return np.arange(start, len(self))

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass
class Villages(Table):
    """Village-level state: geography, today's weather and village-wide levers."""

    city_station_distance_m: np.ndarray  # float64, road distance of the municipal station
    width_m: np.ndarray  # float64, extent of the plan
    height_m: np.ndarray  # float64
    heavy_rain: np.ndarray  # bool, today (set by the weather process)
    wind_ms: np.ndarray  # float64, today
    rules_norm: np.ndarray  # float64 in [0, 1], village rules (村规民约) as a norm
    points_reward_cny: np.ndarray  # float64, value of points per weekly contribution
    cultural_events_per_year: np.ndarray  # float64
    taiwan_program: np.ndarray  # bool, measures for Taiwan compatriots' participation
    rent_cap_per_year: np.ndarray  # float64, largest yearly rent rise allowed (inf: none)
    rental_registration: np.ndarray  # bool, landlords must register tenants on arrival
    safety_standard: np.ndarray  # bool, rental units must meet the fire-safety standard
    inspections_per_building_year: np.ndarray  # float64, safety inspections of rented buildings
    safety_fine_cny: np.ndarray  # float64, fine for a building still below the standard after
    #   the deadline of a rectification order
    collective_revenue_cny_year: np.ndarray  # float64, the collective's own revenue (property)
    dividend_share: np.ndarray  # float64, share of collective revenue paid to villagers
    collective_fund_cny: np.ndarray  # float64, retained collective revenue (a ledger)
    dividend_per_capita: np.ndarray  # float64, CNY/month paid to each local villager
    platform: np.ndarray  # bool, smart platform (一网统管) links sensors, grids and services
    jobs: np.ndarray  # int64 (n, 4), jobs open to residents by sector (population.SECTORS),
    #   filled or vacant, besides the jobs of industrial projects
    renovation_subsidy_share: np.ndarray  # float64 in [0, 1], share of a landlord's own
    #   renovation the program pays
    operator_backing: np.ndarray  # float64 in [0, 1], share of an operator's failure risk the
    #   state bears for the landlords who lease to it (统租 with public backing)
    operator_bonus_cny: np.ndarray  # float64, one-off payment to a landlord who leases a
    #   building to an operator
    shop_openings_due: np.ndarray  # float64, shop openings owed to the village's demand for
    #   shop premises (the fraction not yet opened carries over)
    idle_assets_m2: np.ndarray  # float64, idle collective land and buildings not yet leased
    visitors_per_day: np.ndarray  # float64, the village's visitor flow this month
    wage_index: np.ndarray  # float64, city-wide nominal wage level relative to the start
    price_index: np.ndarray  # float64, consumer prices relative to the start


@dataclass
class Grids(Table):
    """Grids (网格): the unit of grassroots governance, and its levers."""

    village: np.ndarray  # int32
    duplication_loss: np.ndarray  # float64, gridworker time lost to duplicated reporting
    effort: np.ndarray  # float64, share of nominal capacity delivered (today)
    effort_base: np.ndarray  # float64, effort without supervision (it decays back to this)
    supervision_interval: np.ndarray  # int32, days between supervision events (0: none)
    supervised_effort: np.ndarray  # float64, effort right after a supervision event
    last_supervision: np.ndarray  # int32, day of the last supervision event
    skill: np.ndarray  # float64, resolution / mediation success probability
    coordination: np.ndarray  # float64, resolvability of requests needing other units
    public_space: np.ndarray  # float64 in [0, 1]
    environment: np.ndarray  # float64 in [0, 1], state of the grid's shared spaces (clean, kept)
    cleaning: np.ndarray  # float64, environment kept up by paid cleaning services
    council: np.ndarray  # bool, resident council meets monthly
    tea_parties_per_month: np.ndarray  # float64
    vanguard: np.ndarray  # bool, party vanguard teams active
    cameras: np.ndarray  # bool, cameras and IoT sensing
    social_org_tasks_per_day: np.ndarray  # float64, contracted service capacity


@dataclass
class Buildings(Table):
    """Residential buildings. Lengths in metres; flags are levers interventions may change."""

    village: np.ndarray  # int32
    block: np.ndarray  # int32, global block index
    grid: np.ndarray  # int32, global grid index
    x: np.ndarray  # float64, m, village-local
    y: np.ndarray  # float64, m
    side_m: np.ndarray  # float64, footprint side
    storeys: np.ndarray  # int32
    rooms: np.ndarray  # int32, rental units
    owner: np.ndarray  # int32, landlord index
    fire_resistive: np.ndarray  # bool, construction (Hamada's f)
    three_in_one: np.ndarray  # bool, 三合一 premises present
    dangerous: np.ndarray  # bool, dangerous-structure flag
    old_wiring: np.ndarray  # bool
    flood_point: np.ndarray  # int32, global flood point or -1
    access_road_m: np.ndarray  # float64, to the nearest engine-accessible road
    access_lane_m: np.ndarray  # float64, to the own block's lane
    edge_dist_m: np.ndarray  # float64, to the village edge road
    smoke_sensor: np.ndarray  # bool, networked smoke detection installed
    sprinkler: np.ndarray  # bool
    escape_windows: np.ndarray  # bool, openable escape windows in security grilles
    damage: np.ndarray  # float64, cumulative fire damage in building equivalents
    last_fire_day: np.ndarray  # int32, day of the last fire in the building (very negative: none)
    quality: np.ndarray  # float64 in [0, 1], state and amenity of the rental units
    base_rent: np.ndarray  # float64, CNY/month per unit at the village's reference quality
    rent: np.ndarray  # float64, CNY/month per unit the landlord (or operator) posts for its
    #   vacant units now (asking rent)
    managed: np.ndarray  # bool, under professional property management (大物业)
    last_check: np.ndarray  # int32, day a gridworker last checked the building (codes.NEVER)
    hazards_seen: np.ndarray  # int32, hazards found at the last check or party walk (indoor
    #   chargers, 三合一 premises); -1 never seen: the grid's record, which risk-targeted
    #   patrols read
    quality_private: np.ndarray  # float64 in [0, 1], quality without what publicly paid
    #   safety retrofits added
    public_safety: np.ndarray  # float64 in [0, 1], share of the three safety items (sensors,
    #   sprinklers, escape windows) the program paid for
    value: np.ndarray  # float64, what a unit is worth to tenants relative to base_rent
    markup: np.ndarray  # float64, posted rent over base_rent · value: the landlord's reading
    #   of the market
    renovated_day: np.ndarray  # int32, day of the last renovation of the units (LONG_AGO: none)
    inspected_day: np.ndarray  # int32, day of the last safety inspection (LONG_AGO: none)
    order_day: np.ndarray  # int32, day of a pending rectification order (-1: none)
    operator_offer: np.ndarray  # bool, an operator offers to lease the building (统租)
    operator_until: np.ndarray  # int32, day the operator's lease ends (-1: not leased)
    operator_rent: np.ndarray  # float64, CNY/month the operator guarantees the landlord


@dataclass
class Blocks(Table):
    """Blocks of buildings between lanes."""

    village: np.ndarray  # int32
    grid: np.ndarray  # int32, global grid index
    lane_cleared: np.ndarray  # bool, surrounding lanes cleared into fire lanes
    frontage_m: np.ndarray  # float64, length of lane around the block (where e-bikes park)


@dataclass
class Households(Table):
    village: np.ndarray  # int32
    building: np.ndarray  # int32
    group: np.ndarray  # int8
    size: np.ndarray  # int32
    paired: np.ndarray  # bool, paired with a party member (百联千户); a newcomer household
    #   takes the place of the household it replaces
    housing_cost: np.ndarray  # float64, CNY/month paid for the unit (rent and fees; 0 for owners)
    rent_burden: np.ndarray  # float64, housing cost / household income (0 for owners)
    burden_tolerance: np.ndarray  # float64, rent burden the household accepts (set on arrival)
    pair_member: np.ndarray  # int32, party member (row of party_members) the paired household
    #   is assigned to, or -1
    last_visit: np.ndarray  # int32, day of the last pairing visit (codes.NEVER: none yet)
    unit: np.ndarray  # int32, the unit it lives in (units table)
    notice: np.ndarray  # int8, asked to leave this month (codes.NOTICE_*)


@dataclass
class Units(Table):
    """Rooms of the buildings, one row per rental unit (``buildings.rooms`` of them per
    building, the building's rows consecutive, its ground-floor unit first)."""

    village: np.ndarray  # int32
    building: np.ndarray  # int32
    ground: np.ndarray  # bool, the building's ground-floor unit (the one a shop can take)
    state: np.ndarray  # int8, use of the unit (codes.UNIT_*)
    household: np.ndarray  # int32, household living in it, or -1
    rent: np.ndarray  # float64, CNY/month of the current lease (a household's or a shop's)
    lease_end: np.ndarray  # int32, day the current lease of a let unit ends
    vacant_since: np.ndarray  # int32, day a vacant unit last became vacant


@dataclass
class Residents(Table):
    village: np.ndarray  # int32
    household: np.ndarray  # int32
    building: np.ndarray  # int32
    group: np.ndarray  # int8: 0 local, 1 migrant, 2 Taiwan compatriot
    age: np.ndarray  # int8: 0 child, 1 working age, 2 elderly
    employed: np.ndarray  # bool
    income: np.ndarray  # float64, CNY/month: wage, dividends and a share of rental income
    wage: np.ndarray  # float64, CNY/month from work
    job_project: np.ndarray  # int32, industrial project employing the resident, or -1
    sector: np.ndarray  # int8, sector of the resident's job (population.SECTORS), -1 out of work
    ebike: np.ndarray  # bool
    charging: np.ndarray  # int8: 0 no e-bike, 1 indoor, 2 charging site, 3 elsewhere outdoors
    charging_site: np.ndarray  # int32, site index or -1
    party: np.ndarray  # bool, party member
    workplace: np.ndarray  # int32, village-local workplace or -1
    trust_inter: np.ndarray  # float64 (n, 2) in [0, 1]: trust in neighbours of one's own
    #   group (column IN_GROUP) and of the other groups (column OUT_GROUP)
    trust_inst: np.ndarray  # float64 in [0, 1], trust in the village's organisations
    disposition_inter: np.ndarray  # float64 (n, 2), dispositional part of trust_inter
    disposition_inst: np.ndarray  # float64 in [0, 1], dispositional part of trust_inst
    propensity: np.ndarray  # float64 in [0, 1], disposition to contribute (trait)
    participating: np.ndarray  # bool, contributed this week
    points: np.ndarray  # float64, points balance (CNY equivalent)
    registered: np.ndarray  # bool, registered with the grid
    arrived_day: np.ndarray  # int32, day of moving in (negative: before the run)
    holds_rules: np.ndarray  # bool, knows and keeps the revised village rules (村规民约)


@dataclass
class Landlords(Table):
    village: np.ndarray  # int32
    household: np.ndarray  # int64, global household or -1 (absentee)
    association: np.ndarray  # bool, member of the landlord association (房东协会)
    safety_spent_cny: np.ndarray  # float64, spent bringing own buildings to the safety standard
    fines_cny: np.ndarray  # float64, fines paid for buildings below the standard
    renovations: np.ndarray  # int32, renovations of own buildings' units so far
    renovation_spent_cny: np.ndarray  # float64, own money spent on them (net of subsidies)
    nonrenewals: np.ndarray  # int32, leases not renewed so far to re-let at a higher rent
    rent_income_cny: np.ndarray  # float64, CNY received last month (rents, shops, operators)
    posted_rent_mean: np.ndarray  # float64, mean posted rent of own buildings (CNY/month)
    units_let: np.ndarray  # int32, own units let to households (operators' included)
    units_vacant: np.ndarray  # int32, own units vacant on the market
    buildings_compliant: np.ndarray  # int32, own buildings meeting the safety standard
    buildings_leased: np.ndarray  # int32, own buildings leased to an operator (统租)
    shops: np.ndarray  # int32, own units let as shops


@dataclass
class Gridworkers(Table):
    """Gridworker posts (网格员); a row is a post, held by one person at a time (when its holder
    quits, the post stays vacant for a while and a newcomer takes it)."""

    village: np.ndarray  # int32
    grid: np.ndarray  # int32, global grid index
    party: np.ndarray  # bool, the post is held by a party member
    tenure_days: np.ndarray  # int32, days the current holder has served (0 while vacant)
    vacant_days: np.ndarray  # int32, days the post stays vacant (0: filled)
    strain: np.ndarray  # float64, workload: hours asked over nominal hours, moving mean
    effort: np.ndarray  # float64, today's effort (supervision, workload)
    knowledge: np.ndarray  # float64 in [0, 1], share of the grid's households known
    hours: np.ndarray  # float64, productive hours today
    hours_cases: np.ndarray  # float64, hours spent today on requests and alarms
    route_pos: np.ndarray  # int32, position on the round of the grid's buildings
    cases: np.ndarray  # int32, requests handled and alarms answered by the post so far
    checks: np.ndarray  # int32, buildings checked on patrol by the post so far
    quits: np.ndarray  # int32, holders of the post who quit so far

    @classmethod
    def new(cls, village: np.ndarray, grid: np.ndarray, party: np.ndarray,
            tenure_days: np.ndarray | None = None) -> Gridworkers:  # fmt: skip
        """Filled posts whose holders have served ``tenure_days`` (default: just hired)."""
        n = len(grid)
        tenure = np.zeros(n, np.int32) if tenure_days is None else tenure_days
        return cls(
            village=np.asarray(village, np.int32), grid=np.asarray(grid, np.int32),
            party=np.asarray(party, bool), tenure_days=np.asarray(tenure, np.int32),
            vacant_days=np.zeros(n, np.int32), strain=np.zeros(n), effort=np.zeros(n),
            knowledge=np.zeros(n), hours=np.zeros(n), hours_cases=np.zeros(n),
            route_pos=np.zeros(n, np.int32), cases=np.zeros(n, np.int32),
            checks=np.zeros(n, np.int32), quits=np.zeros(n, np.int32),
        )  # fmt: skip


@dataclass
class PartyMembers(Table):
    """Party members serving the village: resident members (a row of ``residents``) and
    in-service members registered with a grid (双报到), who live elsewhere.

    Hours are per week; ``hours_left`` is what the member can still give (the week's budget
    plus what is left of earlier weeks, up to a cap); counts are totals so far.
    """

    village: np.ndarray  # int32
    grid: np.ndarray  # int32, home grid, or the grid an in-service member registered with
    block: np.ndarray  # int32, home block (-1: in-service)
    resident: np.ndarray  # int64, row of residents (-1: in-service)
    kind: np.ndarray  # int8, codes.RETIRED_MEMBER / WORKING_MEMBER / IN_SERVICE_MEMBER
    group: np.ndarray  # int8, the resident's group (-1: in-service)
    since_day: np.ndarray  # int32, the resident's arrived_day when the row was made
    status: np.ndarray  # int8, codes.MEMBER_ACTIVE / PLANNED / WITHDRAWN / MOVED
    budget_week: np.ndarray  # float64, hours set aside this week
    hours_left: np.ndarray  # float64, hours the member can still give
    spent_week: np.ndarray  # float64, hours given since the week began
    asked_week: np.ndarray  # float64, hours asked of the member since the week began
    hours_last_week: np.ndarray  # float64, hours given in the last whole week
    strain: np.ndarray  # float64, hours asked over hours set aside, moving mean over weeks
    assigned: np.ndarray  # int32, paired households assigned to the member
    walk_pos: np.ndarray  # int32, position on the round of the home block's buildings
    budget_total: np.ndarray  # float64, hours set aside so far
    hours_total: np.ndarray  # float64, hours given so far
    needs_answered: np.ndarray  # int32, needs of paired households answered
    visits: np.ndarray  # int32, pairing visits made
    mediations: np.ndarray  # int32, disputes mediated
    claims: np.ndarray  # int32, grid requests claimed through the smart platform
    warnings: np.ndarray  # int32, buildings warned of waterlogging
    walks: np.ndarray  # int32, buildings walked on vanguard duty
    events: np.ndarray  # int32, community events volunteered at

    @classmethod
    def new(cls, village: np.ndarray, grid: np.ndarray, block: np.ndarray,
            resident: np.ndarray, kind: np.ndarray, group: np.ndarray, since_day: np.ndarray,
            status: np.ndarray) -> PartyMembers:  # fmt: skip
        """Members who have given no time yet."""
        n = len(grid)

        def zeros(dtype: Any = np.float64) -> np.ndarray:
            return np.zeros(n, dtype)

        return cls(
            village=np.asarray(village, np.int32), grid=np.asarray(grid, np.int32),
            block=np.asarray(block, np.int32), resident=np.asarray(resident, np.int64),
            kind=np.asarray(kind, np.int8), group=np.asarray(group, np.int8),
            since_day=np.asarray(since_day, np.int32), status=np.asarray(status, np.int8),
            budget_week=zeros(), hours_left=zeros(), spent_week=zeros(), asked_week=zeros(),
            hours_last_week=zeros(), strain=zeros(), assigned=zeros(np.int32),
            walk_pos=zeros(np.int32), budget_total=zeros(), hours_total=zeros(),
            needs_answered=zeros(np.int32), visits=zeros(np.int32),
            mediations=zeros(np.int32), claims=zeros(np.int32), warnings=zeros(np.int32),
            walks=zeros(np.int32), events=zeros(np.int32),
        )  # fmt: skip


@dataclass
class Stations(Table):
    """Micro fire stations (微型消防站); inactive rows are planned but not yet built."""

    village: np.ndarray  # int32
    x: np.ndarray  # float64, m
    y: np.ndarray  # float64, m
    active: np.ndarray  # bool


@dataclass
class ChargingSites(Table):
    """E-bike charging sites; ``used`` counts residents charging there."""

    village: np.ndarray  # int32
    x: np.ndarray  # float64, m
    y: np.ndarray  # float64, m
    active: np.ndarray  # bool
    capacity: np.ndarray  # int32, bikes
    used: np.ndarray  # int32, bikes


@dataclass
class Projects(Table):
    """Enterprises: the collectives' industrial projects (产业项目) on leased idle collective
    assets and residents' doorstep businesses (家门口创业) in converted idle rooms; inactive
    rows are projects planned but not yet running, or businesses closed."""

    village: np.ndarray  # int32
    jobs: np.ndarray  # int32, workers wanted now (a business's owner included)
    local_hire_share: np.ndarray  # float64
    wage: np.ndarray  # float64, CNY/month paid to staff
    active: np.ndarray  # bool
    kind: np.ndarray  # int8, codes.ENT_*
    owner: np.ndarray  # int32, resident owning a business, -1 for a collective project
    unit: np.ndarray  # int32, unit a business occupies, -1 for a project
    capital_cny: np.ndarray  # float64, invested (a project's scale; a business's set-up cost)
    asset_m2: np.ndarray  # float64, idle collective assets a project leases (0: a business)
    demand_cny_month: np.ndarray  # float64, last month's demand for its goods and services
    sales_cny_month: np.ndarray  # float64, last month's sales (demand, up to its workers)
    profit_cny_month: np.ndarray  # float64, last month's profit (after rent and wages)
    profit_expected: np.ndarray  # float64, the owner's running estimate of monthly profit
    opened_day: np.ndarray  # int32, day it started (-1: not yet)
    to_collective_cny_month: np.ndarray  # float64, a project's lease and profit share paid
    #   to the collective last month


@dataclass
class FloodPoints(Table):
    village: np.ndarray  # int32
    x: np.ndarray  # float64, m
    y: np.ndarray  # float64, m
    fixed: np.ndarray  # bool, drainage fixed
    warned: np.ndarray  # float64, share of the residents around the point warned on warned_day
    warned_day: np.ndarray  # int32, day of the last warning (codes.NEVER: none)


@dataclass
class Adjacency(Table):
    """Neighbouring buildings as CSR: ``indices[indptr[i]:indptr[i+1]]`` are i's neighbours."""

    indptr: np.ndarray  # int64
    indices: np.ndarray  # int64
    separation_m: np.ndarray  # float64, facade-to-facade distance of each directed edge

    @classmethod
    def from_edges(cls, n: int, src: np.ndarray, dst: np.ndarray, sep: np.ndarray) -> Adjacency:
        """Symmetric CSR from undirected edges."""
        a = np.concatenate([src, dst]).astype(np.int64)
        b = np.concatenate([dst, src]).astype(np.int64)
        d = np.concatenate([sep, sep]).astype(np.float64)
        order = np.lexsort((b, a))
        a, b, d = a[order], b[order], d[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, a + 1, 1)
        return cls(np.cumsum(indptr), b, d)


def arrays_of(table: type) -> type:
    """The bundle type of a table: a named tuple of its columns, same names, same order.

    Call it once per table at module level and keep the result under the returned name
    (compiled kernels are cached with their argument types, which must be importable).
    """
    names = [f.name for f in fields(table)]
    kind = collections.namedtuple(f"{table.__name__}Arrays", names, module=table.__module__)
    kind.__doc__ = f"The columns of :class:`{table.__name__}` as one bundle for numba kernels."
    table.Arrays = kind
    return kind


VillagesArrays = arrays_of(Villages)
GridsArrays = arrays_of(Grids)
BuildingsArrays = arrays_of(Buildings)
BlocksArrays = arrays_of(Blocks)
HouseholdsArrays = arrays_of(Households)
UnitsArrays = arrays_of(Units)
ResidentsArrays = arrays_of(Residents)
LandlordsArrays = arrays_of(Landlords)
GridworkersArrays = arrays_of(Gridworkers)
PartyMembersArrays = arrays_of(PartyMembers)
StationsArrays = arrays_of(Stations)
ChargingSitesArrays = arrays_of(ChargingSites)
ProjectsArrays = arrays_of(Projects)
FloodPointsArrays = arrays_of(FloodPoints)
AdjacencyArrays = arrays_of(Adjacency)
