"""Command line: ``vicinity-sim run | compare | ... | dashboard`` (``--help`` lists them).

Bad input (a malformed scenario, an impossible parameter, a missing file, a bad option) prints
one line ``vicinity-sim: error: SOURCE: KEY: PROBLEM`` on stderr and exits with status 2,
leaving no output behind.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from vicinity_sim.errors import InputError

EXIT_INPUT = 2

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
    return Path(args.out or f"outputs/{spec.name or Path(spec.path).stem}-{what}")


def cmd_experiment(args: argparse.Namespace, path: str, what: str) -> int:
    """compare / sweep / sensitivity / calibrate on an experiment file."""
    from vicinity_sim.experiment import Experiment, load_experiment, run_experiment
    from vicinity_sim.experiment.report import format_effects_table, write_report

    spec = load_experiment(path)
    out = _experiment_out(args, spec, what)
    extra = [(text, None, label) for text, label in _labelled(_overrides(args))]
    # Mistakes in the file and the overrides first, whatever the command.
    Experiment(spec, extra).resolve_all()
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
            print(f"  target {m['outcome']} ({m['arm']}): {m['value']:.4g} ± {m['sd']:.3g}, "
                  f"simulated {m['simulated']:.4g}")  # fmt: skip
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
    results = run_experiment(spec, out, executor=args.executor, workers=args.workers,
                             fresh=args.fresh, extra=extra)  # fmt: skip
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
        for _, row in sensitivity.iterrows():
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
    """``--set`` items plus the dedicated options, labelled for error messages."""
    items: list = list(getattr(args, "overrides", []))
    for option, key in (("days", "days"), ("seed", "seed"), ("replication", "replication")):
        value = getattr(args, option, None)
        if value is not None:
            items.append((f"run.{key}={value}", f"--{option}"))
    return items


def _labelled(items: list) -> list[tuple[str, str]]:
    return [(i, "--set") if isinstance(i, str) else (i[0], i[1]) for i in items]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vicinity-sim",
        description="Simulate urban-village governance (近邻党建) and compare interventions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="run a scenario and write its outputs")
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--out", help="output directory (default: outputs/<scenario>-seed<N>)")
    p.add_argument("--seed", type=int, help="seed (overrides run.seed)")
    p.add_argument("--replication", type=int, help="replication index (overrides run.replication)")
    p.add_argument("--force", action="store_true", help="replace a non-empty output directory")
    p.add_argument("--quiet", action="store_true", help="print only the output directory")
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
                   help="scenario files: replace a non-empty output directory")  # fmt: skip
    p.add_argument("--replications", type=int,
                   help="experiment file: this many replications (replaces the file's number "
                   "and its sequential stopping)")  # fmt: skip
    _add_experiment_options(p)
    _add_scenario_options(p)

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
    from vicinity_sim.runs import check_output_dir, simulate, write_outputs
    from vicinity_sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, _overrides(args))
    stem = scenario.name or Path(args.scenario).stem
    out = Path(args.out or f"outputs/{stem}-seed{scenario.run.seed}")
    check_output_dir(out, args.force)
    if args.buildings:
        from vicinity_sim.building_outputs import check_buildings_output

        check_buildings_output(scenario, args.buildings)
    result = simulate(scenario, progress=not args.quiet, engine=args.engine,
                      buildings=args.buildings)  # fmt: skip
    write_outputs(result, out, force=args.force)
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
             "manifest.json"]  # fmt: skip
    print(f"outputs: {out}/ ({', '.join(names)})")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) == 1 and _is_experiment(args.scenarios[0]):
        return cmd_experiment(args, args.scenarios[0], "compare")
    from tqdm import tqdm  # plain text bars: no notebook widgets needed

    from vicinity_sim.compare import compare_summaries, format_number
    from vicinity_sim.runs import check_output_dir, json_bytes, publish, run_files, simulate
    from vicinity_sim.scenario import load_scenario

    if args.seeds < 1:
        raise InputError("--seeds", "--seeds", f"must be at least 1 (got {args.seeds})")
    if args.first_seed < 0:
        raise InputError("--first-seed", "--first-seed", "must be non-negative")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    arms: dict[str, Any] = {}
    for path in args.scenarios:
        scenario = load_scenario(path, _overrides(args))
        name = scenario.name or Path(path).stem
        if name in arms:
            name = f"{name}-{len(arms)}"
        arms[name] = scenario
    out = Path(args.out or "outputs/compare")
    check_output_dir(out, args.force)

    files: dict[str, bytes] = {}
    summaries: dict[str, list[dict[str, Any]]] = {name: [] for name in arms}
    jobs = [(name, seed) for name in arms for seed in seeds]
    for name, seed in tqdm(jobs, desc="runs", unit="run", delay=2.0, leave=False):
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
    publish(files, out)

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
    from vicinity_sim.runs import atomic_write
    from vicinity_sim.scenario import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        atomic_write(Path(args.out), text.encode("utf-8"))
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
    "regress": cmd_regress,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "params": cmd_params,
    "interventions": cmd_interventions,
    "dashboard": cmd_dashboard,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``vicinity-sim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as e:
        print(f"vicinity-sim: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("vicinity-sim: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
