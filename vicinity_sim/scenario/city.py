"""The ``[city]`` section: what couples the villages of a city run.

Only a scenario of several villages run as a city (:mod:`vicinity_sim.city`) reads it; a
single village ignores it. The housing market itself is :mod:`vicinity_sim.city.market`.
"""

from __future__ import annotations

from vicinity_sim.params import ParamModel, param


class CityParams(ParamModel):
    """The city's housing market: where tenant households who leave a village go."""

    housing_market: bool = param(
        False, unit="bool", prior="fixed",
        doc="Tenant households who leave a village choose among the city's other villages, "
        "formal housing and leaving the city, and newcomers choose among villages and formal "
        "housing (a monthly market); off, the villages share only the weather.",
        source="-",
    )  # fmt: skip
    rent_weight: float = param(
        3.0, unit="1", ge=0.0, le=20.0, range=(1.0, 6.0), prior="uniform",
        doc="Weight of the log rent of a destination (relative to the rent left behind) in "
        "a household's choice: a 10% dearer village has about e^-0.3 = 0.74 times the odds.",
        source="assumption: rent affordability and commuting time, not housing quality, decide "
        "whether displaced migrants stay (Jin et al. 2021, docs/sources.md §market); no "
        "published coefficient on this scale",
    )  # fmt: skip
    distance_weight: float = param(
        0.4, unit="1/km", ge=0.0, le=10.0, range=(0.1, 1.0), prior="uniform",
        doc="Weight of the distance to work (the village left, or the city's jobs centre for "
        "newcomers) in a household's choice: odds fall by e^-0.4 = 0.67 per km.",
        source="assumption: commuting time decides, with the rent, whether displaced migrants "
        "stay (Jin et al. 2021, docs/sources.md §market), so movers keep close to their work; "
        "a village 5 km away has about a seventh of the odds of one next door",
    )  # fmt: skip
    ties_weight: float = param(
        1.0, unit="1", ge=0.0, le=10.0, range=(0.0, 2.0), prior="uniform",
        doc="Weight of ties to earlier movers in a mover's choice: times the share of the "
        "households from the same village the market settled so far that went to the "
        "destination (a village that took all of them has e^1 = 2.7 times the odds).",
        source="assumption: chain moves along acquaintance, as in chain migration; a share, "
        "not a count, so that ties pull as much in a small city as in a large one and do "
        "not grow without bound over a run",
    )  # fmt: skip
    formal_constant: float = param(
        -3.0, unit="1", ge=-20.0, le=20.0, range=(-6.0, 0.0), prior="uniform",
        doc="Utility of formal housing besides its rent, against a village room next door: "
        "deposits, agents' fees, contracts and eligibility rules that keep most village "
        "tenants out of it.",
        source="assumption: few village tenants move to formal rented housing; at -3 formal "
        "housing has e^-3 = 5% of the odds of an equally priced village room next door",
    )  # fmt: skip
    formal_rent_ratio: float = param(
        2.0, unit="1", gt=0.0, le=20.0, range=(1.5, 3.0), prior="uniform",
        doc="Rent of formal housing relative to the city's mean village rent.",
        source="assumption: a room in an urban village rents for about half the price of "
        "formal rented housing of the same size nearby",
    )  # fmt: skip
    applicant_weight: float = param(
        1.0, unit="1", ge=0.0, le=10.0, range=(0.0, 1.0), prior="uniform",
        doc="What an applicant a village had no room for counts in its landlords' reading of "
        "the market, in empty units: the village's applicants turned away last month, spread "
        "over its units on the market, lower the vacancy its landlords read (to at least 0).",
        source="assumption: a village keeps its number of households, so demand beyond its "
        "vacated places cannot fill empty rooms; landlords who turn applicants away read a "
        "tighter market, at most one empty unit less per applicant (1), or not at all (0)",
    )  # fmt: skip
    out_of_city_constant: float = param(
        0.8, unit="1", ge=-20.0, le=20.0, range=(0.0, 1.6), prior="uniform",
        doc="Utility of leaving the city, against an equally priced village room next door.",
        source="docs/sources.md §market: nearly a third of the migrant workers affected by "
        "urban-village demolition in Hangzhou decided to leave the city (Jin et al. 2021); at "
        "0.8 a third of the tenants leaving Xiamen's villages (scenarios/xiamen_city.toml) "
        "leave the city when every village has places at equal rents (with places of the "
        "mover's group and size only, 40% in the first months of xiamen_city_program)",
    )  # fmt: skip
