"""Result store: one Parquet partition per task, written atomically, and a manifest.

Layout of an experiment directory::

    experiment.json                      the experiment, its hash, scenario hashes, provenance
    runs/arm=<arm>/sample=<k>/rep=<r>.parquet   one partition per task

A partition holds the task's daily series of the analysed outcomes and of the columns their
figures need (one row per day, with the replication as a column; the arm and sample are folder
keys, so ``pandas.read_parquet(DIR / "runs")`` reads them all) and, in its Parquet metadata, the
task's full summary, seed and scenario hash. A partition appears under its final name only
once completely written (temporary name, then rename), so a task is done if and only if its
partition exists and was run with the task's current scenario: an interrupted experiment
resumes where it stopped, never losing or repeating a finished task, and never mixing in
results of a scenario that has since been edited (those partitions are deleted and run again).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vicinity_sim.errors import InputError
from vicinity_sim.experiment.design import Task
from vicinity_sim.names import inside
from vicinity_sim.outdir import clean_leftovers, contents
from vicinity_sim.runs import atomic_write, json_bytes

MANIFEST = "experiment.json"


def partition_bytes(
    task: Task,
    seed: int,
    columns: dict[str, np.ndarray],
    summary: dict[str, Any],
    scenario_hash: str | None = None,
) -> bytes:
    """A task's partition: daily columns plus the replication; summary, seed and the hash of
    the task's scenario (with the package version) in the metadata.

    The arm and the sample are the partition's folder keys (``arm=<arm>/sample=<k>``), not
    columns, so that ``pandas.read_parquet(DIR / "runs")`` reads every partition with them as
    columns. Dates are timestamps, counts integers, and units travel in the schema metadata
    (:func:`vicinity_sim.columns.arrow_table`).
    """
    from vicinity_sim.columns import arrow_table

    n = len(columns.get("day", []))
    arrays: dict[str, Any] = {"replication": pa.array(np.full(n, task.replication, np.int32))}
    arrays.update(columns)
    meta = {
        b"vicinity_sim.summary": json.dumps(summary, sort_keys=True, allow_nan=True).encode(),
        b"vicinity_sim.task": json.dumps(
            {
                "arm": task.arm,
                "sample": task.sample,
                "replication": task.replication,
                "seed": seed,
                "scenario_hash": scenario_hash,
            }
        ).encode(),
    }
    table = arrow_table(arrays, meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


class Store:
    """The result directory of an experiment."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, task: Task) -> Path:
        """Where a task's partition lives (checked to lie inside the directory)."""
        path = self.root / task.relpath
        inside(self.root, path)
        return path

    def done(self, task: Task) -> bool:
        return self.path(task).exists()

    def scenario_hash(self, task: Task) -> str | None:
        """The scenario hash a finished task's partition was run with (``None``: none stored)."""
        meta = pq.read_schema(self.path(task)).metadata or {}
        return json.loads(meta.get(b"vicinity_sim.task", b"{}")).get("scenario_hash")

    def check(self, spec_hash: str, fresh: bool) -> None:
        """Refuse an unusable directory before anything is written or started.

        Raises:
            InputError: If ``root`` is a file; holds another experiment (without ``fresh``);
                or is not empty and holds no experiment (``fresh`` deletes only a directory
                that holds an experiment, never other files).
        """
        if self.root.exists() and not self.root.is_dir():
            raise InputError(str(self.root), "--out", "exists and is not a directory")
        if not self.root.is_dir() or not contents(self.root):
            return
        manifest = self.root / MANIFEST
        if not manifest.exists():
            problem = ("is not empty and holds no experiment (no experiment.json); --fresh "
                       "deletes only experiment directories: choose another --out")  # fmt: skip
            raise InputError(str(self.root), "--out", problem)
        if fresh:
            return
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            old = {}
        if old.get("experiment_hash") != spec_hash:
            raise InputError(
                str(self.root), "--out",
                "holds results of a different experiment; use --fresh to start over or "
                "another --out",
            )  # fmt: skip

    def prepare(self, spec_hash: str, fresh: bool, expected: dict[tuple[str, int], str],
                provenance: dict[str, Any]) -> list[Task]:  # fmt: skip
        """Create the directory, or resume it if it holds the same experiment.

        Call it holding the directory's :class:`~vicinity_sim.outdir.OutputLock`.

        On resume, temporary files left by a killed writer are removed, and partitions run
        with another scenario hash than ``expected`` (the base scenario or an arm's scenario
        file was edited, or another package version ran them) are deleted so that they run
        again: an experiment directory never mixes results of different scenarios.

        Args:
            spec_hash: Hash of the experiment (file and overrides).
            fresh: Delete an earlier experiment in the directory first.
            expected: (arm, sample) → scenario hash of its tasks.
            provenance: Manifest entries of this session (see :meth:`record`).

        Returns:
            The tasks whose partitions were deleted as stale.

        Raises:
            InputError: As for :meth:`check`.
        """
        self.check(spec_hash, fresh)
        if fresh and self.root.is_dir() and any(self.root.iterdir()):
            trash = self.root.with_name(f".{self.root.name}.old-{os.getpid()}")
            os.replace(self.root, trash)
            shutil.rmtree(trash, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        # What killed writers left (temporary files of atomic writes); only files whose
        # process is gone, never those of a live writer.
        clean_leftovers(self.root)
        stale = []
        for task in self.tasks_done():
            if self.scenario_hash(task) != expected.get((task.arm, task.sample)):
                self.path(task).unlink()
                stale.append(task)
        self.record(provenance)
        return stale

    def manifest(self) -> dict[str, Any]:
        """The manifest (empty if there is none yet)."""
        path = self.root / MANIFEST
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def record(self, entries: dict[str, Any], session: dict[str, Any] | None = None) -> None:
        """Update the manifest: overwrite ``entries``; append (or, with the same ``id``,
        update) a session record."""
        data = self.manifest() | entries
        if session is not None:
            sessions = [s for s in data.get("sessions", []) if s.get("id") != session.get("id")]
            data["sessions"] = [*sessions, session]
        atomic_write(self.root / MANIFEST, json_bytes(data))

    def write(self, task: Task, data: bytes) -> None:
        """Write a task's partition atomically."""
        path = self.path(task)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)

    def tasks_done(self) -> list[Task]:
        out = []
        for p in sorted((self.root / "runs").glob("arm=*/sample=*/rep=*.parquet")):
            arm = p.parent.parent.name.split("=", 1)[1]
            sample = int(p.parent.name.split("=", 1)[1])
            rep = int(p.stem.split("=", 1)[1])
            out.append(Task(arm, sample, rep))
        return out

    def summaries(self) -> pd.DataFrame:
        """One row per finished task: arm, sample, replication, seed and every outcome."""
        rows = []
        for task in self.tasks_done():
            meta = pq.read_schema(self.path(task)).metadata
            row = json.loads(meta[b"vicinity_sim.task"])
            row.pop("scenario_hash", None)
            row.update(json.loads(meta[b"vicinity_sim.summary"]))
            rows.append(row)
        df = pd.DataFrame(rows)
        if len(df):
            df = df.sort_values(["arm", "sample", "replication"], kind="stable")
            df = df.reset_index(drop=True)
        return df

    def timeseries(self, column: str) -> pd.DataFrame:
        """Daily values of one recorded column: day, arm, sample, replication, value."""
        return self.frames([column], require=column)

    def frames(self, columns: list[str], require: str | None = None) -> pd.DataFrame:
        """Daily values of recorded columns: day, arm, sample, replication and the columns
        each partition has (``require``: only partitions that have this column).

        Reads partitions with the arm and sample as folder keys only, and those of earlier
        versions that also stored them as columns.
        """
        keys = ["day", "arm", "sample", "replication"]
        frames = []
        for task in self.tasks_done():
            names = pq.read_schema(self.path(task)).names
            if require is not None and require not in names:
                continue
            wanted = [c for c in dict.fromkeys(["day", "replication", *columns]) if c in names]
            frame = pq.read_table(self.path(task), columns=wanted).to_pandas()
            frame["arm"], frame["sample"] = task.arm, task.sample
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=[*keys, *[c for c in columns if c not in keys]])
        out = pd.concat(frames, ignore_index=True)
        return out[[*keys, *[c for c in out.columns if c not in keys]]]
