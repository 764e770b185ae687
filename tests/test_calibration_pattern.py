"""The baseline pattern: urban villages carry ~60% of the city's fires and police cases.

The deputy mayor's figure (2025) is a share of the city's totals with about a third of its
people; the model compares the baseline village with formal estates of the same population
(scenarios/formal_neighbourhood.toml, docs/calibration.md).
"""

from __future__ import annotations

import numpy as np
from helpers import scenario

from vicinity_sim.runs import simulate

#: With a third of the people, a per-resident rate ratio r gives the villages a share
#: r / (r + 2) of the city's events; 0.5–0.7 is accepted around the reported ~60%.
SHARE_LOW, SHARE_HIGH = 0.5, 0.7


def _rates(name: str, seeds=range(4)) -> tuple[float, float]:
    fires, police = [], []
    for s in seeds:
        summ = simulate(scenario(name, "run.days=730"), seed=s).summary
        fires.append(summ["fires_per_year"])
        police.append(summ["police_incidents_per_year"])
    return float(np.mean(fires)), float(np.mean(police))


def test_baseline_pattern_villages_carry_about_sixty_percent_of_fires_and_cases():
    village_fires, village_police = _rates("baseline")
    formal_fires, formal_police = _rates("formal_neighbourhood")
    for village, formal in [(village_fires, formal_fires), (village_police, formal_police)]:
        ratio = village / formal
        share = ratio / (ratio + 2.0)
        assert SHARE_LOW <= share <= SHARE_HIGH, (village, formal, share)
