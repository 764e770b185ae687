"""Property-based checks: any valid input gives a consistent world and run; any input gives
either a scenario or an InputError."""

import numpy as np
from helpers import assert_ties_consistent, bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vicinity_sim.errors import InputError
from vicinity_sim.interventions import CATALOGUE
from vicinity_sim.model import VicinityModel
from vicinity_sim.processes.contacts import ContactSections, ContactsParams, event_encounters
from vicinity_sim.processes.sections import TiesParams, TrustParams
from vicinity_sim.scenario import scenario_from_dict
from vicinity_sim.world.codes import CHARGE_SITE, CHILD, UNIT_LET, UNIT_OWNER, UNIT_SHOP
from vicinity_sim.world.ties import TiesArrays

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
            # The governance kinds: all seventeen of the political and plural pillars and the
            # people kinds that act through contacts, disputes and participation.
            {"kind": "grid_integration"},
            {"kind": "gridworker_staffing", "per_grid": 3},
            {"kind": "supervision", "ramp_days": 10},
            {"kind": "big_party_committee", "ramp_days": 10},
            {"kind": "worker_training"},
            {"kind": "party_pairing", "coverage": 0.5},
            {"kind": "vanguard_teams"},
            {"kind": "tea_parties", "per_month": 10.0},
            {"kind": "resident_councils"},
            {"kind": "landlord_association", "coverage": 0.5},
            {"kind": "village_rules", "ramp_days": 10},
            {"kind": "points_system", "ramp_days": 20},
            {"kind": "social_org_services", "tasks_per_day": 20.0},
            {"kind": "cross_strait_participation", "ramp_days": 4},
            {"kind": "public_space"},
            {"kind": "culture_heritage", "events_per_year": 100.0},
            {"kind": "smart_sensors", "coverage": 0.5},
            # Landlords' levers: subsidised renovation, operators leasing buildings (统租).
            {"kind": "renovation_subsidy", "share": 0.5},
            {"kind": "operator_leasing", "coverage": 0.5, "backing": 1.0},
            {"kind": "rental_regulation", "inspections_per_building_year": 4.0},
        ]
    ),
    max_size=8,
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
    r, hh = w.residents, w.households
    assert len(r) == n0 and hh.size.sum() == n0
    # Nobody is counted twice: each household's size is the number of residents who name it,
    # residents are stored household by household (mechanisms find a resident's household by
    # position), and a resident lives in their household's building.
    assert np.array_equal(np.bincount(r.household, minlength=len(hh)), hh.size)
    assert np.all(np.diff(r.household) >= 0)
    assert np.array_equal(r.building, hh.building[r.household])
    assert np.all(np.bincount(w.households.building, minlength=len(w.buildings))
                  <= w.buildings.rooms)  # fmt: skip
    # Households move between units, never two to a unit: each lives in a unit of its own
    # building that names it, let to it or its own; no other unit has a household.
    u = w.units
    assert np.array_equal(u.household[hh.unit], np.arange(len(hh)))
    assert np.array_equal(u.building[hh.unit], hh.building)
    assert np.count_nonzero(u.household >= 0) == len(hh)
    assert np.all(np.isin(u.state[hh.unit], (UNIT_LET, UNIT_OWNER)))
    assert np.array_equal(np.bincount(u.building, minlength=len(w.buildings)), w.buildings.rooms)
    # Only a building with a shop has 三合一 premises; vacancy is a share.
    assert np.all(
        np.isin(np.nonzero(w.buildings.three_in_one)[0], u.building[u.state == UNIT_SHOP])
    )
    assert np.all((df["vacancy_rate"].dropna() >= 0) & (df["vacancy_rate"].dropna() <= 1))
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
    # Every dispute ends exactly one way: at the grassroots or as a police incident (per day,
    # hence also over the run and in the run-so-far outcome series).
    assert np.array_equal(df["disputes"], df["disputes_grassroots"] + df["police_incidents"])
    done = df["disputes"].cumsum() > 0
    assert np.allclose(
        df["disputes_resolved_grassroots_share"][done],
        df["disputes_grassroots"].cumsum()[done] / df["disputes"].cumsum()[done],
    )
    assert df["disputes_resolved_grassroots_share"][~done].isna().all()
    # Every need raised is taken up by a paired party member, handled by the grid, lapses (or is
    # turned away), or still waits: yesterday's backlog plus today's needs is today's outcomes
    # plus today's backlog.
    backlog_before = np.concatenate([[0.0], df["request_backlog"].to_numpy()[:-1]])
    outcomes = df["needs_by_party"] + df["needs_answered"] + df["needs_lapsed"]
    assert np.array_equal(backlog_before + df["needs_raised"], outcomes + df["request_backlog"])
    assert np.all(df["needs_resolved"] <= df["needs_by_party"] + df["needs_answered"])
    util = df["gridworker_utilisation"].dropna()
    assert np.all((util >= 0) & (util <= 1))
    # Attendances fit the events held (nobody attends an event twice, see below).
    p = model.spec.contacts
    assert np.all(df["event_attendees"] <= df["events"] * max(p.event_size, p.cultural_event_size))
    # Shares stay shares; damage is non-negative.
    for col in ("sensor_share", "sprinkler_share", "escape_window_share", "fire_lane_block_share"):
        assert np.all((df[col] >= 0) & (df[col] <= 1))
    assert np.all(w.buildings.damage >= 0)


@SETTINGS
@given(
    n=st.integers(2, 300),
    size=st.integers(1, 60),
    seed=st.integers(0, 2**63 - 1),
    share_in=st.floats(0, 1),
    accept=st.floats(0, 1),
    adults_only=st.booleans(),
)
def test_event_attendees_are_distinct_members(n, size, seed, share_in, accept, adults_only):
    """An event's attendees are members of the grid or village, each counted once, at most
    the event's size, and children never attend a council."""
    rng = np.random.default_rng(seed % 2**32)
    members = np.sort(rng.choice(2 * n, size=n, replace=False)).astype(np.int64)
    everyone = 2 * n
    participating = rng.random(everyone) < share_in
    invited = rng.random(everyone) < 0.1
    age = rng.integers(0, 3, everyone).astype(np.int8)
    household = np.arange(everyone, dtype=np.int64)
    group = rng.integers(0, 2, everyone).astype(np.int8)
    trust = rng.random((everyone, 2))
    to = np.full((everyone, 4), -1, np.int32)
    w = np.zeros((everyone, 4), np.float32)
    out = np.full(size, -1, np.int64)
    p = ContactsParams(invited_acceptance=accept, event_contacts_per_attendee=4.0)
    s = ContactSections(p.consts(), TrustParams().consts(), TiesParams().consts())
    people = bundle("residents", everyone, participating=participating, age=age,
                    household=household, group=group, trust_inter=trust,
                    disposition_inter=trust.copy())  # fmt: skip
    n_att, n_enc, positive, cross = event_encounters(
        np.uint64(seed), 3, members, size, adults_only, invited, s, people, TiesArrays(to, w),
        out,
    )  # fmt: skip
    attendees = out[:n_att]
    assert n_att <= size and len(np.unique(attendees)) == n_att
    assert np.isin(attendees, members).all()
    if adults_only:
        assert np.all(age[attendees] != CHILD)
    assert 0 <= positive <= n_enc and 0 <= cross <= n_enc
    assert_ties_consistent(to, w)


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
