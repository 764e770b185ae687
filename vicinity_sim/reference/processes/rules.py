"""Village rules as a norm in the reference model.

Mirrors :mod:`vicinity_sim.processes.rules`, monthly: residents who moved in since the last
month do not keep the rules; every other resident who does not yet keep them starts to with a
probability that grows with the rules' strength, the share of their building keeping them
(counted before anyone starts this month) and, where vanguard teams promote them, the
referents' multiplier.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes import rules
from vicinity_sim.processes.rules import RulesParams, RulesSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel

RULES_SLOTS = slot_numbers(RulesSlot)
adoption_probability = rules.adoption_probability.py_func


@reference_process
class Rules(ReferenceProcess):
    """Residents come to keep revised village rules (a norm), monthly."""

    name = "rules"

    def __init__(self, model: ReferenceModel, params: RulesParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self.last_day = -1

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        c = self.consts
        residents = self.model.residents
        keeping = [0.0] * len(w.buildings)
        occupants = [0.0] * len(w.buildings)
        for res in residents:
            if res.arrived_day > self.last_day:
                res.holds_rules = False
            occupants[res.building] += 1.0
            keeping[res.building] += res.holds_rules
        total = 0
        for res in residents:
            if not res.holds_rules:
                strength = float(w.villages.rules_norm[res.village])
                if strength > 0.0:
                    b = res.building
                    vanguard = bool(w.grids.vanguard[w.buildings.grid[b]])
                    p = adoption_probability(strength, keeping[b] / occupants[b], vanguard, c)
                    if uniform(key, RULES_SLOTS.ADOPT, res.row) < p:
                        res.holds_rules = True
            total += res.holds_rules
        self.last_day = day
        n = len(residents)
        return {"rules_keepers_share": total / n if n else math.nan}
