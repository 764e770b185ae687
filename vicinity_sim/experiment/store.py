"""Result store: one Parquet partition per task, written atomically, and a manifest.

Layout of an experiment directory::

    experiment.json                      the experiment (resolved), its hash, provenance
    runs/arm=<arm>/sample=<k>/rep=<r>.parquet   one partition per task

A partition holds the task's daily series of the analysed outcomes (one row per day, with the
arm, sample and replication as columns) and, in its Parquet metadata, the task's full summary
and seed. A partition appears under its final name only once completely written (temporary
name, then rename), so a task is done if and only if its partition exists: an interrupted
experiment resumes where it stopped, never losing or repeating a finished task.
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
from vicinity_sim.runs import atomic_write, git_commit, json_bytes

MANIFEST = "experiment.json"


def partition_bytes(task: Task, seed: int, columns: dict[str, np.ndarray],
                    summary: dict[str, Any]) -> bytes:  # fmt: skip
    """A task's partition: daily columns plus task keys; summary and seed in the metadata."""
    n = len(columns.get("day", []))
    arrays = {
        "arm": pa.array([task.arm] * n, type=pa.string()),
        "sample": pa.array(np.full(n, task.sample, np.int32)),
        "replication": pa.array(np.full(n, task.replication, np.int32)),
    }
    arrays.update({k: pa.array(v) for k, v in columns.items()})
    table = pa.table(arrays)
    meta = {
        b"vicinity_sim.summary": json.dumps(summary, sort_keys=True, allow_nan=True).encode(),
        b"vicinity_sim.task": json.dumps(
            {
                "arm": task.arm,
                "sample": task.sample,
                "replication": task.replication,
                "seed": seed,
            }
        ).encode(),
    }
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


class Store:
    """The result directory of an experiment."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, task: Task) -> Path:
        return self.root / task.relpath

    def done(self, task: Task) -> bool:
        return self.path(task).exists()

    def prepare(self, spec_json: dict, spec_hash: str, fresh: bool) -> None:
        """Create the directory, or resume it if it holds the same experiment.

        Raises:
            InputError: If it holds another experiment (and ``fresh`` is false) or is a file.
        """
        manifest = self.root / MANIFEST
        if self.root.exists() and not self.root.is_dir():
            raise InputError(str(self.root), "--out", "exists and is not a directory")
        if fresh and self.root.exists():
            trash = self.root.with_name(f".{self.root.name}.old-{os.getpid()}")
            os.replace(self.root, trash)
            shutil.rmtree(trash, ignore_errors=True)
        if manifest.exists():
            old = json.loads(manifest.read_text(encoding="utf-8"))
            if old.get("experiment_hash") != spec_hash:
                raise InputError(
                    str(self.root), "--out",
                    "holds results of a different experiment; use --fresh to start over or "
                    "another --out",
                )  # fmt: skip
            return
        if self.root.is_dir() and any(self.root.iterdir()):
            problem = "is not empty and holds no experiment; use --fresh or another --out"
            raise InputError(str(self.root), "--out", problem)
        self.root.mkdir(parents=True, exist_ok=True)
        commit, dirty = git_commit()
        from importlib import metadata

        atomic_write(manifest, json_bytes({
            "experiment_hash": spec_hash,
            "package": "vicinity_sim",
            "version": metadata.version("vicinity_sim"),
            "git_commit": commit,
            "git_dirty": dirty,
            "experiment": spec_json,
        }))  # fmt: skip

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
            row.update(json.loads(meta[b"vicinity_sim.summary"]))
            rows.append(row)
        df = pd.DataFrame(rows)
        if len(df):
            df = df.sort_values(["arm", "sample", "replication"], kind="stable")
            df = df.reset_index(drop=True)
        return df

    def timeseries(self, column: str) -> pd.DataFrame:
        """Daily values of one recorded column: day, arm, sample, replication, value."""
        frames = []
        wanted = ["day", "arm", "sample", "replication", column]
        for task in self.tasks_done():
            if column in pq.read_schema(self.path(task)).names:
                frames.append(pq.read_table(self.path(task), columns=wanted).to_pandas())
        if not frames:
            return pd.DataFrame(columns=["day", "arm", "sample", "replication", column])
        return pd.concat(frames, ignore_index=True)
