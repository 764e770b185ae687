"""Weather: heavy-rain days from a seasonal (typhoon) calendar, and daily wind.

Weather is exogenous: no intervention changes it, and its own stream keeps it identical across
policy arms. Each village draws its own weather (villages of a city are kilometres apart, but a
typhoon day is usually shared; the shared-weather draw below makes that explicit).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from vicinity_sim.numerics import lognormal_ppf
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.streams import uniform

SLOT_CITY_RAIN = 0
SLOT_LOCAL_RAIN = 1
SLOT_WIND = 2

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


@register
class Weather(Process):
    """Sets ``villages.heavy_rain`` and ``villages.wind_ms`` for today."""

    name = "weather"
    order = SCHEDULE["weather"]
    Params = WeatherParams
    metrics = {"heavy_rain_villages": "Villages with a heavy-rain day today."}

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        p = self.params
        month = self.model.calendar.month[day]
        days_in_month = self.model.calendar.days_in_month[day]
        rate = p.heavy_rain_days_per_month[month - 1] / days_in_month
        w = self.world
        city_rain = uniform(key, SLOT_CITY_RAIN, 0) < rate * p.shared_rain_share
        vil = w.villages
        for v in range(w.n_villages):
            local = uniform(key, SLOT_LOCAL_RAIN, v) < rate * (1.0 - p.shared_rain_share)
            vil.heavy_rain[v] = city_rain or local
            wind = lognormal_ppf(uniform(key, SLOT_WIND, v), p.wind_median_ms, p.wind_sigma)
            vil.wind_ms[v] = wind * (p.rain_wind_factor if vil.heavy_rain[v] else 1.0)
        return {"heavy_rain_villages": float(vil.heavy_rain.sum())}
