"""Reports of experiments: a Markdown summary with tables, an effects CSV and PNG figures.

:func:`write_report` writes into the experiment directory:

* ``effects.csv``: every column of :meth:`Results.effects`;
* ``report.md``: the main result (the effects figure and what it says for the primary
  outcomes), the design and its statistics, the minimum effects of interest, arm means with t
  intervals, paired effects against the reference arm with Holm-adjusted p-values and verdicts
  and, when given, Sobol' sensitivity indices;
* ``effects.png`` (every effect on one page, :func:`~vicinity_sim.experiment.figures.
  effects_figure`), ``timeseries_<outcome>.png`` (outcomes over the dates of the run,
  :func:`~vicinity_sim.experiment.figures.series_figure`) and ``sensitivity.png`` (when
  sensitivity indices are given).

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

from vicinity_sim.compare import format_number
from vicinity_sim.experiment import stats
from vicinity_sim.experiment.figures import effects_figure, series_figure, series_frame
from vicinity_sim.experiment.runner import Results
from vicinity_sim.outcome_info import info, series_columns
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

    # Figures: (file name, caption) in the order they appear in the report; the effects on
    # one page first, since it carries the report's message.
    figures: list[tuple[str, str]] = []
    arms = [a.name for a in spec.arms if a.name != spec.reference_arm]
    if not effects.empty:
        fig = effects_figure(effects, spec.reference_arm, arms, spec.primary, spec.name)
        atomic_write(out / "effects.png", _png(fig))
        figures.append(("effects.png", f"Effects against {spec.reference_arm}, by theme"))
    frames = results.store.frames(["date", *series_columns(spec.outcomes)])
    for outcome in spec.outcomes:
        ts = series_frame(frames, outcome) if len(frames) else frames
        if ts.empty or not np.isfinite(ts["mean"].to_numpy(float)).any():
            continue
        name = f"timeseries_{outcome}.png"
        fig = series_figure(ts, outcome, colours, PALETTE, LINESTYLES, spec.reference_arm)
        atomic_write(out / name, _png(fig))
        figures.append((name, f"{info(outcome).series_label} ({info(outcome).series_unit}): "
                        f"mean per arm with {_pct(stats.LEVEL)} t band"))  # fmt: skip
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
        :func:`~vicinity_sim.experiment.stats.effect_interval`; "no variation" where the paired
        differences are equal in every replication), relative effect, Holm-adjusted p-value
        and verdict; one line per arm and outcome, grouped by outcome.
    """
    if effects.empty:
        return "(no effects: the experiment has a single arm)"
    header = ["outcome", "arm", "reference mean", "arm mean", "effect", "95% CI", "relative",
              "p (Holm)", "verdict"]  # fmt: skip
    flat = effects["no_variation"] if "no_variation" in effects else [False] * len(effects)
    effects = effects.assign(flat_=list(flat))
    rows = [
        [r.outcome, str(r.arm), _num(r.reference_mean), _num(r.arm_mean), _signed(r.effect),
         "no variation" if r.flat_ else _interval(r.ci_low, r.ci_high), _percent(r.relative),
         _p(getattr(r, "p_holm", math.nan)), str(getattr(r, "verdict", ""))]
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

    if not effects.empty:
        md += ["## Main result", ""]
        md += [f"![{figures[0][1]}]({figures[0][0]})", ""]
        md += _main_result(effects, spec)

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
        "Each effect is tested with the paired t test. Per arm, the p-values of the primary "
        "outcomes are Holm-adjusted among themselves and those of the secondary outcomes among "
        "the secondary ones (`p_holm` in `effects.csv`); outcomes without a minimum effect of "
        "interest, such as the cost of an arm, are reported and not tested. An outcome whose "
        "values, or paired differences, are the same in every replication has **no "
        "variation**: it is reported as it is, without an interval. The verdict sets each "
        "effect against its minimum effect of interest: *improves*/*worsens* (or "
        "*increases*/*decreases*): adjusted p < "
        f"{stats.ALPHA:g} (or exact without variation) and at least the minimum effect; "
        "*negligible*: the interval lies within ± the minimum effect, however small its "
        "p-value (common random numbers make tiny differences 'significant'); "
        "*inconclusive*: neither.",
        "",
    ]
    md += [f"- **{_cell(a.name)}**: {_arm_definition(a, ref)}" for a in spec.arms] + [""]
    if spec.primary:
        md += ["Primary outcomes: " + ", ".join(f"`{o}`" for o in spec.primary) + ".", ""]
    else:
        md += ["The experiment names no primary outcomes: every tested outcome is secondary.", ""]
    md += ["Outcomes:", ""]
    md += [f"- `{o}`: {descriptions.get(o, '')}".rstrip(": ") for o in spec.outcomes] + [""]

    md += ["## Minimum effects of interest", ""]
    md += _minimum_effects_table(spec)

    md += ["## Arm means", "", f"Mean [{_pct(stats.LEVEL)} t interval] over replications; "
           "*no variation*: the same value in every replication.", ""]  # fmt: skip
    md += _arm_means_table(results.arm_table(), spec.outcomes, [a.name for a in spec.arms])

    md += ["## Effects", ""]
    if effects.empty:
        md += ["The experiment has a single arm: no effects.", ""]
    else:
        md += _effects_table(effects, ref)

    if len(figures) > 1 or (figures and effects.empty):
        md += ["## Figures", ""]
        for name, caption in figures[0 if effects.empty else 1 :]:
            md += [f"[{caption}]({name})", "", f"![{caption}]({name})", ""]

    if sensitivity is not None:
        md += ["## Sensitivity", "",
               "Sobol' indices of each swept parameter (first order: its share of the outcome's "
               "variance alone; total order: including its interactions). An outcome without "
               "variation over the samples has no indices (*no variation*); one that is "
               "undefined in the samples has none either (*undefined*).", ""]  # fmt: skip
        md += _sensitivity_table(sensitivity)
        md += ["[Sobol' indices](sensitivity.png)", "", "![Sobol' indices](sensitivity.png)", ""]
    return "\n".join(md).rstrip() + "\n"


def _main_result(effects: pd.DataFrame, spec: Any) -> list[str]:
    """What the effects say: the primary outcomes per arm, then the secondary findings."""
    md: list[str] = []
    primary = [o for o in spec.primary if o in set(effects["outcome"])]
    if primary:
        md += ["Primary outcomes (effect in % of the reference mean, or in the outcome's unit; "
               f"{_pct(stats.LEVEL)} interval; verdict):", ""]  # fmt: skip
        header = ["arm", *[info(o).label for o in primary]]
        rows = []
        for arm in _arm_order(effects, spec):
            cells = [_cell(str(arm))]
            for o in primary:
                r = effects[(effects.arm == arm) & (effects.outcome == o)]
                cells.append(_verdict_cell(r.iloc[0]) if len(r) else "–")
            rows.append(cells)
        md += _md_table(header, rows, align="l" + "l" * len(primary))
    found = effects[effects["verdict"].isin(["improves", "worsens", "increases", "decreases"])
                    & (effects["family"] == "secondary")]  # fmt: skip
    if len(found):
        md += ["Secondary outcomes with an effect of at least the minimum of interest "
               f"(Holm-adjusted p < {stats.ALPHA:g}, or exact):", ""]  # fmt: skip
        for arm in _arm_order(found, spec):
            g = found[found["arm"] == arm]
            items = [f"{info(r.outcome).label} {_verdict_cell(r)}" for _, r in g.iterrows()]
            md += [f"- **{_cell(str(arm))}**: " + "; ".join(items)]
        md += [""]
    counts = effects["verdict"].value_counts()
    parts = [f"{int(counts[v])} {v}" for v in stats.VERDICTS if v in counts]
    md += [f"All {len(effects)} effects: " + ", ".join(parts) + ".", ""]
    return md


def _arm_order(effects: pd.DataFrame, spec: Any) -> list[str]:
    """Arms of the effects in the order of the experiment file."""
    present = set(effects["arm"])
    return [a.name for a in spec.arms if a.name in present]


def _verdict_cell(r: Any) -> str:
    """``−50% [−104%, +3%], inconclusive`` for a row of the effects."""
    from vicinity_sim.experiment.figures import cell_text

    main, detail = cell_text(r)
    text = f"{main} {detail}" if detail.startswith("[") else main
    return f"{text}, *{r['verdict']}*"


def _minimum_effects_table(spec: Any) -> list[str]:
    """The minimum effect of interest of each outcome, with its reason."""
    rows = []
    for o in spec.outcomes:
        mei = spec.minimum_effect(o)
        if mei is None:
            rows.append([f"`{o}`", "– (reported, not tested)", ""])
            continue
        where = "experiment file" if o in spec.minimum_effects else "outcome contract"
        rows.append([f"`{o}`", _cell(mei.describe(info(o).unit)),
                     _cell(f"{mei.reason} ({where})")])  # fmt: skip
    return _md_table(["outcome", "minimum effect", "why"], rows, align="lll")


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
            spread = "(no variation)" if r.get("no_variation", False) else \
                _interval(r.ci_low, r.ci_high)  # fmt: skip
            cell = f"{_num(r['mean'])} {spread}"
            cells.append(cell + (f" (n = {int(r.n)})" if int(r.n) < n_max else ""))
        rows.append(cells)
    return _md_table(["outcome", *map(_cell, arms)], rows, align="l" + "r" * len(arms))


def _effects_table(effects: pd.DataFrame, reference: str) -> list[str]:
    """Effects against the reference, grouped by outcome."""
    level = _pct(stats.LEVEL)
    cost = bool(np.isfinite(effects["cost_per_unit_improved_cny"].to_numpy(float)).any())
    header = ["outcome", "arm", f"{_cell(reference)} mean", "arm mean", "effect",
              f"{level} CI (paired)", f"{level} CI (unpaired)", "relative", "p (Holm)",
              "minimum effect", "verdict"]  # fmt: skip
    if cost:
        header.append("CNY per unit improved")
    rows = []
    for r in _by_outcome(effects).itertuples():
        paired = "no variation" if r.no_variation else _interval(r.ci_low, r.ci_high)
        row = [f"`{r.outcome}`" + (" ★" if r.family == "primary" else ""), _cell(str(r.arm)),
               _num(r.reference_mean), _num(r.arm_mean), _signed(r.effect), paired,
               _interval(r.unpaired_ci_low, r.unpaired_ci_high), _percent(r.relative),
               _p(r.p_holm), _num(r.minimum_effect), r.verdict]  # fmt: skip
        if cost:
            row.append(_num(r.cost_per_unit_improved_cny))
        rows.append(row)
    note = (
        f"Effect = arm − {_cell(reference)}; relative = effect / {_cell(reference)} mean; ★ "
        "primary outcome; p (Holm): the paired t test's p-value, Holm-adjusted within the "
        "arm's primary or secondary outcomes; minimum effect in the outcome's unit."
    )
    if cost:
        note += (
            " CNY per unit improved: the difference in `cost_total_cny` per unit of improvement,"
            " where the outcome has a known better direction and improved."
        )
    return [*_md_table(header, rows, align="ll" + "r" * (len(header) - 3) + "l"), note, ""]


def _p(p: float) -> str:
    """A p-value for a table."""
    if p is None or not np.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _sensitivity_table(sens: pd.DataFrame) -> list[str]:
    """Sobol' indices with their intervals; one line per outcome without indices."""
    by_arm = "arm" in sens.columns and sens["arm"].nunique() > 1
    level = _pct(stats.LEVEL)
    header = ["parameter", "outcome", *(["arm"] if by_arm else []),
              f"first order [{level}]", f"total order [{level}]"]  # fmt: skip
    bounds = {col: _bounds(sens, col) for col, _ in SOBOL_INDICES}
    status = _status(sens)
    rows, said = [], set()
    for i, r in enumerate(sens.itertuples(index=False)):
        arm = [_cell(str(r.arm))] if by_arm else []
        if status[i] != "ok":
            key = (r.outcome, str(getattr(r, "arm", "")))
            if key not in said:
                said.add(key)
                note = getattr(r, "note", "") or ""
                text = f"*{status[i]}*" + (f": {_cell(note)}" if note else "")
                rows.append(["(all)", f"`{r.outcome}`", *arm, text, text])
            continue
        row = [f"`{r.parameter}`", f"`{r.outcome}`", *arm]
        for col, _ in SOBOL_INDICES:
            lo, hi = bounds[col][0][i], bounds[col][1][i]
            value = _num(getattr(r, col))
            row.append(value + (f" {_interval(lo, hi)}" if np.isfinite([lo, hi]).any() else ""))
        rows.append(row)
    return _md_table(header, rows, align="ll" + "l" * by_arm + "rr")


def _status(sens: pd.DataFrame) -> np.ndarray:
    """Each row's ``status`` (``ok`` where the table has no status column)."""
    if "status" in sens.columns:
        return sens["status"].fillna("ok").astype(str).to_numpy()
    return np.full(len(sens), "ok", dtype=object)


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


def _sensitivity_figure(sens: pd.DataFrame) -> Figure:
    """Grouped bars of first- and total-order indices per parameter, one panel per outcome;
    outcomes without indices (no variation, undefined) are named under the panels."""
    status = _status(sens)
    skipped = sens.loc[status != "ok"].drop_duplicates(["outcome", "status"])
    sens = sens.loc[status == "ok"]
    label = sens["parameter"].astype(str)
    if "arm" in sens.columns and sens["arm"].nunique() > 1:
        label = label + " (" + sens["arm"].astype(str) + ")"
    sens = sens.assign(_label=label.to_numpy())
    bounds = {col: _bounds(sens, col) for col, _ in SOBOL_INDICES}
    outcomes = list(dict.fromkeys(sens["outcome"]))
    note = "No indices: " + "; ".join(
        f"{info(r.outcome).label} ({r.status})" for r in skipped.itertuples()
    ) if len(skipped) else ""  # fmt: skip
    heights = [0.9 + 0.45 * (sens["outcome"] == o).sum() for o in outcomes]
    fig = Figure(figsize=(7, 0.8 + sum(heights) + 0.4 * bool(note)), layout="constrained")
    if not outcomes:
        fig.text(0.5, 0.5, note, ha="center", va="center", wrap=True)
        fig.suptitle("Sobol' indices", fontsize=11)
        return fig
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
        ax.set_title(f"{info(outcome).label} ({outcome})", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    if note:
        fig.supxlabel(note, fontsize=9, color="0.3")
    axes[-1].set_xlabel("Sobol' index")
    fig.suptitle(f"Sobol' indices ({_pct(stats.LEVEL)} intervals)", fontsize=11)
    # The legend under the panels, or in the first one when a note of outcomes without
    # indices takes the bottom line.
    if note:
        axes[0].legend(fontsize=8, loc="best")
    else:
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
