"""Experiment reports: Markdown, effects CSV and deterministic PNG figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vicinity_sim.experiment import load_experiment, run_experiment
from vicinity_sim.experiment.report import format_effects_table, write_report

ROOT = Path(__file__).resolve().parents[1]
ARMS = ("baseline", "stations")
OUTCOMES = ("trust_institutional", "flood_exposed_resident_days", "cost_total_cny")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

EXPERIMENT = f"""
name = "report_test"
description = "A tiny village for 60 days: baseline vs one micro fire station."
base = "{(ROOT / "scenarios" / "tiny.toml").as_posix()}"
replications = 3
seed = 0
reference = "baseline"
outcomes = {list(OUTCOMES)!r}
set = ["run.days=60"]

[[arms]]
name = "baseline"

[[arms]]
name = "stations"
[[arms.interventions]]
kind = "micro_fire_stations"
quantity = 1
""".replace("'", '"')


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    path = root / "experiment.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return run_experiment(load_experiment(path), root / "out", progress=False)


@pytest.fixture(scope="module")
def sensitivity():
    """Made-up Sobol' indices in the shape the report reads."""
    return pd.DataFrame({
        "parameter": ["fire.sensor_reliability", "villages[0].plan.n_buildings"],
        "outcome": ["trust_institutional"] * 2,
        "first_order": [0.4, 0.1], "first_order_low": [0.2, -0.05], "first_order_high": [0.6, 0.2],
        "total_order": [0.5, 0.3], "total_order_low": [0.3, 0.1], "total_order_high": [0.7, 0.5],
    })  # fmt: skip


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_report_files(results, sensitivity, tmp_path):
    out = tmp_path / "report"
    path = write_report(results, out, sensitivity)
    assert path == out / "report.md"
    for name in ("report.md", "effects.csv", "effects.png", "sensitivity.png"):
        assert (out / name).is_file(), name
    pngs = sorted(out.glob("*.png"))
    assert {p.name for p in pngs} >= {f"timeseries_{o}.png" for o in OUTCOMES}
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_SIGNATURE, png.name

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# report_test")
    assert "common random numbers" in text
    for name in (*ARMS, *OUTCOMES):
        assert name in text, name
    assert "## Sensitivity" in text and "fire.sensor_reliability" in text
    for png in pngs:
        assert f"({png.name})" in text, png.name

    effects = pd.read_csv(out / "effects.csv")
    assert list(effects.columns) == list(results.effects().columns)
    assert set(effects["outcome"]) == set(OUTCOMES)
    assert set(effects["arm"]) == {"stations"}


def test_report_is_byte_stable(results, sensitivity, tmp_path):
    out = tmp_path / "report"
    write_report(results, out, sensitivity)
    first = snapshot(out)
    write_report(results, out, sensitivity)
    assert snapshot(out) == first


def test_report_without_sensitivity(results, tmp_path):
    write_report(results, tmp_path)
    assert not (tmp_path / "sensitivity.png").exists()
    assert "Sensitivity" not in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_effects_table(results):
    table = format_effects_table(results.effects())
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["outcome", "arm"]
    assert len(lines) == 2 + len(OUTCOMES)  # header, rule, one row per outcome and arm
    for outcome in OUTCOMES:
        assert any(line.startswith(outcome) and "stations" in line for line in lines[2:])
