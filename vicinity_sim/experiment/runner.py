"""Running experiments and reading their results.

:func:`run_experiment` resolves every arm (and sweep sample) into a scenario, runs the tasks
not yet in the store on the chosen executor, and, with ``[stopping]``, adds replications until
the effects are precise enough. :func:`load_results` opens a finished (or partial) experiment
directory for analysis in a notebook.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
import uuid
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

from vicinity_sim import preflight, supervise
from vicinity_sim.errors import InputError, OutputError, WorkerError
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
from vicinity_sim.interop import override_items
from vicinity_sim.outcome_info import series_columns
from vicinity_sim.outdir import OutputLock, io_problem
from vicinity_sim.scenario.loader import resolve_variant

log = logging.getLogger(__name__)

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
            # The outcomes' own columns, the columns their figures are drawn from (e.g. the
            # daily fires behind fires_per_year), and the dates.
            "columns": ["date", *series_columns([*self.spec.outcomes, "cost_total_cny"])],
        }


def run_experiment(
    spec: ExperimentSpec | str | Path,
    out: str | Path,
    *,
    overrides: list[str] | dict[str, Any] | None = None,
    replications: int | None = None,
    executor: str = "local",
    workers: int = 1,
    fresh: bool = False,
    progress: bool = True,
    extra: list | None = None,
    pool: Pool | None = None,
) -> Results:
    """Run (or resume) an experiment into ``out``.

    Example (a small, quick version of a study; the files in ``experiments/`` describe
    full-size studies, which take minutes to hours)::

        results = run_experiment("experiments/packages.toml", "outputs/packages-small",
                                 overrides={"run.days": 90,
                                            "villages[0].population.n_residents": 2000,
                                            "villages[0].plan.n_buildings": 200},
                                 replications=3)

    Args:
        spec: The experiment, or the path of an experiment file.
        out: Result directory (created; resumed if it holds the same experiment: finished
            tasks are kept unless their scenario changed since, see
            :meth:`Store.prepare <vicinity_sim.experiment.store.Store.prepare>`).
        overrides: Scenario overrides for every arm, applied after the file's own ``set`` and
            a sweep's values, as ``--set`` does: ``["run.days=90", ...]`` or
            ``{"run.days": 90, ...}``.
        replications: Run this many replications instead of the file's number (and without
            its sequential stopping), as ``--replications`` does.
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
        OutputError: If another process writes to ``out`` (it is locked), it is not
            writable, too small, or a write fails (the message says what was kept).
        WorkerError: If a worker process died; finished tasks are kept.
        Interrupted: On Ctrl-C or SIGTERM, once queued tasks are cancelled and the workers
            stopped; says how many tasks are finished and kept.
    """
    if not isinstance(spec, ExperimentSpec):
        from vicinity_sim.experiment.spec import load_experiment

        spec = load_experiment(spec)
    if replications is not None:
        if not isinstance(replications, int) or replications < 1:
            problem = f"must be a whole number of at least 1 (got {replications!r})"
            raise InputError("replications", "replications", problem)
        spec = spec.model_copy(update={"replications": replications, "stopping": None})
    extra = [*(extra or []), *[(text, None, "overrides") for text in override_items(overrides)]]
    exp = Experiment(spec, extra)
    store = Store(out)
    try:
        return _locked(exp, store, extra, executor, workers, fresh, progress, pool)
    except KeyboardInterrupt as e:
        raise supervise.interrupted(e, f"{_kept(exp, store)}; run the same command "
                                    "again to resume") from None  # fmt: skip
    except WorkerError as e:
        raise WorkerError(str(out), "-", f"{e.problem}; {_kept(exp, store)}: run the same "
                          "command again to resume") from None  # fmt: skip
    except OutputError:
        raise
    except OSError as e:
        raise OutputError(str(out), "--out", f"cannot write ({io_problem(e)}: "
                          f"{e.filename or out}); {_kept(exp, store)}: free space or fix "
                          "the directory, then run the same command again to "
                          "resume") from None  # fmt: skip


def _locked(exp: Experiment, store: Store, extra: list | None, executor: str, workers: int,
            fresh: bool, progress: bool, pool: Pool | None) -> Results:  # fmt: skip
    """Check everything, lock the directory and run (see :func:`run_experiment`)."""
    spec, out = exp.spec, store.root
    exp.resolve_all()
    check_executor(executor, workers)
    spec_hash = _hash(spec, extra)
    store.check(spec_hash, fresh)  # before anything starts or is written
    preflight.check_writable(out)
    with OutputLock(out):
        store.check(spec_hash, fresh)  # again, now that no other writer can change it
        # Simulating processes on this machine (a remote Dask cluster's are elsewhere).
        _check_resources(exp, out, workers if executor in ("local", "dask") else 0)
        return _run(exp, store, spec_hash, executor, workers, fresh, progress, extra, pool)


def _kept(exp: Experiment, store: Store) -> str:
    """What an experiment directory holds, said truthfully (counted on disk)."""
    spec = exp.spec
    try:
        done = len(store.tasks_done())
    except OSError:
        return f"finished tasks are kept in {store.root}"
    if spec.stopping is not None:  # how many will be needed is not known yet
        return f"{done} finished tasks are kept in {store.root}"
    total = len(list(tasks(spec, spec.replications)))
    return f"{done} of {total} tasks are finished and kept in {store.root}"


def _check_resources(exp: Experiment, out: str | Path, processes: int) -> None:
    """Memory for the largest arm on every worker, and space for every partition."""
    spec = exp.spec
    scenarios = [exp.scenario(a.name, k) for a in spec.arms for k in range(len(exp.samples))]
    if processes:
        biggest = max(preflight.residents(sc) for sc in scenarios)
        preflight.check_memory(biggest, processes, str(spec.path))
    n_tasks = len(scenarios) * (spec.stopping.max_replications if spec.stopping
                                else spec.replications)  # fmt: skip
    days = max(sc.run.days for sc in scenarios)
    need = n_tasks * preflight.partition_bytes(days, len(spec.outcomes) + 1)
    preflight.check_space(out, need + preflight.REPORT_BYTES)


def _run(exp: Experiment, store: Store, spec_hash: str, executor: str, workers: int, fresh: bool,
         progress: bool, extra: list | None, pool: Pool | None) -> Results:  # fmt: skip
    """The body of :func:`run_experiment`, holding the directory's lock."""
    spec = exp.spec
    out = store.root
    expected = exp.scenario_hashes()
    started, clock = _now(), time.perf_counter()
    # The start time (to the second) and the process do not tell apart two sessions run in
    # one process within a second (a notebook resuming a finished study): a random suffix
    # does, so the second does not replace the first in the manifest.
    session = {"id": f"{started}-{os.getpid()}-{uuid.uuid4().hex[:8]}", "started_at": started,
               "executor": executor, "workers": workers}  # fmt: skip
    reps = spec.replications
    ran = 0
    running = make_executor(executor, workers) if pool is None else nullcontext(pool.executor)
    with running as pool:
        stale = store.prepare(spec_hash, fresh, expected, _provenance(spec, extra, expected))
        if stale:
            log.warning("%s: %d finished task(s) were run with another scenario or package "
                        "version; running them again", out, len(stale))  # fmt: skip
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
        """Paired effects with intervals, Holm-adjusted p-values and verdicts against the
        minimum effects of interest (:func:`vicinity_sim.experiment.stats.effects`)."""
        return stats.effects(self.summaries, self.spec.outcomes, self.spec.reference_arm, level,
                             seed=self.spec.seed, primary=self.spec.primary,
                             minimum_effect=self.spec.minimum_effect)  # fmt: skip

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
