"""Processes: one mechanism each, run by the model in an order derived from their contracts.

A process is a class with

* ``name``: its stream name and, if it has parameters, its section in the scenario file;
* ``cadence``: ``"day"``, ``"week"`` or ``"month"`` (run on day 0 and then every 7 days, or
  on the first day of each calendar month);
* ``Params``: a :class:`~vicinity_sim.params.ParamModel` subclass, or ``None``;
* ``reads`` and ``writes``: the state it touches, as ``table.column`` names of the world
  (``buildings.smoke_sensor``, ``ties.w``, ``fires_today.building``) or whole tables
  (``residents``); see :func:`vicinity_sim.world.state.state_names`;
* ``after``: the processes it runs after (``"*"``: after every process not itself marked so);
* ``metrics``: the time-series columns it reports, with a description each;
* ``levels``: those metrics that are states rather than counts: on days a weekly or monthly
  process does not run they repeat their last value (counts are 0 on such days);
* ``city_wide``: whether it draws from the city's stream rather than its village's when a
  city run simulates each village as its own unit (the weather: one typhoon, every village);
  its kernels then address draws by ``world.village_ids`` (see :mod:`vicinity_sim.streams`);
* ``step(day, key)``: advance the mechanism by one period, returning its metrics.

Registering a class with :func:`register` is all it takes to add a mechanism: the scenario
schema gains its parameter section and the model runs it in the schedule.

**The contract.** :func:`register` checks the declarations: the names must be known state and
registered processes, and two processes of which one writes what the other reads or writes
must be ordered by ``after`` (directly or through other processes). So every pair of
processes the schedule leaves unordered touches disjoint state, and their relative order
cannot change a result.

**The schedule** (:func:`registered`) is the order of the ``after`` relation: repeatedly, of the
processes whose predecessors have all been placed, the first by name runs next.

**Kernels see what the contract declares.** :meth:`Process.arrays` gives the columns of a
table the process declares it reads or writes, as one named tuple (``FireBuildings``: the
buildings' columns the fire declares), so a kernel can use no other column, and a kernel call
passes only the arrays the mechanism uses (numba handles every array of a bundle on every call).
"""

from __future__ import annotations

import collections
import difflib
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from vicinity_sim.params import ParamModel
from vicinity_sim.world.state import state_names

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

#: In ``after``: run after every process that does not say this itself (e.g. observation).
EVERY_OTHER = "*"


class Process:
    """Base class of a mechanism.

    Args:
        model: The model the process belongs to (gives access to world, scenario, calendar).
        params: The process's parameter section (an instance of ``Params``) or ``None``.
    """

    name: ClassVar[str]
    cadence: ClassVar[str] = "day"
    Params: ClassVar[type[ParamModel] | None] = None
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    after: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[dict[str, str]] = {}
    levels: ClassVar[frozenset[str]] = frozenset()
    #: Draws from the city's stream in every village's unit (see :mod:`vicinity_sim.streams`).
    city_wide: ClassVar[bool] = False
    #: Bundle type of each table the process touches (made by :func:`register`).
    bundles: ClassVar[dict[str, type]] = {}

    def __init__(self, model: VicinityModel, params: ParamModel | None) -> None:
        self.model = model
        self.world = model.world
        self.params = params

    def arrays(self, table: str) -> Any:
        """The columns of world table ``table`` this process declares it reads or writes, as
        one named tuple for its kernels (the arrays themselves, so a kernel writing into a
        column writes into the table). Built once and kept until a column of the table is
        replaced or rows are added."""
        source = getattr(self.world, table)
        try:
            hit = self._bundles[table]
            if hit[0] is source and hit[1] == source.version:
                return hit[2]
        except (AttributeError, KeyError):
            if "_bundles" not in self.__dict__:
                self._bundles: dict[str, tuple[Any, int, Any]] = {}
        kind = type(self).bundles[table]
        bundle = kind._make([getattr(source, name) for name in kind._fields])
        self._bundles[table] = (source, getattr(source, "version", -1), bundle)
        return bundle

    def step(self, day: int, key: np.uint64) -> Mapping[str, float]:
        """Advance the mechanism; return today's values of ``metrics``."""
        raise NotImplementedError


_REGISTRY: dict[str, type[Process]] = {}
_SCHEDULE: list[type[Process]] | None = None
_VERSION = 0


def columns(names: tuple[str, ...]) -> set[str]:
    """The ``table.column`` names a declaration covers (a whole table: all its columns)."""
    known = state_names()
    out: set[str] = set()
    for name in names:
        out.update(f"{name}.{c}" for c in known[name]) if name in known else out.add(name)
    return out


def _check_names(cls: type[Process]) -> None:
    known = state_names()
    valid = set(known) | {f"{t}.{c}" for t, cols in known.items() for c in cols}
    for field in ("reads", "writes"):
        for name in getattr(cls, field):
            if name not in valid:
                close = difflib.get_close_matches(name, sorted(valid), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(
                    f"process {cls.name!r}: {field} names unknown state {name!r}{hint}"
                )
    for name in cls.after:
        if name != EVERY_OTHER and name not in _REGISTRY:
            close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else " (register it first)"
            raise ValueError(f"process {cls.name!r}: after names no registered process {name!r}"
                             f"{hint}")  # fmt: skip


def _predecessors(processes: dict[str, type[Process]]) -> dict[str, set[str]]:
    """Every process's predecessors, transitively (``"*"`` expanded)."""
    last = {n for n, c in processes.items() if EVERY_OTHER in c.after}
    direct = {n: {a for a in c.after if a != EVERY_OTHER} for n, c in processes.items()}
    for n in last:
        direct[n] |= set(processes) - last
    out: dict[str, set[str]] = {}

    def visit(n: str, path: tuple[str, ...]) -> set[str]:
        if n in path:
            raise ValueError(f"processes run after each other in a cycle: {' → '.join(path)}")
        if n not in out:
            found: set[str] = set()
            for a in direct[n]:
                found |= {a} | visit(a, (*path, n))
            out[n] = found
        return out[n]

    for n in processes:
        visit(n, ())
    return out


def _conflict(a: type[Process], b: type[Process]) -> set[str]:
    """State one of the two writes and the other reads or writes."""
    wa, wb = columns(a.writes), columns(b.writes)
    return (wa & (columns(b.reads) | wb)) | (wb & columns(a.reads))


def register(cls: type[Process]) -> type[Process]:
    """Class decorator adding a process to the registry, after checking its contract.

    Raises:
        ValueError: If the cadence is unknown, the name taken, ``reads``/``writes`` name
            unknown state, ``after`` names a process not registered, or the process touches
            state another writes (or writes state another reads) with no order between them.
    """
    if cls.cadence not in ("day", "week", "month"):
        raise ValueError(f"{cls.__name__}: cadence must be day, week or month")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"process name {cls.name!r} registered twice")
    _check_names(cls)
    candidate = {**_REGISTRY, cls.name: cls}
    before = _predecessors(candidate)
    for other in _REGISTRY.values():
        if other is cls:
            continue
        shared = _conflict(cls, other)
        if shared and cls.name not in before[other.name] and other.name not in before[cls.name]:
            raise ValueError(
                f"process {cls.name!r} and {other.name!r} both touch {sorted(shared)[0]} (one "
                f"writes it) but neither runs after the other; add {other.name!r} to "
                f"{cls.name}.after"
            )
    cls.bundles = _bundles(cls)
    _REGISTRY[cls.name] = cls
    _invalidate()
    return cls


def _bundles(cls: type[Process]) -> dict[str, type]:
    """A named tuple per table the process touches, of the columns it declares (in the
    table's order), kept in the process's module (compiled kernels are cached with their
    argument types, which must be importable by name)."""
    declared = columns(cls.reads + cls.writes)
    out = {}
    for table, cols in state_names().items():
        mine = [c for c in cols if f"{table}.{c}" in declared]
        if not mine:
            continue
        name = cls.__name__ + "".join(part.title() for part in table.split("_"))
        kind = collections.namedtuple(name, mine, module=cls.__module__)
        kind.__doc__ = f"The {table} columns the {cls.name} process declares it touches."
        setattr(sys.modules[cls.__module__], name, kind)
        out[table] = kind
    return out


def unregister(name: str) -> None:
    """Remove a process from the registry (for plug-ins and tests that add their own).

    Raises:
        ValueError: If another registered process runs after it.
    """
    users = [c.name for c in _REGISTRY.values() if name in c.after and c.name != name]
    if users:
        raise ValueError(f"cannot unregister {name!r}: {', '.join(users)} run after it")
    if _REGISTRY.pop(name, None) is not None:
        _invalidate()


def _invalidate() -> None:
    global _SCHEDULE, _VERSION
    _SCHEDULE = None
    _VERSION += 1


def registered() -> list[type[Process]]:
    """Registered processes in schedule order: each after its ``after``, ties by name."""
    global _SCHEDULE
    if _SCHEDULE is None:
        before = _predecessors(_REGISTRY)
        placed: list[str] = []
        waiting = set(_REGISTRY)
        while waiting:
            ready = sorted(n for n in waiting if before[n] <= set(placed))
            placed.append(ready[0])
            waiting.remove(ready[0])
        _SCHEDULE = [_REGISTRY[n] for n in placed]
    return list(_SCHEDULE)


def registry_version() -> int:
    """A number that changes whenever a process is registered or removed."""
    return _VERSION
