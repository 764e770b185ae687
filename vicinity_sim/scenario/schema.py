"""The scenario schema: run settings, villages, mechanism parameters, interventions.

The schema is assembled from the parameter declarations of the parts it describes: villages
take :class:`~vicinity_sim.world.plan.PlanParams` and
:class:`~vicinity_sim.world.population.PopulationParams`; every shared section
(:mod:`vicinity_sim.processes.sections`: ``[trust]``, ``[ties]``, ...) and every registered
process with parameters adds a top-level section named after it (``[fire]``, ``[flood]``, ...);
``[[interventions]]`` entries are validated by the catalogue entry their ``kind`` names.

:func:`scenario_model` returns the schema for the processes registered now: a process
registered after import (a plug-in) gets its section as soon as it is registered. ``Scenario``
names the current schema too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import Field, PrivateAttr, create_model, field_validator

from vicinity_sim.interventions import AnyIntervention
from vicinity_sim.interventions.waves import RolloutWaves
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes import registered
from vicinity_sim.processes.base import registry_version
from vicinity_sim.processes.sections import SECTIONS, sections_version
from vicinity_sim.scenario.city import CityParams
from vicinity_sim.world.codes import GROUPS
from vicinity_sim.world.economy import EconomyParams
from vicinity_sim.world.facilities import FacilitiesParams
from vicinity_sim.world.footprint_params import hash_view
from vicinity_sim.world.institutions import InstitutionsParams
from vicinity_sim.world.plan import PlanParams
from vicinity_sim.world.population import PopulationParams


class RunParams(ParamModel):
    """Length, seed and calendar of a run."""

    days: int = param(
        1095, unit="days", ge=1, le=36_500,
        doc="Simulated days (three years by default, the program's horizon).",
        source="seed (三年行动方案 2023–2025)",
    )  # fmt: skip
    seed: int = param(
        0, unit="-", ge=0, le=2**63 - 1, doc="Seed of all random streams.", source="-",
    )  # fmt: skip
    replication: int = param(
        0, unit="-", ge=0, le=2**31 - 1,
        doc="Replication index (experiments vary it; part of every stream key).", source="-",
    )  # fmt: skip
    world_seed: int | None = param(
        None, unit="-", ge=0, le=2**63 - 1,
        doc="Seed of the synthetic villages, if they should not vary with seed/replication.",
        source="-",
    )  # fmt: skip
    disabled_processes: list[str] = Field(
        default_factory=list,
        description="Mechanisms not to run (e.g. ['contacts'] for a hazard-only run); names "
        "as in the schedule.",
    )
    start_date: dt.date = param(
        dt.date(2023, 4, 1), unit="date",
        doc="Calendar date of day 0 (sets months for the rain season).",
        source="seed (action plan issued April 2023)",
    )  # fmt: skip


class VillageSpec(ParamModel):
    """One village: a name, a physical plan, a population, its starting institutions and
    economy."""

    name: str = Field("weili", min_length=1, description="Unique name of the village.")
    plan: PlanParams = Field(default_factory=PlanParams)
    population: PopulationParams = Field(default_factory=PopulationParams)
    institutions: InstitutionsParams = Field(default_factory=InstitutionsParams)
    economy: EconomyParams = Field(default_factory=EconomyParams)
    facilities: FacilitiesParams = Field(default_factory=FacilitiesParams)

    @field_validator("plan")
    @classmethod
    def _plan_consistent(cls, p: PlanParams) -> PlanParams:
        if p.rooms_max < p.rooms_min:
            raise ValueError(f"rooms_max ({p.rooms_max}) is below rooms_min ({p.rooms_min})")
        return p

    @field_validator("population")
    @classmethod
    def _population_consistent(cls, p: PopulationParams) -> PopulationParams:
        if p.share_local + p.share_taiwan > 1.0:
            raise ValueError(
                f"share_local + share_taiwan is {p.share_local + p.share_taiwan:g}, above 1"
            )
        if p.gridworkers_per_grid_max < p.gridworkers_per_grid_min:
            raise ValueError(
                f"gridworkers_per_grid_max ({p.gridworkers_per_grid_max}) is below "
                f"gridworkers_per_grid_min ({p.gridworkers_per_grid_min})"
            )
        for g in GROUPS:
            gp = getattr(p, g)
            if gp.share_child + gp.share_elderly > 1.0:
                raise ValueError(f"{g}: share_child + share_elderly is above 1")
            jobs = gp.share_industry + gp.share_construction + gp.share_services
            if jobs > 1.0:
                raise ValueError(
                    f"{g}: share_industry + share_construction + share_services is {jobs:g}, "
                    "above 1"
                )
        return p


class ScenarioBase(ParamModel):
    """What every scenario has, before mechanism sections are added."""

    name: str = Field("", description="Short name of the scenario.")
    description: str = Field("", description="What the scenario represents.")
    run: RunParams = Field(default_factory=RunParams)
    villages: list[VillageSpec] = Field(
        default_factory=lambda: [VillageSpec()], min_length=1,
        description="The villages simulated (one Weili-like village by default).",
    )  # fmt: skip
    interventions: list[AnyIntervention] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Interventions and their rollout."
    )
    rollout: RolloutWaves = Field(
        default_factory=RolloutWaves,
        description="Staggered adoption: the waves in which villages join the program.",
    )
    city: CityParams = Field(
        default_factory=CityParams,
        description="The city's housing market coupling the villages of a city run.",
    )

    _source: str = PrivateAttr("scenario")

    @property
    def source(self) -> str:
        """Where the scenario came from (file path), for messages."""
        return self._source

    def content_hash(self) -> str:
        """SHA-256 of the resolved scenario without its seed (same for all replications)."""
        data = self.model_dump(mode="json")
        data["villages"] = [hash_view(v) for v in data["villages"]]
        data["run"].pop("seed", None)
        data["run"].pop("replication", None)
        if data.get("city") == CityParams().model_dump(mode="json"):
            data.pop("city")  # no market: hashed as before the section existed
        blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


def _build_scenario_model() -> type[ScenarioBase]:
    sections: dict[str, Any] = {}
    owners = [(name, params, params) for name, params in SECTIONS.items()]
    owners += [(proc.name, proc.Params, proc) for proc in registered() if proc.Params is not None]
    for name, params, owner in owners:
        if name in sections or name in ScenarioBase.model_fields:
            raise ValueError(f"two parameter sections are named {name!r}")
        doc = (params.__doc__ or owner.__doc__ or "").strip().splitlines()[0]
        sections[name] = (params, Field(default_factory=params, description=doc))
    return create_model("Scenario", __base__=ScenarioBase, __module__=__name__, **sections)


_MODEL: tuple[tuple[int, int], type[ScenarioBase]] | None = None


def scenario_model() -> type[ScenarioBase]:
    """The scenario model for the processes and shared sections registered now: one section
    per shared section and per process with parameters (rebuilt when a process or section is
    registered or removed)."""
    global _MODEL
    version = (registry_version(), sections_version())
    if _MODEL is None or _MODEL[0] != version:
        _MODEL = (version, _build_scenario_model())
    return _MODEL[1]


def __getattr__(name: str) -> Any:
    if name == "Scenario":  # always the current schema
        return scenario_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files (for editor completion and validation)."""
    schema = scenario_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "vicinity_sim scenario"
    schema["properties"]["extends"] = {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
        ],
        "description": "Path of a scenario this one inherits from, or a list of them merged "
        "left to right (deep merge; relative to this file).",
    }
    return schema
