"""Scenario files: schema, loading (TOML with ``extends``), overrides and validation."""

from vicinity_sim.scenario.loader import load_scenario, scenario_from_dict
from vicinity_sim.scenario.schema import RunParams, Scenario, VillageSpec, json_schema

__all__ = [
    "RunParams",
    "Scenario",
    "VillageSpec",
    "json_schema",
    "load_scenario",
    "scenario_from_dict",
]
