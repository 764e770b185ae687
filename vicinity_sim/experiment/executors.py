"""Executors: run an experiment's tasks in this process, in local worker processes or on Dask.

Every executor runs the same task function (:func:`run_task`), which simulates one task and
writes its partition; results do not depend on the executor or the number of workers, since a
task's draws depend only on its seed, replication and settings.

* ``local`` with ``workers=1``: tasks run in this process, one after another.
* ``local`` with ``workers=N``: a pool of N worker processes. On Linux they are forked from a
  fork server that has imported the package and loaded its compiled kernels once, so a worker
  starts in milliseconds instead of paying the imports and the kernel loading (seconds) each;
  elsewhere they are spawned. Nothing is shared between tasks either way.
* ``dask``: a :class:`distributed.LocalCluster` of N single-threaded worker processes.
* ``dask://HOST:PORT`` (or ``tcp://HOST:PORT``): an existing Dask scheduler; its workers must be
  able to import ``vicinity_sim`` and write to the experiment directory.

Dask is used through ``Client.get_executor()``, a :mod:`concurrent.futures` executor.

Supervision (:mod:`vicinity_sim.supervise`): whatever ends :func:`execute` early (Ctrl-C,
SIGTERM, a failed task, a dead worker) cancels the tasks not yet started; leaving
:func:`make_executor` that way also stops the local workers at once. Local workers die with
the main process, even when it is killed with SIGKILL. A worker that dies (killed, out of
memory) is reported as :class:`~vicinity_sim.errors.WorkerError`, one line.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vicinity_sim import supervise
from vicinity_sim.errors import InputError, WorkerError


def run_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Simulate one task and write its partition; return its keys and summary.

    ``payload``: ``scenario`` (a scenario dictionary), ``seed``, ``task`` (arm, sample,
    replication), ``root`` (experiment directory) and ``columns`` (daily columns to keep).
    """
    from vicinity_sim.experiment.design import Task
    from vicinity_sim.experiment.store import Store, partition_bytes
    from vicinity_sim.runs import simulate
    from vicinity_sim.scenario import scenario_from_dict

    task = Task(**payload["task"])
    scenario = scenario_from_dict(payload["scenario"], f"experiment task {task.id}")
    result = simulate(scenario, seed=payload["seed"], replication=task.replication)
    keep = ["day", *[c for c in payload["columns"] if c in result.columns and c != "day"]]
    columns = {k: result.columns[k] for k in keep}
    data = partition_bytes(task, payload["seed"], columns, result.summary,
                           payload.get("scenario_hash"))  # fmt: skip
    Store(payload["root"]).write(task, data)
    return {"task": payload["task"], "summary": result.summary}


def _dask_address(executor: str) -> str | None:
    if executor == "dask":
        return None
    for prefix in ("dask://", "tcp://"):
        if executor.startswith(prefix):
            return "tcp://" + executor[len(prefix) :]
    raise InputError("--executor", "--executor",
                     f"'{executor}': use local, dask or dask://HOST:PORT")  # fmt: skip


def _context() -> Any:
    """Multiprocessing context of the local pool: a preloaded fork server where available."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["vicinity_sim.experiment.preload"])
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Pool:
    """A running executor (``None``: run inline) shared by several experiments."""

    executor: cf.Executor | None


def check_executor(executor: str = "local", workers: int = 1) -> None:
    """Check the executor options without starting anything.

    Raises:
        InputError: For a worker count below 1, an unknown executor, or Dask not installed.
    """
    if workers < 1:
        raise InputError("--workers", "--workers", f"must be at least 1 (got {workers})")
    if executor == "local":
        return
    _dask_address(executor)
    try:
        import distributed  # noqa: F401
    except ImportError:
        problem = "Dask is not installed: pip install 'vicinity_sim[dask]'"
        raise InputError("--executor", "--executor", problem) from None


@contextmanager
def make_executor(executor: str = "local", workers: int = 1) -> Iterator[cf.Executor | None]:
    """A concurrent.futures executor for the named backend (``None``: run inline).

    Raises:
        InputError: As :func:`check_executor`, or if a Dask scheduler cannot be reached.
    """
    check_executor(executor, workers)
    if executor == "local":
        if workers == 1:
            yield None
            return
        ctx = _context()
        supervise.start_fork_server(ctx)
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                      initializer=supervise.worker_init,
                                      initargs=(os.getpid(),))  # fmt: skip
        try:
            yield pool
        except BaseException:  # interrupted, a task failed, a worker died: stop now
            with supervise.deferred():
                supervise.stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        return
    address = _dask_address(executor)
    from distributed import Client, LocalCluster

    if address is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=10)
        except OSError as e:
            problem = f"cannot reach the Dask scheduler at {address} ({e})"
            raise InputError("--executor", "--executor", problem) from None
        cluster = None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def execute(payloads: list[dict[str, Any]], pool: cf.Executor | None) -> Iterator[dict[str, Any]]:
    """Run payloads; yield results as tasks finish (in completion order)."""
    if pool is None:
        for p in payloads:
            yield run_task(p)
        return
    futures = [pool.submit(run_task, p) for p in payloads]
    try:
        for fut in cf.as_completed(futures):
            yield fut.result()
    except cf.BrokenExecutor:
        raise WorkerError("worker", "-", "a worker process died while running a task (killed, "
                         "or out of memory)") from None  # fmt: skip
    finally:  # stopped early (interrupt, error, generator closed): drop queued tasks
        for fut in futures:
            fut.cancel()


def absolute(path: str | Path) -> str:
    return str(Path(path).resolve())
