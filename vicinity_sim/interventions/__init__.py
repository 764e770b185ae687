"""The intervention catalogue: kind → levers, schedule and cost.

Kinds are grouped by the seed's four pillars; this module maps each kind name to its class.
See :mod:`vicinity_sim.interventions.base` for what a scenario file says about an intervention.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from vicinity_sim.interventions.base import Intervention, describe
from vicinity_sim.interventions.safety import SAFETY_KINDS

#: All kinds, by name.
CATALOGUE: dict[str, type[Intervention]] = {
    cls.model_fields["kind"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in SAFETY_KINDS
}

#: Pydantic type of one ``[[interventions]]`` entry (discriminated by ``kind``).
AnyIntervention = Annotated[Union[tuple(CATALOGUE.values())], Field(discriminator="kind")]  # noqa: UP007

__all__ = ["CATALOGUE", "AnyIntervention", "Intervention", "describe"]
