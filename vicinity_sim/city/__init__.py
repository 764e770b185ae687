"""The city as one system: every village its own unit, spread over workers.

* :mod:`~vicinity_sim.city.units`: a village of a city run (its world, streams and model);
* :mod:`~vicinity_sim.city.worker`: a partition of villages, in this process, a local worker
  process or a Dask actor;
* :mod:`~vicinity_sim.city.partition`: villages dealt out to workers, balanced by residents;
* :mod:`~vicinity_sim.city.run`: the coordinator, with the monthly barrier where the villages
  meet;
* :mod:`~vicinity_sim.city.exchange`: what the villages trade at the barrier (the interface
  the city's housing market implements);
* :mod:`~vicinity_sim.city.market`: the city's housing market (``[city] housing_market``):
  where tenants who leave a village go, and the applicants villages turn away;
* :mod:`~vicinity_sim.city.combine`: the city's series from its villages';
* :mod:`~vicinity_sim.city.panel`: the village-level monthly panel (``villages.parquet``).
"""

from vicinity_sim.city.exchange import Exchange, NoExchange, city_exchange
from vicinity_sim.city.market import HousingMarket
from vicinity_sim.city.run import CityRun, simulate_city

__all__ = ["CityRun", "Exchange", "HousingMarket", "NoExchange", "city_exchange", "simulate_city"]
