"""The intervention catalogue: kind → levers, schedule and cost.

Kinds are grouped by the seed's four pillars, one module each (``political``, ``people``,
``plural``, ``innovation``); this module maps each kind name to its class.
See :mod:`vicinity_sim.interventions.base` for what a scenario file says about an intervention.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from vicinity_sim.interventions.base import Intervention, describe
from vicinity_sim.interventions.innovation import INNOVATION_KINDS
from vicinity_sim.interventions.people import PEOPLE_KINDS
from vicinity_sim.interventions.plural import PLURAL_KINDS
from vicinity_sim.interventions.political import POLITICAL_KINDS

#: Kinds by pillar of the seed (政治性, 人民性, 多元性, 创新性).
PILLARS: dict[str, tuple[type[Intervention], ...]] = {
    "political": POLITICAL_KINDS,
    "people": PEOPLE_KINDS,
    "plural": PLURAL_KINDS,
    "innovation": INNOVATION_KINDS,
}

#: All kinds, by name.
CATALOGUE: dict[str, type[Intervention]] = {
    cls.model_fields["kind"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for kinds in PILLARS.values()
    for cls in kinds
}

#: Pydantic type of one ``[[interventions]]`` entry (discriminated by ``kind``).
AnyIntervention = Annotated[Union[tuple(CATALOGUE.values())], Field(discriminator="kind")]  # noqa: UP007

__all__ = ["CATALOGUE", "PILLARS", "AnyIntervention", "Intervention", "describe"]
