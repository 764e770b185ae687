"""Addressable random streams.

Every random number in a run is addressed by (run seed, replication, process, day) and, inside
a kernel, by (slot, index), where *slot* names the quantity being drawn (ignition, detection
delay, ...) and *index* the entity it is drawn for (a building, an edge, a resident).

* The first three coordinates go through :class:`numpy.random.SeedSequence` spawning: the
  sequence with ``entropy=seed`` and ``spawn_key=(replication, process_id)`` yields a 64-bit
  base key per process; the day is mixed into it with the SplitMix64 finaliser (a keyed hash,
  cheaper than a SeedSequence per day). Process ids are stable hashes of process names, so
  adding a process never moves the draws of another. Python-level generators
  (:meth:`Streams.generator`) spawn ``(replication, process_id, index)`` directly.
* Inside numba kernels, :func:`uniform` turns ``(key, slot, index)`` into a uniform number with
  a counter-based generator (SplitMix64 at position ``index`` of the sequence seeded by the
  mixed key and slot). No state is carried between draws.
* Slots have names: each module that draws from a stream declares its slots as an
  :class:`~enum.IntEnum` registered with :func:`stream_slots`, which refuses a number or a name
  that another declaration for the same stream already took (several modules may draw from
  one stream, e.g. the fire and its spread). :data:`SLOTS` lists them all.

Consequences that the model relies on:

* two policy arms share every draw the policy does not touch (common random numbers), even
  when one arm has more fires than the other, because a draw for building *b* on day *d* does
  not depend on how many draws came before it;
* results are identical whatever order or worker computes them;
* a run can be replayed from any day, since day *d*'s draws depend only on *d*.

**Villages as units.** A city run simulates each village as its own unit
(:mod:`vicinity_sim.city`), with its own process streams: ``Streams(seed, replication,
village=v)`` adds ``(VILLAGE_TAG, v)`` to the spawn key of every process stream for villages
``v > 0`` (village 0 keeps the plain key, so a one-village run draws what it always drew).
Streams named in ``shared`` (the weather's: a typhoon day hits every village) stay the city's,
the same in every unit; their kernels address draws by the village's position in the city
(``world.village_ids``). So a village's draws depend on the seed, the replication and its
position, never on which other villages run beside it, in which process or on which machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from enum import IntEnum
from types import SimpleNamespace

import numpy as np
from numba import njit, uint64

_GOLDEN = uint64(0x9E3779B97F4A7C15)
_M1 = uint64(0xBF58476D1CE4E5B9)
_M2 = uint64(0x94D049BB133111EB)
_S30 = uint64(30)
_S27 = uint64(27)
_S31 = uint64(31)
_S11 = uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def uniform(key, slot, index):
    """Uniform number in [0, 1) addressed by ``(key, slot, index)``.

    Args:
        key: 64-bit key of a (seed, replication, process, day) stream, as ``np.uint64``.
        slot: Small integer naming the quantity drawn (one per kind of draw in a kernel).
        index: Entity index the draw is for (building, edge, resident, ...); non-negative.

    Returns:
        A float64 in [0, 1) with 53 random bits.
    """
    base = _mix64(key ^ (uint64(slot) * _GOLDEN))
    z = base + (uint64(index) + uint64(1)) * _GOLDEN
    return float(_mix64(z) >> _S11) * _TWO_M53


def slot_numbers(slots: type[IntEnum]) -> SimpleNamespace:
    """A stream's named slots as plain integers under the same names, for Python callers of
    :func:`uniform` (the reference engine): the compiled function's dispatcher types a plain
    integer on its fast path and an ``IntEnum`` member on its slow one, and reading a member
    off its class is itself slow in Python.

    Example:
        >>> FIRE = slot_numbers(FireSlot)
        >>> u = uniform(key, FIRE.IGNITE, building)
    """
    return SimpleNamespace(**{name: int(member) for name, member in slots.__members__.items()})


@njit(cache=True)
def uniform_array(key, slot, n):
    """``n`` uniforms for indices ``0..n-1`` of one slot (vectorised :func:`uniform`)."""
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform(key, slot, i)
    return out


#: Every stream's slots: stream name → slot name → number (filled by :func:`stream_slots`).
SLOTS: dict[str, dict[str, int]] = {}


def stream_slots(stream: str) -> Callable[[type[IntEnum]], type[IntEnum]]:
    """Class decorator registering an :class:`~enum.IntEnum` of named slots of ``stream``.

    Args:
        stream: The stream the slots belong to (a process name, or ``world.ties``...).

    Returns:
        The decorator; it returns the enum unchanged.

    Raises:
        ValueError: If two slots of the stream share a number (within the enum, where
            ``IntEnum`` would silently make one an alias, or with an earlier declaration) or a
            name.

    Example:
        >>> @stream_slots("example")
        ... class ExampleSlot(IntEnum):
        ...     IGNITE = 0
        ...     CAUSE = 1
    """

    def register(cls: type[IntEnum]) -> type[IntEnum]:
        taken = SLOTS.setdefault(stream, {})
        for name, member in cls.__members__.items():  # aliases included
            number = int(member)
            if name in taken:
                raise ValueError(f"stream {stream!r}: slot name {name} declared twice")
            clash = [k for k, v in taken.items() if v == number]
            if clash:
                raise ValueError(
                    f"stream {stream!r}: slot {name} = {number} is already taken by {clash[0]}"
                )
            taken[name] = number
        return cls

    return register


_MASK = (1 << 64) - 1
_GOLDEN_INT = 0x9E3779B97F4A7C15
#: Spawn-key word marking a village's own process streams (no day or index reaches it).
VILLAGE_TAG = 0xFFFFFFFF
#: Day keys are computed in blocks of at least this many days.
_KEY_BLOCK = 4096


def _splitmix(z: int) -> int:
    """SplitMix64 finaliser on a Python integer (mod 2**64)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def process_id(name: str) -> int:
    """Stable 32-bit id of a process name (CRC-32), used in spawn keys."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of random streams for one run.

    Args:
        seed: Run seed (any non-negative integer).
        replication: Replication index; experiments vary it, single runs leave it at 0.
        village: Position of the village in the city whose unit draws from these streams
            (0: the plain streams of a one-village run, or of the first village).
        shared: Process streams that stay the city's whatever ``village`` is (the weather).

    Example:
        >>> s = Streams(seed=7)
        >>> k = s.key("fire", day=12)          # for numba kernels
        >>> g = s.generator("world.plan", 0)   # a numpy Generator, for Python-level draws
    """

    def __init__(
        self, seed: int, replication: int = 0, village: int = 0,
        shared: frozenset[str] = frozenset(),
    ) -> None:  # fmt: skip
        if seed < 0 or replication < 0 or village < 0:
            raise ValueError("seed, replication and village must be non-negative")
        self.seed = int(seed)
        self.replication = int(replication)
        self.village = int(village)
        self.shared = frozenset(shared)
        self._bases: dict[str, int] = {}
        self._keys: dict[str, np.ndarray] = {}

    def _sequence(self, process: str, *index: int) -> np.random.SeedSequence:
        own = (VILLAGE_TAG, self.village) if self.village and process not in self.shared else ()
        return np.random.SeedSequence(
            entropy=self.seed,
            spawn_key=(self.replication, process_id(process), *own, *(int(i) for i in index)),
        )

    def key(self, process: str, day: int) -> np.uint64:
        """64-bit key of the stream (process, day), for :func:`uniform` inside kernels."""
        keys = self._keys.get(process)
        if keys is None or day >= len(keys):
            keys = self._day_keys(process, max(_KEY_BLOCK, 2 * (int(day) + 1)))
            self._keys[process] = keys
        return keys[day]

    def day_keys(self, process: str, days: int) -> np.ndarray:
        """Keys of (at least) days ``0 .. days − 1`` of ``process``'s stream, as one array:
        ``day_keys(process, days)[day] == key(process, day)``. Treat it as read-only."""
        self.key(process, max(int(days) - 1, 0))
        return self._keys[process]

    def _day_keys(self, process: str, n: int) -> np.ndarray:
        """Keys of days 0..n−1 at once: ``splitmix(base + (day + 1) · golden)`` mod 2⁶⁴, the
        same values as :func:`_splitmix` on Python integers (a key is asked for by every
        process every day, so computing them one by one shows in profiles)."""
        base = self._bases.get(process)
        if base is None:
            base = int(self._sequence(process).generate_state(1, dtype=np.uint64)[0])
            self._bases[process] = base
        z = np.uint64(base) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(_GOLDEN_INT)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))

    def generator(self, process: str, index: int = 0) -> np.random.Generator:
        """A numpy Generator on the stream (process, index), for vectorised Python-level draws
        (``index`` is the day for processes, the village for the world's streams)."""
        return np.random.Generator(np.random.PCG64(self._sequence(process, index)))
