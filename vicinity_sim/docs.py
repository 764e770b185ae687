"""Generated documentation: the parameter tables of ``docs/parameters.md``.

Every parameter is declared once, with unit, range and source (:func:`vicinity_sim.params.param`);
this module renders those declarations as Markdown. ``vicinity-sim params`` prints the tables;
a test keeps ``docs/parameters.md`` in step with them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vicinity_sim.experiment.priors import prior_of
from vicinity_sim.interventions import CATALOGUE
from vicinity_sim.interventions.waves import RolloutWaves, Wave
from vicinity_sim.processes import registered
from vicinity_sim.processes.sections import SECTIONS
from vicinity_sim.scenario.city import CityParams
from vicinity_sim.scenario.schema import RunParams
from vicinity_sim.world.economy import EconomyParams
from vicinity_sim.world.facilities import FacilitiesParams
from vicinity_sim.world.footprint_params import FootprintParams
from vicinity_sim.world.institutions import InstitutionsParams
from vicinity_sim.world.plan import PlanParams
from vicinity_sim.world.population import (
    LocalGroupParams,
    MigrantGroupParams,
    PopulationParams,
    TaiwanGroupParams,
)

BEGIN = "<!-- BEGIN GENERATED PARAMETER TABLES (vicinity-sim params) -->"
END = "<!-- END GENERATED PARAMETER TABLES -->"
_FALLBACK = {"targeting": "Which units come first (see the targeting rules above)."}


def _bounds(prop: dict[str, Any]) -> str:
    for alt in prop.get("anyOf", []):
        if alt.get("type") != "null":
            prop = {**alt, **{k: v for k, v in prop.items() if k != "anyOf"}}
    if prop.get("type") == "array" and "items" in prop:
        inner = _bounds(prop["items"])
        return f"each {inner}" if inner else ""
    if "enum" in prop:
        return " \\| ".join(str(v) for v in prop["enum"])
    if prop.get("type") == "boolean":
        return "true \\| false"
    lo = prop.get("minimum", prop.get("exclusiveMinimum"))
    hi = prop.get("maximum", prop.get("exclusiveMaximum"))
    if lo is None and hi is None:
        return ""
    left = "(" if "exclusiveMinimum" in prop else "["
    right = ")" if "exclusiveMaximum" in prop else "]"
    low = _num(lo) if lo is not None else "−∞"
    high = _num(hi) if hi is not None else "∞"
    return f"{left}{low}, {high}{right}"


def _num(v: Any) -> str:
    if isinstance(v, float) and (abs(v) >= 1e5 or (v != 0 and abs(v) < 1e-3)):
        return f"{v:g}"
    if isinstance(v, int) and abs(v) >= 10**7:
        return f"{v:.3g}"
    return str(v)


def _default(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_num(x) for x in v) + "]"
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    return _num(v)


def table(model: type[BaseModel], prefix: str) -> str:
    """Markdown table of a model's scalar parameters, with their priors
    (:func:`vicinity_sim.experiment.priors.prior_of`)."""
    schema = model.model_json_schema()
    props = schema.get("properties", {})
    rows = ["| key | unit | default | range | prior | meaning | source |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    policy = model in CATALOGUE.values()
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        prop = props.get(name, {})
        if "unit" not in extra:
            if name != "targeting":
                continue  # nested sections, names and lists of villages or interventions
            extra = {"unit": "-", "source": "-"}
        prior = prior_of(field, policy=policy).describe() if name != "targeting" else "-"
        cells = [
            f"`{prefix}{name}`",
            str(extra["unit"]),
            _default(field.get_default(call_default_factory=True)),
            _bounds(prop),
            prior,
            (field.description or _FALLBACK.get(name, "")).replace("|", "\\|"),
            str(extra["source"]).replace("|", "\\|"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def sections() -> list[tuple[str, type[BaseModel], str]]:
    """(title, model, key prefix) of every parameter section."""
    out: list[tuple[str, type[BaseModel], str]] = [
        ("Run `[run]`", RunParams, "run."),
        ("Village plan `[villages.plan]`", PlanParams, "plan."),
        ("Footprint villages `[villages.plan.footprints]`", FootprintParams, "footprints."),
        ("Population `[villages.population]`", PopulationParams, "population."),
        ("Local villagers `[villages.population.local]`", LocalGroupParams, "local."),
        ("Migrant tenants `[villages.population.migrant]`", MigrantGroupParams, "migrant."),
        ("Taiwan compatriots `[villages.population.taiwan]`", TaiwanGroupParams, "taiwan."),
        ("Institutions at the start `[villages.institutions]`", InstitutionsParams,
         "institutions."),
        ("Economy at the start `[villages.economy]`", EconomyParams, "economy."),
        ("Facilities at the start `[villages.facilities]`", FacilitiesParams, "facilities."),
    ]  # fmt: skip
    for name, params in SECTIONS.items():
        title = (params.__doc__ or name).strip().splitlines()[0].rstrip(".")
        out.append((f"{title} `[{name}]`", params, f"{name}."))
    for proc in registered():
        if proc.Params is not None:
            title = (proc.Params.__doc__ or proc.name).strip().splitlines()[0].rstrip(".")
            out.append((f"{title} `[{proc.name}]`", proc.Params, f"{proc.name}."))
    out.append(("Staggered rollout `[rollout]`", RolloutWaves, "rollout."))
    out.append(("A wave of the rollout `[[rollout.waves]]`", Wave, "rollout.waves[*]."))
    out.append(("The city's housing market `[city]`", CityParams, "city."))
    for kind, cls in CATALOGUE.items():
        out.append((f'Intervention `kind = "{kind}"`', cls, ""))
    return out


def parameter_tables() -> str:
    """All parameter tables as one Markdown block (between the generated-section markers)."""
    parts = [BEGIN, ""]
    for title, model, prefix in sections():
        parts += [f"### {title}", "", table(model, prefix)]
    parts.append(END)
    return "\n".join(parts) + "\n"
