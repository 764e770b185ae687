"""The city's daily series from its villages' series: how each metric adds up.

A city run simulates every village as its own unit, so each unit records the daily metrics of
one village. The city's series — ``timeseries.parquet`` and ``summary.json`` of the run — are
made from them here, day by day, always over the villages in scenario order, so the result
does not depend on which process or machine simulated which village.

Every metric has a rule (:data:`RULES`):

* ``sum``: counts, money, stocks (fires, CNY, gridworkers, vacancies, jobs filled ...);
* a *weight*: means and shares, averaged over the villages weighted by what they are a mean
  of — residents, adults of a group, working-age residents, households, tenant households,
  buildings, blocks, grids, the grids' capacity, rent at the start — or by another metric of
  the same day (a mean response over ``fires``, a mean wait over ``needs_answered``). A
  village whose value is undefined (NaN) or whose weight is 0 is left out; a day on which no
  village has one is NaN, as the single model reports it.

Weights that are states of a village are measured at each month boundary (the only time a
village's population may change); the grids' capacity, which supervision and staffing move
from day to day, is measured every day. A metric without a rule cannot be combined: a test
checks that every registered metric has one (add a rule with a new metric).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from vicinity_sim.world.codes import CHILD, LOCAL, MIGRANT, TAIWAN, WORKING

SUM = "sum"

#: Metric → how the city adds it up: ``sum``, a weight of :data:`WEIGHTS`, or
#: ``metric:<name>`` (weighted by another metric of the same day).
RULES: dict[str, str] = {
    # weather, interventions
    "heavy_rain_villages": SUM,
    "cost_capital_cny": SUM,
    "cost_running_cny": SUM,
    "units_installed": SUM,
    # charging, compliance
    "charging_moves": SUM,
    "safety_compliant_share": "buildings",
    "buildings_brought_to_standard": SUM,
    "landlord_safety_cost_cny": SUM,
    # contacts
    "encounters": SUM,
    "positive_encounter_share": "metric:encounters",
    "events": SUM,
    "event_attendees": SUM,
    "cross_group_event_encounters": SUM,
    "volunteer_encounters": SUM,
    "acquaintance_ties_mean": "residents",
    # governance
    "needs_raised": SUM,
    "needs_by_party": SUM,
    "needs_answered": SUM,
    "needs_resolved": SUM,
    "needs_lapsed": SUM,
    "mean_wait_days": "metric:needs_answered",
    "request_backlog": SUM,
    "gridworkers": SUM,
    "gridworker_utilisation": "capacity",
    "gridworker_effort_mean": "grids",
    "inspections": SUM,
    "newcomers_registered": SUM,
    "chargers_persuaded": SUM,
    "three_in_one_referred": SUM,
    "pairing_visits": SUM,
    # disputes
    "disputes": SUM,
    "disputes_grassroots": SUM,
    "police_incidents": SUM,
    # participation
    "participation_rate": "adults",
    "participation_rate_local": "adults_local",
    "participation_rate_migrant": "adults_migrant",
    "participation_rate_taiwan": "adults_taiwan",
    "hazard_reports_persuaded": SUM,
    "points_awarded_cny": SUM,
    "environment_mean": "grids",
    # fire, flood, structure
    "fires": SUM,
    "fire_deaths": SUM,
    "fire_injuries": SUM,
    "fire_deaths_expected": SUM,
    "buildings_damaged": SUM,
    "damage_building_equivalents": SUM,
    "mean_response_min": "metric:fires",
    "mean_alert_min": "metric:fires",
    "ignition_rate_per_year": SUM,
    "flooded_points": SUM,
    "flood_exposed_resident_days": SUM,
    "collapses": SUM,
    "collapse_deaths": SUM,
    # labour, collective
    "employment_rate": "working_age",
    "employment_rate_local": "working_age_local",
    "employment_rate_migrant": "working_age_migrant",
    "jobs_created": SUM,
    "project_hires": SUM,
    "job_matches": SUM,
    "vacancies": SUM,
    "income_collective_month": SUM,
    "dividends_cny": SUM,
    "collective_fund_cny": SUM,
    "project_revenue_month": SUM,
    # housing, migration
    "rent_index": "rent_start",
    "rent_burden_mean": "tenant_households",
    "income_individual_mean": "adults",
    "income_local_mean": "adults_local",
    "income_migrant_mean": "adults_migrant",
    "landlord_income_cny": SUM,
    "quality_mean": "buildings",
    "households_moved": SUM,
    "displaced_households_month": SUM,
    "departures_turnover": SUM,
    "departures_job": SUM,
    "departures_fire": SUM,
    "departures_distrust": SUM,
    "residents_left": SUM,
    "residents_arrived": SUM,
    # observation
    "residents": SUM,
    "sensor_share": "buildings",
    "sprinkler_share": "buildings",
    "escape_window_share": "buildings",
    "three_in_one_premises": SUM,
    "dangerous_buildings": SUM,
    "flood_points_untreated": SUM,
    "fire_lane_block_share": "blocks",
    "micro_stations": SUM,
    "charging_sites": SUM,
    "indoor_charging": SUM,
    "trust_interpersonal": "residents",
    "trust_institutional": "residents",
    "trust_gap_local_migrant": "locals_and_migrants",
    "trust_interpersonal_local": "residents_local",
    "trust_interpersonal_migrant": "residents_migrant",
    "trust_outgroup_local": "residents_local",
    "trust_outgroup_migrant": "residents_migrant",
    "trust_institutional_local": "residents_local",
    "trust_institutional_migrant": "residents_migrant",
    "registered_share": "residents",
    "paired_household_share": "households",
}


def _count(mask: np.ndarray) -> float:
    return float(np.count_nonzero(mask))


def _tenant_households(model: Any) -> float:
    try:
        return _count(~model.process("housing").owner_occupier)
    except KeyError:  # housing switched off: its metrics are absent too
        return float(len(model.world.households))


def _rent_start(model: Any) -> float:
    try:
        housing = model.process("housing")
    except KeyError:
        return 0.0
    return float(housing.rent_start) * float(model.world.buildings.rooms.sum())


def _capacity(model: Any) -> float:
    try:
        return float(model.process("governance").capacity().sum())
    except KeyError:
        return 0.0


def _residents(model: Any, age: Any = None, group: int | None = None) -> float:
    r = model.world.residents
    mask = np.ones(len(r), dtype=bool)
    if age == "adult":
        mask &= r.age != CHILD
    elif age is not None:
        mask &= r.age == age
    if group is not None:
        mask &= r.group == group
    return _count(mask)


#: Weight → how to measure it on a village's model (a state of the village).
WEIGHTS: dict[str, Callable[[Any], float]] = {
    "residents": lambda m: float(len(m.world.residents)),
    "residents_local": lambda m: _residents(m, group=LOCAL),
    "residents_migrant": lambda m: _residents(m, group=MIGRANT),
    "locals_and_migrants": lambda m: _count(m.world.residents.group != TAIWAN),
    "adults": lambda m: _residents(m, "adult"),
    "adults_local": lambda m: _residents(m, "adult", LOCAL),
    "adults_migrant": lambda m: _residents(m, "adult", MIGRANT),
    "adults_taiwan": lambda m: _residents(m, "adult", TAIWAN),
    "working_age": lambda m: _residents(m, WORKING),
    "working_age_local": lambda m: _residents(m, WORKING, LOCAL),
    "working_age_migrant": lambda m: _residents(m, WORKING, MIGRANT),
    "households": lambda m: float(len(m.world.households)),
    "tenant_households": _tenant_households,
    "buildings": lambda m: float(len(m.world.buildings)),
    "blocks": lambda m: float(len(m.world.blocks)),
    "grids": lambda m: float(len(m.world.grids)),
    "rent_start": _rent_start,
    "capacity": _capacity,
}
#: Weights measured every day (the others at each month boundary).
DAILY_WEIGHTS = frozenset({"capacity"})


def rule(metric: str) -> str:
    """The rule of a metric (raises a ``KeyError`` naming the metric if it has none)."""
    try:
        return RULES[metric]
    except KeyError:
        raise KeyError(f"metric {metric!r} has no rule in vicinity_sim.city.combine.RULES: say "
                       "how the city adds it up over its villages") from None  # fmt: skip


def weights_needed(metrics: list[str]) -> list[str]:
    """The village weights (of :data:`WEIGHTS`) the metrics' rules use, in a fixed order."""
    wanted = {rule(m) for m in metrics}
    return [w for w in WEIGHTS if w in wanted]


def combine(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """One city series from its villages' series.

    Args:
        values: Shape ``(villages, days)``, villages in scenario order.
        weights: Same shape (a weighted mean), or ``None`` (a sum).

    Returns:
        The city's value on each day.
    """
    if weights is None:
        return values.sum(axis=0)
    ok = ~np.isnan(values) & (weights > 0)
    num = np.where(ok, values * weights, 0.0).sum(axis=0)
    den = np.where(ok, weights, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def combine_days(
    metrics: list[str], values: list[dict[str, np.ndarray]], weights: list[dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """The city's series over some days from every village's series over the same days.

    Args:
        metrics: The metrics to combine.
        values: Per village, in scenario order: metric → its values on the days.
        weights: Per village, same order: weight → its values on the days.

    Returns:
        Metric → the city's values on the days.
    """
    out = {}
    for name in metrics:
        how = rule(name)
        stack = np.stack([v[name] for v in values])
        if how == SUM:
            out[name] = combine(stack, None)
        elif how.startswith("metric:"):
            w = np.stack([v[how.removeprefix("metric:")] for v in values])
            out[name] = combine(stack, w)
        else:
            out[name] = combine(stack, np.stack([w[how] for w in weights]))
    return out
