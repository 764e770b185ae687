"""Property-based checks: any valid input gives a consistent world and run; any input gives
either a scenario or an InputError."""

import numpy as np
from helpers import assert_ties_consistent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vicinity_sim.errors import InputError
from vicinity_sim.interventions import CATALOGUE
from vicinity_sim.model import VicinityModel
from vicinity_sim.scenario import scenario_from_dict
from vicinity_sim.world.population import CHARGE_SITE

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

villages = st.fixed_dictionaries(
    {
        "plan": st.fixed_dictionaries(
            {
                "n_buildings": st.integers(1, 150),
                "block_cols": st.integers(1, 6),
                "block_rows": st.integers(1, 6),
                "rooms_per_storey": st.floats(0.5, 4.0),
                "n_flood_points": st.integers(0, 3),
                "three_in_one_share": st.floats(0, 1),
                "dangerous_share": st.floats(0, 0.2),
            }
        ),
        "population": st.fixed_dictionaries(
            {
                "n_residents": st.integers(1, 1500),
                "share_local": st.floats(0, 0.5),
                "share_taiwan": st.floats(0, 0.2),
                "residents_per_grid": st.floats(50, 2000),
            }
        ),
    }
)

interventions = st.lists(
    st.sampled_from(
        [
            {"kind": "fire_retrofit", "coverage": 0.5, "ramp_days": 10},
            {"kind": "micro_fire_stations", "quantity": 2},
            {"kind": "ebike_charging_sites", "quantity": 3, "capacity": 5},
            {"kind": "three_in_one_rectification", "ramp_days": 20},
            {"kind": "dangerous_building_repair"},
            {"kind": "waterlogging_fix"},
            {"kind": "fire_lanes", "quantity": 2},
            {"kind": "gridworker_staffing", "per_grid": 3},
            {"kind": "party_pairing", "coverage": 0.5},
            {"kind": "tea_parties", "per_month": 10.0},
            {"kind": "resident_councils"},
            {"kind": "points_system", "ramp_days": 20},
            {"kind": "culture_heritage", "events_per_year": 100.0},
            {"kind": "public_space"},
            {"kind": "landlord_association", "coverage": 0.5},
        ]
    ),
    max_size=6,
    unique_by=lambda d: d["kind"],
)


@SETTINGS
@given(village=villages, entries=interventions, seed=st.integers(0, 2**32))
def test_runs_keep_their_invariants(village, entries, seed):
    data = {"run": {"days": 40}, "villages": [village], "interventions": entries}
    try:
        model = VicinityModel(scenario_from_dict(data), rng=seed)
    except InputError as e:
        assert "rental units" in e.problem  # the only way valid parameters can fail
        return
    w = model.world
    n0 = len(w.residents)
    assert n0 == village["population"]["n_residents"]
    for _ in range(40):
        model.step()
        r = w.residents
        assert np.all((r.trust_inter >= 0) & (r.trust_inter <= 1))
        assert np.all((r.trust_inst >= 0) & (r.trust_inst <= 1))
    df = model.datacollector.get_model_vars_dataframe()
    # Nobody appears or disappears; every resident is in exactly one household and building.
    assert len(w.residents) == n0 and w.households.size.sum() == n0
    assert np.all(np.bincount(w.households.building, minlength=len(w.buildings))
                  <= w.buildings.rooms)  # fmt: skip
    # Counts are non-negative whole numbers; deaths cannot exceed residents.
    for col in ("fires", "fire_deaths", "fire_injuries", "buildings_damaged", "collapses"):
        assert np.all(df[col] >= 0) and np.all(df[col] == np.round(df[col]))
    assert df["fire_deaths"].sum() + df["collapse_deaths"].sum() <= n0
    assert np.all(df["cost_capital_cny"] >= 0) and np.all(np.diff(df["cost_total_cny"]) >= 0)
    # Charging sites never hold more bikes than they have places; only e-bike owners charge.
    s = w.charging_sites
    assert np.all(s.used <= s.capacity)
    at_site = w.residents.charging_site[w.residents.charging == CHARGE_SITE]
    assert np.array_equal(np.bincount(at_site, minlength=len(s)), s.used)
    assert np.all((w.residents.charging == 0) == ~w.residents.ebike)
    # Ties are symmetric with equal strengths; nobody is tied to themselves or twice.
    assert_ties_consistent(w.ties.to, w.ties.w)
    # Shares stay shares; damage is non-negative.
    for col in ("sensor_share", "sprinkler_share", "escape_window_share", "fire_lane_block_share"):
        assert np.all((df[col] >= 0) & (df[col] <= 1))
    assert np.all(w.buildings.damage >= 0)


keys = st.sampled_from(
    ["run", "days", "villages", "plan", "population", "fire", "flood", "interventions",
     "kind", "coverage", "n_residents", "name", "extends", "weather", "bogus"]
)  # fmt: skip
values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**7) | st.floats(allow_nan=True)
    | st.text(max_size=8) | st.sampled_from(list(CATALOGUE)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(keys, values, max_size=4))
def test_any_input_is_a_scenario_or_an_input_error(data):
    data = {k: v for k, v in data.items() if v is not None}
    try:
        scenario_from_dict(data, "fuzz.toml")
    except InputError as e:
        text = str(e)
        assert text.startswith("fuzz.toml: ") and "\n" not in text
