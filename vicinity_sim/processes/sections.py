"""Parameter sections shared by several processes.

A process reads its own section (``[fire]`` for the fire process) and, where a quantity belongs
to no single mechanism, a shared section declared here: how much of trust follows experience
(every process through which residents experience each other or the institutions), when a tie
disappears (every process that weakens ties), the income floor of the rent burden (rents and
moving decisions). No process reads another process's section.

:func:`register_section` adds a section (plug-ins may share their own);
:data:`MOVED_KEYS` lists keys that moved here, so that a scenario file still using the old
place gets a message naming the new one.
"""

from __future__ import annotations

from vicinity_sim.params import ParamModel, consts_class, param


class TrustParams(ParamModel):
    """How much of residents' trust follows experience (the anchored learning rule)."""

    institutional_experience_weight: float = param(
        0.5, unit="1", ge=0.0, le=1.0,
        doc="Share of institutional trust that follows experience; the rest stays with the "
        "resident's disposition (see vicinity_sim.learning).",
        source="assumption",
    )  # fmt: skip
    interpersonal_experience_weight: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Share of interpersonal trust that follows experience; the rest stays with the "
        "resident's disposition (experience mode of contacts; see vicinity_sim.learning).",
        source="assumption",
    )  # fmt: skip


class TiesParams(ParamModel):
    """Acquaintance ties, whatever weakens them."""

    floor: float = param(
        0.05, unit="1", ge=0.0, le=1.0, doc="Ties weaker than this disappear.",
        source="assumption",
    )  # fmt: skip


class RentBurdenParams(ParamModel):
    """How a household's rent burden is measured."""

    income_floor_cny_month: float = param(
        1500.0, unit="CNY/(household·month)", gt=0.0, le=1e6,
        doc="Household income assumed at least, for rent burden (savings, help from family).",
        source="assumption",
    )  # fmt: skip


TrustConsts = consts_class(TrustParams)
TiesConsts = consts_class(TiesParams)
RentBurdenConsts = consts_class(RentBurdenParams)

#: Shared sections: name in the scenario file → parameters.
SECTIONS: dict[str, type[ParamModel]] = {
    "trust": TrustParams,
    "ties": TiesParams,
    "rent_burden": RentBurdenParams,
}

#: Keys that moved to a shared section: old place → new place.
MOVED_KEYS: dict[str, str] = {
    "governance.experience_weight": "trust.institutional_experience_weight",
    "contacts.experience_weight": "trust.interpersonal_experience_weight",
    "contacts.tie_floor": "ties.floor",
    "housing.income_floor_cny_month": "rent_burden.income_floor_cny_month",
}

_VERSION = 0


def register_section(name: str, params: type[ParamModel]) -> None:
    """Add a shared parameter section ``[name]`` to the scenario schema.

    Raises:
        ValueError: If the name is taken by another section.
    """
    global _VERSION
    if SECTIONS.get(name, params) is not params:
        raise ValueError(f"parameter section {name!r} registered twice")
    SECTIONS[name] = params
    _VERSION += 1


def sections_version() -> int:
    """A number that changes whenever a shared section is registered."""
    return _VERSION
