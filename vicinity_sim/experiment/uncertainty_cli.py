"""The command line of the uncertainty tools: ``screen``, ``calibrate`` with history matching,
``compare --ensemble`` and ``discover`` (imported only by those commands: SALib, scikit-learn
and the EMA Workbench load only when used)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vicinity_sim.errors import InputError


def _replications(args: argparse.Namespace) -> int | None:
    reps = getattr(args, "replications", None)
    if reps is not None and reps < 1:
        raise InputError("--replications", "--replications", f"must be at least 1 (got {reps})")
    return reps


def run(what: str, args: argparse.Namespace, spec: Any, out: Path, extra: list) -> int:
    """``screen``, ``ensemble`` (compare --ensemble) or ``history_matching`` (calibrate).

    The output directory's lock is held from the first run to the last table, as for every
    experiment command, so a second writer stops at once and an interrupt says what was kept.
    """
    from vicinity_sim import outdir

    command = {"screen": _screen, "ensemble": _ensemble, "abc_smc": _abc_smc}.get(
        what, _history_matching
    )
    with outdir.finishing(out, f"every finished run is kept in {out}: run the same command "
                          "again to resume and write the tables"):  # fmt: skip
        return command(args, spec, out, extra)


def _screen(args: argparse.Namespace, spec: Any, out: Path, extra: list) -> int:
    from vicinity_sim.experiment.screen import format_ranking, screen

    result = screen(spec, out, trajectories=args.trajectories, levels=args.levels,
                    groups=args.groups, replications=_replications(args) or 1,
                    only=[x.strip() for x in args.only.split(",")] if args.only else None,
                    executor=args.executor, workers=args.workers, fresh=args.fresh,
                    extra=extra)  # fmt: skip
    n_params = result.ranking.shape[0]
    print(f"Morris screening of {spec.name or spec.path}: {n_params} "
          f"{'groups' if args.groups else 'parameters'}, {args.trajectories} trajectories, "
          f"{result.points} points × {len(spec.arms)} arms")  # fmt: skip
    if result.held:
        print(f"  held fixed: {len(result.held)} uncertain parameter(s) the experiment sets, "
              f"its arms differ in or no village uses (screen.json lists them)")  # fmt: skip
    for s in result.skipped:
        print(f"  skipped: {s}")
    print(
        "Most influential: μ* relative to the top parameter of each effect (level), mean over "
        "the effects (levels) and largest"
    )
    print(format_ranking(result))
    print(f"outputs: {out}/ (screen.csv, screen_ranking.csv, screen.png, screen_design.csv, "
          "runs/)")  # fmt: skip
    return 0


def _thresholds(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise InputError("--threshold", item, "expected OUTCOME=NUMBER")
    return out


def _ensemble(args: argparse.Namespace, spec: Any, out: Path, extra: list) -> int:
    from vicinity_sim.experiment.ensemble import format_ensemble, run_ensemble

    thresholds = _thresholds(args.thresholds)
    for o in thresholds:
        if o not in spec.outcomes:
            raise InputError("--threshold", o, f"'{o}' is not an outcome of the experiment")
    result = run_ensemble(spec, out, args.ensemble, sets=args.sets,
                          replications=_replications(args), executor=args.executor,
                          workers=args.workers, fresh=args.fresh, extra=extra,
                          thresholds=thresholds)  # fmt: skip
    print(format_ensemble(result))
    print(f"outputs: {out}/ (ensemble.md, ensemble.csv, robustness.csv, parameter_sets.csv, "
          "report.md, runs/)")  # fmt: skip
    return 0


def _history_matching(args: argparse.Namespace, spec: Any, out: Path, extra: list) -> int:
    from vicinity_sim.experiment.history_matching import calibrate_history_matching

    result = calibrate_history_matching(spec, out, executor=args.executor,
                                        workers=args.workers, fresh=args.fresh,
                                        extra=extra)  # fmt: skip
    print(result.summary())
    print(f"outputs: {out}/ (posterior.parquet, nroy.parquet, history_matching.json, "
          "report.md, waves/)")  # fmt: skip
    return 0


def _abc_smc(args: argparse.Namespace, spec: Any, out: Path, extra: list) -> int:
    from vicinity_sim.experiment.abc_smc import calibrate_abc_smc

    result = calibrate_abc_smc(spec, out, executor=args.executor, workers=args.workers,
                               fresh=args.fresh, extra=extra)  # fmt: skip
    print(result.summary())
    print(f"outputs: {out}/ (posterior.parquet, abc_smc.json, abc.db, particles/)")
    return 0


def discover(args: argparse.Namespace) -> int:
    """``vicinity-sim discover DIR --outcome NAME --threshold X``."""
    from vicinity_sim.experiment.discover import discover as run_discover
    from vicinity_sim.experiment.discover import format_discovery

    result = run_discover(args.directory, args.outcome, args.threshold,
                          below=args.below, arm=args.arm, level=args.level,
                          method=args.method, boxes=args.boxes,
                          min_density=args.min_density)  # fmt: skip
    print(format_discovery(result))
    return 0
