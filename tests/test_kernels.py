"""Compiled kernels take bundles, not long argument lists."""

import collections
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from numba import njit
from numba.core.registry import CPUDispatcher

import vicinity_sim

#: Most parameters a compiled kernel may take (a longer list is asking for a bundle).
MAX_PARAMETERS = 12


def kernels() -> dict[str, CPUDispatcher]:
    """Every numba-compiled function defined in the package, by qualified name."""
    out = {}
    for info in pkgutil.walk_packages(vicinity_sim.__path__, "vicinity_sim."):
        if info.name.startswith("vicinity_sim.dashboard"):
            continue  # the browser front end (optional extra) compiles nothing
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == module.__name__:
                out[f"{module.__name__}.{name}"] = obj
    return out


def test_no_compiled_kernel_takes_more_than_twelve_parameters():
    found = kernels()
    assert len(found) > 40  # the mechanisms' kernels and their inlined formulas
    counts = {name: len(inspect.signature(k.py_func).parameters) for name, k in found.items()}
    too_long = {name: n for name, n in counts.items() if n > MAX_PARAMETERS}
    assert not too_long, too_long


def test_kernel_constants_keep_the_parameters_names():
    """Every section's kernel tuple has its parameters' names, in order, and their values
    (text choices as their index)."""
    import vicinity_sim.processes  # noqa: F401  (declares the sections' tuples)
    from vicinity_sim.params import _CONSTS
    from vicinity_sim.processes.contacts import BOUNDED_CONFIDENCE, ContactsParams

    assert len(_CONSTS) >= 12
    for params, kind in _CONSTS.items():
        assert kind._fields == tuple(params.model_fields), params.__name__
        assert kind.__name__ == params.__name__.removesuffix("Params") + "Consts"
    c = ContactsParams(mode="bounded_confidence", confidence_bound=0.3).consts()
    assert c.mode == BOUNDED_CONFIDENCE and c.confidence_bound == 0.3


# -- calling kernels without typing their arguments each time (vicinity_sim.dispatch) --------

_Pair = collections.namedtuple("_Pair", ["a", "b"])


@njit(cache=True)
def _weighted_sum(pair, scale):
    return (pair.a * scale).sum() + pair.b.sum()


def test_kernel_call_reuses_the_compiled_version_while_types_hold():
    from vicinity_sim.dispatch import KernelCall

    pair = _Pair(np.arange(4.0), np.ones(3))
    call = KernelCall(_weighted_sum)
    assert call(pair, 2.0) == _weighted_sum(pair, 2.0) == 15.0
    assert call._entry is not None  # remembered: the same tuple is not typed again
    pair.a[:] = 1.0  # the same arrays with new values: the same compiled version, new result
    assert call(pair, 2.0) == 11.0
    assert call._misses == 1  # the first call only


def test_kernel_call_falls_back_to_numba_when_a_type_changes():
    """A new dtype, an int for a float, or another tuple of other types goes through numba's
    own dispatch (compiling a new version), and the result is the kernel's."""
    from vicinity_sim.dispatch import KernelCall

    call = KernelCall(_weighted_sum)
    floats = _Pair(np.arange(4.0), np.ones(3))
    call(floats, 2.0)
    ints = _Pair(np.arange(4), np.ones(3, dtype=np.int64))
    assert call(ints, 2) == _weighted_sum(ints, 2) == 15
    assert call(floats, 0.5) == 6.0
    readonly = np.arange(4.0)
    readonly.flags.writeable = False
    assert call(_Pair(readonly, np.ones(3)), 1.0) == 9.0


def test_kernel_call_stops_remembering_where_arguments_keep_changing():
    from vicinity_sim.dispatch import MISSES_BEFORE_GIVING_UP, KernelCall

    call = KernelCall(_weighted_sum)
    for k in range(MISSES_BEFORE_GIVING_UP + 3):
        dtype = (np.float64, np.int64)[k % 2]  # a type change on every call
        pair = _Pair(np.arange(4, dtype=dtype), np.ones(3))
        assert call(pair, 1) == _weighted_sum(pair, 1)
    assert call._entry is None


def test_kernel_call_treats_views_like_the_arrays_they_type_as():
    """Owning its data or not does not change an array's numba type: no new typing."""
    from vicinity_sim.dispatch import KernelCall

    call = KernelCall(_weighted_sum)
    base = np.arange(8.0)
    assert call(_Pair(base[:4].copy(), np.ones(3)), 1.0) == 9.0
    assert call(_Pair(base[4:], np.ones(3)), 1.0) == 25.0  # a view, contiguous as before
    assert call._misses == 1


@njit(cache=True)
def _list_sum(values):
    total = 0.0
    for v in values:
        total += v
    return total


@pytest.mark.filterwarnings("ignore::numba.NumbaPendingDeprecationWarning")  # reflected lists
def test_kernel_call_leaves_containers_whose_type_it_cannot_see_to_numba():
    """A list's numba type depends on its elements, not its Python type: never reused."""
    from vicinity_sim.dispatch import KernelCall

    call = KernelCall(_list_sum)
    assert call([1.0, 2.0]) == 3.0
    assert call([1, 2, 4]) == 7.0  # a list of ints: numba's own dispatch, a new version
    assert call._misses == 2


_Outer = collections.namedtuple("_Outer", ["pair", "extra"])


@njit(cache=True)
def _outer_sum(outer, scale):
    return (outer.pair.a * scale).sum() + outer.pair.b.sum() + outer.extra.a.sum()


def test_kernel_call_types_what_changed_in_a_rebuilt_bundle_of_bundles():
    """A bundle of bundles rebuilt around one new bundle: the same types reuse the compiled
    version; other types inside the new bundle go through numba's own dispatch."""
    from vicinity_sim.dispatch import KernelCall

    call = KernelCall(_outer_sum)
    extra = _Pair(np.ones(2), np.ones(2))
    assert call(_Outer(_Pair(np.arange(4.0), np.ones(3)), extra), 1.0) == 11.0
    assert call(_Outer(_Pair(np.ones(4), np.ones(3)), extra), 1.0) == 9.0
    assert call._misses == 1
    ints = _Outer(_Pair(np.arange(4), np.ones(3, dtype=np.int64)), extra)
    assert call(ints, 1.0) == _outer_sum(ints, 1.0) == 11.0
    assert call._misses == 2
