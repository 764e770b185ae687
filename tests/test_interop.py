"""Working with Mesa and EMA Workbench: batch_run through the keyword interface, agent-level
frames, what model.agents says, and an EMA model built from the declarations."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from tests.helpers import SCENARIOS
from vicinity_sim import VicinityModel, load_scenario
from vicinity_sim.errors import InputError
from vicinity_sim.interop import NoAgentSetError

TINY = str(SCENARIOS / "tiny.toml")
#: Mesa 3.4 and later take the seeds as batch_run's own ``rng`` (a parameter named rng is
#: overwritten); Mesa 3.3 takes them as a parameter.
SEEDS_ARGUMENT = "rng" in inspect.signature(batch_run).parameters


def seeds(parameters: dict, values: list) -> tuple[dict, dict]:
    """batch_run's parameters and keyword arguments that run every seed of ``values``."""
    if SEEDS_ARGUMENT:
        return parameters, {"rng": values}
    return {**parameters, "rng": values}, {}


SMALL = {"run.days": 40, "villages[0].plan.n_buildings": 60,
         "villages[0].population.n_residents": 500}  # fmt: skip


def test_keyword_interface_is_the_scenario_file_with_overrides():
    """A path plus overrides (a list, a mapping or keywords) builds what load_scenario builds."""
    items = [f"{k}={v}" for k, v in SMALL.items()]
    expected = VicinityModel(load_scenario(TINY, items), rng=4)
    for model in (VicinityModel(TINY, rng=4, overrides=items),
                  VicinityModel(TINY, rng=4, overrides=SMALL),
                  VicinityModel(TINY, rng=4, **SMALL)):  # fmt: skip
        assert model.spec == expected.spec
    with pytest.raises(InputError, match=r"fire\.growth_sigmaa"):
        VicinityModel(TINY, **{"fire.growth_sigmaa": 0.4})


def test_batch_run_sweeps_scenario_keys_and_seeds():
    swept = {"fire.ignition_per_household_year": [0.0, 0.05]}
    parameters, kwargs = seeds({"scenario": TINY, **SMALL, **swept}, [0, 1])
    rows = batch_run(VicinityModel, parameters=parameters, max_steps=100,
                     data_collection_period=10, display_progress=False, **kwargs)  # fmt: skip
    df = pd.DataFrame(rows)
    # Every 10th day; Mesa 3.3 adds the last day (39), Mesa 3.5 the recorded days only.
    steps = sorted(df["Step"].unique())
    assert steps in ([0, 10, 20, 30, 39], [0, 10, 20, 30])
    assert len(df) == 4 * len(steps)
    assert set(df["rng"]) == {0, 1} and set(df["run.days"]) == {40}
    fires = df.groupby("fire.ignition_per_household_year")["fires"].sum()
    assert fires[0.0] == 0 and fires[0.05] > 0  # the swept key reached the model
    # A row is the model's day: the value batch_run reports is the recorder's.
    model = VicinityModel(TINY, rng=1, **SMALL, **{"fire.ignition_per_household_year": 0.05})
    model.run()
    recorded = model.datacollector.get_model_vars_dataframe()
    mine = df[(df["rng"] == 1) & (df["fire.ignition_per_household_year"] == 0.05)]
    for step, value in zip(mine["Step"], mine["trust_institutional"], strict=True):
        assert recorded["trust_institutional"].iloc[step] == value
    # Different seeds are different runs; the same seed is the same run.
    by_seed = df[df["fire.ignition_per_household_year"] == 0.0].groupby("rng")
    assert by_seed["trust_interpersonal"].last().nunique() == 2


def test_agent_frames_have_mesas_shape_at_the_chosen_cadence():
    model = VicinityModel(TINY, rng=2, agent_every=15, **SMALL)
    model.run()
    frame = model.datacollector.get_agent_vars_dataframe()
    assert frame.index.names == ["Step", "AgentID"]
    assert sorted(frame.index.get_level_values("Step").unique()) == [0, 15, 30, 39]
    n = len(model.world.residents)
    assert len(frame) == 4 * n
    last = frame.loc[39]
    r = model.world.residents
    np.testing.assert_array_equal(last["trust_institutional"], r.trust_inst)
    np.testing.assert_array_equal(last["trust_out_group"], r.trust_inter[:, 1])
    np.testing.assert_array_equal(last["income"], r.income)
    # Chosen reporters, another table, and batch_run's records of them.
    parameters, kwargs = seeds({"scenario": TINY, **SMALL, "agent_table": "buildings",
                                "agent_reporters": [{"rent": "rent", "sensor": "smoke_sensor"}],
                                "agent_every": 20}, [3])  # fmt: skip
    rows = batch_run(VicinityModel, parameters=parameters, max_steps=100,
                     data_collection_period=20, display_progress=False, **kwargs)  # fmt: skip
    agents = pd.DataFrame(rows)
    steps = set(agents["Step"])
    assert steps in ({0, 20, 39}, {0, 20})  # as above: Mesa 3.3 adds the last day
    assert len(agents) == len(steps) * 60 and {"AgentID", "rent", "sensor"} <= set(agents)
    with pytest.raises(ValueError, match="no column 'rnt'"):
        VicinityModel(TINY, agent_reporters={"rent": "rnt"}, agent_table="buildings", **SMALL)


def test_model_agents_says_what_to_use_instead():
    model = VicinityModel(TINY, **SMALL)
    with pytest.raises(NoAgentSetError) as err:
        model.agents  # noqa: B018
    message = str(err.value)
    for hint in ("model.world.residents", "get_agent_vars_dataframe", "ReferenceModel"):
        assert hint in message
    assert isinstance(err.value, AttributeError)


# -- EMA Workbench ---------------------------------------------------------------------------


def test_ema_model_from_declarations_catalogue_and_contract():
    ema = pytest.importorskip("ema_workbench", reason="needs the ema extra")
    from vicinity_sim.ema import build_model, parameter_declaration
    from vicinity_sim.outcomes import CONTRACT

    keys = ["fire.growth_sigma", "contacts.quality_stranger"]
    village = [f"{k}={v}" for k, v in SMALL.items() if k != "run.days"]
    model = build_model(TINY, uncertainties=keys, levers=["micro_fire_stations"], days=20,
                        overrides=village)  # fmt: skip
    # Uncertainties: the default's factor-two band within the declared range.
    for u, key in zip(model.uncertainties, keys, strict=True):
        d = parameter_declaration(key)
        assert u.variable_name == [key]
        assert (u.lower_bound, u.upper_bound) == (max(d["default"] / 2, d["low"]),
                                                  min(d["default"] * 2, d["high"]))  # fmt: skip
    assert [lever.variable_name for lever in model.levers] == [["lever:micro_fire_stations"]]
    assert {o.name for o in model.outcomes} == set(CONTRACT)
    assert len(build_model(TINY, uncertainties=keys).levers) >= 29  # the whole catalogue

    experiments, outcomes = ema.perform_experiments(model, scenarios=3, policies=2,
                                                    log_progress=False)  # fmt: skip
    assert len(experiments) == 6 and set(outcomes) == set(CONTRACT)
    for key, u in zip(keys, model.uncertainties, strict=True):
        values = experiments[u.name]
        assert ((values >= u.lower_bound) & (values <= u.upper_bound)).all(), key
    # The lever reaches the model: more of the planned stations cost more, same scenario.
    shares = experiments["lever_micro_fire_stations"].to_numpy()
    cost = outcomes["cost_total_cny"]
    order = np.argsort(shares)
    assert np.all(np.diff(cost[order]) >= 0) and cost.max() > cost.min()
