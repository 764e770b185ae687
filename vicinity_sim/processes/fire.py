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

from vicinity_sim.numerics import binomial_ppf, lognormal_ppf
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.fire_spread import spread_event
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


class FireConsts(NamedTuple):
    """Scalar parameters passed to the kernel (a typed tuple: no Python objects inside)."""

    rate_household: float
    old_wiring_multiplier: float
    rate_ebike: float
    rate_three_in_one: float
    night_share: tuple[float, float, float]
    growth_median: tuple[float, float, float]
    lethality_multiplier: tuple[float, float, float]
    presence_night: float
    presence_day: float
    growth_median_exposure: float
    growth_sigma: float
    sensor_reliability: float
    detect_sensor: float
    detect_day: float
    detect_night: float
    detect_sigma: float
    call_delay: float
    platform_call_delay: float
    city_turnout: float
    city_speed: float
    village_speed: float
    hose_speed: float
    micro_turnout: float
    micro_speed: float
    response_sigma: float
    containment: float
    max_sep: float
    spread_sigma: float
    sprinkler_effective: float
    trap_floor: float
    tenability_fraction: float
    lethality: float
    escape_window_effect: float
    sprinkler_lethality_effect: float
    confined_factor: float
    injury: float
    burnout: float
    sprinkler_damage: float

    @classmethod
    def from_params(cls, p: FireParams) -> FireConsts:
        return cls(
            rate_household=p.ignition_per_household_year,
            old_wiring_multiplier=p.old_wiring_multiplier,
            rate_ebike=p.ignition_per_indoor_ebike_year,
            rate_three_in_one=p.ignition_per_three_in_one_year,
            night_share=(p.night_share_household, p.night_share_ebike, p.night_share_three_in_one),
            growth_median=(
                p.growth_median_household_min,
                p.growth_median_ebike_min,
                p.growth_median_three_in_one_min,
            ),
            lethality_multiplier=(
                1.0,
                p.lethality_multiplier_ebike,
                p.lethality_multiplier_three_in_one,
            ),
            presence_night=p.presence_night,
            presence_day=p.presence_day,
            growth_median_exposure=p.growth_median_exposure_min,
            growth_sigma=p.growth_sigma,
            sensor_reliability=p.sensor_reliability,
            detect_sensor=p.detect_median_sensor_min,
            detect_day=p.detect_median_day_min,
            detect_night=p.detect_median_night_min,
            detect_sigma=p.detect_sigma,
            call_delay=p.call_delay_min,
            platform_call_delay=p.platform_call_delay_min,
            city_turnout=p.city_turnout_min,
            city_speed=p.city_speed_m_per_min,
            village_speed=p.village_speed_m_per_min,
            hose_speed=p.hose_speed_m_per_min,
            micro_turnout=p.micro_turnout_min,
            micro_speed=p.micro_speed_m_per_min,
            response_sigma=p.response_sigma,
            containment=p.containment_min,
            max_sep=p.max_spread_separation_m,
            spread_sigma=p.spread_sigma,
            sprinkler_effective=p.sprinkler_effective,
            trap_floor=p.trap_floor,
            tenability_fraction=p.tenability_fraction,
            lethality=p.lethality_trapped,
            escape_window_effect=p.escape_window_effect,
            sprinkler_lethality_effect=p.sprinkler_lethality_effect,
            confined_factor=p.confined_lethality_factor,
            injury=p.injury_per_trapped,
            burnout=p.burnout_min,
            sprinkler_damage=p.sprinkler_damage,
        )


@njit(cache=True)
def ignition_rates(res_building, res_charging, hh_building, three_in_one, old_wiring, c):
    """Yearly ignition rate of each building by cause, shape (n_buildings, 3).

    A building's household and e-bike rates are sums of one constant per household and per
    indoor charger, added one at a time. Households and residents are stored building by
    building, so each run of one building's rows is added in a register (the same additions
    in the same order) rather than through the array row after row.
    """
    n = len(three_in_one)
    rates = np.zeros((n, 3))
    h = 0
    while h < len(hh_building):
        b = hh_building[h]
        acc = rates[b, CAUSE_HOUSEHOLD]
        while h < len(hh_building) and hh_building[h] == b:
            acc += c.rate_household
            h += 1
        rates[b, CAUSE_HOUSEHOLD] = acc
    for b in range(n):
        if old_wiring[b]:
            rates[b, CAUSE_HOUSEHOLD] *= c.old_wiring_multiplier
        if three_in_one[b]:
            rates[b, CAUSE_THREE_IN_ONE] = c.rate_three_in_one
    r = 0
    while r < len(res_building):
        b = res_building[r]
        indoor = 0
        while r < len(res_building) and res_building[r] == b:
            indoor += res_charging[r] == CHARGE_INDOOR
            r += 1
        acc = rates[b, CAUSE_EBIKE]
        for _ in range(indoor):
            acc += c.rate_ebike
        rates[b, CAUSE_EBIKE] = acc
    return rates


@njit(cache=True)
def response_minutes(b, village, x, y, access_road, access_lane, lane_cleared, edge_dist,
                     city_distance, st_village, st_x, st_y, st_active, c):  # fmt: skip
    """Minutes from the call until the first crew reaches building ``b`` (before noise)."""
    access = access_lane if lane_cleared else access_road
    best = (
        c.city_turnout
        + city_distance[village] / c.city_speed
        + edge_dist / c.village_speed
        + access / c.hose_speed
    )
    for s in range(len(st_x)):
        if st_active[s] and st_village[s] == village:
            # Along roads and cleared lanes with the cart; the last stretch, from where the
            # cart must stop (the block's lane if cleared, else the nearest road), on foot.
            route = abs(st_x[s] - x[b]) + abs(st_y[s] - y[b])
            walk = min(access, route)
            t = c.micro_turnout + (route - walk) / c.micro_speed + walk / c.hose_speed
            if t < best:
                best = t
    return best


@njit(cache=True)
def fire_day(
    key,
    c,
    rates,
    b_village,
    b_x,
    b_y,
    b_side,
    b_resistive,
    b_sensor,
    b_sprinkler,
    b_windows,
    b_access_road,
    b_access_lane,
    b_edge_dist,
    b_block,
    b_damage,
    occupants,
    blk_lane_cleared,
    city_distance,
    wind,
    st_village,
    st_x,
    st_y,
    st_active,
    indptr,
    indices,
    sep,
    ign_time,
    growth,
    controlled,
    burned_today,
    burned_event,
    v_platform,
):
    """Simulate one day of fires in all villages.

    Returns:
        A (n_events, len(EVENT_FIELDS)) array, one row per fire started today.
    """
    n = len(b_x)
    origins = []
    for b in range(n):
        total = rates[b, 0] + rates[b, 1] + rates[b, 2]
        if total > 0.0:
            u = uniform(key, FireSlot.IGNITE, b)
            # 1 − exp(−x) ≤ x: a draw of at least 2x decides without the exponential.
            if u < 2.0 * (total / 365.0) and u < -math.expm1(-total / 365.0):
                origins.append(b)
    events = np.zeros((len(origins), len(EVENT_FIELDS)))
    if len(origins) == 0:
        return events
    order = np.empty(n, dtype=np.int64)
    for k in range(len(origins)):
        o = origins[k]
        row = events[k]
        row[0] = o
        if burned_today[o]:
            row[0] = -1.0  # already burned by an earlier fire today: not a new fire
            continue
        # Cause, in proportion to the rates.
        total = rates[o, 0] + rates[o, 1] + rates[o, 2]
        uc = uniform(key, FireSlot.CAUSE, o) * total
        cause = CAUSE_HOUSEHOLD
        if uc >= rates[o, 0]:
            cause = CAUSE_EBIKE if uc < rates[o, 0] + rates[o, 1] else CAUSE_THREE_IN_ONE
        night = uniform(key, FireSlot.NIGHT, o) < c.night_share[cause]
        presence = c.presence_night if night else c.presence_day
        # Alert.
        u_det = uniform(key, FireSlot.DETECT, o)
        call_delay = c.call_delay
        if b_sensor[o] and uniform(key, FireSlot.SENSOR, o) < c.sensor_reliability:
            alert = lognormal_ppf(u_det, c.detect_sensor, c.detect_sigma)
            if v_platform[b_village[o]]:  # the platform dispatches on the sensor's alarm
                call_delay = c.platform_call_delay
        else:
            median = c.detect_night if night else c.detect_day
            alert = lognormal_ppf(u_det, median, c.detect_sigma)
        # Response and containment.
        v = b_village[o]
        base = response_minutes(
            o, v, b_x, b_y, b_access_road[o], b_access_lane[o], blk_lane_cleared[b_block[o]],
            b_edge_dist[o], city_distance, st_village, st_x, st_y, st_active, c,
        )  # fmt: skip
        response = lognormal_ppf(uniform(key, FireSlot.RESPONSE, o), base, c.response_sigma)
        arrival = alert + call_delay + response
        stop = arrival + c.containment
        origin_growth = lognormal_ppf(
            uniform(key, FireSlot.ORIGIN_GROWTH, o), c.growth_median[cause], c.growth_sigma
        )
        count = spread_event(
            o, origin_growth, indptr, indices, sep, b_side, b_resistive, b_sprinkler,
            c.sprinkler_effective, wind[v], c.max_sep, c.spread_sigma,
            c.growth_median_exposure, c.growth_sigma, stop, key, burned_today, ign_time,
            growth, controlled, order,
        )  # fmt: skip
        deaths = 0
        injuries = 0
        expected = 0.0
        damage = 0.0
        for i in range(count):
            b = order[i]
            t_ign = ign_time[b]
            burned_today[b] = True
            burned_event[b] = k
            # Casualties: alert delay relative to this building's ignition; the origin's cause
            # sets its lethality, buildings reached by spread burn as ordinary exposure fires.
            delay = max(alert - t_ign, 0.0)
            g = growth[b]
            floor = c.trap_floor if b == o else 0.0
            p_trap = floor + (1.0 - floor) * (-math.expm1(-delay / (c.tenability_fraction * g)))
            lethal = c.lethality * (c.lethality_multiplier[cause] if b == o else 1.0)
            if b_windows[b]:
                lethal *= 1.0 - c.escape_window_effect
            if controlled[b]:
                lethal *= 1.0 - c.sprinkler_lethality_effect
            elif t_ign + g > arrival:
                lethal *= c.confined_factor
            p_death = min(presence * p_trap * lethal, 1.0)
            p_injury = min(presence * p_trap * c.injury, 1.0)
            occ = occupants[b]
            d = binomial_ppf(uniform(key, FireSlot.DEATH, b), occ, p_death)
            inj = min(binomial_ppf(uniform(key, FireSlot.INJURY, b), occ, p_injury), occ - d)
            deaths += d
            injuries += inj
            expected += occ * p_death
            # Damage: linear in burning time until containment.
            dmg = min(max(stop - t_ign, 0.0) / c.burnout, 1.0)
            if controlled[b]:
                dmg = min(dmg, c.sprinkler_damage)
            b_damage[b] += dmg
            damage += dmg
        for i in range(count):
            ign_time[order[i]] = math.inf
            controlled[order[i]] = False
        row[1] = cause
        row[2] = 1.0 if night else 0.0
        row[3] = alert
        row[4] = response
        row[5] = count
        row[6] = deaths
        row[7] = injuries
        row[8] = expected
        row[9] = damage
    return events


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

    def __init__(self, model: VicinityModel, params: ParamModel | None) -> None:
        super().__init__(model, params)
        n = len(self.world.buildings)
        self.consts = FireConsts.from_params(params)
        self._ign_time = np.full(n, np.inf)
        self._growth = np.zeros(n)
        self._controlled = np.zeros(n, dtype=bool)
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
        r = w.residents
        rates = ignition_rates(
            r.building, r.charging, w.households.building, b.three_in_one, b.old_wiring,
            self.consts,
        )  # fmt: skip
        burned_today = np.zeros(len(b), dtype=bool)
        burned_event = np.zeros(len(b), dtype=np.int64)
        ev = fire_day(
            key, self.consts, rates, b.village, b.x, b.y, b.side_m, b.fire_resistive,
            b.smoke_sensor, b.sprinkler, b.escape_windows, b.access_road_m, b.access_lane_m,
            b.edge_dist_m, b.block, b.damage, w.occupants(), w.blocks.lane_cleared,
            w.villages.city_station_distance_m, w.villages.wind_ms, w.stations.village,
            w.stations.x, w.stations.y, w.stations.active, w.adjacency.indptr, w.adjacency.indices,
            w.adjacency.separation_m, self._ign_time, self._growth, self._controlled, burned_today,
            burned_event, w.villages.platform,
        )  # fmt: skip
        ignition = float(rates.sum())
        if not ev.shape[0]:  # most days: no fire (skip the event bookkeeping)
            w.fires_today = FiresToday()
            return dict(self._quiet_day, ignition_rate_per_year=ignition)
        burned = np.nonzero(burned_today)[0]
        b.last_fire_day[burned] = day
        w.fires_today = FiresToday(burned, burned_event[burned], ev[burned_event[burned], 4])
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

    def event_table(self) -> dict[str, np.ndarray]:
        """All fire events of the run as columns (day first)."""
        rows = np.concatenate(self.events) if self.events else np.zeros((0, 1 + len(EVENT_FIELDS)))
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
        cols["village"] = self.world.buildings.village[cols["building"]].astype(np.int32)
        return cols
