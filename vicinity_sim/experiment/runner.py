"""Running experiments and reading their results.

:func:`run_experiment` resolves every arm (and sweep sample) into a scenario, runs the tasks
not yet in the store on the chosen executor, and, with ``[stopping]``, adds replications until
the effects are precise enough. :func:`load_results` opens a finished (or partial) experiment
directory for analysis in a notebook.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm  # plain text bars: no notebook widgets needed

from vicinity_sim.experiment import stats
from vicinity_sim.experiment.design import Task, sample_overrides, tasks
from vicinity_sim.experiment.executors import absolute, execute, make_executor
from vicinity_sim.experiment.spec import ExperimentSpec
from vicinity_sim.experiment.store import MANIFEST, Store
from vicinity_sim.scenario.loader import resolve_variant


class Experiment:
    """An experiment's arms and samples resolved into scenarios.

    Args:
        spec: The validated experiment.
        extra: Further overrides (calibration parameters, ``--set`` on the command line),
            applied last: ``KEY=VALUE`` for every arm, ``(KEY=VALUE, [arm, ...])`` for the
            listed arms only (``None``: every arm), or ``(KEY=VALUE, arms, label)`` naming the
            override's origin in error messages.
    """

    def __init__(self, spec: ExperimentSpec, extra: list | None = None) -> None:
        self.spec = spec
        self.extra = list(extra or [])
        self.samples = sample_overrides(spec)
        self._scenarios: dict[tuple[str, int], Any] = {}

    def scenario(self, arm_name: str, sample: int) -> Any:
        """The resolved scenario of an arm at a sweep sample (cached)."""
        key = (arm_name, sample)
        if key not in self._scenarios:
            spec = self.spec
            arm = next(a for a in spec.arms if a.name == arm_name)
            base = spec.relative(arm.scenario or spec.base)
            source = f"{spec.path} (arm '{arm.name}')"
            overlay = {"interventions": arm.interventions} if arm.interventions else {}
            overrides = [(o, f"{spec.path}: set") for o in spec.set]
            overrides += [(o, source) for o in arm.set]
            overrides += [(o, f"{spec.path}: sweep") for o in self.samples[sample]]
            for item in self.extra:
                text, arms, label = _extra(item)
                if arms is None or arm.name in arms:
                    overrides.append((text, label))
            self._scenarios[key] = resolve_variant(base, overlay, source, overrides, arm.disable)
        return self._scenarios[key]

    def resolve_all(self) -> None:
        """Resolve every arm at every sample (reports input errors before anything runs)."""
        for arm in self.spec.arms:
            for k in range(len(self.samples)):
                self.scenario(arm.name, k)

    def payload(self, task: Task, root: Path) -> dict[str, Any]:
        return {
            "scenario": self.scenario(task.arm, task.sample).model_dump(mode="python"),
            "seed": self.spec.seed,
            "task": {"arm": task.arm, "sample": task.sample, "replication": task.replication},
            "root": absolute(root),
            "columns": [*self.spec.outcomes, "cost_total_cny"],
        }


def run_experiment(
    spec: ExperimentSpec,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    fresh: bool = False,
    progress: bool = True,
    extra: list | None = None,
) -> Results:
    """Run (or resume) an experiment into ``out``.

    Args:
        spec: The experiment.
        out: Result directory (created; resumed if it holds the same experiment).
        executor: ``local``, ``dask`` or ``dask://HOST:PORT``.
        workers: Worker processes (local pool or Dask LocalCluster).
        fresh: Discard existing results first.
        progress: Show a progress bar over tasks.
        extra: Overrides (used by calibration), see :class:`Experiment`.

    Returns:
        The results.
    """
    exp = Experiment(spec, extra)
    exp.resolve_all()
    store = Store(out)
    spec_json = spec.model_dump(mode="json")
    if extra:
        spec_json["extra"] = [list(_extra(e)[:2]) for e in extra]
    store.prepare(spec_json, _hash(spec, extra), fresh)
    reps = spec.replications
    with make_executor(executor, workers) as pool:
        while True:
            todo = [t for t in tasks(spec, reps) if not store.done(t)]
            payloads = [exp.payload(t, store.root) for t in todo]
            with tqdm(total=len(payloads), disable=not progress, unit="task", desc="tasks",
                      delay=2.0, leave=False) as bar:  # fmt: skip
                for _ in execute(payloads, pool):
                    bar.update(1)
            if spec.stopping is None or reps >= spec.stopping.max_replications:
                break
            df = store.summaries()
            widths = {o: stats.max_half_width(df, o, spec.reference_arm)
                      for o in spec.stopping.half_width}  # fmt: skip
            if all(widths[o] <= h for o, h in spec.stopping.half_width.items()):
                break
            reps = min(reps + spec.stopping.batch, spec.stopping.max_replications)
    return Results(store, spec)


def _extra(item: Any) -> tuple[str, list[str] | None, str]:
    """(override, arms or None for all, label) of an ``extra`` item."""
    if isinstance(item, str):
        return item, None, "calibration"
    if len(item) == 2:
        return item[0], item[1], "calibration"
    return item[0], item[1], item[2]


def _hash(spec: ExperimentSpec, extra: list | None) -> str:
    import hashlib

    blob = json.dumps([list(_extra(e)[:2]) for e in (extra or [])])
    return hashlib.sha256((spec.content_hash() + blob).encode()).hexdigest()


@dataclass
class Results:
    """Results of an experiment directory, as pandas frames."""

    store: Store
    spec: ExperimentSpec
    _summaries: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def summaries(self) -> pd.DataFrame:
        """One row per task: arm, sample, replication, seed and every summary outcome."""
        if self._summaries is None:
            self._summaries = self.store.summaries()
        return self._summaries

    def arm_table(self, level: float = stats.LEVEL) -> pd.DataFrame:
        return stats.arm_table(self.summaries, self.spec.outcomes, level)

    def effects(self, level: float = stats.LEVEL) -> pd.DataFrame:
        return stats.effects(self.summaries, self.spec.outcomes, self.spec.reference_arm, level,
                             seed=self.spec.seed)  # fmt: skip

    def timeseries(self, outcome: str, level: float = stats.LEVEL) -> pd.DataFrame:
        """Daily mean and t interval over replications, per arm: day, arm, mean, low, high."""
        ts = self.store.timeseries(outcome)
        rows = []
        for (arm, day), g in ts.groupby(["arm", "day"], sort=True):
            x = g[outcome].to_numpy(float)
            x = x[np.isfinite(x)]
            m, lo, hi = stats.t_interval(x, level)
            rows.append({"arm": arm, "day": day, "mean": m, "low": lo, "high": hi})
        return pd.DataFrame(rows)

    def sweep_table(self) -> pd.DataFrame:
        """Per arm and sample: the sample's parameter values and the outcomes' means."""
        df = self.summaries
        means = df.groupby(["arm", "sample"])[self.spec.outcomes].mean().reset_index()
        if self.spec.sweep is None:
            return means
        from vicinity_sim.experiment.design import sample_values

        values = sample_values(self.spec.sweep, self.spec.seed)
        for j, p in enumerate(self.spec.sweep.parameters):
            means[p.key] = values[means["sample"].to_numpy(), j]
        return means


def load_results(out: str | Path) -> Results:
    """Open an experiment directory written by :func:`run_experiment`."""
    store = Store(out)
    manifest = json.loads((store.root / MANIFEST).read_text(encoding="utf-8"))
    spec = ExperimentSpec.model_validate(manifest["experiment"])
    return Results(store, spec)
