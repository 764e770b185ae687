"""The synthetic village: determinism, counts, layout, population invariants."""

import numpy as np
import pytest
from helpers import village

from vicinity_sim.errors import InputError
from vicinity_sim.scenario import scenario_from_dict
from vicinity_sim.streams import Streams
from vicinity_sim.world import build_world
from vicinity_sim.world.codes import CHARGE_INDOOR, CHILD, LOCAL, NO_EBIKE


def world_of(data, seed=0):
    s = scenario_from_dict(data)
    return build_world(s.villages, Streams(seed), s.source)


@pytest.fixture(scope="module")
def weili():
    return world_of(village())


def test_same_seed_same_world():
    a = world_of(village(n_buildings=300, n_residents=3000), seed=4)
    b = world_of(village(n_buildings=300, n_residents=3000), seed=4)
    c = world_of(village(n_buildings=300, n_residents=3000), seed=5)
    for name, col in a.buildings.columns().items():
        assert np.array_equal(col, getattr(b.buildings, name)), name
    assert np.array_equal(a.residents.building, b.residents.building)
    assert not np.array_equal(a.residents.building, c.residents.building)


def test_weili_defaults_match_the_facts(weili):
    b, r = weili.buildings, weili.residents
    assert len(r) == 37_500
    assert b.rooms.sum() > 30_000  # >30,000 rental units
    assert 0.9 < np.mean(r.group != LOCAL) < 0.94  # 92% non-local
    assert 5.0 < b.storeys.mean() < 6.0
    assert b.rooms.min() >= 3 and b.rooms.max() <= 45


def test_households_fit_rooms_and_residents_are_counted_once(weili):
    hh, r = weili.households, weili.residents
    per_building = np.bincount(hh.building, minlength=len(weili.buildings))
    assert np.all(per_building <= weili.buildings.rooms)
    assert hh.size.sum() == len(r)
    assert np.array_equal(np.bincount(r.household, minlength=len(hh)), hh.size)
    assert np.array_equal(r.building, hh.building[r.household])


def test_handshake_spacing_inside_blocks_and_lanes_between(weili):
    b, adj = weili.buildings, weili.adjacency
    src = np.repeat(np.arange(len(b)), np.diff(adj.indptr))
    same = b.block[src] == b.block[adj.indices]
    assert np.median(adj.separation_m[same]) == pytest.approx(1.0, rel=0.15)
    assert adj.separation_m[~same].min() >= 4.0  # at least a lane
    # Symmetric adjacency.
    pairs = set(zip(src.tolist(), adj.indices.tolist(), strict=True))
    assert all((j, i) in pairs for i, j in pairs)


def test_roads_give_access_and_lanes_are_closer(weili):
    b = weili.buildings
    assert np.all(b.access_lane_m <= b.access_road_m)
    assert b.access_road_m.max() > 40.0  # some buildings are deep inside a run of blocks


def test_people_attributes_are_consistent(weili):
    r = weili.residents
    assert np.all(r.charging[~r.ebike] == NO_EBIKE)
    assert np.all(r.charging[r.ebike] != NO_EBIKE)
    assert not np.any(r.ebike & (r.age == CHILD))
    assert np.all(r.income[~r.employed] == 0)
    share_indoor = np.mean(r.charging[r.ebike] == CHARGE_INDOOR)
    assert share_indoor == pytest.approx(0.7, abs=0.02)


def test_grids_and_gridworkers(weili):
    gw = weili.gridworkers
    n_grids = weili.blocks.grid.max() + 1
    per_grid = np.bincount(gw.grid, minlength=n_grids)
    assert per_grid.min() >= 1 and per_grid.max() <= 2  # 1–2 per grid (seed)
    assert gw.party.sum() == round(0.5 * len(gw))  # the seed's share, as a count
    assert n_grids == round(37_500 / 1500)


def test_landlords_own_every_building(weili):
    b = weili.buildings
    assert b.owner.min() >= 0 and b.owner.max() < len(weili.landlords)
    owners_hh = weili.landlords.household[b.owner]
    assert np.all(weili.households.group[owners_hh] == LOCAL)


def test_no_locals_means_absentee_landlords():
    data = village(n_buildings=100, n_residents=800)
    data["villages"][0]["population"]["share_local"] = 0.0
    w = world_of(data)
    assert len(w.landlords) > 0
    assert np.all(w.landlords.household == -1)
    assert w.buildings.owner.max() < len(w.landlords)


def test_villages_do_not_affect_each_other():
    one = world_of(village(n_buildings=200, n_residents=2000))
    two_data = village(n_buildings=200, n_residents=2000)
    two_data["villages"].append(
        {"name": "w", "plan": {"n_buildings": 500}, "population": {"n_residents": 4000}}
    )
    two = world_of(two_data)
    n = len(one.buildings)
    assert np.array_equal(one.buildings.x, two.buildings.x[:n])
    assert np.array_equal(one.residents.group, two.residents.group[: len(one.residents)])
    assert set(two.buildings.village.tolist()) == {0, 1}
    # Edges never join villages.
    adj = two.adjacency
    src = np.repeat(np.arange(len(two.buildings)), np.diff(adj.indptr))
    assert np.all(two.buildings.village[src] == two.buildings.village[adj.indices])


def test_overcrowded_village_is_an_input_error():
    with pytest.raises(InputError, match="rental units"):
        world_of(village(n_buildings=50, n_residents=5000))


def test_sample_villages_differ_and_facilities_scale_with_residents():
    """The four-village sample: sizes and local shares as written; per-10k quantities give the
    larger village more micro fire stations and charging sites."""
    from helpers import scenario

    spec = scenario("xiamen_villages_program")
    world = build_world(spec.villages, Streams(0))
    r = world.residents
    counts = np.bincount(r.village, minlength=world.n_villages)
    assert list(counts) == [v.population.n_residents for v in spec.villages]
    local = [np.mean(r.group[r.village == v] == LOCAL) for v in range(world.n_villages)]
    wanted = [v.population.share_local for v in spec.villages]
    assert np.allclose(local, wanted, atol=0.03)
    stations = next(i for i in spec.interventions if i.kind == "micro_fire_stations")
    xinan, inner = world.village_index("xinan"), world.village_index("inner_city")
    assert (
        stations.quantity_in(world, xinan) == round(0.88 * 10) > stations.quantity_in(world, inner)
    )


def test_city_scenario_is_what_its_generator_writes():
    """The committed city file is reproducible and adds up to the city's reported totals."""
    import runpy

    from helpers import SCENARIOS, scenario

    generate = runpy.run_path(str(SCENARIOS / "city" / "generate.py"))
    assert generate["render"]() == (SCENARIOS / "xiamen_city.toml").read_text(encoding="utf-8")
    spec = scenario("xiamen_city")
    residents = np.array([v.population.n_residents for v in spec.villages])
    local = np.array([v.population.share_local for v in spec.villages])
    assert len(spec.villages) == 108 and residents.sum() == 2_270_000
    assert abs((residents * (1 - local)).sum() - 1_860_000) < 0.02 * 1_860_000  # renters
    assert residents.min() >= 3_000 and residents.max() <= 100_000


def test_existing_facilities_are_in_service_from_the_start():
    """A village may start with stations, charging sites and sensors; by default it has none,
    and adding them leaves the rest of the village as it was."""
    plain = world_of(village(n_buildings=300, n_residents=3000), seed=2)
    assert len(plain.stations) == 0 and len(plain.charging_sites) == 0
    assert not plain.buildings.smoke_sensor.any()
    data = village(n_buildings=300, n_residents=3000)
    data["villages"][0]["facilities"] = {
        "micro_stations": 2, "charging_sites": 3, "charging_site_capacity": 40,
        "smoke_sensor_share": 0.25,
    }  # fmt: skip
    w = world_of(data, seed=2)
    assert w.stations.active.tolist() == [True, True]
    assert w.charging_sites.active.all() and w.charging_sites.capacity.tolist() == [40] * 3
    assert w.buildings.smoke_sensor.sum() == round(0.25 * 300)
    assert np.array_equal(w.residents.charging, plain.residents.charging)
    assert np.array_equal(w.buildings.x, plain.buildings.x)


@pytest.mark.parametrize("share", [0.0, 0.3, 0.55, 1.0])
def test_gridworker_party_share_is_a_count_on_random_gridworkers(share):
    """The party share is met exactly (rounded) in each village; who the members are varies."""
    data = village(n_buildings=300, n_residents=3000)
    pop = data["villages"][0]["population"]
    pop["gridworker_party_share"] = share
    pop["residents_per_grid"] = 300  # ten grids, about fifteen gridworkers
    worlds = [world_of(data, seed=s) for s in range(4)]
    for w in worlds:
        assert w.gridworkers.party.sum() == round(share * len(w.gridworkers))
    if 0.0 < share < 1.0:
        assert len({tuple(w.gridworkers.party) for w in worlds}) > 1


def test_the_residence_index_follows_households_as_they_move():
    """``World.residence()`` lists each building's residents and households as they are now,
    after migration has moved households between buildings, and is kept while no one moves."""
    from helpers import scenario

    from vicinity_sim.model import VicinityModel
    from vicinity_sim.world.state import residence_index

    model = VicinityModel(scenario("baseline", "villages[0].plan.n_buildings=60",
                                   "villages[0].population.n_residents=800",
                                   "run.days=200"), rng=3)  # fmt: skip
    w = model.world
    before = w.residence()
    model.run()
    assert w.moves > 0  # households changed building
    now = w.residence()
    assert now is not before and now is w.residence()  # rebuilt once, then kept
    fresh = residence_index(w.residents.building, w.households.building, len(w.buildings))
    for got, want in zip(now, fresh, strict=True):
        assert np.array_equal(got, want)
    for k in range(len(w.buildings)):
        rows = now.members[now.ptr[k] : now.ptr[k + 1]]
        assert np.all(w.residents.building[rows] == k)
    assert np.array_equal(
        now.households, np.bincount(w.households.building, minlength=len(w.buildings))
    )
    assert np.array_equal(
        w.occupants(), np.bincount(w.residents.building, minlength=len(w.buildings))
    )
