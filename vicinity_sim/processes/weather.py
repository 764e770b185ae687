"""Weather: heavy-rain days from a seasonal (typhoon) calendar, and daily wind.

Weather is exogenous: no intervention changes it, and its own stream keeps it identical across
policy arms. Each village draws its own weather (villages of a city are kilometres apart, but a
typhoon day is usually shared; the shared-weather draw below makes that explicit).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated

import numpy as np
from numba import njit
from pydantic import Field

from vicinity_sim.numerics import lognormal_ppf
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform


@stream_slots("weather")
class WeatherSlot(IntEnum):
    """Slots of the weather stream's draws."""

    CITY_RAIN = 0
    LOCAL_RAIN = 1
    WIND = 2


_MonthValue = Annotated[float, Field(ge=0.0, le=31.0)]


class WeatherParams(ParamModel):
    """Heavy rain and wind."""

    heavy_rain_days_per_month: Annotated[
        list[_MonthValue], Field(min_length=12, max_length=12)
    ] = param(
        [0.1, 0.2, 0.4, 0.6, 1.2, 1.5, 1.0, 1.5, 1.2, 0.3, 0.1, 0.1],
        unit="days/month",
        doc="Expected heavy-rain days (≥50 mm) in each calendar month, January first "
        "(plum rains in May–June, typhoons July–September).",
        source="assumption: Xiamen's subtropical monsoon climate, ~8 heavy-rain days a year",
    )  # fmt: skip
    shared_rain_share: float = param(
        0.8, unit="1", ge=0.0, le=1.0,
        doc="Share of heavy-rain days that hit all villages of a scenario at once.",
        source="assumption: typhoon rain covers a whole city",
    )  # fmt: skip
    wind_median_ms: float = param(
        3.0, unit="m/s", ge=0.0, le=60.0,
        doc="Median daily wind speed.", source="assumption",
    )  # fmt: skip
    wind_sigma: float = param(
        0.4, unit="1", ge=0.0, le=3.0,
        doc="Log-normal sigma of daily wind speed.", source="assumption",
    )  # fmt: skip
    rain_wind_factor: float = param(
        2.5, unit="1", ge=1.0, le=20.0,
        doc="Wind multiplier on heavy-rain days (typhoons).", source="assumption",
    )  # fmt: skip


@njit(cache=True)
def weather_day(key, rate, shared, wind_median, wind_sigma, rain_wind_factor, heavy_rain,
                wind_ms):  # fmt: skip
    """Today's heavy rain and wind in every village (one compiled call: it runs every day).

    Args:
        rate: Probability of a heavy-rain day today (the month's rate per day).
        shared: Share of heavy-rain days shared by all villages.

    Returns:
        The number of villages with heavy rain.
    """
    city_rain = uniform(key, WeatherSlot.CITY_RAIN, 0) < rate * shared
    rainy = 0
    for v in range(len(heavy_rain)):
        local = uniform(key, WeatherSlot.LOCAL_RAIN, v) < rate * (1.0 - shared)
        heavy_rain[v] = city_rain or local
        wind = lognormal_ppf(uniform(key, WeatherSlot.WIND, v), wind_median, wind_sigma)
        wind_ms[v] = wind * (rain_wind_factor if heavy_rain[v] else 1.0)
        rainy += heavy_rain[v]
    return rainy


@register
class Weather(Process):
    """Sets ``villages.heavy_rain`` and ``villages.wind_ms`` for today."""

    name = "weather"
    reads = ()
    writes = ("villages.heavy_rain", "villages.wind_ms")
    after = ()
    Params = WeatherParams
    metrics = {"heavy_rain_villages": "Villages with a heavy-rain day today."}

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        p = self.params
        cal = self.model.calendar
        rate = p.heavy_rain_days_per_month[cal.month[day] - 1] / cal.days_in_month[day]
        vil = self.world.villages
        rainy = weather_day(
            key, float(rate), p.shared_rain_share, p.wind_median_ms, p.wind_sigma,
            p.rain_wind_factor, vil.heavy_rain, vil.wind_ms,
        )  # fmt: skip
        return {"heavy_rain_villages": float(rainy)}
