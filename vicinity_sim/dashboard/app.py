"""The dashboard page: Mesa's SolaraViz around the village plan, the outcome series and a status.

Run it with ``vicinity-sim dashboard [SCENARIO]``, which serves this module with solara. The
scenario file comes in through the environment variable :data:`SOURCE_ENV`. The sidebar holds
SolaraViz's own controls (Reset, play and pause, Step, the play and render intervals) and the
model parameters: the seed and a switch and slider per intervention, which take effect on Reset.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from vicinity_sim.dashboard.controls import intervention_controls, load_base
from vicinity_sim.dashboard.figures import DEFAULT_SERIES, plan_figure, series_figure
from vicinity_sim.dashboard.layers import LAYERS
from vicinity_sim.dashboard.model import DashboardModel
from vicinity_sim.dashboard.server import SOURCE_ENV
from vicinity_sim.errors import InputError
from vicinity_sim.outcomes import CONTRACT

#: Residents above which the page redraws once a week of simulated time, not every day.
LARGE_VILLAGE = 10_000


def model_params(source: str | None) -> dict[str, Any]:
    """SolaraViz model parameters: the fixed file, the seed and the intervention controls.

    If the file cannot be read, the controls offer the catalogue's kinds (all off) and the
    page shows the problem until the file is fixed and the model reset.
    """
    try:
        base = load_base(source)
    except InputError:
        base = load_base(None)
        seed = 0
    else:
        seed = base.run.seed
    params: dict[str, Any] = {
        "source": source,
        "seed": {"type": "InputText", "value": str(seed), "label": "seed"},
    }
    for c in intervention_controls(base):
        params[c.switch_key] = {"type": "Checkbox", "value": c.enabled, "label": c.name}
        params[c.share_key] = {
            "type": "SliderFloat", "value": c.share, "min": 0.0, "max": 1.0, "step": 0.05,
            "label": c.share_label,
        }  # fmt: skip
    return params


def initial_values(params: dict[str, Any]) -> dict[str, Any]:
    """The value of each model parameter before the user changes anything."""
    return {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}


@solara.component
def StatusView(model: DashboardModel) -> None:
    """Day counter, what runs, the interventions installed so far and today's outcomes."""
    update_counter.get()
    with solara.Card("Run"), solara.Column(gap="6px"):
        if model.error:
            solara.Error(
                f"The scenario could not be built: {model.error}. "
                "Fix the file or the setting and press Reset.",
                classes=["vicinity-error"],
            )
            return
        date = model.calendar.dates[model.day - 1] if model.day else "before the first day"
        solara.Text(f"Day {model.day} of {model.days}", classes=["vicinity-day"],
                    style={"font-size": "1.4em", "font-weight": "bold"})  # fmt: skip
        n_res = len(model.world.residents)
        solara.Text(
            f"{model.title}: {model.world.n_villages} village(s), "
            f"{len(model.world.buildings):,} buildings, {n_res:,} residents, seed {model.seed}. "
            f"Last simulated date: {date}."
        )
        plans = model.process("interventions").plans if model.processes else []
        lines = [
            f"{p.spec.name}: "
            + (f"{100 * p.share:.0f}% rolled out" if p.spec.continuous
               else f"{p.done:,} of {len(p.units):,} {p.spec.unit} installed")
            for p in plans
        ]  # fmt: skip
        with solara.Column(classes=["vicinity-interventions"], gap="2px"):
            solara.Text("Interventions in force", style={"font-weight": "bold"})
            for line in lines or ["none"]:
                solara.Text(line)


@solara.component
def PlanView(model: DashboardModel) -> None:
    """The village plan coloured by a chosen layer."""
    layer = solara.use_reactive("fire risk")
    village = solara.use_reactive(0)
    update_counter.get()
    names = [] if model.error else model.world.village_names
    v = min(village.value, max(len(names) - 1, 0))
    deps = [model, model.day, layer.value, v]
    fig = solara.use_memo(lambda: None if model.error else plan_figure(model, layer.value, v), deps)
    if fig is None:
        solara.Warning("No village to draw.")
        return
    with solara.Column():
        with solara.Row():
            solara.Select("layer", value=layer, values=list(LAYERS))
            if len(names) > 1:
                solara.Select(
                    "village", value=names[v], values=names,
                    on_value=lambda name: village.set(names.index(name)),
                )  # fmt: skip
        solara.FigureMatplotlib(fig, dependencies=deps, format="png")


@solara.component
def SeriesView(model: DashboardModel) -> None:
    """Live series of the outcome-contract names against the day."""
    chosen = solara.use_reactive(list(DEFAULT_SERIES))
    update_counter.get()
    deps = [model, model.day, tuple(chosen.value)]
    fig = solara.use_memo(lambda: None if model.error else series_figure(model, chosen.value), deps)
    if fig is None:
        return
    with solara.Column():
        solara.SelectMultiple("outcomes", values=chosen, all_values=list(CONTRACT))
        solara.FigureMatplotlib(fig, dependencies=deps, format="png")


@solara.component
def Page() -> None:
    """The dashboard: one model per browser session, made from the scenario file."""
    source = os.environ.get(SOURCE_ENV) or None
    params = solara.use_memo(lambda: model_params(source), [])
    model = solara.use_memo(lambda: DashboardModel(**initial_values(params)), [])
    large = model.error is None and len(model.world.residents) > LARGE_VILLAGE
    SolaraViz(
        model,
        components=[(StatusView, 0), (PlanView, 0), (SeriesView, 0)],
        model_params=params,
        name="vicinity_sim dashboard",
        play_interval=150,
        render_interval=7 if large else 1,
    )
