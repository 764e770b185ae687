"""Scenario discovery: where in parameter space an effect crosses a threshold (PRIM or CART).

The inputs are the parameter sets of an experiment directory with parameter sets (an
ensemble comparison, a screening, any sweep); the output of each set is an arm's mean effect
against the reference (or its mean level) over the replications. Sets whose output lies above
the threshold (or below, with ``below``) are the *cases of interest*: e.g. "the program
displaces more than 20 households", or, below 0 for a death toll, "fails to reduce expected
fire deaths" (effect ≥ 0, i.e. ``--threshold 0`` without ``--below``).

**PRIM** (patient rule induction; Friedman & Fisher 1999, as used for scenario discovery by
Bryant & Lempert 2010) peels a box, one small slice of one parameter's range at a time, from
the whole space towards a region dense in cases of interest: each step trades *coverage*
(the share of all cases of interest inside the box) for *density* (the share of the sets
inside the box that are cases of interest). The peeling trajectory shows that trade-off;
the box kept is the one of highest coverage on the trajectory among those whose density
reaches ``min_density``.
Further boxes are searched after removing the cases the earlier boxes cover.

**CART** (a classification tree, Breiman et al. 1984) splits the space instead; each leaf is a
box with its coverage and density.

Both come from the EMA Workbench (``pip install -e ".[uncertainty]"``), imported only here.
Outputs go to ``DIR/discover/``: the boxes (``<arm>_<outcome>_<method>.csv``: for each box its
restricted parameters' limits, coverage, density and mass) and, for PRIM, the peeling
trajectory of the first box (``…_prim.png``).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vicinity_sim.errors import InputError
from vicinity_sim.runs import atomic_write


@dataclass
class Box:
    """A box: limits of the parameters it restricts, coverage, density, mass."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame | None = field(default=None, repr=False)


@dataclass
class Discovery:
    """Boxes found for one question."""

    question: str
    method: str
    cases: int
    sets: int
    boxes: list[Box]
    files: list[Path] = field(default_factory=list)


def _ema(module: str) -> Any:
    """An EMA Workbench analysis module (its import warns about optional parts: silenced)."""
    import importlib

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(f"ema_workbench.analysis.{module}")
    except ImportError:
        problem = ('needs the EMA Workbench: pip install -e ".[uncertainty]" (or '
                   '"ema_workbench")')  # fmt: skip
        raise InputError("discover", "--method", problem) from None


def _restricted(lims: pd.DataFrame, x: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The parameters a box restricts (limits inside the data's range)."""
    out = {}
    for col in lims.columns:
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        if lo > float(x[col].min()) or hi < float(x[col].max()):
            out[str(col)] = (lo, hi)
    return out


def prim_boxes(x: pd.DataFrame, y: np.ndarray, *, boxes: int = 2, min_density: float = 0.8,
               peel_alpha: float = 0.05) -> list[Box]:  # fmt: skip
    """PRIM boxes of the cases ``y`` (boolean) over inputs ``x`` (EMA Workbench's PRIM).

    Args:
        x: Inputs, one column per parameter.
        y: Whether each row is a case of interest.
        boxes: Most boxes to find.
        min_density: Density a box should reach (PRIM's threshold).
        peel_alpha: Share of the box peeled at each step.

    Returns:
        The boxes, in the order found (a box that covers nothing ends the search).
    """
    prim = _ema("prim")
    y = np.asarray(y, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x.reset_index(drop=True), y, threshold=min_density,
                           peel_alpha=peel_alpha)  # fmt: skip
        out = []
        for _ in range(boxes):
            box = finder.find_box()
            if box is None or not np.isfinite(box.coverage) or box.coverage <= 0:
                break
            # Keep the box of highest coverage among those dense enough (PRIM peels on to
            # density 1 if it can, trading away coverage the threshold does not ask for).
            t = box.peeling_trajectory
            dense = t[t["density"] >= min_density]
            if len(dense):
                box.select(int(dense["coverage"].idxmax()))
            traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
            out.append(Box(_restricted(box.box_lim, x), float(box.coverage),
                           float(box.density), float(box.mass), traj))  # fmt: skip
    return out


def cart_boxes(x: pd.DataFrame, y: np.ndarray, *, mass_min: float = 0.05) -> list[Box]:
    """CART leaves as boxes, the densest first (EMA Workbench's CART on scikit-learn)."""
    cart = _ema("cart")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = cart.CART(x.reset_index(drop=True), np.asarray(y, dtype=bool), mass_min=mass_min)
        tree.build_tree()
    out = [Box(_restricted(lims, x), float(s["coverage"]), float(s["density"]), float(s["mass"]))
           for lims, s in zip(tree.boxes, tree.stats, strict=True)]  # fmt: skip
    return sorted(out, key=lambda b: (-b.density, -b.coverage))


def discovery_data(directory: str | Path, outcome: str, *, arm: str | None = None,
                   level: bool = False) -> tuple[pd.DataFrame, np.ndarray, str]:  # fmt: skip
    """Inputs (parameter sets) and outputs (mean effect or level per set) of a directory.

    Returns:
        (x, y, arm).

    Raises:
        InputError: If the directory has no parameter sets, the arm or outcome is unknown, or
            no set has a value.
    """
    from vicinity_sim.experiment.ensemble import parameter_sets_of
    from vicinity_sim.experiment.points import paired_differences, set_means
    from vicinity_sim.experiment.runner import load_results

    results = load_results(directory)
    spec = results.spec
    shown = str(directory)
    arms = [a.name for a in spec.arms]
    ref = spec.reference_arm
    if arm is None:
        arm = next((a for a in arms if a != ref), ref) if not level else ref
    if arm not in arms:
        raise InputError(shown, "--arm", f"no arm '{arm}' (arms: {arms})")
    if not level and arm == ref:
        raise InputError(shown, "--arm", f"'{arm}' is the reference: it has no effect; give "
                         "another arm or --level")  # fmt: skip
    df = results.summaries
    if outcome not in df.columns:
        raise InputError(shown, "--outcome", f"no results for outcome '{outcome}'")
    x = parameter_sets_of(directory)
    if level:
        y = set_means(df, outcome, arm)
    else:
        d = paired_differences(df, outcome, arm, ref)
        y = d[np.isfinite(d["d"])].groupby("sample")["d"].mean()
    y = y.reindex(range(len(x))).to_numpy(float)
    ok = np.isfinite(y)
    if not ok.any():
        raise InputError(shown, "--outcome", f"'{outcome}' has no value in any parameter set")
    x = x[ok].reset_index(drop=True)
    varying = [c for c in x.columns if x[c].nunique() > 1]
    return x[varying], y[ok], arm


def discover(directory: str | Path, outcome: str, threshold: float, *, below: bool = False,
             arm: str | None = None, level: bool = False, method: str = "prim",
             boxes: int = 2, min_density: float = 0.8) -> Discovery:  # fmt: skip
    """Scenario discovery over an experiment directory's parameter sets (module docstring).

    Raises:
        InputError: For a bad directory, arm, outcome or method, or no case of interest.
    """
    if method not in ("prim", "cart"):
        raise InputError("--method", "--method", f"'{method}': use prim or cart")
    if not 0 < min_density <= 1:
        raise InputError("--min-density", "--min-density", "must lie in (0, 1]")
    x, y, arm = discovery_data(directory, outcome, arm=arm, level=level)
    cases = y < threshold if below else y > threshold
    what = "level" if level else "effect"
    question = f"{arm}: {what} on {outcome} {'<' if below else '>'} {threshold:g}"
    if not cases.any() or cases.all():
        problem = (f"{int(cases.sum())} of {len(cases)} parameter sets have {question}: "
                   "scenario discovery needs some sets on each side of the threshold")  # fmt: skip
        raise InputError(str(directory), "--threshold", problem)
    if not len(x.columns):
        raise InputError(str(directory), "-", "no parameter varies between the sets")
    found = (prim_boxes(x, cases, boxes=boxes, min_density=min_density) if method == "prim"
             else cart_boxes(x, cases))  # fmt: skip
    result = Discovery(question, method, int(cases.sum()), len(cases), found)
    _write(result, Path(directory), arm, outcome)
    return result


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def boxes_table(result: Discovery) -> pd.DataFrame:
    """One row per box and restricted parameter (a box restricting none gets one row)."""
    rows = []
    for i, b in enumerate(result.boxes, 1):
        items = list(b.limits.items()) or [("", (math.nan, math.nan))]
        for key, (lo, hi) in items:
            rows.append({"box": i, "parameter": key, "low": lo, "high": hi,
                         "coverage": b.coverage, "density": b.density, "mass": b.mass})  # fmt: skip
    return pd.DataFrame(rows)


def _write(result: Discovery, directory: Path, arm: str, outcome: str) -> None:
    folder = directory / "discover"
    folder.mkdir(exist_ok=True)
    stem = f"{_slug(arm)}_{_slug(outcome)}_{result.method}"
    path = folder / f"{stem}.csv"
    atomic_write(path, boxes_table(result).to_csv(index=False).encode())
    result.files.append(path)
    if result.method == "prim" and result.boxes and result.boxes[0].trajectory is not None:
        png = folder / f"{stem}.png"
        atomic_write(png, _trajectory_png(result))
        result.files.append(png)


def _trajectory_png(result: Discovery) -> bytes:
    """Peeling trajectory of the first box: density against coverage, coloured by the number
    of restricted parameters; the box kept is circled."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from vicinity_sim.experiment.report import DPI, PNG_METADATA

    box = result.boxes[0]
    t = box.trajectory
    assert t is not None
    fig = Figure(figsize=(6.0, 4.5), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    ax.scatter([box.coverage], [box.density], s=120, facecolors="none", edgecolors="red",
               label="box kept")  # fmt: skip
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_title(f"PRIM peeling trajectory: {result.question}", fontsize=9)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata=PNG_METADATA)
    return buf.getvalue()


def format_discovery(result: Discovery) -> str:
    """The boxes for the terminal."""
    lines = [f"{result.method.upper()}: {result.question} in {result.cases} of {result.sets} "
             "parameter sets"]  # fmt: skip
    if not result.boxes:
        lines.append("  no box found")
    for i, b in enumerate(result.boxes, 1):
        lines.append(f"  box {i}: coverage {b.coverage:.2f}, density {b.density:.2f}, mass "
                     f"{b.mass:.2f}")  # fmt: skip
        if not b.limits:
            lines.append("    (restricts no parameter)")
        for key, (lo, hi) in b.limits.items():
            lines.append(f"    {key:<55} [{lo:.4g}, {hi:.4g}]")
    for f in result.files:
        lines.append(f"  wrote {f}")
    return "\n".join(lines)
