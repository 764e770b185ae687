"""The reference contacts process and tie functions against the fast model.

Lockstep with only interventions, contacts and observe on: everyday encounters, events (tea
parties, councils, cultural events; the program's rollout compressed into the first days so
that they happen), volunteering, weekly decay and trust must agree to the bit. The agent-level
tie functions are checked against the fast kernels on random operation sequences with few
slots, so that replacing the weakest tie happens often.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from helpers import SCENARIOS

from vicinity_sim.model import VicinityModel
from vicinity_sim.reference import ties as rties
from vicinity_sim.reference.lockstep import differences, lockstep, only, state_arrays
from vicinity_sim.reference.model import ReferenceModel
from vicinity_sim.scenario import load_scenario
from vicinity_sim.world import ties as fties

SMALL = ["villages[0].plan.n_buildings=240", "villages[0].population.n_residents=2500"]
PROCESSES = ["interventions", "contacts", "observe"]


def _scenario(name: str, days: int, *overrides: str, rollout_by: float | None = None):
    """A small village; with ``rollout_by`` every intervention is at full coverage from that
    day (events start at once instead of in the second year)."""
    sc = load_scenario(SCENARIOS / f"{name}.toml", [*SMALL, f"run.days={days}", *overrides])
    if rollout_by is not None:
        schedule = [[0.0, 0.0], [rollout_by, 1.0]]
        fast_rollout = [iv.model_copy(update={"schedule": schedule}) for iv in sc.interventions]
        sc = sc.model_copy(update={"interventions": fast_rollout})
    return only(sc, PROCESSES)


def _total(result, name: str) -> float:
    return float(np.nansum(result.fast.datacollector.column(name)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_contacts_with_the_program_in_lockstep(seed):
    result = lockstep(_scenario("xiamen_program", 90, rollout_by=10.0), seed, 90)
    assert result.day is None, result.differences[:5]
    assert _total(result, "encounters") > 0
    assert _total(result, "events") > 0
    assert _total(result, "event_attendees") > 0
    assert _total(result, "cross_group_event_encounters") > 0
    assert _total(result, "acquaintance_ties_mean") > 0
    # Councils gave their attendees a voice (nothing else moves institutional trust here).
    institutional = result.fast.datacollector.column("trust_institutional")
    assert institutional[-1] > institutional[0]


@pytest.mark.parametrize("seed", [0, 3])
def test_contacts_without_the_program_in_lockstep(seed):
    result = lockstep(_scenario("baseline", 120), seed, 120)
    assert result.day is None, result.differences[:5]
    assert _total(result, "encounters") > 0
    assert _total(result, "events") == 0


def test_bounded_confidence_mode_in_lockstep():
    sc = _scenario("xiamen_program", 40, "contacts.mode=bounded_confidence", rollout_by=5.0)
    result = lockstep(sc, 4, 40)
    assert result.day is None, result.differences[:5]
    assert _total(result, "events") > 0


def test_contributors_volunteer_and_come_to_events_in_lockstep():
    """Participation is off here, so contributors are set by hand, alike in both engines."""
    days = 60
    sc = _scenario("xiamen_program", days, rollout_by=5.0)
    fast, ref = VicinityModel(sc, rng=5), ReferenceModel(sc, rng=5)
    contributors = np.random.default_rng(5).random(len(ref.residents)) < 0.3
    fast.world.residents.participating[:] = contributors
    for res in ref.residents:
        res.participating = bool(contributors[res.row])
    for day in range(days):
        fast.step()
        ref.step()
        diff = differences(state_arrays(fast), state_arrays(ref))
        for name in ref.metric_names:
            x, y = fast.datacollector.column(name)[day], ref.datacollector.model_vars[name][day]
            if not (x == y or (x != x and y != y)):
                diff.append(f"metric {name}: fast {x} vs reference {y}")
        assert not diff, (day, diff[:5])
    assert np.sum(fast.datacollector.column("volunteer_encounters")) > 0
    assert np.sum(fast.datacollector.column("event_attendees")) > 0


# -- tie functions against the kernels ------------------------------------------------------


def _agents(to: np.ndarray, w: np.ndarray) -> list[SimpleNamespace]:
    model = SimpleNamespace(residents=[])
    model.residents = [
        SimpleNamespace(model=model, row=i, ties_to=to[i].tolist(), ties_w=w[i].tolist())
        for i in range(len(to))
    ]
    return model.residents


def _assert_same(to, w, agents) -> None:
    np.testing.assert_array_equal(to, np.array([a.ties_to for a in agents], np.int32))
    np.testing.assert_array_equal(w, np.array([a.ties_w for a in agents], np.float32))


@pytest.mark.parametrize("seed", [0, 1])
def test_tie_functions_match_the_kernels(seed):
    rng = np.random.default_rng(seed)
    n, slots = 12, 3
    ties = fties.Ties.empty(n, slots)
    to, w = ties.to, ties.w
    agents = _agents(to, w)
    dropped = 0
    for _ in range(3000):
        op = rng.integers(0, 10)
        i, j = (int(x) for x in rng.integers(0, n, 2))
        amount = float(rng.uniform(0.0, 0.6))
        if op < 5:
            new = rties.find_slot(agents[i], j) < 0
            full = (to[i] >= 0).all() or (to[j] >= 0).all()
            fast_ok = fties.add_tie(to, w, i, j, amount)
            assert rties.add_tie(agents[i], agents[j], amount) == fast_ok
            dropped += new and full and fast_ok
        elif op < 8:
            fties.weaken_tie(to, w, i, j, amount, 0.05)
            rties.weaken_tie(agents[i], agents[j], amount, 0.05)
        elif op < 9:
            count = fties.decay_ties(to, w, 0.9, 0.05, 0.3)
            assert sum(rties.decay_ties(a, 0.9, 0.05, 0.3) for a in agents) == count
        else:
            fties.clear_ties(to, w, np.array([i]))
            rties.clear_ties(agents[i])
        _assert_same(to, w, agents)
        # Symmetry: every tie is in both partners' slots with the same strength.
        for a in agents:
            for j, s in zip(a.ties_to, a.ties_w, strict=True):
                if j >= 0:
                    assert rties.tie_strength(agents[j], a.row) == s
    assert dropped > 0  # slots were full and a weaker tie made room
