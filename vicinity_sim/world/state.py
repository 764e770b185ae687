"""The state of a run: every village of a scenario as one set of struct-of-arrays tables.

:class:`World` holds the tables (:mod:`~vicinity_sim.world.tables`), the acquaintance ties
(:mod:`~vicinity_sim.world.ties`) and the day's fire record; :mod:`~vicinity_sim.world.build`
makes it from a scenario's villages.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import NamedTuple

import numpy as np

from vicinity_sim.learning import generalised_trust
from vicinity_sim.world.codes import IN_GROUP, OUT_GROUP
from vicinity_sim.world.geometry import VillageGeometry
from vicinity_sim.world.tables import (
    Adjacency,
    Blocks,
    Buildings,
    ChargingSites,
    FloodPoints,
    Grids,
    Gridworkers,
    Households,
    Landlords,
    PartyMembers,
    Projects,
    Residents,
    Stations,
    Units,
    Villages,
)
from vicinity_sim.world.ties import Ties, group_members

__all__ = ["FiresToday", "Residence", "World", "residence_index", "state_names"]


class Residence(NamedTuple):
    """Who lives in each building: its residents' rows are ``members[ptr[k]:ptr[k + 1]]``
    (ascending), and ``households[k]`` households live in it."""

    ptr: np.ndarray
    members: np.ndarray
    households: np.ndarray


def residence_index(res_building: np.ndarray, hh_building: np.ndarray,
                    n_buildings: int) -> Residence:  # fmt: skip
    """The :class:`Residence` of residents and households living in the given buildings."""
    ptr, members = group_members(res_building, n_buildings)
    households = np.bincount(hh_building, minlength=n_buildings).astype(np.int64)
    return Residence(ptr, members, households)


@dataclass
class FiresToday:
    """Buildings burned in today's fires, the fire each belongs to and its response time."""

    building: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    event: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    response_min: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class World:
    """All state of a run that is not a parameter.

    Attributes:
        village_names: Names of the villages, in scenario order.
        villages: Village-level state (geography, today's weather, village-wide levers).
        grids: Grids and their governance levers.
        buildings, blocks, households, residents, landlords, gridworkers: Populations.
        party_members: Party members serving the village (resident members and in-service
            members registered with a grid); interventions add rows.
        units: Rental units (rooms) of the buildings: let, vacant, idle or shops.
        ties: Acquaintance ties between residents.
        stations, charging_sites, projects: Facilities and industrial projects (rows are added
            when interventions plan them).
        flood_points: Waterlogging points.
        adjacency: Neighbouring buildings with their separation (for fire spread).
        fires_today: Buildings burned today (written by the fire process; read the next day).
        geometry: Footprint geometry of the villages built from footprints, by village index
            (outlines, candidate facility sites, CRS); synthetic villages have none.
        moves: How many times households have changed building so far (migration adds one
            whenever newcomers take units in other buildings than those their household rows
            were in); mechanisms that keep who-lives-where indexes rebuild them when it
            changes.
        village_ids: Position of each village in the city's scenario (``0..n−1`` when the
            world holds the whole scenario; a city run's unit holds one village and its
            position). Draws from the city's shared streams are addressed by it.
    """

    village_names: list[str]
    villages: Villages
    grids: Grids
    buildings: Buildings
    blocks: Blocks
    households: Households
    units: Units
    residents: Residents
    landlords: Landlords
    gridworkers: Gridworkers
    party_members: PartyMembers
    ties: Ties
    stations: Stations
    charging_sites: ChargingSites
    projects: Projects
    flood_points: FloodPoints
    adjacency: Adjacency
    fires_today: FiresToday = field(default_factory=FiresToday)
    geometry: dict[int, VillageGeometry] = field(default_factory=dict)
    moves: int = 0
    village_ids: np.ndarray | None = None
    _outgroup_share: np.ndarray | None = field(default=None, repr=False)
    _occupants: tuple[Residence, np.ndarray] | None = field(default=None, repr=False)
    _residence: tuple[np.ndarray, np.ndarray, int, Residence] | None = field(
        default=None, repr=False
    )

    def __post_init__(self) -> None:
        if self.village_ids is None:
            self.village_ids = np.arange(len(self.village_names), dtype=np.int64)

    @property
    def n_villages(self) -> int:
        return len(self.village_names)

    def outgroup_share(self) -> np.ndarray:
        """Share of a village's residents outside each group, shape (n_villages, 3).

        Cached: departing households are replaced by newcomers of the same group and size, so
        a village's composition does not change during a run.
        """
        if self._outgroup_share is None:
            r = self.residents
            counts = np.zeros((self.n_villages, 3))
            np.add.at(counts, (r.village, r.group), 1.0)
            totals = counts.sum(axis=1, keepdims=True)
            self._outgroup_share = 1.0 - counts / np.maximum(totals, 1.0)
        return self._outgroup_share

    def generalised_trust(self) -> np.ndarray:
        """Each resident's trust in neighbours at large: own-group and other-group trust
        weighted by the village's composition."""
        r = self.residents
        s = self.outgroup_share()[r.village, r.group]
        return generalised_trust.py_func(r.trust_inter[:, IN_GROUP], r.trust_inter[:, OUT_GROUP], s)

    def resident_grid(self) -> np.ndarray:
        """Grid of each resident (through their building)."""
        return self.buildings.grid[self.residents.building]

    def occupants(self) -> np.ndarray:
        """Residents living in each building: the sizes of :meth:`residence`'s groups.

        Cached with that index (the same array while it holds). Treat it as read-only.
        """
        index = self.residence()
        hit = self._occupants
        if hit is None or hit[0] is not index:
            self._occupants = (index, np.diff(index.ptr))
        return self._occupants[1]

    def residence(self) -> Residence:
        """Residents by building and households per building (:class:`Residence`).

        Cached: who lives where changes only when households move
        (:attr:`moves`) or a table is replaced. The same object is returned while it holds,
        so compiled calls given it need not type it again. Treat it as read-only.
        """
        res, hh = self.residents.building, self.households.building
        hit = self._residence
        if hit is None or hit[0] is not res or hit[1] is not hh or hit[2] != self.moves:
            index = residence_index(res, hh, len(self.buildings))
            self._residence = (res, hh, self.moves, index)
        return self._residence[3]

    def village_index(self, name: str) -> int:
        return self.village_names.index(name)


@cache
def state_names() -> dict[str, tuple[str, ...]]:
    """The world's tables and their columns: what processes may declare they read or write.

    Returns:
        Table name (a field of :class:`World` holding a table of arrays, including ``ties``,
        ``adjacency`` and ``fires_today``) → its column names.
    """
    hints = typing.get_type_hints(World)
    out: dict[str, tuple[str, ...]] = {}
    for f in fields(World):
        kind = hints[f.name]
        if not f.name.startswith("_") and isinstance(kind, type) and is_dataclass(kind):
            out[f.name] = tuple(c.name for c in fields(kind))
    return out
