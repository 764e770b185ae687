"""Running experiments and reading their results.

:func:`run_experiment` resolves every arm (and sweep sample) into a scenario, runs the tasks
not yet in the store on the chosen executor, and, with ``[stopping]``, adds replications until
the effects are precise enough. :func:`load_results` opens a finished (or partial) experiment
directory for analysis in a notebook.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm  # plain text bars: no notebook widgets needed

from vicinity_sim.errors import InputError
from vicinity_sim.experiment import stats
from vicinity_sim.experiment.design import Task, sample_arms, sample_overrides, tasks
from vicinity_sim.experiment.executors import (
    Pool,
    absolute,
    check_executor,
    execute,
    make_executor,
)
from vicinity_sim.experiment.spec import ExperimentSpec
from vicinity_sim.experiment.store import MANIFEST, Store
from vicinity_sim.scenario.loader import resolve_variant

#: Libraries whose versions the manifest records.
LIBRARIES = ("numpy", "numba", "mesa", "scipy", "pandas", "pyarrow", "distributed")


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
        self._sample_arms = sample_arms(spec)
        self._scenarios: dict[tuple[str, int], Any] = {}
        self._hashes: dict[tuple[str, int], str] = {}

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
            swept = zip(self.samples[sample], self._sample_arms, strict=True)
            overrides += [(o, f"{spec.path}: sweep") for o, arms in swept
                          if arms is None or arm.name in arms]  # fmt: skip
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

    def scenario_hash(self, arm_name: str, sample: int) -> str:
        """Hash of what an arm's tasks at a sample simulate: the resolved scenario (without
        seed), the experiment's seed and the package version (cached: every replication's
        task carries it)."""
        key = (arm_name, sample)
        if key not in self._hashes:
            blob = json.dumps([self.scenario(arm_name, sample).content_hash(), self.spec.seed,
                               _package_version()])  # fmt: skip
            self._hashes[key] = hashlib.sha256(blob.encode()).hexdigest()
        return self._hashes[key]

    def scenario_hashes(self) -> dict[tuple[str, int], str]:
        """(arm, sample) → :meth:`scenario_hash`, for every arm and sample."""
        return {(a.name, k): self.scenario_hash(a.name, k) for a in self.spec.arms
                for k in range(len(self.samples))}  # fmt: skip

    def payload(self, task: Task, root: Path) -> dict[str, Any]:
        return {
            "scenario": self.scenario(task.arm, task.sample).model_dump(mode="python"),
            "scenario_hash": self.scenario_hash(task.arm, task.sample),
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
    pool: Pool | None = None,
) -> Results:
    """Run (or resume) an experiment into ``out``.

    Args:
        spec: The experiment.
        out: Result directory (created; resumed if it holds the same experiment: finished
            tasks are kept unless their scenario changed since, see
            :meth:`Store.prepare <vicinity_sim.experiment.store.Store.prepare>`).
        executor: ``local``, ``dask`` or ``dask://HOST:PORT``.
        workers: Worker processes (local pool or Dask LocalCluster).
        fresh: Discard an earlier experiment in ``out`` first (only a directory that holds an
            ``experiment.json`` is ever deleted).
        progress: Show a progress bar over tasks (and a note on stderr when stale tasks rerun).
        extra: Overrides (``--set``, calibration parameters), see :class:`Experiment`.
        pool: A running executor to use instead of starting one (calibration runs many
            experiments on one pool); ``executor`` and ``workers`` then describe it.

    Returns:
        The results.

    Raises:
        InputError: For a bad experiment, override, executor option or output directory;
            raised before the directory is created or changed.
    """
    exp = Experiment(spec, extra)
    exp.resolve_all()
    check_executor(executor, workers)
    store = Store(out)
    spec_hash = _hash(spec, extra)
    store.check(spec_hash, fresh)  # before anything starts or is written
    expected = exp.scenario_hashes()
    started, clock = _now(), time.perf_counter()
    session = {"id": f"{started}-{os.getpid()}", "started_at": started,
               "executor": executor, "workers": workers}  # fmt: skip
    reps = spec.replications
    ran = 0
    running = make_executor(executor, workers) if pool is None else nullcontext(pool.executor)
    with running as pool:
        stale = store.prepare(spec_hash, fresh, expected, _provenance(spec, extra, expected))
        if stale and progress:
            print(f"{out}: {len(stale)} finished task(s) were run with another scenario or "
                  "package version; running them again", file=sys.stderr)  # fmt: skip
        session["tasks_rerun_stale"] = len(stale)
        while True:
            todo = [t for t in tasks(spec, reps) if not store.done(t)]
            payloads = [exp.payload(t, store.root) for t in todo]
            with tqdm(total=len(payloads), disable=not progress, unit="task", desc="tasks",
                      delay=2.0, leave=False) as bar:  # fmt: skip
                for _ in execute(payloads, pool):
                    bar.update(1)
                    ran += 1
            if spec.stopping is None or reps >= spec.stopping.max_replications:
                break
            df = store.summaries()
            widths = {o: stats.max_half_width(df, o, spec.reference_arm, seed=spec.seed)
                      for o in spec.stopping.half_width}  # fmt: skip
            if all(widths[o] <= h for o, h in spec.stopping.half_width.items()):
                break
            reps = min(reps + spec.stopping.batch, spec.stopping.max_replications)
    session.update(finished_at=_now(), elapsed_s=round(time.perf_counter() - clock, 3),
                   tasks_run=ran, replications=reps)  # fmt: skip
    store.record({}, session)
    return Results(store, spec)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@cache
def _package_version() -> str | None:
    try:
        return metadata.version("vicinity_sim")
    except metadata.PackageNotFoundError:
        return None


def _provenance(spec: ExperimentSpec, extra: list | None,
                expected: dict[tuple[str, int], str]) -> dict[str, Any]:  # fmt: skip
    """Manifest entries that describe what runs now (rewritten at every session)."""
    import platform

    from vicinity_sim.runs import _version, git_commit

    commit, dirty = git_commit()
    return {
        "experiment_hash": _hash(spec, extra),
        "package": "vicinity_sim",
        "version": _package_version(),
        "git_commit": commit,
        "git_dirty": dirty,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": {d: _version(d) for d in LIBRARIES},
        "experiment": spec.model_dump(mode="json"),
        "overrides": [[text, arms, label] for text, arms, label in map(_extra, extra or [])],
        "scenario_hashes": {f"arm={a}/sample={k}": h for (a, k), h in expected.items()},
    }


def _extra(item: Any) -> tuple[str, list[str] | None, str]:
    """(override, arms or None for all, label) of an ``extra`` item."""
    if isinstance(item, str):
        return item, None, "calibration"
    if len(item) == 2:
        return item[0], item[1], "calibration"
    return item[0], item[1], item[2]


def _hash(spec: ExperimentSpec, extra: list | None) -> str:
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
    """Open an experiment directory written by :func:`run_experiment`.

    Works for every directory with an ``experiment.json``: a comparison, sweep or sensitivity
    run (also with ``--set``/``--days``) and each calibration evaluation ``evals/NNNN``.

    Raises:
        InputError: If the directory holds no experiment.
    """
    store = Store(out)
    path = store.root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        experiment = dict(manifest["experiment"])
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(str(store.root), MANIFEST, "no readable experiment manifest") from None
    # Directories written before overrides had their own entry kept them in the experiment.
    experiment.pop("extra", None)
    spec = ExperimentSpec.model_validate(experiment)
    return Results(store, spec)
