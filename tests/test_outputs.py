"""Running from the command line: files, determinism, provenance, overwrite protection."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import SCENARIOS

from vicinity_sim.cli import main
from vicinity_sim.outcomes import CONTRACT

TINY = str(SCENARIOS / "tiny.toml")


def run(args, capsys):
    rc = main(args)
    return rc, capsys.readouterr()


def test_run_writes_the_four_files(tmp_path, capsys):
    out = tmp_path / "run"
    rc, cap = run(["run", TINY, "--out", str(out), "--days", "120", "--seed", "3"], capsys)
    assert rc == 0, cap.err
    assert sorted(p.name for p in out.iterdir()) == [
        "agents", "fire_events.parquet", "manifest.json", "summary.json", "timeseries.parquet",
    ]  # fmt: skip
    ts = pq.read_table(out / "timeseries.parquet").to_pandas()
    assert len(ts) == 120 and ts["day"].tolist() == list(range(120))
    assert ts["date"].iloc[0] == pd.Timestamp("2023-04-01")  # dates are timestamps
    summary = json.loads((out / "summary.json").read_text())
    assert set(CONTRACT) <= set(summary)
    assert summary["days"] == 120
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["days"] == 120
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["scenario"]["villages"][0]["name"] == "tiny"
    assert manifest["version"] and "timings_s" in manifest
    stages = manifest["timings_s"]
    assert set(stages) == {"build_s", "simulate_s", "summarize_s", "encode_s"}
    assert manifest["wall_s"] > 0
    assert manifest["wall_s"] == pytest.approx(sum(stages.values()), abs=1e-3)
    assert "fires_per_year" in cap.out and str(out) in cap.out  # readable summary
    table = {line.split()[0]: line.split()[1] for line in cap.out.splitlines()[1:-1]}
    for key in ("fire_deaths", "fire_injuries", "buildings_damaged", "mean_response_min"):
        assert key in table, key
    assert float(table["buildings_damaged"]) == summary["buildings_damaged"]
    assert float(table["fire_injuries"]) == summary["fire_injuries"]


def test_same_scenario_and_seed_give_identical_bytes(tmp_path, capsys):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, "5"), (b, "5"), (c, "6")):
        rc, cap = run(["run", TINY, "--out", str(out), "--seed", seed, "--quiet"], capsys)
        assert rc == 0, cap.err
    for name in ("timeseries.parquet", "summary.json", "fire_events.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "timeseries.parquet").read_bytes() != (c / "timeseries.parquet").read_bytes()


def test_force_replaces_an_output_directory(tmp_path, capsys):
    """--force replaces earlier outputs (a directory with a manifest), and only those."""
    out = tmp_path / "out"
    rc, _ = run(["run", TINY, "--out", str(out), "--days", "5", "--seed", "1", "--quiet"], capsys)
    assert rc == 0
    (out / "old.txt").write_text("old")
    rc, _ = run(["run", TINY, "--out", str(out), "--days", "5", "--force", "--quiet"], capsys)
    assert rc == 0
    assert not (out / "old.txt").exists() and (out / "summary.json").exists()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary leftovers, no lock


def test_validate_and_schema(tmp_path, capsys):
    rc, cap = run(["validate", str(SCENARIOS / "hazard_package.toml")], capsys)
    assert rc == 0 and "ok" in cap.out and "8 intervention" in cap.out
    rc, cap = run(["schema"], capsys)
    schema = json.loads(cap.out)
    assert schema["properties"]["fire"]
    rc, _ = run(["schema", "--out", str(tmp_path / "s.json")], capsys)
    assert json.loads((tmp_path / "s.json").read_text()) == schema


def test_compare_prints_paired_differences(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", TINY, TINY, "--seeds", "2", "--days", "30", "--out", str(out)]
    rc, cap = run(args, capsys)
    assert rc == 0, cap.err
    assert "95% CI" in cap.out
    result = json.loads((out / "comparison.json").read_text())
    assert result["seeds"] == [0, 1]
    effects = result["effects"]["tiny-1"]
    # The same scenario against itself: every paired difference is exactly zero.
    assert all(e["diff_mean"] in (0.0, None) for e in effects)
    assert (out / "tiny" / "seed-1" / "summary.json").exists()


def test_every_scenario_file_validates(capsys):
    for path in sorted(SCENARIOS.glob("*.toml")):
        rc, cap = run(["validate", str(path)], capsys)
        assert rc == 0, (path, cap.err)


def test_failed_write_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    """A crash while writing (disk full, say) leaves neither the directory nor temporary files,
    and is one line (exit 2)."""
    import vicinity_sim.outdir as outdir

    real = outdir.atomic_write
    written = []

    def failing(path, data):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        real(path, data)

    monkeypatch.setattr(outdir, "atomic_write", failing)
    out = tmp_path / "out"
    rc = main(["run", TINY, "--out", str(out), "--days", "3", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert written and not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_mechanisms_can_be_switched_off(tmp_path, capsys):
    """A run without some mechanisms still writes every file; their outcomes are null."""
    out = tmp_path / "out"
    off = '["fire", "contacts", "participation"]'
    rc, cap = run(["run", TINY, "--out", str(out), "--days", "20", "--quiet",
                   "--set", f"run.disabled_processes={off}"], capsys)  # fmt: skip
    assert rc == 0, cap.err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["fires_per_year"] == 0.0 and summary["participation_rate"] is None
    assert pq.read_table(out / "fire_events.parquet").num_rows == 0


#: Outcome-contract names that are a value per day, and so a column of ``timeseries.parquet``
#: (the outcome contract: time series use the same names where they make sense per day), with what
#: ``summary.json`` makes of the column: its last value or its mean over days.
DAILY_CONTRACT = {
    "trust_interpersonal": "last",
    "trust_institutional": "last",
    "trust_gap_local_migrant": "last",
    "acquaintance_ties_mean": "last",
    "participation_rate": "last",
    "police_incidents_per_year": "last",
    "disputes_resolved_grassroots_share": "last",
    "gridworker_utilisation": "mean",
}


def test_timeseries_carries_the_daily_contract_names(tmp_path, capsys):
    out = tmp_path / "run"
    rc, cap = run(["run", TINY, "--out", str(out), "--days", "200", "--seed", "5"], capsys)
    assert rc == 0, cap.err
    ts = pq.read_table(out / "timeseries.parquet").to_pandas()
    summary = json.loads((out / "summary.json").read_text())
    assert set(DAILY_CONTRACT) <= set(ts.columns)
    for name, how in DAILY_CONTRACT.items():
        col = ts[name].to_numpy(float)
        assert np.isfinite(col[-1]), name
        value = col[-1] if how == "last" else np.nanmean(col)
        assert value == pytest.approx(summary[name], rel=1e-12), name
    # The dispute outcomes are the run so far: on day d, what a run stopped after d reports.
    assert ts["disputes"].sum() > 0 and ts["police_incidents"].sum() > 0
    for d in (0, 49, 120, 199):
        upto = ts.iloc[: d + 1]
        assert ts["police_incidents_per_year"].iloc[d] == pytest.approx(
            upto["police_incidents"].sum() * 365 / (d + 1)
        )
        if upto["disputes"].sum() > 0:
            assert ts["disputes_resolved_grassroots_share"].iloc[d] == pytest.approx(
                upto["disputes_grassroots"].sum() / upto["disputes"].sum()
            )
    share = ts["disputes_resolved_grassroots_share"].dropna()
    assert ((share >= 0) & (share <= 1)).all()


def test_run_writes_monthly_agent_snapshots(tmp_path, capsys):
    """``agents/<name>.parquet``: one row per agent on day 0, the first of each month and the
    last day, with the registered columns."""
    out = tmp_path / "run"
    rc, cap = run(["run", TINY, "--out", str(out), "--days", "70", "--quiet"], capsys)
    assert rc == 0, cap.err
    days = [0, 30, 61, 69]  # 2023-04-01, 05-01, 06-01 and the last day
    for name, columns in (("gridworkers", {"grid", "party", "strain", "quits"}),
                          ("party_members", {"kind", "budget_week", "hours_total", "assigned"}),
                          ("landlords", {"association", "safety_spent_cny"})):  # fmt: skip
        table = pq.read_table(out / "agents" / f"{name}.parquet").to_pandas()
        assert {"day", "date", "agent"} | columns <= set(table.columns), name
        assert sorted(table["day"].unique()) == days, name
        per_day = table.groupby("day")["agent"].apply(list)
        assert all(per_day[d] == sorted(set(per_day[d])) for d in days), name
    manifest = json.loads((out / "manifest.json").read_text())
    for name in ("landlords", "gridworkers", "party_members"):
        assert f"agents/{name}.parquet" in json.dumps(manifest), name
    members = pq.read_table(out / "agents" / "party_members.parquet").to_pandas()
    assert (members["hours_total"] <= members["budget_total"] + 1e-9).all()
