"""Command line: ``vicinity-sim run | compare | ... | dashboard`` (``--help`` lists them).

Bad input (a malformed scenario, an impossible parameter, a missing file, a bad option) prints
one line ``vicinity-sim: error: SOURCE: KEY: PROBLEM`` on stderr and exits with status 2,
leaving no output behind.

Every command takes ``-q`` (results and errors only: no progress bars, no notes) and ``-v``
(more diagnostics; ``-vv`` for debugging). Diagnostics go through :mod:`logging` (logger
``vicinity_sim``) to stderr; results go to stdout. Heavy modules (Mesa, numba, the kernels)
are imported by the commands that need them, so ``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

from vicinity_sim.errors import InputError
from vicinity_sim.names import file_name

EXIT_INPUT = 2

log = logging.getLogger("vicinity_sim.cli")

#: Outcomes shown after a run or comparison (all are in summary.json).
HEADLINE = [
    "fires_per_year",
    "fire_deaths",
    "fire_injuries",
    "deaths_expected_per_100_fires",
    "buildings_damaged",
    "buildings_per_fire",
    "mean_response_min",
    "flood_exposed_resident_days",
    "trust_institutional",
    "trust_interpersonal",
    "trust_gap_local_migrant",
    "acquaintance_ties_mean",
    "participation_rate",
    "police_incidents_per_year",
    "disputes_resolved_grassroots_share",
    "jobs_created",
    "income_collective",
    "income_individual_mean",
    "rent_burden_mean",
    "displaced_households",
    "cost_total_cny",
]


class _Parser(argparse.ArgumentParser):
    """Argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _add_verbosity_options(p: argparse.ArgumentParser) -> None:
    """``-q``/``-v``, which every command takes."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true",
                       help="results and errors only (no progress bars or notes)")  # fmt: skip
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="more diagnostics (-vv: debugging detail)")  # fmt: skip


class _StderrHandler(logging.Handler):
    """Writes records to the current ``sys.stderr`` (which tests and notebooks may swap)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # a closed pipe must not turn a diagnostic into a traceback
            self.handleError(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"vicinity-sim: {record.levelname.lower()}: {record.getMessage()}"


def configure_logging(quiet: bool = False, verbose: int = 0) -> None:
    """Send the package's diagnostics to stderr at the level ``-q``/``-v`` ask for."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO)[min(verbose, 1)]
    if verbose >= 2:
        level = logging.DEBUG
    root = logging.getLogger("vicinity_sim")
    for h in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(_Formatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    import warnings

    # Other libraries' warnings (numerical notes from scipy, notices from Mesa and the like)
    # are diagnostics too: shown through logging with -vv, kept out of the output otherwise.
    logging.captureWarnings(verbose >= 2)
    if verbose < 2:
        for category in (RuntimeWarning, UserWarning, FutureWarning, DeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=r"(?!vicinity_sim)")


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, help="simulated days (overrides run.days)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario value, e.g. --set villages[0].population.n_residents=5000",
    )  # fmt: skip


def _add_experiment_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--executor", default="local",
        help="local (default), dask (a local Dask cluster) or dask://HOST:PORT",
    )  # fmt: skip
    p.add_argument("--fresh", action="store_true",
                   help="discard earlier results in --out (only ever deletes a directory that "
                   "holds an experiment or calibration)")  # fmt: skip


def _is_experiment(path: str) -> bool:
    """Whether a TOML file is an experiment (it has arms) rather than a scenario."""
    import tomllib

    try:
        return "arms" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the scenario loader reports the problem


def _experiment_out(args: argparse.Namespace, spec: Any, what: str) -> Path:
    if args.out:
        return Path(args.out)
    name = file_name(spec.name or Path(spec.path).stem, str(spec.path), "name")
    return Path("outputs") / f"{name}-{what}"


def cmd_experiment(args: argparse.Namespace, path: str, what: str) -> int:
    """compare / sweep / sensitivity / calibrate / screen on an experiment file."""
    from vicinity_sim.experiment import Experiment, load_experiment

    spec = load_experiment(path)
    if what == "compare" and getattr(args, "ensemble", None):
        what = "ensemble"
    out = _experiment_out(args, spec, what)
    # compare takes --force as --fresh: both say "replace what --out holds" (see --help).
    args.fresh = args.fresh or getattr(args, "force", False)
    extra = [(text, None, label) for text, label in _labelled(_overrides(args))]
    # Mistakes in the file and the overrides first, whatever the command.
    Experiment(spec, extra).resolve_all()
    if what == "compare" and (args.sets is not None or args.thresholds):
        raise InputError("--sets" if args.sets is not None else "--threshold", "-",
                         "needs --ensemble")  # fmt: skip
    if what in ("screen", "ensemble"):
        from vicinity_sim.experiment import uncertainty_cli

        return uncertainty_cli.run(what, args, spec, out, extra)
    if (
        what == "calibrate"
        and spec.calibration is not None
        and spec.calibration.method in ("history_matching", "abc_smc")
    ):
        from vicinity_sim.experiment import uncertainty_cli

        return uncertainty_cli.run(spec.calibration.method, args, spec, out, extra)
    if what == "calibrate":
        from vicinity_sim.experiment.calibrate import calibrate

        if spec.calibration is None:
            raise InputError(path, "calibration", "the experiment has no [calibration] table")
        result = calibrate(spec, out, executor=args.executor, workers=args.workers,
                           fresh=args.fresh, extra=extra)  # fmt: skip
        state = "converged" if result.converged else "not converged"
        print(f"Calibration of {spec.name or path}: objective {result.objective:.4g} after "
              f"{result.evaluations} evaluations ({state})")  # fmt: skip
        for key, value in result.parameters.items():
            print(f"  {key:<45} {value:12.5g}  ± {result.standard_errors[key]:.3g} (s.e.)")
        for m in result.moments:
            tag = "held out" if m.get("held_out") else "target"
            print(f"  {tag} {m['outcome']} ({m['arm']}): {m['value']:.4g} ± {m['sd']:.3g}, "
                  f"simulated {m['simulated']:.4g}")  # fmt: skip
        if result.j_test:
            print(f"  {result.j_test['message']}")
        print(f"outputs: {out}/ (report.md, calibration.json, calibration.csv, evals/)")
        return 0
    if what in ("sweep", "sensitivity") and spec.sweep is None:
        raise InputError(path, "sweep", "the experiment has no [sweep] table")
    if what == "sensitivity" and spec.sweep.design != "sobol":
        raise InputError(path, "sweep.design", 'sensitivity needs design = "sobol"')
    if getattr(args, "replications", None) is not None:
        if args.replications < 1:
            raise InputError("--replications", "--replications",
                             f"must be at least 1 (got {args.replications})")  # fmt: skip
        # A fixed number replaces the file's (and its sequential stopping).
        spec = spec.model_copy(update={"replications": args.replications, "stopping": None})
    from vicinity_sim import outdir

    # Held from the first task to the last table: the report is written under the lock too.
    with outdir.finishing(out, f"every task is finished and kept in {out}: run the same "
                          "command again to write the tables and report"):  # fmt: skip
        return _experiment_outputs(args, path, spec, out, what, extra)


def _experiment_outputs(args: argparse.Namespace, path: str, spec: Any, out: Path, what: str,
                        extra: list) -> int:  # fmt: skip
    """Run the experiment (or resume it) and write its tables and report."""
    from vicinity_sim.experiment import run_experiment
    from vicinity_sim.experiment.report import format_effects_table, write_report

    log.info("%s: %d arms, %d replications, outcomes %s; results in %s", path, len(spec.arms),
             spec.replications, ", ".join(spec.outcomes), out)  # fmt: skip
    results = run_experiment(spec, out, executor=args.executor, workers=args.workers,
                             fresh=args.fresh, extra=extra, progress=not args.quiet)  # fmt: skip
    sensitivity = None
    if what == "sensitivity":
        import pandas as pd

        from vicinity_sim.experiment.sensitivity import sobol_indices_of

        # Every arm, as the experiment files describe: an arm's indices say which assumptions
        # its outcomes hinge on.
        sensitivity = pd.concat([sobol_indices_of(results, o, arm.name) for arm in spec.arms
                                 for o in spec.outcomes], ignore_index=True)  # fmt: skip
        from vicinity_sim.runs import atomic_write

        atomic_write(out / "sensitivity.csv", sensitivity.to_csv(index=False).encode())
        print(f"Sobol' indices ({spec.sweep.samples}·(d+2) samples per arm):")
        shown = set()
        for _, row in sensitivity.iterrows():
            if row["status"] != "ok":  # no variation, or undefined: one line per outcome
                if (row["arm"], row["outcome"]) not in shown:
                    shown.add((row["arm"], row["outcome"]))
                    print(f"  {row['arm']:<12} {row['outcome']:<30} {row['status']}: "
                          f"{row['note']}")  # fmt: skip
                continue
            print(f"  {row['arm']:<12} {row['outcome']:<30} {row['parameter']:<38} first "
                  f"{row['first_order']:6.3f}  total {row['total_order']:6.3f}")  # fmt: skip
    if what == "sweep":
        from vicinity_sim.runs import atomic_write

        table = results.sweep_table()
        atomic_write(out / "sweep.csv", table.to_csv(index=False).encode())
        print(table.to_string(index=False, max_rows=40))
    write_report(results, out, sensitivity)
    if what == "compare":
        reps = results.summaries.replication.nunique()
        print(f"{spec.name or path}: {len(spec.arms)} arms × {reps} replications; "
              f"reference: {spec.reference_arm}")  # fmt: skip
        print(format_effects_table(results.effects()))
    print(f"outputs: {out}/ (report.md, effects.csv, runs/)")
    return 0


def _overrides(args: argparse.Namespace) -> list:
    """``--set`` items plus the dedicated options, labelled for error messages (the seed is
    not one: it is set as an integer, see :func:`~vicinity_sim.scenario.with_seed`)."""
    items: list = list(getattr(args, "overrides", []))
    for option, key in (("days", "days"), ("replication", "replication")):
        value = getattr(args, option, None)
        if value is not None:
            items.append((f"run.{key}={value}", f"--{option}"))
    return items


def _labelled(items: list) -> list[tuple[str, str]]:
    return [(i, "--set") if isinstance(i, str) else (i[0], i[1]) for i in items]


def build_parser() -> argparse.ArgumentParser:
    from vicinity_sim import __version__

    parser = _Parser(
        prog="vicinity-sim",
        description="Simulate urban-village governance (近邻党建) and compare interventions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="run a scenario and write its outputs")
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--out", help="output directory (default: outputs/<scenario>-seed<N>)")
    p.add_argument("--seed", type=int, help="seed (overrides run.seed)")
    p.add_argument("--replication", type=int, help="replication index (overrides run.replication)")
    p.add_argument("--force", action="store_true", help="replace a non-empty output directory")
    p.add_argument(
        "--engine", choices=["fast", "reference"], default="fast",
        help="fast (arrays and numba, default) or reference (one Mesa agent per person, "
        "plain Python: the readable specification, about 100x slower)",
    )  # fmt: skip
    p.add_argument(
        "--buildings", choices=["geojson", "parquet"],
        help="also write the buildings of footprint villages with their outcomes "
        "(buildings.geojson or buildings.parquet, for QGIS or kepler.gl; needs the geo extra)",
    )  # fmt: skip
    p.add_argument(
        "--workers", type=int, default=1,
        help="worker processes a scenario of several villages is spread over, balanced by "
        "residents (default 1; the outputs are the same for any number)",
    )  # fmt: skip
    p.add_argument(
        "--executor", default="local",
        help="local (default: worker processes on this machine), dask (a local Dask "
        "cluster of --workers processes) or dask://HOST:PORT (an existing Dask cluster)",
    )  # fmt: skip
    _add_scenario_options(p)

    p = sub.add_parser(
        "compare",
        help="an experiment file, or scenario files over common seeds: paired differences",
    )
    p.add_argument(
        "scenarios", nargs="+",
        help="one experiment file, or scenario files (the first is the reference)",
    )  # fmt: skip
    p.add_argument("--seeds", type=int, default=5, help="scenario files: seeds (default 5)")
    p.add_argument("--first-seed", type=int, default=0, help="scenario files: first seed")
    p.add_argument("--out", help="output directory (default: outputs/<name>)")
    p.add_argument("--force", action="store_true",
                   help="replace what --out holds; the same as --fresh (scenario files: any "
                   "non-empty directory; an experiment: only an experiment directory)")  # fmt: skip
    p.add_argument("--replications", type=int,
                   help="experiment file: this many replications (replaces the file's number "
                   "and its sequential stopping)")  # fmt: skip
    p.add_argument("--ensemble", metavar="PARQUET",
                   help="experiment file: run every arm at each parameter set of this table "
                   "(e.g. a calibration's posterior.parquet)")  # fmt: skip
    p.add_argument(
        "--sets", type=int, help="with --ensemble: use the first K parameter sets (default: all)"
    )
    p.add_argument(
        "--threshold",
        dest="thresholds",
        action="append",
        default=[],
        metavar="OUTCOME=X",
        help="with --ensemble: robustness threshold, the improvement (effect in "
        "the intended direction) an arm must reach in a parameter set (default 0)",
    )
    _add_experiment_options(p)
    _add_scenario_options(p)

    p = sub.add_parser(
        "screen",
        help="Morris elementary effects of the uncertain parameters on an experiment's "
        "outcomes and effects",
    )  # fmt: skip
    p.add_argument("experiment", help="experiment file (TOML)")
    p.add_argument("--out", help="output directory (default: outputs/<name>-screen)")
    p.add_argument("--trajectories", type=int, default=6,
                   help="Morris trajectories r (default 6; points = r·(parameters+1), or "
                   "r·(groups+1) with --groups)")  # fmt: skip
    p.add_argument("--levels", type=int, default=4, help="grid levels (default 4)")
    p.add_argument("--only", metavar="SECTION,...",
                   help="screen only these sections (fire, contacts, villages.plan, ...) or "
                   "keys; the other parameters keep their values")  # fmt: skip
    p.add_argument("--groups", action="store_true",
                   help="screen one group per section (fire, contacts, villages.plan, ...) "
                   "instead of every parameter")  # fmt: skip
    p.add_argument(
        "--replications",
        type=int,
        help="replications per arm and point (default 1: common random numbers "
        "keep one replication's elementary effects free of the noise between runs)",
    )
    _add_experiment_options(p)
    _add_scenario_options(p)

    p = sub.add_parser(
        "discover",
        help="scenario discovery (PRIM or CART) over the parameter sets of an ensemble or "
        "screening directory",
    )  # fmt: skip
    p.add_argument("directory", help="experiment directory with parameter sets")
    p.add_argument("--outcome", required=True, help="outcome to explain")
    p.add_argument("--threshold", type=float, required=True,
                   help="cases of interest: the effect (or level) above this value")  # fmt: skip
    p.add_argument("--below", action="store_true",
                   help="cases of interest below the threshold instead of above")  # fmt: skip
    p.add_argument("--arm", help="arm (default: the first arm other than the reference)")
    p.add_argument(
        "--level",
        action="store_true",
        help="explain the arm's level instead of its effect against the reference",
    )
    p.add_argument("--method", choices=["prim", "cart"], default="prim",
                   help="prim (default) or cart")  # fmt: skip
    p.add_argument("--boxes", type=int, default=2, help="PRIM: boxes to find (default 2)")
    p.add_argument("--min-density", type=float, default=0.8,
                   help="PRIM: density a box should reach (default 0.8)")  # fmt: skip

    for name, text in (
        ("sweep", "run an experiment's [sweep] design and tabulate outcomes by sample"),
        ("sensitivity", "Sobol' indices of the outcomes over an experiment's [sweep] (sobol)"),
        ("calibrate", "fit an experiment's [calibration] parameters to its targets"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("experiment", help="experiment file (TOML)")
        p.add_argument("--out", help="output directory (default: outputs/<name>)")
        _add_experiment_options(p)
        _add_scenario_options(p)

    p = sub.add_parser("validate", help="check a scenario file")
    p.add_argument("scenario", help="scenario file (TOML)")
    _add_scenario_options(p)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.add_argument("--out", help="write to this file instead of stdout")

    p = sub.add_parser(
        "regress",
        help="rerun golden scenarios over their seeds and compare outcome means (exit 1 if any "
        "moved beyond the tolerance)",
    )  # fmt: skip
    p.add_argument("golden", nargs="*",
                   help="golden files (default: tests/golden/*.json)")  # fmt: skip
    p.add_argument("--update", action="store_true",
                   help="rerun and rewrite the golden files, printing what moved")  # fmt: skip
    p.add_argument("--scenario",
                   help="with --update and one golden file: (re)define it for this scenario "
                   "(path relative to the golden file's folder is stored)")  # fmt: skip
    p.add_argument("--seeds", type=int, default=8,
                   help="with --scenario: number of seeds, 0..N-1 (default 8)")  # fmt: skip
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="check with this override on top of the golden file's (a what-if; not with "
        "--update unless --scenario defines the file)",
    )  # fmt: skip

    p = sub.add_parser(
        "dashboard",
        help="explore a scenario in the browser (needs the viz extra): the village plan, live "
        "outcome series, intervention switches",
    )  # fmt: skip
    p.add_argument("scenario", nargs="?", help="scenario file (default: the default village)")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")

    sub.add_parser("params", help="print every parameter with unit, default, range and source")
    sub.add_parser("interventions", help="list the intervention catalogue")
    for command in sub.choices.values():  # every command, whoever added it
        _add_verbosity_options(command)
    return parser


def _print_summary(summary: dict[str, Any], title: str) -> None:
    from vicinity_sim.compare import format_number
    from vicinity_sim.outcomes import describe

    desc = describe()
    print(title)
    width = max(len(k) for k in HEADLINE)
    for k in HEADLINE:
        print(f"  {k:<{width}}  {format_number(summary.get(k)):>14}  {desc.get(k, '')}")


def cmd_run(args: argparse.Namespace) -> int:
    from vicinity_sim import outdir, preflight, supervise
    from vicinity_sim.experiment.executors import check_executor
    from vicinity_sim.runs import publish, run_files, simulate
    from vicinity_sim.scenario import load_scenario, with_seed

    check_executor(args.executor, args.workers)
    scenario = load_scenario(args.scenario, _overrides(args))
    if args.seed is not None:
        scenario = with_seed(scenario, args.seed)
    stem = scenario.name or Path(args.scenario).stem
    if args.out:
        out = Path(args.out)
    else:
        out = Path("outputs") / f"{file_name(stem, args.scenario, 'name')}-seed{scenario.run.seed}"
    outdir.check_target(out, args.force)
    preflight.check_runs(out, [scenario], 1, args.scenario, workers=args.workers)
    if args.buildings:  # refused before the run, not after it
        from vicinity_sim.building_outputs import check_buildings_output

        check_buildings_output(scenario, args.buildings)
    log.info("%s: %d village(s), %d days, seed %d, hash %s", args.scenario,
             len(scenario.villages), scenario.run.days, scenario.run.seed,
             scenario.content_hash()[:12])  # fmt: skip
    with outdir.writing(out, args.force):  # held while simulating: one writer per directory
        try:
            result = simulate(scenario, progress=not args.quiet, engine=args.engine,
                              buildings=args.buildings, workers=args.workers,
                              executor=args.executor)  # fmt: skip
        except KeyboardInterrupt as e:
            kept = "nothing was written (a run writes its outputs when it has finished)"
            raise supervise.interrupted(e, f"{kept}; run it again") from None
        log.info("built in %.2f s, simulated in %.2f s", result.timings["build_s"],
                 result.timings["simulate_s"])  # fmt: skip
        publish(run_files(result), out, args.force)
    log.info("wrote %s", out)
    if args.quiet:
        print(out)
        return 0
    n_v = len(scenario.villages)
    _print_summary(
        result.summary,
        f"{stem}: {scenario.run.days} days, {n_v} village{'s' * (n_v > 1)}, "
        f"seed {result.seed}, {args.engine} engine ({result.timings['simulate_s']:.1f} s)",
    )
    names = ["timeseries.parquet", "fire_events.parquet", "summary.json", *result.files,
             *(["agents/"] if result.agents else []), "manifest.json"]  # fmt: skip
    print(f"outputs: {out}/ ({', '.join(names)})")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) == 1 and _is_experiment(args.scenarios[0]):
        return cmd_experiment(args, args.scenarios[0], "compare")
    for option, given in (("--ensemble", args.ensemble), ("--sets", args.sets),
                          ("--threshold", args.thresholds)):  # fmt: skip
        if given:
            raise InputError(option, option, "needs an experiment file (with arms)")

    from vicinity_sim import outdir, preflight, supervise
    from vicinity_sim.scenario import load_scenario

    if args.seeds < 1:
        raise InputError("--seeds", "--seeds", f"must be at least 1 (got {args.seeds})")
    if args.first_seed < 0:
        raise InputError("--first-seed", "--first-seed", "must be non-negative")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    arms: dict[str, Any] = {}
    for path in args.scenarios:
        scenario = load_scenario(path, _overrides(args))
        name = file_name(scenario.name or Path(path).stem, path, "name")  # names a folder
        if name in arms:
            name = f"{name}-{len(arms)}"
        arms[name] = scenario
    out = Path(args.out or "outputs/compare")
    args.force = args.force or args.fresh  # one meaning for both: replace what --out holds
    outdir.check_target(out, args.force)
    preflight.check_runs(out, list(arms.values()), len(seeds), args.scenarios[0])
    with outdir.writing(out, args.force):
        try:
            return _compare_scenarios(args, arms, seeds, out)
        except KeyboardInterrupt as e:
            raise supervise.interrupted(e, "nothing was written (a comparison of scenario "
                                        "files writes its outputs when every run has "
                                        "finished); run it again") from None  # fmt: skip


def _compare_scenarios(args: argparse.Namespace, arms: dict[str, Any], seeds: list[int],
                       out: Path) -> int:  # fmt: skip
    from tqdm import tqdm  # plain text bars: no notebook widgets needed

    from vicinity_sim.compare import compare_summaries, format_number
    from vicinity_sim.runs import json_bytes, publish, run_files, simulate

    files: dict[str, bytes] = {}
    summaries: dict[str, list[dict[str, Any]]] = {name: [] for name in arms}
    jobs = [(name, seed) for name in arms for seed in seeds]
    for name, seed in tqdm(jobs, desc="runs", unit="run", delay=2.0, leave=False,
                           disable=args.quiet):  # fmt: skip
        result = simulate(arms[name], seed=seed)
        summaries[name].append(result.summary)
        prefix = f"{name}/seed-{seed}/"
        files.update({prefix + k: v for k, v in run_files(result).items()})

    reference = next(iter(arms))
    effects = compare_summaries(summaries, HEADLINE, reference)
    table = {
        arm: [e.__dict__ | {"relative": e.relative} for e in effs] for arm, effs in effects.items()
    }
    files["comparison.json"] = json_bytes(
        {
            "reference": reference,
            "seeds": seeds,
            "days": arms[reference].run.days,
            "effects": table,
        }
    )
    publish(files, out, args.force)

    days = arms[reference].run.days
    print(f"Paired comparison over seeds {seeds[0]}–{seeds[-1]} ({len(seeds)} seeds), {days} days;"
          f" reference: {reference}")  # fmt: skip
    for arm, effs in effects.items():
        print(f"\n{arm} vs {reference}  (difference: mean and 95% CI over seeds)")
        w = max(len(k) for k in HEADLINE)
        head = ("outcome", reference[:14], arm[:14], "difference", "95% CI")
        print(f"  {head[0]:<{w}}  {head[1]:>14}  {head[2]:>14}  {head[3]:>12}  {head[4]:>25}")
        for e in effs:
            ci = f"[{format_number(e.ci_low)}, {format_number(e.ci_high)}]"
            if e.ci_low == e.ci_high:  # the same difference at every seed: no interval
                ci = "no variation"
            cells = [format_number(v) for v in (e.reference_mean, e.arm_mean, e.diff_mean)]
            print(f"  {e.outcome:<{w}}  {cells[0]:>14}  {cells[1]:>14}  {cells[2]:>12}  {ci:>25}")
    print(f"\noutputs: {out}/ (comparison.json and one folder per scenario and seed)")
    return 0


def cmd_regress(args: argparse.Namespace) -> int:
    import os

    from vicinity_sim.regress import Golden, check, update

    paths = [Path(g) for g in args.golden] or sorted(Path("tests/golden").glob("*.json"))
    if not paths:
        raise InputError("tests/golden", "-", "no golden files: give their paths, or create "
                         "one with --update --scenario FILE GOLDEN.json")  # fmt: skip
    if args.scenario is not None:
        if not args.update or len(paths) != 1:
            raise InputError("--scenario", "--scenario",
                             "needs --update and exactly one golden file to define")  # fmt: skip
        if args.seeds < 2:
            raise InputError("--seeds", "--seeds", f"must be at least 2 (got {args.seeds})")
        scenario = Path(args.scenario)
        if not scenario.is_file():
            raise InputError(str(scenario), "-", "file not found")
        rel = os.path.relpath(scenario.resolve(), paths[0].resolve().parent)
        old = Golden.read(paths[0]).outcomes if paths[0].exists() else {}
        golden = Golden(paths[0], Path(rel).as_posix(), list(args.overrides),
                        list(range(args.seeds)), old)  # fmt: skip
        print(update(golden, args.workers))
        return 0
    if args.update and args.overrides:
        raise InputError("--set", "--set", "a what-if is not stored: edit the golden file's "
                         "'set' list or the scenario, or redefine it with --scenario")  # fmt: skip
    goldens = [Golden.read(p) for p in paths]
    failed = 0
    for golden in goldens:
        if args.update:
            print(update(golden, args.workers))
            continue
        golden.overrides = [*golden.overrides, *args.overrides]
        passed, text = check(golden, args.workers)
        print(text)
        failed += not passed
    if failed:
        print(f"regress: {failed} of {len(goldens)} golden file(s) moved; if the change is "
              "intended, rerun with --update and commit the golden files")  # fmt: skip
        return 1
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from vicinity_sim.dashboard.server import serve

    return serve(args.scenario, args.port)


def cmd_validate(args: argparse.Namespace) -> int:
    from vicinity_sim.model import VicinityModel
    from vicinity_sim.scenario import load_scenario

    s = load_scenario(args.scenario, _overrides(args))
    # Set the run up as `run` would (world build, processes, intervention plans) without
    # simulating a day, so that every file `run` rejects is rejected here with the same message.
    model = VicinityModel(s)
    w = model.world
    print(
        f"{args.scenario}: ok — {len(s.villages)} village(s), {len(w.buildings)} buildings, "
        f"{len(w.residents)} residents, {len(s.interventions)} intervention(s), {s.run.days} "
        f"days, hash {s.content_hash()[:12]}"
    )
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from vicinity_sim.errors import OutputError
    from vicinity_sim.outdir import atomic_write, io_problem
    from vicinity_sim.scenario import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        out = Path(args.out)
        if out.is_dir():
            raise OutputError(args.out, "--out", "is a directory: give the name of a file")
        try:
            atomic_write(out, text.encode("utf-8"))
        except OSError as e:
            raise OutputError(args.out, "--out", f"cannot write ({io_problem(e)})") from None
    else:
        sys.stdout.write(text)
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from vicinity_sim.docs import parameter_tables

    sys.stdout.write(parameter_tables())
    return 0


def cmd_interventions(args: argparse.Namespace) -> int:
    from vicinity_sim.interventions import CATALOGUE, describe

    for cls in CATALOGUE.values():
        d = describe(cls)
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        print(f"{d['kind']:<28} units: {d['unit']:<15} targeting: {'|'.join(d['targeting'])}")
        print(f"{'':<28} {doc}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "compare": cmd_compare,
    "sweep": lambda a: cmd_experiment(a, a.experiment, "sweep"),
    "sensitivity": lambda a: cmd_experiment(a, a.experiment, "sensitivity"),
    "calibrate": lambda a: cmd_experiment(a, a.experiment, "calibrate"),
    "screen": lambda a: cmd_experiment(a, a.experiment, "screen"),
    "discover": lambda a: _discover(a),
    "regress": cmd_regress,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "params": cmd_params,
    "interventions": cmd_interventions,
    "dashboard": cmd_dashboard,
}


def _discover(args: argparse.Namespace) -> int:
    from vicinity_sim.experiment import uncertainty_cli

    return uncertainty_cli.discover(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``vicinity-sim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.quiet, args.verbose)
    from vicinity_sim.supervise import exit_status, stop_on_signals

    try:
        with stop_on_signals():  # SIGTERM and SIGHUP stop a command like Ctrl-C
            return COMMANDS[args.command](args)
    except InputError as e:
        print(f"vicinity-sim: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as e:
        import signal

        name = signal.Signals(getattr(e, "signum", signal.SIGINT)).name
        kept = getattr(e, "kept", "")
        print(f"vicinity-sim: interrupted ({name}){'; ' + kept if kept else ''}",
              file=sys.stderr)  # fmt: skip
        return exit_status(e)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0
    except OSError as e:  # an I/O failure no command anticipated: still one line
        where = e.filename or "-"
        print(f"vicinity-sim: error: {where}: -: {e.strerror or e}", file=sys.stderr)
        return EXIT_INPUT
    except MemoryError:
        print("vicinity-sim: error: -: -: out of memory: simulate fewer residents or use "
              "fewer --workers", file=sys.stderr)  # fmt: skip
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
