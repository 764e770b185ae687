"""Fire: ignition, detection, response, spread, suppression, casualties and damage.

Each day, every building may ignite with a probability from its hazard rate, the sum of three
causes (per year):

* household sources (cooking, appliances, wiring): a rate per household, raised in buildings
  with old wiring;
* e-bikes charged indoors: a rate per e-bike charged in the building;
* 三合一 premises (shop or workshop with dwelling): a rate per premises.

A fire then runs on a timeline in minutes after ignition:

1. **Detection and alert** after a delay: a working networked smoke sensor detects within about
   a minute; otherwise neighbours notice when smoke spreads, later at night.
2. **Call and response**: crews are called after a short delay and arrive after the response
   time: the municipal station's engine drives to the village edge, through the village on
   roads, and the last stretch is walked with hoses (short where the block's lanes are cleared
   fire lanes); a micro fire station's crew comes with its tricycle along the roads and cleared
   lanes and walks the same last stretch, so it too is slower where no fire lane reaches. The
   earliest arrival counts; response times vary log-normally.
3. **Growth and spread**: the building is fully involved after a growth time (short for
   lithium e-bike fires) unless a sprinkler controls it; from full involvement, fire crosses to
   neighbours after Hamada crossing times (:mod:`~vicinity_sim.processes.fire_spread`). Crews
   contain the fire a few minutes after they arrive: nothing ignites after that.
4. **Casualties**: an occupant at home is trapped with a probability that grows with the alert
   delay relative to the fire's growth (a floor for those intimate with the fire); a trapped
   occupant dies with a probability reduced by escape windows, by sprinkler control and by
   arrival before full involvement. Deaths and injuries are binomial draws around these
   probabilities; the expected deaths are recorded too.
5. **Damage** of each burned building grows linearly with the time it burns until containment
   (Challands 2010), up to a total loss; sprinkler-controlled fires cause little damage.

With the smart platform (一网统管), a sensor's alarm dispatches crews at once (a shorter
call delay).

Levers read here (changed by interventions, never by name): buildings' ``smoke_sensor``,
``sprinkler``, ``escape_windows``, ``three_in_one``, ``old_wiring``; blocks' ``lane_cleared``;
active ``stations``; residents' ``charging`` place; villages' ``platform``. Writes
``world.fires_today`` (the buildings burned today and their fire's response time), which
institutional trust reacts to, and buildings' ``last_fire_day``.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.dispatch import KernelCall
from vicinity_sim.numerics import binomial_ppf, event_probability, lognormal_ppf
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.fire_spread import SpreadScratch, spread_event
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world import FiresToday
from vicinity_sim.world.codes import CHARGE_INDOOR

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

# Causes of ignition.
CAUSE_HOUSEHOLD, CAUSE_EBIKE, CAUSE_THREE_IN_ONE = 0, 1, 2
CAUSES = ("household", "ebike", "three_in_one")


@stream_slots("fire")
class FireSlot(IntEnum):
    """Slots of the fire stream's draws made here (the spread's are 20+)."""

    IGNITE = 0
    CAUSE = 1
    NIGHT = 2
    SENSOR = 3
    DETECT = 4
    RESPONSE = 5
    ORIGIN_GROWTH = 6
    DEATH = 7
    INJURY = 8


# Columns of the per-event records returned by the kernel.
EVENT_FIELDS = (
    "building",
    "cause",
    "night",
    "alert_min",
    "response_min",
    "buildings_burned",
    "deaths",
    "injuries",
    "deaths_expected",
    "damage",
)


class FireParams(ParamModel):
    """Ignition, detection, response, spread and casualties of building fires."""

    ignition_per_household_year: float = param(
        3.0e-4, unit="1/(household·year)", ge=0.0, le=1.0,
        doc="Fires from household sources (cooking, appliances, wiring) per household per year.",
        source="assumption: China reported 745,000 fires in 2023 (5e-4 per person-year, all "
        "fire types); urban villages have ~60% of Xiamen's fires with ~43% of its people "
        "(deputy mayor 2025); gives ~13 fires a year in a Weili-like village",
    )  # fmt: skip
    old_wiring_multiplier: float = param(
        1.5, unit="1", ge=1.0, le=20.0,
        doc="Household-source rate multiplier in buildings with old wiring.", source="assumption",
    )  # fmt: skip
    ignition_per_indoor_ebike_year: float = param(
        1.5e-4, unit="1/(e-bike·year)", ge=0.0, le=1.0,
        doc="Fires per e-bike charged indoors per year.",
        source="assumption: ~21,000 e-bike fires in China in 2023 over a fleet of roughly "
        "350 million, 22–80% while charging (docs/sources.md §fire); concentrated on indoor "
        "charging",
    )  # fmt: skip
    ignition_per_three_in_one_year: float = param(
        5.0e-3, unit="1/(premises·year)", ge=0.0, le=1.0,
        doc="Fires per 三合一 premises per year.", source="assumption",
    )  # fmt: skip
    night_share_household: float = param(
        0.35, unit="1", ge=0.0, le=1.0,
        doc="Share of household-source fires starting at night.", source="assumption",
    )  # fmt: skip
    night_share_ebike: float = param(
        0.7, unit="1", ge=0.0, le=1.0,
        doc="Share of e-bike fires starting at night.",
        source="docs/sources.md §fire (charging fires mostly at night)",
    )  # fmt: skip
    night_share_three_in_one: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of 三合一 fires starting at night.", source="assumption",
    )  # fmt: skip
    presence_night: float = param(
        0.9, unit="1", ge=0.0, le=1.0,
        doc="Share of residents at home at night.", source="assumption",
    )  # fmt: skip
    presence_day: float = param(
        0.45, unit="1", ge=0.0, le=1.0,
        doc="Share of residents at home in the daytime.", source="assumption",
    )  # fmt: skip
    growth_median_household_min: float = param(
        25.0, unit="min", gt=0.0, le=600.0,
        doc="Median time from ignition to full involvement, household-source fires.",
        source="assumption",
    )  # fmt: skip
    growth_median_ebike_min: float = param(
        10.0, unit="min", gt=0.0, le=600.0,
        doc="Median time to full involvement, e-bike fires (lithium thermal runaway).",
        source="assumption",
    )  # fmt: skip
    growth_median_three_in_one_min: float = param(
        15.0, unit="min", gt=0.0, le=600.0,
        doc="Median time to full involvement, fires in 三合一 premises (stock, fuel load).",
        source="assumption",
    )  # fmt: skip
    growth_median_exposure_min: float = param(
        15.0, unit="min", gt=0.0, le=600.0,
        doc="Median time to full involvement of a building ignited by a neighbour.",
        source="assumption",
    )  # fmt: skip
    growth_sigma: float = param(
        0.5, unit="1", ge=0.0, le=3.0, doc="Log-normal sigma of growth times.",
        source="assumption",
    )  # fmt: skip
    sensor_reliability: float = param(
        0.94, unit="1", ge=0.0, le=1.0,
        doc="Probability an installed (networked, hard-wired) smoke sensor operates.",
        source="Ahrens 2015 (NFPA): hardwired alarms operated in ~94% of fires",
    )  # fmt: skip
    detect_median_sensor_min: float = param(
        1.0, unit="min", gt=0.0, le=120.0,
        doc="Median delay from ignition to alert with a working sensor.", source="assumption",
    )  # fmt: skip
    detect_median_day_min: float = param(
        4.0, unit="min", gt=0.0, le=240.0,
        doc="Median delay from ignition to alert without a sensor, daytime.",
        source="assumption",
    )  # fmt: skip
    detect_median_night_min: float = param(
        8.0, unit="min", gt=0.0, le=240.0,
        doc="Median delay from ignition to alert without a sensor, at night.",
        source="assumption",
    )  # fmt: skip
    detect_sigma: float = param(
        0.6, unit="1", ge=0.0, le=3.0, doc="Log-normal sigma of detection delays.",
        source="assumption",
    )  # fmt: skip
    call_delay_min: float = param(
        1.0, unit="min", ge=0.0, le=60.0, doc="Delay from alert to the call for help.",
        source="assumption",
    )  # fmt: skip
    platform_call_delay_min: float = param(
        0.2, unit="min", ge=0.0, le=60.0,
        doc="Delay from a sensor's alarm to dispatch where the smart platform (一网统管) "
        "links sensors to the crews.",
        source="assumption",
    )  # fmt: skip
    city_turnout_min: float = param(
        1.5, unit="min", ge=0.0, le=30.0, doc="Turnout time of the municipal fire station.",
        source="assumption",
    )  # fmt: skip
    city_speed_m_per_min: float = param(
        500.0, unit="m/min", gt=0.0, le=3000.0,
        doc="Engine speed on city roads to the village edge (30 km/h).", source="assumption",
    )  # fmt: skip
    village_speed_m_per_min: float = param(
        200.0, unit="m/min", gt=0.0, le=3000.0,
        doc="Engine speed on the village's roads.", source="assumption",
    )  # fmt: skip
    hose_speed_m_per_min: float = param(
        30.0, unit="m/min", gt=0.0, le=500.0,
        doc="Advance of crews on foot with hoses over the last stretch to the building, from "
        "where engine or cart must stop: the block's lane if it is a cleared fire lane, else "
        "the nearest road.",
        source="assumption",
    )  # fmt: skip
    micro_turnout_min: float = param(
        1.0, unit="min", ge=0.0, le=30.0, doc="Turnout time of a micro fire station's crew.",
        source="assumption: on-duty volunteers; Xin'an reports 3–5 min responses "
        "(docs/sources.md §villages)",
    )  # fmt: skip
    micro_speed_m_per_min: float = param(
        150.0, unit="m/min", gt=0.0, le=3000.0,
        doc="Speed of a micro station's crew with its cart or tricycle along roads and cleared "
        "lanes (route length is Manhattan); the last stretch is on foot at hose_speed_m_per_min.",
        source="calibrated: 3 stations in the default village, no lane cleared, give a mean "
        "call-to-arrival time of ~3.4 min, within Xin'an's reported 3–5 min "
        "(docs/sources.md §villages); "
        "9 km/h, a loaded tricycle in narrow lanes",
    )  # fmt: skip
    response_sigma: float = param(
        0.25, unit="1", ge=0.0, le=3.0, doc="Log-normal sigma of response times.",
        source="Buffington & Ezekoye 2019 (response times roughly log-normal); value assumed",
    )  # fmt: skip
    containment_min: float = param(
        3.0, unit="min", ge=0.0, le=120.0,
        doc="Time from crews' arrival until the fire can no longer spread.", source="assumption",
    )  # fmt: skip
    max_spread_separation_m: float = param(
        8.0, unit="m", ge=0.0, le=100.0,
        doc="Gaps wider than this are never crossed by fire.",
        source="assumption: default roads (8 m wide, ~9 m between facades) act as firebreaks, "
        "4 m lanes do not",
    )  # fmt: skip
    spread_sigma: float = param(
        0.3, unit="1", ge=0.0, le=3.0, doc="Log-normal sigma of Hamada crossing times.",
        source="assumption",
    )  # fmt: skip
    sprinkler_effective: float = param(
        0.88, unit="1", ge=0.0, le=1.0,
        doc="Probability an installed sprinkler operates and controls the fire.",
        source="assumption from NFPA sprinkler reports: operate ~92%, effective ~96% of those",
    )  # fmt: skip
    trap_floor: float = param(
        0.2, unit="1", ge=0.0, le=1.0,
        doc="Probability an occupant of the origin building is trapped even if alerted at once.",
        source="assumption: calibrated with tenability_fraction so that an alarm cuts deaths "
        "per fire by about half (Ahrens 2015: 1.18 vs 0.53 per 100 home fires)",
    )  # fmt: skip
    tenability_fraction: float = param(
        0.6, unit="1", gt=0.0, le=10.0,
        doc="Time scale of becoming trapped, as a fraction of the fire's growth time.",
        source="assumption (see trap_floor)",
    )  # fmt: skip
    lethality_trapped: float = param(
        0.002, unit="1", ge=0.0, le=1.0,
        doc="Probability a trapped occupant dies in a household-source fire.",
        source="assumption: ~1.2 deaths per 100 household fires without alarm at ~11 "
        "occupants present (Ahrens 2015 order of magnitude)",
    )  # fmt: skip
    lethality_multiplier_ebike: float = param(
        3.0, unit="1", ge=0.0, le=100.0,
        doc="Lethality multiplier for e-bike fires (toxic smoke in the only stairwell).",
        source="assumption",
    )  # fmt: skip
    lethality_multiplier_three_in_one: float = param(
        2.0, unit="1", ge=0.0, le=100.0,
        doc="Lethality multiplier for fires in 三合一 premises (sleeping above stock).",
        source="assumption",
    )  # fmt: skip
    escape_window_effect: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Reduction of lethality for trapped occupants with openable escape windows.",
        source="assumption",
    )  # fmt: skip
    sprinkler_lethality_effect: float = param(
        0.89, unit="1", ge=0.0, le=1.0,
        doc="Reduction of lethality when a sprinkler controls the fire.",
        source="NFPA, U.S. Experience with Sprinklers: death rate per fire ~89% lower",
    )  # fmt: skip
    confined_lethality_factor: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Lethality multiplier when crews arrive before full involvement.",
        source="assumption",
    )  # fmt: skip
    injury_per_trapped: float = param(
        0.006, unit="1", ge=0.0, le=1.0,
        doc="Probability a trapped occupant is injured (not killed).",
        source="assumption: ~1.5–3 injuries per death (China 2023: 2,041 injured, 1,381 dead)",
    )  # fmt: skip
    burnout_min: float = param(
        60.0, unit="min", gt=0.0, le=1440.0,
        doc="Burning time after which a building is a total loss (damage linear before).",
        source="Challands 2010 (damage roughly linear in response time); value assumed",
    )  # fmt: skip
    sprinkler_damage: float = param(
        0.05, unit="building", ge=0.0, le=1.0,
        doc="Damage of a sprinkler-controlled fire, in building equivalents.",
        source="assumption",
    )  # fmt: skip


FireConsts = consts_class(FireParams)


class FireToday(NamedTuple):
    """What the day's fires have burned: whether each building burned and by which fire."""

    burned: np.ndarray  # bool per building
    event: np.ndarray  # int64 per building: index of the fire that burned it


# -- formulas (the reference engine runs the same functions as Python) ------------------------


@njit(cache=True, inline="always")
def by_cause(cause, household, ebike, three_in_one):
    """The value of a parameter for a fire's cause."""
    if cause == CAUSE_HOUSEHOLD:
        return household
    return ebike if cause == CAUSE_EBIKE else three_in_one


@njit(cache=True, inline="always")
def ignites(u, rate_per_year):
    """Whether a building ignites today, given its uniform and yearly ignition rate."""
    # 1 − exp(−x) ≤ x: a draw of at least 2x decides without the exponential.
    return u < 2.0 * (rate_per_year / 365.0) and u < event_probability(rate_per_year, 365.0)


@njit(cache=True, inline="always")
def fire_cause(u, household, ebike, three_in_one):
    """The cause of a fire, drawn in proportion to the building's rates by cause."""
    x = u * (household + ebike + three_in_one)
    if x < household:
        return CAUSE_HOUSEHOLD
    return CAUSE_EBIKE if x < household + ebike else CAUSE_THREE_IN_ONE


@njit(cache=True, inline="always")
def at_night(u, cause, c):
    """Whether a fire of this cause starts at night, given its uniform."""
    return u < by_cause(cause, c.night_share_household, c.night_share_ebike,
                        c.night_share_three_in_one)  # fmt: skip


@njit(cache=True, inline="always")
def presence(night, c):
    """Share of residents at home when the fire starts."""
    return c.presence_night if night else c.presence_day


@njit(cache=True, inline="always")
def alert_minutes(u, sensed, night, c):
    """Minutes from ignition to the alert: a working sensor, or neighbours noticing the smoke
    (later at night)."""
    if sensed:
        return lognormal_ppf(u, c.detect_median_sensor_min, c.detect_sigma)
    median = c.detect_median_night_min if night else c.detect_median_day_min
    return lognormal_ppf(u, median, c.detect_sigma)


@njit(cache=True, inline="always")
def call_delay(sensed, platform, c):
    """Minutes from the alert to the call: none to speak of where the platform dispatches
    crews on a sensor's alarm."""
    return c.platform_call_delay_min if sensed and platform else c.call_delay_min


@njit(cache=True, inline="always")
def access_metres(lane_cleared, access_lane_m, access_road_m):
    """The last stretch crews walk with hoses: from the block's lane if it is a cleared fire
    lane, else from the nearest road."""
    return access_lane_m if lane_cleared else access_road_m


@njit(cache=True, inline="always")
def engine_minutes(city_distance_m, edge_dist_m, access_m, c):
    """The municipal engine: turnout, city roads, village roads, then hoses laid on foot."""
    city = city_distance_m / c.city_speed_m_per_min
    village = edge_dist_m / c.village_speed_m_per_min
    return c.city_turnout_min + city + village + access_m / c.hose_speed_m_per_min


@njit(cache=True, inline="always")
def crew_minutes(route_m, access_m, c):
    """A micro station's crew: along roads and cleared lanes with the cart, then on foot from
    where the cart must stop (the engine's hose lay, or the whole route if shorter)."""
    walk = min(access_m, route_m)
    return (c.micro_turnout_min + (route_m - walk) / c.micro_speed_m_per_min
            + walk / c.hose_speed_m_per_min)  # fmt: skip


@njit(cache=True, inline="always")
def manhattan_m(x0, y0, x1, y1):
    """Route length along the village's grid of roads and lanes (m)."""
    return abs(x0 - x1) + abs(y0 - y1)


@njit(cache=True, inline="always")
def growth_minutes(u, median, c):
    """Minutes from ignition to full involvement, given its uniform and median."""
    return lognormal_ppf(u, median, c.growth_sigma)


@njit(cache=True, inline="always")
def origin_growth_minutes(u, cause, c):
    """Minutes to full involvement of the origin (short for lithium e-bike fires)."""
    median = by_cause(cause, c.growth_median_household_min, c.growth_median_ebike_min,
                      c.growth_median_three_in_one_min)  # fmt: skip
    return growth_minutes(u, median, c)


@njit(cache=True, inline="always")
def response_noise(u, base, c):
    """Response time with its log-normal variation around the computed one."""
    return lognormal_ppf(u, base, c.response_sigma)


@njit(cache=True, inline="always")
def casualty_probabilities(delay, growth, is_origin, cause, windows, controlled, confined,
                           presence_share, c):  # fmt: skip
    """Probabilities that an occupant of a burning building dies and is injured.

    An occupant at home is trapped with a probability that grows with the alert ``delay``
    relative to the building's ``growth`` (a floor for those in the origin); a trapped occupant
    dies with the lethality of the origin's cause (spread fires burn as household ones),
    reduced by escape windows, by sprinkler control, or where crews arrive before full
    involvement (``confined``).

    Returns:
        (p_death, p_injury).
    """
    floor = c.trap_floor if is_origin else 0.0
    p_trap = floor + (1.0 - floor) * (-math.expm1(-delay / (c.tenability_fraction * growth)))
    multiplier = 1.0
    if is_origin:
        multiplier = by_cause(cause, 1.0, c.lethality_multiplier_ebike,
                              c.lethality_multiplier_three_in_one)  # fmt: skip
    lethal = c.lethality_trapped * multiplier
    if windows:
        lethal *= 1.0 - c.escape_window_effect
    if controlled:
        lethal *= 1.0 - c.sprinkler_lethality_effect
    elif confined:
        lethal *= c.confined_lethality_factor
    p_death = min(presence_share * p_trap * lethal, 1.0)
    p_injury = min(presence_share * p_trap * c.injury_per_trapped, 1.0)
    return p_death, p_injury


@njit(cache=True, inline="always")
def fire_damage(burning_min, controlled, c):
    """Damage in building equivalents: linear in the burning time until containment, up to a
    total loss; little where a sprinkler controls the fire."""
    damage = min(max(burning_min, 0.0) / c.burnout_min, 1.0)
    return min(damage, c.sprinkler_damage) if controlled else damage


# -- kernels -------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def repeated_sums(rate, count):
    """``out[m]``: ``rate`` added ``m`` times to 0.0, one addition after another (``m`` up to
    ``count``), so that a sum over ``m`` equal sources is looked up, not added again."""
    out = np.empty(count + 1)
    acc = 0.0
    out[0] = acc
    for m in range(1, count + 1):
        acc += rate
        out[m] = acc
    return out


@njit(cache=True)
def ignition_rates(r, b, home, c):
    """Yearly ignition rate of each building by cause, shape (n_buildings, 3).

    A building's household and e-bike rates are sums of one constant per household and per
    indoor charger, added one at a time. The addends are equal, so only their number
    matters: households are counted in the :class:`~vicinity_sim.world.Residence` index,
    indoor chargers among the building's residents there (a count in a register, however
    scattered the residents' rows are), and each sum is looked up among the repeated sums.

    Args:
        r: Residents (``charging``).
        b: Buildings (``old_wiring``, ``three_in_one``).
        home: The world's :class:`~vicinity_sim.world.Residence`.
        c: :data:`FireConsts`.
    """
    r_charging = r.charging
    b_old_wiring = b.old_wiring
    b_three_in_one = b.three_in_one
    home_ptr = home.ptr
    home_members = home.members
    home_households = home.households
    n = len(b_three_in_one)
    rates = np.zeros((n, 3))
    indoor = np.zeros(n, np.int64)
    most_households = 0
    most_indoor = 0
    for k in range(n):
        count = 0
        for a in range(home_ptr[k], home_ptr[k + 1]):
            count += r_charging[home_members[a]] == CHARGE_INDOOR
        indoor[k] = count
        most_indoor = max(most_indoor, count)
        most_households = max(most_households, home_households[k])
    per_household = repeated_sums(c.ignition_per_household_year, most_households)
    per_charger = repeated_sums(c.ignition_per_indoor_ebike_year, most_indoor)
    for k in range(n):
        household = per_household[home_households[k]]
        if b_old_wiring[k]:
            household *= c.old_wiring_multiplier
        rates[k, CAUSE_HOUSEHOLD] = household
        if b_three_in_one[k]:
            rates[k, CAUSE_THREE_IN_ONE] = c.ignition_per_three_in_one_year
        rates[k, CAUSE_EBIKE] = per_charger[indoor[k]]
    return rates


@njit(cache=True, inline="always")
def response_minutes(o, b, blk, v, st, c):
    """Minutes from the call until the first crew reaches building ``o`` (before noise): the
    municipal engine or an active micro station of the village."""
    village = b.village[o]
    access = access_metres(blk.lane_cleared[b.block[o]], b.access_lane_m[o], b.access_road_m[o])
    best = engine_minutes(v.city_station_distance_m[village], b.edge_dist_m[o], access, c)
    for s in range(len(st.x)):
        if st.active[s] and st.village[s] == village:
            t = crew_minutes(manhattan_m(st.x[s], st.y[s], b.x[o], b.y[o]), access, c)
            if t < best:
                best = t
    return best


@njit(cache=True)
def fire_day(key, c, r, home, b, blk, v, st, adj, occupants, scratch, today):
    """Simulate one day of fires in all villages.

    Args:
        key: The day's stream key.
        c: :data:`FireConsts`.
        r, home: Residents and the :class:`~vicinity_sim.world.Residence` index (they
            set the ignition rates).
        b, blk, v, st, adj: Buildings (``damage`` is updated), blocks, villages, stations and
            the building adjacency.
        occupants: Residents living in each building.
        scratch: :class:`~vicinity_sim.processes.fire_spread.SpreadScratch`.
        today: :class:`FireToday` (all False on entry; set for the buildings burned).

    Returns:
        The yearly ignition rates by building and cause (:func:`ignition_rates`), and a
        (n_events, len(EVENT_FIELDS)) array, one row per fire started today.
    """
    rates = ignition_rates(r, b, home, c)
    b_damage = b.damage
    b_escape_windows = b.escape_windows
    b_smoke_sensor = b.smoke_sensor
    b_village = b.village
    b_x = b.x
    v_platform = v.platform
    v_wind_ms = v.wind_ms
    scratch_controlled = scratch.controlled
    scratch_growth = scratch.growth
    scratch_ign_time = scratch.ign_time
    scratch_order = scratch.order
    today_burned = today.burned
    today_event = today.event
    n = len(b_x)
    origins = []
    for k in range(n):
        total = rates[k, 0] + rates[k, 1] + rates[k, 2]
        if total > 0.0 and ignites(uniform(key, FireSlot.IGNITE, k), total):
            origins.append(k)
    events = np.zeros((len(origins), len(EVENT_FIELDS)))
    for e in range(len(origins)):
        o = origins[e]
        row = events[e]
        row[0] = o
        if today_burned[o]:
            row[0] = -1.0  # already burned by an earlier fire today: not a new fire
            continue
        cause = fire_cause(uniform(key, FireSlot.CAUSE, o), rates[o, 0], rates[o, 1], rates[o, 2])
        night = at_night(uniform(key, FireSlot.NIGHT, o), cause, c)
        share = presence(night, c)
        # Alert and the call.
        u_detect = uniform(key, FireSlot.DETECT, o)
        sensed = b_smoke_sensor[o] and uniform(key, FireSlot.SENSOR, o) < c.sensor_reliability
        alert = alert_minutes(u_detect, sensed, night, c)
        village = b_village[o]
        delay = call_delay(sensed, v_platform[village], c)
        # Response and containment.
        base = response_minutes(o, b, blk, v, st, c)
        response = response_noise(uniform(key, FireSlot.RESPONSE, o), base, c)
        arrival = alert + delay + response
        stop = arrival + c.containment_min
        growth = origin_growth_minutes(uniform(key, FireSlot.ORIGIN_GROWTH, o), cause, c)
        count = spread_event(o, growth, stop, key, b, adj, v_wind_ms[village], c, today_burned,
                             scratch)  # fmt: skip
        deaths = 0
        injuries = 0
        expected = 0.0
        damage = 0.0
        for i in range(count):
            k = scratch_order[i]
            t_ign = scratch_ign_time[k]
            g = scratch_growth[k]
            today_burned[k] = True
            today_event[k] = e
            p_death, p_injury = casualty_probabilities(
                max(alert - t_ign, 0.0), g, k == o, cause, b_escape_windows[k],
                scratch_controlled[k], t_ign + g > arrival, share, c,
            )  # fmt: skip
            occ = occupants[k]
            d = binomial_ppf(uniform(key, FireSlot.DEATH, k), occ, p_death)
            inj = min(binomial_ppf(uniform(key, FireSlot.INJURY, k), occ, p_injury), occ - d)
            deaths += d
            injuries += inj
            expected += occ * p_death
            dmg = fire_damage(stop - t_ign, scratch_controlled[k], c)
            b_damage[k] += dmg
            damage += dmg
        for i in range(count):
            scratch_ign_time[scratch_order[i]] = math.inf
            scratch_controlled[scratch_order[i]] = False
        row[1] = cause
        row[2] = 1.0 if night else 0.0
        row[3] = alert
        row[4] = response
        row[5] = count
        row[6] = deaths
        row[7] = injuries
        row[8] = expected
        row[9] = damage
    return rates, events


def event_columns(rows: np.ndarray, building_village: np.ndarray) -> dict[str, np.ndarray]:
    """Fire events as typed columns (both engines): ``rows`` holds the day, then the fields of
    :data:`EVENT_FIELDS`, one row per fire; the origin's village is added."""
    cols: dict[str, np.ndarray] = {"day": rows[:, 0].astype(np.int32)}
    for i, name in enumerate(EVENT_FIELDS):
        col = rows[:, i + 1]
        if name in ("building", "buildings_burned", "deaths", "injuries"):
            cols[name] = col.astype(np.int64)
        elif name == "cause":
            cols[name] = np.array([CAUSES[int(k)] for k in col], dtype=object)
        elif name == "night":
            cols[name] = col.astype(bool)
        else:
            cols[name] = col
    cols["village"] = building_village[cols["building"]].astype(np.int32)
    return cols


@register
class Fire(Process):
    """Building fires; reports daily counts and keeps a log of fire events."""

    name = "fire"
    reads = (
        "buildings.village",
        "buildings.x",
        "buildings.y",
        "buildings.side_m",
        "buildings.fire_resistive",
        "buildings.smoke_sensor",
        "buildings.sprinkler",
        "buildings.escape_windows",
        "buildings.access_road_m",
        "buildings.access_lane_m",
        "buildings.edge_dist_m",
        "buildings.block",
        "buildings.three_in_one",
        "buildings.old_wiring",
        "buildings.damage",
        "households.building",
        "residents.building",
        "residents.charging",
        "blocks.lane_cleared",
        "villages.city_station_distance_m",
        "villages.wind_ms",
        "villages.platform",
        "stations",
        "adjacency",
    )
    writes = ("buildings.damage", "buildings.last_fire_day", "fires_today")
    after = ("weather", "charging", "compliance", "governance", "participation")
    Params = FireParams
    metrics = {
        "fires": "Fires started today (one per origin building).",
        "fire_deaths": "Deaths in today's fires.",
        "fire_injuries": "Injuries in today's fires.",
        "fire_deaths_expected": "Expected deaths in today's fires (sum of probabilities).",
        "buildings_damaged": "Buildings burned today, origins and spread.",
        "damage_building_equivalents": "Fire damage today, in whole-building equivalents.",
        "mean_response_min": "Mean response time (call to arrival) of today's fires; NaN "
        "without fires.",
        "mean_alert_min": "Mean delay from ignition to alert of today's fires; NaN without fires.",
        "ignition_rate_per_year": "Expected fires per year at today's risk factors.",
    }

    def __init__(self, model: VicinityModel, params: FireParams) -> None:
        super().__init__(model, params)
        n = len(self.world.buildings)
        self.consts = params.consts()
        self._scratch = SpreadScratch.empty(n)
        self._fire_day = KernelCall(fire_day)
        self.events: list[np.ndarray] = []
        #: Today's metrics on a day without fire (all but the ignition rate).
        self._quiet_day = {
            "fires": 0.0, "fire_deaths": 0.0, "fire_injuries": 0.0, "fire_deaths_expected": 0.0,
            "buildings_damaged": 0.0, "damage_building_equivalents": 0.0,
            "mean_response_min": math.nan, "mean_alert_min": math.nan,
        }  # fmt: skip

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        b = w.buildings
        today = self._today(len(b))
        rates, ev = self._fire_day(
            key, self.consts, self.arrays("residents"), w.residence(),
            self.arrays("buildings"), self.arrays("blocks"), self.arrays("villages"),
            self.arrays("stations"), self.arrays("adjacency"), w.occupants(), self._scratch, today,
        )  # fmt: skip
        ignition = float(rates.sum())
        if not ev.shape[0]:  # most days: no fire (skip the event bookkeeping)
            w.fires_today = FiresToday()
            return dict(self._quiet_day, ignition_rate_per_year=ignition)
        burned = np.nonzero(today.burned)[0]
        b.last_fire_day[burned] = day
        w.fires_today = FiresToday(burned, today.event[burned], ev[today.event[burned], 4])
        # All False again for tomorrow (``event`` is read only where ``burned`` holds).
        today.burned[burned] = False
        ev = ev[ev[:, 0] >= 0]
        if len(ev):
            self.events.append(np.column_stack([np.full(len(ev), day), ev]))
        n_ev = len(ev)
        return {
            "fires": float(n_ev),
            "fire_deaths": float(ev[:, 6].sum()),
            "fire_injuries": float(ev[:, 7].sum()),
            "fire_deaths_expected": float(ev[:, 8].sum()),
            "buildings_damaged": float(ev[:, 5].sum()),
            "damage_building_equivalents": float(ev[:, 9].sum()),
            "mean_response_min": float(ev[:, 4].mean()) if n_ev else math.nan,
            "mean_alert_min": float(ev[:, 3].mean()) if n_ev else math.nan,
            "ignition_rate_per_year": ignition,
        }

    def _today(self, n: int) -> FireToday:
        """The record of the day's burned buildings, all False: one kept from day to day (the
        same bundle each day spares the compiled call's typing of a new one), reset after
        each day with fires."""
        kept = self.__dict__.get("_kept_today")
        if kept is None or len(kept.burned) != n:
            kept = self._kept_today = FireToday(np.zeros(n, dtype=bool), np.zeros(n, np.int64))
        return kept

    def event_table(self) -> dict[str, np.ndarray]:
        """All fire events of the run as columns (day first)."""
        rows = np.concatenate(self.events) if self.events else np.zeros((0, 1 + len(EVENT_FIELDS)))
        return event_columns(rows, self.world.buildings.village)
