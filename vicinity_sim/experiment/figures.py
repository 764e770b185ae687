"""Figures of experiment reports, for a reader who wants the answer, not the variable names.

* :func:`effects_figure`: one page that reads at a glance: the effect of every arm on every
  outcome, in percent of the reference arm's mean (in the outcome's unit where the reference is
  0, and for cost), grouped by theme, coloured by what the effect says once set against its
  minimum effect of interest and corrected for multiple comparisons
  (:func:`vicinity_sim.experiment.stats.verdict`).
* :func:`series_figure`: an outcome over the dates of the run, per arm, with its band over
  replications clipped to the outcome's feasible range; event outcomes accumulate since the
  start (:func:`vicinity_sim.outcome_info.outcome_series`).

Labels and units come from :mod:`vicinity_sim.outcome_info`. Figures are drawn on
:class:`matplotlib.figure.Figure` (no pyplot, no global state).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from vicinity_sim.experiment import stats
from vicinity_sim.outcome_info import COST, THEMES, info

#: Cell colours of the verdicts: (pale, strong) for the graded ones, one colour for the rest.
GREEN = ("#d9f0d3", "#1b7837")
RED = ("#fddbc7", "#b2182b")
BLUE = ("#d1e5f0", "#2166ac")
FLAT = {
    "negligible": "#e3e3e3",
    "no difference": "#ffffff",
    "inconclusive": "#fff4cc",
    "not tested": "#e8e4f0",
    "undefined": "#ffffff",
}
LEGEND = (
    ("improves", GREEN[1], "improves by at least the minimum effect of interest"),
    ("worsens", RED[1], "worsens by at least the minimum effect of interest"),
    ("increases", BLUE[1], "changes (no better direction) by at least the minimum effect"),
    ("negligible", FLAT["negligible"], "negligible: interval within ± the minimum effect"),
    ("inconclusive", FLAT["inconclusive"], "inconclusive: cannot tell"),
    ("no difference", FLAT["no difference"], "no difference in any run"),
    ("not tested", FLAT["not tested"], "reported, not tested (cost)"),
)
#: Effects this many minimum effects large (or more) get the strongest colour.
SATURATION = 5.0


def _blend(pale: str, strong: str, t: float) -> tuple[float, float, float]:
    """Colour between pale (t = 0) and strong (t = 1)."""
    a = np.array([int(pale[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    b = np.array([int(strong[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    t = float(min(max(t, 0.0), 1.0))
    return tuple(a + (b - a) * t)


def cell_colour(row: Mapping[str, Any]) -> tuple[float, float, float] | str:
    """Colour of an effect's cell: its verdict, graded by its size in minimum effects."""
    v = row["verdict"]
    if v in FLAT:
        return FLAT[v]
    pale, strong = {"improves": GREEN, "worsens": RED}.get(v, BLUE)
    mei = row["minimum_effect"]
    size = abs(row["effect"]) / mei if np.isfinite(mei) and mei > 0 else SATURATION
    return _blend(pale, strong, 0.35 + 0.65 * (min(size, SATURATION) - 1) / (SATURATION - 1))


def _pct(v: float) -> str:
    """A percentage with sensible digits and a real minus sign."""
    if not np.isfinite(v):
        return "–"
    a = abs(v)
    text = f"{v:+.0f}" if a >= 9.5 else f"{v:+.1f}" if a >= 0.95 else f"{v:+.2f}"
    if text in ("+0.00", "-0.00"):
        text = "0"
    return text.replace("-", "−") + ("%" if text != "0" else "")


def human(v: float, unit: str = "") -> str:
    """A number for a reader: 51.8 M, 27,000, 0.043; with its unit if given."""
    if not np.isfinite(v):
        return "–"
    a = abs(v)
    if a >= 1e6:
        text = f"{v / 1e6:.3g} M"
    elif a >= 1e4:
        text = f"{v:,.0f}"
    elif a >= 100:
        text = f"{v:.0f}"
    elif a == 0:
        text = "0"
    else:
        text = f"{v:.3g}"
    text = text.replace("-", "−")
    return f"{text} {unit}".strip() if unit else text


def _signed(v: float, unit: str = "") -> str:
    text = human(v, unit)
    return f"+{text}" if np.isfinite(v) and v > 0 else text


def _uses_percent(outcome: str, ref: float) -> bool:
    return info(outcome).theme != COST and np.isfinite(ref) and ref != 0


def cell_text(row: Mapping[str, Any]) -> tuple[str, str]:
    """Main text (the effect) and detail (its interval or why there is none) of a cell."""
    o, ref, e = row["outcome"], row["reference_mean"], row["effect"]
    lo, hi = row["ci_low"], row["ci_high"]
    if row["verdict"] == "no difference":
        return "0", "no difference"
    if row["verdict"] == "undefined":
        return "–", "undefined"
    if _uses_percent(o, ref):
        scale = 100 / abs(ref)
        main = _pct(e * scale)
        detail = (f"[{_pct(lo * scale)}, {_pct(hi * scale)}]".replace("%", "")
                  if np.isfinite(lo) and np.isfinite(hi) else "")  # fmt: skip
    else:
        unit = info(o).unit
        unit = "CNY" if unit.startswith("CNY") else unit
        main = _signed(e, unit)
        detail = (f"[{human(lo)}, {human(hi)}]"
                  if np.isfinite(lo) and np.isfinite(hi) else "")  # fmt: skip
    if row["no_variation"]:
        detail = "same in every run"
    return main, detail


def _row_label(outcome: str, ref: float, primary: bool) -> str:
    i = info(outcome)
    how = "% of reference" if _uses_percent(outcome, ref) else i.unit
    return ("★ " if primary else "") + f"{i.label} ({how})"


def effects_figure(effects: pd.DataFrame, reference: str, arms: Sequence[str],
                   primary: Sequence[str] = (), title: str = "") -> Figure:  # fmt: skip
    """The effects of an experiment on one page: arms as columns, outcomes as rows by theme.

    Args:
        effects: The frame of :meth:`Results.effects
            <vicinity_sim.experiment.runner.Results.effects>`.
        reference: Reference arm (named in the title).
        arms: Arms in the order of the experiment (the reference is left out).
        primary: Primary outcomes (starred).
        title: Name of the experiment.

    Returns:
        The figure.
    """
    arms = [a for a in arms if a in set(effects["arm"])]
    outcomes = list(dict.fromkeys(effects["outcome"]))
    by_theme = [(t, [o for o in outcomes if info(o).theme == t]) for t in THEMES]
    by_theme = [(t, os_) for t, os_ in by_theme if os_]
    n_rows = sum(len(os_) + 1 for _, os_ in by_theme)
    label_w, ref_w, cell_w, row_h = 3.6, 1.1, 1.35, 0.37
    first = label_w + ref_w  # left edge of the first arm's column
    width = first + cell_w * len(arms) + 0.3
    height = 1.5 + row_h * n_rows + 1.1
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")

    head = f"{title}: " if title else ""
    ax.text(0.15, 0.35, f"{head}effects against {reference}", fontsize=13, weight="bold",
            va="center")  # fmt: skip
    ax.text(0.15, 0.72, "Each cell: the mean paired effect of the arm (in % of the reference "
            f"mean unless a unit is shown) and its {100 * stats.LEVEL:g}% interval.",
            fontsize=8.5, va="center", color="0.25")  # fmt: skip
    ax.text(0.15, 0.98, "Colour: what the effect says once set against its minimum effect of "
            f"interest, with Holm-adjusted p < {stats.ALPHA:g}. ★ primary outcome.",
            fontsize=8.5, va="center", color="0.25")  # fmt: skip
    y = 1.5
    ax.text(label_w + ref_w / 2, y - 0.12, f"{reference}\nmean", ha="center", va="bottom",
            fontsize=8, color="0.3")  # fmt: skip
    for j, arm in enumerate(arms):
        ax.text(first + cell_w * (j + 0.5), y - 0.12, _wrap(str(arm)), ha="center",
                va="bottom", fontsize=9, weight="bold")  # fmt: skip
    cells = {(r["outcome"], r["arm"]): r for r in effects.to_dict("records")}
    for theme, names in by_theme:
        ax.text(0.15, y + row_h / 2, theme.capitalize(), fontsize=10, weight="bold",
                va="center", color="#333333")  # fmt: skip
        ax.plot([0.15, width - 0.15], [y + row_h - 0.02] * 2, color="0.6", lw=0.8)
        y += row_h
        for o in names:
            ref = float(effects.loc[effects["outcome"] == o, "reference_mean"].iloc[0])
            ax.text(0.25, y + row_h / 2, _row_label(o, ref, o in primary), fontsize=8.5,
                    va="center", weight="bold" if o in primary else "normal")  # fmt: skip
            ax.text(label_w + ref_w / 2, y + row_h / 2, human(ref), ha="center", va="center",
                    fontsize=8, color="0.3")  # fmt: skip
            for j, arm in enumerate(arms):
                row = cells.get((o, arm))
                if row is None:
                    continue
                x0 = first + cell_w * j
                ax.add_patch(Rectangle((x0 + 0.03, y + 0.02), cell_w - 0.06, row_h - 0.04,
                                       facecolor=cell_colour(row), edgecolor="0.85",
                                       linewidth=0.5))  # fmt: skip
                main, detail = cell_text(row)
                strong = row["verdict"] in ("improves", "worsens", "increases", "decreases")
                colour = "white" if strong and _dark(cell_colour(row)) else "black"
                if row["verdict"] in ("negligible", "no difference"):
                    colour = "0.45"
                ax.text(x0 + cell_w / 2, y + row_h * 0.36, main, ha="center", va="center",
                        fontsize=8.5, weight="bold", color=colour)  # fmt: skip
                ax.text(x0 + cell_w / 2, y + row_h * 0.76, detail, ha="center", va="center",
                        fontsize=6.5, color=colour)  # fmt: skip
            y += row_h
    handles = [Patch(facecolor=c, edgecolor="0.6", label=text) for _, c, text in LEGEND]
    fig.legend(handles=handles, loc="lower center", ncols=2, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0))  # fmt: skip
    return fig


def _wrap(name: str, width: int = 14) -> str:
    """An arm's name on at most two lines (at underscores or spaces)."""
    if len(name) <= width:
        return name
    words = name.replace("_", "_\n").replace(" ", " \n").split("\n")
    lines = [""]
    for w in words:
        if len(lines[-1]) + len(w) > width and lines[-1] and len(lines) < 2:
            lines.append("")
        lines[-1] += w
    return "\n".join(line.rstrip() for line in lines)


def _dark(colour: tuple[float, float, float] | str) -> bool:
    if isinstance(colour, str):
        return False
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b < 0.5


# --- series over time ---------------------------------------------------------------------


def series_frame(frames: pd.DataFrame, outcome: str, level: float = stats.LEVEL) -> pd.DataFrame:
    """Mean and band over replications of an outcome's series, per arm and day.

    Args:
        frames: Daily columns of every task (``Store.frames``): day, arm, sample,
            replication, optionally date, and the columns the series needs.
        outcome: Summary outcome.
        level: Level of the t band.

    Returns:
        arm, day, date (if known), mean, low, high; the band is clipped to the outcome's
        feasible range. Empty if the outcome has no series or its columns are missing.
    """
    from vicinity_sim.outcome_info import outcome_series

    parts = []
    for (arm, _, _), g in frames.groupby(["arm", "sample", "replication"], sort=False):
        g = g.sort_values("day")
        values = outcome_series({c: g[c].to_numpy() for c in g.columns}, outcome)
        if values is None:
            return pd.DataFrame(columns=["arm", "day", "date", "mean", "low", "high"])
        part = pd.DataFrame({"arm": arm, "day": g["day"].to_numpy(), "value": values})
        if "date" in g:
            part["date"] = g["date"].to_numpy()
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["arm", "day", "date", "mean", "low", "high"])
    df = pd.concat(parts, ignore_index=True)
    keys = ["arm", "day", *(["date"] if "date" in df else [])]
    # One aggregation over all (arm, day) groups: a study of 7 arms over 3 years has 7,665 of
    # them per outcome, and t intervals computed group by group took about a second per outcome.
    value = df["value"].astype(float)
    df["value"] = value.where(np.isfinite(value))  # infinite values count as missing
    grouped = df.groupby(keys, sort=True)["value"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    n = out.pop("count").to_numpy()
    sd = out.pop("std").to_numpy(float)
    mean = out["mean"].to_numpy(float)
    quantile = np.full(len(n), np.nan)
    several = n >= 2
    quantile[several] = stats.t_quantile(level, n[several] - 1)
    half = quantile * sd / np.sqrt(np.maximum(n, 1))
    lo_b, hi_b = info(outcome).bounds
    out["low"] = _clipped(mean - half, lo_b, hi_b)
    out["high"] = _clipped(mean + half, lo_b, hi_b)
    return out


def _clipped(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``x`` within [lo, hi] where it is finite (NaN stays NaN)."""
    return np.where(np.isfinite(x), np.clip(x, lo, hi), x)


def axis_number(v: float, _pos: int | None = None) -> str:
    """A tick label without offsets or powers of ten: 20 M, 350 k, 0.45."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:g} M"
    if a >= 1e4:
        return f"{v / 1e3:g} k"
    return f"{v:g}"


#: Arms up to which every arm's band is drawn; with more, only the reference arm's.
MAX_BANDS = 3


def series_figure(ts: pd.DataFrame, outcome: str, colours: dict[str, str],
                  palette: Sequence[str], linestyles: Sequence[str],
                  reference: str | None = None, start: str | None = None) -> Figure:  # fmt: skip
    """An outcome over time: mean per arm with its band, dates on the x axis.

    With more than :data:`MAX_BANDS` arms, only the reference arm's band is drawn (overlapping
    bands hide the lines; the effects and their paired intervals are in the effects figure).

    Args:
        ts: The frame of :func:`series_frame`.
        outcome: Summary outcome.
        colours: Arm → colour.
        palette, linestyles: Cycled for arms without a colour, and line styles by arm order.
        reference: The reference arm.
        start: First date of the run (shown under the axis).

    Returns:
        The figure.
    """
    i_ = info(outcome)
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = fig.add_subplot()
    arms = [a for a in colours if a in set(ts["arm"])]
    arms += sorted(set(ts["arm"]) - set(arms))
    dated = "date" in ts and ts["date"].notna().all()
    banded = set(arms) if len(arms) <= MAX_BANDS or reference not in arms else {reference}
    for k, arm in enumerate(arms):
        g = ts[ts["arm"] == arm].sort_values("day")
        x = pd.to_datetime(g["date"]).to_numpy() if dated else g["day"].to_numpy()
        colour = colours.get(arm, palette[k % len(palette)])
        mean = g["mean"].to_numpy(float)
        low, high = g["low"].to_numpy(float), g["high"].to_numpy(float)
        band = np.isfinite(low) & np.isfinite(high)
        if arm in banded:
            ax.fill_between(x, low, high, where=band, color=colour, alpha=0.18, linewidth=0)
        ax.plot(x, mean, color=colour, linewidth=1.6, linestyle=linestyles[k % len(linestyles)],
                label=arm)  # fmt: skip
    ax.set_title(i_.series_label, fontsize=11)
    ax.set_ylabel(i_.series_unit)
    if dated:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        first = pd.Timestamp(ts["date"].min()).date()
        ax.set_xlabel(f"date (the run starts on {start or first})", fontsize=9)
    else:
        ax.set_xlabel("day of the run")
    ax.yaxis.set_major_formatter(FuncFormatter(axis_number))
    # Axes follow the data, but never show values outside the feasible range.
    bottom, top = ax.get_ylim()
    lo_b, hi_b = i_.bounds
    ax.set_ylim(max(bottom, lo_b), min(top, hi_b))
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(arms), 4), fontsize=9, frameon=False,
               title=f"shaded: {100 * stats.LEVEL:g}% t interval over replications"
               + ("" if banded == set(arms) else f" ({reference} only)"),
               title_fontsize=8)  # fmt: skip
    return fig
