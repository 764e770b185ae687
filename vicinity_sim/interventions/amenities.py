"""Interventions of the people pillar that shape everyday life: space and culture.

The seed: >3,000 small parks, plazas, covered corridors and similar facilities, >2,000 micro
landscapes (美化空间环境，让"邻"心欢); heritage, place names, crafts and local food brought
back as a shared identity (挖掘人文历史，让"邻"心喜).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vicinity_sim.interventions.grids import GridIntervention, VillageIntervention
from vicinity_sim.params import param
from vicinity_sim.world import World


class PublicSpace(GridIntervention):
    """小公园、小广场、风雨连廊: public space in reach of every resident of the grid.

    Lever: ``grids.public_space`` (more and better encounters in public).
    """

    kind: Literal["public_space"]
    provision: float = param(
        0.8, unit="1", ge=0.0, le=1.0, doc="Public-space provision of a grid afterwards.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        400_000.0, unit="CNY/grid", ge=0.0, le=1e10,
        doc="Small park, plaza or covered corridor per grid.",
        source="assumption: ~3,000 facilities program-wide, ~2 per grid",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        20_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9, doc="Upkeep per grid.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        g.public_space[units] = np.maximum(g.public_space[units], self.provision)


class CultureHeritage(VillageIntervention):
    """挖掘人文历史: heritage, place names, crafts and festivals as village-wide events.

    Lever: ``villages.cultural_events_per_year``.
    """

    kind: Literal["culture_heritage"]
    events_per_year: float = param(
        6.0, unit="1/year", ge=0.0, le=365.0, doc="Village-wide cultural events per year.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        300_000.0, unit="CNY/village", ge=0.0, le=1e10,
        doc="Restoring heritage sites and branding (一村社一品牌).", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        50_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9, doc="Organising the events.",
        source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return self.events_per_year

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.cultural_events_per_year[units].copy()

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.cultural_events_per_year[units] = values


AMENITY_KINDS = (PublicSpace, CultureHeritage)
