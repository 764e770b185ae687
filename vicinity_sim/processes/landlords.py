"""Landlords decide (monthly): posted rents, leases, renovation, safety, 统租 and shops.

Each landlord owns one or more buildings and, once a month, decides for each of them with what
it knows: its own units, the asking rents of the neighbouring buildings of its block, the
quality it has, and the village's rules. No landlord knows the rent the market would clear at.

**Posted rent.** A building's asking rent for its vacant units is ``base_rent · value · m``:
``value`` is what a unit of the building is worth to tenants relative to its base rent
(quality, the grid's amenity and renovation: the shared ``[rents]`` section), which the
landlord knows, and ``m`` the landlord's reading of the market, which it learns
(Rosen & Smith 1983; Gabriel & Nothaft 2001, docs/sources.md §landlords):

    ln m ← ln m − a · (v_b − v*) + w · (mean ln m of the block's other buildings − ln m),

``v_b`` the share of the building's units on the market that stand empty, ``v*`` the natural
vacancy rate; where rental regulation caps rent rises, the posted rent rises by at most the cap
a year (applied monthly). A unit that stays empty is offered below the posted rent: ``c`` per
month after the first ``d0`` months, at most ``max`` (Albrecht et al. 2007: asking prices fall
with time on the market). Tenants choose among the vacant units they view
(:mod:`~vicinity_sim.processes.migration`).

**Leases.** A sitting tenant's rent changes only when its yearly lease is renewed, by
``1 − rigidity`` of the gap to the posted rent (falls by ``downward_asymmetry`` of that), by at
most the cap (Genesove 2003). The landlord does not renew, to let the unit again at the posted
rent, when ``1 − lease rent / posted rent`` exceeds what re-letting costs: the turnover
(``turnover_cost_months`` of rent) and the empty months to expect, the building's vacancy rate
over the next year. Villagers renting from fellow villagers are always renewed.

**Renovation.** About once a year (``renovation_reviews_per_year``) a landlord considers
renovating a building's units with its own money: it does if the rent the renovation adds
(``renovation_rent_premium`` of the posted rent, on the units it expects to let) over its
horizon, discounted, exceeds the cost net of the program's subsidy. Costs differ between
buildings (a fixed logistic spread). A renovation lasts ``renovation_life_years``. Publicly paid
safety retrofits are not renovation; whether they raise a unit's value is the switch
``rents.public_retrofit_raises_rent``.

**Safety compliance.** Where the rental safety standard is in force, a landlord whose building is
below it brings it to the standard this month with probability ``σ(x)``,

    x = inertia + deterrence · E[fines a year] / cost + peers · s + association · member
        + order · [rectification order pending],

``E[fines a year]`` the village's inspections per building and year times its fine, ``cost``
what the building lacks, ``s`` the share of the block's other buildings meeting the standard or
owned by association members (Levine et al. 2012; Shimshack & Ward 2008; Earnhart & Friesen
2013). Inspections and orders come from :mod:`~vicinity_sim.processes.compliance`.

**统租.** Where an operator offers to lease a whole building (the ``operator_leasing``
intervention), the landlord accepts if the operator's guaranteed rent, discounted at the
landlord's rate plus the operator's failure risk (less the share the state backs), plus any
bonus, exceeds what letting the building itself brings (occupied units net of the cost of
managing them), by more than the landlord's reluctance (a fixed logistic spread). The operator
then renovates, brings the building to the safety standard, asks ``operator_relet_multiplier``
times the posted rent, and asks ``operator_eviction_share`` of the sitting tenants to leave; it
sets rents and renews leases by the same rules as landlords. The lease ends after
``operator_lease_years`` or when the operator fails.

**Shops.** A building's ground-floor unit can be let as a shop. The village's demand for shop
premises is its number of shops at the start; shops close at ``shop_closure_per_year`` and as
many open again. An opening shop views vacant ground-floor units and takes the first whose
landlord finds the shop rent worth more than letting the room (with the conversion cost); the
landlord lets it as a 三合一 premises (people sleeping in it, for ``three_in_one_rent_share``
more rent) unless the safety standard is in force and it chooses to keep it to the standard:
a one-off choice with the same weights as compliance, the fines to expect in a year against the
extra rent a year, with peers and the association, but no inertia.

**In a city run** with the housing market (:mod:`vicinity_sim.city.market`), the applicants a
village's landlords turned away last month (households the city's market sent who found no
room) are read as that many empty units fewer on the village's market: ``v_b`` falls by the
applicants over the village's units on the market, to at least 0 (:func:`applicants_read`).

Levers read here: villages' ``safety_standard``, ``inspections_per_building_year``,
``safety_fine_cny``, ``rent_cap_per_year``, ``renovation_subsidy_share``, ``operator_backing``,
``operator_bonus_cny``; buildings' ``operator_offer``; landlords' ``association``.
"""

from __future__ import annotations

import math
from enum import IntEnum
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.compliance import meets_standard
from vicinity_sim.snapshots import register_snapshot
from vicinity_sim.streams import slot_numbers, stream_slots, uniform, uniform_array
from vicinity_sim.world.codes import (
    LOCAL,
    NOTICE_NONE,
    NOTICE_NONRENEWAL,
    NOTICE_TAKEOVER,
    UNIT_IDLE,
    UNIT_LET,
    UNIT_SHOP,
    UNIT_VACANT,
)

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


class LandlordsParams(ParamModel):
    """Landlords' rents, leases, renovation, compliance, 统租 and shops."""

    natural_vacancy: float = param(
        0.065, unit="1", ge=0.0, lt=1.0, range=(0.03, 0.10),
        doc="Share of the units on the market standing empty at which landlords leave their "
        "rents as they are (the natural vacancy rate); at the start the market holds it, the "
        "rooms beyond it kept idle.",
        source="docs/sources.md §landlords: 6.5% for US apartments (Jud & Frew 1990); 5% in "
        "Green's teaching rule",
    )  # fmt: skip
    vacancy_rent_response: float = param(
        1 / 12, unit="1/month", ge=0.0, le=5.0, range=(0.03, 0.3),
        doc="Fall of the log posted rent per month per unit of vacancy above the natural rate "
        "(a rise below it).",
        source="docs/sources.md §landlords: Green's rule (rents fall by the vacancy gap a "
        "year, i.e. 1/12 a month); Rosen & Smith 1983, Gabriel & Nothaft 2001 for the form",
    )  # fmt: skip
    neighbour_weight: float = param(
        0.15, unit="1/month", ge=0.0, le=1.0, range=(0.05, 0.4),
        doc="Share of the gap between its log markup and its block's other buildings' that a "
        "landlord closes each month (it sees their asking rents).",
        source="assumption: landlords read the 招租 notices next door; a few months to follow "
        "them",
    )  # fmt: skip
    duration_cut_per_month: float = param(
        0.03, unit="1/month", ge=0.0, le=0.5, range=(0.0, 0.08),
        doc="Discount on the posted rent per month a unit has stood empty beyond the delay.",
        source="docs/sources.md §landlords: asking prices fall with time on the market "
        "(Albrecht et al. 2007); size an assumption",
    )  # fmt: skip
    cut_delay_months: int = param(
        1, unit="months", ge=0, le=24,
        doc="Months a unit stands empty before its asking rent is cut.",
        source="docs/sources.md §landlords: a Shenzhen flat 'could be leased out within a "
        "month' (Shenzhen Daily 2016)",
    )  # fmt: skip
    vacancy_discount_max: float = param(
        0.3, unit="1", ge=0.0, le=0.9,
        doc="Largest discount on the posted rent for a long-empty unit.",
        source="assumption: landlords leave a room empty rather than let it far below its "
        "neighbours' (Shenzhen Daily 2016: landlords 'refused to lower the rent')",
    )  # fmt: skip
    sitting_rent_rigidity: float = param(
        0.3, unit="1", ge=0.0, le=1.0, range=(0.1, 0.5),
        doc="Share of the gap to the posted rent a renewed lease does not close.",
        source="docs/sources.md §landlords: 29% of US units had no nominal change year on "
        "year, more for sitting tenants (Genesove 2003)",
    )  # fmt: skip
    downward_asymmetry: float = param(
        0.5, unit="1", ge=0.0, le=1.0, range=(0.2, 1.0),
        doc="How much of a fall of the posted rent a renewal passes on, relative to a rise.",
        source="docs/sources.md §landlords: rents of sitting tenants rarely fall (Genesove "
        "2003; Shenzhen Daily 2016)",
    )  # fmt: skip
    turnover_cost_months: float = param(
        1.0, unit="months of rent", ge=0.0, le=12.0, range=(0.25, 1.5),
        doc="What letting a unit again costs its landlord (cleaning, agent, the weeks "
        "between tenants), besides the vacancy to expect.",
        source="assumption: about a month of rent, which with a 6.5% vacancy makes landlords "
        "re-let when the posted rent is some 15% above the sitting tenant's",
    )  # fmt: skip
    discount_rate_per_year: float = param(
        0.08, unit="1/year", gt=0.0, le=1.0, range=(0.04, 0.15),
        doc="Rate at which landlords discount future rents.",
        source="assumption: a small owner's cost of capital",
    )  # fmt: skip
    horizon_years: float = param(
        8.0, unit="years", gt=0.0, le=50.0, range=(3.0, 15.0),
        doc="Years of rent a landlord counts on when deciding an investment.",
        source="assumption: the chance of demolition or redevelopment (城中村改造) shortens "
        "the horizon",
    )  # fmt: skip
    renovation_cost_cny_per_room: float = param(
        30_000.0, unit="CNY/unit", ge=0.0, le=1e7, range=(8_000.0, 50_000.0),
        doc="Median cost of renovating a rental unit (furniture, bathroom, air conditioning, "
        "wiring).",
        source="assumption: no published figure found; furniture, a bathroom, air "
        "conditioning and wiring for a room, paying back in a few years on the premium",
    )  # fmt: skip
    renovation_cost_spread: float = param(
        0.5, unit="1", ge=0.0, le=3.0,
        doc="Scale of the logistic spread of log renovation costs between buildings.",
        source="assumption: layouts, plumbing and the owner's own labour differ",
    )  # fmt: skip
    renovation_life_years: float = param(
        10.0, unit="years", gt=0.0, le=50.0,
        doc="Years a renovation keeps its units' premium.",
        source="assumption: fittings of rented rooms wear out in about a decade",
    )  # fmt: skip
    renovation_reviews_per_year: float = param(
        1.0, unit="1/year", ge=0.0, le=12.0,
        doc="How often a landlord considers renovating a building.",
        source="assumption: small owners revisit such investments about yearly, at lease time",
    )  # fmt: skip
    compliance_inertia: float = param(
        -4.8, unit="log-odds", ge=-20.0, le=20.0,
        doc="Log-odds that a landlord brings a building to the standard in a month with no "
        "fines to expect, no peers, no association and no order.",
        source="assumption: about 10% a year comply unprompted once a rule is in force "
        "(σ(−4.8) ≈ 0.8% a month)",
    )  # fmt: skip
    deterrence_weight: float = param(
        2.0, unit="log-odds per (fines/cost)", ge=0.0, le=50.0,
        doc="Weight of the fines to expect in a year, relative to what compliance costs.",
        source="docs/sources.md §landlords: inspections and fines deter (Levine et al. 2012; "
        "Shimshack & Ward 2008); size an assumption",
    )  # fmt: skip
    peer_weight: float = param(
        2.5, unit="log-odds", ge=0.0, le=20.0,
        doc="Weight of the share of the block's other buildings meeting the standard or owned "
        "by association members.",
        source="docs/sources.md §landlords: fines on others deter too (Shimshack & Ward 2008); "
        "size an assumption (about 10% a month when every neighbour complies)",
    )  # fmt: skip
    association_weight: float = param(
        2.2, unit="log-odds", ge=0.0, le=20.0,
        doc="Weight of membership of the landlord association (房东协会).",
        source="assumption: the association cooperates with inspections (seed); members "
        "follow an order about nine times in ten where others follow it half the time",
    )  # fmt: skip
    order_weight: float = param(
        4.8, unit="log-odds", ge=0.0, le=20.0,
        doc="Weight of a pending rectification order after an inspection.",
        source="assumption: rectification orders are followed about half the time within the "
        "month (σ(inertia + order) ≈ 0.5); docs/sources.md §landlords (orders with 7–30 day "
        "deadlines)",
    )  # fmt: skip
    sensor_cost_cny_per_room: float = param(
        150.0, unit="CNY/room", ge=0.0, le=1e7,
        doc="Networked smoke sensor per rental unit, paid by the landlord.",
        source="assumption: the installed cost the fire_retrofit intervention assumes for "
        "the same sensor",
    )  # fmt: skip
    escape_window_cost_cny: float = param(
        2000.0, unit="CNY/building", ge=0.0, le=1e8,
        doc="Escape windows in a building's security grilles, paid by the landlord.",
        source="assumption: the cost the fire_retrofit intervention assumes for the same "
        "works",
    )  # fmt: skip
    three_in_one_cost_cny: float = param(
        15_000.0, unit="CNY/premises", ge=0.0, le=1e10,
        doc="Separating dwelling from a shop or workshop, paid by the landlord.",
        source="assumption: the cost the three_in_one_rectification intervention assumes "
        "for the same works",
    )  # fmt: skip
    operator_guarantee_ratio: float = param(
        1.0, unit="1", ge=0.0, le=5.0, range=(0.8, 1.2),
        doc="Rent an operator guarantees a landlord for the whole building, per unit on the "
        "market, relative to the posted rent when the lease is signed.",
        source="assumption: operators offer about today's rents, fixed, for the term "
        "(docs/sources.md §landlords)",
    )  # fmt: skip
    operator_relet_multiplier: float = param(
        2.0, unit="1", ge=0.0, le=10.0, range=(1.0, 3.0),
        doc="Posted rent of an operator after renovating, relative to the landlord's before.",
        source="docs/sources.md §landlords: new rents 'double or triple the original' in "
        "Shenzhen's 统租 (a researcher's estimate, The Guardian 2018); the official line "
        "'should not go up' is the lower bound",
    )  # fmt: skip
    operator_lease_years: float = param(
        10.0, unit="years", gt=0.0, le=30.0, range=(5.0, 12.0),
        doc="Term of an operator's lease of a building.",
        source="docs/sources.md §landlords: 'typically, 10 to 12 years' (The Guardian 2018)",
    )  # fmt: skip
    operator_failure_per_year: float = param(
        0.1, unit="1/year", ge=0.0, le=1.0, range=(0.02, 0.2),
        doc="Rate at which operators fail and hand buildings back.",
        source="docs/sources.md §landlords: 23% of Shenzhen's rental-apartment projects closed "
        "within two years (JLL 2023), ~12% a year; Li, Zhu & He 2022",
    )  # fmt: skip
    operator_eviction_share: float = param(
        0.8, unit="1", ge=0.0, le=1.0, range=(0.5, 1.0),
        doc="Share of the sitting tenant households an operator asks to leave on taking over.",
        source="docs/sources.md §landlords: tenants told to move at Baimang (2023) and Qinghu "
        "(2018)",
    )  # fmt: skip
    management_cost_share: float = param(
        0.1, unit="1", ge=0.0, le=1.0,
        doc="Share of its rents that letting the building itself costs a landlord (time, "
        "repairs, collection), which an operator takes off its hands.",
        source="assumption: a tenth of the rent, what a letting agent would charge for the "
        "same work",
    )  # fmt: skip
    operator_reluctance: float = param(
        0.3, unit="1", ge=0.0, le=5.0,
        doc="Scale of the logistic spread of landlords' reluctance to hand a building to an "
        "operator (the log ratio of values they require).",
        source="assumption: attachment to the family house and distrust of operators differ",
    )  # fmt: skip
    commercial_rent_multiple: float = param(
        1.5, unit="1", ge=0.0, le=10.0, range=(1.0, 3.0),
        doc="Rent of a ground-floor unit let as a shop relative to the building's posted rent.",
        source="assumption: ground-floor shop rents above residential ones",
    )  # fmt: skip
    three_in_one_rent_share: float = param(
        0.5, unit="1", ge=0.0, le=5.0,
        doc="Extra rent of a shop where its keepers also sleep (三合一), relative to the "
        "posted rent.",
        source="assumption: the shopkeeper saves part of a room's rent",
    )  # fmt: skip
    shop_closure_per_year: float = param(
        0.15, unit="1/year", ge=0.0, le=5.0, range=(0.08, 0.25),
        doc="Rate at which shops close (and as many open again: the village's demand for shop "
        "premises stays what it was at the start).",
        source="assumption bracketed by docs/sources.md §landlords: registered firms fail at "
        "6–10% a year in their first years (SAIC 2013); household shops faster",
    )  # fmt: skip
    shop_views: int = param(
        3, unit="units", ge=1, le=100,
        doc="Vacant ground-floor units an opening shop views.",
        source="assumption: as households, a shopkeeper compares a few premises on the lanes "
        "it knows",
    )  # fmt: skip
    conversion_cost_cny: float = param(
        10_000.0, unit="CNY/unit", ge=0.0, le=1e9,
        doc="Fitting a ground-floor room out as a shop.",
        source="assumption: a shutter, wiring and a counter, about a year's rent of a room",
    )  # fmt: skip


LandlordsConsts = consts_class(LandlordsParams)


@stream_slots("landlords")
class LandlordSlot(IntEnum):
    """Slots of the landlords' monthly draws (index: the building, unit or household)."""

    COMPLY = 0
    REVIEW = 1
    EVICT = 2
    FAIL = 3
    CLOSE = 4
    SHOP_VIEW = 5
    SHOP_LEGAL = 6


@stream_slots("landlords.types")
class LandlordTypeSlot(IntEnum):
    """Slots of what differs between buildings for the whole run (index: building or unit)."""

    COST = 0
    RELUCTANCE = 1
    MARKET = 2
    AGE = 3


SLOT = slot_numbers(LandlordSlot)

#: Least a factor of a unit's value can fall to (a run-down room still lets for something).
VALUE_FLOOR = 0.1

#: Counters of a month's decisions (``out`` of :func:`landlords_month`).
N_OUT = 9
(OUT_BROUGHT, OUT_SAFETY_COST, OUT_TAKEOVERS, OUT_BONUS, OUT_RENOVATIONS, OUT_SUBSIDY,
 OUT_NONRENEWALS, OUT_EVICTIONS, OUT_RENEWALS) = range(N_OUT)  # fmt: skip


class Market(NamedTuple):
    """What the landlords see at the start of a month, per building (and the units' layout)."""

    n_market: np.ndarray  # int64, units on the market (let or vacant)
    vacancy: np.ndarray  # float64, share of them vacant
    nbr_log_markup: np.ndarray  # float64, mean log markup of the block's other buildings
    has_nbr: np.ndarray  # bool, the block has other buildings with units on the market
    peer_share: np.ndarray  # float64, share of the block's other buildings meeting the
    #   standard or owned by association members
    base_value: np.ndarray  # float64, value without the renovation premium
    cost_shock: np.ndarray  # float64, logistic draw of the renovation cost (fixed)
    reluctance: np.ndarray  # float64, logistic draw of the reluctance to lease (fixed)
    unit_first: np.ndarray  # int64, first unit row of each building (and the total at the end)


# -- formulas (shared with the reference engine through .py_func) ------------------------------


@njit(cache=True, inline="always")
def logistic(x):
    """σ(x) = 1 / (1 + e^(−x))."""
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, inline="always")
def logistic_quantile(u):
    """The standard logistic variate at quantile ``u`` in (0, 1): ln(u / (1 − u))."""
    u = min(max(u, 1e-12), 1.0 - 1e-12)
    return math.log(u / (1.0 - u))


@njit(cache=True, inline="always")
def annuity(rate, years):
    """Present value of 1 a year for ``years`` years at ``rate`` a year (paid yearly)."""
    if rate <= 0.0:
        return years
    return (1.0 - (1.0 + rate) ** (-years)) / rate


@njit(cache=True, inline="always")
def safety_cost(rooms, smoke_sensor, escape_windows, three_in_one, c):
    """What bringing a building to the standard costs: sensors it lacks in every unit, escape
    windows, separating dwelling from a 三合一 shop."""
    cost = 0.0
    if not smoke_sensor:
        cost += c.sensor_cost_cny_per_room * rooms
    if not escape_windows:
        cost += c.escape_window_cost_cny
    if three_in_one:
        cost += c.three_in_one_cost_cny
    return cost


@njit(cache=True, inline="always")
def compliance_log_odds(cost, inspections, fine, peer, member, ordered, c):
    """Log-odds that a landlord brings a building below the standard to it this month."""
    expected = inspections * fine  # fines to expect in a year of not complying
    x = c.compliance_inertia + c.deterrence_weight * expected / max(cost, 1.0)
    x += c.peer_weight * peer
    if member:
        x += c.association_weight
    if ordered:
        x += c.order_weight
    return x


@njit(cache=True, inline="always")
def shop_legal_log_odds(extra, inspections, fine, peer, member, c):
    """Log-odds that a landlord letting a shop where the standard is in force keeps it to the
    standard rather than let people sleep in it (三合一): a one-off choice at the fit-out, the
    fines to expect in a year against the extra rent a year of 三合一, with what the
    neighbours do and the association as in :func:`compliance_log_odds`."""
    x = c.deterrence_weight * (inspections * fine - extra) / max(extra, 1.0)
    x += c.peer_weight * peer
    if member:
        x += c.association_weight
    return x


@njit(cache=True, inline="always")
def renovation_cost(n_units, shock, c):
    """What renovating a building's units on the market costs, before any subsidy."""
    return c.renovation_cost_cny_per_room * n_units * math.exp(c.renovation_cost_spread * shock)


@njit(cache=True, inline="always")
def renovation_gain(posted, vacancy, n_units, c, rc):
    """Present value of the rent a renovation adds: the premium on the posted rent of the
    units the landlord expects to let, over its horizon (and the renovation's life)."""
    years = min(c.horizon_years, c.renovation_life_years)
    monthly = posted * rc.renovation_rent_premium * (1.0 - vacancy) * n_units
    return 12.0 * monthly * annuity(c.discount_rate_per_year, years)


@njit(cache=True, inline="always")
def operator_accepts(vacancy, backing, bonus, letting, shock, c):
    """Whether a landlord leases a building to an operator: the guaranteed rent, discounted
    for the operator's failure risk (less the share the state backs), plus the bonus, against
    letting it itself (occupied units net of managing them); all per CNY of posted rent a
    month (``letting``: the posted rents of the units on the market, CNY/month)."""
    years = c.operator_lease_years
    risk = c.operator_failure_per_year * (1.0 - backing)
    operator = c.operator_guarantee_ratio * 12.0 * annuity(c.discount_rate_per_year + risk, years)
    operator += bonus / max(letting, 1.0)
    own = (1.0 - vacancy) * (1.0 - c.management_cost_share) * 12.0
    own *= annuity(c.discount_rate_per_year, years)
    return operator > own * math.exp(c.operator_reluctance * shock)


@njit(cache=True, inline="always")
def next_log_markup(log_markup, vacancy, nbr, has_nbr, c):
    """The landlord's reading of the market after a month: down with vacancy above the
    natural rate, up below it, toward the neighbours'."""
    x = log_markup - c.vacancy_rent_response * (vacancy - c.natural_vacancy)
    if has_nbr:
        x += c.neighbour_weight * (nbr - log_markup)
    return x


@njit(cache=True, inline="always")
def capped_rise(new, old, cap_per_year, months):
    """``new`` limited to a rise of the yearly cap over ``months`` months (inf: no cap)."""
    if math.isinf(cap_per_year):
        return new
    return min(new, old * (1.0 + cap_per_year) ** (months / 12.0))


@njit(cache=True, inline="always")
def renewed_rent(lease_rent, posted, cap_per_year, c, rc):
    """The rent of a renewed lease: part of the gap to the posted rent, falls passed on less
    than rises, rises by at most the yearly cap over the lease."""
    step = (1.0 - c.sitting_rent_rigidity) * (posted - lease_rent)
    if step < 0.0:
        step *= c.downward_asymmetry
    return capped_rise(lease_rent + step, lease_rent, cap_per_year, rc.lease_days * 12.0 / 365.0)


@njit(cache=True, inline="always")
def renews(lease_rent, posted, vacancy, cap_per_year, c, rc):
    """Whether a landlord renews a lease rather than let the unit again at the posted rent:
    over the next lease, the posted rent beats the renewed one by less than re-letting costs
    (the turnover and the months a unit of the building can be expected to stand empty, its
    vacancy rate over the lease)."""
    renewed = renewed_rent(lease_rent, posted, cap_per_year, c, rc)
    months = rc.lease_days * 12.0 / 365.0
    return months * (posted - renewed) <= (c.turnover_cost_months + months * vacancy) * posted


@njit(cache=True, inline="always")
def shop_pays(posted, vacancy, c):
    """Whether letting a vacant ground-floor room as a shop pays its landlord: the shop rent
    against the room's expected rent over the shop's expected life, less the fit-out."""
    life = 1.0 / max(c.shop_closure_per_year, 1e-9)
    years = min(life, c.horizon_years)
    extra = (c.commercial_rent_multiple - (1.0 - vacancy)) * posted * 12.0
    return extra * annuity(c.discount_rate_per_year, years) > c.conversion_cost_cny


def formulas() -> SimpleNamespace:
    """The landlords' scalar formulas as plain Python functions, for the reference engine (the
    fast kernels inline the same functions)."""
    names = ("logistic", "annuity", "safety_cost", "compliance_log_odds", "shop_legal_log_odds",
             "renovation_cost",
             "renovation_gain", "operator_accepts", "next_log_markup", "capped_rise", "renews",
             "renewed_rent", "shop_pays")  # fmt: skip
    return SimpleNamespace(**{name: globals()[name].py_func for name in names})


# -- places: computed the same way by both engines ---------------------------------------------


def amenity(g: Any) -> np.ndarray:
    """Amenity of each grid: the mean of its public-space provision and its environment."""
    return 0.5 * (g.public_space + g.environment)


def village_reference_quality(world: Any, spec: Any) -> np.ndarray:
    """Each building's reference quality: its village's mean starting quality."""
    means = [spec.villages[v].economy.quality_mean for v in range(world.n_villages)]
    return np.array(means, dtype=np.float64)[world.buildings.village]


def base_values(b: Any, amenity_delta: np.ndarray, quality_ref: np.ndarray, rc: Any) -> np.ndarray:
    """Each building's value without the renovation premium: quality (with or without what
    public retrofits added, as ``rents.public_retrofit_raises_rent`` says) and the change of
    its grid's amenity."""
    quality = b.quality if rc.public_retrofit_raises_rent else b.quality_private
    q = np.maximum(1.0 + rc.quality_premium * (quality - quality_ref), VALUE_FLOOR)
    a = np.maximum(1.0 + rc.amenity_premium * amenity_delta[b.grid], VALUE_FLOOR)
    return q * a


def renovated(b: Any, day: int, c: Any) -> np.ndarray:
    """Buildings whose units' renovation still holds its premium."""
    return day - b.renovated_day.astype(np.int64) < round(c.renovation_life_years * 365)


def values(base: np.ndarray, active: np.ndarray, rc: Any) -> np.ndarray:
    """Each building's value: the base value, times the renovation premium where it holds."""
    return base * np.where(active, 1.0 + rc.renovation_rent_premium, 1.0)


def unit_counts(u: Any, n_buildings: int) -> tuple[np.ndarray, np.ndarray]:
    """Units on the market (let or vacant) and vacant units of each building."""
    market = (u.state == UNIT_LET) | (u.state == UNIT_VACANT)
    n_market = np.bincount(u.building[market], minlength=n_buildings).astype(np.int64)
    n_vacant = np.bincount(u.building[u.state == UNIT_VACANT], minlength=n_buildings)
    return n_market, n_vacant.astype(np.int64)


def block_others_mean(block: np.ndarray, values_: np.ndarray, counted: np.ndarray,
                      n_blocks: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Mean of ``values_`` over the other counted buildings of each building's block, and
    whether there are any."""
    w = counted.astype(np.float64)
    total = np.bincount(block, weights=values_ * w, minlength=n_blocks)[block]
    count = np.bincount(block, weights=w, minlength=n_blocks)[block]
    others = count - w
    own = values_ * w
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(others > 0, (total - own) / np.maximum(others, 1.0), 0.0)
    return mean, others > 0


def applicants_read(
    vacancy: np.ndarray, n_market: np.ndarray, village: np.ndarray, applicants: np.ndarray
) -> np.ndarray:
    """The vacancy landlords read where the city's housing market sent applicants they had
    no room for: each village's applicants (households, weighted) spread over its units on
    the market and taken off every building's vacancy, which stays at least 0
    (:mod:`vicinity_sim.city.market`).

    Args:
        vacancy: Each building's share of its units on the market standing empty.
        n_market: Each building's units on the market.
        village: Each building's village.
        applicants: Applicants turned away in each village last month.
    """
    units = np.bincount(village, weights=n_market, minlength=len(applicants))
    pressure = applicants / np.maximum(units, 1.0)
    return np.where(n_market > 0, np.maximum(vacancy - pressure[village], 0.0), vacancy)


def market_view(world: Any, base: np.ndarray, cost_shock: np.ndarray, reluctance: np.ndarray,
                unit_first: np.ndarray,
                applicants: np.ndarray | None = None) -> Market:  # fmt: skip
    """What the landlords see at the start of the month (see :class:`Market`); in a city run
    with the housing market, ``applicants`` turned away last month in each village lower the
    vacancy they read (:func:`applicants_read`)."""
    b = world.buildings
    n_market, n_vacant = unit_counts(world.units, len(b))
    vacancy = np.where(n_market > 0, n_vacant / np.maximum(n_market, 1), 0.0)
    if applicants is not None:
        vacancy = applicants_read(vacancy, n_market, b.village, applicants)
    nbr, has_nbr = block_others_mean(b.block, np.log(b.markup), n_market > 0, len(world.blocks))
    peer = meets_standard(b.smoke_sensor, b.escape_windows, b.three_in_one)
    peer = peer | world.landlords.association[b.owner]
    share, _ = block_others_mean(b.block, peer.astype(np.float64), np.ones(len(b), bool),
                                 len(world.blocks))  # fmt: skip
    return Market(n_market, vacancy, nbr, has_nbr, share, base, cost_shock, reluctance,
                  unit_first)  # fmt: skip


def building_types(key: np.uint64, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed logistic draws per building: the spread of renovation costs and of reluctance."""
    cost = np.array([logistic_quantile.py_func(x) for x in
                     uniform_array(key, int(LandlordTypeSlot.COST), n)])  # fmt: skip
    reluctance = np.array([logistic_quantile.py_func(x) for x in
                           uniform_array(key, int(LandlordTypeSlot.RELUCTANCE), n)])  # fmt: skip
    return cost, reluctance


def asking_rents(u: Any, posted: np.ndarray, day: int, c: Any) -> None:
    """Set the asking rent of every vacant unit (the posted rent, cut for long vacancies)."""
    vacant = np.nonzero(u.state == UNIT_VACANT)[0]
    months = (day - u.vacant_since[vacant].astype(np.int64)) // 30
    late = np.maximum(months - c.cut_delay_months, 0)
    cut = np.minimum(c.duration_cut_per_month * late, c.vacancy_discount_max)
    u.rent[vacant] = posted[u.building[vacant]] * (1.0 - cut)


def open_the_market(world: Any, key: np.uint64, day: int, c: Any) -> None:
    """At the start the market holds the natural vacancy rate in each village: of the rooms
    no household lives in, those beyond it are idle (kept off the market by their landlords);
    which are on the market is drawn by unit."""
    u = world.units
    spare = np.nonzero(u.state == UNIT_VACANT)[0]
    if len(spare) == 0:
        return
    draw = uniform_array(key, int(LandlordTypeSlot.MARKET), len(u))[spare]
    let = np.bincount(u.village[u.state == UNIT_LET], minlength=world.n_villages)
    target = np.rint(c.natural_vacancy * let / (1.0 - c.natural_vacancy)).astype(np.int64)
    order = spare[np.lexsort((draw, u.village[spare]))]
    v = u.village[order]
    rank = np.arange(len(order)) - np.searchsorted(v, v)
    u.state[order[rank >= target[v]]] = UNIT_IDLE
    u.vacant_since[order[rank < target[v]]] = day


def start_market(
    world: Any,
    key: np.uint64,
    base: np.ndarray,
    cost_shock: np.ndarray,
    unit_first: np.ndarray,
    c: Any,
    rc: Any,
) -> None:
    """The rental market at the start: the natural vacancy on the market
    (:func:`open_the_market`), units renovated where renovating pays at the start (at some
    time within a renovation's life, so that renovations fall due over the years), and every
    building's rent posted at its value (markup 1), sitting tenants paying it."""
    open_the_market(world, key, 0, c)
    b, u = world.buildings, world.units
    n_market, n_vacant = unit_counts(u, len(b))
    vacancy = np.where(n_market > 0, n_vacant / np.maximum(n_market, 1), 0.0)
    posted = b.base_rent * base
    years = min(c.horizon_years, c.renovation_life_years)
    gain = (12.0 * posted * rc.renovation_rent_premium * (1.0 - vacancy) * n_market
            * annuity.py_func(c.discount_rate_per_year, years))  # fmt: skip
    cost = c.renovation_cost_cny_per_room * n_market * np.exp(c.renovation_cost_spread
                                                              * cost_shock)  # fmt: skip
    pays = (n_market > 0) & (gain > cost)
    age = uniform_array(key, int(LandlordTypeSlot.AGE), len(b))
    life = round(c.renovation_life_years * 365)
    b.renovated_day[pays] = (-1 - np.floor(age * life)).astype(np.int32)[pays]
    b.value[:] = values(base, renovated(b, 0, c), rc)
    b.markup[:] = 1.0
    b.rent[:] = b.base_rent * b.value
    let = u.state == UNIT_LET
    u.rent[let] = b.rent[u.building[let]]
    asking_rents(u, b.rent, 0, c)


def landlord_aggregates(world: Any, n_landlords: int) -> dict[str, np.ndarray]:
    """Each landlord's buildings and units as they stand (the snapshot's counts)."""
    b, u = world.buildings, world.units
    owner = b.owner
    count = np.bincount(owner, minlength=n_landlords)
    posted = np.bincount(owner, weights=b.rent, minlength=n_landlords)
    unit_owner = owner[u.building]
    ok = meets_standard(b.smoke_sensor, b.escape_windows, b.three_in_one)

    def units(state: int) -> np.ndarray:
        return np.bincount(unit_owner[u.state == state], minlength=n_landlords).astype(np.int32)

    return {
        "posted_rent_mean": posted / np.maximum(count, 1),
        "units_let": units(UNIT_LET),
        "units_vacant": units(UNIT_VACANT),
        "shops": units(UNIT_SHOP),
        "buildings_compliant": np.bincount(owner[ok], minlength=n_landlords).astype(np.int32),
        "buildings_leased": np.bincount(owner[b.operator_until >= 0], minlength=n_landlords).astype(
            np.int32
        ),
    }


def market_levels(world: Any) -> dict[str, float]:
    """The month's levels of the rental market."""
    b, u = world.buildings, world.units
    n_market, n_vacant = unit_counts(u, len(b))
    total = int(n_market.sum())
    return {
        "landlord_posted_rent_mean": float(np.average(b.rent, weights=n_market))
        if total
        else math.nan,
        "vacancy_rate": float(n_vacant.sum() / total) if total else math.nan,
        "units_vacant": float(n_vacant.sum()),
        "units_idle": float(np.count_nonzero(u.state == UNIT_IDLE)),
        "shops": float(np.count_nonzero(u.state == UNIT_SHOP)),
        "buildings_leased": float(np.count_nonzero(b.operator_until >= 0)),
        "safety_compliant_share": float(
            meets_standard(b.smoke_sensor, b.escape_windows, b.three_in_one).mean()
        )
        if len(b)
        else 0.0,
    }


def operators_return(b: Any, key: np.uint64, day: int, c: Any) -> int:
    """Operators hand back buildings whose lease has ended or when they fail; returns how
    many were handed back. The operator's offer ends with its lease."""
    leased = np.nonzero(b.operator_until >= 0)[0]
    if len(leased) == 0:
        return 0
    p_fail = -math.expm1(-c.operator_failure_per_year / 12.0)
    u = np.array([uniform(key, SLOT.FAIL, int(i)) for i in leased])
    back = leased[(day >= b.operator_until[leased]) | (u < p_fail)]
    b.operator_until[back] = -1
    b.operator_rent[back] = 0.0
    b.operator_offer[back] = False
    return len(back)


# -- the month's decisions (fast engine) -------------------------------------------------------


@njit(cache=True)
def landlords_month(key, day, c, rc, b, u, hh, v, ll, m, out):
    """Every building's decisions for the month, in building order (see the module's
    docstring): compliance, an operator's offer, renovation, the posted rent, leases ending.

    Args:
        key: The process's key of the day.
        day: Day of the run.
        c, rc: Landlords' and rents' constants.
        b, u, hh, v, ll: The buildings, units, households, villages and landlords (bundles).
        m: What the landlords see at the start of the month (:class:`Market`).
        out: Counters of the month (``OUT_*``), added to.
    """
    b_rent, b_markup, b_value, b_base_rent = b.rent, b.markup, b.value, b.base_rent
    b_owner, b_village, b_rooms = b.owner, b.village, b.rooms
    b_sensor, b_windows, b_three = b.smoke_sensor, b.escape_windows, b.three_in_one
    b_order, b_renovated = b.order_day, b.renovated_day
    b_offer, b_until, b_op_rent = b.operator_offer, b.operator_until, b.operator_rent
    u_state, u_household, u_rent, u_end = u.state, u.household, u.rent, u.lease_end
    hh_group, hh_notice = hh.group, hh.notice
    v_standard, v_inspections = v.safety_standard, v.inspections_per_building_year
    v_fine, v_cap, v_subsidy = v.safety_fine_cny, v.rent_cap_per_year, v.renovation_subsidy_share
    v_backing, v_bonus = v.operator_backing, v.operator_bonus_cny
    ll_assoc, ll_spent = ll.association, ll.safety_spent_cny
    ll_renov, ll_renov_spent, ll_nonrenew = ll.renovations, ll.renovation_spent_cny, ll.nonrenewals
    life = round(c.renovation_life_years * 365)
    p_review = -math.expm1(-c.renovation_reviews_per_year / 12.0)
    for i in range(len(b_rent)):
        owner = b_owner[i]
        vil = b_village[i]
        n_market = m.n_market[i]
        vacancy = m.vacancy[i]
        leased = b_until[i] >= 0
        if not leased:
            # Safety compliance.
            if v_standard[vil] and not (b_sensor[i] and b_windows[i] and not b_three[i]):
                cost = safety_cost(b_rooms[i], b_sensor[i], b_windows[i], b_three[i], c)
                x = compliance_log_odds(cost, v_inspections[vil], v_fine[vil], m.peer_share[i],
                                        ll_assoc[owner], b_order[i] >= 0, c)  # fmt: skip
                if uniform(key, LandlordSlot.COMPLY, i) < logistic(x):
                    b_sensor[i] = True
                    b_windows[i] = True
                    b_three[i] = False
                    b_order[i] = -1
                    ll_spent[owner] += cost
                    out[OUT_BROUGHT] += 1.0
                    out[OUT_SAFETY_COST] += cost
            active = day - b_renovated[i] < life
            letting = b_rent[i] * n_market
            if (
                b_offer[i]
                and n_market > 0
                and operator_accepts(
                    vacancy, v_backing[vil], v_bonus[vil], letting, m.reluctance[i], c
                )
            ):
                # 统租: the operator takes the building over, renovates it, brings it to the
                # standard, asks more and asks most sitting tenants to leave.
                b_until[i] = day + round(c.operator_lease_years * 365)
                b_op_rent[i] = c.operator_guarantee_ratio * letting
                b_renovated[i] = day
                b_sensor[i] = True
                b_windows[i] = True
                b_three[i] = False
                b_order[i] = -1
                b_value[i] = m.base_value[i] * (1.0 + rc.renovation_rent_premium)
                b_markup[i] *= c.operator_relet_multiplier
                leased = True
                out[OUT_TAKEOVERS] += 1.0
                out[OUT_BONUS] += v_bonus[vil]
                for k in range(m.unit_first[i], m.unit_first[i + 1]):
                    h = u_household[k]
                    if (
                        u_state[k] == UNIT_LET
                        and hh_group[h] != LOCAL
                        and uniform(key, LandlordSlot.EVICT, h) < c.operator_eviction_share
                    ):
                        hh_notice[h] = NOTICE_TAKEOVER
                        out[OUT_EVICTIONS] += 1.0
            elif not active and n_market > 0 and uniform(key, LandlordSlot.REVIEW, i) < p_review:
                cost = renovation_cost(n_market, m.cost_shock[i], c)
                own = cost * (1.0 - v_subsidy[vil])
                if renovation_gain(b_rent[i], vacancy, n_market, c, rc) > own:
                    b_renovated[i] = day
                    b_value[i] = m.base_value[i] * (1.0 + rc.renovation_rent_premium)
                    ll_renov[owner] += 1
                    ll_renov_spent[owner] += own
                    out[OUT_RENOVATIONS] += 1.0
                    out[OUT_SUBSIDY] += cost - own
        # The posted rent (landlord or operator).
        posted = b_rent[i]
        x = math.log(b_markup[i])
        if n_market > 0:
            x = next_log_markup(x, vacancy, m.nbr_log_markup[i], m.has_nbr[i], c)
        new = capped_rise(b_base_rent[i] * b_value[i] * math.exp(x), posted, v_cap[vil], 1.0)
        b_rent[i] = new
        b_markup[i] = new / (b_base_rent[i] * b_value[i]) if b_value[i] > 0.0 else 1.0
        # Leases ending: renew or ask the household to leave.
        for k in range(m.unit_first[i], m.unit_first[i + 1]):
            if u_state[k] != UNIT_LET or u_end[k] > day:
                continue
            h = u_household[k]
            if hh_notice[h] != NOTICE_NONE:
                continue
            if hh_group[h] != LOCAL and not renews(u_rent[k], new, vacancy, v_cap[vil], c, rc):
                hh_notice[h] = NOTICE_NONRENEWAL
                out[OUT_NONRENEWALS] += 1.0
                if not leased:
                    ll_nonrenew[owner] += 1
            else:
                u_rent[k] = renewed_rent(u_rent[k], new, v_cap[vil], c, rc)
                u_end[k] += rc.lease_days
                out[OUT_RENEWALS] += 1.0


@njit(cache=True)
def shops_month(key, day, c, b, u, m, pools, due, out):
    """Shops closing and opening this month (see the module's docstring).

    Args:
        key, day, c: The day's key, the day, the landlords' constants.
        b, u: Buildings and units (bundles; also read: the villages' levers in ``pools``).
        m: What the landlords saw at the start of the month (vacancy).
        pools: (ground-floor vacant units by village as CSR ``ptr``/``units``, with the count
            still in each village's pool), and the villages' standard, inspections, fines.
        due: Openings to make in each village this month (whole numbers).
        out: (closed, opened, opened as 三合一), added to.
    """
    ptr, pool, left, standard, inspections, fine, peer, member = pools
    b_rent, b_three, b_until = b.rent, b.three_in_one, b.operator_until
    u_state, u_building, u_rent, u_since = u.state, u.building, u.rent, u.vacant_since
    p_close = -math.expm1(-c.shop_closure_per_year / 12.0)
    for k in range(len(u_state)):
        if u_state[k] == UNIT_SHOP and uniform(key, LandlordSlot.CLOSE, k) < p_close:
            u_state[k] = UNIT_VACANT
            u_since[k] = day
            u_rent[k] = b_rent[u_building[k]]
            b_three[u_building[k]] = False
            out[0] += 1.0
    views = 0
    for vil in range(len(due)):
        for _ in range(due[vil]):
            taken = -1
            for _ in range(c.shop_views):
                n = left[vil]
                if n == 0:
                    break
                j = ptr[vil] + int(uniform(key, LandlordSlot.SHOP_VIEW, views) * n)
                views += 1
                k = pool[j]
                bld = u_building[k]
                if b_until[bld] < 0 and shop_pays(b_rent[bld], m.vacancy[bld], c):
                    taken = j
                    break
            if taken < 0:
                continue
            k = pool[taken]
            pool[taken] = pool[ptr[vil] + left[vil] - 1]
            left[vil] -= 1
            bld = u_building[k]
            u_state[k] = UNIT_SHOP
            rent = c.commercial_rent_multiple * b_rent[bld]
            legal = False
            if standard[vil]:
                extra = 12.0 * c.three_in_one_rent_share * b_rent[bld]
                x = shop_legal_log_odds(extra, inspections[vil], fine[vil], peer[bld],
                                        member[bld], c)  # fmt: skip
                legal = uniform(key, LandlordSlot.SHOP_LEGAL, k) < logistic(x)
            if not legal:
                b_three[bld] = True
                rent += c.three_in_one_rent_share * b_rent[bld]
                out[2] += 1.0
            u_rent[k] = rent
            out[1] += 1.0


def ground_pools(world: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vacant ground-floor units of each village (CSR by village, ascending unit rows) and
    their counts."""
    u = world.units
    vacant = np.nonzero(u.ground & (u.state == UNIT_VACANT))[0]
    counts = np.bincount(u.village[vacant], minlength=world.n_villages).astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return ptr, vacant.astype(np.int64), counts


def openings_due(v: Any, demand: np.ndarray, c: Any) -> np.ndarray:
    """Shop openings each village owes this month: the demand's share closing in a month,
    accumulated (at most the demand); the whole number is taken, the rest carries over."""
    p_close = -math.expm1(-c.shop_closure_per_year / 12.0)
    v.shop_openings_due[:] = np.minimum(v.shop_openings_due + demand * p_close, demand)
    whole = np.floor(v.shop_openings_due).astype(np.int64)
    return whole


class LandlordPlaces:
    """What the landlords' process of either engine keeps about the places: the buildings'
    fixed types, the reference quality and amenity, the first unit of each building, the shops'
    demand, and the market as it starts (set up once, the same way in both engines)."""

    world: Any

    def set_up_places(self, model: Any, params: LandlordsParams) -> None:
        """Set the places up at the start of a run (and price the units)."""
        self.consts = params.consts()
        self.rents = model.spec.rents.consts()
        w = self.world
        b = w.buildings
        self.market_key = model.streams.key("landlords.types", 0)
        self.cost_shock, self.reluctance = building_types(self.market_key, len(b))
        self.quality_ref = village_reference_quality(w, model.spec)
        self.amenity_start = amenity(w.grids)
        self.unit_first = np.concatenate([[0], np.cumsum(b.rooms)]).astype(np.int64)
        start_market(w, self.market_key, self.base_values(), self.cost_shock, self.unit_first,
                     params, self.rents)  # fmt: skip
        self.shop_demand = np.bincount(w.units.village[w.units.state == UNIT_SHOP],
                                       minlength=w.n_villages).astype(np.float64)  # fmt: skip

    def base_values(self) -> np.ndarray:
        """Each building's value without the renovation premium, now."""
        w = self.world
        return base_values(w.buildings, amenity(w.grids) - self.amenity_start,
                           self.quality_ref, self.rents)  # fmt: skip


@register
class Landlords(Process, LandlordPlaces):
    """Monthly decisions of landlords (and of the operators they lease buildings to)."""

    name = "landlords"
    cadence = "month"
    Params = LandlordsParams
    reads = (
        "villages.safety_standard",
        "villages.inspections_per_building_year",
        "villages.safety_fine_cny",
        "villages.rent_cap_per_year",
        "villages.renovation_subsidy_share",
        "villages.operator_backing",
        "villages.operator_bonus_cny",
        "villages.shop_openings_due",
        "grids.public_space",
        "grids.environment",
        "blocks.village",
        "buildings.village",
        "buildings.block",
        "buildings.grid",
        "buildings.owner",
        "buildings.rooms",
        "buildings.quality",
        "buildings.quality_private",
        "buildings.base_rent",
        "buildings.rent",
        "buildings.value",
        "buildings.markup",
        "buildings.smoke_sensor",
        "buildings.escape_windows",
        "buildings.three_in_one",
        "buildings.renovated_day",
        "buildings.order_day",
        "buildings.operator_offer",
        "buildings.operator_until",
        "buildings.operator_rent",
        "units",
        "households.group",
        "households.notice",
        "landlords.association",
        "landlords.safety_spent_cny",
        "landlords.renovations",
        "landlords.renovation_spent_cny",
        "landlords.nonrenewals",
    )
    writes = (
        "villages.shop_openings_due",
        "buildings.rent",
        "buildings.value",
        "buildings.markup",
        "buildings.smoke_sensor",
        "buildings.escape_windows",
        "buildings.three_in_one",
        "buildings.renovated_day",
        "buildings.order_day",
        "buildings.operator_offer",
        "buildings.operator_until",
        "buildings.operator_rent",
        "units.state",
        "units.rent",
        "units.lease_end",
        "units.vacant_since",
        "households.notice",
        "landlords.safety_spent_cny",
        "landlords.renovations",
        "landlords.renovation_spent_cny",
        "landlords.nonrenewals",
        "landlords.posted_rent_mean",
        "landlords.units_let",
        "landlords.units_vacant",
        "landlords.buildings_compliant",
        "landlords.buildings_leased",
        "landlords.shops",
    )
    # After the day's fires and patrols (they touch 三合一 premises and sensors) and the
    # month's enforcement; before rents are paid (housing) and tenants move (migration).
    after = ("compliance", "governance", "participation", "fire")
    metrics = {
        "landlord_posted_rent_mean": "Mean posted rent of the units on the market (CNY/month).",
        "vacancy_rate": "Share of the units on the market standing empty.",
        "units_vacant": "Units on the market standing empty.",
        "units_idle": "Units their landlords keep off the market.",
        "shops": "Ground-floor units let as shops.",
        "buildings_leased": "Buildings leased to an operator (统租).",
        "safety_compliant_share": "Share of buildings meeting the rental safety standard.",
        "buildings_brought_to_standard": "Buildings landlords brought to the standard this month.",
        "landlord_safety_cost_cny": "Landlords' spending on the safety standard this month (CNY).",
        "renovations": "Buildings whose landlords renovated their units this month.",
        "renovation_subsidy_cny": "Renovation subsidies paid this month (a program cost).",
        "operator_takeovers": "Buildings leased to an operator this month.",
        "operator_returns": "Buildings operators handed back this month (lease over or failure).",
        "operator_bonus_cny": "Bonuses paid to landlords leasing to an operator this month (a "
        "program cost).",
        "tenants_evicted_by_operators": "Tenant households operators asked to leave this month.",
        "nonrenewals": "Leases not renewed this month, to let the unit again at a higher rent.",
        "lease_renewals": "Leases renewed this month.",
        "shops_closed": "Shops closed this month (their units back on the rental market).",
        "shops_opened": "Shops opened in vacant ground-floor units this month.",
        "shops_opened_three_in_one": "Of those, let as 三合一 premises.",
    }
    levels = frozenset({"landlord_posted_rent_mean", "vacancy_rate", "units_vacant", "units_idle",
                        "shops", "buildings_leased", "safety_compliant_share"})  # fmt: skip

    def __init__(self, model: VicinityModel, params: LandlordsParams) -> None:
        super().__init__(model, params)
        self.set_up_places(model, params)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w, c = self.world, self.consts
        b = w.buildings
        returned = operators_return(b, key, day, c)
        base = self.base_values()
        b.value[:] = values(base, renovated(b, day, c), self.rents)
        m = market_view(w, base, self.cost_shock, self.reluctance, self.unit_first,
                        self.model.city_applicants)  # fmt: skip
        out = np.zeros(N_OUT)
        landlords_month(key, day, c, self.rents, self.arrays("buildings"), self.arrays("units"),
                        self.arrays("households"), self.arrays("villages"),
                        self.arrays("landlords"), m, out)  # fmt: skip
        shops = self.shops(key, day, m)
        asking_rents(w.units, b.rent, day, c)
        ll = w.landlords
        for name, value in landlord_aggregates(w, len(ll)).items():
            getattr(ll, name)[:] = value
        return {**market_levels(w), **month_counts(out, shops, returned)}

    def shops(self, key: np.uint64, day: int, m: Market) -> np.ndarray:
        """Shops closing and opening this month: (closed, opened, opened as 三合一)."""
        w, c = self.world, self.consts
        b, v = w.buildings, w.villages
        due = openings_due(v, self.shop_demand, c)
        ptr, pool, left = ground_pools(w)
        member = w.landlords.association[b.owner]
        pools = (ptr, pool, left, v.safety_standard, v.inspections_per_building_year,
                 v.safety_fine_cny, m.peer_share, member)  # fmt: skip
        out = np.zeros(3)
        before = left.copy()
        shops_month(key, day, c, self.arrays("buildings"), self.arrays("units"), m, pools, due,
                    out)  # fmt: skip
        v.shop_openings_due -= before - left
        return out


def month_counts(out: np.ndarray, shops: np.ndarray, returned: int) -> dict[str, float]:
    """The month's counts of decisions as metrics."""
    return {
        "buildings_brought_to_standard": float(out[OUT_BROUGHT]),
        "landlord_safety_cost_cny": float(out[OUT_SAFETY_COST]),
        "renovations": float(out[OUT_RENOVATIONS]),
        "renovation_subsidy_cny": float(out[OUT_SUBSIDY]),
        "operator_takeovers": float(out[OUT_TAKEOVERS]),
        "operator_returns": float(returned),
        "operator_bonus_cny": float(out[OUT_BONUS]),
        "tenants_evicted_by_operators": float(out[OUT_EVICTIONS]),
        "nonrenewals": float(out[OUT_NONRENEWALS]),
        "lease_renewals": float(out[OUT_RENEWALS]),
        "shops_closed": float(shops[0]),
        "shops_opened": float(shops[1]),
        "shops_opened_three_in_one": float(shops[2]),
    }


register_snapshot("landlords", "landlords", {
    "village": "Village (index).",
    "household": "Household the landlord lives in (global index), -1 if absentee.",
    "association": "Member of the landlord association, 房东协会 (bool).",
    "posted_rent_mean": "Mean posted (asking) rent of own buildings (CNY/month per unit).",
    "units_let": "Own units let to households, those of buildings leased to an operator "
    "included.",
    "units_vacant": "Own units on the market standing empty.",
    "shops": "Own ground-floor units let as shops (三合一 premises included).",
    "rent_income_cny": "Received last month: rents, shop rents, operators' guarantees (CNY).",
    "renovations": "Renovations of own buildings' units so far (count).",
    "renovation_spent_cny": "Own money spent on them, net of subsidies (CNY).",
    "nonrenewals": "Leases not renewed so far, to let the unit again at a higher rent (count).",
    "buildings_compliant": "Own buildings meeting the rental safety standard.",
    "safety_spent_cny": "Spent so far bringing own buildings to the safety standard (CNY).",
    "fines_cny": "Fines paid so far for buildings below the standard (CNY).",
    "buildings_leased": "Own buildings leased to an operator (统租).",
})  # fmt: skip
