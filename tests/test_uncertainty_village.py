"""The uncertainty commands end to end on a small village (120 buildings, 1,200 residents,
a few weeks): history matching writes a posterior, an ensemble of one set equals the plain
comparison, an ensemble resumes after a kill, screening and discovery run on the model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vicinity_sim.cli import main
from vicinity_sim.experiment import load_experiment, run_experiment
from vicinity_sim.experiment import stats as st

ROOT = Path(__file__).resolve().parent.parent
KEY = "governance.trust_learning_rate"

EXPERIMENT = f"""
name = "unc_test"
base = "{ROOT / "scenarios" / "baseline.toml"}"
replications = 2
seed = 0
reference = "baseline"
outcomes = ["trust_institutional", "participation_rate", "displaced_households"]
set = ["run.days=30", "villages[0].plan.n_buildings=120",
       "villages[0].population.n_residents=1200", "villages[0].plan.n_flood_points=1"]

[intended]
displaced_households = "decrease"

[[arms]]
name = "baseline"

[[arms]]
name = "program"
scenario = "{ROOT / "scenarios" / "xiamen_program.toml"}"

[calibration]
method = "history_matching"
waves = 1
points_per_wave = 6
candidates = 500
posterior_samples = 50

[[calibration.parameters]]
key = "{KEY}"

[[calibration.targets]]
outcome = "trust_institutional"
arm = "program"
relative_to = "baseline"
value = 0.01
sd = 0.01
"""


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unc") / "unc_test.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def posterior(experiment: Path) -> Path:
    out = experiment.parent / "calibration"
    assert main(["calibrate", str(experiment), "--out", str(out)]) == 0
    return out / "posterior.parquet"


def test_history_matching_writes_a_posterior(posterior: Path) -> None:
    table = pd.read_parquet(posterior)
    assert list(table.columns) == [KEY] and len(table) == 50
    assert table[KEY].between(0.03, 0.3).all()  # the declared prior's range
    out = posterior.parent
    summary = json.loads((out / "history_matching.json").read_text(encoding="utf-8"))
    assert summary["parameters"][0]["prior"] == "loguniform"
    assert summary["waves"][0]["points"] == 6
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and runs[KEY].nunique() == 6
    assert (out / "waves" / "01" / "experiment.json").exists()


def test_ensemble_of_one_set_equals_the_plain_comparison(experiment: Path,
                                                         posterior: Path) -> None:  # fmt: skip
    from vicinity_sim.experiment.ensemble import run_ensemble

    spec = load_experiment(experiment)
    value = float(pd.read_parquet(posterior)[KEY].iloc[0])
    ens = run_ensemble(spec, experiment.parent / "one", posterior, sets=1, progress=False)
    plain = run_experiment(spec, experiment.parent / "plain", progress=False,
                           extra=[f"{KEY}={value!r}"])  # fmt: skip
    a, b = ens.results.summaries, plain.summaries
    pd.testing.assert_frame_equal(a.drop(columns="sample"), b.drop(columns="sample"))
    plain_effects = st.effects(b, spec.outcomes, spec.reference_arm, seed=spec.seed)
    pd.testing.assert_frame_equal(ens.effects[plain_effects.columns], plain_effects)
    assert (ens.effects["sets"] == 1).all()
    varied = ens.effects[~ens.effects["no_variation"]]
    assert len(varied) and (varied["share_noise"] == 1.0).all()  # one set: all noise


def test_ensemble_resumes_after_a_kill(experiment: Path, posterior: Path) -> None:
    out = experiment.parent / "killed"
    cmd = [sys.executable, "-m", "vicinity_sim.cli", "compare", str(experiment), "--ensemble",
           str(posterior), "--sets", "3", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(out.glob("runs/*/*/*.parquet"))) >= 2:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = len(list(out.glob("runs/*/*/*.parquet")))
    assert 0 < before < 12, "the run should be killed part-way"
    assert main(["compare", str(experiment), "--ensemble", str(posterior), "--sets", "3",
                 "--out", str(out)]) == 0  # fmt: skip
    assert len(list(out.glob("runs/*/*/*.parquet"))) == 12  # 3 sets × 2 arms × 2 reps
    sessions = json.loads((out / "experiment.json").read_text(encoding="utf-8"))["sessions"]
    assert sessions[-1]["tasks_run"] == 12 - before  # nothing run twice
    effects = pd.read_csv(out / "ensemble.csv")
    assert set(effects["arm"]) == {"program"} and (effects["sets"] == 3).all()
    robust = pd.read_csv(out / "robustness.csv")
    assert set(robust["arm"]) == {"baseline", "program"}
    assert (out / "ensemble.md").exists() and (out / "parameter_sets.csv").exists()


@pytest.fixture(scope="module")
def screened(experiment: Path) -> Path:
    out = experiment.parent / "screen"
    code = main(["screen", str(experiment), "--groups", "--trajectories", "3", "--out",
                 str(out), "--set", "run.days=15", "--only",
                 "governance,participation,contacts,villages.population.migrant"])  # fmt: skip
    assert code == 0
    return out


def test_screen_ranks_groups_on_every_outcome_and_effect(screened: Path) -> None:
    table = pd.read_csv(screened / "screen.csv")
    meta = json.loads((screened / "screen.json").read_text(encoding="utf-8"))
    groups = {p["section"] for p in meta["parameters"]}
    assert groups == {"governance", "participation", "contacts", "villages.population.migrant"}
    assert meta["points"] == 3 * (len(groups) + 1)
    assert set(table["kind"]) == {"effect", "level"}
    assert set(table["outcome"]) <= {"trust_institutional", "participation_rate",
                                     "displaced_households"}  # fmt: skip
    assert set(table["parameter"]) == groups
    assert (table["mu_star"] >= 0).all() and table["mu_star"].max() > 0
    ranking = pd.read_csv(screened / "screen_ranking.csv")
    assert list(ranking["rank"]) == list(range(1, len(groups) + 1))
    assert (screened / "screen.png").stat().st_size > 1000
    # The experiment's own settings are held, not screened.
    assert "villages[*].plan.n_buildings" not in {p["key"] for p in meta["parameters"]}


def test_discover_finds_boxes_in_a_screening(screened: Path, capsys) -> None:
    from vicinity_sim.experiment.discover import discovery_data

    x, y, arm = discovery_data(screened, "trust_institutional")
    assert arm == "program" and len(x) == len(y) > 10
    threshold = float(np.median(y))
    code = main(["discover", str(screened), "--outcome", "trust_institutional", "--threshold",
                 repr(threshold)])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "PRIM: program: effect on trust_institutional >" in out and "coverage" in out
    boxes = pd.read_csv(screened / "discover" / "program_trust_institutional_prim.csv")
    assert len(boxes) and (boxes["coverage"] > 0).all()
    assert set(boxes["parameter"]) <= set(x.columns) | {np.nan}
    assert (screened / "discover" / "program_trust_institutional_prim.png").exists()


def test_bad_input_is_one_line(experiment: Path, tmp_path: Path, capsys) -> None:
    code = main(["compare", str(experiment), "--ensemble", str(tmp_path / "no.parquet"),
                 "--out", str(tmp_path / "x")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "no.parquet: --ensemble: file not found" in err
    assert not (tmp_path / "x").exists()
    code = main(["discover", str(tmp_path), "--outcome", "fires_per_year", "--threshold", "0"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
