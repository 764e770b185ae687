"""Base class and registry of the reference processes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.processes import registered

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel


class ReferenceProcess:
    """A mechanism of the reference model.

    ``name`` must be the name of a registered fast process; cadence, metrics and parameters
    come from it, so the two cannot drift apart in what they run and report.

    Args:
        model: The reference model.
        params: The process's parameter section, or ``None``.
    """

    name: ClassVar[str]

    def __init__(self, model: ReferenceModel, params: Any) -> None:
        self.model = model
        self.world = model.world
        self.params = params
        self.cadence: str = _fast(self.name).cadence

    def step(self, day: int, key: np.uint64) -> Mapping[str, float]:
        """Advance the mechanism by one period; return its metrics for today."""
        raise NotImplementedError


_REFERENCE: dict[str, type[ReferenceProcess]] = {}


def reference_process(cls: type[ReferenceProcess]) -> type[ReferenceProcess]:
    """Class decorator registering a reference process under its fast process's name."""
    _fast(cls.name)
    _REFERENCE[cls.name] = cls
    return cls


def reference_class(name: str) -> type[ReferenceProcess]:
    """The reference process of fast process ``name``."""
    if name not in _REFERENCE:
        raise InputError(
            "--engine", "--engine",
            f"the reference engine has no process {name!r}; switch it off with "
            "run.disabled_processes or use --engine fast",
        )  # fmt: skip
    return _REFERENCE[name]


def reference_processes() -> dict[str, type[ReferenceProcess]]:
    """All registered reference processes by name."""
    return dict(_REFERENCE)


def _fast(name: str) -> Any:
    for cls in registered():
        if cls.name == name:
            return cls
    raise ValueError(f"no fast process named {name!r}")
