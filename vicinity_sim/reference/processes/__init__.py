"""Reference processes: one module per mechanism, written over agents in plain Python.

Each class mirrors the fast process of the same ``name`` (``vicinity_sim/processes/``): the
same parameters, cadence, metrics and random draws. Importing this package imports every
module in it, and each registers its class with :func:`reference_process`.
"""

from __future__ import annotations

from vicinity_sim.reference.processes.base import (
    ReferenceProcess,
    reference_class,
    reference_process,
    reference_processes,
)

__all__ = ["ReferenceProcess", "reference_class", "reference_process", "reference_processes"]


def _import_all() -> None:
    """Import every mechanism module of this package (each registers its class)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")


_import_all()
