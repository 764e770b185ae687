"""A city run: every village its own unit, spread over workers, meeting at month boundaries.

:func:`simulate_city` runs a scenario of several villages. The villages are dealt out to
partitions balanced by residents (:mod:`vicinity_sim.city.partition`); each partition
(:class:`~vicinity_sim.city.worker.Partition`) lives in this process (one worker), in a local
worker process, or on a Dask worker. The coordinator (:class:`CityRun`):

1. has every partition build its villages' worlds and report their sizes and need indicators;
2. assigns the staggered rollout's waves (:mod:`vicinity_sim.interventions.waves`), which need
   every village's indicators, and has the partitions make their models;
3. advances all partitions to each month boundary in turn — within a month every village
   runs on its own — and, at the boundary (a barrier: every village has simulated the same
   days), combines the villages' days into the city's series
   (:mod:`vicinity_sim.city.combine`) and the monthly panel, then runs the monthly exchange (below);
4. collects the villages' fire events and agent snapshots, and summarises the run.

**The monthly exchange.** The scenario's :class:`~vicinity_sim.city.exchange.Exchange`
(:func:`~vicinity_sim.city.exchange.city_exchange`) is where the villages meet. At every
month boundary but the run's end, after every village has simulated the days before it: each
partition returns its villages' offers with their days, the coordinator settles them all
(in scenario order, with the city's exchange stream of that boundary), and hands each
partition its villages' deliveries with the next ``advance``, which takes them in before any
village simulates the boundary's day (the first of a month, when the monthly mechanisms run).
At the run's end the villages report once more and the exchange takes the reports in
(``close``). The exchange's totals join the summary. Without a housing market
(``city.housing_market``, :mod:`vicinity_sim.city.market`) the villages share only the
weather, which each draws from the city's stream itself, and nothing is exchanged
(:class:`~vicinity_sim.city.exchange.NoExchange`).

**Same results on any workers.** A village's draws are addressed by its position
(:mod:`vicinity_sim.streams`), its world is built from the city's world streams at its
position, and the city's series are combined over the villages in scenario order: the outputs
are byte-identical whatever the number of workers, the partitioning or the executor.

**Failures.** A worker that dies (killed, out of memory) or cannot be reached stops the run
with one line (:class:`~vicinity_sim.errors.WorkerError`) naming the worker, its villages and
the month; the other workers are stopped and nothing is written (a run writes its outputs
when it has finished).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from tqdm import tqdm

from vicinity_sim.calendar import Calendar
from vicinity_sim.city.combine import combine_days
from vicinity_sim.city.exchange import Exchange, city_exchange, exchange_generator
from vicinity_sim.city.panel import panel_columns
from vicinity_sim.city.partition import balance
from vicinity_sim.city.units import ENGINES, UnitDays, UnitInfo
from vicinity_sim.city.worker import Partition
from vicinity_sim.errors import InputError, WorkerError
from vicinity_sim.interventions.waves import WAVES_STREAM, assign_waves
from vicinity_sim.model import resolve_seed
from vicinity_sim.recorder import Recorder
from vicinity_sim.streams import Streams

#: Seconds between checks that the workers are alive while waiting for them.
POLL_S = 0.5
#: How long a Dask worker that could not be reached has to leave the cluster before the run
#: reports it as unreachable rather than gone. A killed worker's connections close at once,
#: but the client may try to reach it before the scheduler has removed it: the run then waits
#: for the scheduler to catch up, so that the message says what happened.
LEAVE_GRACE_S = 10.0

#: Villages each partition reports per call at the end of a run (their records then leave
#: the worker's memory, with their worlds).
FINISH_BATCH = 8


def month_boundaries(calendar: Calendar) -> list[int]:
    """Days on which the villages meet: the first day of every month after day 0, and the
    end of the run."""
    days = calendar.days
    starts = [d for d in range(1, days) if calendar.day_of_month[d] == 1]
    return [*starts, days]


# -- backends: where the partitions live ------------------------------------------------------


class InProcess:
    """Partitions in this process."""

    name = "in-process"

    def __init__(self, kwargs: list[dict[str, Any]]) -> None:
        self.partitions = [Partition(**k) for k in kwargs]

    def call(self, method: str, args: list[tuple], stage: str = "") -> list[Any]:
        return [getattr(p, method)(*a) for p, a in zip(self.partitions, args, strict=True)]

    def close(self, failed: bool) -> None:
        self.partitions = []


class LocalProcesses:
    """Partitions in local worker processes, one each, driven through pipes. The processes
    are forked from the preloaded fork server of the experiment executors and die with this
    process (:mod:`vicinity_sim.supervise`)."""

    name = "local"

    def __init__(self, kwargs: list[dict[str, Any]], describe: list[str]) -> None:
        from vicinity_sim import supervise
        from vicinity_sim.city.worker import serve
        from vicinity_sim.experiment.executors import _context

        ctx = _context()
        supervise.start_fork_server(ctx)
        self.describe = describe
        self.conns: list[Any] = []
        self.procs: list[Any] = []
        for _ in kwargs:
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=serve, args=(theirs, os.getpid()), daemon=True,
                               name="vicinity-sim city worker")  # fmt: skip
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)
        self.call("init", [(k,) for k in kwargs], stage="start")

    def call(self, method: str, args: list[tuple], stage: str = "") -> list[Any]:
        from multiprocessing.connection import wait

        for conn, a in zip(self.conns, args, strict=True):
            with contextlib.suppress(OSError):  # a dead worker: found below
                conn.send((method, a[0]) if method == "init" else (method, a))
        replies: list[Any] = [None] * len(self.conns)
        waiting = set(range(len(self.conns)))
        while waiting:
            handles = [self.conns[k] for k in waiting] + [self.procs[k].sentinel for k in waiting]
            ready = wait(handles, timeout=POLL_S)
            for k in sorted(waiting):
                conn, proc = self.conns[k], self.procs[k]
                if conn in ready or conn.poll():
                    try:
                        status, value = conn.recv()
                    except (EOFError, OSError):
                        self._died(k, stage or method)
                    if status == "error":
                        raise value
                    replies[k] = value
                    waiting.discard(k)
                elif proc.sentinel in ready or not proc.is_alive():
                    self._died(k, stage or method)
        return replies

    def _died(self, k: int, stage: str) -> None:
        proc = self.procs[k]
        proc.join(POLL_S)
        code = proc.exitcode
        how = ("no reply" if code is None else f"exit code {code}" if code >= 0
               else f"signal {-code}")  # fmt: skip
        raise WorkerError(
            "worker",
            f"worker {k}",
            f"the worker process simulating {self.describe[k]} died during "
            f"{stage} ({how}: killed, or out of memory); nothing was written",
        )

    def close(self, failed: bool) -> None:
        from vicinity_sim import supervise

        with supervise.deferred():
            for conn in self.conns:
                if not failed:
                    try:
                        conn.send(("stop", ()))
                        conn.recv()
                    except (EOFError, OSError):
                        pass
                conn.close()
            deadline = time.monotonic() + supervise.GRACE_S
            for p in self.procs:
                if failed and p.is_alive():
                    p.terminate()
                p.join(max(0.0, deadline - time.monotonic()))
                if p.is_alive():
                    p.kill()
                    p.join(supervise.GRACE_S)


class DaskActors:
    """Partitions as Dask actors on the workers of a cluster (an existing scheduler, or a
    :class:`distributed.LocalCluster` started for the run). Each partition goes to one worker
    (round robin over the cluster's workers)."""

    name = "dask"

    def __init__(self, kwargs: list[dict[str, Any]], describe: list[str], address: str | None,
                 workers: int) -> None:  # fmt: skip
        from distributed import Client, LocalCluster

        from vicinity_sim.city.worker import PartitionActor

        self.describe = describe
        self.cluster = None
        if address is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)  # fmt: skip
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=10)
            except OSError as e:
                problem = f"cannot reach the Dask scheduler at {address} ({e})"
                raise InputError("--executor", "--executor", problem) from None
        addresses = sorted(self.client.scheduler_info()["workers"])
        if not addresses:
            self.close(True)
            raise InputError("--executor", "--executor", "the Dask cluster has no workers")
        self.where = [addresses[k % len(addresses)] for k in range(len(kwargs))]
        futures = [self.client.submit(PartitionActor, **k, workers=[w], actor=True, pure=False)
                   for k, w in zip(kwargs, self.where, strict=True)]  # fmt: skip
        self.actors = [self._wait(f, k, "start") for k, f in enumerate(futures)]

    def _alive(self, k: int) -> bool:
        try:
            return self.where[k] in self.client.scheduler_info()["workers"]
        except Exception:
            return False

    def _gone(self, k: int, grace: float) -> bool:
        """Whether partition ``k``'s worker has left the cluster, or leaves it within
        ``grace`` seconds."""
        deadline = time.monotonic() + grace
        while self._alive(k):
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(POLL_S, grace))
        return True

    def _wait(self, future: Any, k: int, stage: str) -> Any:
        """The result of ``future`` (a Dask or actor future) of partition ``k``, checking
        while waiting that its worker still belongs to the cluster."""
        while True:
            try:
                return future.result(timeout=POLL_S)
            except TimeoutError:
                if not self._alive(k):
                    self._died(k, stage)
            except (InputError, KeyboardInterrupt):
                raise
            except Exception as e:
                # A connection that failed (OSError: "Unable to contact Actor's worker") is
                # most likely a worker that died before the scheduler noticed.
                if self._gone(k, LEAVE_GRACE_S if isinstance(e, OSError) else 0.0):
                    self._died(k, stage)
                raise WorkerError(
                    "worker",
                    f"worker {k}",
                    f"the Dask worker {self.where[k]} simulating "
                    f"{self.describe[k]} failed during {stage}: {e}",
                ) from None

    def _died(self, k: int, stage: str) -> None:
        raise WorkerError("worker", f"worker {k}",
                          f"the Dask worker {self.where[k]} simulating {self.describe[k]} left "
                          f"the cluster during {stage} (killed, or out of memory); nothing was "
                          "written")  # fmt: skip

    def call(self, method: str, args: list[tuple], stage: str = "") -> list[Any]:
        futures = [self._start_call(k, method, x, stage or method) for k, x in enumerate(args)]
        return [self._wait(f, k, stage or method) for k, f in enumerate(futures)]

    def _start_call(self, k: int, method: str, args: tuple, stage: str) -> Any:
        """Start ``method`` on partition ``k``'s actor; its future. An actor whose worker the
        client already knows to be lost refuses the call itself (a ``RuntimeError`` from
        distributed, raised before any future exists), which is the same lost worker."""
        try:
            return getattr(self.actors[k], method)(*args)
        except RuntimeError as e:
            if "was lost" in str(e) or not self._alive(k):
                self._died(k, stage)
            raise

    def close(self, failed: bool) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


# -- the coordinator -------------------------------------------------------------------------


def _dask_address(executor: str) -> str | None:
    from vicinity_sim.experiment.executors import _dask_address as address

    return address(executor)


def check_city_options(executor: str, workers: int, n_villages: int) -> None:
    """Refuse bad ``--workers``/``--executor`` values before anything starts."""
    from vicinity_sim.experiment.executors import check_executor

    check_executor(executor, workers)


class CityRun:
    """The coordinator of one city run.

    Args:
        scenario: A scenario with one or more villages.
        seed: Seed (default: the scenario's ``run.seed``).
        replication: Replication (default: the scenario's ``run.replication``).
        workers: Number of partitions (at most one per village).
        executor: ``local`` (partitions in this process for one worker, else in local worker
            processes), ``dask`` (a local Dask cluster of ``workers`` processes) or
            ``dask://HOST:PORT`` (an existing Dask cluster).
        engine: ``fast`` or ``reference``.
        partitions: The villages' positions of each partition (default: balanced by
            residents, :func:`~vicinity_sim.city.partition.balance`).
    """

    def __init__(
        self, scenario: Any, *, seed: int | None = None, replication: int | None = None,
        workers: int = 1, executor: str = "local", engine: str = "fast",
        partitions: list[list[int]] | None = None,
    ) -> None:  # fmt: skip
        if engine not in ENGINES:
            raise InputError("--engine", "--engine", f"must be one of {', '.join(ENGINES)}")
        check_city_options(executor, workers, len(scenario.villages))
        self.scenario = scenario
        self.seed = resolve_seed(scenario, seed)
        self.replication = scenario.run.replication if replication is None else int(replication)
        self.workers = workers
        self.executor = executor
        self.engine = engine
        self.calendar = Calendar(scenario.run.start_date, scenario.run.days)
        self.partitions = partitions
        self.timings: dict[str, float] = {}
        self._exchange = city_exchange(scenario)

    @property
    def exchange(self) -> Exchange:
        """The city's monthly exchange (:mod:`vicinity_sim.city.exchange`), on the
        coordinator's side."""
        return self._exchange

    def _plan(self) -> list[list[int]]:
        n = len(self.scenario.villages)
        if self.partitions is not None:
            flat = sorted(p for part in self.partitions for p in part)
            if flat != list(range(n)) or any(not part for part in self.partitions):
                raise InputError("partitions", "-", f"must split the {n} villages' positions "
                                 "into non-empty groups, each village once")  # fmt: skip
            return [sorted(p) for p in self.partitions]
        sizes = [v.population.n_residents for v in self.scenario.villages]
        return balance(sizes, self.workers)

    @contextmanager
    def _backend(self, parts: list[list[int]]) -> Iterator[Any]:
        remote = self.executor != "local" or len(parts) > 1
        kwargs = [{"scenario": self.scenario.model_dump(mode="python") if remote
                   else self.scenario, "source": self.scenario.source, "positions": p,
                   "seed": self.seed, "replication": self.replication, "engine": self.engine}
                  for p in parts]  # fmt: skip
        names = [v.name for v in self.scenario.villages]
        describe = [_villages(names, p) for p in parts]
        if self.executor == "local":
            backend: Any = (LocalProcesses(kwargs, describe) if len(parts) > 1
                            else InProcess(kwargs))  # fmt: skip
        else:
            backend = DaskActors(kwargs, describe, _dask_address(self.executor), self.workers)
        failed = True
        try:
            yield backend
            failed = False
        finally:
            backend.close(failed)

    def run(self, progress: bool = False) -> Any:
        """Simulate the city to the end of the run.

        Returns:
            A :class:`~vicinity_sim.runs.RunResult` with the city's series, events, summary,
            agent snapshots and the monthly village panel.
        """
        from vicinity_sim.outcomes import summarize
        from vicinity_sim.runs import RunResult

        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        t0 = time.perf_counter()
        parts = self._plan()
        with self._backend(parts) as backend:
            infos = self._infos(backend.call("build", [()] * len(parts)))
            waves = self._waves(infos)
            backend.call("start", [({p: waves[p] for p in part},) for part in parts])
            t1 = time.perf_counter()
            series, panel = self._simulate(backend, parts, waves, progress)
            t2 = time.perf_counter()
            finals = self._finish(backend, parts)
        columns = series.columns()
        events = _events(infos, finals, [v.name for v in self.scenario.villages])
        summary = summarize(columns, events)
        summary.update(self._exchange.outcomes())
        t3 = time.perf_counter()
        return RunResult(
            scenario=self.scenario, seed=self.seed, replication=self.replication,
            columns=columns, events=events, summary=summary,
            timings={"build_s": t1 - t0, "simulate_s": t2 - t1, "summarize_s": t3 - t2},
            started_at=started, engine=self.engine, agents=_agents(finals, len(infos)),
            panel=panel,
        )  # fmt: skip

    def _finish(self, backend: Any, parts: list[list[int]]) -> dict[int, tuple[dict, dict]]:
        """Every village's fire events and agent snapshots, taken from the partitions
        :data:`FINISH_BATCH` villages at a time (each partition lets a village go once it
        has reported it)."""
        finals: dict[int, tuple[dict, dict]] = {}
        for _ in range(-(-max(map(len, parts)) // FINISH_BATCH)):
            for result in backend.call("finish", [(FINISH_BATCH,)] * len(parts)):
                finals.update(result)
        return finals

    def _infos(self, replies: list[list[UnitInfo]]) -> list[UnitInfo]:
        infos = sorted((i for part in replies for i in part), key=lambda i: i.position)
        return infos

    def _waves(self, infos: list[UnitInfo]) -> list[str | None]:
        rollout = self.scenario.rollout
        if not rollout.staggered:
            return [None] * len(infos)
        gen = Streams(self.seed, self.replication).generator(WAVES_STREAM)
        indicators = np.stack([i.indicators for i in infos])
        return assign_waves(rollout, [i.name for i in infos], indicators, gen)

    def _simulate(self, backend: Any, parts: list[list[int]], waves: list[str | None],
                  progress: bool) -> tuple[Recorder, dict[str, np.ndarray]]:  # fmt: skip
        cal = self.calendar
        starts = _start_days(self.scenario, waves)
        names = [v.name for v in self.scenario.villages]
        rows: dict[int, list[tuple[tuple, dict]]] = {p: [] for p in range(len(names))}
        recorder: Recorder | None = None
        deliveries: dict[int, Any] = {}
        bounds = month_boundaries(cal)
        with tqdm(total=cal.days, disable=not progress, delay=2.0, unit="day", leave=False,
                  desc=self.scenario.name or "city") as bar:  # fmt: skip
            first = 0
            for end in bounds:
                offer = end < cal.days  # no exchange at the run's end
                args = [(end, {p: deliveries[p] for p in part if p in deliveries}, offer)
                        for part in parts]  # fmt: skip
                stage = f"the days {cal.dates[first]} to {cal.dates[end - 1]}"
                replies = backend.call("advance", args, stage=stage)
                first = end
                days = sorted((d for part in replies for d in part), key=lambda d: d.position)
                if recorder is None:
                    metrics = list(days[0].values)
                    levels = _levels()
                    recorder = Recorder(metrics, cal.days, cal.dates, levels & set(metrics))
                first, last = days[0].first, days[0].end
                city = combine_days(list(recorder.names), [d.values for d in days],
                                    [d.weights for d in days])  # fmt: skip
                for name, values in city.items():
                    recorder._data[name][first:last] = values
                recorder.recorded = last
                for d in days:
                    rows[d.position].append((_panel_key(cal, d, names, waves, starts), d.panel))
                rng = exchange_generator(self.seed, self.replication, end)
                if offer:
                    deliveries = self._exchange.settle(end, [d.offer for d in days], rng)
                else:
                    self._exchange.close(end, [d.offer for d in days], rng)
                bar.update(last - first)
        keys = [k for p in range(len(names)) for k, _ in rows[p]]
        panel = panel_columns([r for p in range(len(names)) for _, r in rows[p]], keys)
        assert recorder is not None
        return recorder, panel


def _levels() -> frozenset[str]:
    from vicinity_sim.processes import registered

    return frozenset().union(*(c.levels for c in registered()))


def _start_days(scenario: Any, waves: list[str | None]) -> np.ndarray:
    """Each village's program start (−1: none): its wave's start day; without waves, day 0
    for every village an enabled intervention applies to."""
    from vicinity_sim.interventions.waves import start_days

    if scenario.rollout.staggered:
        return start_days(scenario.rollout, waves)
    ivs = [iv for iv in scenario.interventions if iv.enabled]
    return np.array([0 if any("all" in iv.villages or v.name in iv.villages for iv in ivs)
                     else -1 for v in scenario.villages], dtype=np.int64)  # fmt: skip


def _month_index(date: np.datetime64) -> int:
    return int(np.datetime64(date, "M").astype(np.int64))


def _panel_key(cal: Calendar, d: UnitDays, names: list[str], waves: list[str | None],
               starts: np.ndarray) -> tuple:  # fmt: skip
    month = np.datetime64(cal.dates[d.first], "M").astype("datetime64[D]")
    start = int(starts[d.position])
    if start < 0:
        months = -9999
    else:
        start_date = np.datetime64(cal.start, "D") + np.timedelta64(start, "D")
        months = _month_index(cal.dates[d.first]) - _month_index(start_date)
    return (d.position, names[d.position], waves[d.position], start, month, months)


def _villages(names: list[str], positions: list[int]) -> str:
    shown = ", ".join(names[p] for p in positions[:3])
    more = f" and {len(positions) - 3} more" if len(positions) > 3 else ""
    return f"village{'s' * (len(positions) > 1)} {shown}{more}"


def _events(infos: list[UnitInfo], finals: dict[int, tuple[dict, dict]],
            names: list[str]) -> dict[str, np.ndarray]:  # fmt: skip
    """The villages' fire events as one table: buildings numbered across the city (in the
    order of the villages), villages by position, ordered by day, then village."""
    offset = np.cumsum([0] + [i.sizes["buildings"] for i in infos])
    parts = []
    for i in infos:
        ev = dict(finals[i.position][0])
        ev["building"] = ev["building"] + offset[i.position]
        ev["village"] = np.full(len(ev["day"]), i.position, np.int32)
        parts.append(ev)
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((out["village"], out["day"]))
    out = {k: v[order] for k, v in out.items()}
    out["village_name"] = np.array([names[v] for v in out["village"]], dtype=object)
    return out


def _agents(finals: dict[int, tuple[dict, dict]], n: int) -> dict[str, dict[str, np.ndarray]]:
    """The villages' agent snapshots as one table per name: ``village`` is the village's
    position, ``agent`` and the other indices are rows within the village; ordered by day,
    then village, then agent."""
    out: dict[str, dict[str, np.ndarray]] = {}
    names = sorted({name for p in range(n) for name in finals[p][1]})
    for name in names:
        # The villages' tables are let go as they are merged, and the merged columns are
        # put in order one at a time: snapshots are the largest thing a city run returns
        # (about 10 bytes per resident and month), and holding every copy at once would
        # make them the peak of the run's memory.
        parts = []
        for p in range(n):
            table = finals[p][1].pop(name, None)
            if table is None:
                continue
            table = dict(table)
            table["village"] = np.full(len(table["day"]), p, np.int32)
            parts.append(table)
        merged: dict[str, np.ndarray] = {}
        for k in list(parts[0]):
            merged[k] = np.concatenate([t.pop(k) for t in parts])
        del parts
        order = np.lexsort((merged["agent"], merged["village"], merged["day"]))
        for k in list(merged):
            merged[k] = merged[k][order]
        out[name] = merged
    return out


def simulate_city(
    scenario: Any, *, seed: int | None = None, replication: int | None = None,
    workers: int = 1, executor: str = "local", engine: str = "fast", progress: bool = False,
    partitions: list[list[int]] | None = None,
) -> Any:  # fmt: skip
    """Run a scenario of one or more villages as a city run (see the module docstring).

    Returns:
        The :class:`~vicinity_sim.runs.RunResult`.
    """
    run = CityRun(scenario, seed=seed, replication=replication, workers=workers,
                  executor=executor, engine=engine, partitions=partitions)  # fmt: skip
    return run.run(progress=progress)
