"""Village rules as a norm residents adopt (村规民约), monthly.

Revised village rules (the ``village_rules`` intervention sets their strength, ``rules_norm``
of the village, 0 none to 1 fully revised and owned) change nothing by themselves: residents
must come to keep them. Each month a resident who does not yet keep them starts to with
probability ``1 − exp(−λ)``,

    λ = rules_norm_v · (adoption_per_month + conformity_per_month · s_b) · m_g,

``s_b`` the share of the resident's building who keep them (at the start of the month),
``m_g = referent_multiplier`` where the grid's vanguard teams promote the rules (party members
as visible referents) and 1 otherwise. Newcomers (moved in since the last month) do not keep
them, so tenant turnover wears the norm down. Keeping the rules changes what residents do:
fewer neighbour disputes arise in a building the more of its residents keep them, two parties
who both keep them can settle by appeal to them (:mod:`~vicinity_sim.processes.disputes`), and
a resident who keeps them conforms more to the grid's contribution norm
(:mod:`~vicinity_sim.processes.participation`).

Levers read here: villages' ``rules_norm``; grids' ``vanguard``.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@stream_slots("rules")
class RulesSlot(IntEnum):
    """Slots of the rules stream's draws."""

    ADOPT = 0


class RulesParams(ParamModel):
    """How residents come to keep revised village rules."""

    adoption_per_month: float = param(
        0.05, unit="1/month", ge=0.0, le=10.0, range=(0.01, 0.2), prior="loguniform",
        doc="Monthly hazard a resident starts keeping fully owned rules with no neighbour "
        "keeping them (publicity, consultation meetings).",
        source="assumption: about half of residents keep the rules after a year of publicity "
        "alone",
    )  # fmt: skip
    conformity_per_month: float = param(
        0.2, unit="1/month", ge=0.0, le=10.0, range=(0.05, 0.5), prior="loguniform",
        doc="Monthly hazard added per share of the building's residents keeping them (one "
        "follows neighbours who do).",
        source="assumption: norms spread through the people one sees (Paluck, Shepherd & "
        "Aronow 2016, docs/sources.md §mediation)",
    )  # fmt: skip
    referent_multiplier: float = param(
        2.0, unit="1", ge=1.0, le=10.0, range=(1.0, 3.0), prior="uniform",
        doc="Adoption is this much faster where vanguard teams promote the rules.",
        source="docs/sources.md §mediation: the norm campaign's effect was larger where more "
        "socially central referents took part (Paluck, Shepherd & Aronow 2016)",
    )  # fmt: skip


RulesConsts = consts_class(RulesParams)


@njit(cache=True, inline="always")
def adoption_probability(strength, keeping_share, vanguard, c):
    """Probability a resident starts keeping the rules this month."""
    rate = strength * (c.adoption_per_month + c.conformity_per_month * keeping_share)
    if vanguard:
        rate *= c.referent_multiplier
    return 1.0 - math.exp(-rate)


@njit(cache=True)
def rules_month(key, last_day, c, r, b, g, v, n_buildings):
    """Newcomers since ``last_day`` do not keep the rules; the others may start to. Returns
    the residents keeping them.

    Args:
        key: The month's stream key.
        last_day: Day of the previous monthly step.
        c: :data:`RulesConsts`.
        r: Residents (``holds_rules`` updated).
        b, g, v: Buildings, grids, villages.
        n_buildings: Buildings of the world.
    """
    r_holds_rules = r.holds_rules
    r_arrived_day = r.arrived_day
    r_building = r.building
    r_village = r.village
    b_grid = b.grid
    g_vanguard = g.vanguard
    v_rules_norm = v.rules_norm
    n = len(r_holds_rules)
    keeping = np.zeros(n_buildings)
    occupants = np.zeros(n_buildings)
    for i in range(n):
        if r_arrived_day[i] > last_day:
            r_holds_rules[i] = False
        occupants[r_building[i]] += 1.0
        keeping[r_building[i]] += r_holds_rules[i]
    total = 0
    for i in range(n):
        if not r_holds_rules[i]:
            strength = v_rules_norm[r_village[i]]
            if strength > 0.0:
                k = r_building[i]
                p = adoption_probability(strength, keeping[k] / occupants[k],
                                         g_vanguard[b_grid[k]], c)  # fmt: skip
                if uniform(key, RulesSlot.ADOPT, i) < p:
                    r_holds_rules[i] = True
        total += r_holds_rules[i]
    return total


@register
class Rules(Process):
    """Residents come to keep revised village rules (a norm), monthly."""

    name = "rules"
    cadence = "month"
    reads = (
        "residents.holds_rules",
        "residents.arrived_day",
        "residents.building",
        "residents.village",
        "buildings.grid",
        "grids.vanguard",
        "villages.rules_norm",
    )
    writes = ("residents.holds_rules",)
    after = ("migration",)
    Params = RulesParams
    metrics = {"rules_keepers_share": "Share of residents who keep the village rules."}
    levels = frozenset({"rules_keepers_share"})

    def __init__(self, model: VicinityModel, params: RulesParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self.last_day = -1

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        total = rules_month(key, self.last_day, self.consts, self.arrays("residents"),
                            self.arrays("buildings"), self.arrays("grids"),
                            self.arrays("villages"), len(w.buildings))  # fmt: skip
        self.last_day = day
        n = len(w.residents)
        return {"rules_keepers_share": total / n if n else math.nan}
