"""The dashboard page: Mesa's SolaraViz around the village plan, the outcome series and a status.

Run it with ``vicinity-sim dashboard [SCENARIO]``, which serves this module with solara. The
scenario file comes in through the environment variable :data:`SOURCE_ENV`. The sidebar holds
SolaraViz's own controls (Reset, play and pause, Step, the play and render intervals) and the
model parameters: the seed, whether to run the baseline beside the chosen interventions, and a
switch and slider per intervention (sliders show their values), which take effect on Reset.
The outcome series show the run with the chosen interventions beside its baseline and their
difference; the current runs can be exported as CSV or Parquet.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from vicinity_sim.compare import format_number
from vicinity_sim.dashboard.controls import intervention_controls, load_base
from vicinity_sim.dashboard.figures import (
    DEFAULT_SERIES,
    comparison_rows,
    export_bytes,
    plan_figure,
    series_figure,
)
from vicinity_sim.dashboard.layers import LAYERS
from vicinity_sim.dashboard.model import DashboardModel
from vicinity_sim.dashboard.server import SOURCE_ENV
from vicinity_sim.errors import InputError
from vicinity_sim.outcomes import CONTRACT

#: Residents above which the page redraws once a week of simulated time, not every day.
LARGE_VILLAGE = 10_000
#: Title of the browser tab and of the page.
TITLE = "vicinity_sim: urban-village governance dashboard"
#: Sliders show their value at all times (Vuetify shows it only while dragging by default).
STYLE = """
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%)
                         rotate(45deg) !important; }
.v-input__slider { margin-top: 18px; }
"""


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
        "compare": {"type": "Checkbox", "value": True,
                    "label": "compare with the baseline (no interventions)"},
    }  # fmt: skip
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
        Export(model)


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
    """Live series of the outcome-contract names against the date: the run with the chosen
    interventions beside its baseline, and their difference."""
    chosen = solara.use_reactive(list(DEFAULT_SERIES))
    update_counter.get()
    deps = [model, model.day, tuple(chosen.value)]
    fig = solara.use_memo(lambda: None if model.error else series_figure(model, chosen.value), deps)
    if fig is None:
        return
    with solara.Column():
        solara.SelectMultiple("outcomes", values=chosen, all_values=list(CONTRACT))
        if model.baseline is not None:
            comparison_table(model, chosen.value)
        elif model.interventions:
            solara.Text("Comparison with the baseline is off (tick it and press Reset).")
        else:
            solara.Text("No intervention is switched on: the run is its own baseline.")
        solara.FigureMatplotlib(fig, dependencies=deps, format="png")


def comparison_table(model: DashboardModel, names: list[str]) -> None:
    """Today's values with and without the chosen interventions, and the difference (drawn
    inside :func:`SeriesView`, so it redraws with it)."""
    rows = comparison_rows(model, names)
    if not rows:
        return
    lines = ["| outcome | baseline | with interventions | difference |", "|---|--:|--:|--:|"]
    for name, run, base in rows:
        lines.append(f"| {name} | {format_number(base)} | {format_number(run)} | "
                     f"{format_number(run - base)} |")  # fmt: skip
    with solara.Column(classes=["vicinity-comparison"]):
        solara.Markdown(
            f"**Day {model.day}**: with {', '.join(model.interventions)} vs the baseline (same "
            "village, seed and random streams, no interventions)."
        )
        solara.Markdown("\n".join(lines))


@solara.component
def Export(model: DashboardModel) -> None:
    """Download the days simulated so far (the run and its baseline) as CSV or Parquet."""
    stem = f"{model.title.replace(' ', '_')}-seed{model.seed}-day{model.day}"
    with solara.Row(classes=["vicinity-export"]):
        solara.Text("Export the days so far:")
        solara.FileDownload(lambda: export_bytes(model, "csv"), filename=f"{stem}.csv",
                            label="CSV")  # fmt: skip
        solara.FileDownload(lambda: export_bytes(model, "parquet"), filename=f"{stem}.parquet",
                            label="Parquet")  # fmt: skip


@solara.component
def Page() -> None:
    """The dashboard: one model per browser session, made from the scenario file."""
    source = os.environ.get(SOURCE_ENV) or None
    params = solara.use_memo(lambda: model_params(source), [])
    model = solara.use_memo(lambda: DashboardModel(**initial_values(params)), [])
    large = model.error is None and len(model.world.residents) > LARGE_VILLAGE
    solara.Title(TITLE)
    solara.Style(STYLE)
    SolaraViz(
        model,
        components=[(StatusView, 0), (PlanView, 0), (SeriesView, 0)],
        model_params=params,
        name=TITLE,
        play_interval=150,
        render_interval=7 if large else 1,
    )
