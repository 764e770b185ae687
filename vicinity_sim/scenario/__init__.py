"""Scenario files: schema, loading (TOML with ``extends``), overrides and validation."""

from typing import Any

from vicinity_sim.scenario.loader import load_scenario, scenario_from_dict, with_seed
from vicinity_sim.scenario.schema import RunParams, VillageSpec, json_schema, scenario_model

__all__ = [
    "RunParams",
    "Scenario",
    "VillageSpec",
    "json_schema",
    "load_scenario",
    "scenario_from_dict",
    "scenario_model",
    "with_seed",
]


def __getattr__(name: str) -> Any:
    if name == "Scenario":  # the current schema (processes may be registered after import)
        return scenario_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
