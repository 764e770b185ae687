"""Village plan: buildings on blocks, lanes and roads, spacing, flood points.

An urban village is laid out as rectangular blocks of densely packed buildings. Inside a block,
neighbouring buildings stand an arm's length apart (handshake buildings, 握手楼); blocks are
separated by narrow lanes, and every few blocks by a road wide enough for a fire engine. The
village edge is an arterial road. Buildings sit on a lattice of *slots*; a village with fewer
buildings than slots leaves the last block partly empty.

The plan fixes everything about buildings that does not change during a run unless an
intervention changes it: position, footprint, storeys, rooms, spacing to neighbours (as a
list of edges), access distances for fire crews, and the risk flags (三合一 premises, dangerous
structure, old wiring, low-lying flood cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field, field_validator
from scipy.spatial import cKDTree

from vicinity_sim.params import ParamModel, param
from vicinity_sim.world.footprint_params import FootprintParams


class PlanParams(ParamModel):
    """Physical layout of one village. Defaults describe a Weili-like (围里) village."""

    n_buildings: int = param(
        2600, unit="buildings", ge=1, le=200_000,
        doc="Number of residential buildings.",
        source="assumption: Weili has >30,000 rental units (docs/sources.md §villages); at "
        "~11.5 units per "
        "building this gives ~2,600 buildings, consistent with Shipai's 3,656 buildings for "
        "51,100 residents (Zacharias et al. 2013)",
    )  # fmt: skip
    block_cols: int = param(
        4, unit="buildings", ge=1, le=50,
        doc="Buildings per block along x (between two lanes).", source="assumption",
    )  # fmt: skip
    block_rows: int = param(
        6, unit="buildings", ge=1, le=50,
        doc="Buildings per block along y.", source="assumption",
    )  # fmt: skip
    side_mean_m: float = param(
        11.0, unit="m", ge=3.0, le=60.0,
        doc="Mean side of a (square) building footprint.",
        source="assumption: ~120 m² footprints typical of village houses on homestead plots",
    )  # fmt: skip
    side_sd_m: float = param(
        1.5, unit="m", ge=0.0, le=20.0,
        doc="Standard deviation of the footprint side.", source="assumption",
    )  # fmt: skip
    storeys_mean: float = param(
        5.5, unit="storeys", ge=1.0, le=30.0,
        doc="Mean number of storeys.",
        source="Zacharias et al. 2013 (Shipai mean 5.06; docs/sources.md §villages)",
    )  # fmt: skip
    storeys_sd: float = param(
        1.0, unit="storeys", ge=0.0, le=10.0,
        doc="Standard deviation of storeys.", source="assumption",
    )  # fmt: skip
    rooms_per_storey: float = param(
        2.1, unit="rooms/storey", ge=0.1, le=20.0, range=(1.8, 2.6),
        doc="Mean rental units per storey.",
        source="assumption: Weili >30,000 units over ~2,600 buildings of ~5.5 storeys",
    )  # fmt: skip
    rooms_min: int = param(
        3, unit="rooms", ge=1, le=500,
        doc="Fewest rental units in a building.",
        source="assumption: bounded by Shipai's 3.1 units per "
        "building and a Xin'an family's 45 rooms (docs/sources.md §villages)",
    )  # fmt: skip
    rooms_max: int = param(
        45, unit="rooms", ge=1, le=500,
        doc="Most rental units in a building.",
        source="assumption: bounded by Shipai's 3.1 units per "
        "building and a Xin'an family's 45 rooms (docs/sources.md §villages)",
    )  # fmt: skip
    handshake_gap_median_m: float = param(
        1.0, unit="m", gt=0.0, le=10.0,
        doc="Median spacing between neighbouring buildings inside a block (握手楼).",
        source="docs/sources.md §villages (handshake buildings, about an arm's length)",
    )  # fmt: skip
    handshake_gap_sigma: float = param(
        0.4, unit="1", ge=0.0, le=2.0,
        doc="Log-normal sigma of the spacing inside a block.", source="assumption",
    )  # fmt: skip
    lane_width_m: float = param(
        4.0, unit="m", gt=0.0, le=30.0,
        doc="Width of the lanes between blocks (too obstructed for an engine unless cleared).",
        source="assumption",
    )  # fmt: skip
    road_width_m: float = param(
        8.0, unit="m", gt=0.0, le=60.0,
        doc="Width of roads (engine-accessible) between groups of blocks and at the edge.",
        source="assumption",
    )  # fmt: skip
    road_every_blocks: int = param(
        4, unit="blocks", ge=1, le=100,
        doc="Every n-th gap between block columns or rows is a road rather than a lane.",
        source="assumption",
    )  # fmt: skip
    fire_resistive_share: float = param(
        0.6, unit="1", ge=0.0, le=1.0,
        doc="Share of buildings of fire-resistive construction (Hamada's f).",
        source="assumption: reinforced-concrete frames with brick infill dominate",
    )  # fmt: skip
    three_in_one_share: float = param(
        0.08, unit="1", ge=0.0, le=1.0,
        doc="Share of buildings with a 三合一 premises (shop, workshop or store with dwelling).",
        source="assumption: the program rectified >12,000 三合一/九小 premises across 2.27 M "
        "residents (seed), i.e. ~200 in a 37,500-resident village",
    )  # fmt: skip
    dangerous_share: float = param(
        0.005, unit="1", ge=0.0, le=1.0,
        doc="Share of buildings with a dangerous-structure (危房) flag.",
        source="assumption: 489 dangerous buildings repaired or demolished program-wide (seed)",
    )  # fmt: skip
    old_wiring_share: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of buildings with old or overloaded wiring.", source="assumption",
    )  # fmt: skip
    n_flood_points: int = param(
        3, unit="points", ge=0, le=1000,
        doc="Waterlogging points (易涝点) in the village.",
        source="assumption: 142 points treated across the program (seed), ~1–3 per village",
    )  # fmt: skip
    flood_radius_m: float = param(
        50.0, unit="m", ge=0.0, le=1000.0,
        doc="Radius around a waterlogging point whose buildings are flooded when it floods.",
        source="assumption",
    )  # fmt: skip
    city_station_distance_m: float = param(
        2500.0, unit="m", ge=0.0, le=50_000.0,
        doc="Road distance from the nearest municipal fire station to the village edge.",
        source="assumption",
    )  # fmt: skip
    city_x_km: float = param(
        0.0, unit="km", ge=-100.0, le=100.0, prior="fixed",
        doc="East-west position of the village in its city (the city's jobs centre at 0); "
        "only the city's housing market reads it (distances to work between villages).",
        source="assumption: a single village needs no position; city scenarios place theirs "
        "(scenarios/city/generate.py)",
    )  # fmt: skip
    city_y_km: float = param(
        0.0, unit="km", ge=-100.0, le=100.0, prior="fixed",
        doc="North-south position of the village in its city (the city's jobs centre at 0).",
        source="assumption: as city_x_km",
    )  # fmt: skip

    # A footprint source replaces the generator (world/footprints.py); the keys above that
    # describe buildings one by one (n_buildings, block_*, side_*, handshake_*, lane and road
    # widths) are then unused, the shares and flood keys still apply.
    source: str | None = param(
        None, unit="path",
        doc="Building footprints to build the village from instead of generating it: any "
        "file geopandas reads (GeoJSON, GeoPackage, Shapefile, ...) or an OpenStreetMap "
        "extract (`.osm.pbf`), relative to the scenario file; `pyrosm:test_pbf` is the small "
        "extract shipped with pyrosm. Needs the geo extra.",
        source="-",
    )  # fmt: skip
    layer: str | None = param(
        None, unit="-", doc="Layer of a multi-layer source (GeoPackage); default the first.",
        source="-",
    )  # fmt: skip
    bbox: list[float] | None = param(
        None, unit="source CRS",
        doc="Only buildings whose interior point lies in [min_x, min_y, max_x, max_y] (the "
        "source's coordinates: longitude and latitude for OpenStreetMap).",
        source="-",
    )  # fmt: skip
    polygon: list[list[float]] | None = param(
        None, unit="source CRS",
        doc="Only buildings whose interior point lies in this polygon ([[x, y], ...] in the "
        "source's coordinates); it is also the village outline.",
        source="-",
    )  # fmt: skip
    source_crs: str | None = param(
        None, unit="-",
        doc="CRS of the source's coordinates where the file has none or a wrong one "
        "(e.g. `EPSG:4547`).", source="-",
    )  # fmt: skip
    crs: str | None = param(
        None, unit="-",
        doc="Projected CRS in metres the village is laid out in (default: the UTM zone of "
        "its centre).", source="-",
    )  # fmt: skip
    flood_points: list[list[float]] | None = param(
        None, unit="source CRS",
        doc="Waterlogging points ([[x, y], ...] in the source's coordinates, e.g. from a "
        "municipal list of 易涝点); default: `n_flood_points` building sites at random.",
        source="-",
    )  # fmt: skip
    footprints: FootprintParams = Field(
        default_factory=FootprintParams,
        description="How the plan is derived from footprints (with `source`).",
    )

    @field_validator("bbox")
    @classmethod
    def _bbox_ordered(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (len(v) != 4 or not (v[0] < v[2] and v[1] < v[3])):
            raise ValueError("bbox must be [min_x, min_y, max_x, max_y] with min < max")
        return v

    @field_validator("polygon", "flood_points")
    @classmethod
    def _points(cls, v: list[list[float]] | None) -> list[list[float]] | None:
        if v is not None and not all(len(pt) == 2 for pt in v):
            raise ValueError("must be a list of [x, y] pairs")
        return v

    @field_validator("polygon")
    @classmethod
    def _polygon_closed_area(cls, v: list[list[float]] | None) -> list[list[float]] | None:
        if v is not None and len(v) < 3:
            raise ValueError("a polygon needs at least 3 points")
        return v

    def slot_count(self) -> int:
        return self.block_cols * self.block_rows

    def block_frontage_m(self) -> float:
        """Length of the lanes around a full block (its perimeter at the building pitch,
        ``side_mean_m + handshake_gap_median_m``), where its residents park their e-bikes."""
        pitch = self.side_mean_m + self.handshake_gap_median_m
        return 2.0 * (self.block_cols + self.block_rows) * pitch


@dataclass
class Plan:
    """Arrays describing one village's buildings (local coordinates, metres)."""

    x: np.ndarray
    y: np.ndarray
    side_m: np.ndarray
    storeys: np.ndarray
    rooms: np.ndarray
    block: np.ndarray
    block_col: np.ndarray
    block_row: np.ndarray
    fire_resistive: np.ndarray
    three_in_one: np.ndarray
    dangerous: np.ndarray
    old_wiring: np.ndarray
    flood_point: np.ndarray
    access_road_m: np.ndarray
    access_lane_m: np.ndarray
    edge_dist_m: np.ndarray
    edges_src: np.ndarray
    edges_dst: np.ndarray
    edges_sep_m: np.ndarray
    n_blocks: int
    n_block_cols: int
    width_m: float
    height_m: float
    flood_x: np.ndarray
    flood_y: np.ndarray
    block_frontage_m: np.ndarray  # length of lane around each block (e-bikes park there)


def _axis_layout(
    n_blocks: int, per_block: int, pitch: float, lane: float, road: float, road_every: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Slot centres along one axis, the block of each slot, and road centre lines.

    Returns:
        (slot_centres, slot_block, road_lines, total_length)
    """
    centres = []
    blocks = []
    roads = [-road / 2.0]  # the village edge is a road
    pos = 0.0
    for b in range(n_blocks):
        for _i in range(per_block):
            centres.append(pos + pitch / 2.0)
            blocks.append(b)
            pos += pitch
        if b < n_blocks - 1:
            width = road if (b + 1) % road_every == 0 else lane
            if width == road:
                roads.append(pos + road / 2.0)
            pos += width
    roads.append(pos + road / 2.0)
    return np.array(centres), np.array(blocks), np.array(roads), pos


def build_plan(p: PlanParams, gen: np.random.Generator) -> Plan:
    """Lay out one village from its parameters.

    Args:
        p: Plan parameters.
        gen: Random generator of the stream ``world.plan`` for this village.

    Returns:
        The village plan.
    """
    n = p.n_buildings
    per_block = p.slot_count()
    n_blocks = -(-n // per_block)
    pitch = p.side_mean_m + p.handshake_gap_median_m
    block_w = p.block_cols * pitch
    block_h = p.block_rows * pitch
    n_bc = max(1, round(np.sqrt(n_blocks * block_h / block_w)))
    n_br = -(-n_blocks // n_bc)

    xs, xblk, xroads, width = _axis_layout(
        n_bc, p.block_cols, pitch, p.lane_width_m, p.road_width_m, p.road_every_blocks
    )
    ys, yblk, yroads, height = _axis_layout(
        n_br, p.block_rows, pitch, p.lane_width_m, p.road_width_m, p.road_every_blocks
    )

    # Fill slots block by block, so a partial last block is the only gap in the lattice.
    slot_gx = np.empty(n, dtype=np.int64)
    slot_gy = np.empty(n, dtype=np.int64)
    k = 0
    for blk in range(n_blocks):
        bc, br = blk % n_bc, blk // n_bc
        for j in range(p.block_rows):
            for i in range(p.block_cols):
                if k == n:
                    break
                slot_gx[k] = bc * p.block_cols + i
                slot_gy[k] = br * p.block_rows + j
                k += 1
    x = xs[slot_gx]
    y = ys[slot_gy]
    block_col = xblk[slot_gx]
    block_row = yblk[slot_gy]
    block = block_row * n_bc + block_col

    side = np.clip(gen.normal(p.side_mean_m, p.side_sd_m, n), 3.0, pitch * 1.5)
    storeys = np.clip(np.rint(gen.normal(p.storeys_mean, p.storeys_sd, n)), 1, 40).astype(np.int32)
    rooms = np.clip(
        np.rint(storeys * p.rooms_per_storey * gen.lognormal(0.0, 0.25, n)),
        p.rooms_min,
        max(p.rooms_min, p.rooms_max),
    ).astype(np.int32)
    fire_resistive = gen.random(n) < p.fire_resistive_share
    three_in_one = gen.random(n) < p.three_in_one_share
    dangerous = gen.random(n) < p.dangerous_share
    old_wiring = gen.random(n) < p.old_wiring_share

    # Edges between orthogonally neighbouring slots (both directions stored later as CSR).
    lookup = -np.ones((n_bc * p.block_cols + 1, n_br * p.block_rows + 1), dtype=np.int64)
    lookup[slot_gx, slot_gy] = np.arange(n)
    src, dst, sep = [], [], []
    for dx, dy in ((1, 0), (0, 1)):
        nb = lookup[slot_gx + dx, slot_gy + dy]
        ok = nb >= 0
        a = np.nonzero(ok)[0]
        b = nb[ok]
        same_block = block[a] == block[b]
        if dx:
            boundary = (xs[slot_gx[b]] - xs[slot_gx[a]]) - pitch
        else:
            boundary = (ys[slot_gy[b]] - ys[slot_gy[a]]) - pitch
        gap = p.handshake_gap_median_m * gen.lognormal(0.0, p.handshake_gap_sigma, len(a))
        d = np.where(same_block, gap, boundary + p.handshake_gap_median_m)
        src.append(a)
        dst.append(b)
        sep.append(d)
    edges_src = np.concatenate(src) if src else np.zeros(0, np.int64)
    edges_dst = np.concatenate(dst) if dst else np.zeros(0, np.int64)
    edges_sep = np.concatenate(sep) if sep else np.zeros(0)

    # Access for fire crews: to the nearest road (engine-accessible), or to the nearest lane
    # of the own block (used when the block's lanes have been cleared into fire lanes).
    def _to_lines(v: np.ndarray, lines: np.ndarray, w: float) -> np.ndarray:
        return np.maximum(np.min(np.abs(v[:, None] - lines[None, :]), axis=1) - w / 2.0, 0.0)

    access_road = np.minimum(
        _to_lines(x, xroads, p.road_width_m), _to_lines(y, yroads, p.road_width_m)
    )
    # Distance to the own block's edge, from the slot's position inside the block.
    ix = slot_gx % p.block_cols
    iy = slot_gy % p.block_rows
    to_edge_x = np.minimum(ix + 0.5, p.block_cols - ix - 0.5) * pitch - p.side_mean_m / 2.0
    to_edge_y = np.minimum(iy + 0.5, p.block_rows - iy - 0.5) * pitch - p.side_mean_m / 2.0
    access_lane = np.minimum(np.maximum(np.minimum(to_edge_x, to_edge_y), 0.0), access_road)
    edge_dist = np.minimum.reduce([x, width - x, y, height - y])

    # Waterlogging points at random building sites; each building takes the nearest point
    # within the radius.
    flood_point = -np.ones(n, dtype=np.int32)
    m = min(p.n_flood_points, n)
    if m:
        centres = gen.choice(n, size=m, replace=False)
        fx, fy = x[centres], y[centres]
        dist, nearest = cKDTree(np.column_stack([fx, fy])).query(np.column_stack([x, y]))
        inside = dist <= p.flood_radius_m
        flood_point[inside] = nearest[inside]
    else:
        fx = fy = np.zeros(0)

    return Plan(
        x=x,
        y=y,
        side_m=side,
        storeys=storeys,
        rooms=rooms,
        block=block.astype(np.int32),
        block_col=block_col.astype(np.int32),
        block_row=block_row.astype(np.int32),
        fire_resistive=fire_resistive,
        three_in_one=three_in_one,
        dangerous=dangerous,
        old_wiring=old_wiring,
        flood_point=flood_point,
        access_road_m=access_road,
        access_lane_m=access_lane,
        edge_dist_m=edge_dist,
        edges_src=edges_src,
        edges_dst=edges_dst,
        edges_sep_m=edges_sep,
        n_blocks=int(n_bc * n_br),
        n_block_cols=int(n_bc),
        width_m=float(width),
        height_m=float(height),
        flood_x=fx,
        flood_y=fy,
        block_frontage_m=np.full(int(n_bc * n_br), p.block_frontage_m()),
    )
