"""Reports of experiments: a Markdown summary with tables, an effects CSV and PNG figures.

:func:`write_report` writes into the experiment directory:

* ``effects.csv``: every column of :meth:`Results.effects`;
* ``report.md``: the design, arm means with t intervals, paired effects against the reference
  arm and, when given, Sobol' sensitivity indices;
* ``timeseries_<outcome>.png`` (outcomes with a daily series), ``effects.png`` (a forest plot of
  the paired effects) and ``sensitivity.png`` (when sensitivity indices are given).

Figures are drawn on :class:`matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global
backend) and saved without the ``Software`` entry, so equal results give byte-identical files.
:func:`format_effects_table` renders the effects for the terminal.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from vicinity_sim.compare import format_number
from vicinity_sim.experiment import stats
from vicinity_sim.experiment.runner import Results
from vicinity_sim.outcomes import describe
from vicinity_sim.runs import atomic_write

#: Resolution of the figures (pixels per inch).
DPI = 100

#: Colours of arms (by their order in the experiment) and of the two kinds of Sobol' index.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip

#: PNG metadata: no ``Software`` entry (it names the matplotlib version), no timestamps.
PNG_METADATA: dict[str, Any] = {"Software": None}

#: Line styles cycled with the colours (dashes keep overlapping series apart).
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D")

SOBOL_INDICES = (("first_order", "first order"), ("total_order", "total order"))


def write_report(results: Results, out: Path, sensitivity: pd.DataFrame | None = None) -> Path:
    """Write the report, the effects table and the figures of an experiment.

    Every file is written atomically, so a reader never sees a half-written report.

    Args:
        results: Results of the experiment.
        out: Experiment directory (created if missing).
        sensitivity: Sobol' indices with columns ``parameter``, ``outcome``, ``first_order``
            and ``total_order``; intervals are read from ``<index>_low``/``<index>_high``
            columns, or from a half-width ``<index>_conf`` column, when present.

    Returns:
        Path of ``report.md``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    spec = results.spec
    colours = {a.name: PALETTE[i % len(PALETTE)] for i, a in enumerate(spec.arms)}
    effects = results.effects()
    atomic_write(out / "effects.csv", effects.to_csv(index=False).encode())

    # Figures: (file name, caption) in the order they appear in the report.
    figures: list[tuple[str, str]] = []
    for outcome in spec.outcomes:
        ts = results.timeseries(outcome)
        if ts.empty or not np.isfinite(ts["mean"].to_numpy(float)).any():
            continue
        name = f"timeseries_{outcome}.png"
        atomic_write(out / name, _png(_timeseries_figure(ts, outcome, colours)))
        figures.append((name, f"Daily `{outcome}`: mean per arm with {_pct(stats.LEVEL)} t band"))
    if not effects.empty:
        fig = _effects_figure(effects, spec.reference_arm, colours)
        atomic_write(out / "effects.png", _png(fig))
        figures.append(("effects.png", f"Paired effects against {spec.reference_arm}"))
    has_sensitivity = sensitivity is not None and not sensitivity.empty
    if has_sensitivity:
        atomic_write(out / "sensitivity.png", _png(_sensitivity_figure(sensitivity)))

    text = _markdown(results, effects, figures, sensitivity if has_sensitivity else None)
    path = out / "report.md"
    atomic_write(path, text.encode())
    return path


def format_effects_table(effects: pd.DataFrame) -> str:
    """Plain-text table of paired effects for the terminal.

    Args:
        effects: The frame of :meth:`Results.effects`.

    Returns:
        Aligned columns: outcome, arm, reference mean, arm mean, effect, 95% CI (paired, see
        :func:`~vicinity_sim.experiment.stats.effect_interval`) and relative effect; one line
        per arm and outcome, grouped by outcome.
    """
    if effects.empty:
        return "(no effects: the experiment has a single arm)"
    header = ["outcome", "arm", "reference mean", "arm mean", "effect", "95% CI", "relative"]
    rows = [
        [r.outcome, str(r.arm), _num(r.reference_mean), _num(r.arm_mean), _signed(r.effect),
         _interval(r.ci_low, r.ci_high), _percent(r.relative)]
        for r in _by_outcome(effects).itertuples()
    ]  # fmt: skip
    widths = [max(len(row[j]) for row in [header, *rows]) for j in range(len(header))]
    left = 2  # outcome and arm are left-aligned, numbers right-aligned

    def line(cells: list[str]) -> str:
        padded = [c.ljust(w) if j < left else c.rjust(w)
                  for j, (c, w) in enumerate(zip(cells, widths, strict=True))]  # fmt: skip
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# --- Markdown ------------------------------------------------------------------------------


def _markdown(results: Results, effects: pd.DataFrame, figures: list[tuple[str, str]],
              sensitivity: pd.DataFrame | None) -> str:  # fmt: skip
    """The text of ``report.md``."""
    spec = results.spec
    ref = spec.reference_arm
    df = results.summaries
    reps = int(df["replication"].nunique()) if not df.empty else 0
    samples = int(df["sample"].nunique()) if not df.empty else 0
    descriptions = describe()
    md: list[str] = [f"# {spec.name or 'Experiment'}", ""]
    if spec.description:
        md += [spec.description, ""]

    md += ["## Design", ""]
    runs = f"{reps} replications" + (f" at each of {samples} sweep samples" if spec.sweep else "")
    md += [
        f"{len(spec.arms)} arms, each run for {runs} (seed {spec.seed}); the reference arm is "
        f"**{_cell(ref)}**. Replication *r* of every arm shares the random streams of "
        "replication *r* (common random numbers), so arms differ only through the policy. "
        "Effects are paired differences *arm − reference*, matched on sample and replication, "
        f"with {_pct(stats.LEVEL)} intervals: paired Student t below "
        f"{stats.BOOTSTRAP_MIN_N} pairs (a bootstrap of a few pairs under-covers), BCa "
        "bootstrap from there on; the unpaired Welch t interval, which ignores the pairing, is "
        "shown for comparison. Arm means carry Student t "
        f"{_pct(stats.LEVEL)} intervals over replications.",
        "",
    ]
    md += [f"- **{_cell(a.name)}**: {_arm_definition(a, ref)}" for a in spec.arms] + [""]
    md += ["Outcomes:", ""]
    md += [f"- `{o}`: {descriptions.get(o, '')}".rstrip(": ") for o in spec.outcomes] + [""]

    md += ["## Arm means", "", f"Mean [{_pct(stats.LEVEL)} t interval] over replications.", ""]
    md += _arm_means_table(results.arm_table(), spec.outcomes, [a.name for a in spec.arms])

    md += ["## Effects", ""]
    if effects.empty:
        md += ["The experiment has a single arm: no effects.", ""]
    else:
        md += _effects_table(effects, ref)

    if figures:
        md += ["## Figures", ""]
        for name, caption in figures:
            md += [f"[{caption}]({name})", "", f"![{caption}]({name})", ""]

    if sensitivity is not None:
        md += ["## Sensitivity", "",
               "Sobol' indices of each swept parameter (first order: its share of the outcome's "
               "variance alone; total order: including its interactions).", ""]  # fmt: skip
        md += _sensitivity_table(sensitivity)
        md += ["[Sobol' indices](sensitivity.png)", "", "![Sobol' indices](sensitivity.png)", ""]
    return "\n".join(md).rstrip() + "\n"


def _arm_definition(arm: Any, reference: str) -> str:
    """One line describing how an arm differs from the base scenario."""
    parts = []
    if arm.scenario:
        parts.append(f"scenario `{arm.scenario}`")
    for iv in arm.interventions:
        args = ", ".join(f"{k} = {v}" for k, v in iv.items() if k != "kind")
        parts.append(f"`{iv.get('kind', '?')}`" + (f" ({_cell(args)})" if args else ""))
    if arm.set:
        parts.append("set " + ", ".join(f"`{s}`" for s in arm.set))
    if arm.disable:
        parts.append("without " + ", ".join(f"`{d}`" for d in arm.disable))
    text = "; ".join(parts) or "the base scenario"
    return text + (" (reference)" if arm.name == reference else "")


def _arm_means_table(table: pd.DataFrame, outcomes: list[str], arms: list[str]) -> list[str]:
    """Outcomes as rows, arms as columns; ``n`` noted where replications lack a value."""
    arms = [a for a in arms if a in set(table["arm"])] if not table.empty else []
    n_max = int(table["n"].max()) if not table.empty else 0
    rows = []
    for o in outcomes:
        cells = [f"`{o}`"]
        for a in arms:
            r = table[(table.arm == a) & (table.outcome == o)]
            if r.empty:
                cells.append("–")
                continue
            r = r.iloc[0]
            cell = f"{_num(r['mean'])} {_interval(r.ci_low, r.ci_high)}"
            cells.append(cell + (f" (n = {int(r.n)})" if int(r.n) < n_max else ""))
        rows.append(cells)
    return _md_table(["outcome", *map(_cell, arms)], rows, align="l" + "r" * len(arms))


def _effects_table(effects: pd.DataFrame, reference: str) -> list[str]:
    """Effects against the reference, grouped by outcome."""
    level = _pct(stats.LEVEL)
    cost = bool(np.isfinite(effects["cost_per_unit_improved_cny"].to_numpy(float)).any())
    header = ["outcome", "arm", f"{_cell(reference)} mean", "arm mean", "effect",
              f"{level} CI (paired)", f"{level} CI (unpaired)", "relative"]  # fmt: skip
    if cost:
        header.append("CNY per unit improved")
    rows = []
    for r in _by_outcome(effects).itertuples():
        row = [f"`{r.outcome}`", _cell(str(r.arm)), _num(r.reference_mean), _num(r.arm_mean),
               _signed(r.effect), _interval(r.ci_low, r.ci_high),
               _interval(r.unpaired_ci_low, r.unpaired_ci_high), _percent(r.relative)]  # fmt: skip
        if cost:
            row.append(_num(r.cost_per_unit_improved_cny))
        rows.append(row)
    note = f"Effect = arm − {_cell(reference)}; relative = effect / {_cell(reference)} mean."
    if cost:
        note += (
            " CNY per unit improved: the difference in `cost_total_cny` per unit of improvement,"
            " where the outcome has a known better direction and improved."
        )
    return [*_md_table(header, rows, align="ll" + "r" * (len(header) - 2)), note, ""]


def _sensitivity_table(sens: pd.DataFrame) -> list[str]:
    """Sobol' indices with their intervals."""
    by_arm = "arm" in sens.columns and sens["arm"].nunique() > 1
    level = _pct(stats.LEVEL)
    header = ["parameter", "outcome", *(["arm"] if by_arm else []),
              f"first order [{level}]", f"total order [{level}]"]  # fmt: skip
    bounds = {col: _bounds(sens, col) for col, _ in SOBOL_INDICES}
    rows = []
    for i, r in enumerate(sens.itertuples(index=False)):
        row = [f"`{r.parameter}`", f"`{r.outcome}`", *([_cell(str(r.arm))] if by_arm else [])]
        for col, _ in SOBOL_INDICES:
            lo, hi = bounds[col][0][i], bounds[col][1][i]
            value = _num(getattr(r, col))
            row.append(value + (f" {_interval(lo, hi)}" if np.isfinite([lo, hi]).any() else ""))
        rows.append(row)
    return _md_table(header, rows, align="ll" + "l" * by_arm + "rr")


def _md_table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Lines of a Markdown table; ``align`` holds ``l`` or ``r`` per column."""
    rule = ["---:" if a == "r" else "---" for a in align]
    return [f"| {' | '.join(cells)} |" for cells in [header, rule, *rows]] + [""]


# --- Figures -------------------------------------------------------------------------------


def _png(fig: Figure) -> bytes:
    """PNG bytes of a figure, without metadata that changes between runs or versions."""
    FigureCanvasAgg(fig)  # attaches the Agg canvas to the figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    return buf.getvalue()


def _timeseries_figure(ts: pd.DataFrame, outcome: str, colours: dict[str, str]) -> Figure:
    """Daily mean of an outcome per arm with its shaded 95% band."""
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    arms = [a for a in colours if a in set(ts["arm"])]
    arms += sorted(set(ts["arm"]) - set(arms))  # arms not in the experiment file, if any
    for i, arm in enumerate(arms):
        g = ts[ts["arm"] == arm].sort_values("day")
        colour = colours.get(arm, PALETTE[i % len(PALETTE)])
        day, mean = g["day"].to_numpy(), g["mean"].to_numpy(float)
        low, high = g["low"].to_numpy(float), g["high"].to_numpy(float)
        band = np.isfinite(low) & np.isfinite(high)
        ax.fill_between(day, low, high, where=band, color=colour, alpha=0.18, linewidth=0)
        # Values between undefined days (e.g. a mean over fires) are drawn as markers, with
        # their interval as a bar; later arms get smaller markers, so equal values stay visible.
        ok = np.isfinite(mean)
        alone = ok & ~np.r_[False, ok[:-1]] & ~np.r_[ok[1:], False]
        marker = {"marker": MARKERS[i % 4], "markevery": alone,
                  "markersize": max(3.0, 7.0 - 1.5 * i)} if alone.any() else {}  # fmt: skip
        # Line styles differ too, so arms with equal series stay visible.
        ax.plot(day, mean, color=colour, linewidth=1.5, linestyle=LINESTYLES[i % 4], label=arm,
                **marker)  # fmt: skip
        if (alone & band).any():
            ax.vlines(day[alone & band], low[alone & band], high[alone & band], color=colour,
                      alpha=0.5, linewidth=1)  # fmt: skip
    ax.set_title(outcome)
    ax.set_xlabel("day")
    ax.set_ylabel(outcome)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(arms), 5), fontsize=9, frameon=False,
               title=f"shaded: {_pct(stats.LEVEL)} t interval over replications",
               title_fontsize=8)  # fmt: skip
    return fig


def _effects_figure(effects: pd.DataFrame, reference: str, colours: dict[str, str]) -> Figure:
    """Forest plot: one panel per outcome, one row per arm, reference line at 0."""
    outcomes = list(dict.fromkeys(effects["outcome"]))
    arms = list(dict.fromkeys(effects["arm"]))
    ncols = 1 if len(outcomes) <= 3 else 2
    nrows = math.ceil(len(outcomes) / ncols)
    panel_height = 0.9 + 0.4 * len(arms)
    fig = Figure(figsize=(6.5 * ncols, 0.8 + panel_height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    y = np.arange(len(arms))[::-1].astype(float)  # first arm at the top
    for ax, outcome in zip(axes, outcomes, strict=False):
        e = effects[effects["outcome"] == outcome].set_index("arm").reindex(arms)
        ax.axvline(0, color="0.3", linewidth=1, linestyle="--")
        # Unpaired (Welch) intervals, thin and grey, just below the paired ones.
        _whiskers(ax, y - 0.2, e["unpaired_ci_low"], e["unpaired_ci_high"], "0.6", 1.2)
        for j, arm in enumerate(arms):
            colour = colours.get(arm, PALETTE[j % len(PALETTE)])
            _whiskers(ax, y[j : j + 1], e["ci_low"].iloc[j : j + 1],
                      e["ci_high"].iloc[j : j + 1], colour, 2.5)  # fmt: skip
            if np.isfinite(e["effect"].iloc[j]):
                ax.plot([e["effect"].iloc[j]], [y[j]], "o", color=colour, markersize=6)
        ax.set_yticks(y, arms)
        ax.set_ylim(-0.7, len(arms) - 0.4)
        ax.set_title(outcome, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    level = _pct(stats.LEVEL)
    handles = [Line2D([], [], color="0.2", linewidth=2.5, marker="o",
                      label=f"effect, paired {level} CI"),
               Line2D([], [], color="0.6", linewidth=1.2,
                      label=f"unpaired {level} CI (Welch)")]  # fmt: skip
    fig.suptitle(f"Paired effects: arm − {reference}", fontsize=11)
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    return fig


def _sensitivity_figure(sens: pd.DataFrame) -> Figure:
    """Grouped bars of first- and total-order indices per parameter, one panel per outcome."""
    label = sens["parameter"].astype(str)
    if "arm" in sens.columns and sens["arm"].nunique() > 1:
        label = label + " (" + sens["arm"].astype(str) + ")"
    sens = sens.assign(_label=label.to_numpy())
    bounds = {col: _bounds(sens, col) for col, _ in SOBOL_INDICES}
    outcomes = list(dict.fromkeys(sens["outcome"]))
    heights = [0.9 + 0.45 * (sens["outcome"] == o).sum() for o in outcomes]
    fig = Figure(figsize=(7, 0.8 + sum(heights)), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False, height_ratios=heights).ravel()
    for ax, outcome in zip(axes, outcomes, strict=True):
        mask = (sens["outcome"] == outcome).to_numpy()
        labels = list(sens.loc[mask, "_label"])
        y = np.arange(len(labels))[::-1].astype(float)
        for k, (col, name) in enumerate(SOBOL_INDICES):
            offset = 0.2 if k == 0 else -0.2
            values = sens.loc[mask, col].to_numpy(float)
            ax.barh(y + offset, np.nan_to_num(values), height=0.38, color=PALETTE[k], label=name)
            lo, hi = bounds[col][0][mask], bounds[col][1][mask]
            _whiskers(ax, y + offset, lo, hi, "0.15", 1.2, caps=True)
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set_yticks(y, labels)
        ax.set_title(outcome, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("Sobol' index")
    fig.suptitle(f"Sobol' indices ({_pct(stats.LEVEL)} intervals)", fontsize=11)
    fig.legend(handles=axes[0].get_legend_handles_labels()[0], loc="outside lower center",
               ncols=2, fontsize=9, frameon=False)  # fmt: skip
    return fig


def _whiskers(ax: Any, y: np.ndarray, low: Sequence[float], high: Sequence[float], colour: str,
              width: float, caps: bool = False) -> None:  # fmt: skip
    """Horizontal interval lines at heights ``y``; undefined intervals are left out."""
    y = np.asarray(y, float)
    low, high = np.asarray(low, float), np.asarray(high, float)
    ok = np.isfinite(low) & np.isfinite(high)
    if not ok.any():
        return
    ax.hlines(y[ok], low[ok], high[ok], color=colour, linewidth=width)
    if caps:
        ends = np.concatenate([low[ok], high[ok]])
        ax.plot(ends, np.concatenate([y[ok], y[ok]]), "|", color=colour, markersize=6)


# --- Helpers -------------------------------------------------------------------------------


def _bounds(df: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Interval of an index column: ``<col>_low``/``<col>_high`` or ``<col>`` ± ``<col>_conf``."""
    if f"{col}_low" in df.columns and f"{col}_high" in df.columns:
        return df[f"{col}_low"].to_numpy(float), df[f"{col}_high"].to_numpy(float)
    if f"{col}_conf" in df.columns:
        v, h = df[col].to_numpy(float), df[f"{col}_conf"].to_numpy(float)
        return v - h, v + h
    nan = np.full(len(df), math.nan)
    return nan, nan.copy()


def _by_outcome(effects: pd.DataFrame) -> pd.DataFrame:
    """Rows grouped by outcome (in order of first appearance), arms in their order within."""
    order = {o: i for i, o in enumerate(dict.fromkeys(effects["outcome"]))}
    key = effects["outcome"].map(order)
    return effects.assign(_key=key).sort_values("_key", kind="stable").drop(columns="_key")


def _num(x: float) -> str:
    """:func:`format_number` without a negative zero."""
    return format_number(float(x) + 0.0) if x is not None else format_number(math.nan)


def _signed(x: float) -> str:
    """A number with an explicit ``+`` for positive values."""
    s = _num(x)
    return f"+{s}" if x is not None and np.isfinite(x) and x > 0 and s != "0" else s


def _percent(x: float) -> str:
    """A share as a signed percentage."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{_signed(100 * x)}%"


def _interval(low: float, high: float) -> str:
    """``[low, high]``, or ``–`` when undefined."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "–"
    return f"[{_num(low)}, {_num(high)}]"


def _pct(level: float) -> str:
    """A confidence level as a percentage, e.g. ``95%``."""
    return f"{100 * level:g}%"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")
