"""Compiled kernels take bundles, not long argument lists."""

import importlib
import inspect
import pkgutil

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
