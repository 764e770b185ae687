"""Calendar and interventions: apply each intervention's rollout for today, and pay for it.

When the model starts, each enabled intervention lists the units it will reach in rollout order
(planning new facilities where it builds them). Each day, an intervention whose rollout has
begun installs units until the share installed matches the share of the rollout period elapsed
(linear ramp). Capital costs are paid on installation; running costs accrue daily for every
installed unit.

With staggered adoption (``[rollout]`` waves, :mod:`vicinity_sim.interventions.waves`), the
model gives each village its program start day (``model.village_starts``): an intervention
that follows the waves reaches only villages in a wave, and its units in a village are
installed on the intervention's own schedule counted from that village's start (one plan per
start day, the units keeping their rollout order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.interventions import CATALOGUE, Intervention
from vicinity_sim.params import ParamModel
from vicinity_sim.processes.base import Process, register

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


@dataclass
class RolloutPlan:
    """Units of one intervention in rollout order, with their costs.

    Discrete kinds install units one by one (``done`` of them so far); continuous kinds move
    every unit's lever from ``base`` toward the target by the share of the rollout elapsed
    (``share``), paying capital and running costs in proportion.
    """

    spec: Intervention
    units: np.ndarray
    capital_cny: np.ndarray  # per unit
    running_cum_cny_day: np.ndarray  # running cost per day of the first k units, k = 0..n
    done: int = 0
    base: np.ndarray | None = None
    share: float = 0.0
    #: Program start of the plan's villages: its schedule is counted from this day.
    offset: int = 0
    #: The share of the rollout done by the end of each day of the run (computed once).
    curve: np.ndarray | None = None


def _levers() -> tuple[str, ...]:
    """Every lever of the intervention catalogue (what installing any kind may change)."""
    return tuple(sorted({lever for kind in CATALOGUE.values() for lever in kind.levers}))


@register
class Rollout(Process):
    """Installs intervention units on schedule and accounts for their cost."""

    name = "interventions"
    reads = _levers()  # a village-wide lever moves on from its current value
    writes = _levers()
    after = ("weather",)  # the day's exogenous conditions come first (a convention)
    metrics = {
        "cost_capital_cny": "Capital spent today on installing intervention units.",
        "cost_running_cny": "Running cost of installed intervention units today.",
        "units_installed": "Intervention units installed today.",
    }

    def __init__(self, model: VicinityModel, params: ParamModel | None) -> None:
        super().__init__(model, params)
        self.plans: list[RolloutPlan] = []
        starts = getattr(model, "village_starts", None)
        for spec in model.spec.interventions:
            if not spec.enabled:
                continue
            gen = model.streams.generator(f"intervention:{spec.name}")
            if starts is None or not spec.staggered:
                self.plans.append(self._plan(spec, spec.target_units(self.world, gen)))
                continue
            villages = spec.village_indices(self.world)
            villages = villages[starts[villages] >= 0]
            units = spec.target_units(self.world, gen, villages) if len(villages) else villages
            start = starts[spec.unit_village(self.world, units)] if len(units) else units
            for offset in np.unique(start):
                self.plans.append(self._plan(spec, units[start == offset], int(offset)))
        self._due, self._running = self._schedule()

    def _installed_by_day(self, plan: RolloutPlan) -> np.ndarray:
        """What a plan has reached by the end of each day: a continuous plan's share (the
        highest of its curve so far), a discrete plan's number of units installed (the most
        its curve has called for so far, ``round(units × share)`` as the step rounds)."""
        if plan.spec.continuous:
            return np.maximum.accumulate(np.maximum(plan.curve, 0.0))
        targets = np.round(len(plan.units) * plan.curve).astype(np.int64)
        return np.maximum.accumulate(np.maximum(targets, 0))

    def _schedule(self) -> tuple[dict[int, list[RolloutPlan]], np.ndarray]:
        """The plans that install something or move their levers on each day (in plan
        order), and the running cost of every installed unit on each day, CNY.

        On any other day a plan does nothing, so the step looks only at these: a discrete
        plan acts only on the days its number of units goes up, a continuous one only while
        its share rises. The running cost follows from what each plan has reached by each
        day, summed over plans in plan order as a daily sum would.
        """
        due: dict[int, list[RolloutPlan]] = {}
        running = np.zeros(self.model.calendar.days)
        for plan in self.plans:
            reached = self._installed_by_day(plan)
            for day in np.flatnonzero(np.diff(reached, prepend=0) > 0).tolist():
                due.setdefault(day, []).append(plan)  # plans in order: each list is too
            if plan.spec.continuous:
                running = running + reached * float(plan.running_cum_cny_day[-1])
            else:
                running = running + plan.running_cum_cny_day[reached]
        return due, running

    def _plan(self, spec: Intervention, units: np.ndarray, offset: int = 0) -> RolloutPlan:
        running = spec.unit_running_cost(self.world, units) / 365.0
        return RolloutPlan(
            spec=spec,
            units=units,
            capital_cny=spec.unit_capital_cost(self.world, units),
            running_cum_cny_day=np.concatenate([[0.0], np.cumsum(running)]),
            base=spec.level(self.world, units) if spec.continuous else None,
            offset=offset,
            curve=spec.share_curve(np.arange(self.model.calendar.days) - offset),
        )

    def installed(self) -> dict[str, int]:
        """Units installed so far, by intervention name."""
        out: dict[str, int] = {}
        for p in self.plans:
            out[p.spec.name] = out.get(p.spec.name, 0) + p.done
        return out

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        capital = 0.0
        installed = 0
        for plan in self._due.get(day, ()):
            spec = plan.spec
            share = float(plan.curve[day])  # spec.share_done(day - plan.offset)
            if spec.continuous:
                if share > plan.share:
                    values = plan.base + share * (spec.target() - plan.base)
                    spec.set_level(self.world, plan.units, values)
                    capital += (share - plan.share) * float(plan.capital_cny.sum())
                    installed += len(plan.units) if plan.share == 0.0 else 0
                    plan.share = share
                continue
            target = round(len(plan.units) * share)
            if target > plan.done:
                spec.install(self.world, plan.units[plan.done : target])
                capital += float(plan.capital_cny[plan.done : target].sum())
                installed += target - plan.done
                plan.done = target
        return {
            "cost_capital_cny": capital,
            "cost_running_cny": float(self._running[day]),
            "units_installed": float(installed),
        }
