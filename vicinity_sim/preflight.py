"""Checks before simulating: can the outputs be written, do they fit, does the model fit in memory.

A run that cannot write its outputs, or cannot hold its population in memory, is refused in
one line before any simulated day rather than failing after minutes of work. The estimates are
deliberately generous upper bounds, so that they refuse only what would fail.

* Memory: :data:`BYTES_PER_RESIDENT` per resident per simulating process, plus
  :data:`BASE_BYTES` for the interpreter, libraries and compiled kernels. Measured with
  ``benchmarks/bench_memory.py`` (peak resident memory over population size).
* Output size: an uncompressed upper bound of the daily series (the Parquet files are
  compressed with zstd and come out 3–6 times smaller) plus the manifest and report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from vicinity_sim.errors import InputError, OutputError
from vicinity_sim.outdir import io_problem

#: Peak memory per resident of a simulating process, bytes: an upper bound of the 1,351 B
#: per resident measured over all processes of the three-year run of a 10-million-resident
#: city (README, Performance: 12.9 GB, proportional set sizes; 1,817 B before the workers
#: handed freed memory back), generous on purpose. Since the deciding agents,
#: a resident's state is about 670 B, and the monthly snapshots of the agents who decide add
#: about 9 B per resident and month, held by the workers and then by the coordinator.
BYTES_PER_RESIDENT = 1900
#: Memory of one process before its population: Python, numpy/pandas/numba, Mesa, the
#: compiled kernels and the recorder's buffers (287 MB measured by the same benchmark).
BASE_BYTES = 300 * 2**20
#: Memory of each further worker process before its population: forked from a server that
#: holds the libraries, it shares their pages.
WORKER_BYTES = 100 * 2**20
#: Bytes per day and recorded column, uncompressed (float64); a run records about 110 columns.
BYTES_PER_VALUE = 8
RUN_COLUMNS = 128
#: Fixed part of a run's files: the manifest (with the resolved scenario), summary, events.
RUN_FIXED_BYTES = 512 * 2**10
#: An experiment's report: report.md, effects.csv and its figures.
REPORT_BYTES = 4 * 2**20


def _gb(n: float) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} kB"


def existing_ancestor(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_writable(out: str | Path) -> None:
    """Refuse an output directory that cannot be created or written.

    Probes the nearest existing ancestor by creating (and removing) a file there, which also
    catches read-only mounts and access rules that permission bits do not show.

    Raises:
        OutputError: If a file is in the way or the place is not writable.
    """
    out = Path(out)
    base = existing_ancestor(out)
    if not base.is_dir():
        raise OutputError(str(out), "--out", f"{base} is a file, not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".vicinity-sim-probe-", dir=base)
    except OSError as e:
        raise OutputError(str(out), "--out", f"cannot write in {base} ({io_problem(e)})") from None
    os.close(fd)
    os.unlink(probe)


def check_space(out: str | Path, need: int) -> None:
    """Refuse an output directory whose file system has less free space than ``need`` bytes.

    Raises:
        OutputError: If the space is short.
    """
    base = existing_ancestor(Path(out))
    try:
        free = shutil.disk_usage(base).free
    except OSError:
        return  # nothing to measure with; the write itself reports a full disk
    if free < need:
        raise OutputError(str(out), "--out", f"only {_gb(free)} free in {base}, and the outputs "
                          f"need up to {_gb(need)}: free some space or choose another "
                          "--out")  # fmt: skip


def available_memory() -> int | None:
    """Memory available to new processes, bytes (``MemAvailable`` on Linux; ``None``: unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def residents(scenario: Any) -> int:
    """Residents of a scenario, all villages."""
    return sum(v.population.n_residents for v in scenario.villages)


def memory_needed(n_residents: int, processes: int = 1) -> int:
    """Estimated peak memory of ``processes`` simulating processes, ``n_residents`` each."""
    population = processes * n_residents * BYTES_PER_RESIDENT
    return BASE_BYTES + (processes - 1) * WORKER_BYTES + population


def check_memory(n_residents: int, processes: int, source: str, extra: int = 0) -> None:
    """Refuse a population that would not fit in the available memory.

    Args:
        n_residents: Residents of the largest scenario to simulate.
        processes: Simulations running at once (workers).
        source: The scenario or experiment file, for the message.
        extra: Further bytes needed (the worker processes of a city run).

    Raises:
        InputError: If the estimate exceeds the available memory.
    """
    have = available_memory()
    need = memory_needed(n_residents, processes) + extra
    if have is None or need <= have:
        return
    each = f"{n_residents:,} residents × {BYTES_PER_RESIDENT} B"
    times = f" × {processes} workers" if processes > 1 else ""
    raise InputError(source, "villages.population.n_residents", f"needs about {_gb(need)} of "
                     f"memory ({each}{times}, plus {_gb(BASE_BYTES)}), but {_gb(have)} are "
                     "available: simulate fewer residents or use fewer --workers")  # fmt: skip


def run_bytes(days: int) -> int:
    """Upper bound of one run's output files, bytes."""
    return RUN_FIXED_BYTES + days * RUN_COLUMNS * BYTES_PER_VALUE


def partition_bytes(days: int, columns: int) -> int:
    """Upper bound of one experiment partition, bytes."""
    return 64 * 2**10 + days * (columns + 4) * BYTES_PER_VALUE


def check_runs(
    out: str | Path, scenarios: list[Any], runs_each: int, source: str, workers: int = 1
) -> None:
    """Before simulating runs of ``scenarios`` (``runs_each`` seeds each) in this process into
    ``out``: it is writable, has room for their files, and the largest fits in memory (a
    city run spread over ``workers`` holds its residents once, in all workers together).

    Raises:
        OutputError: If ``out`` is not writable or too small.
        InputError: If the largest scenario would not fit in memory.
    """
    check_writable(out)
    check_space(out, runs_each * sum(run_bytes(sc.run.days) for sc in scenarios))
    largest = max(residents(sc) for sc in scenarios)
    extra = (min(workers, max(len(sc.villages) for sc in scenarios)) - 1) * WORKER_BYTES
    check_memory(largest, 1, source, extra)
