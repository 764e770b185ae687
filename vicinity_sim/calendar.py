"""Simulation calendar: day index → date, month, and which processes are due."""

from __future__ import annotations

import calendar as _cal
import datetime as dt

import numpy as np


class Calendar:
    """Dates of the days of a run.

    Args:
        start: Date of day 0.
        days: Number of days.
    """

    def __init__(self, start: dt.date, days: int) -> None:
        self.start = start
        self.days = days
        first = np.datetime64(start, "D")
        self.dates = np.arange(first, first + np.timedelta64(days, "D"))
        ymd = [start + dt.timedelta(days=int(d)) for d in range(days)]
        self.month = np.array([d.month for d in ymd], dtype=np.int32)
        self.day_of_month = np.array([d.day for d in ymd], dtype=np.int32)
        self.days_in_month = np.array(
            [_cal.monthrange(d.year, d.month)[1] for d in ymd], dtype=np.int32
        )

    def is_due(self, cadence: str, day: int) -> bool:
        """Whether a process of this cadence runs on ``day``."""
        if cadence == "day":
            return True
        if cadence == "week":
            return day % 7 == 0
        return day == 0 or self.day_of_month[day] == 1

    @property
    def years(self) -> float:
        return self.days / 365.0
