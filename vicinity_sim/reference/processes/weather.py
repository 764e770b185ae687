"""Weather in the reference model: heavy-rain days and daily wind in each village.

Mirrors :mod:`vicinity_sim.processes.weather`. Weather is exogenous and touches no person:
each day a city-wide heavy-rain draw (typhoon rain hits all villages at once) and a local one
per village set ``villages.heavy_rain``, from the month's expected heavy-rain days; the wind
speed is log-normal around its median and stronger on heavy-rain days. The process is so
small that the reference reads almost like the fast one: both loop over villages.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.processes import weather
from vicinity_sim.processes.weather import WeatherSlot
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.streams import slot_numbers, uniform

WEATHER_SLOTS = slot_numbers(WeatherSlot)

# The fast process's formulas, run as Python.
heavy_rain_rate = weather.heavy_rain_rate.py_func
shared_rain = weather.shared_rain.py_func
local_rain = weather.local_rain.py_func
wind_speed = weather.wind_speed.py_func


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
        c = self.params.consts()
        calendar = self.model.calendar
        rate = heavy_rain_rate(c, int(calendar.month[day]), int(calendar.days_in_month[day]))
        # One city-wide draw (shared rain) plus one local draw per village.
        city_rain = shared_rain(uniform(key, WEATHER_SLOTS.CITY_RAIN, 0), rate, c)
        villages = self.world.villages
        for v in range(self.world.n_villages):
            at = int(self.world.village_ids[v])  # the village's position in the city
            rain = city_rain or local_rain(uniform(key, WEATHER_SLOTS.LOCAL_RAIN, at), rate, c)
            villages.heavy_rain[v] = rain
            villages.wind_ms[v] = wind_speed(uniform(key, WEATHER_SLOTS.WIND, at), rain, c)
        return {"heavy_rain_villages": float(villages.heavy_rain.sum())}
