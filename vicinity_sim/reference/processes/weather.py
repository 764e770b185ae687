"""Weather in the reference model: heavy-rain days and daily wind in each village.

Mirrors :mod:`vicinity_sim.processes.weather`. Weather is exogenous and touches no person:
each day a city-wide heavy-rain draw (typhoon rain hits all villages at once) and a local one
per village set ``villages.heavy_rain``, from the month's expected heavy-rain days; the wind
speed is log-normal around its median and stronger on heavy-rain days. The process is so
small that the reference reads almost like the fast one: both loop over villages.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.numerics import lognormal_ppf
from vicinity_sim.processes.weather import WeatherSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import uniform


@reference_process
class Weather(ReferenceProcess):
    """Sets today's ``villages.heavy_rain`` and ``villages.wind_ms``."""

    name = "weather"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        """Draw today's rain and wind in every village.

        Args:
            day: Day of the run.
            key: Stream key of the weather process for the day.

        Returns:
            ``heavy_rain_villages``: villages with a heavy-rain day today.
        """
        p = self.params
        calendar = self.model.calendar
        rate = p.heavy_rain_days_per_month[calendar.month[day] - 1] / calendar.days_in_month[day]
        # One city-wide draw (shared rain) plus one local draw per village.
        city_rain = uniform(key, WeatherSlot.CITY_RAIN, 0) < rate * p.shared_rain_share
        villages = self.world.villages
        for v in range(self.world.n_villages):
            local_rain = uniform(key, WeatherSlot.LOCAL_RAIN, v) < rate * (
                1.0 - p.shared_rain_share
            )
            villages.heavy_rain[v] = city_rain or local_rain
            wind = lognormal_ppf.py_func(
                uniform(key, WeatherSlot.WIND, v), p.wind_median_ms, p.wind_sigma
            )
            if villages.heavy_rain[v]:
                wind *= p.rain_wind_factor  # typhoon rain comes with strong wind
            villages.wind_ms[v] = wind
        return {"heavy_rain_villages": float(villages.heavy_rain.sum())}
