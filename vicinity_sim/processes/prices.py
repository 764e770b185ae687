"""Wages and prices: a city-wide nominal wage trend and consumer prices (monthly).

Wages in Xiamen rise in every arm, program or not: a city-wide nominal trend of
``nominal_wage_growth_per_year`` (docs/sources.md §wages). Each month (from the second on) the
wage index and the consumer price index of every village rise by a twelfth of their yearly
growth (compounded), the wages of residents employed by others rise with the wage index, and so
do the wages the enterprises pay (``projects.wage``) and, through the index, the wages new
hires and newcomers are offered (:mod:`~vicinity_sim.processes.labour`,
:mod:`~vicinity_sim.processes.migration`). Owners of doorstep businesses earn their profit, not
a wage (:mod:`~vicinity_sim.processes.enterprise`). Rents are not indexed: landlords set them
from their vacancies (:mod:`~vicinity_sim.processes.landlords`), so whether rents keep pace
with wages emerges.

Incomes and rents are reported nominally and deflated by the price index
(:mod:`~vicinity_sim.processes.housing`). The program's effect is the paired difference
between arms, in which the trend cancels; a before–after reading, as in the seed, includes it.

State written: villages' ``wage_index`` and ``price_index``; residents' ``wage``; projects'
``wage``.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.processes.labour import business_owners


class PricesParams(ParamModel):
    """The city-wide nominal wage trend and consumer price inflation."""

    nominal_wage_growth_per_year: float = param(
        0.04, unit="1/year", ge=-0.5, le=1.0, range=(0.025, 0.055), prior="uniform",
        doc="Yearly growth of nominal wages city-wide (every arm).",
        source="docs/sources.md §wages: migrant workers' monthly income +3.6% (2023) and "
        "+3.8% (2024) (NBS 农民工监测调查报告); Xiamen's per-capita disposable income +4.5% "
        "(2023) and +4.7% (H1 2024) (厦门统计公报, 厦门调查队)",
    )  # fmt: skip
    cpi_per_year: float = param(
        0.005, unit="1/year", ge=-0.5, le=1.0, range=(0.0, 0.02), prior="uniform",
        doc="Yearly consumer price inflation (deflates incomes and rents; indexes visitors' "
        "spending and set-up costs).",
        source="docs/sources.md §wages: national CPI +0.2% in 2023 and 2024 (NBS), Xiamen "
        "+0.2% in 2023 (厦门统计公报); +2.0% in 2022",
    )  # fmt: skip


def monthly_factor(growth_per_year: float) -> float:
    """The month's growth factor of a yearly rate, compounded (both engines)."""
    return float((1.0 + growth_per_year) ** (1.0 / 12.0))


def index_prices(v: object, pr: object, p: PricesParams) -> float:
    """Raise the villages' wage and price indices and the enterprises' wages by a month's
    growth (places shared by both engines); returns the month's wage factor, by which each
    engine raises its residents' wages."""
    wage_factor = monthly_factor(p.nominal_wage_growth_per_year)
    v.wage_index *= wage_factor  # type: ignore[attr-defined]
    v.price_index *= monthly_factor(p.cpi_per_year)  # type: ignore[attr-defined]
    pr.wage *= wage_factor  # type: ignore[attr-defined]
    return wage_factor


@register
class Prices(Process):
    """Monthly city-wide wage and price indices; wages of employees follow the wage index."""

    name = "prices"
    reads = ("projects.active", "projects.owner", "residents.employed", "residents.job_project")
    writes = ("villages.wage_index", "villages.price_index", "residents.wage", "projects.wage")
    after = ("labour",)
    cadence = "month"
    Params = PricesParams
    metrics = {
        "wage_index": "City-wide nominal wage level relative to the start.",
        "price_index": "Consumer prices relative to the start.",
    }
    levels = frozenset({"wage_index", "price_index"})

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        w = self.world
        v, r = w.villages, w.residents
        if day > 0:  # the first month is the start: indices 1
            factor = index_prices(v, w.projects, self.params)
            employee = r.employed & ~business_owners(w.projects, r.job_project)
            r.wage[employee] *= factor
        return {"wage_index": float(v.wage_index.mean()) if len(v) else 1.0,
                "price_index": float(v.price_index.mean()) if len(v) else 1.0}  # fmt: skip
