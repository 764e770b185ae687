"""The Mesa-agent reference model against the fast model.

Per mechanism, the lockstep tests in ``tests/test_reference_*.py`` show exact agreement. Here:
the whole model in lockstep (every process on, the program running), the outcome contract in
distribution over seeds, and the command line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import SCENARIOS, accelerated

from vicinity_sim.cli import main
from vicinity_sim.outcomes import CONTRACT
from vicinity_sim.reference import InServiceMember, ReferenceModel, Resident
from vicinity_sim.reference.lockstep import lockstep, only
from vicinity_sim.runs import simulate
from vicinity_sim.scenario import load_scenario

SMALL = ["villages[0].plan.n_buildings=240", "villages[0].population.n_residents=2500"]


def _program(days: int, factor: int = 1):
    """The program in a small village; ``factor`` > 1 rolls it out that much faster."""
    sc = load_scenario(SCENARIOS / "xiamen_program.toml", [*SMALL, f"run.days={days}"])
    return accelerated(sc, factor)


def test_agents_mirror_the_people_of_the_world():
    model = ReferenceModel(only(_program(10), ["interventions", "observe"]), rng=2)
    w = model.world
    assert len(model.residents) == len(w.residents) == len(model.agents_by_type[Resident])
    assert [a.row for a in model.residents] == list(range(len(w.residents)))
    # A resident party member's party role is a second agent, linked by its resident row;
    # in-service members registered by the program are agents living elsewhere.
    assert [a.row for a in model.party_members] == list(range(len(w.party_members)))
    resident_members = [a.resident for a in model.party_members if a.resident >= 0]
    assert resident_members == np.flatnonzero(w.residents.party).tolist()
    in_service = model.agents_by_type[InServiceMember]
    assert len(in_service) > 0 and all(a.resident == -1 for a in in_service)
    assert len(model.landlords) == len(w.landlords)


def test_interventions_act_on_agents_as_on_rows():
    """Staffing hires gridworkers (new agents), the association enrols landlords."""
    result = lockstep(only(_program(400), ["interventions", "observe"]), 1, 400)
    assert result.day is None, result.differences[:5]
    ref = result.reference
    assert len(ref.gridworkers) > 0
    assert any(landlord.association for landlord in ref.landlords)


def test_whole_model_runs_in_lockstep_with_the_program():
    """Every process on, the program rolled out within the run: every state and metric of
    the two engines is equal on every day."""
    for seed in (0, 1):
        result = lockstep(_program(120, factor=8), seed, 120)
        assert result.day is None, (seed, result.differences[:5])
        col = result.fast.datacollector.column
        assert col("units_installed").sum() > 0 and col("households_moved").sum() > 0
        assert col("events").sum() > 0 and col("encounters").sum() > 0


def test_every_contract_outcome_agrees():
    """The run summaries of both engines give every outcome of the contract the same value
    (both engines draw the same random numbers everywhere, so agreement is exact, not just
    in distribution)."""
    sc = _program(150, factor=6)
    for seed in (0, 1):
        fast = simulate(sc, seed=seed).summary
        ref = simulate(sc, seed=seed, engine="reference").summary
        for name in CONTRACT:
            a, b = fast[name], ref[name]
            assert a == b or (a != a and b != b), (seed, name, a, b)


def test_run_command_with_the_reference_engine(tmp_path):
    def run(engine: str) -> dict:
        out = tmp_path / engine
        args = ["run", str(SCENARIOS / "tiny.toml"), "--engine", engine, "--days", "20",
                "--seed", "3", "--out", str(out), "--quiet"]  # fmt: skip
        assert main(args) == 0
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["engine"] == engine
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))

    assert run("reference") == run("fast")


def test_unknown_engine_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", str(SCENARIOS / "tiny.toml"), "--engine", "slow"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--engine" in err[0]
