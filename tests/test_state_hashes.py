"""Exact regression: every state array, time series and fire event after two small program
runs hashes as recorded in tests/state_hashes.json.

The goldens of ``vicinity-sim regress`` allow for noise; these hashes do not: a refactor that
must not change results (moving code, new interfaces, both engines sharing a formula) keeps
every bit. A change to the model on purpose changes them: regenerate the file with
``VICINITY_SIM_UPDATE_HASHES=1 .venv/bin/python -m pytest tests/test_state_hashes.py`` and say
so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
from helpers import ROOT, scenario

from vicinity_sim.model import VicinityModel
from vicinity_sim.reference.lockstep import state_arrays

GOLDEN = ROOT / "tests" / "state_hashes.json"

#: case → (scenario file, overrides, rollout acceleration, seed). Small villages, the program
#: rolled out fast so that every intervention acts, fires made frequent so that they happen.
CASES = {
    "program_fires_3000_200d/seed0": ("xiamen_program", [
        "villages[0].population.n_residents=3000", "villages[0].plan.n_buildings=290",
        "run.days=200", "fire.ignition_per_household_year=0.01",
        "fire.ignition_per_indoor_ebike_year=0.01"], 6, 0),
    "villages_program_small_150d/seed1": ("xiamen_villages_program", [
        "villages[0].population.n_residents=2500", "villages[0].plan.n_buildings=240",
        "villages[1].population.n_residents=4000", "villages[1].plan.n_buildings=100",
        "villages[2].population.n_residents=1500", "villages[2].plan.n_buildings=150",
        "villages[3].population.n_residents=2000", "villages[3].plan.n_buildings=200",
        "run.days=150"], 8, 1),
}  # fmt: skip


def digest(a: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes (object arrays: of their values)."""
    a = np.ascontiguousarray(a)
    if a.dtype == object:
        return hashlib.sha256(repr(a.tolist()).encode()).hexdigest()
    return hashlib.sha256(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes()).hexdigest()


def run_hashes(file: str, overrides: list[str], factor: int, seed: int) -> dict[str, str]:
    from helpers import accelerated

    model = VicinityModel(accelerated(scenario(file, *overrides), factor), rng=seed)
    model.run()
    out = {k: digest(v) for k, v in sorted(state_arrays(model).items())}
    out.update({f"series.{k}": digest(np.asarray(v))
                for k, v in sorted(model.datacollector.columns().items())})  # fmt: skip
    out.update({f"fire_events.{k}": digest(v)
                for k, v in sorted(model.process("fire").event_table().items())})  # fmt: skip
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_state_after_a_program_run_is_bit_identical(case):
    now = run_hashes(*CASES[case])
    if os.environ.get("VICINITY_SIM_UPDATE_HASHES"):
        stored = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
        stored[case] = now
        GOLDEN.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))[case]
    changed = sorted(k for k in golden.keys() | now.keys() if golden.get(k) != now.get(k))
    assert not changed, f"{len(changed)} arrays changed, e.g. {changed[:5]}"
