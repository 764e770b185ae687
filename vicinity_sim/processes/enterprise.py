"""Enterprises: doorstep businesses and the collectives' projects, living on demand (monthly).

The seed's income channel: "盘活闲置房屋、土地等资产资源，培育休闲农业、农村电商、文化创意等新业态…
带动居民'家门口'创业就业". Two kinds of enterprise share the ``projects`` table:

* **Doorstep businesses** (家门口创业): residents, villagers and migrants alike, start shops,
  catering, homestays (民宿), e-commerce and cultural-creative work in idle rooms their
  landlords convert (盘活闲置房屋: an idle unit becomes ``UNIT_BUSINESS`` and its landlord
  receives its posted rent).
* **Collective projects** (产业项目, the ``industrial_projects`` intervention): projects on
  idle collective land and buildings the collective leases to them; the collective receives
  the lease and ``profit_share`` of their profit.

**Demand.** Each month a village's visitors per day are its base flow (``visitors_per_1000_
residents_day`` at the start) times ``exp(ε · (a − a₀))``, ``a`` the village's attraction:
the mean of its grids' public space and environment and its cultural life
(``min(cultural events a year / 12, 1)``), so the heritage, culture, public-space and
environment measures bring visitors; ``a₀`` its value at the start. Visitors spend
``spend_per_visit_cny`` (at today's prices); a village with running projects sends
``project_visitor_share`` of that to them, split by their capital. Residents spend
``resident_spend_share`` of last month's incomes at doorstep businesses. A kind of business
draws on residents and visitors with fixed weights (:data:`RESIDENT_WEIGHT`,
:data:`VISITOR_WEIGHT`); a pool is shared by the businesses in proportion to their weights,
and the share of the pool spent in the village rises with their number (``W / (W + h)``, ``h``
= ``half_capture_per_1000_residents`` per 1,000 residents at the start: more and more varied
businesses keep more of the spending at home). E-commerce sells to a market outside the
village (``ecommerce_sales_cny_month``, a placeholder for a national market in which one shop
is small).

**Accounts.** An enterprise sells what its customers demand, up to what its workers (owner and
staff) can serve at ``sales_per_worker_cny_month`` each (a project:
``project_sales_per_worker_cny_month``). Its profit is ``gross_margin`` of its
sales less its staff's wages and its rent (a business: its unit's rent; a project: its lease
of collective assets). It wants ``ceil(demand / sales_per_worker_cny_month)`` workers (a
business at least its owner)
and hires locally (:mod:`~vicinity_sim.processes.labour` fills the jobs from its village's
unemployed); staff beyond that are laid off, the last hired first. Jobs thus emerge from an
enterprise's scale and demand. A business pays its owner its profit (not below 0: losses come
out of savings); the owner keeps an estimate of monthly profit that moves
``expectation_weight`` of the way to each month's profit.

**Failure.** A business closes when its owner's expected profit falls below what the owner
could earn otherwise (``reservation_income_cny_month`` at today's wages), or with the
``base_failure_per_year`` hazard of the owner's circumstances, or when the owner moves away.
Its unit returns idle to its landlord and its owner and staff look for work.

**Entry.** Each month a share of working-age residents (``entry_consideration_per_year``)
weighs starting a business. Such a resident looks at the cheapest idle room of the village and
each kind of business: the profit it would make there, with its own weight added to the
pools, times the resident's optimism (a log-normal draw), less the set-up cost spread over
``payback_months``, against what the resident earns now (or the reservation income). It starts
the best kind if that is more; residents decide in turn, each seeing those who started
before.

Levers read here: grids' ``public_space``, ``environment``; villages'
``cultural_events_per_year``; the projects the ``industrial_projects`` intervention starts.
State read: residents' last month's ``income``, villages' ``wage_index`` and ``price_index``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.labour import business_owners
from vicinity_sim.world.codes import (
    BUSINESS_KINDS,
    ENT_CATERING,
    ENT_CREATIVE,
    ENT_ECOMMERCE,
    ENT_HOMESTAY,
    ENT_PROJECT,
    ENT_SHOP,
    SERVICES,
    UNIT_BUSINESS,
    UNIT_IDLE,
    WORKING,
)

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

#: Days in a month, on average (visitors per day to visits per month).
DAYS_PER_MONTH = 365.25 / 12.0

#: Weight of each kind of enterprise (codes.ENT_*) in the residents' and the visitors' spending
#: (assumption: shops serve residents, homestays visitors, catering both, cultural-creative work
#: mostly visitors; e-commerce sells outside the village; projects are paid by visitors apart).
RESIDENT_WEIGHT = np.zeros(6)
VISITOR_WEIGHT = np.zeros(6)
RESIDENT_WEIGHT[[ENT_SHOP, ENT_CATERING, ENT_CREATIVE]] = (1.0, 0.6, 0.2)
VISITOR_WEIGHT[[ENT_CATERING, ENT_HOMESTAY, ENT_CREATIVE]] = (0.4, 1.0, 0.8)
assert ENT_PROJECT == 0 and ENT_ECOMMERCE not in (ENT_SHOP, ENT_HOMESTAY)


class EnterpriseParams(ParamModel):
    """Visitors, spending, doorstep businesses and the collectives' projects."""

    visitors_per_1000_residents_day: float = param(
        20.0, unit="visitors/(1000 residents·day)", ge=0.0, le=1e5, range=(5.0, 100.0),
        prior="loguniform",
        doc="Visitors a day per 1,000 residents at the start.",
        source="assumption: an ordinary urban village draws few visitors; Zengcuoan, the "
        "upper tail, drew ~27,000 a day on 1,500 villagers and their tenants "
        "(docs/sources.md §visitors)",
    )  # fmt: skip
    attraction_elasticity: float = param(
        0.4, unit="1", ge=0.0, le=10.0, range=(0.1, 0.8), prior="uniform",
        doc="ε: log change of visitors per unit change of the village's attraction "
        "(public space, environment, cultural life, each 0–1).",
        source="docs/sources.md §visitors: better streets and public realm raise footfall by "
        "up to 40% (Lawlor 2013), heritage inscription +7–10% (Gao et al. 2023); a full "
        "package (attraction +0.5) then +20%",
    )  # fmt: skip
    spend_per_visit_cny: float = param(
        150.0, unit="CNY/visit", ge=0.0, le=1e5, range=(50.0, 300.0), prior="uniform",
        doc="What a visitor spends in the village per visit, at the start's prices.",
        source="docs/sources.md §visitors: 1,430 CNY per visitor city-wide including hotels "
        "and travel (Xiamen 2023–24); a day visit to a village a fraction (assumption)",
    )  # fmt: skip
    project_visitor_share: float = param(
        0.3, unit="1", ge=0.0, le=1.0, range=(0.1, 0.5), prior="uniform",
        doc="Share of visitors' spending that goes to the collective's projects (文旅, 研学, "
        "休闲) where the village has any running.",
        source="assumption: projects are the organised attractions; visitors spend the rest "
        "at doorstep businesses",
    )  # fmt: skip
    resident_spend_share: float = param(
        0.10, unit="1", ge=0.0, le=1.0, range=(0.03, 0.25), prior="uniform",
        doc="Share of residents' income that could be spent at doorstep businesses of the "
        "village (the share kept at home rises with their number).",
        source="assumption: a part of households' consumption (daily goods, meals, services) "
        "bought within walking distance",
    )  # fmt: skip
    half_capture_per_1000_residents: float = param(
        5.0, unit="businesses/1000 residents", ge=0.01, le=1e3, range=(1.0, 20.0),
        prior="loguniform",
        doc="Businesses (by weight) per 1,000 residents at which half of a spending pool is "
        "spent in the village.",
        source="assumption: a few doorstep businesses per thousand residents, as 个体工商户 "
        "densities in Chinese cities (docs/sources.md §business)",
    )  # fmt: skip
    ecommerce_sales_cny_month: float = param(
        12_000.0, unit="CNY/month", ge=0.0, le=1e8, range=(5_000.0, 40_000.0),
        prior="uniform",
        doc="Sales of an e-commerce business at the start's prices (a national market).",
        source="assumption: a placeholder for a market in which one village shop is small",
    )  # fmt: skip
    gross_margin: float = param(
        0.4, unit="1", ge=0.0, le=1.0, range=(0.25, 0.6), prior="uniform",
        doc="Share of sales left after goods and materials (pays staff, rent and the owner).",
        source="assumption: retail and catering gross margins of 25–60%",
    )  # fmt: skip
    sales_per_worker_cny_month: float = param(
        15_000.0, unit="CNY/(worker·month)", ge=1.0, le=1e7, range=(8_000.0, 30_000.0),
        prior="uniform",
        doc="Monthly sales one worker handles: an enterprise wants ceil(sales / this) workers.",
        source="assumption: small shops and restaurants; 个体工商户 employ 2.68 persons on "
        "average (docs/sources.md §business)",
    )  # fmt: skip
    project_sales_per_worker_cny_month: float = param(
        15_000.0, unit="CNY/(worker·month)", ge=1.0, le=1e8, range=(10_000.0, 60_000.0),
        prior="loguniform",
        doc="Monthly sales one worker of a collective project handles (projects are more "
        "capital-intensive than doorstep businesses).",
        source="assumption: as small businesses by default; the seed's 10.6 jobs per project "
        "(docs/sources.md §seed) identifies it in a fit",
    )  # fmt: skip
    staff_wage_cny_month: float = param(
        4_100.0, unit="CNY/month", ge=0.0, le=1e6, range=(3_500.0, 5_000.0), prior="uniform",
        doc="Wage a doorstep business pays its staff at the start.",
        source="docs/sources.md §wages: migrant workers in hotels and catering 4,141, resident "
        "services 4,023 CNY/month (NBS 2024)",
    )  # fmt: skip
    setup_cost_cny: float = param(
        50_000.0, unit="CNY/business", ge=0.0, le=1e9, range=(20_000.0, 200_000.0),
        prior="loguniform",
        doc="Fitting out a converted room and stock, at the start's prices.",
        source="assumption",
    )  # fmt: skip
    payback_months: float = param(
        36.0, unit="months", ge=1.0, le=600.0, range=(12.0, 60.0), prior="uniform",
        doc="Months over which a would-be owner spreads the set-up cost.",
        source="assumption: small firms' horizons of a few years; half of exiting firms are "
        "under five years old (docs/sources.md §business)",
    )  # fmt: skip
    reservation_income_cny_month: float = param(
        2_030.0, unit="CNY/month", ge=0.0, le=1e6, range=(1_500.0, 3_000.0), prior="uniform",
        doc="Income below which an owner gives a business up (and the least a resident out "
        "of work asks of one), at the start's wages.",
        source="assumption: about the minimum wage of Xiamen's first tier",
    )  # fmt: skip
    entry_consideration_per_year: float = param(
        0.03, unit="1/year", ge=0.0, le=12.0, range=(0.01, 0.1), prior="loguniform",
        doc="Share of working-age residents a year who weigh starting a business.",
        source="assumption: with the failure rates it sustains self-employment of the order "
        "of the 40% of migrant workers (docs/sources.md §business), over years",
    )  # fmt: skip
    optimism_sigma: float = param(
        0.5, unit="1", ge=0.0, le=5.0, range=(0.2, 1.0), prior="uniform",
        doc="Log-normal sigma of a would-be owner's reading of its prospects.",
        source="docs/sources.md §business: self-employment pays more but is more uncertain "
        "(朱志胜 2018)",
    )  # fmt: skip
    expectation_weight: float = param(
        0.3, unit="1/month", ge=0.0, le=1.0, range=(0.1, 0.6), prior="uniform",
        doc="Share of the gap to this month's profit an owner's expected profit closes.",
        source="assumption: owners judge on a few months' trade",
    )  # fmt: skip
    base_failure_per_year: float = param(
        0.05, unit="1/year", ge=0.0, le=1.0, range=(0.02, 0.1), prior="uniform",
        doc="Yearly hazard of closing for the owner's circumstances, whatever the trade.",
        source="docs/sources.md §business: enterprise death rates of 1.6–9.5% a year in the "
        "first years (SAIC 2013); closures for poor trade come on top",
    )  # fmt: skip
    lease_cny_per_m2_year: float = param(
        120.0, unit="CNY/(m²·year)", ge=0.0, le=1e5, range=(50.0, 300.0), prior="uniform",
        doc="Rent a project pays the collective for leased idle land and buildings.",
        source="assumption: collective land and old buildings leased for projects in Xiamen; "
        "no figure found",
    )  # fmt: skip
    profit_share: float = param(
        0.2, unit="1", ge=0.0, le=1.0, range=(0.1, 0.3), prior="uniform",
        doc="Share of a project's profit paid to the collective (分红, on top of the lease).",
        source="assumption: no Xiamen figure found (docs/sources.md §collective); "
        "保底 + 分红 arrangements",
    )  # fmt: skip


# The arithmetic both engines share (scalars or arrays).


def attraction(public_space: Any, environment: Any, events_per_year: Any) -> Any:
    """A village's attraction to visitors: the mean of its grids' public space and
    environment and its cultural life, each 0–1 (the arguments: grid means and events)."""
    return (public_space + environment + np.minimum(events_per_year / 12.0, 1.0)) / 3.0


def village_attraction(world: Any) -> np.ndarray:
    """Each village's :func:`attraction` from its grids' means and its cultural events."""
    g, v = world.grids, world.villages
    n = np.bincount(g.village, minlength=len(v))
    space = np.bincount(g.village, weights=g.public_space, minlength=len(v)) / np.maximum(n, 1)
    env = np.bincount(g.village, weights=g.environment, minlength=len(v)) / np.maximum(n, 1)
    return attraction(space, env, v.cultural_events_per_year)


def visitor_flow(base: Any, a: Any, a0: Any, p: EnterpriseParams) -> Any:
    """Visitors a day: the base flow times ``exp(ε · (a − a₀))``."""
    return base * np.exp(p.attraction_elasticity * (a - a0))


def captured(pool: Any, weight: Any, half: Any) -> Any:
    """Spending of a pool kept in the village by businesses of total weight ``weight``."""
    return pool * weight / (weight + half)


def entrant_sales(kind: int, res_pool: float, vis_pool: float, w_res: float, w_vis: float,
                  half: float, price: float, p: EnterpriseParams) -> float:  # fmt: skip
    """Monthly sales a new business of ``kind`` expects, its weight added to the pools."""
    if kind == ENT_ECOMMERCE:
        return p.ecommerce_sales_cny_month * price
    a, b = RESIDENT_WEIGHT[kind], VISITOR_WEIGHT[kind]
    out = 0.0
    if a > 0.0:
        out += float(captured(res_pool, w_res + a, half)) * a / (w_res + a)
    if b > 0.0:
        out += float(captured(vis_pool, w_vis + b, half)) * b / (w_vis + b)
    return out


def per_worker(business: Any, p: EnterpriseParams) -> Any:
    """Monthly sales one worker handles: at a doorstep business, at a collective project."""
    return np.where(business, p.sales_per_worker_cny_month, p.project_sales_per_worker_cny_month)


def workers_wanted(sales: Any, business: Any, p: EnterpriseParams) -> Any:
    """Workers an enterprise wants: ``ceil(sales / sales per worker)``, a business at least
    its owner."""
    n = np.ceil(np.maximum(sales, 0.0) / per_worker(business, p))
    return np.where(business, np.maximum(n, 1.0), n).astype(np.int32)


def entry_value(sales: float, rent: float, wage: float, optimism: float, price: float,
                p: EnterpriseParams) -> float:  # fmt: skip
    """What a would-be owner expects a business to pay it a month: its reading of the profit
    (staff beyond itself at ``wage``), less the set-up cost spread over the payback months."""
    # workers_wanted for one business, in scalar arithmetic (called for every would-be owner).
    wanted = max(math.ceil(max(sales, 0.0) / p.sales_per_worker_cny_month), 1)
    staff = max(wanted - 1, 0)
    profit = p.gross_margin * sales - rent - staff * wage
    return optimism * profit - p.setup_cost_cny * price / p.payback_months


def best_kind(res_pool: float, vis_pool: float, w_res: float, w_vis: float, half: float,
              price: float, rent: float, wage: float, optimism: float,
              p: EnterpriseParams) -> tuple[int, float]:  # fmt: skip
    """The kind of business a would-be owner would start, and what it expects it to pay."""
    best, value = -1, -math.inf
    for kind in BUSINESS_KINDS:
        sales = entrant_sales(kind, res_pool, vis_pool, w_res, w_vis, half, price, p)
        x = entry_value(sales, rent, wage, optimism, price, p)
        if x > value:
            best, value = kind, x
    return best, value


def optimism_of(z: float, p: EnterpriseParams) -> float:
    """A would-be owner's optimism: log-normal with mean 1, from a standard normal draw."""
    s = p.optimism_sigma
    return math.exp(s * z - 0.5 * s * s)


def spending_pools(world: Any, income_sum: np.ndarray, p: EnterpriseParams) -> tuple:
    """The month's residents' and visitors' spending per village (CNY): the residents' share
    of last month's incomes (``income_sum`` per village), visitors times their spend at
    today's prices."""
    v = world.villages
    res = p.resident_spend_share * income_sum
    vis = v.visitors_per_day * DAYS_PER_MONTH * p.spend_per_visit_cny * v.price_index
    return res, vis


def weights_by_village(pr: Any, rows: np.ndarray, weight: np.ndarray, nv: int) -> np.ndarray:
    """Total weight of the enterprises ``rows`` (a mask) in each village (added in row
    order; float even when there are none)."""
    return np.bincount(pr.village[rows], weights=weight[pr.kind[rows]],
                       minlength=nv).astype(np.float64)  # fmt: skip


def enterprise_accounts(world: Any, res_pool: np.ndarray, vis_pool: np.ndarray,
                        half: np.ndarray, staff: np.ndarray,
                        p: EnterpriseParams) -> dict:  # fmt: skip
    """One month of every running enterprise's sales and profit (places shared by both
    engines); sets ``sales_cny_month``, ``profit_cny_month``, ``to_collective_cny_month`` and
    the owners' ``profit_expected``.

    Args:
        world: The world (villages, projects and units are read).
        res_pool, vis_pool: Residents' and visitors' spending per village this month.
        half: Businesses' weight at which half a pool is kept, per village.
        staff: Hired staff of each enterprise (a business's owner not counted).
        p: The parameters.

    Returns:
        Per village: visitor spending at projects and spending kept at businesses (CNY).
    """
    v, pr, u = world.villages, world.projects, world.units
    nv = len(v)
    on = pr.active
    biz = on & (pr.owner >= 0)
    proj = on & (pr.kind == ENT_PROJECT)
    cap = np.bincount(pr.village[proj], weights=pr.capital_cny[proj], minlength=nv).astype(float)
    to_projects = np.where(cap > 0, p.project_visitor_share * vis_pool, 0.0)
    vis_biz = vis_pool - to_projects
    wr = weights_by_village(pr, biz, RESIDENT_WEIGHT, nv)
    wv = weights_by_village(pr, biz, VISITOR_WEIGHT, nv)
    kept_res = captured(res_pool, wr, half)
    kept_vis = captured(vis_biz, wv, half)
    vil = pr.village
    sales = np.zeros(len(pr))
    res_per = np.where(wr > 0, kept_res / np.maximum(wr, 1e-300), 0.0)
    vis_per = np.where(wv > 0, kept_vis / np.maximum(wv, 1e-300), 0.0)
    sales[biz] = (RESIDENT_WEIGHT[pr.kind[biz]] * res_per[vil[biz]]
                  + VISITOR_WEIGHT[pr.kind[biz]] * vis_per[vil[biz]])  # fmt: skip
    ecom = biz & (pr.kind == ENT_ECOMMERCE)
    sales[ecom] = p.ecommerce_sales_cny_month * v.price_index[vil[ecom]]
    sales[proj] = to_projects[vil[proj]] * pr.capital_cny[proj] / np.maximum(cap[vil[proj]], 1.0)
    # Trade is limited by the hands to serve it: the owner and the staff hired so far.
    hands = (staff + (pr.owner >= 0)) * per_worker(pr.owner >= 0, p)
    demand = sales
    sales = np.minimum(demand, hands)
    rent = np.zeros(len(pr))
    rent[biz] = u.rent[pr.unit[biz]]
    lease = p.lease_cny_per_m2_year / 12.0 * pr.asset_m2
    rent[proj] = lease[proj]
    profit = p.gross_margin * sales - staff * pr.wage - rent
    pr.demand_cny_month[on] = demand[on]
    pr.sales_cny_month[on] = sales[on]
    pr.profit_cny_month[on] = profit[on]
    pr.to_collective_cny_month[:] = 0.0
    pr.to_collective_cny_month[proj] = lease[proj] + p.profit_share * np.maximum(profit[proj], 0.0)
    pr.profit_expected[biz] += p.expectation_weight * (profit[biz] - pr.profit_expected[biz])
    return {"to_projects": to_projects, "kept": kept_res + kept_vis}


def closures_due(pr: Any, v: Any, u_fail: np.ndarray, p: EnterpriseParams) -> np.ndarray:
    """Running businesses whose owner gives up this month: expected profit below the
    reservation income at today's wages, or the base hazard."""
    biz = pr.active & (pr.owner >= 0)
    reservation = p.reservation_income_cny_month * v.wage_index[pr.village]
    poor = pr.profit_expected < reservation
    hazard = u_fail < p.base_failure_per_year / 12.0
    return np.nonzero(biz & (poor | hazard))[0]


def close_units(world: Any, ks: np.ndarray) -> None:
    """Close enterprises ``ks`` (rows of the projects table): their units return idle to
    their landlords."""
    pr, u = world.projects, world.units
    pr.active[ks] = False
    units = pr.unit[ks]
    units = units[units >= 0]
    u.state[units] = UNIT_IDLE
    u.rent[units] = 0.0


def idle_units_by_village(world: Any) -> list[list[int]]:
    """Idle units of each village, cheapest posted rent first (ties by row)."""
    u, b = world.units, world.buildings
    idle = np.nonzero(u.state == UNIT_IDLE)[0]
    rents = b.rent[u.building[idle]]
    order = idle[np.lexsort((idle, rents))]
    out: list[list[int]] = [[] for _ in range(len(world.villages))]
    for k in order.tolist():
        out[int(u.village[k])].append(k)
    return out


def open_businesses(world: Any, openings: list[tuple[int, int, int, float]], day: int,
                    p: EnterpriseParams) -> np.ndarray:  # fmt: skip
    """Add the month's new businesses (owner row, kind, unit, the owner's expected monthly
    profit): each unit is let at its building's posted rent; returns their rows."""
    if not openings:
        return np.zeros(0, np.int64)
    w = world
    owner = np.array([o[0] for o in openings], np.int32)
    kind = np.array([o[1] for o in openings], np.int8)
    unit = np.array([o[2] for o in openings], np.int32)
    village = w.units.village[unit]
    w.units.state[unit] = UNIT_BUSINESS
    w.units.rent[unit] = w.buildings.rent[w.units.building[unit]]
    n = len(openings)
    return w.projects.append(
        village=village, jobs=np.ones(n, np.int32), local_hire_share=np.zeros(n),
        wage=p.staff_wage_cny_month * w.villages.wage_index[village], active=np.ones(n, bool),
        kind=kind, owner=owner, unit=unit,
        capital_cny=p.setup_cost_cny * w.villages.price_index[village],
        asset_m2=np.zeros(n), demand_cny_month=np.zeros(n), sales_cny_month=np.zeros(n),
        profit_cny_month=np.zeros(n),
        profit_expected=np.array([o[3] for o in openings]), opened_day=np.full(n, day, np.int32),
        to_collective_cny_month=np.zeros(n),
    )  # fmt: skip


def business_levels(world: Any, accounts: dict) -> dict[str, float]:
    """The month's levels of the enterprises."""
    pr, v = world.projects, world.villages
    biz = pr.active & (pr.owner >= 0)
    proj = pr.active & (pr.kind == ENT_PROJECT)
    return {
        "businesses": float(np.count_nonzero(biz)),
        "business_sales_cny": float(pr.sales_cny_month[biz].sum()),
        "project_sales_cny": float(pr.sales_cny_month[proj].sum()),
        "visitors_per_day": float(v.visitors_per_day.sum()),
        "leased_assets_m2": float(pr.asset_m2[proj].sum()),
        "collective_from_projects_cny": float(pr.to_collective_cny_month[proj].sum()),
    }


def release(r: Any, rows: np.ndarray) -> None:
    """Residents ``rows`` lose their place at an enterprise (fast engine's arrays)."""
    r.employed[rows] = False
    r.wage[rows] = 0.0
    r.job_project[rows] = -1
    r.sector[rows] = -1


@register
class Enterprise(Process):
    """Monthly visitors, sales, profits, jobs, closures and openings of enterprises."""

    name = "enterprise"
    reads = (
        "grids.public_space",
        "grids.environment",
        "grids.village",
        "villages.cultural_events_per_year",
        "villages.wage_index",
        "villages.price_index",
        "buildings.rent",
        "residents.income",
        "residents.village",
        "residents.age",
        "residents.arrived_day",
        "units.village",
        "units.building",
    )
    writes = (
        "projects",
        "villages.visitors_per_day",
        "units.state",
        "units.rent",
        "residents.employed",
        "residents.wage",
        "residents.job_project",
        "residents.sector",
    )
    after = ("prices", "landlords", "labour")
    cadence = "month"
    Params = EnterpriseParams
    metrics = {
        "businesses": "Doorstep businesses running.",
        "businesses_opened": "Doorstep businesses opened this month (in converted idle rooms).",
        "businesses_closed": "Doorstep businesses closed this month.",
        "business_sales_cny": "Doorstep businesses' sales this month (CNY).",
        "project_sales_cny": "Collective projects' sales this month (CNY).",
        "visitors_per_day": "Visitors a day, all villages.",
        "leased_assets_m2": "Idle collective assets leased to running projects (m²).",
        "collective_from_projects_cny": "Leases and profit shares projects paid the "
        "collectives this month (CNY).",
        "enterprise_layoffs": "Staff laid off this month as enterprises' trade fell.",
    }
    levels = frozenset({"businesses", "visitors_per_day", "leased_assets_m2"})

    def __init__(self, model: VicinityModel, params: EnterpriseParams) -> None:
        super().__init__(model, params)
        w = self.world
        residents = np.bincount(w.residents.village, minlength=len(w.villages)).astype(float)
        self.visitor_base = params.visitors_per_1000_residents_day * residents / 1000.0
        self.attraction0 = village_attraction(w)
        self.half = params.half_capture_per_1000_residents * residents / 1000.0
        w.villages.visitors_per_day[:] = self.visitor_base

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, p = self.world, self.params
        v, pr, r = w.villages, w.projects, w.residents
        gen = self.model.streams.generator(self.name, day)
        u_fail = gen.random(len(pr))
        u_consider = gen.random(len(r))
        # An owner who moved away (the row now a newcomer's) closes the business.
        ks = np.arange(len(pr))
        biz = pr.active & (pr.owner >= 0)
        gone = biz & (r.job_project[np.maximum(pr.owner, 0)] != ks)
        close_units(w, np.nonzero(gone)[0])
        release(r, np.nonzero(np.isin(r.job_project, np.nonzero(gone)[0]))[0])
        v.visitors_per_day[:] = visitor_flow(self.visitor_base, village_attraction(w),
                                             self.attraction0, p)  # fmt: skip
        income_sum = np.bincount(r.village, weights=r.income, minlength=len(v))
        res_pool, vis_pool = spending_pools(w, income_sum, p)
        owner = business_owners(pr, r.job_project)
        staff = np.bincount(r.job_project[(r.job_project >= 0) & ~owner], minlength=len(pr))
        accounts = enterprise_accounts(w, res_pool, vis_pool, self.half, staff, p)
        biz = pr.active & (pr.owner >= 0)
        r.wage[pr.owner[biz]] = np.maximum(pr.profit_cny_month[biz], 0.0)
        # Owners who give up: their units return idle; they and their staff look for work.
        closing = closures_due(pr, v, u_fail, p)
        close_units(w, closing)
        released = np.isin(r.job_project, closing) & (r.job_project >= 0)
        release(r, np.nonzero(released)[0])
        # Jobs follow trade; staff beyond them are laid off, the last hired (highest row) first.
        on = pr.active
        pr.jobs[on] = workers_wanted(pr.demand_cny_month[on], pr.owner[on] >= 0, p)
        laid_off = self._lay_off(r, pr)
        opened = self._open(day, res_pool, vis_pool, u_consider, gen)
        out = business_levels(w, accounts)
        out.update({"businesses_opened": float(len(opened)),
                    "businesses_closed": float(len(closing) + np.count_nonzero(gone)),
                    "enterprise_layoffs": float(laid_off)})  # fmt: skip
        return out

    def _lay_off(self, r: Any, pr: Any) -> int:
        owner = business_owners(pr, r.job_project)
        rows = np.nonzero((r.job_project >= 0) & ~owner)[0]
        if len(rows) == 0:
            return 0
        k = r.job_project[rows]
        allowed = pr.jobs - (pr.owner >= 0)
        order = np.lexsort((-rows, k))  # by enterprise, highest row first
        rows, k = rows[order], k[order]
        first = np.searchsorted(k, k)  # index of each enterprise's first row
        rank = np.arange(len(rows)) - first
        excess = rows[rank < np.maximum(np.bincount(k, minlength=len(pr)) - allowed, 0)[k]]
        release(r, excess)
        return len(excess)

    def _open(self, day: int, res_pool: np.ndarray, vis_pool: np.ndarray,
              u_consider: np.ndarray, gen: np.random.Generator) -> np.ndarray:  # fmt: skip
        w, p = self.world, self.params
        r, v, pr = w.residents, w.villages, w.projects
        owner = business_owners(pr, r.job_project)
        cand = np.nonzero((r.age == WORKING) & ~owner
                          & (u_consider < p.entry_consideration_per_year / 12.0))[0]  # fmt: skip
        z = gen.normal(size=len(cand))
        if len(cand) == 0:
            return np.zeros(0, np.int64)
        idle = idle_units_by_village(w)
        biz = pr.active & (pr.owner >= 0)
        nv = len(v)
        w_res = weights_by_village(pr, biz, RESIDENT_WEIGHT, nv)
        w_vis = weights_by_village(pr, biz, VISITOR_WEIGHT, nv)
        to_projects = np.zeros(nv)
        proj = pr.active & (pr.kind == ENT_PROJECT)
        to_projects[np.unique(pr.village[proj])] = 1.0
        vis_biz = vis_pool * (1.0 - p.project_visitor_share * to_projects)
        openings: list[tuple[int, int, int, float]] = []
        for i, zi in zip(cand.tolist(), z.tolist(), strict=True):
            vv = int(r.village[i])
            if not idle[vv]:
                continue
            unit = idle[vv][0]
            rent = float(w.buildings.rent[w.units.building[unit]])
            kind, value = best_kind(
                float(res_pool[vv]), float(vis_biz[vv]), float(w_res[vv]), float(w_vis[vv]),
                float(self.half[vv]), float(v.price_index[vv]), rent,
                p.staff_wage_cny_month * float(v.wage_index[vv]), optimism_of(zi, p), p,
            )  # fmt: skip
            outside = max(float(r.wage[i]) if r.employed[i] else 0.0,
                          p.reservation_income_cny_month * float(v.wage_index[vv]))  # fmt: skip
            if value <= outside:
                continue
            idle[vv].pop(0)
            w_res[vv] += RESIDENT_WEIGHT[kind]
            w_vis[vv] += VISITOR_WEIGHT[kind]
            openings.append(
                (
                    i,
                    kind,
                    unit,
                    value + p.setup_cost_cny * float(v.price_index[vv]) / p.payback_months,
                )
            )
        rows = open_businesses(w, openings, day, p)
        if len(rows):
            who = w.projects.owner[rows]
            r.employed[who] = True
            r.wage[who] = 0.0
            r.job_project[who] = rows.astype(np.int32)
            r.sector[who] = SERVICES
        return rows
