"""Structure derived from building footprints: adjacency, blocks, access, outline, sites.

Everything is computed from the footprint polygons (and mapped ways, if any) in village-local
metres with shapely's vectorised predicates and spatial index (STRtree):

* **Adjacency.** Two buildings are neighbours if their facades are at most
  ``neighbour_radius_m`` apart, measured edge to edge (0 for a shared wall), and no third
  building stands between them (on both the shortest line and the line between their
  centres).
* **Blocks.** Neighbours closer than ``block_gap_m``, with no mapped way between them, belong
  to one block (connected components).
* **Roads and lanes.** Mapped ways (from OpenStreetMap), or open ground: points where a disk
  of the passage's width fits between buildings, connected to the outside of the village.
* **Access.** Distances from each facade to the nearest road (engines) and lane (crews on
  foot); the distance from each building to the village outline.
* **Candidate sites** for micro fire stations and charging sites: a lattice of points on lane
  space with room around them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely import STRtree

from vicinity_sim.world.footprint_params import FootprintParams

#: Vertices per quarter circle of buffers (coarse: buffers only mark where passages fit).
QUAD_SEGS = 2


@dataclass
class Ways:
    """Mapped ways in village-local metres: engine-accessible roads and lanes on foot."""

    roads: np.ndarray  # shapely LineStrings
    road_width_m: np.ndarray
    lanes: np.ndarray
    lane_width_m: np.ndarray

    @classmethod
    def none(cls) -> Ways:
        empty = np.zeros(0, dtype=object)
        return cls(empty, np.zeros(0), empty, np.zeros(0))

    def all_lines(self) -> np.ndarray:
        return np.concatenate([self.roads, self.lanes])


@dataclass
class Structure:
    """What the plan needs besides the buildings themselves."""

    edges_src: np.ndarray
    edges_dst: np.ndarray
    edges_sep_m: np.ndarray
    block: np.ndarray
    n_blocks: int
    block_frontage_m: np.ndarray
    access_road_m: np.ndarray
    access_lane_m: np.ndarray
    edge_dist_m: np.ndarray
    site_x: np.ndarray
    site_y: np.ndarray
    roads_from: str  # "osm" or "gaps"


def neighbours(
    polys: np.ndarray, tree: STRtree, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Facing pairs of buildings within ``radius`` (edge to edge), each once (i < j).

    Returns:
        (i, j, gap, line): the pairs, their edge-to-edge gaps and the shortest lines between
        them (None where the buildings touch).
    """
    i, j = tree.query(polys, predicate="dwithin", distance=radius)
    keep = i < j
    i, j = i[keep], j[keep]
    gap = shapely.distance(polys[i], polys[j])
    lines = np.full(len(i), None, dtype=object)
    apart = gap > 0.0
    lines[apart] = shapely.shortest_line(polys[i[apart]], polys[j[apart]])
    # A third building stands between the two if it meets both the shortest line between
    # them and the line between their centres (either alone can graze a building beside them:
    # the shortest line runs along the facades of a row, the centre line of big buildings
    # can pass a corner).
    idx = np.nonzero(apart)[0]
    centres = shapely.centroid(polys)
    hit = np.zeros((2, len(i)), dtype=bool)
    probes = (lines[idx], shapely.shortest_line(centres[i[idx]], centres[j[idx]]))
    for row, probe in enumerate(probes):
        if len(idx):
            k, other = tree.query(probe, predicate="intersects")
            third = (other != i[idx[k]]) & (other != j[idx[k]])
            hit[row, idx[k[third]]] = True
    ok = ~(hit[0] & hit[1])
    return i[ok], j[ok], gap[ok], lines[ok]


def blocks_of(
    n: int, i: np.ndarray, j: np.ndarray, gap: np.ndarray, lines: np.ndarray, ways: Ways,
    block_gap: float,
) -> tuple[np.ndarray, int]:  # fmt: skip
    """Blocks: connected components of neighbours closer than ``block_gap`` that no mapped
    way separates. Returns (block of each building, number of blocks)."""
    close = gap < block_gap
    lines_all = ways.all_lines()
    apart = np.nonzero(close & (gap > 0.0))[0]
    if len(lines_all) and len(apart):
        k, _ = STRtree(lines_all).query(lines[apart], predicate="intersects")
        close[apart[np.unique(k)]] = False
    graph = coo_matrix((np.ones(int(close.sum())), (i[close], j[close])), shape=(n, n))
    n_blocks, labels = connected_components(graph, directed=False)
    # Number blocks in order of their first building, so the numbering follows the input.
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(n_blocks, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(n_blocks)
    return rank[labels].astype(np.int32), int(n_blocks)


def grow(polys: np.ndarray, by: float) -> shapely.Geometry:
    """The union of the footprints grown by ``by`` metres (the ground within ``by`` of one)."""
    return shapely.union_all(shapely.buffer(polys, by, quad_segs=QUAD_SEGS))


def open_space(grown: shapely.Geometry, frame: shapely.Geometry) -> np.ndarray:
    """Parts of open ground inside ``frame`` outside the grown footprints: with footprints
    grown by half a passage's width, the centres of passages at least that wide.

    Returns:
        Polygons, one per connected part.
    """
    free = shapely.difference(frame, grown)
    parts = shapely.get_parts(free)
    return parts[shapely.area(parts) > 0.0]


def reachable(parts: np.ndarray, frame: shapely.Geometry, ways_area: np.ndarray) -> np.ndarray:
    """The parts of open ground connected to the outside of the frame or to a mapped way."""
    if len(parts) == 0:
        return parts
    ok = shapely.intersects(parts, shapely.get_exterior_ring(frame))
    if len(ways_area):
        k, _ = STRtree(ways_area).query(parts, predicate="intersects")
        ok[np.unique(k)] = True
    return parts[ok]


def distance_to_boundary(polys: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Distance from every footprint to the nearest boundary of ``parts`` (inf if none).

    Footprints lie outside the open ground, so this is their distance to it. The boundaries
    are cut into single segments for the spatial index, which keeps nearest-neighbour queries
    exact and fast on large, intricate regions.
    """
    out = np.full(len(polys), np.inf)
    if len(parts) == 0:
        return out
    rings = shapely.get_parts(shapely.boundary(parts))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    segs = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    inp, hit = STRtree(segs).query_nearest(polys, return_distance=True, all_matches=False)
    out[inp[0]] = hit
    return out


def distance_to(polys: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from every footprint to the nearest target geometry (inf if none)."""
    out = np.full(len(polys), np.inf)
    if len(targets) == 0:
        return out
    inp, hit = STRtree(targets).query_nearest(polys, return_distance=True, all_matches=False)
    out[inp[0]] = hit
    return out


def outline_of(polys: np.ndarray, closing: float) -> shapely.Geometry:
    """The village outline: the footprints' union closed by ``closing`` metres (grown, then
    shrunk), without holes."""
    closed = shapely.buffer(grow(polys, closing), -closing, quad_segs=QUAD_SEGS)
    parts = shapely.get_parts(closed)
    shells = shapely.polygons(shapely.get_exterior_ring(parts))
    return shapely.union_all(np.concatenate([shells, polys]))


def block_frontage(
    polys: np.ndarray, block: np.ndarray, n_blocks: int, grown: shapely.Geometry, h: float
) -> np.ndarray:
    """Length of lane around each block: the outer perimeter of its buildings closed over the
    gaps narrower than a lane (``grown``: the footprints grown by ``h``, half a lane; a part
    shared by blocks a mapped way separates is split by their numbers of buildings)."""
    parts = shapely.get_parts(shapely.buffer(grown, -h, quad_segs=QUAD_SEGS))
    parts = parts[shapely.area(parts) > 0.0]
    points = shapely.point_on_surface(polys)
    part = np.full(len(polys), -1, dtype=np.int64)
    if len(parts):
        inp, hit = STRtree(parts).query_nearest(points, all_matches=False)
        part[inp] = hit
    length = shapely.length(shapely.get_exterior_ring(parts)) if len(parts) else np.zeros(0)
    per_part = np.bincount(part[part >= 0], minlength=len(parts)).astype(np.float64)
    share = np.where(part >= 0, length[np.maximum(part, 0)] / np.maximum(per_part[part], 1), 0.0)
    share = np.where(part >= 0, share, shapely.length(polys))
    return np.bincount(block, weights=share, minlength=n_blocks)


def candidate_sites(
    polys: np.ndarray, tree: STRtree, lane_parts: np.ndarray, outline: shapely.Geometry,
    spacing: float, clearance: float,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Lattice points within one spacing of the outline (so also along the village edge), on
    reachable lane space, ``clearance`` from every building."""
    outline = shapely.buffer(outline, spacing, quad_segs=QUAD_SEGS)
    x0, y0, x1, y1 = shapely.bounds(outline)
    gx, gy = np.meshgrid(np.arange(x0 + spacing / 2, x1, spacing),
                         np.arange(y0 + spacing / 2, y1, spacing))  # fmt: skip
    x, y = gx.ravel(), gy.ravel()
    if len(x) == 0 or len(lane_parts) == 0:
        return np.zeros(0), np.zeros(0)
    shapely.prepare(outline)
    inside = shapely.contains_xy(outline, x, y)
    lanes = shapely.union_all(lane_parts)
    shapely.prepare(lanes)
    inside[inside] = shapely.contains_xy(lanes, x[inside], y[inside])
    x, y = x[inside], y[inside]
    if len(x) == 0:
        return x, y
    pts = shapely.points(x, y)
    inp, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    clear = np.zeros(len(x), dtype=bool)
    clear[inp[0]] = dist >= clearance
    return x[clear], y[clear]


def derive_structure(
    polys: np.ndarray, ways: Ways, outline: shapely.Geometry | None, fp: FootprintParams,
) -> Structure:  # fmt: skip
    """Adjacency, blocks, access, outline distances and candidate sites of a footprint plan.

    Args:
        polys: Footprints (shapely polygons, village-local metres).
        ways: Mapped ways near the village (may be empty).
        outline: The village outline, if the scenario gives one (``plan.polygon``).
        fp: Footprint parameters.

    Returns:
        The derived structure.
    """
    n = len(polys)
    tree = STRtree(polys)
    i, j, gap, lines = neighbours(polys, tree, fp.neighbour_radius_m)
    block, n_blocks = blocks_of(n, i, j, gap, lines, ways, fp.block_gap_m)

    use_osm = fp.roads == "osm" or (fp.roads == "auto" and len(ways.roads) > 0)
    margin = 2.0 * max(fp.road_min_width_m, fp.site_clearance_m) + 10.0
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    frame = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    road_area = shapely.buffer(ways.roads, ways.road_width_m / 2.0, cap_style="flat")
    lane_area = shapely.buffer(ways.lanes, ways.lane_width_m / 2.0, cap_style="flat")
    mapped = np.concatenate([road_area, lane_area])
    # The footprints grown by half a lane, once: lane space and block outlines.
    half_lane = fp.block_gap_m / 2.0
    grown = grow(polys, half_lane)
    lane_parts = reachable(open_space(grown, frame), frame, mapped)
    lane_d = np.maximum(distance_to_boundary(polys, lane_parts) - half_lane, 0.0)
    if use_osm:
        road = distance_to(polys, road_area)
    else:
        half_road = fp.road_min_width_m / 2.0
        road_parts = reachable(open_space(grow(polys, half_road), frame), frame,
                               np.zeros(0, dtype=object))  # fmt: skip
        road = np.maximum(distance_to_boundary(polys, road_parts) - fp.road_min_width_m / 2.0, 0.0)
    # Without any engine-accessible ground (a closed courtyard village), crews start at the
    # outline; keep distances finite.
    if not np.isfinite(road).any():
        road = np.zeros(n)
    road = np.where(np.isfinite(road), road, np.nanmax(np.where(np.isfinite(road), road, 0)))
    lane = np.minimum.reduce([lane_d, distance_to(polys, lane_area), road])

    if outline is None:
        outline = outline_of(polys, fp.outline_closing_m)
    centres = shapely.centroid(polys)
    shapely.prepare(outline)
    inside = shapely.contains(outline, centres)
    edge = np.where(inside, shapely.distance(centres, shapely.boundary(outline)), 0.0)

    sx, sy = candidate_sites(polys, tree, lane_parts, outline, fp.site_spacing_m,
                             fp.site_clearance_m)  # fmt: skip
    return Structure(
        edges_src=i.astype(np.int64),
        edges_dst=j.astype(np.int64),
        edges_sep_m=gap.astype(np.float64),
        block=block,
        n_blocks=n_blocks,
        block_frontage_m=block_frontage(polys, block, n_blocks, grown, half_lane),
        access_road_m=road,
        access_lane_m=lane,
        edge_dist_m=edge,
        site_x=sx,
        site_y=sy,
        roads_from="osm" if use_osm else "gaps",
    )
