"""Conventions of the command line: --version, -q and -v on every command with diagnostics
through logging, no library warnings in the output, and a --help that imports nothing heavy
(its time is measured by benchmarks/bench_cli.py, not here)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import vicinity_sim
from tests.helpers import ROOT, SCENARIOS
from vicinity_sim.cli import build_parser, main

TINY = str(SCENARIOS / "tiny.toml")


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"vicinity-sim {vicinity_sim.__version__}"
    assert vicinity_sim.__version__[0].isdigit()


def test_every_command_takes_quiet_and_verbose():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert len(commands) >= 11
    for name, sub in commands.items():
        flags = {s for a in sub._actions for s in a.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= flags, name


def test_quiet_and_verbose_runs(tmp_path, capsys):
    out = tmp_path / "q"
    assert main(["run", TINY, "--days", "3", "--out", str(out), "-q"]) == 0
    cap = capsys.readouterr()
    assert cap.out.strip() == str(out) and cap.err == ""
    out = tmp_path / "v"
    assert main(["run", TINY, "--days", "3", "--out", str(out), "-v"]) == 0
    err = capsys.readouterr().err
    assert "vicinity-sim: info: " in err and "simulated in" in err and f"wrote {out}" in err
    # A problem is still one line with exit code 2, however quiet.
    assert main(["run", str(tmp_path / "none.toml"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file not found" in err


def test_help_imports_neither_mesa_nor_numba():
    heavy = "('mesa', 'numba', 'scipy', 'pandas')"
    code = ("import sys, vicinity_sim.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {heavy} if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]"
    # The public names still import on use.
    assert vicinity_sim.VicinityModel.__name__ == "VicinityModel"
    assert "simulate" in dir(vicinity_sim)


def test_no_library_warnings(tmp_path, capsys):
    """What used to warn: BCa on nearly constant differences (scipy divides 0 by 0), Sobol'
    indices of a degenerate bootstrap. With every warning an error, nothing is raised."""
    from vicinity_sim.experiment import stats
    from vicinity_sim.experiment.sensitivity import sobol_from_values

    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi, method = stats.effect_interval(np.full(25, 1e7) + rng.normal(0, 1e-9, 25))
        assert method == "t" and lo <= 1e7 <= hi
        stats.effect_interval(np.r_[np.zeros(24), 1.0])
        y = np.r_[np.zeros(7), 1.0, np.zeros(8), np.zeros(16)]  # n = 8, d = 2: mostly flat
        sobol_from_values(y, 8, 2)
    # End to end: a comparison and its report print no warning.
    exp = tmp_path / "e.toml"
    exp.write_text(f'base = "{SCENARIOS.as_posix()}/tiny.toml"\nreplications = 2\n'
                   'outcomes = ["mean_response_min", "jobs_created", "trust_institutional"]\n'
                   'set = ["run.days=5", "villages[0].plan.n_buildings=40", '
                   '"villages[0].population.n_residents=300"]\n'
                   '[[arms]]\nname = "a"\n[[arms]]\nname = "b"\n')  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["compare", str(exp), "--out", str(tmp_path / "out"), "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert not [w for w in caught if "vicinity_sim" in str(w.filename)], caught


def test_compare_takes_force_and_fresh_alike(tmp_path, capsys):
    """Both replace what --out holds, under each mode's own rule."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    args = ["compare", TINY, TINY, "--seeds", "1", "--days", "3", "--out", str(out), "-q"]
    assert main(args) == 2  # not without one of them
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--fresh"]) == 0
    assert not (out / "old.txt").exists() and (out / "comparison.json").exists()
