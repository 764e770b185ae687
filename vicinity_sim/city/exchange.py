"""The city's monthly exchange: where the villages of a city run meet.

Within a month every village runs on its own; at each month boundary (the barrier, see
:mod:`vicinity_sim.city.run`) an :class:`Exchange` lets them trade — households that leave one
village and settle in another, newcomers choosing among villages. It has four parts, each
running where its data lives:

1. :meth:`Exchange.offer`, on the worker holding the village, once every village of the
   partition has simulated the days before the boundary: what the village puts on the city's
   market (households leaving it, its vacancies and rents, ...). It travels to the
   coordinator, so it must pickle and should be small (arrays, not the village's tables).
2. :meth:`Exchange.settle`, on the coordinator, once per boundary: every village's offer in
   scenario order and a generator on the city's exchange stream of that boundary
   (:func:`exchange_generator`); it decides what reaches each village and keeps the city's
   tallies.
3. :meth:`Exchange.receive`, on the worker, before the village simulates the boundary's day
   (the first of the month, when the monthly mechanisms run): the village takes in what was
   decided (arrivals, departures confirmed).
4. :meth:`Exchange.outcomes`, on the coordinator after the run: totals added to
   ``summary.json`` (e.g. moves between villages).

**Same results on any workers.** The coordinator and every partition each make their own
exchange from the scenario (:func:`city_exchange`); no code or state travels but the offers
and deliveries. As long as ``offer`` and ``receive`` depend only on the village and ``settle``
only on the offers (in scenario order) and its generator, a city run stays byte-identical for
any number of workers, any partitioning and any executor.

**Choosing the exchange.** :func:`city_exchange` returns the scenario's exchange: the city's
housing market (:class:`~vicinity_sim.city.market.HousingMarket`) when ``city.housing_market``
is on, else :class:`NoExchange` (villages share only the weather, which each draws itself from
the city's stream).

At the run's last boundary (its end) nothing is simulated after, so nothing is offered or
delivered; instead every village reports once more (:meth:`Exchange.last_offer`) and the
coordinator takes the reports in (:meth:`Exchange.close`), e.g. to book the last month.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vicinity_sim.streams import Streams

#: The city-wide random stream of the exchange; a boundary's draws are at index = its day.
EXCHANGE_STREAM = "city.exchange"


class Exchange:
    """What the villages of a city trade at each month boundary (see the module docstring).

    The base class exchanges nothing; subclasses override what they need.
    """

    def offer(self, unit: Any, day: int) -> Any:
        """What a village puts on the city's market at the boundary ``day``.

        Args:
            unit: The village's :class:`~vicinity_sim.city.units.VillageUnit` (its world is
                ``unit.world``, its model ``unit.model``); it has simulated the days before
                ``day``.
            day: The boundary.

        Returns:
            A picklable offer, or ``None`` for nothing.
        """
        return None

    def settle(self, day: int, offers: list[Any], rng: np.random.Generator) -> dict[int, Any]:
        """Decide what reaches each village; runs on the coordinator.

        Args:
            day: The boundary.
            offers: Every village's offer, indexed by its position in the scenario.
            rng: The city's exchange stream at this boundary (:func:`exchange_generator`).

        Returns:
            Position → what reaches that village (positions without a delivery are left out).
        """
        return {}

    def receive(self, unit: Any, delivery: Any, day: int) -> None:
        """Take a delivery into a village before it simulates the boundary's day.

        Args:
            unit: The village's unit.
            delivery: What :meth:`settle` gave its position.
            day: The boundary.
        """

    def last_offer(self, unit: Any, day: int) -> Any:
        """What a village reports at the run's end (for :meth:`close`): nothing by default.

        Args:
            unit: The village's unit, which has simulated every day of the run.
            day: The run's end.
        """
        return None

    def close(self, day: int, offers: list[Any], rng: np.random.Generator) -> None:
        """Take in the villages' last reports (:meth:`last_offer`, in scenario order) at the
        run's end, where nothing is delivered; runs on the coordinator.

        Args:
            day: The run's end.
            offers: Every village's last report, indexed by its position.
            rng: The city's exchange stream at the run's end.
        """

    def outcomes(self) -> dict[str, float]:
        """The city's totals of the run, added to ``summary.json``; runs on the coordinator."""
        return {}


class NoExchange(Exchange):
    """The villages trade nothing: a city of independent villages sharing the weather."""


def city_exchange(scenario: Any) -> Exchange:
    """The exchange of a city scenario, made alike on the coordinator and on every worker.

    Args:
        scenario: The city's scenario.

    Returns:
        Its exchange: the city's housing market
        (:class:`~vicinity_sim.city.market.HousingMarket`) if ``city.housing_market`` is on,
        else :class:`NoExchange`.
    """
    city = getattr(scenario, "city", None)
    if city is not None and city.housing_market:
        from vicinity_sim.city.market import HousingMarket

        return HousingMarket(scenario)
    return NoExchange()


def exchange_generator(seed: int, replication: int, day: int) -> np.random.Generator:
    """The city's exchange stream at the boundary ``day`` (the same on any partitioning)."""
    return Streams(seed, replication).generator(EXCHANGE_STREAM, day)
