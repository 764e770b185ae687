"""Population: households, residents, landlords, party members and gridworkers of one village.

Residents belong to one of three groups (local villager, migrant tenant, Taiwan compatriot),
live in households, and households occupy rental units (rooms) of buildings, at most one
household per unit. Local households own the buildings and are their landlords; where a village
has no local households, buildings belong to absentee landlords who do not live there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import Field, create_model

from vicinity_sim.params import ParamModel, param
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    CHILD,
    ELDERLY,
    GROUPS,
    LOCAL,
    NO_EBIKE,
    SECTORS,
    WORKING,
)

# name: (unit, low, high, doc, source, {group: default})
# (the source may differ by group: then it is a dict like the defaults)
_GROUP_FIELDS: dict[str, tuple[str, float, float, str, str | dict[str, str], dict[str, float]]] = {
    "household_size_mean": (
        "persons", 1.0, 10.0, "Mean household size.",
        "assumption: migrant tenants mostly live alone or in couples (Weili: ~37,500 residents "
        "in >30,000 units)",
        {"local": 3.2, "migrant": 1.25, "taiwan": 2.0},
    ),
    "share_child": (
        "1", 0.0, 1.0, "Share of residents under 15.", "assumption",
        {"local": 0.18, "migrant": 0.10, "taiwan": 0.12},
    ),
    "share_elderly": (
        "1", 0.0, 1.0, "Share of residents aged 60 and over.", "assumption",
        {"local": 0.22, "migrant": 0.04, "taiwan": 0.15},
    ),
    "employment_rate": (
        "1", 0.0, 1.0, "Share of working-age residents in paid work at the start.",
        {
            "local": "assumption: locals often live on rent and dividends",
            "migrant": "assumption: tenants come to the city to work, so most of working age "
            "are in work",
            "taiwan": "assumption: Taiwan compatriots in Xiamen come mostly as employees and "
            "entrepreneurs of Taiwan-funded firms",
        },
        {"local": 0.55, "migrant": 0.90, "taiwan": 0.80},
    ),
    "share_industry": (
        "1", 0.0, 1.0, "Share of the group's jobs at the start in industry (manufacturing, "
        "processing, logistics workshops).",
        {
            "local": "assumption: villagers work mostly in the collective's property, shops and "
            "public jobs",
            "migrant": "NBS 2023 migrant-worker monitoring survey (农民工监测调查报告): "
            "manufacturing ~28% of migrant workers",
            "taiwan": "assumption: Taiwan-funded manufacturing in Xiamen",
        },
        {"local": 0.15, "migrant": 0.28, "taiwan": 0.30},
    ),
    "share_construction": (
        "1", 0.0, 1.0, "Share of the group's jobs at the start in construction.",
        {
            "local": "assumption",
            "migrant": "NBS 2023 migrant-worker monitoring survey: construction ~15% of "
            "migrant workers",
            "taiwan": "assumption",
        },
        {"local": 0.10, "migrant": 0.15, "taiwan": 0.0},
    ),
    "share_services": (
        "1", 0.0, 1.0, "Share of the group's jobs at the start in services and retail "
        "(shops, catering, delivery, household services); the rest are in other sectors.",
        {
            "local": "assumption",
            "migrant": "NBS 2023 migrant-worker monitoring survey: services over half of "
            "migrant workers (the rest of services counted as other)",
            "taiwan": "assumption",
        },
        {"local": 0.45, "migrant": 0.45, "taiwan": 0.40},
    ),
    "wage_median_cny_month": (
        "CNY/month", 0.0, 1e6, "Median monthly wage of employed residents.", "assumption",
        {"local": 4500.0, "migrant": 5000.0, "taiwan": 8000.0},
    ),
    "wage_sigma": (
        "1", 0.0, 3.0, "Log-normal sigma of wages.", "assumption",
        {"local": 0.5, "migrant": 0.45, "taiwan": 0.5},
    ),
    "ebike_ownership": (
        "1", 0.0, 1.0, "Share of working-age residents who own an e-bike.",
        "assumption: e-bikes are the main commuting and delivery vehicle in urban villages",
        {"local": 0.25, "migrant": 0.40, "taiwan": 0.10},
    ),
    "party_share": (
        "1", 0.0, 1.0, "Share of adults who are party members.",
        "assumption: ~7% of China's population are members; lower among migrants",
        {"local": 0.08, "migrant": 0.03, "taiwan": 0.0},
    ),
    "trust_interpersonal": (
        "1", 0.0, 1.0, "Mean initial trust in neighbours of one's own group.",
        "assumption: migrants in urban villages report less social trust than locals",
        {"local": 0.6, "migrant": 0.5, "taiwan": 0.5},
    ),
    "trust_institutional": (
        "1", 0.0, 1.0, "Mean initial trust in the village's organisations.",
        "assumption", {"local": 0.55, "migrant": 0.45, "taiwan": 0.5},
    ),
    "participation_propensity": (
        "1", 0.0, 1.0, "Mean disposition to contribute to community affairs (a trait).",
        "assumption", {"local": 0.5, "migrant": 0.4, "taiwan": 0.4},
    ),
    "building_ties": (
        "ties/person", 0.0, 50.0,
        "Initial ties each resident seeks among other households of the same building (ties "
        "others seek with them come on top, so the resulting number is about twice this).",
        "assumption: a weak 熟人社会 among transient tenants (seed)",
        {"local": 2.0, "migrant": 0.8, "taiwan": 0.8},
    ),
    "block_ties": (
        "ties/person", 0.0, 50.0,
        "Initial ties each resident seeks elsewhere in the block (about doubled, as above).",
        "assumption: villagers' kin and old neighbours live close by",
        {"local": 3.0, "migrant": 0.6, "taiwan": 0.6},
    ),
    "workplace_ties": (
        "ties/person", 0.0, 50.0,
        "Initial ties each employed resident seeks among co-workers living in the village "
        "(about doubled, as above).",
        "assumption", {"local": 1.0, "migrant": 1.5, "taiwan": 1.0},
    ),
    "tenure_mean_days": (
        "days", 1.0, 36500.0, "Mean time residents have lived in the village at the start "
        "(exponentially distributed).",
        "assumption: locals for generations; tenants for a year or two",
        {"local": 20000.0, "migrant": 700.0, "taiwan": 900.0},
    ),
    "unregistered_share": (
        "1", 0.0, 1.0, "Share of residents not yet registered with the grid at the start.",
        "assumption", {"local": 0.0, "migrant": 0.15, "taiwan": 0.05},
    ),
}  # fmt: skip


# Plausible ranges where the default's ± 50% would let the sector shares of a group add up to
# more than 1 (an invalid village): each share varies, their sum stays at most 0.9.
_GROUP_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "share_industry": {"local": (0.1, 0.2), "taiwan": (0.2, 0.4)},
    "share_construction": {"local": (0.05, 0.15)},
    "share_services": {"local": (0.35, 0.55), "taiwan": (0.3, 0.5)},
}


def _group_model(group: str) -> type[ParamModel]:
    fields: dict[str, Any] = {}
    for name, (unit, lo, hi, doc, src, defaults) in _GROUP_FIELDS.items():
        source = src[group] if isinstance(src, dict) else src
        plausible = _GROUP_RANGES.get(name, {}).get(group)
        fields[name] = (
            float,
            param(
                defaults[group], unit=unit, ge=lo, le=hi, doc=doc, source=source, range=plausible
            ),
        )
    return create_model(
        f"{group.capitalize()}GroupParams",
        __base__=ParamModel,
        __doc__=f"Characteristics of the {group} group.",
        **fields,
    )


LocalGroupParams = _group_model("local")
MigrantGroupParams = _group_model("migrant")
TaiwanGroupParams = _group_model("taiwan")


class PopulationParams(ParamModel):
    """Who lives in the village. Defaults describe Weili (围里)."""

    n_residents: int = param(
        37_500, unit="persons", ge=1, le=2_000_000,
        doc="Residents of the village.",
        source="docs/sources.md §villages (Weili ~37,500 residents)",
    )  # fmt: skip
    share_local: float = param(
        0.08, unit="1", ge=0.0, le=1.0,
        doc="Share of residents who are local villagers (hukou in the village).",
        source="docs/sources.md §villages (Weili 92% non-local)",
    )  # fmt: skip
    share_taiwan: float = param(
        0.005, unit="1", ge=0.0, le=1.0,
        doc="Share of residents who are Taiwan compatriots.", source="assumption",
    )  # fmt: skip
    indoor_charging_share: float = param(
        0.7, unit="1", ge=0.0, le=1.0,
        doc="Share of e-bike owners who charge indoors (room, corridor, stairwell) at the start.",
        source="assumption: indoor charging is the problem the seed's charging sites address",
    )  # fmt: skip
    residents_per_grid: float = param(
        1500.0, unit="persons/grid", ge=10.0, le=1e6,
        doc="Residents per grid (网格); sets the number of grids.",
        source="assumption: pilot villages had 65 grids (seed)",
    )  # fmt: skip
    gridworkers_per_grid_min: int = param(
        1, unit="persons", ge=0, le=20,
        doc="Fewest gridworkers in a grid.", source="seed (1–2 per grid)",
    )  # fmt: skip
    gridworkers_per_grid_max: int = param(
        2, unit="persons", ge=0, le=20,
        doc="Most gridworkers in a grid.", source="seed (1–2 per grid)",
    )  # fmt: skip
    gridworker_party_share: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of gridworkers who are party members (the rounded count of the village's "
        "gridworkers, assigned at random).",
        source="seed (≥50%)",
    )  # fmt: skip
    gridworker_tenure_mean_days: float = param(
        1100.0, unit="days", gt=0.0, le=36_500.0, range=(600.0, 2000.0), prior="uniform",
        doc="Mean time the gridworkers in post at the start have served (exponentially "
        "distributed); their knowledge of the grid grows with it.",
        source="assumption: between the 1.7 years Shenzhen's community social workers had "
        "served on average in 2011, a young and fast-growing profession, and the 5.5 years a "
        "steady 18%/year turnover implies (docs/sources.md §gridworkers)",
    )  # fmt: skip
    trust_sd: float = param(
        0.12, unit="1", ge=0.0, le=0.5,
        doc="Standard deviation of initial trust and participation propensity around the "
        "group means (clipped to [0, 1]).",
        source="assumption",
    )  # fmt: skip
    outgroup_trust_gap: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Initial trust in neighbours of other groups is this much below trust in one's own "
        "group (the local–migrant divide).",
        source="assumption: 外来人口与本地居民融合难度大 (seed)",
    )  # fmt: skip
    workplace_size: float = param(
        15.0, unit="persons", ge=1.0, le=10_000.0,
        doc="Mean number of village residents sharing a workplace.", source="assumption",
    )  # fmt: skip
    cross_group_tie_acceptance: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Chance an initial acquaintance across groups forms where one within the group "
        "would (homophily).",
        source="assumption",
    )  # fmt: skip
    max_ties: int = param(
        16, unit="ties", ge=1, le=256,
        doc="Most acquaintance ties a resident keeps (the weakest give way to new ones).",
        source="assumption: the number of neighbours one knows by name is small",
    )  # fmt: skip
    wage_premium_industry: float = param(
        1.0, unit="1", gt=0.0, le=10.0,
        doc="Relative wage of industry jobs (premiums are rescaled so that each group's wages "
        "over its sector mix keep the group's median).",
        source="assumption: ordered as migrant workers' monthly incomes by sector in the NBS "
        "2023 migrant-worker monitoring survey (construction highest, services lowest)",
    )  # fmt: skip
    wage_premium_construction: float = param(
        1.15, unit="1", gt=0.0, le=10.0, doc="Relative wage of construction jobs.",
        source="assumption: as wage_premium_industry",
    )  # fmt: skip
    wage_premium_services: float = param(
        0.9, unit="1", gt=0.0, le=10.0, doc="Relative wage of jobs in services and retail.",
        source="assumption: as wage_premium_industry",
    )  # fmt: skip
    wage_premium_other: float = param(
        1.05, unit="1", gt=0.0, le=10.0, doc="Relative wage of jobs in other sectors.",
        source="assumption",
    )  # fmt: skip
    local: LocalGroupParams = Field(default_factory=LocalGroupParams)  # type: ignore[valid-type]
    migrant: MigrantGroupParams = Field(default_factory=MigrantGroupParams)  # type: ignore[valid-type]
    taiwan: TaiwanGroupParams = Field(default_factory=TaiwanGroupParams)  # type: ignore[valid-type]

    def group(self, g: int) -> Any:
        return (self.local, self.migrant, self.taiwan)[g]


@dataclass
class Population:
    """Arrays of one village's people; building indices are local to the village."""

    hh_building: np.ndarray
    hh_group: np.ndarray
    hh_size: np.ndarray
    res_household: np.ndarray
    res_group: np.ndarray
    res_age: np.ndarray
    res_employed: np.ndarray
    res_sector: np.ndarray
    res_income: np.ndarray
    res_ebike: np.ndarray
    res_charging: np.ndarray
    res_party: np.ndarray
    res_workplace: np.ndarray
    res_trust_inter: np.ndarray
    res_trust_inst: np.ndarray
    res_disposition_inter: np.ndarray
    res_disposition_inst: np.ndarray
    res_propensity: np.ndarray
    res_registered: np.ndarray
    res_arrived: np.ndarray
    building_owner: np.ndarray
    landlord_household: np.ndarray
    gw_grid: np.ndarray
    gw_party: np.ndarray
    block_grid: np.ndarray
    n_grids: int


class CapacityError(ValueError):
    """The plan has fewer rental units than the population needs."""

    def __init__(self, households: int, rooms: int) -> None:
        self.households = households
        self.rooms = rooms
        super().__init__(f"{households} households need units but the plan has {rooms}")


def _household_sizes(n: int, mean: float, gen: np.random.Generator) -> np.ndarray:
    """Household sizes (1 + Poisson) summing exactly to ``n`` residents."""
    if n <= 0:
        return np.zeros(0, dtype=np.int32)
    guess = int(n / max(mean, 1.0) * 1.2) + 10
    sizes = 1 + gen.poisson(max(mean - 1.0, 0.0), guess)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, 1 + gen.poisson(max(mean - 1.0, 0.0), guess)])
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n))
    sizes = sizes[: k + 1].copy()
    sizes[-1] -= cum[k] - n
    return sizes.astype(np.int32)


def _by_group(p: PopulationParams, group: np.ndarray, attr: str) -> np.ndarray:
    return np.array([getattr(p.group(g), attr) for g in range(3)])[group]


def sector_shares(p: PopulationParams) -> np.ndarray:
    """Shares of each group's jobs by sector at the start, shape (3 groups, 4 sectors)."""
    out = np.zeros((len(GROUPS), len(SECTORS)))
    for g in range(len(GROUPS)):
        gp = p.group(g)
        out[g, :3] = gp.share_industry, gp.share_construction, gp.share_services
        out[g, 3] = max(0.0, 1.0 - out[g, :3].sum())
    return out


def wage_factors(p: PopulationParams) -> np.ndarray:
    """Wage of each group's jobs by sector relative to the group's median, shape (3, 4).

    The sector premiums are divided by their mean over the group's sector mix, so the group's
    wages over its sectors keep the group's median: sectors shift who earns what, not the
    group's level.
    """
    premium = np.array([p.wage_premium_industry, p.wage_premium_construction,
                        p.wage_premium_services, p.wage_premium_other])  # fmt: skip
    mix = sector_shares(p)
    return premium[None, :] / (mix @ premium)[:, None]


def draw_people(
    p: PopulationParams, group: np.ndarray, head: np.ndarray, gen: np.random.Generator
) -> dict[str, np.ndarray]:
    """Attributes of residents of the given groups (``head`` marks household heads, who are
    never children): age band, employment and its sector, income, e-bike and charging place, party
    membership, trust and participation propensity."""
    n = len(group)
    u = gen.random((n, 5))
    share_child = _by_group(p, group, "share_child")
    share_elderly = _by_group(p, group, "share_elderly")
    age = np.where(
        u[:, 0] < share_child, CHILD, np.where(u[:, 0] > 1 - share_elderly, ELDERLY, WORKING)
    ).astype(np.int8)
    age[head & (age == CHILD)] = WORKING
    working = age == WORKING
    rate = _by_group(p, group, "employment_rate")
    employed = working & (u[:, 1] < rate)
    # Given work, u[:, 1] / rate is uniform on [0, 1): it places the job in a sector by the
    # group's sector mix (no further draw, so the rest of the stream is unchanged).
    cum = np.cumsum(sector_shares(p), axis=1)[group, :-1]
    x = u[:, 1] / np.maximum(rate, 1e-12)
    sector = np.where(employed, (x[:, None] >= cum).sum(axis=1), -1).astype(np.int8)
    wages = (
        _by_group(p, group, "wage_median_cny_month")
        * wage_factors(p)[group, np.maximum(sector, 0)]
        * np.exp(_by_group(p, group, "wage_sigma") * gen.normal(size=n))
    )
    ownership = _by_group(p, group, "ebike_ownership")
    ebike = (age != CHILD) & (u[:, 2] < np.where(working, ownership, 0.1 * ownership))
    charging = np.where(
        ebike,
        np.where(u[:, 3] < p.indoor_charging_share, CHARGE_INDOOR, CHARGE_OUTDOOR),
        NO_EBIKE,
    ).astype(np.int8)
    trust_in, trust_inst, propensity = draw_dispositions(p, group, gen)
    trust_inter = np.column_stack([trust_in, np.clip(trust_in - p.outgroup_trust_gap, 0.0, 1.0)])
    return {
        "age": age,
        "employed": employed,
        "sector": sector,
        "income": np.where(employed, wages, 0.0).astype(np.float64),
        "ebike": ebike,
        "charging": charging,
        "party": (age != CHILD) & (u[:, 4] < _by_group(p, group, "party_share")),
        "trust_inter": trust_inter,
        "trust_inst": trust_inst,
        "disposition_inter": trust_inter.copy(),
        "disposition_inst": trust_inst.copy(),
        "propensity": propensity,
    }


def draw_dispositions(
    p: PopulationParams, group: np.ndarray, gen: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial interpersonal trust, institutional trust and participation propensity."""
    n = len(group)

    def around(attr: str) -> np.ndarray:
        mean = np.array([getattr(p.group(g), attr) for g in range(3)])[group]
        return np.clip(mean + p.trust_sd * gen.normal(size=n), 0.0, 1.0)

    return (
        around("trust_interpersonal"),
        around("trust_institutional"),
        around("participation_propensity"),
    )


def assign_workplaces(
    employed: np.ndarray, group: np.ndarray, size: float, gen: np.random.Generator
) -> np.ndarray:
    """Workplace of each employed resident (-1 otherwise), mostly shared with the same group.

    Employed residents are ordered by group with a little random noise (a few percent end up
    among another group's workers), then cut into workplaces of ``size`` on average.
    """
    idx = np.nonzero(employed)[0]
    workplace = np.full(len(employed), -1, dtype=np.int32)
    if len(idx) == 0:
        return workplace
    key = group[idx] + gen.normal(0.0, 0.25, len(idx))
    ordered = idx[np.argsort(key, kind="stable")]
    n_work = max(1, round(len(idx) / size))
    workplace[ordered] = (np.arange(len(idx)) * n_work // len(idx)).astype(np.int32)
    return workplace


def assign_grids(block_col: np.ndarray, block_row: np.ndarray, n_grids: int) -> np.ndarray:
    """Grid of each block: blocks in snake order split into ``n_grids`` contiguous runs."""
    n_blocks = len(block_col)
    order = np.lexsort((np.where(block_row % 2 == 0, block_col, -block_col), block_row))
    grid = np.empty(n_blocks, dtype=np.int32)
    grid[order] = (np.arange(n_blocks) * n_grids // max(n_blocks, 1)).astype(np.int32)
    return grid


def build_population(
    p: PopulationParams,
    rooms: np.ndarray,
    block_cols: np.ndarray,
    block_rows: np.ndarray,
    gen: np.random.Generator,
    grids: Callable[[int, np.ndarray], np.ndarray] | None = None,
) -> Population:
    """Generate the people of one village.

    Args:
        p: Population parameters.
        rooms: Rental units per building.
        block_cols, block_rows: Column and row of every block (for grids).
        gen: Random generator of the stream ``world.population`` for this village.
        grids: How blocks form grids, given the number of grids and the households of each
            building (default: :func:`assign_grids` on the block lattice). A footprint village
            clusters its real blocks (:func:`~vicinity_sim.world.geometry.cluster_grids`).

    Returns:
        The population.

    Raises:
        CapacityError: If households outnumber rental units.
    """
    n_b = len(rooms)
    n_local = round(p.n_residents * p.share_local)
    n_taiwan = round(p.n_residents * p.share_taiwan)
    n_migrant = p.n_residents - n_local - n_taiwan
    sizes = [
        _household_sizes(n_local, p.local.household_size_mean, gen),
        _household_sizes(n_migrant, p.migrant.household_size_mean, gen),
        _household_sizes(n_taiwan, p.taiwan.household_size_mean, gen),
    ]
    hh_group = np.concatenate([np.full(len(s), g, dtype=np.int8) for g, s in enumerate(sizes)])
    hh_size = np.concatenate(sizes).astype(np.int32)
    n_hh = len(hh_size)
    total_rooms = int(rooms.sum())
    if n_hh > total_rooms:
        raise CapacityError(n_hh, total_rooms)

    # Landlords: local households own the buildings (every local household owns at least one
    # while buildings last); with no locals, absentee landlords own about three buildings each.
    local_hh = np.nonzero(hh_group == LOCAL)[0]
    if len(local_hh):
        first = gen.permutation(local_hh)[: min(len(local_hh), n_b)]
        rest = gen.choice(local_hh, size=n_b - len(first))
        owner_hh = gen.permutation(np.concatenate([first, rest]))
        landlord_household, building_owner = np.unique(owner_hh, return_inverse=True)
    else:
        n_landlords = max(1, -(-n_b // 3))
        building_owner = gen.integers(0, n_landlords, n_b)
        landlord_household = -np.ones(n_landlords, dtype=np.int64)
    building_owner = building_owner.astype(np.int32)

    # Housing: a local household lives in one of its buildings; others take random free units.
    room_building = np.repeat(np.arange(n_b), rooms)
    free = np.ones(total_rooms, dtype=bool)
    hh_building = np.empty(n_hh, dtype=np.int32)
    first_room = np.concatenate([[0], np.cumsum(rooms)[:-1]])
    used_in_building = np.zeros(n_b, dtype=np.int64)
    if len(local_hh):
        own_building = np.full(n_hh, -1, dtype=np.int64)
        own_building[owner_hh[::-1]] = np.arange(n_b)[::-1]  # first building each one owns
        for h in local_hh:
            b = own_building[h]
            if b >= 0 and used_in_building[b] < rooms[b]:
                hh_building[h] = b
                free[first_room[b] + used_in_building[b]] = False
                used_in_building[b] += 1
            else:
                own_building[h] = -1
        unhoused = local_hh[own_building[local_hh] < 0]
    else:
        unhoused = np.zeros(0, dtype=np.int64)
    tenants = np.concatenate([unhoused, np.nonzero(hh_group != LOCAL)[0]]).astype(np.int64)
    slots = gen.choice(np.nonzero(free)[0], size=len(tenants), replace=False)
    hh_building[tenants] = room_building[slots]

    # Store households (and so residents) building by building: neighbours are then close in
    # memory, which keeps the contact kernels cache-friendly.
    order = np.argsort(hh_building, kind="stable")
    new_index = np.empty(n_hh, dtype=np.int64)
    new_index[order] = np.arange(n_hh)
    hh_building, hh_group, hh_size = hh_building[order], hh_group[order], hh_size[order]
    landlord_household = np.where(
        landlord_household >= 0, new_index[np.maximum(landlord_household, 0)], -1
    )

    # Residents.
    res_household = np.repeat(np.arange(n_hh), hh_size).astype(np.int32)
    res_group = hh_group[res_household]
    n = len(res_household)
    head = np.concatenate([[True], res_household[1:] != res_household[:-1]])
    people = draw_people(p, res_group, head, gen)
    res_registered = gen.random(n) >= _by_group(p, res_group, "unregistered_share")
    # Tenure is shared by a household: draw it for heads, copy to members.
    tenure = gen.exponential(1.0, n_hh) * _by_group(p, hh_group, "tenure_mean_days")
    res_arrived = -1 - np.floor(tenure[res_household]).astype(np.int32)
    res_workplace = assign_workplaces(people["employed"], res_group, p.workplace_size, gen)
    res_age, res_employed, res_income = people["age"], people["employed"], people["income"]
    res_ebike, res_charging, res_party = people["ebike"], people["charging"], people["party"]
    res_trust_inter, res_trust_inst = people["trust_inter"], people["trust_inst"]
    res_propensity = people["propensity"]
    res_disposition_inter = people["disposition_inter"]
    res_disposition_inst = people["disposition_inst"]

    # Grids and gridworkers.
    n_blocks = len(block_cols)
    n_grids = int(min(max(1, round(p.n_residents / p.residents_per_grid)), n_blocks))
    if grids is None:
        block_grid = assign_grids(block_cols, block_rows, n_grids)
    else:
        block_grid = grids(n_grids, np.bincount(hh_building, minlength=n_b)).astype(np.int32)
    lo = p.gridworkers_per_grid_min
    hi = max(lo, p.gridworkers_per_grid_max)
    per_grid = gen.integers(lo, hi + 1, n_grids)
    gw_grid = np.repeat(np.arange(n_grids), per_grid).astype(np.int32)
    # The village's share of party members among gridworkers is a staffing figure, not a
    # chance per person: the rounded count, on gridworkers drawn at random.
    gw_party = np.zeros(len(gw_grid), dtype=bool)
    n_party = round(p.gridworker_party_share * len(gw_grid))
    gw_party[gen.choice(len(gw_grid), size=n_party, replace=False)] = True

    return Population(
        hh_building=hh_building,
        hh_group=hh_group,
        hh_size=hh_size,
        res_household=res_household,
        res_group=res_group,
        res_age=res_age,
        res_employed=res_employed,
        res_sector=people["sector"],
        res_income=res_income,
        res_ebike=res_ebike,
        res_charging=res_charging,
        res_party=res_party,
        res_workplace=res_workplace,
        res_trust_inter=res_trust_inter,
        res_trust_inst=res_trust_inst,
        res_disposition_inter=res_disposition_inter,
        res_disposition_inst=res_disposition_inst,
        res_propensity=res_propensity,
        res_registered=res_registered,
        res_arrived=res_arrived,
        building_owner=building_owner,
        landlord_household=landlord_household.astype(np.int64),
        gw_grid=gw_grid,
        gw_party=gw_party,
        block_grid=block_grid,
        n_grids=n_grids,
    )
