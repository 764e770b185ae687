"""The dashboard's controls as data: which interventions it offers and what they do to a scenario.

The dashboard offers every intervention of its scenario file and every other kind of the
catalogue, each with a switch and a slider. Settings never touch a mechanism: they become an
overlay on the scenario file (the same merge an experiment arm uses), so the dashboard runs
exactly the scenario a researcher would get by writing the settings into the file.

The slider sets ``coverage`` (the share of eligible units reached) for kinds that work unit by
unit. Kinds that build a number of new sites, and entries that give a number of units
(``quantity`` or ``quantity_per_10k``), have no coverage: for them the slider scales the number
the scenario plans (1 = as planned).

This module needs neither Solara nor a browser; :mod:`vicinity_sim.dashboard.app` builds the
page from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vicinity_sim.errors import InputError
from vicinity_sim.interventions import CATALOGUE
from vicinity_sim.scenario import load_scenario, scenario_from_dict
from vicinity_sim.scenario.loader import resolve_variant

#: How the controls are named in messages about them.
SOURCE = "dashboard controls"
#: Name of the run used when the dashboard starts without a scenario file.
DEFAULT_NAME = "default village"


@dataclass(frozen=True)
class InterventionControl:
    """One intervention's switch and slider.

    Attributes:
        name: The entry's name in the scenario (a catalogue kind if the file has no entry).
        kind: Catalogue kind.
        in_scenario: Whether the scenario file has this entry.
        enabled: The switch as the scenario has it (off for kinds the file does not use).
        share: The slider as the scenario has it.
        by_quantity: The slider scales the planned number of units instead of setting coverage.
    """

    name: str
    kind: str
    in_scenario: bool
    enabled: bool
    share: float
    by_quantity: bool

    @property
    def switch_key(self) -> str:
        return f"on:{self.name}"

    @property
    def share_key(self) -> str:
        return f"share:{self.name}"

    @property
    def share_label(self) -> str:
        return f"{self.name}: {'units, share of plan' if self.by_quantity else 'coverage'}"


def load_base(source: str | Path | None) -> Any:
    """The scenario the dashboard starts from: the file, or the default village without one.

    Raises:
        InputError: If the file is missing or invalid.
    """
    if source is None:
        return scenario_from_dict({"name": DEFAULT_NAME}, SOURCE)
    return load_scenario(source)


def intervention_controls(scenario: Any) -> list[InterventionControl]:
    """Controls for a scenario: its own interventions first, then the kinds it does not use."""
    controls = []
    for spec in scenario.interventions:
        cls = CATALOGUE[spec.kind]
        by_quantity = (
            cls.builds_facilities or spec.quantity is not None or spec.quantity_per_10k is not None
        )
        share = 1.0 if by_quantity or spec.coverage is None else float(spec.coverage)
        controls.append(
            InterventionControl(spec.name, spec.kind, True, bool(spec.enabled), share, by_quantity)
        )
    used = {spec.kind for spec in scenario.interventions}
    for kind, cls in CATALOGUE.items():
        if kind not in used:
            controls.append(
                InterventionControl(kind, kind, False, False, 1.0, cls.builds_facilities)
            )
    return controls


def _setting(settings: Mapping[str, Any], key: str, default: Any) -> Any:
    return settings[key] if key in settings and settings[key] is not None else default


def _share(value: Any, name: str) -> float:
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise InputError(SOURCE, f"{name} share", f"must be a number, not {value!r}") from None
    if not 0.0 <= share <= 1.0:
        raise InputError(SOURCE, f"{name} share", f"must lie in [0, 1], not {share}")
    return share


def overlay(scenario: Any, settings: Mapping[str, Any]) -> dict:
    """Interventions of a scenario overlay that applies the controls' settings.

    Args:
        scenario: The validated scenario the controls were made for.
        settings: ``on:<name>`` → bool and ``share:<name>`` → float in [0, 1]; controls not
            given keep the scenario's value.

    Returns:
        ``{"interventions": [...]}``, entries merged into the file's by name.
    """
    by_name = {spec.name: spec for spec in scenario.interventions}
    entries = []
    for control in intervention_controls(scenario):
        on = bool(_setting(settings, control.switch_key, control.enabled))
        share = _share(_setting(settings, control.share_key, control.share), control.name)
        if not control.in_scenario and not on:
            continue
        # Only what the controls change, so untouched controls leave the file as it is.
        entry: dict[str, Any] = {"name": control.name}
        if not control.in_scenario:
            entry["kind"] = control.kind
        if on != control.enabled:
            entry["enabled"] = on
        if share != control.share:
            spec = by_name.get(control.name)
            if not control.by_quantity:
                entry["coverage"] = share
            elif spec is not None and spec.quantity_per_10k is not None:
                entry["quantity_per_10k"] = spec.quantity_per_10k * share
            elif spec is not None and spec.quantity is not None:
                entry["quantity"] = round(spec.quantity * share)
            else:
                entry["quantity"] = round(CATALOGUE[control.kind].default_quantity * share)
        if len(entry) > 1:
            entries.append(entry)
    return {"interventions": entries}


def scenario_with_controls(source: str | Path | None, settings: Mapping[str, Any]) -> Any:
    """The scenario file (read afresh) with the controls' settings applied.

    Raises:
        InputError: If the file is missing or invalid, or a setting is out of range.
    """
    base = load_base(source)
    extra = overlay(base, settings)
    if source is None:
        return scenario_from_dict({"name": DEFAULT_NAME, **extra}, SOURCE)
    return resolve_variant(source, extra, SOURCE)


def without_interventions(scenario: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with every intervention switched off: the baseline the dashboard compares
    the chosen interventions with (the same village, seed and streams)."""
    off = {c.switch_key: False for c in intervention_controls(scenario)}
    return {**settings, **off}


def active_interventions(scenario: Any, settings: Mapping[str, Any]) -> list[str]:
    """Names of the interventions the settings leave switched on."""
    return [c.name for c in intervention_controls(scenario)
            if bool(_setting(settings, c.switch_key, c.enabled))]  # fmt: skip


def parse_seed(value: Any) -> int:
    """The seed typed into the dashboard, as an integer.

    Raises:
        InputError: If it is not a whole number from 0 to 2**63 - 1.
    """
    try:
        seed = int(str(value).strip())
    except ValueError:
        raise InputError(SOURCE, "seed", f"must be a whole number, not {value!r}") from None
    if not 0 <= seed < 2**63:
        raise InputError(SOURCE, "seed", f"must lie between 0 and 2**63 - 1, not {seed}")
    return seed
