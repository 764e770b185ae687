"""Weather: heavy-rain days from a seasonal (typhoon) calendar, and daily wind.

Weather is exogenous: no intervention changes it, and its own stream keeps it identical across
policy arms. Each village draws its own weather (villages of a city are kilometres apart, but a
typhoon day is usually shared; the shared-weather draw below makes that explicit).

The weather's stream is the city's (``city_wide``): in a city run, where every village is its
own unit (:mod:`vicinity_sim.city`), each unit draws the same city-wide rain and its village's
own draws, addressed by the village's position in the city (``world.village_ids``), so the
villages share exactly the rain days they would share in one model of the whole city.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Annotated

import numpy as np
from numba import njit
from pydantic import Field

from vicinity_sim.dispatch import KernelCall
from vicinity_sim.numerics import lognormal_ppf
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform


@stream_slots("weather")
class WeatherSlot(IntEnum):
    """Slots of the weather stream's draws."""

    CITY_RAIN = 0
    LOCAL_RAIN = 1
    WIND = 2


if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

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


WeatherConsts = consts_class(WeatherParams)


@njit(cache=True, inline="always")
def heavy_rain_rate(c, month, days_in_month):
    """Probability of a heavy-rain day: the month's expected heavy-rain days per day."""
    return c.heavy_rain_days_per_month[month - 1] / days_in_month


@njit(cache=True, inline="always")
def shared_rain(u, rate, c):
    """Whether today's rain hits every village at once (typhoon rain), given its uniform."""
    return u < rate * c.shared_rain_share


@njit(cache=True, inline="always")
def local_rain(u, rate, c):
    """Whether a village has heavy rain of its own today, given its uniform."""
    return u < rate * (1.0 - c.shared_rain_share)


@njit(cache=True, inline="always")
def wind_speed(u, heavy_rain, c):
    """Today's wind (m/s): log-normal around the median, stronger on heavy-rain days."""
    wind = lognormal_ppf(u, c.wind_median_ms, c.wind_sigma)
    return wind * c.rain_wind_factor if heavy_rain else wind


@njit(cache=True)
def weather_day(key, c, month, days_in_month, v, village_ids):
    """Today's heavy rain and wind in every village (one compiled call: it runs every day).

    Args:
        key: The day's stream key.
        c: :data:`WeatherConsts`.
        month, days_in_month: Calendar month of the day (1–12) and its length.
        v: The villages (:data:`~vicinity_sim.world.tables.VillagesArrays`); ``heavy_rain``
            and ``wind_ms`` are set.
        village_ids: Each village's position in the city, which addresses its draws.

    Returns:
        The number of villages with heavy rain.
    """
    v_heavy_rain = v.heavy_rain
    v_wind_ms = v.wind_ms
    rate = heavy_rain_rate(c, month, days_in_month)
    city_rain = shared_rain(uniform(key, WeatherSlot.CITY_RAIN, 0), rate, c)
    rainy = 0
    for k in range(len(v_heavy_rain)):
        at = village_ids[k]
        rain = local_rain(uniform(key, WeatherSlot.LOCAL_RAIN, at), rate, c)
        v_heavy_rain[k] = city_rain or rain
        v_wind_ms[k] = wind_speed(uniform(key, WeatherSlot.WIND, at), v_heavy_rain[k], c)
        rainy += v_heavy_rain[k]
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
    city_wide = True

    def __init__(self, model: VicinityModel, params: WeatherParams) -> None:
        super().__init__(model, params)
        self.consts = params.consts()
        self._weather_day = KernelCall(weather_day)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        cal = self.model.calendar
        rainy = self._weather_day(key, self.consts, int(cal.month[day]),
                                  int(cal.days_in_month[day]), self.arrays("villages"),
                                  self.world.village_ids)  # fmt: skip
        return {"heavy_rain_villages": float(rainy)}
