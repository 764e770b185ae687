"""Parameter sections shared by several processes.

A process reads its own section (``[fire]`` for the fire process) and, where a quantity belongs
to no single mechanism, a shared section declared here: how much of trust follows experience
(every process through which residents experience each other or the institutions), when a tie
disappears (every process that weakens ties), the income floor of the rent burden (rents and
moving decisions), what a unit is worth to tenants and what it costs them (landlords' pricing,
tenants' search, rents paid). No process reads another process's section.

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


class RentsParams(ParamModel):
    """What a rental unit is worth to tenants and what living in it costs.

    A unit's value relative to its building's base rent is

        value = (1 + quality_premium · (quality − reference quality))
                · (1 + amenity_premium · Δ amenity of the grid)
                · (1 + renovation_rent_premium · [units renovated]),

    the reference quality being the village's mean at the start and Δ amenity the change of
    the grid's amenity (mean of public space and environment) since the start. Landlords price
    what they know of their building this way; tenants compare what they view by value for
    money.
    """

    quality_premium: float = param(
        1.0, unit="1", ge=0.0, le=10.0, range=(1.5, 4.5),
        doc="Relative rise of a unit's value per unit of building quality.",
        source="assumption: renewal raises village rents noticeably (rent-gap reasoning, e.g. "
        "Mauro et al. 2025); scenarios/baseline.toml sets 3.07, the estimate of an earlier, "
        "exactly identified fit to the seed's +15%, kept as an assumption (docs/calibration.md "
        "§10)",
    )  # fmt: skip
    amenity_premium: float = param(
        0.5, unit="1", ge=0.0, le=10.0,
        doc="Relative rise of a unit's value per unit rise of the grid's amenity.",
        source="assumption: public space and clean lanes are worth something to tenants, less "
        "than the room itself",
    )  # fmt: skip
    renovation_rent_premium: float = param(
        0.3, unit="1", ge=0.0, le=3.0, range=(0.1, 1.0),
        doc="Relative rise of a unit's value once its landlord (or an operator) has renovated "
        "it (furniture, bathroom, air conditioning, wiring).",
        source="docs/sources.md §landlords: an operator-renovated Caitang room asked ~1,550 CNY "
        "against ~1,000 for an ordinary room (+55%, a weak source); default below it since "
        "operators also rebrand and pick the best buildings",
    )  # fmt: skip
    public_retrofit_raises_rent: bool = param(
        False, unit="bool",
        doc="Whether the quality publicly paid safety retrofits add (fire_retrofit) counts in "
        "a unit's value, as what the landlord's own compliance or renovation adds does.",
        source="assumption (a documented switch): smoke sensors, sprinklers and escape windows "
        "paid by the program are not what tenants pay for, and Shenzhen's official line on "
        "publicly driven upgrades was that rents should not rise (docs/sources.md §landlords); "
        "true reads renewal as raising rents whoever pays",
    )  # fmt: skip
    management_fee_cny_month: float = param(
        50.0, unit="CNY/(unit·month)", ge=0.0, le=10_000.0,
        doc="Property-management fee a tenant household pays in a managed building.",
        source="assumption",
    )  # fmt: skip
    lease_days: int = param(
        365, unit="days", ge=30, le=3650,
        doc="Length of a lease: a sitting tenant's rent changes only when it is renewed.",
        source="assumption: yearly leases are the norm in village rentals; Genesove 2003 finds "
        "rents of sitting tenants change rarely between renewals (docs/sources.md §landlords)",
    )  # fmt: skip


TrustConsts = consts_class(TrustParams)
TiesConsts = consts_class(TiesParams)
RentBurdenConsts = consts_class(RentBurdenParams)
RentsConsts = consts_class(RentsParams)

#: Shared sections: name in the scenario file → parameters.
SECTIONS: dict[str, type[ParamModel]] = {
    "trust": TrustParams,
    "ties": TiesParams,
    "rent_burden": RentBurdenParams,
    "rents": RentsParams,
}

#: Keys that moved to a shared section: old place → new place.
MOVED_KEYS: dict[str, str] = {
    "governance.experience_weight": "trust.institutional_experience_weight",
    "contacts.experience_weight": "trust.interpersonal_experience_weight",
    "contacts.tie_floor": "ties.floor",
    "housing.income_floor_cny_month": "rent_burden.income_floor_cny_month",
    "housing.quality_premium": "rents.quality_premium",
    "housing.amenity_premium": "rents.amenity_premium",
    "housing.management_fee_cny_month": "rents.management_fee_cny_month",
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
