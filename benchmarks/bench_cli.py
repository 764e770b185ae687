"""Benchmark: how fast the command line answers when it has nothing to simulate.

Times, in fresh processes, the wall time of

* ``vicinity-sim --help``, ``vicinity-sim run --help`` and ``vicinity-sim --version`` (target:
  under 0.5 s; Mesa, numba and the kernels are imported only by commands that simulate);
* ``python -c "import vicinity_sim"`` and, for comparison, ``python -c "pass"`` (the
  interpreter's own start) and ``python -c "import mesa"`` (what importing Mesa costs).

Prints the median and range of ``--runs`` runs of each (default 11) and whether the target is
met. Wall times on a shared machine vary; compare medians.

Usage::

    .venv/bin/python benchmarks/bench_cli.py [--runs 11]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5
SCRIPT = Path(sys.executable).with_name("vicinity-sim")

CASES = {
    "vicinity-sim --help": [str(SCRIPT), "--help"],
    "vicinity-sim run --help": [str(SCRIPT), "run", "--help"],
    "vicinity-sim --version": [str(SCRIPT), "--version"],
    "python -c 'import vicinity_sim'": [sys.executable, "-c", "import vicinity_sim"],
    "python -c 'pass'": [sys.executable, "-c", "pass"],
    "python -c 'import mesa' (reference)": [sys.executable, "-c", "import mesa"],
}


def wall(cmd: list[str]) -> float:
    """Wall time of one run of ``cmd`` (its output discarded); it must succeed."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    if not SCRIPT.exists():
        sys.exit(f"{SCRIPT} not found: install the package (make setup)")
    print(f"{'case':<40} {'median s':>9} {'min s':>7} {'max s':>7}  target < {TARGET_S} s")
    for name, cmd in CASES.items():
        wall(cmd)  # warm the file system cache
        times = [wall(cmd) for _ in range(args.runs)]
        median = statistics.median(times)
        met = ("yes" if median < TARGET_S else "NO") if name.startswith("vicinity-sim") else ""
        print(f"{name:<40} {median:9.3f} {min(times):7.3f} {max(times):7.3f}  {met}")


if __name__ == "__main__":
    main()
