"""A partition of a city run: the villages one worker simulates, and how it is driven.

A :class:`Partition` holds the units of some villages. The coordinator drives every partition
through the same calls — :meth:`~Partition.build`, :meth:`~Partition.start`,
:meth:`~Partition.advance` (once per month, the barrier), :meth:`~Partition.finish` —
whether the partition lives

* in the coordinator's own process (one worker),
* in a local worker process (:func:`serve`: the calls arrive as messages on a pipe), or
* on a Dask worker (:class:`PartitionActor`, a Dask actor).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import traceback
from typing import Any

from vicinity_sim.city.exchange import city_exchange
from vicinity_sim.city.units import UnitDays, UnitInfo, VillageUnit


class Partition:
    """The units of the villages one worker simulates.

    Args:
        scenario: The city's scenario, or its dictionary (``scenario_from_dict``) with its
            source: a worker in another process validates it itself.
        positions: The villages' positions in the scenario.
        seed, replication: The run's.
        engine: ``fast`` or ``reference``.
    """

    def __init__(self, scenario: Any, positions: list[int], seed: int, replication: int,
                 engine: str = "fast", source: str = "scenario") -> None:  # fmt: skip
        if isinstance(scenario, dict):
            from vicinity_sim.scenario import scenario_from_dict

            scenario = scenario_from_dict(scenario, source)
        self.scenario = scenario
        self.positions = [int(p) for p in positions]
        self.seed, self.replication, self.engine = int(seed), int(replication), engine
        self.units: dict[int, VillageUnit] = {}
        self.exchange = city_exchange(scenario)

    def build(self) -> list[UnitInfo]:
        """Build every village's world; return what the coordinator needs to know of them."""
        for p in self.positions:
            self.units[p] = VillageUnit(self.scenario, p, self.seed, self.replication,
                                        self.engine)  # fmt: skip
        return [u.info() for u in self.units.values()]

    def start(self, waves: dict[int, str | None]) -> None:
        """Make every village's model, given its wave."""
        for p, unit in self.units.items():
            unit.start(waves.get(p))

    def advance(self, end: int, deliveries: dict[int, Any] | None = None,
                offer: bool = True) -> list[UnitDays]:  # fmt: skip
        """Take in the last boundary's deliveries, simulate every village up to day ``end``
        (not included) and make each village's offer to the exchange at ``end``.

        Args:
            end: The next month boundary (or the end of the run).
            deliveries: Position → what the city's exchange at the last boundary gave that
                village (:meth:`~vicinity_sim.city.exchange.Exchange.receive`).
            offer: Whether to make the villages' offers
                (:meth:`~vicinity_sim.city.exchange.Exchange.offer`); at the run's end their
                last reports instead (:meth:`~vicinity_sim.city.exchange.Exchange.last_offer`).

        Returns:
            Each village's record of the days, with its offer.
        """
        for p, delivery in (deliveries or {}).items():
            unit = self.units[p]
            self.exchange.receive(unit, delivery, unit.model.day)
        records = [unit.advance(end) for unit in self.units.values()]
        make = self.exchange.offer if offer else self.exchange.last_offer
        for record, unit in zip(records, self.units.values(), strict=True):
            record.offer = make(unit, end)
        return records

    def finish(self, count: int | None = None) -> dict[int, tuple[dict, dict]]:
        """The fire events and agent snapshots of the next ``count`` villages (default: all
        that are left), which the partition then lets go of: reporting a large city a few
        villages at a time frees each village's world as its records leave, instead of
        holding every world and every record (and their copy in the reply) at once."""
        done = list(self.units)[: len(self.units) if count is None else max(int(count), 0)]
        reports = {p: self._report(p) for p in done}
        # A village's model and its processes refer to each other, so its world goes only
        # when the cycle collector runs; run it now, before the next batch arrives at the
        # coordinator, or the worlds of a large city outlive their reports.
        gc.collect()
        release_freed_memory()
        return reports

    def _report(self, position: int) -> tuple[dict, dict]:
        unit = self.units.pop(position)
        return unit.events(), unit.agents()


def release_freed_memory() -> None:
    """Hand the memory freed since the last call back to the operating system, where the C
    library allows it (glibc's ``malloc_trim``; elsewhere nothing happens).

    Why: glibc raises its threshold for serving large blocks from the heap each time a large
    block is freed, so after the first batches of reports a village's arrays live in the heap,
    and freeing them keeps the pages in the worker. The worker's footprint would then stay at
    its peak while the coordinator receives every village's records.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


# -- local worker processes ------------------------------------------------------------------


def serve(conn: Any, main_pid: int) -> None:
    """Body of a local worker process: run the calls that arrive on ``conn``.

    Each message is ``(method, args)``; the first makes the :class:`Partition`
    (``("init", kwargs)``), ``("stop", ())`` ends the loop. Each reply is ``("ok", result)``
    or ``("error", exception)``, the exception as raised (a one-line
    :class:`~vicinity_sim.errors.InputError` for bad input) or, if it cannot travel, a
    ``RuntimeError`` with its traceback.
    """
    from vicinity_sim import supervise

    supervise.worker_init(main_pid)
    partition: Partition | None = None
    while True:
        try:
            method, args = conn.recv()
        except (EOFError, OSError):  # the coordinator is gone
            os._exit(0)
        if method == "stop":
            conn.send(("ok", None))
            return
        try:
            if method == "init":
                partition = Partition(**args)
                result: Any = None
            else:
                result = getattr(partition, method)(*args)
            reply: tuple[str, Any] = ("ok", result)
        except Exception as e:  # reported to the coordinator, which decides
            reply = ("error", _portable(e))
        conn.send(reply)
        reply = result = None  # sent: the records need not wait here for the next call


def _portable(e: Exception) -> Exception:
    """The exception, or a ``RuntimeError`` with its traceback if it cannot be pickled."""
    import pickle

    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:
        return RuntimeError("".join(traceback.format_exception(e)))


# -- Dask ------------------------------------------------------------------------------------


class PartitionActor:
    """A :class:`Partition` living on a Dask worker (made with ``client.submit(...,
    actor=True)``); its methods are the partition's."""

    def __init__(self, **kwargs: Any) -> None:
        self.partition = Partition(**kwargs)

    def build(self) -> list[UnitInfo]:
        return self.partition.build()

    def start(self, waves: dict[int, str | None]) -> None:
        self.partition.start(waves)

    def advance(self, end: int, deliveries: dict[int, Any] | None = None,
                offer: bool = True) -> list[UnitDays]:  # fmt: skip
        return self.partition.advance(end, deliveries, offer)

    def finish(self, count: int | None = None) -> dict[int, tuple[dict, dict]]:
        return self.partition.finish(count)

    def pid(self) -> int:
        return os.getpid()
