"""Process contracts: what each process reads, writes and runs after.

Registration checks the declarations; the schedule and the ODD's schedule table come from them;
the declared writes cover what each process really changes; a process registered from outside
the package gets its scenario section and runs; no process reads another one's parameters.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, SCENARIOS, accelerated

import vicinity_sim
from vicinity_sim.errors import InputError
from vicinity_sim.model import VicinityModel
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes import Process, register, registered, unregister
from vicinity_sim.processes.base import columns
from vicinity_sim.processes.schedule import BEGIN, END, schedule_table
from vicinity_sim.processes.sections import SECTIONS
from vicinity_sim.scenario import load_scenario
from vicinity_sim.world.state import state_names


def _names() -> list[str]:
    return [c.name for c in registered()]


def _toy(name: str, **attrs) -> type[Process]:
    return type(name.title().replace("_", ""), (Process,), {"name": name, **attrs})


def test_register_refuses_unknown_state_and_processes():
    message = "unknown state 'buildings.smoke_sensors'; did you mean 'buildings.smoke_sensor'"
    with pytest.raises(ValueError, match=re.escape(message)):
        register(_toy("toy_names", reads=("buildings.smoke_sensors",)))
    with pytest.raises(ValueError, match="no registered process 'fires'; did you mean 'fire'"):
        register(_toy("toy_names", after=("fires",)))
    assert "toy_names" not in _names()


def test_register_refuses_unordered_processes_touching_the_same_state():
    """A second writer of the fire's damage, or a reader of what governance writes, must say
    which runs first; once ordered it is accepted and scheduled accordingly."""
    with pytest.raises(
        ValueError, match=re.escape("'toy_order' and 'fire' both touch buildings.damage")
    ):
        register(_toy("toy_order", writes=("buildings.damage",)))
    with pytest.raises(ValueError, match=re.escape("both touch residents.registered")):
        register(_toy("toy_order", reads=("residents.registered",), after=("weather",)))
    register(_toy("toy_order", writes=("buildings.damage",), after=("fire",)))
    try:
        names = _names()
        assert names.index("fire") < names.index("toy_order") < names.index("observe")
        with pytest.raises(ValueError, match="toy_order run after it"):
            unregister("fire")
    finally:
        unregister("toy_order")
    assert "toy_order" not in _names()


def test_observe_runs_after_every_other_process():
    assert _names()[-1] == "observe"
    assert registered()[-1].after == ("*",)


def test_odd_schedule_table_is_generated_from_the_contracts():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    start, end = odd.index(BEGIN), odd.index(END) + len(END)
    assert odd[start:end] + "\n" == schedule_table(), (
        "docs/ODD.md §3 is out of date: replace its generated table with the output of "
        "`python -m vicinity_sim.processes.schedule`"
    )


def _snapshot(world) -> dict[str, np.ndarray]:
    out = {}
    for table, cols in state_names().items():
        for col in cols:
            out[f"{table}.{col}"] = np.array(getattr(getattr(world, table), col), copy=True)
    return out


def _changed(before: dict[str, np.ndarray], world) -> set[str]:
    now = _snapshot(world)
    return {
        k
        for k, v in now.items()
        if v.shape != before[k].shape or not np.array_equal(v, before[k], equal_nan=True)
    }


def test_declared_writes_cover_what_each_process_changes():
    """The program rolled out fast in a small village with frequent fires, two months: every
    process's step changes only state it declares it writes (and every process runs)."""
    sc = load_scenario(SCENARIOS / "xiamen_program.toml", [
        "villages[0].plan.n_buildings=240", "villages[0].population.n_residents=2500",
        "run.days=64", "fire.ignition_per_household_year=0.02",
        "fire.ignition_per_indoor_ebike_year=0.02",
    ])  # fmt: skip
    model = VicinityModel(accelerated(sc, 30), rng=1)
    seen: dict[str, set[str]] = {p.name: set() for p in model.processes}
    for proc in model.processes:
        step = proc.step

        def checked(day, key, proc=proc, step=step):
            before = _snapshot(model.world)
            values = step(day, key)
            seen[proc.name] |= _changed(before, model.world)
            return values

        proc.step = checked
    model.run()
    for proc in model.processes:
        undeclared = seen[proc.name] - columns(type(proc).writes)
        assert not undeclared, (proc.name, sorted(undeclared))
    # The run exercised the processes that change state (a check that cannot pass vacuously).
    for name in ("interventions", "contacts", "governance", "fire", "housing", "migration"):
        assert seen[name], name


class ToyParams(ParamModel):
    """A plug-in mechanism's parameters."""

    per_day: float = param(1.0, unit="1/day", ge=0.0, le=100.0, doc="Count added per day.",
                           source="assumption: a test")  # fmt: skip


class Toy(Process):
    """A plug-in mechanism: counts days at a rate from its own section."""

    name = "toy"
    Params = ToyParams
    reads = ("residents.trust_inst",)
    after = ("party",)  # last of the processes that change institutional trust
    metrics = {"toy_count": "Days counted at the section's rate."}

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        return {"toy_count": self.params.per_day * (day + 1)}


def test_a_process_registered_after_import_gets_its_section_and_runs(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(f'extends = "{(SCENARIOS / "tiny.toml").as_posix()}"\n[run]\ndays = 4\n'
                    "[toy]\nper_day = 2.5\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError, match="toy: unknown key"):
        load_scenario(path)
    register(Toy)
    try:
        sc = load_scenario(path)
        assert isinstance(sc, vicinity_sim.Scenario) and sc.toy.per_day == 2.5
        names = _names()
        assert names.index("migration") < names.index("toy") < names.index("observe")
        model = VicinityModel(sc, rng=0)
        model.run()
        assert model.datacollector.column("toy_count").tolist() == [2.5, 5.0, 7.5, 10.0]
        message = "toy.per_dya: unknown key; did you mean 'per_day'"
        with pytest.raises(InputError, match=re.escape(message)):
            load_scenario(path, ["toy.per_dya=1"])
    finally:
        unregister("toy")
    with pytest.raises(InputError, match="toy: unknown key"):
        load_scenario(path)


def test_no_process_reads_another_process_section():
    """Processes read their own section and the shared ones ([trust], [ties], ...) only."""
    root = Path(vicinity_sim.__file__).parent
    processes = set(_names())
    for path in [*root.glob("processes/*.py"), *root.glob("reference/processes/*.py")]:
        text = path.read_text(encoding="utf-8")
        own = set(re.findall(r'^    name = "(\w+)"', text, re.M))
        used = set(re.findall(r"\bspec\.(\w+)", text)) & processes
        assert used <= own, (path.name, sorted(used - own))
    assert {"trust", "ties", "rent_burden"} <= set(SECTIONS)
