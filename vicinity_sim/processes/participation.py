"""Participation: each week, residents decide whether to contribute to community affairs.

Contributing (volunteering, attending a council, reporting a hazard) is a public-goods
decision: the contributor pays a cost, the grid gains. Each adult contributes this week with
probability ``logistic(U)``,

    U = β0 + β_trust·(trust − ½) + β_propensity·(propensity − ½) + β_party·[party member]
        + β_reward·ρ(points value) + β_exemplar·exemplar + β_norm·norm·share_last_week
        + β_taiwan·[Taiwan compatriot in a village encouraging them],

where trust is the mean of generalised interpersonal and institutional trust;
ρ(r) = (r/r*)·e^{1−r/r*} rises to 1 at the reward r* and falls beyond it (moderate rewards
sustain cooperation better than large ones, which crowd out intrinsic motives; Szolnoki & Perc
2010); the exemplar is the
share of the grid's party members who contributed last week, fully visible where vanguard
teams work and party members show their identity (三亮一表率); the norm is a base conformity,
plus ``rules_conformity`` for a resident who keeps the village rules (村规民约, a norm residents
adopt: :mod:`~vicinity_sim.processes.rules`), applied to the grid's contribution share last
week.

Contributors earn the points value, are always welcome at events (see contacts), report
hazards in their own building (each report may persuade an indoor charger to charge outdoors)
and keep shared spaces clean: each week a grid's environment moves a step toward
``environment_floor + cleaning + environment_per_share · share`` (capped at 1), where
``share`` is this week's contribution share and ``cleaning`` what paid cleaning services add;
cleaner spaces make public encounters better (see contacts) and raise rents (see housing).

Levers read here: villages' ``points_reward_cny``, ``taiwan_program``; grids' ``vanguard``.
State read: residents' ``holds_rules``.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

from vicinity_sim.learning import generalised_trust
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world.codes import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    CHILD,
    IN_GROUP,
    LOCAL,
    MIGRANT,
    OUT_GROUP,
    TAIWAN,
)

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("participation")
class ParticipationSlot(IntEnum):
    """Slots of the participation stream's draws."""

    DECIDE = 0
    REPORT = 1


class ParticipationParams(ParamModel):
    """The weekly decision to contribute."""

    intercept: float = param(
        -2.2, unit="1", ge=-20.0, le=20.0,
        doc="β0: log-odds of contributing for a neutral resident without institutions.",
        source="assumption: weekly participation of ~10% before the program",
    )  # fmt: skip
    trust_weight: float = param(
        3.0, unit="1", ge=0.0, le=50.0, doc="β_trust: weight of mean trust.",
        source="assumption",
    )  # fmt: skip
    propensity_weight: float = param(
        3.0, unit="1", ge=0.0, le=50.0, doc="β_propensity: weight of the disposition trait.",
        source="assumption",
    )  # fmt: skip
    party_weight: float = param(
        1.0, unit="1", ge=0.0, le=50.0, doc="β_party: extra log-odds for party members.",
        source="assumption",
    )  # fmt: skip
    reward_weight: float = param(
        0.5, unit="1", ge=0.0, le=50.0, doc="β_reward: weight of the points reward at its best.",
        source="assumption",
    )  # fmt: skip
    reward_optimum_cny: float = param(
        20.0, unit="CNY/contribution", gt=0.0, le=10_000.0,
        doc="r*: points value with the strongest effect; larger rewards crowd out.",
        source="assumption after Szolnoki & Perc 2010 (moderate rewards work best)",
    )  # fmt: skip
    exemplar_weight: float = param(
        1.0, unit="1", ge=0.0, le=50.0, range=(0.25, 2.0),
        doc="β_exemplar: weight of party members seen contributing.", source="assumption",
    )  # fmt: skip
    exemplar_visibility: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Visibility of party members' contributions without vanguard teams.",
        source="assumption",
    )  # fmt: skip
    norm_weight: float = param(
        2.0, unit="1", ge=0.0, le=50.0,
        doc="β_norm: weight of last week's contribution share in the grid.", source="assumption",
    )  # fmt: skip
    norm_base: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Conformity to the grid's contribution share without village rules.",
        source="assumption",
    )  # fmt: skip
    rules_conformity: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Conformity added for a resident who keeps the village rules.",
        source="assumption: one who keeps the rules has committed to the neighbourhood's "
        "norm and follows what neighbours do more than twice as closely (0.8 against "
        "norm_base 0.3)",
    )  # fmt: skip
    taiwan_weight: float = param(
        1.5, unit="1", ge=0.0, le=50.0,
        doc="β_taiwan: extra log-odds for Taiwan compatriots where measures encourage them.",
        source="assumption: 14 measures for Taiwan compatriots' participation (seed)",
    )  # fmt: skip
    environment_floor: float = param(
        0.2, unit="1", ge=0.0, le=1.0,
        doc="State a grid's shared spaces settle at when nobody contributes.",
        source="assumption",
    )  # fmt: skip
    environment_per_share: float = param(
        2.0, unit="1", ge=0.0, le=20.0,
        doc="Rise of that settling state per unit of the grid's contribution share.",
        source="assumption: ~30% contributing keeps spaces largely clean",
    )  # fmt: skip
    environment_rate_per_week: float = param(
        0.1, unit="1/week", ge=0.0, le=1.0,
        doc="Weekly share of the gap between the environment and its settling state closed.",
        source="assumption",
    )  # fmt: skip
    report_probability: float = param(
        0.1, unit="1/week", ge=0.0, le=1.0,
        doc="Probability a contributor reports an indoor charger in the building this week.",
        source="assumption",
    )  # fmt: skip
    report_persuasion: float = param(
        0.2, unit="1", ge=0.0, le=1.0,
        doc="Probability a report moves the charger outdoors.", source="assumption",
    )  # fmt: skip


ParticipationConsts = consts_class(ParticipationParams)


# -- formulas (the reference engine runs the same functions as Python) ------------------------


@njit(cache=True, inline="always")
def reward_response(r, r_opt):
    """ρ(r) = (r/r*)·exp(1 − r/r*): 0 at 0, 1 at r*, falling beyond (large rewards crowd out
    intrinsic motives)."""
    x = r / r_opt
    return x * math.exp(1.0 - x)


@njit(cache=True, inline="always")
def exemplar(party_contributors, party_members, vanguard, c):
    """Share of the grid's party members seen contributing last week (fully visible where
    vanguard teams work)."""
    seen = party_contributors / party_members if party_members > 0 else 0.0
    return seen * (1.0 if vanguard else c.exemplar_visibility)


@njit(cache=True, inline="always")
def contribution_share(contributors, adults):
    """Share of a grid's adults who contributed last week."""
    return contributors / adults if adults > 0 else 0.0


@njit(cache=True, inline="always")
def utility(trust, propensity, reward, seen, share, keeps_rules, party, taiwan, c):
    """U, the log-odds of contributing this week.

    Args:
        trust: Mean of generalised interpersonal and institutional trust.
        propensity: The resident's disposition to contribute.
        reward: ρ of the village's points value (:func:`reward_response`).
        seen: The grid's :func:`exemplar`.
        share: The grid's :func:`contribution_share` last week.
        keeps_rules: The resident keeps the village rules.
        party: The resident is a party member.
        taiwan: A Taiwan compatriot in a village encouraging them.
        c: :data:`ParticipationConsts`.
    """
    u = (c.intercept + c.trust_weight * (trust - 0.5) + c.propensity_weight * (propensity - 0.5)
         + c.reward_weight * reward + c.exemplar_weight * seen
         + c.norm_weight * (c.norm_base + (c.rules_conformity if keeps_rules else 0.0))
         * share)  # fmt: skip
    if party:
        u += c.party_weight
    if taiwan:
        u += c.taiwan_weight
    return u


@njit(cache=True, inline="always")
def contribute_probability(u):
    """Probability of contributing: the logistic of U."""
    return 1.0 / (1.0 + math.exp(-u))


@njit(cache=True, inline="always")
def mean_trust(in_group, out_group, outgroup_share, institutional):
    """Mean of generalised interpersonal trust and institutional trust."""
    return 0.5 * (generalised_trust(in_group, out_group, outgroup_share) + institutional)


def keep_spaces(adults: np.ndarray, contributing: np.ndarray, g: Any, p: Any) -> None:
    """Contributors keep shared spaces clean: each grid's environment moves toward a level set
    by this week's contribution share and its paid cleaning (both engines: grids are shared).

    Args:
        adults, contributing: Adults of each grid and those who contributed this week.
        g: The grids table (``environment`` is updated).
        p: Participation parameters.
    """
    share = contributing / np.maximum(adults, 1)
    target = np.minimum(p.environment_floor + g.cleaning + p.environment_per_share * share, 1.0)
    g.environment += p.environment_rate_per_week * (target - g.environment)


# -- kernels -------------------------------------------------------------------------------


@njit(cache=True)
def participation_week(key, c, r, res_grid, occupants, g, v, outgroup_share):
    """Decide this week's contributors.

    Args:
        key: The week's stream key.
        c: :data:`ParticipationConsts`.
        r: Residents (``participating``, ``points``, ``charging`` are updated).
        res_grid: Grid of each resident.
        occupants: Residents of each building (the world's
            :class:`~vicinity_sim.world.Residence`).
        g, v: Grids and villages.
        outgroup_share: Share of a village's residents outside each group.

    Returns:
        [adults, contributors] for each group, then the chargers persuaded by reports and the
        value of the points awarded.
    """
    r_age = r.age
    r_building = r.building
    r_charging = r.charging
    r_group = r.group
    r_holds_rules = r.holds_rules
    r_participating = r.participating
    r_party = r.party
    r_points = r.points
    r_propensity = r.propensity
    r_trust_inst = r.trust_inst
    r_trust_inter = r.trust_inter
    r_village = r.village
    occupants_members = occupants.members
    occupants_ptr = occupants.ptr
    g_vanguard = g.vanguard
    v_points_reward_cny = v.points_reward_cny
    v_taiwan_program = v.taiwan_program
    n = len(r_age)
    n_grids = len(g_vanguard)
    # Last week's shares per grid: all adults and party members.
    adults_g = np.zeros(n_grids)
    contrib_g = np.zeros(n_grids)
    party_g = np.zeros(n_grids)
    party_contrib_g = np.zeros(n_grids)
    for i in range(n):
        if r_age[i] == CHILD:
            continue
        k = res_grid[i]
        adults_g[k] += 1.0
        contrib_g[k] += r_participating[i]
        if r_party[i]:
            party_g[k] += 1.0
            party_contrib_g[k] += r_participating[i]
    # What depends only on the grid or the village, once per grid and village (the same
    # values the residents' loop would compute).
    exemplar_g = np.zeros(n_grids)
    share_g = np.zeros(n_grids)
    for k in range(n_grids):
        exemplar_g[k] = exemplar(party_contrib_g[k], party_g[k], g_vanguard[k], c)
        share_g[k] = contribution_share(contrib_g[k], adults_g[k])
    reward_v = np.empty(len(v_points_reward_cny))
    for k in range(len(reward_v)):
        reward_v[k] = reward_response(v_points_reward_cny[k], c.reward_optimum_cny)
    counts = np.zeros(8)
    for i in range(n):
        if r_age[i] == CHILD:
            r_participating[i] = False
            continue
        k = res_grid[i]
        village = r_village[i]
        trust = mean_trust(r_trust_inter[i, IN_GROUP], r_trust_inter[i, OUT_GROUP],
                           outgroup_share[village, r_group[i]], r_trust_inst[i])  # fmt: skip
        taiwan = r_group[i] == TAIWAN and v_taiwan_program[village]
        u = utility(trust, r_propensity[i], reward_v[village], exemplar_g[k], share_g[k],
                    r_holds_rules[i], r_party[i], taiwan, c)  # fmt: skip
        yes = uniform(key, ParticipationSlot.DECIDE, i) < contribute_probability(u)
        r_participating[i] = yes
        counts[2 * r_group[i]] += 1.0
        if yes:
            counts[2 * r_group[i] + 1] += 1.0
            r_points[i] += v_points_reward_cny[village]
            counts[7] += v_points_reward_cny[village]
            if uniform(key, ParticipationSlot.REPORT, i) < c.report_probability:
                b = r_building[i]
                lo, hi = occupants_ptr[b], occupants_ptr[b + 1]
                j = occupants_members[lo + int(uniform(key, ParticipationSlot.REPORT, n + i)
                                               * (hi - lo))]  # fmt: skip
                u_persuade = uniform(key, ParticipationSlot.REPORT, 2 * n + i)
                if r_charging[j] == CHARGE_INDOOR and u_persuade < c.report_persuasion:
                    r_charging[j] = CHARGE_OUTDOOR
                    counts[6] += 1.0
    return counts


@register
class Participation(Process):
    """Weekly contribution decisions."""

    name = "participation"
    reads = (
        "residents.age",
        "residents.group",
        "residents.party",
        "residents.village",
        "residents.building",
        "residents.trust_inter",
        "residents.trust_inst",
        "residents.propensity",
        "residents.participating",
        "residents.points",
        "residents.charging",
        "residents.holds_rules",
        "buildings.grid",
        "grids.vanguard",
        "grids.cleaning",
        "grids.environment",
        "villages.points_reward_cny",
        "villages.taiwan_program",
    )
    writes = (
        "residents.participating",
        "residents.points",
        "residents.charging",
        "grids.environment",
    )
    after = ("contacts", "governance", "disputes")
    cadence = "week"
    Params = ParticipationParams
    metrics = {
        "participation_rate": "Share of adults who contributed this week.",
        "participation_rate_local": "Share of local adults who contributed this week.",
        "participation_rate_migrant": "Share of migrant adults who contributed this week.",
        "participation_rate_taiwan": "Share of Taiwan compatriot adults who contributed.",
        "hazard_reports_persuaded": "Indoor chargers moved outdoors after residents' reports.",
        "points_awarded_cny": "Value of the points awarded this week (a program cost).",
        "environment_mean": "Mean state of the grids' shared spaces (0 neglected, 1 kept).",
    }
    levels = frozenset(
        {"participation_rate", "participation_rate_local", "participation_rate_migrant",
         "participation_rate_taiwan", "environment_mean"}
    )  # fmt: skip

    def __init__(self, model: VicinityModel, params: ParticipationParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self._index_residence()

    def _index_residence(self) -> None:
        """Each resident's grid and each building's residents (rebuilt when newcomers take
        units in other buildings)."""
        w = self.world
        self.res_grid = w.resident_grid().astype(np.int64)
        self.occupants = w.residence()
        self._moves = w.moves

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        if self._moves != w.moves:
            self._index_residence()
        r = w.residents
        counts = participation_week(
            key, self.consts, self.arrays("residents"), self.res_grid, self.occupants,
            self.arrays("grids"), self.arrays("villages"), w.outgroup_share(),
        )  # fmt: skip
        adult = r.age != CHILD
        n_grids = len(w.grids)
        keep_spaces(np.bincount(self.res_grid[adult], minlength=n_grids),
                    np.bincount(self.res_grid[adult & r.participating], minlength=n_grids),
                    w.grids, self.params)  # fmt: skip

        def rate(a: float, c: float) -> float:
            return c / a if a else math.nan

        adults = counts[0] + counts[2] + counts[4]
        return {
            "participation_rate": rate(adults, counts[1] + counts[3] + counts[5]),
            "participation_rate_local": rate(counts[2 * LOCAL], counts[2 * LOCAL + 1]),
            "participation_rate_migrant": rate(counts[2 * MIGRANT], counts[2 * MIGRANT + 1]),
            "participation_rate_taiwan": rate(counts[2 * TAIWAN], counts[2 * TAIWAN + 1]),
            "hazard_reports_persuaded": counts[6],
            "points_awarded_cny": counts[7],
            "environment_mean": float(w.grids.environment.mean()),
        }
