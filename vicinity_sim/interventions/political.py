"""Interventions of the political pillar (政治性): the organisation behind grassroots governance.

The seed: separate party-building, comprehensive-governance, civil-affairs, urban-management,
petition and emergency grids merged into "one network" (一张网); 1–2 full-time gridworkers per
grid, at least half of them party members; a supervision cadence of weekly meetings, monthly
inspections and quarterly public rankings (每周一例会、每月一检查、每季一晾晒); a "big party
committee" (大党委) bringing the collective economy, firms, the landlord association and partner
units under one roof; training of community workers.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vicinity_sim.interventions.grids import GridIntervention, VillageIntervention
from vicinity_sim.params import param
from vicinity_sim.world import World
from vicinity_sim.world.tables import Gridworkers


class GridIntegration(GridIntervention):
    """一张网: merge the separate grid systems, so gridworkers stop reporting the same things
    several times. Lever: ``grids.duplication_loss``."""

    kind: Literal["grid_integration"]
    levers = ("grids.duplication_loss",)
    duplication_loss: float = param(
        0.05, unit="1", ge=0.0, le=0.95,
        doc="Share of gridworker time still lost to duplicated reporting after integration.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        20_000.0, unit="CNY/grid", ge=0.0, le=1e9,
        doc="Merging systems, devices and retraining per grid.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        2_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9, doc="Platform upkeep per grid.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        g.duplication_loss[units] = np.minimum(g.duplication_loss[units], self.duplication_loss)


class GridworkerStaffing(GridIntervention):
    """专职网格员: staff every grid with a set number of full-time gridworkers.

    Lever: the ``gridworkers`` table (new posts, their holders just hired: they know few of
    the grid's households). Party members are hired first until at least ``party_share`` of
    each grid's staff are members; a post keeps its party designation when its holder quits
    and is replaced.
    """

    kind: Literal["gridworker_staffing"]
    levers = ("gridworkers",)
    targeting: Literal["grid_order", "random", "highest_risk"] = "highest_risk"
    per_grid: int = param(
        2, unit="persons/grid", ge=1, le=50, doc="Gridworkers each grid has after staffing.",
        source="seed (1–2 per grid)",
    )  # fmt: skip
    party_share: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Least share of each grid's staff who are party members after hiring (party "
        "members are hired first to reach it).",
        source="seed (≥50%)",
    )  # fmt: skip
    salary_cny_per_year: float = param(
        70_000.0, unit="CNY/(person·year)", ge=0.0, le=1e7,
        doc="Cost of a full-time gridworker per year.", source="assumption",
    )  # fmt: skip

    def _missing(self, world: World, units: np.ndarray) -> np.ndarray:
        staff = np.bincount(world.gridworkers.grid, minlength=len(world.grids))[units]
        return np.maximum(self.per_grid - staff, 0)

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        units = super().eligible(world, villages)
        return units[self._missing(world, units) > 0]

    def install(self, world: World, units: np.ndarray) -> None:
        gw = world.gridworkers
        missing = self._missing(world, units)
        # Hire party members first until each grid's staff reaches the party share.
        party_now = np.bincount(gw.grid[gw.party], minlength=len(world.grids))[units]
        party_needed = np.maximum(np.ceil(self.party_share * self.per_grid) - party_now, 0)
        grids = np.repeat(units, missing)
        rank = np.arange(len(grids)) - np.repeat(np.cumsum(missing) - missing, missing)
        party = rank < np.repeat(party_needed, missing)
        if len(grids):
            gw.append(**Gridworkers.new(world.grids.village[grids], grids, party).columns())

    def unit_running_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        return self.running_cost_cny_per_year + self.salary_cny_per_year * self._missing(
            world, units
        )


class Supervision(GridIntervention):
    """督导: weekly meetings, monthly inspections, quarterly rankings of gridworkers' work.

    Levers: ``grids.supervision_interval`` (the cadence; the more frequent of the current one
    and this one) and ``grids.supervised_effort``. Effort itself is the governance
    mechanism's state: lifted at each supervision event, decaying between them.
    """

    kind: Literal["supervision"]
    levers = ("grids.supervision_interval", "grids.supervised_effort")
    interval_days: int = param(
        7, unit="days", ge=1, le=3650,
        doc="Days between supervision events (7: the weekly meeting, 30: the monthly "
        "inspection, 91: the quarterly ranking).",
        source="seed (每周一例会、每月一检查、每季一晾晒)",
    )  # fmt: skip
    effort: float = param(
        0.9, unit="1", ge=0.0, le=1.0,
        doc="Share of nominal capacity gridworkers deliver right after a supervision event.",
        source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        5_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9,
        doc="Supervisors' time per grid.", source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        current = g.supervision_interval[units]
        g.supervision_interval[units] = np.where(
            current > 0, np.minimum(current, self.interval_days), self.interval_days
        )
        g.supervised_effort[units] = np.maximum(g.supervised_effort[units], self.effort)


class WorkerTraining(GridIntervention):
    """社区工作者培训: train gridworkers and community workers. Lever: ``grids.skill``."""

    kind: Literal["worker_training"]
    levers = ("grids.skill",)
    skill: float = param(
        0.85, unit="1", ge=0.0, le=1.0,
        doc="Resolution and mediation success of trained gridworkers.", source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        6_000.0, unit="CNY/grid", ge=0.0, le=1e9, doc="Training courses per grid.",
        source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        1_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9, doc="Refresher training per grid.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        world.grids.skill[units] = np.maximum(world.grids.skill[units], self.skill)


class BigPartyCommittee(VillageIntervention):
    """大党委: bring the collective economy, firms, the landlord association and partner units
    into the village party committee, so requests needing them can be settled.

    Lever: ``grids.coordination`` of every grid in the village (rises over the rollout).
    """

    kind: Literal["big_party_committee"]
    levers = ("grids.coordination",)
    coordination: float = param(
        0.8, unit="1", ge=0.0, le=1.0,
        doc="Resolvability of requests needing other units once the committee works.",
        source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        100_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9,
        doc="Secretariat and joint activities.", source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return self.coordination

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        g = world.grids
        return np.array([g.coordination[g.village == v].mean() for v in units])

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        g = world.grids
        for v, value in zip(units, values, strict=True):
            g.coordination[g.village == v] = np.maximum(g.coordination[g.village == v], value)


POLITICAL_KINDS = (GridIntegration, GridworkerStaffing, Supervision, WorkerTraining,
                   BigPartyCommittee)  # fmt: skip
