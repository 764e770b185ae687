"""Running a scenario and writing its outputs with provenance.

:func:`simulate` runs one scenario for one seed and returns its daily columns, fire events and
summary. :func:`write_outputs` writes them as

* ``timeseries.parquet``: one row per day, every recorded metric;
* ``fire_events.parquet``: one row per fire;
* ``summary.json``: the flat outcome summary (:mod:`vicinity_sim.outcomes`);
* ``buildings.geojson`` or ``buildings.parquet`` if asked for: the buildings of footprint
  villages with their outcomes (:mod:`vicinity_sim.building_outputs`);
* ``villages.parquet``: for a scenario of several villages, the village-level monthly panel
  (:mod:`vicinity_sim.city.panel`);
* ``manifest.json``: package version, git commit, scenario hash, resolved scenario, seed,
  timings of the stages and the total wall time (``wall_s``), library versions.

Every file is written to a temporary name and renamed; the directory is assembled under a
temporary name and renamed into place last, so an interrupted write never leaves a half-written
output directory (:mod:`vicinity_sim.outdir`: locking, publishing, leftovers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from vicinity_sim import outdir
from vicinity_sim.columns import arrow_table
from vicinity_sim.errors import InputError
from vicinity_sim.model import VicinityModel
from vicinity_sim.outcomes import summarize
from vicinity_sim.outdir import atomic_write  # noqa: F401  (imported from here by callers)


@dataclass
class RunResult:
    """Everything a run produced."""

    scenario: Any
    seed: int
    replication: int
    columns: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    engine: str = "fast"
    files: dict[str, bytes] = field(default_factory=dict)  # further output files by name
    #: Monthly snapshots of the deciding agents (:mod:`vicinity_sim.snapshots`), by name;
    #: the fast engine's only.
    agents: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    #: The village-level monthly panel of a city run (:mod:`vicinity_sim.city.panel`).
    panel: dict[str, np.ndarray] = field(default_factory=dict)


#: Engines that run a scenario: the array model and the Mesa-agent reference.
ENGINES = ("fast", "reference")


def simulate(
    scenario: Any,
    *,
    seed: int | None = None,
    replication: int | None = None,
    progress: bool = False,
    engine: str = "fast",
    buildings: str | None = None,
    workers: int = 1,
    executor: str = "local",
) -> RunResult:
    """Run a scenario to its end.

    A scenario of one village runs as one model (in this process, whatever ``workers``). A
    scenario of several villages is a city run (:mod:`vicinity_sim.city`): every village its
    own unit, meeting the others at month boundaries, spread over ``workers`` (with the same
    results for any number of them).

    Args:
        scenario: Validated scenario.
        seed: Seed (default: the scenario's ``run.seed``).
        replication: Replication index (default: the scenario's ``run.replication``).
        progress: Show a progress bar on runs longer than a few seconds (fast engine).
        engine: ``fast`` (:class:`~vicinity_sim.model.VicinityModel`) or ``reference``
            (:class:`~vicinity_sim.reference.ReferenceModel`, one Mesa agent per person; slow).
        buildings: ``geojson`` or ``parquet`` to keep a file of the footprint villages'
            buildings with their outcomes (:mod:`vicinity_sim.building_outputs`).
        workers: Worker processes for a city run (villages balanced by residents).
        executor: ``local``, ``dask`` or ``dask://HOST:PORT`` (see
            :mod:`vicinity_sim.experiment.executors`), for a city run.

    Returns:
        The run's columns, events, summary and timings.
    """
    if engine not in ENGINES:
        raise InputError("--engine", "--engine", f"must be one of {', '.join(ENGINES)}")
    if buildings is not None:
        from vicinity_sim.building_outputs import check_buildings_output

        check_buildings_output(scenario, buildings)
        if len(scenario.villages) > 1:
            raise InputError(
                "--buildings",
                "--buildings",
                "is written for a scenario of one "
                f"village; this one has {len(scenario.villages)} (a city run)",
            )
    if len(scenario.villages) > 1:
        from vicinity_sim.city import simulate_city

        return simulate_city(scenario, seed=seed, replication=replication, workers=workers,
                             executor=executor, engine=engine, progress=progress)  # fmt: skip
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    if engine == "reference":
        from vicinity_sim.reference import ReferenceModel

        model: Any = ReferenceModel(scenario, rng=seed, replication=replication)
        t1 = time.perf_counter()
        model.run()
        columns = model.columns()
    else:
        model = VicinityModel(scenario, rng=seed, replication=replication)
        t1 = time.perf_counter()
        model.run(progress=progress)
        columns = model.datacollector.columns()
    t2 = time.perf_counter()
    events = fire_events(model)
    events["village_name"] = np.array(
        [model.world.village_names[v] for v in events["village"]], dtype=object
    )
    summary = summarize(columns, events)
    files = {}
    if buildings is not None:
        from vicinity_sim.building_outputs import buildings_file

        name, data = buildings_file(model, buildings)
        files[name] = data
    t3 = time.perf_counter()
    return RunResult(
        scenario=scenario,
        seed=model.seed,
        replication=model.replication,
        columns=columns,
        events=events,
        summary=summary,
        timings={"build_s": t1 - t0, "simulate_s": t2 - t1, "summarize_s": t3 - t2},
        started_at=started,
        engine=engine,
        files=files,
        agents=model.snapshots.tables() if engine == "fast" else {},
    )


def fire_events(model: Any) -> dict[str, np.ndarray]:
    """The run's fire events (an empty table if the fire mechanism was switched off)."""
    try:
        fire = model.process("fire")
    except KeyError:
        from vicinity_sim.processes.fire import Fire

        fire = Fire.__new__(Fire)
        fire.world, fire.events = model.world, []
    return fire.event_table()  # type: ignore[attr-defined]


# -- files ---------------------------------------------------------------------------------


def parquet_bytes(columns: dict[str, np.ndarray]) -> bytes:
    """A Parquet file of the columns (deterministic for equal inputs): dates as timestamps,
    counts as integers, units in the schema (:func:`vicinity_sim.columns.arrow_table`)."""
    buf = io.BytesIO()
    pq.write_table(arrow_table(columns), buf, compression="zstd")
    return buf.getvalue()


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return _json_safe(value.item())
    return value


def json_bytes(data: Any) -> bytes:
    return (json.dumps(_json_safe(data), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@cache
def git_commit() -> tuple[str | None, bool | None]:
    """Commit of the source tree this package runs from, and whether it has local changes."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None, None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        )  # fmt: skip
        return head.stdout.strip(), bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None, None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def manifest(result: RunResult, files: dict[str, bytes]) -> dict[str, Any]:
    """Provenance of a run."""
    commit, dirty = git_commit()
    s = result.scenario
    return {
        "package": "vicinity_sim",
        "version": _version("vicinity_sim"),
        "git_commit": commit,
        "git_dirty": dirty,
        "scenario_name": s.name,
        "scenario_source": s.source,
        "scenario_hash": s.content_hash(),
        "seed": result.seed,
        "replication": result.replication,
        "engine": result.engine,
        "days": s.run.days,
        "villages": [v.name for v in s.villages],
        "started_at": result.started_at,
        "timings_s": {k: round(v, 4) for k, v in result.timings.items()},
        # The stages follow one another, so their sum is the run's wall time to its files.
        "wall_s": round(sum(result.timings.values()), 4),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": {
            d: _version(d) for d in ("mesa", "numpy", "numba", "scipy", "pandas", "pyarrow")
        },
        "files_sha256": {k: hashlib.sha256(v).hexdigest() for k, v in files.items()},
        "scenario": s.model_dump(mode="json"),
    }


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse a file, and a non-empty directory unless forced; ``force`` replaces only a
    directory that holds this project's outputs (see :func:`vicinity_sim.outdir.check_target`).
    """
    outdir.check_target(out, force)


def write_outputs(result: RunResult, out: str | Path, force: bool = False) -> Path:
    """Write a run's files into ``out`` atomically, holding the directory's lock.

    Args:
        result: The run.
        out: Output directory (created; must be empty or absent unless ``force``).
        force: Replace a directory that holds earlier outputs of this project.

    Returns:
        The output directory.

    Raises:
        OutputError: If ``out`` is locked by another writer, cannot take the files, or the
            write fails (then the files are saved elsewhere and the message says where).
    """
    out = Path(out)
    with outdir.writing(out, force):
        publish(run_files(result), out, force)
    return out


def run_files(result: RunResult) -> dict[str, bytes]:
    """The output files of a run (the four files, ``agents/*.parquet`` and the buildings file
    if asked for), by relative path, as bytes."""
    t0 = time.perf_counter()
    files = {
        "timeseries.parquet": parquet_bytes(result.columns),
        "fire_events.parquet": parquet_bytes(result.events),
        "summary.json": json_bytes(result.summary),
        **result.files,
    }
    for name, table in result.agents.items():
        files[f"agents/{name}.parquet"] = parquet_bytes(table)
    if result.panel:
        from vicinity_sim.city.panel import panel_bytes

        files["villages.parquet"] = panel_bytes(result.panel)
    result.timings["encode_s"] = time.perf_counter() - t0
    files["manifest.json"] = json_bytes(manifest(result, files))
    return files


def publish(files: dict[str, bytes], out: Path, replace: bool = False) -> None:
    """Write ``files`` (relative path → bytes) as directory ``out``, all or nothing (call it
    holding ``out``'s lock: :func:`vicinity_sim.outdir.writing`).

    If ``out`` cannot take them (disk full, read-only), they are saved in a new directory
    elsewhere and the :class:`~vicinity_sim.errors.OutputError` raised says where.
    """
    last = "manifest.json" if "manifest.json" in files else "comparison.json"
    outdir.publish_or_rescue(files, out, replace=replace, last=last)
