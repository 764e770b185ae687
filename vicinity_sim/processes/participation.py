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
teams work and party members show their identity (三亮一表率); the norm is a base conformity
plus ``rules_conformity · rules_norm`` from village rules (村规民约), applied to the grid's
contribution share last week.

Contributors earn the points value, are always welcome at events (see contacts), report
hazards in their own building (each report may persuade an indoor charger to charge outdoors)
and keep shared spaces clean: each week a grid's environment moves a step toward
``environment_floor + cleaning + environment_per_share · share`` (capped at 1), where
``share`` is this week's contribution share and ``cleaning`` what paid cleaning services add;
cleaner spaces make public encounters better (see contacts) and raise rents (see housing).

Levers read here: villages' ``points_reward_cny``, ``rules_norm``, ``taiwan_program``; grids'
``vanguard``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.streams import uniform
from vicinity_sim.world.population import (
    CHARGE_INDOOR,
    CHARGE_OUTDOOR,
    CHILD,
    LOCAL,
    MIGRANT,
    TAIWAN,
)
from vicinity_sim.world.tables import Residents
from vicinity_sim.world.ties import group_members

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

SLOT_DECIDE = 0
SLOT_REPORT = 1


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
        doc="Conformity added by fully owned village rules (times rules_norm).",
        source="assumption",
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


class PartConsts(NamedTuple):
    b0: float
    b_trust: float
    b_prop: float
    b_party: float
    b_reward: float
    r_opt: float
    b_exemplar: float
    visibility: float
    b_norm: float
    norm_base: float
    rules_conformity: float
    b_taiwan: float
    report: float
    persuasion: float

    @classmethod
    def from_params(cls, p: ParticipationParams) -> PartConsts:
        return cls(
            p.intercept, p.trust_weight, p.propensity_weight, p.party_weight, p.reward_weight,
            p.reward_optimum_cny, p.exemplar_weight, p.exemplar_visibility, p.norm_weight,
            p.norm_base, p.rules_conformity, p.taiwan_weight, p.report_probability,
            p.report_persuasion,
        )  # fmt: skip


@njit(cache=True)
def reward_response(r, r_opt):
    """ρ(r) = (r/r*)·exp(1 − r/r*): 0 at 0, 1 at r*, falling beyond."""
    x = r / r_opt
    return x * math.exp(1.0 - x)


@njit(cache=True)
def participation_week(key, c, res_age, res_group, res_party, res_village, res_grid, res_building,
                       trust_inter, trust_inst, propensity, participating, points, res_charging,
                       bld_res_ptr, bld_res, g_vanguard, v_reward, v_rules, v_taiwan, n_grids,
                       outgroup_share):  # fmt: skip
    """Decide this week's contributors.

    Returns [adults, contributors] for each group, then the chargers persuaded by reports and
    the value of the points awarded.
    """
    n = len(res_age)
    # Last week's shares per grid: all adults and party members.
    adults_g = np.zeros(n_grids)
    contrib_g = np.zeros(n_grids)
    party_g = np.zeros(n_grids)
    party_contrib_g = np.zeros(n_grids)
    for i in range(n):
        if res_age[i] == CHILD:
            continue
        g = res_grid[i]
        adults_g[g] += 1.0
        contrib_g[g] += participating[i]
        if res_party[i]:
            party_g[g] += 1.0
            party_contrib_g[g] += participating[i]
    # What depends only on the grid or the village, once per grid and village (the same
    # values the residents' loop would compute).
    exemplar_g = np.zeros(n_grids)
    share_g = np.zeros(n_grids)
    for g in range(n_grids):
        exemplar = party_contrib_g[g] / party_g[g] if party_g[g] > 0 else 0.0
        exemplar *= 1.0 if g_vanguard[g] else c.visibility
        exemplar_g[g] = exemplar
        share_g[g] = contrib_g[g] / adults_g[g] if adults_g[g] > 0 else 0.0
    reward_v = np.empty(len(v_reward))
    for v in range(len(v_reward)):
        reward_v[v] = reward_response(v_reward[v], c.r_opt)
    counts = np.zeros(8)
    for i in range(n):
        if res_age[i] == CHILD:
            participating[i] = False
            continue
        g = res_grid[i]
        v = res_village[i]
        s = outgroup_share[v, res_group[i]]
        trust = 0.5 * ((1.0 - s) * trust_inter[i, 0] + s * trust_inter[i, 1] + trust_inst[i])
        u = (c.b0 + c.b_trust * (trust - 0.5) + c.b_prop * (propensity[i] - 0.5)
             + c.b_reward * reward_v[v] + c.b_exemplar * exemplar_g[g]
             + c.b_norm * (c.norm_base + c.rules_conformity * v_rules[v]) * share_g[g])  # fmt: skip
        if res_party[i]:
            u += c.b_party
        if res_group[i] == TAIWAN and v_taiwan[v]:
            u += c.b_taiwan
        p = 1.0 / (1.0 + math.exp(-u))
        yes = uniform(key, SLOT_DECIDE, i) < p
        participating[i] = yes
        counts[2 * res_group[i]] += 1.0
        if yes:
            counts[2 * res_group[i] + 1] += 1.0
            points[i] += v_reward[v]
            counts[7] += v_reward[v]
            if uniform(key, SLOT_REPORT, i) < c.report:
                b = res_building[i]
                lo, hi = bld_res_ptr[b], bld_res_ptr[b + 1]
                j = bld_res[lo + int(uniform(key, SLOT_REPORT, n + i) * (hi - lo))]
                if (
                    res_charging[j] == CHARGE_INDOOR
                    and uniform(key, SLOT_REPORT, 2 * n + i) < c.persuasion
                ):
                    res_charging[j] = CHARGE_OUTDOOR
                    counts[6] += 1.0
    return counts


@register
class Participation(Process):
    """Weekly contribution decisions."""

    name = "participation"
    order = SCHEDULE["participation"]
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
        w = self.world
        self.consts = PartConsts.from_params(params)
        self.res_grid = w.resident_grid().astype(np.int64)
        self.bld_res_ptr, self.bld_res = group_members(
            w.residents.building.astype(np.int64), len(w.buildings)
        )

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        r, v = w.residents, w.villages
        counts = participation_week(
            key, self.consts, r.age, r.group, r.party, r.village, self.res_grid, r.building,
            r.trust_inter, r.trust_inst, r.propensity, r.participating, r.points, r.charging,
            self.bld_res_ptr, self.bld_res, w.grids.vanguard, v.points_reward_cny,
            v.rules_norm, v.taiwan_program, len(w.grids), w.outgroup_share(),
        )  # fmt: skip
        self._keep_spaces(r)

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

    def _keep_spaces(self, r: Residents) -> None:
        """Contributors keep shared spaces clean: environments move toward a level set by this
        week's contribution share in the grid."""
        p, g = self.params, self.world.grids
        adult = r.age != CHILD
        adults = np.bincount(self.res_grid[adult], minlength=len(g))
        contributing = np.bincount(self.res_grid[adult & r.participating], minlength=len(g))
        share = contributing / np.maximum(adults, 1)
        target = np.minimum(p.environment_floor + g.cleaning + p.environment_per_share * share, 1.0)
        g.environment += p.environment_rate_per_week * (target - g.environment)
