"""vicinity_sim: agent-based simulation of urban-village governance (近邻党建, Xiamen).

Public entry points:

* :func:`load_scenario` — read and validate a scenario file;
* :class:`VicinityModel` — the Mesa model (one step per day);
* :func:`simulate` — run a scenario to its end and get columns, events and summary.

They are imported on first use, so that ``import vicinity_sim`` (and ``vicinity-sim --help``)
does not pay for Mesa, numba and the compiled kernels until a model is needed.
"""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from vicinity_sim.errors import InputError

try:
    __version__: str = metadata.version("vicinity_sim")
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

#: Public name → module that defines it (imported when the name is first used).
_LAZY = {
    "VicinityModel": "vicinity_sim.model",
    "RunResult": "vicinity_sim.runs",
    "simulate": "vicinity_sim.runs",
    "write_outputs": "vicinity_sim.runs",
    "Scenario": "vicinity_sim.scenario",
    "load_scenario": "vicinity_sim.scenario",
    "scenario_from_dict": "vicinity_sim.scenario",
    "scenario_model": "vicinity_sim.scenario",
}

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel
    from vicinity_sim.runs import RunResult, simulate, write_outputs
    from vicinity_sim.scenario import Scenario, load_scenario, scenario_from_dict, scenario_model


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        if name != "Scenario":  # the current schema: processes may be registered after import
            globals()[name] = value
        return value
    raise AttributeError(f"module 'vicinity_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "InputError",
    "RunResult",
    "Scenario",
    "VicinityModel",
    "__version__",
    "load_scenario",
    "scenario_from_dict",
    "scenario_model",
    "simulate",
    "write_outputs",
]
