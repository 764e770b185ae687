"""The city's daily series from its villages' series: how each metric adds up.

A city run simulates every village as its own unit, so each unit records the daily metrics of
one village. The city's series — ``timeseries.parquet`` and ``summary.json`` of the run — are
made from them here, day by day, always over the villages in scenario order, so the result
does not depend on which process or machine simulated which village.

Every metric has a rule (:data:`RULES`):

* ``sum``: counts, money, stocks (fires, CNY, gridworkers, vacancies, jobs filled ...);
* a *weight*: means and shares, averaged over the villages weighted by what they are a mean
  of — residents, adults of a group, working-age residents, households, tenant households,
  buildings, blocks, grids, units on the rental market, rent at the start — or by another metric of
  the same day (a mean response over ``fires``, a mean wait over ``needs_answered``). A
  village whose value is undefined (NaN) or whose weight is 0 is left out; a day on which no
  village has one is NaN, as the single model reports it.

Weights that are states of a village are measured at each month boundary (the only time a
village's population may change). A metric without a rule cannot be combined: a test
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
    "safety_inspections": SUM,
    "rectification_orders": SUM,
    "safety_fines_cny": SUM,
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
    "gridworker_utilisation": "metric:gridworker_hours",
    "gridworker_effort_mean": "grids",
    "inspections": SUM,
    "newcomers_registered": SUM,
    "chargers_persuaded": SUM,
    "three_in_one_referred": SUM,
    "needs_to_party": SUM,
    "needs_party_no_time": SUM,
    "needs_claimed_by_party": SUM,
    "gridworkers_on_duty": SUM,
    "gridworker_quits": SUM,
    "gridworker_hours": SUM,
    "gridworker_utilisation_mean": "metric:gridworkers_on_duty",
    "gridworker_knowledge_mean": "metric:gridworkers_on_duty",
    "grid_effort_mean": "grids",
    "flood_alarm_buildings": SUM,
    "flood_buildings_warned": SUM,
    # disputes
    "disputes": SUM,
    "disputes_grassroots": SUM,
    "police_incidents": SUM,
    "disputes_party_mediated": SUM,
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
    # landlords
    "landlord_posted_rent_mean": "market_units",
    "vacancy_rate": "market_units",
    "units_vacant": SUM,
    "units_idle": SUM,
    "shops": SUM,
    "buildings_leased": SUM,
    "renovations": SUM,
    "renovation_subsidy_cny": SUM,
    "operator_takeovers": SUM,
    "operator_returns": SUM,
    "operator_bonus_cny": SUM,
    "tenants_evicted_by_operators": SUM,
    "nonrenewals": SUM,
    "lease_renewals": SUM,
    "shops_closed": SUM,
    "shops_opened": SUM,
    "shops_opened_three_in_one": SUM,
    # labour, prices, enterprise (the wage and price indices are city-wide: every village
    # has the same, so any weight gives it back)
    "business_jobs": SUM,
    "wage_index": "residents",
    "price_index": "residents",
    "businesses": SUM,
    "businesses_opened": SUM,
    "businesses_closed": SUM,
    "business_sales_cny": SUM,
    "project_sales_cny": SUM,
    "visitors_per_day": SUM,
    "leased_assets_m2": SUM,
    "collective_from_projects_cny": SUM,
    "enterprise_layoffs": SUM,
    # housing: means over tenant households or adults of a group
    "lease_rent_mean": "tenant_households",
    "lease_rent_mean_real": "tenant_households",
    "income_local_wages": "adults_local",
    "income_local_business": "adults_local",
    "income_local_dividends": "adults_local",
    "income_local_rents": "adults_local",
    "income_migrant_wages": "adults_migrant",
    "income_migrant_business": "adults_migrant",
    "income_migrant_dividends": "adults_migrant",
    "income_migrant_rents": "adults_migrant",
    "income_individual_mean_real": "adults",
    "income_local_mean_real": "adults_local",
    "income_migrant_mean_real": "adults_migrant",
    # migration
    "departures_nonrenewal": SUM,
    "departures_takeover": SUM,
    "moves_between_buildings": SUM,
    # party members and the rules norm
    "party_members_serving": SUM,
    "party_member_weeks": SUM,
    "party_hours_given": SUM,
    "party_hours_set_aside": SUM,
    "party_overloaded_share": "metric:party_members_serving",
    "party_visits": SUM,
    "party_visits_due": SUM,
    "party_walks": SUM,
    "party_chargers_persuaded": SUM,
    "party_three_in_one_reported": SUM,
    "party_events": SUM,
    "party_withdrawals": SUM,
    "party_members_moved": SUM,
    "paired_households_assigned": SUM,
    "rules_keepers_share": "residents",
}


def _count(mask: np.ndarray) -> float:
    return float(np.count_nonzero(mask))


def _tenant_households(model: Any) -> float:
    from vicinity_sim.world.codes import UNIT_OWNER

    w = model.world
    # Owner-occupiers live in a unit of their own; every other household is a tenant.
    return _count(w.units.state[w.households.unit] != UNIT_OWNER)


def _rent_start(model: Any) -> float:
    try:
        housing = model.process("housing")
    except KeyError:
        return 0.0
    return float(housing.rent_start) * float(model.world.buildings.rooms.sum())


def _market_units(model: Any) -> float:
    from vicinity_sim.processes.landlords import unit_counts

    w = model.world
    return float(unit_counts(w.units, len(w.buildings))[0].sum())


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
    "market_units": _market_units,
}


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
