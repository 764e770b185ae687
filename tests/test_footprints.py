"""Villages from real building footprints (world/footprints.py, world/spatial.py).

On pyrosm's shipped OpenStreetMap extract: the village builds, matches a direct geopandas
reading, has a symmetric adjacency, runs a year, and fire spreads only across gaps within the
spread distance; the reference engine runs in lockstep on it. On a small GeoJSON written here:
gaps, adjacency, blocks and access come out as constructed. Bad sources are one line, exit 2.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

gpd = pytest.importorskip("geopandas")
pyrosm = pytest.importorskip("pyrosm")
shapely = pytest.importorskip("shapely")

from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import connected_components  # noqa: E402

from vicinity_sim.cli import main  # noqa: E402
from vicinity_sim.errors import InputError  # noqa: E402
from vicinity_sim.model import VicinityModel  # noqa: E402
from vicinity_sim.processes.fire import FireParams  # noqa: E402
from vicinity_sim.processes.fire_spread import (  # noqa: E402
    LatticeConsts,
    LatticeSites,
    SpreadScratch,
    spread_event,
)
from vicinity_sim.reference.lockstep import lockstep  # noqa: E402
from vicinity_sim.scenario import load_scenario, scenario_from_dict  # noqa: E402
from vicinity_sim.world.footprints import build_footprint_plan  # noqa: E402
from vicinity_sim.world.geometry import WORKSHOP, cluster_grids  # noqa: E402
from vicinity_sim.world.plan import PlanParams  # noqa: E402
from vicinity_sim.world.tables import Adjacency  # noqa: E402

#: A corner of the shipped extract: 217 buildings, mapped roads.
BBOX = [26.960, 60.520, 26.970, 60.525]
UTM50 = "EPSG:32650"  # Xiamen's UTM zone: the written GeoJSON is laid out in metres


#: Spatial interventions early in the run: stations and charging sites on candidate sites,
#: fire lanes cleared around real blocks.
INTERVENTIONS = [
    {"kind": "micro_fire_stations", "quantity": 2, "start_day": 5},
    {"kind": "ebike_charging_sites", "quantity": 2, "start_day": 5},
    {"kind": "fire_lanes", "coverage": 0.5, "start_day": 5, "ramp_days": 10},
]


def extract_village(days: int, n_residents: int = 1200, **sections) -> dict:
    """A scenario dictionary for the corner of the shipped extract."""
    return {
        "run": {"days": days},
        "villages": [{
            "name": "extract",
            "plan": {"source": "pyrosm:test_pbf", "bbox": BBOX, "n_flood_points": 2},
            "population": {"n_residents": n_residents},
            "facilities": {"micro_stations": 2, "charging_sites": 3},
        }],
        "interventions": INTERVENTIONS,
        **sections,
    }  # fmt: skip


@pytest.fixture(scope="module")
def whole_extract():
    """The whole shipped extract as a plan, and pyrosm's own reading of it: as read (longitude
    and latitude), and repaired and projected to metres with geopandas."""
    plan, geom = build_footprint_plan(
        PlanParams(source="pyrosm:test_pbf"), np.random.default_rng(0), "test", "plan"
    )
    raw = pyrosm.OSM(pyrosm.get_data("test_pbf")).get_buildings()
    repaired = raw.set_geometry(raw.geometry.make_valid())
    projected = repaired.to_crs(repaired.estimate_utm_crs())
    return plan, geom, raw, projected


def test_shipped_extract_matches_a_direct_geopandas_reading(whole_extract):
    """Every footprint with an area is a building, with the area and floor area pyrosm and
    geopandas give it; only rings of too few points are dropped, and they are reported."""
    plan, geom, raw, direct = whole_extract
    usable = direct.area.to_numpy() > 0
    assert len(plan.x) == usable.sum() == len(raw) - geom.dropped
    assert geom.repaired == int((~raw.geometry.is_valid & usable).sum()) > 0
    assert geom.crs == direct.crs.to_string()
    by_id = dict(zip(direct["id"].to_numpy(), direct.area.to_numpy(), strict=True))
    area = plan.side_m**2
    expected = np.array([by_id[i] for i in geom.source_id])
    np.testing.assert_allclose(area, expected, rtol=1e-9)
    # Floor area where the tags give the storeys: building:levels × footprint.
    levels = direct.set_index("id")["building:levels"].dropna().astype(float)
    tagged = np.isin(geom.source_id, levels.index.to_numpy())
    assert tagged.sum() == len(levels) > 0
    np.testing.assert_allclose(
        (area * plan.storeys)[tagged],
        expected[tagged] * levels.loc[geom.source_id[tagged]].to_numpy(),
        rtol=1e-9,
    )
    # Uses from the tags: industrial buildings are workshops.
    industrial = direct.set_index("id")["building"].eq("industrial")
    ids = set(industrial[industrial].index)
    is_industrial = np.array([i in ids for i in geom.source_id])
    assert is_industrial.any() and np.all(geom.use[is_industrial & (area >= 20)] == WORKSHOP)


def test_adjacency_is_symmetric_and_within_the_radius(whole_extract):
    plan = whole_extract[0]
    n = len(plan.x)
    adj = Adjacency.from_edges(n, plan.edges_src, plan.edges_dst, plan.edges_sep_m)
    rows = np.repeat(np.arange(n), np.diff(adj.indptr))
    forward = {(int(a), int(b)): d for a, b, d in zip(rows, adj.indices, adj.separation_m,
                                                      strict=True)}  # fmt: skip
    assert forward and all(forward[(b, a)] == d for (a, b), d in forward.items())
    assert np.all(rows != adj.indices)
    assert np.all((adj.separation_m >= 0) & (adj.separation_m <= 15.0))
    assert (adj.separation_m == 0).any()  # shared walls


def _gap_components(plan, max_sep: float) -> np.ndarray:
    ok = plan.edges_sep_m <= max_sep
    n = len(plan.x)
    g = coo_matrix((np.ones(ok.sum()), (plan.edges_src[ok], plan.edges_dst[ok])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def test_fire_spreads_exactly_over_gaps_within_the_spread_distance(whole_extract):
    """Uncontained, instant fires on the real adjacency burn exactly the buildings linked to
    the origin by gaps of at most max_spread_separation_m, and never cross a wider gap."""
    plan = whole_extract[0]
    n = len(plan.x)
    max_sep = FireParams().max_spread_separation_m
    adj = Adjacency.from_edges(n, plan.edges_src, plan.edges_dst, plan.edges_sep_m).arrays()
    label = _gap_components(plan, max_sep)
    sizes = np.bincount(label)
    wide = (plan.edges_sep_m > max_sep) & (label[plan.edges_src] != label[plan.edges_dst])
    assert wide.any()  # wider gaps are there, between otherwise linked groups
    origins = np.unique(label, return_index=True)[1][np.argsort(-sizes)[:20]]
    # No sprinklers, instant growth, noisy crossing times, no containment.
    sites = LatticeSites(plan.side_m, plan.fire_resistive, np.zeros(n, bool))
    c = LatticeConsts(max_spread_separation_m=max_sep, spread_sigma=0.3)
    out = SpreadScratch.empty(n)
    for o in origins:
        count = spread_event(o, 0.0, math.inf, np.uint64(7), sites, adj, 3.0, c,
                             np.zeros(n, bool), out)  # fmt: skip
        burned = np.sort(out.order[:count])
        np.testing.assert_array_equal(burned, np.nonzero(label == label[o])[0])
        out.ign_time[out.order[:count]] = math.inf
    assert sizes[label[origins[0]]] > 5  # the largest linked group spreads far


@pytest.fixture(scope="module")
def year_model():
    """A year on the extract's corner, with fires frequent and crews slow enough to see
    spread; the buildings burned each day are kept."""
    fire = {"ignition_per_household_year": 0.03, "containment_min": 20.0}
    sc = scenario_from_dict(extract_village(365, fire=fire))
    model = VicinityModel(sc, rng=3)
    burned = []
    for _ in range(sc.run.days):
        model.step()
        ft = model.world.fires_today
        burned.append((ft.building.copy(), ft.event.copy()))
    return model, burned


def test_a_year_runs_and_fires_spread_only_across_gaps_within_the_spread_distance(year_model):
    model, burned = year_model
    w = model.world
    assert model.day == 365 and len(model.datacollector.columns()["day"]) == 365
    events = model.process("fire").event_table()
    assert len(events["day"]) > 10
    max_sep = model.spec.fire.max_spread_separation_m
    adj = w.adjacency
    spread = 0
    for buildings, event in burned:
        for e in np.unique(event):
            group = set(buildings[event == e].tolist())
            for b in group:
                linked = adj.indices[adj.indptr[b] : adj.indptr[b + 1]]
                close = linked[adj.separation_m[adj.indptr[b] : adj.indptr[b + 1]] <= max_sep]
                if len(group) > 1:
                    # Every building of a multi-building fire touches another one of it
                    # across a gap the fire may cross.
                    assert group & set(close.tolist()), (b, group)
            spread += len(group) - 1
    assert spread > 0


def test_buildings_file_and_plan_figure_show_the_real_footprints(year_model, tmp_path):
    from matplotlib.collections import PolyCollection

    from vicinity_sim.building_outputs import COLUMNS, buildings_file
    from vicinity_sim.dashboard.figures import plan_figure

    model, _ = year_model
    w = model.world
    name, data = buildings_file(model, "parquet")
    (tmp_path / name).write_bytes(data)
    frame = gpd.read_parquet(tmp_path / name)
    assert len(frame) == len(w.buildings) and frame.crs.to_epsg() == 4326
    assert set(COLUMNS) <= set(frame.columns)
    assert frame["fires_started"].sum() == len(model.process("fire").event_table()["day"])
    assert frame["residents"].sum() == len(w.residents)
    name, data = buildings_file(model, "geojson")
    features = json.loads(data)["features"]
    assert name == "buildings.geojson" and len(features) == len(w.buildings)
    # The plan draws each building's outline, not a square.
    fig = plan_figure(model, "fires")
    polys = next(c for c in fig.axes[0].collections if isinstance(c, PolyCollection))
    rings = w.geometry[0].rings()
    assert len(polys.get_paths()) == len(rings)
    assert any(len(r) != 5 for r in rings)
    np.testing.assert_allclose(polys.get_paths()[0].vertices[: len(rings[0])], rings[0])


def test_facilities_stand_on_open_ground(year_model):
    """Existing and intervention-built stations and charging sites alike; fire lanes are
    cleared around real blocks."""
    model, _ = year_model
    w = model.world
    assert w.stations.active.sum() == 4 and w.charging_sites.active.sum() == 5
    assert 0 < w.blocks.lane_cleared.sum() < len(w.blocks)
    geom = w.geometry[0]
    polys = shapely.from_wkb(geom.footprint_wkb)
    for table in (w.stations, w.charging_sites):
        assert len(table) > 0
        pts = shapely.points(table.x, table.y)
        assert not shapely.intersects(pts[:, None], polys[None, :]).any()
        on_site = np.isclose(table.x[:, None], geom.site_x).any(axis=1)
        assert on_site.all()


def test_reference_engine_runs_in_lockstep_on_real_footprints():
    """Every process and the spatial interventions on, every state and metric equal daily."""
    fire = {"ignition_per_household_year": 0.3, "containment_min": 20.0}
    sc = scenario_from_dict(extract_village(25, n_residents=500, fire=fire))
    result = lockstep(sc, 1, 25)
    assert result.day is None, result.differences[:5]
    col = result.fast.datacollector.column
    assert col("fires").sum() > 0 and col("buildings_damaged").sum() > col("fires").sum()
    assert result.reference.world.blocks.lane_cleared.any()


def test_an_experiment_compares_arms_on_real_footprints(tmp_path):
    from vicinity_sim.experiment import load_experiment, run_experiment

    village = tmp_path / "village.toml"
    village.write_text(
        '[run]\ndays = 40\n[[villages]]\nname = "extract"\n[villages.plan]\n'
        f'source = "pyrosm:test_pbf"\nbbox = {BBOX}\n[villages.population]\n'
        "n_residents = 600\n[fire]\nignition_per_household_year = 0.2\n", encoding="utf-8"
    )  # fmt: skip
    exp = tmp_path / "exp.toml"
    exp.write_text(
        'name = "fp"\nbase = "village.toml"\nreplications = 2\nreference = "baseline"\n'
        'outcomes = ["fires_per_year", "mean_response_min"]\n[[arms]]\nname = "baseline"\n'
        '[[arms]]\nname = "stations"\n[[arms.interventions]]\nkind = "micro_fire_stations"\n'
        "quantity = 3\n", encoding="utf-8"
    )  # fmt: skip
    results = run_experiment(load_experiment(exp), tmp_path / "out", progress=False)
    summaries = results.summaries
    assert len(summaries) == 4 and set(summaries.arm) == {"baseline", "stations"}
    # Fires are reached sooner with stations in every paired replication. (The fires
    # themselves may differ after the first month: landlords and tenants respond to the
    # damage, and who lives where changes what ignites.)
    by_arm = summaries.set_index(["arm", "replication"])
    for r in (0, 1):
        assert by_arm.loc[("stations", r), "mean_response_min"] < by_arm.loc[
            ("baseline", r), "mean_response_min"]  # fmt: skip


# -- a small GeoJSON with known geometry -----------------------------------------------------


def _square(x0: float, y0: float, side: float = 10.0) -> list[list[float]]:
    return [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]


def _geojson(path, rings: list, crs: str | None = UTM50, extra: list | None = None) -> None:
    feats = [{"type": "Feature", "properties": {"building": "yes", "name": str(k)},
              "geometry": {"type": "Polygon", "coordinates": [r]}}
             for k, r in enumerate(rings)]  # fmt: skip
    data = {"type": "FeatureCollection", "features": feats + (extra or [])}
    if crs is not None:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data), encoding="utf-8")


#: A row of 10 m squares (x0 of each), on y = 0..10, and one far away:
#: A–B 1 m, B–C a shared wall, C–D 4 m, D–E 3 m, E–G 2 m; A–C (11 m), B–D (14 m) and D–G
#: (15 m) face each other only through a building between them.
ROW = {"A": 0.0, "B": 11.0, "C": 21.0, "D": 35.0, "E": 48.0, "G": 60.0, "F": 200.0}


def _known(tmp_path, **plan):
    path = tmp_path / "row.geojson"
    _geojson(path, [_square(x, 0.0) for x in ROW.values()])
    p = PlanParams(source=str(path), crs=UTM50, **plan)
    return build_footprint_plan(p, np.random.default_rng(0), "test", "plan")


def test_gaps_adjacency_and_blocks_come_out_as_constructed(tmp_path):
    plan, geom = _known(tmp_path)
    names = list(ROW)
    edges = {
        tuple(sorted((names[a], names[b]))): d
        for a, b, d in zip(plan.edges_src, plan.edges_dst, plan.edges_sep_m, strict=True)
    }
    assert edges == {("A", "B"): 1.0, ("B", "C"): 0.0, ("C", "D"): 4.0, ("D", "E"): 3.0,
                     ("E", "G"): 2.0}  # fmt: skip
    block = dict(zip(names, plan.block, strict=True))
    assert block["A"] == block["B"] == block["C"] and block["E"] == block["G"]
    assert len({block["A"], block["D"], block["E"], block["F"]}) == 4 == plan.n_blocks
    np.testing.assert_allclose(plan.side_m, 10.0)
    np.testing.assert_allclose(plan.x, np.array(list(ROW.values())) + 5.0)
    assert plan.width_m == 210.0 and plan.height_m == 10.0
    # Open ground all round: every building fronts a road; the block of three is a 31 m × 10 m
    # outline, the single buildings 10 m squares.
    assert np.all(plan.access_road_m == 0.0) and np.all(plan.access_lane_m == 0.0)
    np.testing.assert_allclose(plan.block_frontage_m[block["A"]], 82.0, atol=0.5)
    np.testing.assert_allclose(plan.block_frontage_m[block["F"]], 40.0, atol=0.5)
    assert geom.roads_from == "gaps" and len(geom.site_x) > 0
    # A smaller spread radius keeps only the closer pairs.
    plan, _ = _known(tmp_path, footprints={"neighbour_radius_m": 2.5})
    assert sorted(plan.edges_sep_m.tolist()) == [0.0, 1.0, 2.0]


def test_access_distances_follow_the_lanes_between_buildings(tmp_path):
    """Nine 10 m squares 3 m apart: lanes (≥ 2.5 m) reach the middle one, roads (≥ 6 m) stop
    at the outer facades, 13 m from the middle one's."""
    path = tmp_path / "nine.geojson"
    _geojson(path, [_square(13.0 * i, 13.0 * j) for j in range(3) for i in range(3)])
    plan, geom = build_footprint_plan(PlanParams(source=str(path), crs=UTM50),
                                      np.random.default_rng(0), "test", "plan")  # fmt: skip
    middle = 4
    outer = np.arange(9) != middle
    assert np.all(plan.access_road_m[outer] == 0.0)
    assert 12.0 < plan.access_road_m[middle] < 13.5  # 13 m, within the buffers' polygons
    assert np.all(plan.access_lane_m == 0.0)
    assert plan.n_blocks == 9  # 3 m gaps are lanes
    # The outline (the nine closed over their lanes) is a 36 m square around the centre.
    assert plan.edge_dist_m[middle] == pytest.approx(18.0, abs=0.01)
    # No candidate site in the 3 m lanes (3 m clearance), only around the village.
    x, y = geom.site_x, geom.site_y
    assert not np.any((x > 0) & (x < 36) & (y > 0) & (y < 36))


def test_storeys_uses_and_rooms_from_tags(tmp_path):
    path = tmp_path / "tags.geojson"
    props = [
        {"building": "apartments", "building:levels": "6"},
        {"building": "yes", "height": "29 m"},
        {"building": "retail"},
        {"building": "industrial"},
        {"building": "school"},
        {"building": "yes", "amenity": "restaurant", "building:levels": "3"},
        {"building": "house"},
        {"building": "garage"},
    ]
    feats = [{"type": "Feature", "properties": pr,
              "geometry": {"type": "Polygon", "coordinates": [_square(20.0 * k, 0.0)]}}
             for k, pr in enumerate(props)]  # fmt: skip
    road = {"type": "LineString", "coordinates": [[0, -8], [160, -8]]}
    feats.append({"type": "Feature", "properties": {"highway": "residential"}, "geometry": road})
    crs = {"type": "name", "properties": {"name": UTM50}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats, "crs": crs}))
    p = PlanParams(source=str(path), crs=UTM50)
    plan, geom = build_footprint_plan(p, np.random.default_rng(0), "test", "plan")
    fp = p.footprints
    assert plan.storeys.tolist() == [6, 10, fp.storeys_shop, fp.storeys_workshop,
                                     fp.storeys_public, 3, fp.storeys_house, 1]  # fmt: skip
    assert geom.use.tolist() == [0, 0, 1, 2, 3, 1, 0, 4]
    units = np.rint(100.0 * np.array([6, 10, fp.storeys_shop - 1, 0, 0, 2, 2, 0])
                    / fp.unit_floor_area_m2)  # fmt: skip
    units[[0, 1, 6]] = np.maximum(units[[0, 1, 6]], p.rooms_min)
    assert plan.rooms.tolist() == units.astype(int).tolist()
    assert plan.three_in_one[[2, 5]].all() and not plan.three_in_one[[3, 4, 7]].any()
    # The mapped road 3 m below the row: the facades are 8 − 3.5 = 4.5 m from its edge.
    assert geom.roads_from == "osm"
    np.testing.assert_allclose(plan.access_road_m, 4.5)


def test_grids_are_compact_groups_of_equal_households():
    gen = np.random.default_rng(1)
    x, y = gen.uniform(0, 500, 400), gen.uniform(0, 300, 400)
    w = gen.integers(0, 30, 400).astype(float)
    grid = cluster_grids(x, y, w, 7)
    load = np.bincount(grid, weights=w, minlength=7)
    assert set(grid.tolist()) == set(range(7))
    assert np.all(np.abs(load - w.sum() / 7) <= 2 * w.max())
    # Compact: each grid's points lie closer to their own centre than the village is wide.
    for g in range(7):
        cx, cy = x[grid == g].mean(), y[grid == g].mean()
        assert np.hypot(x[grid == g] - cx, y[grid == g] - cy).max() < 300


# -- scenarios, bad input, the light core ---------------------------------------------------


def test_sources_are_relative_to_the_scenario_file_and_hashed_by_content(tmp_path, monkeypatch):
    _geojson(tmp_path / "row.geojson", [_square(x, 0.0) for x in ROW.values()])
    (tmp_path / "s").mkdir()
    scen = tmp_path / "s" / "v.toml"
    scen.write_text('[[villages]]\nname = "v"\n[villages.plan]\nsource = "../row.geojson"\n'
                    'crs = "EPSG:32650"\n[villages.population]\nn_residents = 60\n')  # fmt: skip
    monkeypatch.chdir(tmp_path / "s")
    s = load_scenario(scen)
    assert s.villages[0].plan.source == str((tmp_path / "row.geojson").resolve())
    model = VicinityModel(s)
    assert len(model.world.buildings) == len(ROW) and len(model.world.residents) == 60
    # Set by an experiment: relative to the experiment file.
    from vicinity_sim.scenario.loader import resolve_variant

    exp = tmp_path / "exp.toml"
    exp.write_text("", encoding="utf-8")
    arm = resolve_variant(scen, {}, f"{exp} (arm 'a')",
                          [("villages[0].plan.source=row.geojson", f"{exp}: set")])  # fmt: skip
    assert arm.villages[0].plan.source == str((tmp_path / "row.geojson").resolve())
    before = s.content_hash()
    _geojson(tmp_path / "row.geojson", [_square(x, 0.0) for x in ROW.values()][:-1])
    assert load_scenario(scen).content_hash() != before


@pytest.mark.parametrize(
    ("case", "key", "words"),
    [
        ("no_buildings", "plan.source", "no building footprints"),
        ("wrong_crs", "plan.source", "not longitude and latitude"),
        ("empty_bbox", "plan.bbox", "no building lies inside it"),
        ("degenerate", "plan.source", "no footprint is a valid polygon"),
        ("missing", "plan.source", "file not found"),
        ("geographic_target", "plan.crs", "projected CRS in metres"),
    ],
)
def test_bad_sources_are_one_line_and_exit_2(tmp_path, capsys, case, key, words):
    path = tmp_path / "fp.geojson"
    plan = f'source = "{path.name}"\n'
    if case == "no_buildings":
        point = {"type": "Feature", "properties": {"building": "yes"},
                 "geometry": {"type": "Point", "coordinates": [118.1, 24.5]}}  # fmt: skip
        _geojson(path, [], crs=None, extra=[point])
    elif case == "wrong_crs":  # metres in a file that says (by GeoJSON's rule) degrees
        _geojson(path, [_square(600_000.0, 2_700_000.0)], crs=None)
    elif case == "empty_bbox":
        _geojson(path, [_square(0.0, 0.0)])
        plan += "bbox = [500.0, 500.0, 600.0, 600.0]\n"
    elif case == "degenerate":
        _geojson(path, [[[0, 0], [10, 0], [0, 0], [0, 0]], [[5, 5], [5, 5], [5, 5], [5, 5]]])
    elif case == "missing":
        plan = 'source = "nowhere.geojson"\n'
    elif case == "geographic_target":
        _geojson(path, [_square(0.0, 0.0)])
        plan += 'crs = "EPSG:4326"\n'
    scen = tmp_path / "v.toml"
    scen.write_text(f'[[villages]]\nname = "v"\n[villages.plan]\n{plan}')
    assert main(["validate", str(scen)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert key in err and words in err, err


def test_self_intersecting_footprints_are_repaired_and_counted(tmp_path, caplog):
    path = tmp_path / "bow.geojson"
    bowtie = [[30, 0], [40, 10], [40, 0], [30, 10], [30, 0]]
    _geojson(path, [_square(0.0, 0.0), bowtie])
    with caplog.at_level("WARNING", logger="vicinity_sim"):
        plan, geom = build_footprint_plan(PlanParams(source=str(path), crs=UTM50),
                                          np.random.default_rng(0), "s.toml", "plan")  # fmt: skip
    assert geom.repaired == 1 and len(plan.x) == 2
    assert plan.side_m[1] ** 2 == pytest.approx(50.0)  # the two triangles of the bow tie
    assert "repaired 1 invalid footprint " in caplog.text


def test_missing_geo_extra_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "vicinity_sim.world.footprints", None)
    sc = scenario_from_dict({"villages": [{"name": "v", "plan": {"source": "pyrosm:test_pbf"}}]})
    with pytest.raises(InputError, match=r"geo extra"):
        VicinityModel(sc)


def test_the_core_does_not_import_geographic_libraries():
    """Only the footprint modules import geographic libraries at module level, and no other
    module imports them at module level: the core install and synthetic villages need none."""
    import ast

    geo = {"geopandas", "shapely", "pyproj", "pyrosm", "pyogrio"}
    footprint_modules = {"vicinity_sim.world.footprints", "vicinity_sim.world.spatial"}
    package = Path(__file__).resolve().parents[1] / "vicinity_sim"
    for path in package.rglob("*.py"):
        name = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        if name in footprint_modules:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.Import):
                imported = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                imported = [node.module or ""]
            else:
                continue
            for mod in imported:
                assert mod.split(".")[0] not in geo and mod not in footprint_modules, (name, mod)
