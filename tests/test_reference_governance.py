"""The reference governance and disputes processes agree exactly with the fast ones.

Lockstep runs (``vicinity_sim.reference.lockstep``) of governance and disputes, together and
alone, with the program on (its rollout compressed fourfold so that hires, pairing, the
association and the other levers change within a short run) and off, over several seeds.
Yesterday's fires, written by the fire process, are injected into both engines alike, and a
small request queue makes the oldest requests lapse when it overflows.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SCENARIOS, accelerated

import vicinity_sim.processes.governance as fast_governance
import vicinity_sim.reference.processes.governance as ref_governance
from vicinity_sim.model import VicinityModel
from vicinity_sim.reference import ReferenceModel
from vicinity_sim.reference.lockstep import differences, lockstep, only, state_arrays
from vicinity_sim.scenario import load_scenario
from vicinity_sim.world import FiresToday

SMALL = ["villages[0].plan.n_buildings=240", "villages[0].population.n_residents=2500"]
BOTH = ["weather", "interventions", "governance", "disputes", "party", "observe"]


def _scenario(name: str, days: int, *overrides: str, compress: int = 4):
    """A small scenario whose interventions roll out ``compress`` times faster."""
    sc = load_scenario(SCENARIOS / f"{name}.toml", [*SMALL, f"run.days={days}", *overrides])
    return accelerated(sc, compress)


def _total(result, name: str) -> float:
    return float(np.nansum(result.fast.datacollector.column(name)))


def _tie_strength(model: VicinityModel) -> float:
    return float(model.world.ties.w.sum(dtype=np.float64))


@pytest.mark.parametrize("seed", [0, 1])
def test_governance_and_disputes_with_the_program(seed):
    days = 250
    sc = _scenario("xiamen_program", days, "governance.three_in_one_enforcement=0.5")
    res = lockstep(only(sc, BOTH), seed, days)
    assert res.day is None, res.differences[:5]
    built = VicinityModel(sc, rng=seed).world
    # Staffing hired gridworkers (agents added by interventions), pairing and patrols worked.
    assert len(res.reference.gridworkers) > len(built.gridworkers)
    for name in ("needs_by_party", "needs_answered", "needs_lapsed", "inspections",
                 "newcomers_registered", "chargers_persuaded", "three_in_one_referred",
                 "party_visits", "disputes_grassroots", "police_incidents"):  # fmt: skip
        assert _total(res, name) > 0, name


def test_program_off():
    days = 150
    res = lockstep(only(_scenario("baseline", days), BOTH), 2, days)
    assert res.day is None, res.differences[:5]
    assert _total(res, "needs_answered") > 0 and _total(res, "disputes") > 0
    assert _total(res, "party_visits") == 0


@pytest.mark.parametrize(("name", "seed"), [("xiamen_program", 3), ("baseline", 4)])
def test_governance_alone(name, seed):
    days = 120
    res = lockstep(only(_scenario(name, days), ["governance"]), seed, days)
    assert res.day is None, res.differences[:5]
    assert _total(res, "needs_resolved") > 0 and _total(res, "inspections") > 0


# No local villagers (absentee landlords) and few residents (single-household buildings) in
# the second case: a tenancy dispute then has no counterpart, nor a dispute in such a building.
SPARSE = ("villages[0].population.share_local=0.0", "villages[0].population.n_residents=800")


@pytest.mark.parametrize(("name", "seed", "extra"),
                         [("xiamen_program", 5, ()), ("baseline", 6, SPARSE)])  # fmt: skip
def test_disputes_alone_weaken_ties(name, seed, extra):
    """Frequent disputes: tenancy and neighbour disputes, escalations between acquaintances."""
    days = 100
    sc = _scenario(
        name, days, "disputes.neighbour_disputes_per_household_year=0.5",
        "disputes.tenancy_disputes_per_tenant_household_year=0.2", *extra,
    )  # fmt: skip
    res = lockstep(only(sc, ["interventions", "disputes"]), seed, days)
    assert res.day is None, res.differences[:5]
    assert _total(res, "disputes_grassroots") > 0 and _total(res, "police_incidents") > 0
    # Only disputes change ties here: escalations between acquaintances weakened some.
    assert _tie_strength(res.fast) < _tie_strength(VicinityModel(sc, rng=seed))


def test_fire_response_moves_trust_in_the_block():
    """Fires (the fire process's output) injected into both engines alike, with several fires
    and several burned buildings of one block on the same day."""
    days, seed = 40, 7
    sc = only(_scenario("xiamen_program", days), ["governance"])
    fast, ref = VicinityModel(sc, rng=seed), ReferenceModel(sc, rng=seed)
    gen = np.random.default_rng(seed)
    block = fast.world.buildings.block
    for day in range(days):
        n = int(gen.integers(0, 4))
        buildings = gen.integers(0, len(block), n)
        # Add a neighbour of the same block to some fires (one fire, several buildings).
        same_block = np.flatnonzero(block == block[buildings[0]]) if n else buildings
        burned = np.concatenate([buildings, same_block[:2]]).astype(np.int64)
        event = np.concatenate([np.arange(n), np.zeros(len(burned) - n, int)])[::-1].copy()
        response = gen.uniform(2.0, 30.0, n)
        fires = FiresToday(burned, event.astype(np.int64), response[event] if n else response)
        fast.world.fires_today = ref.world.fires_today = fires
        fast.step()
        ref.step()
        diff = differences(state_arrays(fast), state_arrays(ref))
        assert not diff, (day, diff[:5])
    assert not np.allclose(fast.world.residents.trust_inst, VicinityModel(sc, rng=seed)
                           .world.residents.trust_inst)  # fmt: skip


def test_full_request_queue_drops_the_oldest(monkeypatch):
    """A tiny queue and little capacity: the oldest requests lapse when new ones arrive."""
    monkeypatch.setattr(fast_governance, "RING", 16)
    monkeypatch.setattr(ref_governance, "RING", 16)
    days = 40
    sc = _scenario("baseline", days, "governance.tasks_per_gridworker_day=0.5",
                   "governance.patience_days=60")  # fmt: skip
    res = lockstep(only(sc, ["governance"]), 8, days)
    assert res.day is None, res.differences[:5]
    assert _total(res, "needs_lapsed") > 0
    assert max(res.fast.datacollector.column("request_backlog")) == 16


def test_tenancy_disputes_with_rent_burdens_agree():
    """With housing setting rent burdens (and property management raising rents), tenancy
    disputes are drawn by burden in both engines alike."""
    days, seed = 100, 9
    sc = _scenario(
        "xiamen_program", days, "disputes.neighbour_disputes_per_household_year=0.05",
        "disputes.tenancy_disputes_per_tenant_household_year=0.5",
        "disputes.tenancy_burden_elasticity=2.0",
    )  # fmt: skip
    res = lockstep(only(sc, ["interventions", "housing", "disputes"]), seed, days)
    assert res.day is None, res.differences[:5]
    burden = res.fast.world.households.rent_burden
    assert np.ptp(burden[burden > 0]) > 0.1  # burdens differ between households
    assert _total(res, "disputes") > 0
