"""Agents of the reference model: residents, party members, landlords and gridworkers.

Each agent holds the columns of its row in the fast model's tables as attributes (see
:mod:`vicinity_sim.world.tables` for their meaning and units), plus ``row``, the index that
addresses its random draws (the fast model's entity index). Two-column states (interpersonal
trust in one's own and in other groups) are two-element lists. A resident's acquaintance ties
are slots, as in the fast model: ``ties_to[k]`` is the row of the partner in slot k (-1: free)
and ``ties_w[k]`` its strength (a float32 value, the precision the fast model stores).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from vicinity_sim.world.tables import Gridworkers, Landlords, Residents

if TYPE_CHECKING:
    from vicinity_sim.reference.model import ReferenceModel


def _columns(table_cls: type) -> list[str]:
    return [f.name for f in fields(table_cls)]


RESIDENT_COLUMNS = _columns(Residents)
LANDLORD_COLUMNS = _columns(Landlords)
GRIDWORKER_COLUMNS = _columns(Gridworkers)


class RowAgent(mesa.Agent):
    """An agent that mirrors one row of a fast-model table.

    Args:
        model: The reference model.
        row: Index of the agent's row (addresses its random draws).
        values: Column name → value of the row.
    """

    columns: list[str] = []

    def __init__(self, model: ReferenceModel, row: int, values: dict[str, Any]) -> None:
        super().__init__(model)
        self.row = row
        for name in self.columns:
            value = values[name]
            setattr(self, name, value.tolist() if isinstance(value, np.ndarray) else value.item())


class Resident(RowAgent):
    """A resident: local villager (group 0), migrant tenant (1) or Taiwan compatriot (2).

    Attributes besides the columns of :class:`~vicinity_sim.world.tables.Residents`:
        ties_to: Partner row per tie slot (-1: free slot).
        ties_w: Tie strength per slot.
    """

    columns = RESIDENT_COLUMNS

    def __init__(
        self, model: ReferenceModel, row: int, values: dict[str, Any],
        ties_to: list[int], ties_w: list[float],
    ) -> None:  # fmt: skip
        super().__init__(model, row, values)
        self.ties_to = ties_to
        self.ties_w = ties_w

    @property
    def is_party_member(self) -> bool:
        return bool(self.party)


class PartyMember(Resident):
    """A resident who is a member of the Communist Party (``party`` is true)."""


class Landlord(RowAgent):
    """A landlord: owns buildings (``buildings.owner``); ``household`` is -1 if absentee."""

    columns = LANDLORD_COLUMNS


class Gridworker(RowAgent):
    """A gridworker (网格员) assigned to a grid; ``party`` marks party members."""

    columns = GRIDWORKER_COLUMNS
