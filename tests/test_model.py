"""VicinityModel: Mesa conventions, process registry, recorder, common random numbers."""

import mesa
import numpy as np
import pandas as pd
import pytest
from helpers import scenario, village

from vicinity_sim.interop import NoAgentSetError
from vicinity_sim.model import VicinityModel
from vicinity_sim.processes import Process, register, registered, unregister
from vicinity_sim.scenario import scenario_from_dict


def small(days=30, **sections):
    return scenario_from_dict(village(days=days, n_buildings=200, n_residents=2000, **sections))


def test_is_a_mesa_model_seeded_with_rng():
    m = VicinityModel(small(), rng=42)
    assert isinstance(m, mesa.Model)
    assert m.seed == 42
    m.step()
    m.step()
    assert m.steps == 2 and m.day == 2
    m.run()
    assert not m.running and m.day == 30
    m.step()  # stepping past the end does nothing
    assert m.day == 30


def test_mesa_generators_cannot_be_drawn_from():
    """Every draw comes from the addressed streams: Mesa's own generators (seeded, but outside
    the addressing) raise if anything uses them, in both engines; whole runs never do."""
    from vicinity_sim.reference import ReferenceModel

    for model in (VicinityModel(small(days=3), rng=4), ReferenceModel(small(days=3), rng=4)):
        model.run()
        assert model.day == 3 and model.seed == 4
        uses = [lambda m: m.random.random(), lambda m: m.rng.integers(5)]
        if isinstance(model, ReferenceModel):  # the fast model has no AgentSet at all (below)
            uses.append(lambda m: m.agents.shuffle())
        for use in uses:
            with pytest.raises(RuntimeError, match="addressed streams"):
                use(model)
    with pytest.raises(NoAgentSetError):
        VicinityModel(small(days=1), rng=4).agents.shuffle()


def test_processes_run_in_the_order_their_contracts_give():
    """The schedule derived from ``after`` is the model's order; every process runs after the
    processes it names (observe after all)."""
    names = [cls.name for cls in registered()]
    assert names == ["weather", "interventions", "charging", "compliance", "contacts",
                     "governance", "disputes", "participation", "fire", "flood", "landlords",
                     "structure", "labour", "prices", "enterprise", "collective", "housing",
                     "migration", "party", "rules", "observe"]  # fmt: skip
    for k, cls in enumerate(registered()):
        assert all(names.index(a) < k for a in cls.after if a != "*"), cls.name
    m = VicinityModel(small(days=1), rng=0)
    assert [p.name for p in m.processes] == names


def test_a_registered_process_plugs_in_without_editing_the_loop():
    calls = []

    @register
    class Counter(Process):
        name = "test_counter"
        cadence = "week"
        after = ("fire",)
        metrics = {"counter_calls": "Calls so far."}

        def step(self, day, key):
            calls.append(day)
            return {"counter_calls": float(len(calls))}

    try:
        m = VicinityModel(small(days=15), rng=0)
        m.run()
        assert calls == [0, 7, 14]
        frame = m.datacollector.get_model_vars_dataframe()
        assert frame["counter_calls"].tolist()[:8] == [1, 0, 0, 0, 0, 0, 0, 2]
    finally:
        unregister("test_counter")
    assert "test_counter" not in [c.name for c in registered()]


def test_datacollector_frame_follows_mesa_conventions():
    m = VicinityModel(small(days=20), rng=1)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    assert isinstance(df, pd.DataFrame) and df.index.name == "day" and len(df) == 20
    for name in ("fires", "fire_deaths", "mean_response_min", "flood_exposed_resident_days",
                 "cost_total_cny", "residents"):  # fmt: skip
        assert name in df.columns
    assert list(m.datacollector.model_vars["residents"]) == [2000.0] * 20


def test_same_seed_same_run_and_seeds_differ():
    def frame(seed):
        m = VicinityModel(scenario("tiny"), rng=seed)
        m.run()
        return m.datacollector.get_model_vars_dataframe()

    a, b, c = frame(3), frame(3), frame(4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert a["heavy_rain_villages"].sum() > 0


def test_policy_arms_share_randomness_the_policy_does_not_touch():
    """Common random numbers: same weather; the package's fires are a subset of baseline's."""
    base = VicinityModel(scenario("baseline", "run.days=365"), rng=2)
    pkg = VicinityModel(scenario("hazard_package", "run.days=365"), rng=2)
    base.run()
    pkg.run()
    fb = base.datacollector.get_model_vars_dataframe()
    fp = pkg.datacollector.get_model_vars_dataframe()
    assert np.array_equal(fb["heavy_rain_villages"], fp["heavy_rain_villages"])
    eb, ep = base.process("fire").event_table(), pkg.process("fire").event_table()
    fires_b = set(zip(eb["day"].tolist(), eb["building"].tolist(), strict=True))
    fires_p = set(zip(ep["day"].tolist(), ep["building"].tolist(), strict=True))
    assert fires_p <= fires_b  # the package only lowers ignition rates
    assert fp["ignition_rate_per_year"].iloc[-1] < fb["ignition_rate_per_year"].iloc[-1]
