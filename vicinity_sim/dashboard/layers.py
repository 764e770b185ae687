"""What the village plan can be coloured by: one value per building, read from the model's state.

Each layer is a function of the model returning one value per building of the whole world
(the plan selects a village's rows). Layers read the state the mechanisms keep; they compute
nothing the model does not already know, apart from averaging residents over their building.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from vicinity_sim.processes.fire import ignition_rates

#: Categories of the fire layer.
FIRE_NONE, FIRE_EARLIER, FIRE_RECENT, FIRE_TODAY = 0, 1, 2, 3
#: Days a fire counts as recent on the fire layer.
RECENT_FIRE_DAYS = 30
#: Categories of the flood layer.
FLOOD_NONE, FLOOD_FIXED, FLOOD_EXPOSED, FLOOD_RAIN = 0, 1, 2, 3


@dataclass(frozen=True)
class Layer:
    """A way to colour the plan.

    Attributes:
        label: Shown in the layer menu and on the colour bar.
        values: Model → one value per building (NaN: nothing to show, e.g. an empty building).
        cmap: Matplotlib colour map.
        categories: For categorical layers, the label of each integer value in order.
        vmin, vmax: Fixed colour range (None: the village's range).
    """

    label: str
    values: Callable[[Any], np.ndarray]
    cmap: str
    categories: tuple[str, ...] = ()
    vmin: float | None = None
    vmax: float | None = None


def fire_risk(model: Any) -> np.ndarray:
    """Expected fires per building per year at today's risk factors (the fire mechanism's
    own ignition rates: households, old wiring, 三合一 premises, indoor e-bike charging)."""
    w = model.world
    try:
        fire = model.process("fire")
    except KeyError:  # the scenario switched the fire mechanism off
        return np.full(len(w.buildings), np.nan)
    rates = ignition_rates(w.residents.arrays(), w.buildings.arrays(), w.residence(), fire.consts)
    return rates.sum(axis=1)


def fires(model: Any) -> np.ndarray:
    """Burned today, in the last days, earlier in the run, or never (categories)."""
    b = model.world.buildings
    out = np.full(len(b), FIRE_NONE, dtype=np.float64)
    since = (model.day - 1) - b.last_fire_day  # days since the building burned
    out[b.damage > 0] = FIRE_EARLIER
    out[(since >= 0) & (since < RECENT_FIRE_DAYS)] = FIRE_RECENT
    out[model.world.fires_today.building] = FIRE_TODAY
    return out


def resident_mean(model: Any, values: np.ndarray) -> np.ndarray:
    """Mean of a per-resident value over each building's residents (NaN if empty)."""
    w = model.world
    n = len(w.buildings)
    building = w.residents.building
    total = np.bincount(building, weights=values, minlength=n)
    count = np.bincount(building, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def institutional_trust(model: Any) -> np.ndarray:
    """Mean institutional trust of each building's residents."""
    return resident_mean(model, model.world.residents.trust_inst)


def rent(model: Any) -> np.ndarray:
    """Rent asked per unit (CNY/month)."""
    return model.world.buildings.rent.astype(np.float64)


def flood_exposure(model: Any) -> np.ndarray:
    """Buildings at a waterlogging point (flooding in today's heavy rain, exposed, drainage
    fixed) or at none (categories)."""
    w = model.world
    b = w.buildings
    out = np.full(len(b), FLOOD_NONE, dtype=np.float64)
    at = b.flood_point >= 0
    point = b.flood_point[at]
    out[at] = np.where(w.flood_points.fixed[point], FLOOD_FIXED, FLOOD_EXPOSED)
    raining = w.villages.heavy_rain[b.village] & at
    out[raining & (out == FLOOD_EXPOSED)] = FLOOD_RAIN
    return out


LAYERS: dict[str, Layer] = {
    "fire risk": Layer("expected fires per year", fire_risk, "YlOrRd"),
    "fires": Layer(
        "fires",
        fires,
        "fires",
        categories=("none", "burned earlier", f"burned in {RECENT_FIRE_DAYS} days", "today"),
    ),
    "institutional trust": Layer(
        "institutional trust of residents", institutional_trust, "RdYlGn", vmin=0.0, vmax=1.0
    ),
    "rent": Layer("rent per unit, CNY/month", rent, "viridis"),
    "flood exposure": Layer(
        "flood exposure",
        flood_exposure,
        "floods",
        categories=("none", "drainage fixed", "waterlogging point", "heavy rain today"),
    ),
}
