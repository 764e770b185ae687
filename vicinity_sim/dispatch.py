"""Calling a compiled kernel from Python without typing its arguments on every call.

Every call of a numba dispatcher computes the type of each argument, leaf by leaf, to pick the
compiled version. For a kernel taking bundles (named tuples of a table's columns) that is
most of the cost of the call: about 0.15 µs per array, and the busiest kernels of a day take
50–110 arrays. A process calls the same kernel with the same bundle objects day after day
(:meth:`~vicinity_sim.processes.base.Process.arrays` keeps them until a column is replaced or
rows are added), so the type found yesterday still holds.

:class:`KernelCall` is one call site of a kernel: it remembers the compiled version chosen for
the last arguments it typed, and calls it directly while the new arguments have the same
types, which it checks cheaply (a tuple that is the very same object; an array of the same
dtype, dimensions and flags; a scalar of the same Python type). Anything else goes through
numba's own dispatch, which also compiles when needed. Results are those of the kernel,
bit for bit: only the choice of the compiled version is skipped, never its work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Sites whose argument types keep changing stop remembering after this many misses
#: (typing the arguments in Python to remember them costs far more than numba's own
#: dispatch, so it is worth doing only where the types stay put, as they do at the
#: processes' call sites once the first call has been made).
MISSES_BEFORE_GIVING_UP = 16

#: The flags of an array that enter its numba type: C and Fortran contiguity, alignment
#: and writeability (not, for instance, whether it owns its data).
_TYPED_FLAGS = 0x1 | 0x2 | 0x100 | 0x400

_INT64 = (-(2**63), 2**63)


def type_key(arg: Any) -> Any:
    """What numba's type of ``arg`` depends on, as a value cheap to compare.

    An array's type is its dtype, number of dimensions, layout, alignment and whether it is
    writeable (the last three are in its flags); a tuple's is its class and its elements';
    a Python int's whether it fits int64 (numba types larger ones as uint64); any other
    scalar's is its Python type. Other objects get a key equal to nothing.
    """
    if isinstance(arg, np.ndarray):
        return (arg.dtype, arg.ndim, arg.flags.num & _TYPED_FLAGS)
    if isinstance(arg, tuple):
        return (type(arg), tuple(type_key(x) for x in arg))
    if type(arg) is int:
        return (int, _INT64[0] <= arg < _INT64[1])
    if isinstance(arg, (float, bool, complex, str, np.generic)) or arg is None:
        return type(arg)
    # Anything else (a list, a typed container, an object) may change its numba type without
    # changing its Python type: a key equal to nothing sends every call through numba.
    return object()


def matches(arg: Any, old: Any, key: Any) -> bool:
    """Whether ``type_key(arg) == key``, where ``key`` is ``type_key(old)``.

    Tuples inside tuples that are the very same objects as ``old``'s are not looked into
    again: a bundle of bundles rebuilt because one of its bundles changed is then typed
    only in what changed.
    """
    if isinstance(arg, tuple) and isinstance(old, tuple):
        if arg is old:
            return True  # the same immutable tuple of the same arrays
        if type(arg) is not type(old) or len(arg) != len(old):
            return False
        return all(matches(x, y, k) for x, y, k in zip(arg, old, key[1], strict=True))
    return type_key(arg) == key


class KernelCall:
    """A call site of a compiled kernel that reuses the compiled version of its last call
    while the arguments keep their types.

    Args:
        kernel: A numba dispatcher (a function decorated with ``njit``).

    Example:
        >>> serve = KernelCall(serve_day)
        >>> serve(key, day, sections, tables, queue, index, out)  # as serve_day(...)
    """

    __slots__ = ("_entry", "_keys", "_misses", "_pinned", "kernel")

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        self._entry: Any = None
        #: The arguments last typed: tuples among them are matched by identity, and keeping
        #: them alive keeps their identity from passing to other objects.
        self._pinned: tuple = ()
        self._keys: tuple = ()
        self._misses = 0

    def __call__(self, *args: Any) -> Any:
        if self._entry is not None and self._same_types(args):
            return self._entry(*args)
        result = self.kernel(*args)  # numba types the arguments and compiles if needed
        self._remember(args)
        return result

    def _same_types(self, args: tuple) -> bool:
        pinned, keys = self._pinned, self._keys
        if len(args) != len(pinned):
            return False
        new_tuple = False
        for arg, old, key in zip(args, pinned, keys, strict=True):
            if arg is old and isinstance(arg, tuple):
                continue  # the same immutable tuple of the same arrays
            if not matches(arg, old, key):
                return False
            new_tuple = new_tuple or isinstance(arg, tuple)
        if new_tuple:  # a bundle rebuilt with the same types: match the new one by identity
            self._pinned = args
        return True

    def _remember(self, args: tuple) -> None:
        """Keep the compiled version numba chose for ``args`` (unless this site misses too
        often for remembering to pay)."""
        if self._misses >= MISSES_BEFORE_GIVING_UP:
            self._entry = None
            return
        self._misses += 1
        kernel = self.kernel
        types = tuple(kernel.typeof_pyval(a) for a in args)
        compiled = kernel.overloads.get(types)
        # No exact version: numba converted an argument to fit one; leave that to numba.
        self._entry = None if compiled is None else compiled.entry_point
        self._pinned = args
        self._keys = tuple(type_key(a) for a in args)
