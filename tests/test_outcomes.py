"""Outcomes derived from the processes' columns: the collective's income over twelve months."""

import json

import numpy as np
import pytest
from helpers import scenario

from vicinity_sim.calendar import Calendar
from vicinity_sim.outcomes import collective_income_series, summarize
from vicinity_sim.processes import registered
from vicinity_sim.runs import simulate


def _month_ends(dates: np.ndarray) -> np.ndarray:
    """Days that are the last of their month."""
    following = (dates + np.timedelta64(1, "D")).astype("datetime64[M]")
    return np.nonzero(following != dates.astype("datetime64[M]"))[0]


@pytest.mark.parametrize("start", ["2023-04-01", "2023-04-17", "2024-01-01"])
def test_twelve_monthly_records_at_every_month_end_of_three_years(start):
    """A constant monthly revenue gives the same yearly income on every day, leap years and
    runs starting mid-month included: the window counts monthly records, not days."""
    cal = Calendar(np.datetime64(start).astype(object), 3 * 365 + 1)
    records = cal.day_of_month == 1
    records[0] = True
    monthly = np.where(records, 1_000.0, 0.0)
    series = collective_income_series(monthly, cal.dates)
    assert np.all(series == 12_000.0)
    ends = _month_ends(cal.dates)
    assert len(ends) >= 35
    assert np.all(series[ends] == 12_000.0)


def test_last_twelve_records_not_the_last_365_days():
    """With revenue rising by one each month, each day's value is the sum of the last twelve
    monthly amounts recorded up to it."""
    cal = Calendar(np.datetime64("2023-04-01").astype(object), 3 * 365)
    records = np.nonzero(cal.day_of_month == 1)[0]
    monthly = np.zeros(cal.days)
    monthly[records] = np.arange(1, len(records) + 1, dtype=float)
    series = collective_income_series(monthly, cal.dates)
    for day in _month_ends(cal.dates):
        made = monthly[: day + 1][monthly[: day + 1] > 0]
        want = made[-12:].sum() if len(made) >= 12 else made.sum() * 12 / len(made)
        assert series[day] == want, (day, str(cal.dates[day]))


def test_a_run_of_366_days_reports_the_constant_collective_income():
    """The run that showed the fault: 366 days end on 2024-03-31, where a 365-day window held
    eleven records. Only the collective runs, so its revenue is constant."""
    others = [p.name for p in registered() if p.name != "collective"]
    sc = scenario("tiny", "run.days=1095", f"run.disabled_processes={json.dumps(others)}")
    result = simulate(sc, seed=0)
    columns = result.columns
    monthly = columns["income_collective_month"]
    yearly = monthly[monthly > 0][0] * 12
    assert np.all(columns["income_collective"][_month_ends(columns["date"])] == yearly)
    short = summarize({k: v[:366] for k, v in columns.items()}, result.events)
    assert short["income_collective"] == yearly
    assert result.summary["income_collective"] == yearly
