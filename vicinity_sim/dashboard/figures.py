"""Figures of the dashboard: the village plan and the outcome series (plain matplotlib).

Figures are built with :class:`matplotlib.figure.Figure`, not pyplot, so a long session
does not accumulate open figures; the page renders them as images.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import dates as mdates
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from scipy.spatial import cKDTree

from vicinity_sim.dashboard.layers import LAYERS
from vicinity_sim.experiment.figures import axis_number
from vicinity_sim.outcomes import CONTRACT, running_outcomes

#: Colours of the categorical layers' categories, in category order.
CATEGORY_COLOURS = {
    "fires": ("#e6e6e6", "#795548", "#fb8c00", "#d50000"),
    "floods": ("#e6e6e6", "#90caf9", "#1e88e5", "#0d47a1"),
}
#: Outcomes plotted when the page opens.
DEFAULT_SERIES = (
    "fires_per_year",
    "trust_institutional",
    "trust_interpersonal",
    "police_incidents_per_year",
    "participation_rate",
    "income_individual_mean",
    "cost_total_cny",
)


def _squares(x: np.ndarray, y: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Corners of square footprints centred on (x, y), shape (n, 4, 2)."""
    h = side / 2.0
    dx = np.array([-1.0, 1.0, 1.0, -1.0])
    dy = np.array([-1.0, -1.0, 1.0, 1.0])
    return np.stack([x[:, None] + dx * h[:, None], y[:, None] + dy * h[:, None]], axis=-1)


def grid_boundaries(
    x: np.ndarray,
    y: np.ndarray,
    grid: np.ndarray,
    width: float,
    height: float,
    reach_m: float = 12.0,
    cell_m: float = 2.0,
) -> np.ndarray:
    """Line segments outlining the grids of a village plan, shape (k, 2, 2).

    Each point of the plan within ``reach_m`` of a building belongs to the grid of its
    nearest building; outlines are drawn where that changes (including to open ground),
    traced on a raster of ``cell_m`` metres.
    """
    nx = max(int(width / cell_m), 1)
    ny = max(int(height / cell_m), 1)
    cx = (np.arange(nx) + 0.5) * width / nx
    cy = (np.arange(ny) + 0.5) * height / ny
    gx, gy = np.meshgrid(cx, cy)
    dist, nearest = cKDTree(np.column_stack([x, y])).query(
        np.column_stack([gx.ravel(), gy.ravel()])
    )
    ids = np.where(dist <= reach_m, grid[nearest], -1).reshape(ny, nx)
    ids = np.pad(ids, 1, constant_values=-1)  # open ground around the plan
    sx, sy = width / nx, height / ny
    j, i = np.nonzero(ids[:, 1:] != ids[:, :-1])  # between columns i-1 and i of the raster
    vertical = np.stack([np.column_stack([i * sx, (j - 1) * sy]),
                         np.column_stack([i * sx, j * sy])], axis=1)  # fmt: skip
    j, i = np.nonzero(ids[1:, :] != ids[:-1, :])  # between rows j-1 and j
    horizontal = np.stack([np.column_stack([(i - 1) * sx, j * sy]),
                           np.column_stack([i * sx, j * sy])], axis=1)  # fmt: skip
    return np.concatenate([vertical, horizontal])


def plan_figure(model: Any, layer: str, village: int = 0) -> Figure:
    """The plan of one village: buildings coloured by a layer, grids outlined, facilities.

    Args:
        model: A :class:`~vicinity_sim.model.VicinityModel` (or the dashboard's subclass).
        layer: A key of :data:`~vicinity_sim.dashboard.layers.LAYERS`.
        village: Village index.

    Returns:
        The figure.
    """
    spec = LAYERS[layer]
    w = model.world
    b = w.buildings
    rows = np.nonzero(b.village == village)[0]
    values = spec.values(model)[rows]
    geom = w.geometry.get(village)
    # Real outlines for a footprint village, squares for a synthetic one.
    corners = geom.rings() if geom is not None else _squares(b.x[rows], b.y[rows], b.side_m[rows])

    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    ax = fig.add_subplot()
    if spec.categories:
        colours = CATEGORY_COLOURS[spec.cmap]
        cmap = ListedColormap(colours)
        norm = BoundaryNorm(np.arange(len(colours) + 1) - 0.5, cmap.N)
    else:
        cmap = colormaps[spec.cmap].with_extremes(bad="#ffffff")  # bad: empty buildings
        finite = values[np.isfinite(values)]
        lo = spec.vmin if spec.vmin is not None else (finite.min() if len(finite) else 0.0)
        hi = spec.vmax if spec.vmax is not None else (finite.max() if len(finite) else 1.0)
        norm = Normalize(lo, hi if hi > lo else lo + 1e-9)
    polys = PolyCollection(corners, array=values, cmap=cmap, norm=norm, linewidths=0)
    ax.add_collection(polys)

    width, height = float(w.villages.width_m[village]), float(w.villages.height_m[village])
    if len(rows):
        # The plan's grids never change during a run: trace their boundaries once per model.
        cache = getattr(model, "figure_cache", {})
        key = ("grid boundaries", village)
        if key not in cache:
            # Around real footprints, open ground within the outline's closing belongs to
            # the nearest building's grid (not every detached house gets its own outline).
            reach = {} if geom is None else {"reach_m": model.spec.villages[village].plan
                                             .footprints.outline_closing_m}  # fmt: skip
            cache[key] = grid_boundaries(b.x[rows], b.y[rows], b.grid[rows], width, height,
                                         **reach)  # fmt: skip
        segments = cache[key]
        ax.add_collection(LineCollection(segments, colors="#263238", linewidths=1.0))

    handles = [Line2D([], [], color="#263238", lw=1.0, label="grid boundary")]
    for table, marker, colour, label in (
        (w.stations, "^", "#c62828", "micro fire station"),
        (w.charging_sites, "s", "#2e7d32", "e-bike charging site"),
    ):
        here = table.village == village
        for built, face in ((True, colour), (False, "none")):
            sel = here & (table.active == built)
            if sel.any():
                ax.scatter(table.x[sel], table.y[sel], marker=marker, s=46, zorder=3,
                           facecolors=face, edgecolors=colour, linewidths=1.2)  # fmt: skip
        if here.any():
            handles.append(Line2D([], [], marker=marker, ls="", color=colour,
                                  label=f"{label} (hollow: planned)"))  # fmt: skip
    fp = w.flood_points
    here = fp.village == village
    if here.any():
        ax.scatter(fp.x[here], fp.y[here], marker="o", s=30, zorder=3, facecolors="none",
                   edgecolors="#0d47a1", linewidths=1.2)  # fmt: skip
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", color="#0d47a1",
                              label="waterlogging point"))  # fmt: skip

    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_xlabel("m")
    ax.set_title(f"{w.village_names[village]}: {layer}", fontsize=10)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2,
              fontsize=7, frameon=False)  # fmt: skip
    bar = fig.colorbar(polys, ax=ax, shrink=0.8, label=spec.label)
    if spec.categories:
        bar.set_ticks(range(len(spec.categories)), labels=list(spec.categories))
    return fig


def outcome_series(model: Any) -> dict[str, np.ndarray]:
    """The outcome-contract names as daily series up to the current day."""
    columns = model.datacollector.columns()
    try:
        events = model.process("fire").event_table()
    except KeyError:  # the scenario switched the fire mechanism off
        events = {k: np.zeros(0) for k in ("day", "deaths", "injuries", "buildings_burned",
                                           "response_min")}  # fmt: skip
    return running_outcomes(columns, events)


#: Colours of the run with the chosen interventions, of its baseline and of the difference.
RUN_COLOUR, BASELINE_COLOUR, DIFF_COLOUR = "#1565c0", "#757575", "#6a1b9a"


def series_figure(model: Any, names: list[str] | tuple[str, ...]) -> Figure:
    """Chosen outcome-contract series against the date, for the days simulated so far.

    With a baseline (:attr:`DashboardModel.baseline
    <vicinity_sim.dashboard.model.DashboardModel.baseline>`), each outcome gets two panels:
    the run with the chosen interventions beside its baseline, and their difference (with −
    without). Axes follow the data shown: the days simulated, the values drawn.
    """
    names = [n for n in names if n in CONTRACT] or list(DEFAULT_SERIES)
    baseline = getattr(model, "baseline", None)
    series = outcome_series(model)
    base = outcome_series(baseline) if baseline is not None else None
    cols = 2 if base is not None or len(names) > 1 else 1
    rows = len(names) if base is not None else math.ceil(len(names) / cols)
    height = 1.6 * rows + 0.7
    fig = Figure(figsize=(6.6, height))
    # Fixed margins: a constrained layout would cost more than the drawing at every render.
    fig.subplots_adjust(left=0.11, right=0.97, top=1 - 0.45 / height, bottom=0.5 / height,
                        wspace=0.3, hspace=0.55)  # fmt: skip
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    n = model.day
    dates = np.asarray(model.calendar.dates[:n], dtype="datetime64[D]")
    panels = []
    for k, name in enumerate(names):
        if base is not None:
            level, diff = axes[k, 0], axes[k, 1]
            level.plot(dates, base[name][:n], lw=1.1, color=BASELINE_COLOUR, ls="--",
                       label="baseline (no interventions)")  # fmt: skip
            level.plot(dates, series[name][:n], lw=1.3, color=RUN_COLOUR,
                       label="with the interventions")  # fmt: skip
            diff.axhline(0, color="0.6", lw=0.8)
            diff.plot(dates, series[name][:n] - base[name][:n], lw=1.3, color=DIFF_COLOUR)
            level.set_title(name, fontsize=8)
            diff.set_title(f"{name}: with − baseline", fontsize=8)
            panels += [level, diff]
        else:
            ax = axes.flat[k]
            ax.plot(dates, series[name][:n], lw=1.3, color=RUN_COLOUR)
            ax.set_title(name, fontsize=8)
            panels.append(ax)
    for ax in panels:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(FuncFormatter(axis_number))
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    if n:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=5)
        for ax in axes[-1]:
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        last = dates[-1] + np.timedelta64(1, "D") if n > 1 else dates[0] + np.timedelta64(1, "D")
        axes[0, 0].set_xlim(dates[0], last)
    if base is not None:
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="upper center", ncols=2,
                   fontsize=7, frameon=False)  # fmt: skip
    return fig


def comparison_rows(
    model: Any, names: list[str] | tuple[str, ...]
) -> list[tuple[str, float, float]]:
    """Today's value of each chosen outcome with the interventions and in the baseline."""
    names = [n for n in names if n in CONTRACT] or list(DEFAULT_SERIES)
    baseline = getattr(model, "baseline", None)
    if baseline is None or not model.day:
        return []
    run, base = outcome_series(model), outcome_series(baseline)
    d = model.day - 1
    return [(name, float(run[name][d]), float(base[name][d])) for name in names]


def run_frame(model: Any) -> pd.DataFrame:
    """The days simulated so far, of the run and (with ``run`` = ``baseline``) its baseline:
    every recorded column and the outcome-contract series."""
    frames = []
    runs = [("with interventions", model)]
    if getattr(model, "baseline", None) is not None:
        runs.append(("baseline", model.baseline))
    for label, m in runs:
        cols = m.datacollector.columns()
        cols.update({k: v for k, v in outcome_series(m).items() if k not in cols})
        df = pd.DataFrame(cols)
        df.insert(0, "run", label)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"])
    return out


def export_bytes(model: Any, fmt: str) -> bytes:
    """The current run (and its baseline) as ``csv`` or ``parquet`` bytes."""
    frame = run_frame(model)
    if fmt == "csv":
        return frame.to_csv(index=False).encode()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        from vicinity_sim.columns import arrow_table

        table = arrow_table({c: frame[c].to_numpy() for c in frame.columns})
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        return buf.getvalue()
    raise ValueError(f"format must be csv or parquet, not {fmt!r}")
