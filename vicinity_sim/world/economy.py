"""The economy of a village at the start of a run: collective revenue, dividends, rents.

Urban villages' collectives earn mostly from property (shops, markets, factory buildings they
lease out; property is ~37% of collective revenue in Shipai, Zacharias et al. 2013) and pay part
of it to villagers as dividends. Villagers also let rooms to tenants; the rent of a unit depends
on its building's quality.
"""

from __future__ import annotations

from vicinity_sim.params import ParamModel, param


class EconomyParams(ParamModel):
    """A village's collective economy and rental market at the start."""

    collective_revenue_cny_year: float = param(
        20_000_000.0, unit="CNY/year", ge=0.0, le=1e11,
        doc="The village collective's own yearly revenue (property leases and the like).",
        source="assumption: a large village collective in Xiamen",
    )  # fmt: skip
    idle_collective_assets_m2: float = param(
        10_000.0, unit="m²", ge=0.0, le=1e9, range=(2_000.0, 50_000.0), prior="loguniform",
        doc="Idle collective land and buildings (old factories, plots) the collective could "
        "lease to projects (盘活闲置土地).",
        source="assumption: a few plots or old factory buildings per village; no Xiamen "
        "inventory found (docs/sources.md §collective)",
    )  # fmt: skip
    dividend_share: float = param(
        0.6, unit="1", ge=0.0, le=1.0,
        doc="Share of collective revenue paid out to local villagers as dividends.",
        source="assumption",
    )  # fmt: skip
    vacancy_rate: float = param(
        0.03, unit="1", ge=0.0, lt=1.0,
        doc="Share of the jobs open to the village's residents that are vacant at the start "
        "(the job stock of each sector is its filled jobs plus this share).",
        source="assumption: job vacancy rates of a few percent, as in urban labour markets "
        "with frictional unemployment",
    )  # fmt: skip
    rent_median_cny_month: float = param(
        1000.0, unit="CNY/(unit·month)", ge=0.0, le=1e6,
        doc="Median rent of a rental unit at the start.",
        source="assumption: single rooms in Xiamen's urban villages around 2023",
    )  # fmt: skip
    rent_sigma: float = param(
        0.25, unit="1", ge=0.0, le=3.0, doc="Log-normal sigma of rents between buildings.",
        source="assumption",
    )  # fmt: skip
    quality_mean: float = param(
        0.4, unit="1", ge=0.0, le=1.0,
        doc="Mean quality of buildings at the start (0 run down, 1 renovated and managed).",
        source="assumption",
    )  # fmt: skip
    quality_sd: float = param(
        0.1, unit="1", ge=0.0, le=0.5, doc="Standard deviation of building quality.",
        source="assumption",
    )  # fmt: skip
