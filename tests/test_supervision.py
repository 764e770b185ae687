"""Supervision cadence: events lift gridworkers' effort, which decays between them."""

import numpy as np
import pytest
from helpers import scenario_from_dict, village

from vicinity_sim.model import VicinityModel

BASE, PEAK, HALF_LIFE = 0.6, 0.9, 30.0


def _effort(interval: int | None, days: int = 200) -> np.ndarray:
    """Mean grid effort per day, supervised every ``interval`` days from day 0 (or never)."""
    data = village(days=days, n_buildings=100, n_residents=1200)
    data["villages"][0]["institutions"] = {"gridworker_effort": BASE}
    data["governance"] = {"effort_half_life_days": HALF_LIFE}
    if interval:
        data["interventions"] = [{"kind": "supervision", "interval_days": interval, "effort": PEAK}]
    model = VicinityModel(scenario_from_dict(data), rng=0)
    model.run()
    return model.datacollector.column("gridworker_effort_mean")


def test_events_lift_effort_and_it_decays_between_them():
    effort = _effort(30)
    retention = 0.5 ** (1 / HALF_LIFE)
    for day in (0, 30, 60, 90):
        assert effort[day] == pytest.approx(PEAK)
    for k in (1, 15, 29):
        assert effort[30 + k] == pytest.approx(BASE + (PEAK - BASE) * retention**k)
    assert np.all(_effort(None) == BASE)  # never supervised: the base effort


def test_more_frequent_supervision_keeps_effort_higher():
    means = [float(np.mean(_effort(k)[91:])) for k in (7, 30, 91)]
    assert means[0] > means[1] > means[2] > BASE, means
