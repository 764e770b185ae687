"""vicinity_sim: agent-based simulation of urban-village governance (近邻党建, Xiamen).

Public entry points:

* :func:`load_scenario` — read and validate a scenario file;
* :class:`VicinityModel` — the Mesa model (one step per day);
* :func:`simulate` — run a scenario to its end and get columns, events and summary.
"""

from typing import Any

from vicinity_sim.errors import InputError
from vicinity_sim.model import VicinityModel
from vicinity_sim.runs import RunResult, simulate, write_outputs
from vicinity_sim.scenario import load_scenario, scenario_from_dict, scenario_model

__all__ = [
    "InputError",
    "RunResult",
    "Scenario",
    "VicinityModel",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
    "write_outputs",
]


def __getattr__(name: str) -> Any:
    if name == "Scenario":  # the current schema (processes may be registered after import)
        return scenario_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
