"""Baseline regression: do the outcomes of stored scenarios still come out as they did?

A golden file (``tests/golden/*.json``) names a scenario, the overrides that make it small
enough to run often, and a fixed list of seeds; it stores, per outcome, the mean and the
standard deviation over those seeds. :func:`check` runs the same scenario over the same seeds
and compares the means.

**Tolerance.** The runs now and the golden runs use the same seeds, so outcome k is compared
seed by seed: with dᵢ = nowᵢ − goldenᵢ over the n seeds where both are defined, k moved if

    |mean(d)| > t · sd(d) / √n,

a paired t-test, with t the Student quantile of n − 1 degrees of freedom, Bonferroni-corrected
over the m outcomes compared, t = t_{n−1}⁻¹(1 − α / (2m)), family-wise α = 0.01 by default.
The tolerance is derived from the spread of the paired differences, which adapts to what
changed:

- model and draws unchanged: every dᵢ is 0 and nothing moves;
- model unchanged but its draws reshuffled (a refactor that consumes streams differently):
  the dᵢ are differences of independent replications, sd(d) ≈ √2 times the replication
  spread, and fewer than one check in a hundred fails by chance;
- a mechanism changed on purpose: the draws stay common, so the dᵢ share the change and
  vary little around it, and even a change well inside the replication spread is detected.

An outcome without spread in its differences (all dᵢ equal, e.g. a deterministic outcome) must
match to a relative 10⁻⁹.

:func:`update` reruns and rewrites the golden file, and reports which outcomes moved.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from vicinity_sim.errors import InputError
from vicinity_sim.runs import atomic_write, json_bytes

#: Family-wise probability that an unchanged model fails by chance (draws reshuffled).
ALPHA = 0.01
#: Relative tolerance of outcomes without spread over seeds.
DETERMINISTIC_RTOL = 1e-9


@dataclass
class Golden:
    """A golden file: what to run and the outcomes it gave.

    Attributes:
        path: The golden file.
        scenario: Scenario file, relative to the golden file.
        overrides: ``KEY=VALUE`` overrides applied to the scenario (e.g. a smaller village).
        seeds: The seeds, one run each.
        outcomes: Per outcome: ``mean``, ``sd`` and the per-seed ``values`` (None if unset).
    """

    path: Path
    scenario: str
    overrides: list[str]
    seeds: list[int]
    outcomes: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, path: str | Path) -> Golden:
        """Read a golden file; a missing or malformed one is an :class:`InputError`."""
        path = Path(path)
        shown = str(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(shown, "-", "file not found") from None
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(shown, "-", f"not a readable JSON file ({e})") from None
        for key, kind in (("scenario", str), ("set", list), ("seeds", list), ("outcomes", dict)):
            if not isinstance(data.get(key), kind):
                raise InputError(shown, key, f"missing or not a {kind.__name__}")
        if not data["seeds"] or not all(isinstance(s, int) for s in data["seeds"]):
            raise InputError(shown, "seeds", "must be a non-empty list of integers")
        for name, outcome in data["outcomes"].items():
            values = outcome.get("values") if isinstance(outcome, dict) else None
            if not isinstance(values, list) or len(values) != len(data["seeds"]):
                problem = "must list one value per seed; redefine the file with --update --scenario"
                raise InputError(shown, f"outcomes.{name}.values", problem)
        return cls(path, data["scenario"], list(data["set"]), list(data["seeds"]),
                   data["outcomes"])  # fmt: skip

    def scenario_path(self) -> Path:
        """The scenario file (the stored path is relative to the golden file's folder)."""
        return Path(os.path.normpath(self.path.parent / self.scenario))

    def write(self, outcomes: dict[str, dict[str, Any]]) -> None:
        """Rewrite the file with these outcomes (atomically)."""
        from vicinity_sim.scenario import load_scenario

        spec = load_scenario(self.scenario_path(), self.overrides)
        data = {
            "scenario": self.scenario,
            "set": self.overrides,
            "seeds": self.seeds,
            "scenario_hash": spec.content_hash(),
            "outcomes": outcomes,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json_bytes(data))


@dataclass
class Moved:
    """One outcome's comparison.

    Attributes:
        outcome: Outcome name.
        golden: Golden mean.
        now: Mean now.
        tolerance: Largest mean paired difference accepted.
        z: |mean paired difference| / tolerance (above 1: moved).
    """

    outcome: str
    golden: float
    now: float
    tolerance: float
    z: float

    @property
    def moved(self) -> bool:
        return self.z > 1.0


def _summary_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one seed of a scenario dictionary; return its summary (in a worker process)."""
    from vicinity_sim.runs import simulate
    from vicinity_sim.scenario import scenario_from_dict

    scenario = scenario_from_dict(payload["scenario"], payload["source"])
    return simulate(scenario, seed=payload["seed"]).summary


def run_outcomes(golden: Golden, workers: int = 1) -> dict[str, dict[str, Any]]:
    """Run the golden file's scenario over its seeds; mean, sd and values per outcome."""
    from vicinity_sim.experiment.executors import make_executor
    from vicinity_sim.scenario import load_scenario

    spec = load_scenario(golden.scenario_path(), golden.overrides)
    data = spec.model_dump(mode="python")
    payloads = [{"scenario": data, "seed": s, "source": str(golden.scenario_path())}
                for s in golden.seeds]  # fmt: skip
    with make_executor("local", workers) as pool:
        if pool is None:
            summaries = [_summary_task(p) for p in payloads]
        else:
            summaries = list(pool.map(_summary_task, payloads))  # in seed order
    names = [k for k, v in summaries[0].items() if isinstance(v, (int, float))]
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        values = np.array([float(s[name]) for s in summaries], dtype=float)
        finite = values[np.isfinite(values)]
        out[name] = {
            "mean": float(finite.mean()) if len(finite) else None,
            "sd": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
            "values": [float(v) if math.isfinite(v) else None for v in values],
        }
    return out


def critical_t(n_outcomes: int, n_seeds: int, alpha: float = ALPHA) -> float:
    """Bonferroni-corrected two-sided Student critical value of a paired test.

    Args:
        n_outcomes: Number of outcomes compared (m).
        n_seeds: Number of paired seeds (n); the test has n − 1 degrees of freedom.
        alpha: Family-wise probability of a false alarm.
    """
    return float(student_t.ppf(1.0 - alpha / (2.0 * max(n_outcomes, 1)), df=max(n_seeds - 1, 1)))


def compare(
    golden: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]], alpha: float = ALPHA
) -> list[Moved]:
    """Compare each outcome's runs now with the golden runs of the same seeds.

    Args:
        golden: Per outcome ``mean``, ``sd`` and per-seed ``values`` of the golden file.
        now: The same for the runs now, seeds in the same order.
        alpha: Family-wise false-alarm probability.

    Returns:
        One row per outcome of either side; an outcome present on one side only has moved.
    """
    names = [*golden, *(k for k in now if k not in golden)]
    rows = []
    for name in names:
        g, c = golden.get(name), now.get(name)
        if g is None or c is None:  # an outcome appeared or disappeared
            gm = math.nan if g is None else _num(g["mean"])
            cm = math.nan if c is None else _num(c["mean"])
            rows.append(Moved(name, gm, cm, 0.0, math.inf))
            continue
        rows.append(_compare_one(name, g, c, len(names), alpha))
    return rows


def _compare_one(name: str, g: dict[str, Any], c: dict[str, Any], m: int, alpha: float) -> Moved:
    gm, cm = _num(g["mean"]), _num(c["mean"])
    if math.isnan(gm) and math.isnan(cm):
        return Moved(name, gm, cm, 0.0, 0.0)
    floor = DETERMINISTIC_RTOL * max(1.0, abs(gm) if math.isfinite(gm) else 1.0)
    pairs = [(_num(a), _num(b)) for a, b in zip(g["values"], c["values"], strict=True)]
    d = np.array([b - a for a, b in pairs if math.isfinite(a) and math.isfinite(b)])
    if len(d) == 0:
        return Moved(name, gm, cm, 0.0, math.inf)
    sd = float(d.std(ddof=1)) if len(d) > 1 else 0.0
    tol = max(critical_t(m, len(d), alpha) * sd / math.sqrt(len(d)), floor)
    return Moved(name, gm, cm, tol, abs(float(d.mean())) / tol)


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def report(path: Path, rows: list[Moved], n: int, *, all_changes: bool = False) -> str:
    """A readable table of the outcomes that moved (or, with ``all_changes``, changed)."""
    from vicinity_sim.compare import format_number

    moved = [r for r in rows if r.moved]
    shown = [r for r in rows if r.moved or (all_changes and r.z > 0)]
    t_crit = critical_t(len(rows), n)
    head = (f"{path}: {len(moved)} of {len(rows)} outcomes moved beyond tolerance "
            f"({n} seeds, paired; tolerance = {t_crit:.2f} × s.e. of the mean paired "
            "difference)")  # fmt: skip
    if not shown:
        return head
    lines = [head, f"  {'outcome':36} {'golden':>14} {'now':>14} {'change':>12} "
                   f"{'tolerance':>12} {'':>6}"]  # fmt: skip
    for r in sorted(shown, key=lambda r: -r.z):
        change = r.now - r.golden
        cells = [format_number(x) for x in (r.golden, r.now, change, r.tolerance)]
        mark = "MOVED" if r.moved else ""
        lines.append(f"  {r.outcome:36} {cells[0]:>14} {cells[1]:>14} {cells[2]:>12} "
                     f"{cells[3]:>12} {mark:>6}")  # fmt: skip
    return "\n".join(lines)


def check(golden: Golden, workers: int = 1) -> tuple[bool, str]:
    """Run a golden file's scenario and compare; (passed, report)."""
    now = run_outcomes(golden, workers)
    rows = compare(golden.outcomes, now)
    return not any(r.moved for r in rows), report(golden.path, rows, len(golden.seeds))


def update(golden: Golden, workers: int = 1) -> str:
    """Rerun, rewrite the golden file, and report what changed and what moved."""
    now = run_outcomes(golden, workers)
    if golden.outcomes:
        rows = compare(golden.outcomes, now)
        text = report(golden.path, rows, len(golden.seeds), all_changes=True)
    else:
        text = f"{golden.path}: new golden file ({len(now)} outcomes, {len(golden.seeds)} seeds)"
    golden.write(now)
    return text + "\n  (golden file rewritten)"
