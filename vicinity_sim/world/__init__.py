"""The world: every village of a scenario as one set of struct-of-arrays tables.

The state lives in :mod:`~vicinity_sim.world.state` (:class:`World`, its tables in
:mod:`~vicinity_sim.world.tables`, category codes in :mod:`~vicinity_sim.world.codes`); how it
is built from a scenario's villages in :mod:`~vicinity_sim.world.build` (plan, population,
ties, institutions, economy and facilities of each village).
"""

from vicinity_sim.world.build import VillageSpecLike, build_world
from vicinity_sim.world.state import FiresToday, Residence, World

__all__ = ["FiresToday", "Residence", "VillageSpecLike", "World", "build_world"]
