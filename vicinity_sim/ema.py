"""EMA Workbench models of a scenario (the ``ema`` extra: ``pip install -e '.[ema]'``).

:func:`build_model` returns an :class:`ema_workbench.Model` whose

* **uncertainties** are mechanism parameters, described by their declarations (unit, default,
  declared range, source; :func:`parameter_declaration`);
* **levers** are the interventions of the catalogue: for each intervention of the scenario
  and each kind it does not use, its share in [0, 1] (coverage, or the share of the planned
  units for kinds that build sites; 0 switches it off), as the dashboard's sliders set it
  (:mod:`vicinity_sim.dashboard.controls`);
* **outcomes** are the names of the outcome contract, to be maximised or minimised where
  the better direction is known.

Example::

    from ema_workbench import perform_experiments
    from vicinity_sim.ema import build_model

    model = build_model("scenarios/tiny.toml", days=180,
                        uncertainties=["fire.growth_sigma", "contacts.quality_stranger"],
                        levers=["micro_fire_stations", "smoke_sensors"])
    experiments, outcomes = perform_experiments(model, scenarios=20, policies=4)

**Ranges.** The declared ranges of parameters are validity bounds (an ignition rate may lie in
[0, 1] per household-year), far wider than what is plausible. Unless a range is given, an
uncertainty varies within a factor of ``spread`` (default 2) around its default value, cut to
the declared range: an assumption that every parameter is known to within a factor of two.

**Seeds.** Every experiment runs with the same seed (``seed``): experiments differ only
through their parameters and levers (common random numbers), and a replication is another
seed (``replication``). Runs are independent, so EMA's multiprocessing evaluator can run them.
"""

from __future__ import annotations

import math
import re
import typing
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vicinity_sim.errors import InputError
from vicinity_sim.outcomes import CONTRACT, HIGHER_IS_BETTER, LOWER_IS_BETTER


def _ema() -> Any:
    """The ema_workbench module, or a readable error without it."""
    try:
        with warnings.catch_warnings():
            # EMA announces optional back ends it does not find (ipyparallel) on import.
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise InputError("vicinity_sim.ema", "-", "needs EMA Workbench: pip install -e "
                         "'.[ema]' (or pip install ema_workbench)") from None  # fmt: skip
    return ema_workbench


def parameter_declaration(key: str) -> dict[str, Any]:
    """What the scenario schema declares for a parameter key (e.g. ``fire.growth_sigma``).

    Returns:
        ``key``, ``default``, ``low`` and ``high`` (the declared range, ``±inf`` if open),
        ``unit``, ``source``, ``doc`` and ``type``.

    Raises:
        InputError: If the key names no parameter.
    """
    import annotated_types as at

    from vicinity_sim.scenario.loader import _model_of, _parse_key
    from vicinity_sim.scenario.schema import Scenario

    model: Any = Scenario
    field = None
    for part in _parse_key(key, "uncertainties"):
        if isinstance(part, int) or model is None:
            continue  # an index into villages[...] or interventions[...]
        if part not in model.model_fields:
            raise InputError("uncertainties", key, "no such parameter")
        field = model.model_fields[part]
        model = _model_of(field.annotation)
    if field is None or model is not None:
        raise InputError("uncertainties", key, "is a section, not a parameter")
    low, high = -math.inf, math.inf
    for m in field.metadata:
        if isinstance(m, (at.Ge, at.Gt)):
            low = float(getattr(m, "ge", getattr(m, "gt", low)))
        if isinstance(m, (at.Le, at.Lt)):
            high = float(getattr(m, "le", getattr(m, "lt", high)))
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    kind = field.annotation if isinstance(field.annotation, type) else typing.get_args(
        field.annotation)[0]  # fmt: skip
    return {"key": key, "default": field.default, "low": low, "high": high,
            "unit": extra.get("unit", ""), "source": extra.get("source", ""),
            "doc": field.description or "", "type": kind}  # fmt: skip


def assumed_parameters() -> list[str]:
    """Keys of every numeric mechanism parameter whose source is an assumption: the default
    uncertainties."""
    from vicinity_sim.processes import registered

    keys = []
    for cls in registered():
        if cls.Params is None:
            continue
        for name, f in cls.Params.model_fields.items():
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            source = str(extra.get("source", ""))
            if f.annotation in (float, int) and source.startswith("assumption"):
                keys.append(f"{cls.name}.{name}")
    return keys


def ema_name(key: str) -> str:
    """A Python identifier for a scenario key or intervention name (EMA's naming rule)."""
    name = re.sub(r"\W+", "_", key).strip("_")
    return name if name.isidentifier() else f"p_{name}"


def uncertainty_range(decl: Mapping[str, Any], spread: float) -> tuple[float, float]:
    """The default's factor-``spread`` band, within the declared range."""
    d = float(decl["default"])
    if d > 0:
        lo, hi = d / spread, d * spread
    elif d < 0:
        lo, hi = d * spread, d / spread
    else:
        lo, hi = 0.0, min(1.0, decl["high"])
    lo, hi = max(lo, decl["low"]), min(hi, decl["high"])
    if not lo < hi:
        raise InputError("uncertainties", decl["key"], "give a range: the declared one leaves "
                         f"no room around the default ({decl['default']})")  # fmt: skip
    return lo, hi


def build_model(
    scenario: str | Path,
    *,
    uncertainties: Iterable[str] | Mapping[str, tuple[float, float]] | None = None,
    levers: Iterable[str] | None = None,
    outcomes: Iterable[str] | None = None,
    days: int | None = None,
    seed: int = 0,
    replication: int = 0,
    overrides: Iterable[str] = (),
    spread: float = 2.0,
    name: str = "vicinity",
) -> Any:
    """An EMA Workbench model of a scenario file.

    Args:
        scenario: Scenario file.
        uncertainties: Parameter keys (ranges from their declarations, see the module
            docstring) or key → (low, high); default: every numeric mechanism parameter whose
            source is an assumption (:func:`assumed_parameters`).
        levers: Names of interventions (of the scenario, or catalogue kinds) to use as levers;
            default: all of them.
        outcomes: Outcome names; default: the outcome contract.
        days: Simulated days (default: the scenario's).
        seed: Seed of every experiment (common random numbers).
        replication: Replication index.
        overrides: ``KEY=VALUE`` overrides applied to every experiment before its parameters.
        spread: Factor around the default value that uncertainties without a range vary by.
        name: Model name (letters and digits).

    Returns:
        An :class:`ema_workbench.Model`.

    Raises:
        InputError: For a missing file, an unknown parameter, intervention or outcome.
    """
    ema = _ema()
    from vicinity_sim.dashboard.controls import intervention_controls, load_base
    from vicinity_sim.outcomes import describe

    path = Path(scenario).resolve()
    base = load_base(path)
    model = ema.Model(name, function=evaluate)
    if uncertainties is None:
        uncertainties = assumed_parameters()
    ranges = dict(uncertainties) if isinstance(uncertainties, Mapping) else {
        k: None for k in uncertainties}  # fmt: skip
    params = []
    for key, given in ranges.items():
        decl = parameter_declaration(key)
        lo, hi = given if given is not None else uncertainty_range(decl, spread)
        cls = ema.IntegerParameter if decl["type"] is int else ema.RealParameter
        bounds = (math.ceil(lo), math.floor(hi)) if cls is ema.IntegerParameter else (lo, hi)
        params.append(cls(ema_name(key), *bounds, variable_name=key))
    model.uncertainties = params

    controls = {c.name: c for c in intervention_controls(base)}
    chosen = list(controls) if levers is None else list(levers)
    for lever in chosen:
        if lever not in controls:
            raise InputError("levers", lever, f"no intervention '{lever}' in the scenario or "
                             "the catalogue")  # fmt: skip
    model.levers = [ema.RealParameter(ema_name(f"lever_{n}"), 0.0, 1.0,
                                      variable_name=f"lever:{n}") for n in chosen]  # fmt: skip

    names = list(CONTRACT) if outcomes is None else list(outcomes)
    known = describe()
    for o in names:
        if o not in known:
            raise InputError("outcomes", o, "unknown outcome")
    so = ema.ScalarOutcome
    model.outcomes = [
        so(o, kind=so.MAXIMIZE if o in HIGHER_IS_BETTER
           else so.MINIMIZE if o in LOWER_IS_BETTER else so.INFO)
        for o in names
    ]  # fmt: skip
    model.constants = [
        ema.Constant("scenario", str(path)),
        ema.Constant("days", days),
        ema.Constant("seed", seed),
        ema.Constant("replication", replication),
        ema.Constant("overrides", list(overrides)),
        ema.Constant("outcomes", names),
    ]
    return model


def evaluate(
    scenario: str, days: int | None, seed: int, replication: int, overrides: list[str],
    outcomes: list[str], **values: Any,
) -> dict[str, float]:  # fmt: skip
    """One EMA experiment: the scenario with the parameters and levers set, run to its end.

    Args:
        scenario: Scenario file.
        days: Simulated days (``None``: the scenario's).
        seed, replication: Random streams of the run.
        overrides: ``KEY=VALUE`` overrides applied first.
        outcomes: Outcomes to return.
        **values: Parameter keys with values, and ``lever:<intervention>`` with shares.

    Returns:
        Outcome → value (NaN where undefined).
    """
    from vicinity_sim.dashboard.controls import overlay
    from vicinity_sim.interop import override_items
    from vicinity_sim.runs import simulate
    from vicinity_sim.scenario.loader import (
        _Provenance,
        _validate,
        apply_override,
        load_scenario,
        resolve_variant,
    )

    settings: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    for k, v in values.items():
        if k.startswith("lever:"):
            name = k.split(":", 1)[1]
            settings[f"on:{name}"] = float(v) > 0
            settings[f"share:{name}"] = min(max(float(v), 0.0), 1.0)
        else:
            keys[k] = v
    items = [*overrides, *([f"run.days={days}"] if days is not None else []),
             *override_items(keys)]  # fmt: skip
    base = load_scenario(scenario)
    variant = resolve_variant(scenario, overlay(base, settings), "EMA levers")
    # All values set, then one validation: an experiment sets many parameters at once.
    prov = _Provenance(scenario)
    resolved = variant.model_dump(mode="python")
    for item in items:
        apply_override(resolved, item, prov, f"EMA experiment: {item}")
    result = simulate(_validate(resolved, prov), seed=seed, replication=replication)
    return {o: float(result.summary.get(o, math.nan)) for o in outcomes}
