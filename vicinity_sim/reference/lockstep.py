"""Running the fast and the reference model side by side, and comparing their states.

:func:`lockstep` builds both engines from one scenario and seed, steps them day by day and
reports the first day on which any state (people and places) or any metric differs. With a
subset of processes switched on it checks one mechanism at a time: the rest of the state then
stays as built, in both engines alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vicinity_sim.model import VicinityModel
from vicinity_sim.processes import registered
from vicinity_sim.reference.agents import (
    GRIDWORKER_COLUMNS,
    LANDLORD_COLUMNS,
    PARTY_MEMBER_COLUMNS,
    RESIDENT_COLUMNS,
)
from vicinity_sim.reference.model import ReferenceModel

PLACE_TABLES = ("villages", "grids", "buildings", "blocks", "households", "units", "stations",
                "charging_sites", "projects", "flood_points")  # fmt: skip


def people_arrays(model: VicinityModel | ReferenceModel) -> dict[str, np.ndarray]:
    """People's state as arrays named ``table.column`` (the fast model's layout)."""
    w = model.world
    if isinstance(model, VicinityModel):
        out = {f"residents.{k}": v for k, v in w.residents.columns().items()}
        out.update({f"landlords.{k}": v for k, v in w.landlords.columns().items()})
        out.update({f"gridworkers.{k}": v for k, v in w.gridworkers.columns().items()})
        out.update({f"party_members.{k}": v for k, v in w.party_members.columns().items()})
        out["ties.to"], out["ties.w"] = w.ties.to, w.ties.w
        return out
    out = {}
    groups = (
        ("residents", model.residents, RESIDENT_COLUMNS),
        ("landlords", model.landlords, LANDLORD_COLUMNS),
        ("gridworkers", model.gridworkers, GRIDWORKER_COLUMNS),
        ("party_members", model.party_members, PARTY_MEMBER_COLUMNS),
    )
    for table, agents, columns in groups:
        template = getattr(w, table)
        for col in columns:
            dtype = getattr(template, col).dtype
            out[f"{table}.{col}"] = np.array([getattr(a, col) for a in agents], dtype=dtype)
    out["ties.to"] = np.array([a.ties_to for a in model.residents], dtype=w.ties.to.dtype)
    out["ties.w"] = np.array([a.ties_w for a in model.residents], dtype=w.ties.w.dtype)
    return out


def state_arrays(model: VicinityModel | ReferenceModel) -> dict[str, np.ndarray]:
    """Every state array of a model: people and places, named ``table.column``."""
    out = people_arrays(model)
    for table in PLACE_TABLES:
        out.update({f"{table}.{k}": v for k, v in getattr(model.world, table).columns().items()})
    return out


def differences(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    """Names whose arrays differ (shape or any element; NaNs equal), with a first example."""
    out = []
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x is None or y is None:
            out.append(f"{name}: only in one engine")
            continue
        if x.shape != y.shape:
            out.append(f"{name}: shape {x.shape} vs {y.shape}")
            continue
        same = (x == y) | ((x != x) & (y != y)) if x.dtype.kind == "f" else x == y
        if not np.all(same):
            i = np.argwhere(~same)[0]
            idx = tuple(int(k) for k in i)
            out.append(f"{name}{list(idx)}: fast {x[idx]!r} vs reference {y[idx]!r}")
    return out


@dataclass
class LockstepResult:
    """Outcome of a lockstep run.

    Attributes:
        days: Days simulated in both engines.
        day: First day whose end state or metrics differ, or None.
        differences: What differed on that day.
        fast: The fast model at the end.
        reference: The reference model at the end.
    """

    days: int
    day: int | None
    differences: list[str]
    fast: VicinityModel
    reference: ReferenceModel


def only(scenario: Any, processes: list[str]) -> Any:
    """The scenario with every process but ``processes`` switched off."""
    off = [c.name for c in registered() if c.name not in processes]
    return scenario.model_copy(update={"run": scenario.run.model_copy(
        update={"disabled_processes": off})})  # fmt: skip


def lockstep(scenario: Any, seed: int, days: int) -> LockstepResult:
    """Step both engines ``days`` days from the same scenario and seed; stop at the first
    day on which their states or metrics differ."""
    fast, ref = VicinityModel(scenario, rng=seed), ReferenceModel(scenario, rng=seed)
    diff = differences(state_arrays(fast), state_arrays(ref))
    if diff:
        return LockstepResult(0, -1, diff, fast, ref)
    for day in range(min(days, fast.days)):
        fast.step()
        ref.step()
        diff = differences(state_arrays(fast), state_arrays(ref))
        fast_today = {n: np.array([fast.datacollector.column(n)[day]])
                      for n in ref.metric_names}  # fmt: skip
        ref_today = {n: np.array([ref.datacollector.model_vars[n][day]], dtype=float)
                     for n in ref.metric_names}  # fmt: skip
        diff += [f"metric {d}" for d in differences(fast_today, ref_today)]
        if diff:
            return LockstepResult(day + 1, day, diff, fast, ref)
    return LockstepResult(min(days, fast.days), None, [], fast, ref)
