"""Shared test helpers: scenario paths, small scenarios and cached runs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from vicinity_sim.runs import simulate
from vicinity_sim.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: Seeds of paired comparisons (effects over several seeds, never one run).
SEEDS = (0, 1, 2, 3, 4)


def scenario(name: str, *overrides: str):
    """A scenario from scenarios/ with optional KEY=VALUE overrides."""
    return load_scenario(SCENARIOS / f"{name}.toml", list(overrides))


@cache
def summary(name: str, seed: int, overrides: tuple[str, ...] = ()) -> dict:
    """Summary of a scenario file run (cached across tests)."""
    return simulate(scenario(name, *overrides), seed=seed).summary


def village(days: int = 365, n_buildings: int = 2600, n_residents: int = 37_500, **sections):
    """A one-village scenario dictionary (Weili-sized by default)."""
    data = {
        "run": {"days": days},
        "villages": [
            {
                "name": "v",
                "plan": {"n_buildings": n_buildings},
                "population": {"n_residents": n_residents},
            }
        ],
    }
    data.update(sections)
    return data


def assert_ties_consistent(to, w):
    """Every tie appears at both ends with the same strength, within (0, 1]."""
    rows, slots = np.nonzero(to >= 0)
    partners = to[rows, slots]
    assert np.all(partners != rows)
    assert np.all((w[rows, slots] > 0) & (w[rows, slots] <= 1))
    forward = {(int(i), int(j)): float(s) for i, j, s in zip(rows, partners, w[rows, slots],
                                                            strict=True)}  # fmt: skip
    assert len(forward) == len(rows)  # no partner twice in a row
    for (i, j), s in forward.items():
        assert forward.get((j, i)) == s
    assert np.all(w[to < 0] == 0)


__all__ = [
    "ROOT",
    "SCENARIOS",
    "SEEDS",
    "assert_ties_consistent",
    "bundle",
    "scenario",
    "scenario_from_dict",
    "summary",
    "village",
]


@cache
def _template_world():
    from vicinity_sim.model import VicinityModel

    return VicinityModel(scenario("tiny", "run.days=1"), rng=0).world


def bundle(table: str, n: int, **columns):
    """The kernel bundle of a world table (e.g. ``"residents"``) with ``n`` rows: the given
    columns, zeros of the world's dtypes elsewhere.

    Tests hand kernels the package's own bundle types, never types of their own: numba caches
    a kernel's signatures with the kernel, and a type that cannot be imported from the package
    would break loading that cache wherever the tests are not importable.
    """
    template = getattr(_template_world(), table)
    values = {}
    for name in template.Arrays._fields:
        col = getattr(template, name)
        values[name] = (np.asarray(columns.pop(name), dtype=col.dtype) if name in columns
                        else np.zeros((n, *col.shape[1:]), dtype=col.dtype))  # fmt: skip
    assert not columns, f"no such columns: {sorted(columns)}"
    return template.Arrays(**values)


def accelerated(sc, factor: int):
    """The scenario with every intervention rolled out ``factor`` times faster (start days,
    ramps and schedules), so that a short test run sees the program at work."""
    ivs = [
        iv.model_copy(update={
            "start_day": iv.start_day // factor,
            "ramp_days": iv.ramp_days // factor,
            "schedule": None if iv.schedule is None else [[d / factor, s]
                                                          for d, s in iv.schedule],
        })
        for iv in sc.interventions
    ]  # fmt: skip
    return sc.model_copy(update={"interventions": ivs})
