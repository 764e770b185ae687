"""Outcome definitions: the flat ``summary.json`` of a run.

Names in :data:`CONTRACT` form the outcome contract (docs/ODD.md, Observation) and never
change meaning; others may be added. Rates are per year of simulated time; totals are over
the whole run; states (trust, ties, participation, incomes, rents) are their values at the
end of the run. ``income_collective`` is the collective's revenue over the last twelve
monthly records; with fewer than twelve it is annualised (the months of the run × 12 / their
number) and says nothing of the months not simulated. The same names appear as daily series
in the time series (see :func:`derived_series`): the summary of the run up to each day.
With a mechanism switched off, its outcomes are NaN (``null`` in JSON), except the fire
outcomes, which come from an empty event table (counts 0, means NaN).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Outcome name → description (hazard and cost names of the outcome contract first).
CONTRACT: dict[str, str] = {
    "fires_per_year": "Fires started per year (origin buildings).",
    "fire_deaths": "Deaths in fires over the run.",
    "fire_injuries": "Injuries in fires over the run.",
    "buildings_damaged": "Buildings burned over the run (origins and spread).",
    "mean_response_min": "Mean minutes from the call to the first crew's arrival, over fires.",
    "flood_exposed_resident_days": "Resident-days of exposure to waterlogging floods.",
    "police_incidents_per_year": "Disputes escalating into police incidents, per year.",
    "disputes_resolved_grassroots_share": "Share of disputes settled at the grassroots.",
    "trust_interpersonal": "Mean generalised interpersonal trust on the last day.",
    "trust_institutional": "Mean institutional trust on the last day.",
    "trust_gap_local_migrant": "Local–migrant divide on the last day: trust locals and "
    "migrants place in their own group minus in the other.",
    "acquaintance_ties_mean": "Acquaintances per resident at the last weekly count.",
    "participation_rate": "Share of adults contributing, in the last week.",
    "income_individual_mean": "Mean monthly income of adults in the last month (CNY).",
    "income_local_mean": "Mean monthly income of adult local villagers in the last month (CNY).",
    "income_migrant_mean": "Mean monthly income of adult migrant tenants in the last month (CNY).",
    "income_collective": "Collective revenue over the last twelve months (CNY); on runs "
    "shorter than a year, the months run annualised.",
    "jobs_created": "Jobs at the collectives' industrial projects filled at the end of the run "
    "(doorstep businesses apart: business_jobs).",
    "employment_rate": "Share of working-age residents in work at the end of the run.",
    "rent_burden_mean": "Mean rent burden of tenant households at the end of the run.",
    "displaced_households": "Tenant households that left because of the rent, over the run.",
    "cost_total_cny": "Capital and running cost of all interventions (and points paid out) "
    "over the run.",
}

#: Further outcomes reported by the current mechanisms.
EXTRA: dict[str, str] = {
    "fire_deaths_expected": "Expected fire deaths (sum of per-occupant probabilities); the "
    "low-variance counterpart of fire_deaths.",
    "deaths_per_100_fires": "fire_deaths per 100 fires.",
    "deaths_expected_per_100_fires": "fire_deaths_expected per 100 fires.",
    "buildings_per_fire": "Buildings burned per fire.",
    "spread_fire_share": "Share of fires that spread beyond the building of origin.",
    "mean_alert_min": "Mean minutes from ignition to alert, over fires.",
    "damage_building_equivalents": "Fire damage over the run, in whole buildings.",
    "ebike_fires_per_year": "Fires per year started by e-bikes charged indoors.",
    "heavy_rain_days": "Days with heavy rain in at least one village.",
    "disputes_per_year": "Disputes per year.",
    "rent_index": "Mean asked rent at the end relative to the start.",
    "safety_compliant_share": "Share of buildings meeting the rental safety standard (smoke "
    "sensors, escape windows, no 三合一 use) on the last day.",
    "landlord_safety_cost_cny": "Landlords' spending on the rental safety standard over the run.",
    "landlord_renovations": "Buildings whose landlords renovated their units, over the run.",
    "landlord_posted_rent_mean": "Mean posted (asking) rent of the units on the market on the "
    "last day (CNY/month).",
    "vacancy_rate": "Share of the units on the market standing empty on the last day.",
    "nonrenewals": "Leases landlords (or operators) did not renew to let again, over the run.",
    "buildings_leased": "Buildings leased to an operator (统租) on the last day.",
    "households_moved_per_year": "Tenant households leaving (and replaced) per year.",
    "trust_institutional_local": "Institutional trust of local villagers on the last day.",
    "trust_institutional_migrant": "Institutional trust of migrant tenants on the last day.",
    "trust_outgroup_local": "Local villagers' trust in migrant neighbours on the last day.",
    "trust_outgroup_migrant": "Migrant tenants' trust in other-group neighbours, last day.",
    "participation_rate_taiwan": "Share of Taiwan compatriot adults contributing, last week.",
    "needs_resolved_share": "Share of needs raised that were resolved.",
    "mean_wait_days": "Mean wait of requests handled by the grid.",
    "gridworker_utilisation": "Mean share of grid capacity spent on requests.",
    "registered_share": "Share of residents registered with the grid on the last day.",
    "party_hours_per_member_week": "Mean hours a serving party member gave per week (resident "
    "and in-service members, every week they served).",
    "party_needs_answered_share": "Share of all needs raised that a party member answered "
    "(needs of assigned households and requests claimed through the smart platform).",
    "party_channel_saturated_share": "Share of the needs of paired households that found no "
    "member with the time (or none assigned) and went to the grid's queue.",
    "party_members_serving_final": "Party members serving the village on the last day.",
    "gridworker_turnover_per_year": "Gridworkers who quit per year, per filled post.",
    "gridworker_utilisation_mean": "Mean over gridworker-days on duty of the share of their "
    "hours spent on requests and alarms.",
    "rules_keepers_share": "Share of residents keeping the village rules on the last day.",
    "collapses": "Collapses of dangerous buildings over the run.",
    "collapse_deaths": "Deaths in collapses over the run.",
    "cost_capital_cny": "Capital cost of interventions over the run.",
    "cost_running_cny": "Running cost of interventions over the run.",
    "income_local_wages": "Mean monthly wages of adult local villagers in the last month (CNY).",
    "income_local_business": "Mean monthly income of adult local villagers from their doorstep "
    "businesses in the last month (CNY).",
    "income_local_dividends": "Mean monthly collective dividend of adult local villagers in "
    "the last month (CNY).",
    "income_local_rents": "Mean monthly rental income of adult local villagers in the last "
    "month (CNY).",
    "income_migrant_wages": "Mean monthly wages of adult migrant tenants in the last month (CNY).",
    "income_migrant_business": "Mean monthly income of adult migrant tenants from their "
    "doorstep businesses in the last month (CNY).",
    "income_migrant_dividends": "Mean monthly collective dividend of adult migrant tenants in "
    "the last month (CNY; they are not members: 0).",
    "income_migrant_rents": "Mean monthly rental income of adult migrant tenants in the last "
    "month (CNY).",
    "income_individual_mean_real": "income_individual_mean at the start's prices.",
    "income_local_mean_real": "income_local_mean at the start's prices.",
    "income_migrant_mean_real": "income_migrant_mean at the start's prices.",
    "lease_rent_mean_real": "Mean housing cost of tenant households in the last month at the "
    "start's prices (CNY/month).",
    "lease_rent_mean": "Mean housing cost of tenant households in the last month (CNY/month).",
    "businesses": "Doorstep businesses running on the last day.",
    "business_jobs": "Owners and staff of doorstep businesses on the last day.",
    "businesses_closed_per_year": "Doorstep businesses closed per year.",
    "visitors_per_day": "Visitors a day in the last month.",
    "leased_assets_m2": "Idle collective assets leased to projects on the last day (m²).",
    "wage_index": "City-wide nominal wage level on the last day relative to the start.",
    "price_index": "Consumer prices on the last day relative to the start.",
    "residents_final": "Residents on the last day.",
    "days": "Simulated days.",
}


#: Which direction of an outcome is an improvement (for cost-effectiveness).
LOWER_IS_BETTER = frozenset({
    "fires_per_year", "fire_deaths", "fire_injuries", "buildings_damaged", "mean_response_min",
    "flood_exposed_resident_days", "police_incidents_per_year", "trust_gap_local_migrant",
    "rent_burden_mean", "displaced_households", "fire_deaths_expected", "deaths_per_100_fires",
    "deaths_expected_per_100_fires", "buildings_per_fire", "spread_fire_share", "mean_alert_min",
    "damage_building_equivalents", "ebike_fires_per_year", "collapses", "collapse_deaths",
    "disputes_per_year", "mean_wait_days", "party_channel_saturated_share",
    "gridworker_turnover_per_year",
})  # fmt: skip
HIGHER_IS_BETTER = frozenset({
    "trust_interpersonal", "trust_institutional", "acquaintance_ties_mean",
    "participation_rate", "disputes_resolved_grassroots_share", "income_individual_mean",
    "income_local_mean", "income_migrant_mean", "income_collective", "jobs_created",
    "employment_rate", "trust_institutional_local", "trust_institutional_migrant",
    "trust_outgroup_local", "trust_outgroup_migrant", "needs_resolved_share", "registered_share",
    "party_needs_answered_share", "rules_keepers_share",
    "income_local_wages", "income_local_business", "income_local_dividends", "income_local_rents",
    "income_migrant_wages", "income_migrant_business", "income_migrant_dividends",
    "income_migrant_rents", "income_individual_mean_real", "income_local_mean_real",
    "income_migrant_mean_real", "businesses", "business_jobs",
})  # fmt: skip


def _month_records(dates: np.ndarray) -> np.ndarray:
    """Whether a monthly process recorded on each day (day 0 and the first of each month)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    first = dates.astype("datetime64[M]").astype("datetime64[D]") == dates
    if len(first):
        first[0] = True
    return first


def collective_income_series(monthly: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """``income_collective`` on each day: collective revenue over the last twelve monthly
    records up to that day, annualised (× 12 / records so far) before twelve have been made.

    Counting records rather than days keeps every month-end right: a window of 365 days holds
    only eleven month starts from the end of March of a leap year to the end of January.

    Args:
        monthly: The ``income_collective_month`` column (revenue on the days it was earned).
        dates: The run's dates.

    Returns:
        One value per day (CNY per year).
    """
    records = _month_records(dates)
    amounts = np.asarray(monthly, dtype=float)[records]
    # Each window summed afresh (differences of a running sum would drift by rounding).
    windows = np.array([0.0] + [amounts[max(k - 11, 0) : k + 1].sum() for k in range(len(amounts))])
    made = np.cumsum(records)  # monthly records made up to and including each day
    return np.where(made < 12, windows[made] * 12.0 / np.maximum(made, 1), windows[made])


def derived_series(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Contract names the time series derives from the processes' own columns.

    ``income_collective`` (trailing twelve months, see :func:`collective_income_series`) from
    ``income_collective_month``; ``displaced_households`` (the total so far, as the summary
    reports it) from ``displaced_households_month``; ``police_incidents_per_year`` and
    ``disputes_resolved_grassroots_share`` of the run so far (:func:`running_rate`,
    :func:`running_share`) from the daily dispute counts.
    """
    out = {}
    if "police_incidents" in columns:
        out["police_incidents_per_year"] = running_rate(columns["police_incidents"])
    if "disputes" in columns and "disputes_grassroots" in columns:
        out["disputes_resolved_grassroots_share"] = running_share(
            columns["disputes_grassroots"], columns["disputes"]
        )
    if "income_collective_month" in columns:
        out["income_collective"] = collective_income_series(
            columns["income_collective_month"], columns["date"]
        )
    if "displaced_households_month" in columns:
        out["displaced_households"] = np.cumsum(columns["displaced_households_month"])
    return out


def _collective_income(columns: dict[str, np.ndarray]) -> float:
    """Summary ``income_collective``: the last twelve monthly records, or those made so far
    annualised (:func:`collective_income_series` on the last day)."""
    if "income_collective_month" not in columns or not len(columns["day"]):
        return math.nan
    series = collective_income_series(columns["income_collective_month"], columns["date"])
    return float(series[-1])


def _ratio(num: float, den: float, scale: float = 1.0) -> float:
    return scale * num / den if den > 0 else math.nan


def summarize(columns: dict[str, np.ndarray], events: dict[str, np.ndarray]) -> dict[str, Any]:
    """Summary outcomes of a run from its daily columns and its fire events.

    Args:
        columns: Recorder columns (see :meth:`~vicinity_sim.recorder.Recorder.columns`),
            including the series it derives (:func:`derived_series`).
        events: Fire event table (see :meth:`~vicinity_sim.processes.fire.Fire.event_table`).

    Returns:
        A flat mapping of outcome names to numbers (NaN where undefined, e.g. no fires).
    """
    days = len(columns["day"])
    years = days / 365.0
    n_fires = len(events["day"])
    deaths = float(events["deaths"].sum())
    expected = float(events["deaths_expected"].sum())
    burned = float(events["buildings_burned"].sum())

    def total(name: str) -> float:
        return float(columns[name].sum()) if name in columns else math.nan

    def last(name: str) -> float:
        return float(columns[name][-1]) if name in columns and days else math.nan

    def mean(name: str) -> float:
        if name not in columns or not days or np.all(np.isnan(columns[name])):
            return math.nan
        return float(np.nanmean(columns[name]))

    out: dict[str, Any] = {
        "fires_per_year": _ratio(n_fires, years),
        "fire_deaths": deaths,
        "fire_injuries": float(events["injuries"].sum()),
        "buildings_damaged": burned,
        "mean_response_min": float(events["response_min"].mean()) if n_fires else math.nan,
        "flood_exposed_resident_days": total("flood_exposed_resident_days"),
        "police_incidents_per_year": _ratio(total("police_incidents"), years),
        "disputes_resolved_grassroots_share": _ratio(
            total("disputes_grassroots"), total("disputes")
        ),
        "trust_interpersonal": last("trust_interpersonal"),
        "trust_institutional": last("trust_institutional"),
        "trust_gap_local_migrant": last("trust_gap_local_migrant"),
        "acquaintance_ties_mean": last("acquaintance_ties_mean"),
        "participation_rate": last("participation_rate"),
        "income_individual_mean": last("income_individual_mean"),
        "income_local_mean": last("income_local_mean"),
        "income_migrant_mean": last("income_migrant_mean"),
        "income_collective": _collective_income(columns),
        "jobs_created": last("jobs_created"),
        "employment_rate": last("employment_rate"),
        "rent_burden_mean": last("rent_burden_mean"),
        "displaced_households": total("displaced_households_month"),
        "cost_total_cny": last("cost_total_cny") if "cost_total_cny" in columns else 0.0,
        "fire_deaths_expected": expected,
        "deaths_per_100_fires": _ratio(deaths, n_fires, 100.0),
        "deaths_expected_per_100_fires": _ratio(expected, n_fires, 100.0),
        "buildings_per_fire": _ratio(burned, n_fires),
        "spread_fire_share": float((events["buildings_burned"] > 1).mean())
        if n_fires
        else math.nan,
        "mean_alert_min": float(events["alert_min"].mean()) if n_fires else math.nan,
        "damage_building_equivalents": float(events["damage"].sum()),
        "ebike_fires_per_year": _ratio(float((events["cause"] == "ebike").sum()), years),
        "heavy_rain_days": float((columns["heavy_rain_villages"] > 0).sum())
        if "heavy_rain_villages" in columns
        else math.nan,
        "disputes_per_year": _ratio(total("disputes"), years),
        "rent_index": last("rent_index"),
        "safety_compliant_share": last("safety_compliant_share"),
        "landlord_safety_cost_cny": total("landlord_safety_cost_cny"),
        "landlord_renovations": total("renovations"),
        "landlord_posted_rent_mean": last("landlord_posted_rent_mean"),
        "vacancy_rate": last("vacancy_rate"),
        "nonrenewals": total("nonrenewals"),
        "buildings_leased": last("buildings_leased"),
        "households_moved_per_year": _ratio(total("households_moved"), years),
        "trust_institutional_local": last("trust_institutional_local"),
        "trust_institutional_migrant": last("trust_institutional_migrant"),
        "trust_outgroup_local": last("trust_outgroup_local"),
        "trust_outgroup_migrant": last("trust_outgroup_migrant"),
        "participation_rate_taiwan": last("participation_rate_taiwan"),
        "needs_resolved_share": _ratio(total("needs_resolved"), total("needs_raised")),
        "mean_wait_days": _ratio(
            float(np.nansum(columns["mean_wait_days"] * columns["needs_answered"]))
            if "mean_wait_days" in columns
            else math.nan,
            total("needs_answered"),
        ),
        "gridworker_utilisation": mean("gridworker_utilisation"),
        "registered_share": last("registered_share"),
        **agent_outcomes(columns, years),
        "collapses": total("collapses"),
        "collapse_deaths": total("collapse_deaths"),
        "cost_capital_cny": total("cost_capital_cny"),
        "cost_running_cny": total("cost_running_cny"),
        **{
            f"income_{g}_{part}": last(f"income_{g}_{part}")
            for g in ("local", "migrant")
            for part in ("wages", "business", "dividends", "rents")
        },
        **{
            f"{n}_real": last(f"{n}_real")
            for n in (
                "income_individual_mean",
                "income_local_mean",
                "income_migrant_mean",
                "lease_rent_mean",
            )
        },
        "lease_rent_mean": last("lease_rent_mean"),
        "businesses": last("businesses"),
        "business_jobs": last("business_jobs"),
        "businesses_closed_per_year": _ratio(total("businesses_closed"), years),
        "visitors_per_day": last("visitors_per_day"),
        "leased_assets_m2": last("leased_assets_m2"),
        "wage_index": last("wage_index"),
        "price_index": last("price_index"),
        "residents_final": last("residents"),
        "days": float(days),
    }
    return out


def agent_outcomes(columns: dict[str, np.ndarray], years: float) -> dict[str, float]:
    """Outcomes of the party members' and gridworkers' decisions (NaN where their
    mechanism is off)."""

    def total(name: str) -> float:
        return float(np.nansum(columns[name])) if name in columns else math.nan

    def last(name: str) -> float:
        return float(columns[name][-1]) if name in columns and len(columns[name]) else math.nan

    on_duty = (float(np.mean(columns["gridworkers_on_duty"]))
               if "gridworkers_on_duty" in columns and len(columns["gridworkers_on_duty"])
               else math.nan)  # fmt: skip
    party_answered = total("needs_by_party") + total("needs_claimed_by_party")
    return {
        "party_hours_per_member_week": _ratio(
            total("party_hours_given"), total("party_member_weeks")
        ),
        "party_needs_answered_share": _ratio(party_answered, total("needs_raised")),
        "party_channel_saturated_share": _ratio(
            total("needs_party_no_time"), total("needs_to_party")
        ),
        "party_members_serving_final": last("party_members_serving"),
        "gridworker_turnover_per_year": _ratio(total("gridworker_quits"), years * on_duty),
        "gridworker_utilisation_mean": (
            float(np.nanmean(columns["gridworker_utilisation_mean"]))
            if "gridworker_utilisation_mean" in columns
            and not np.all(np.isnan(columns["gridworker_utilisation_mean"]))
            else math.nan
        ),
        "rules_keepers_share": last("rules_keepers_share"),
    }


def running_rate(counts: np.ndarray) -> np.ndarray:
    """Events per year of the run so far: on day ``d``, the count over days ``0..d`` divided by
    ``(d + 1) / 365`` (what :func:`summarize` reports as a rate for a run stopped after ``d``)."""
    counts = np.asarray(counts, np.float64)
    return np.cumsum(counts) / (np.arange(1, len(counts) + 1) / 365.0)


def running_share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Share of the run so far: cumulative ``part`` over cumulative ``whole`` (NaN while the
    whole is 0)."""
    num = np.cumsum(np.asarray(part, np.float64))
    den = np.cumsum(np.asarray(whole, np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, math.nan)


def describe() -> dict[str, str]:
    """Every summary outcome with its description."""
    return {**CONTRACT, **EXTRA}


def running_outcomes(
    columns: dict[str, np.ndarray], events: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The outcome-contract names as daily series: the summary of the run up to each day.

    Value ``d`` of a series is what :func:`summarize` would report for a run that stopped
    after day ``d``: rates per year so far, totals so far, states on day ``d``. The dashboard
    plots these; they are computed in one pass (cumulative sums), not by re-summarising.

    Args:
        columns: Recorder columns (see :meth:`~vicinity_sim.recorder.Recorder.columns`),
            including the series it derives (:func:`derived_series`).
        events: Fire event table (see :meth:`~vicinity_sim.processes.fire.Fire.event_table`).

    Returns:
        Contract name → float array with one value per recorded day (NaN where undefined).
    """
    n = len(columns["day"])
    years = np.arange(1, n + 1) / 365.0
    day = events["day"].astype(np.int64)

    def per_day(weights: np.ndarray | None = None) -> np.ndarray:
        return np.cumsum(np.bincount(day, weights=weights, minlength=n)[:n].astype(np.float64))

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / den, math.nan)

    def cum(name: str) -> np.ndarray:
        return np.cumsum(columns[name]) if name in columns else np.full(n, math.nan)

    def state(name: str) -> np.ndarray:
        return np.asarray(columns[name], float) if name in columns else np.full(n, math.nan)

    fires = per_day()
    out = {
        "fires_per_year": fires / years,
        "fire_deaths": per_day(events["deaths"].astype(np.float64)),
        "fire_injuries": per_day(events["injuries"].astype(np.float64)),
        "buildings_damaged": per_day(events["buildings_burned"].astype(np.float64)),
        "mean_response_min": ratio(per_day(events["response_min"]), fires),
        "flood_exposed_resident_days": cum("flood_exposed_resident_days"),
        "cost_total_cny": state("cost_total_cny") if "cost_total_cny" in columns else np.zeros(n),
    }
    # The rest are states on day d, or series the recorder already derives as the summary
    # reports them (income_collective, displaced_households and the dispute outcomes, see
    # derived_series); NaN where the mechanism is off.
    for name in CONTRACT:
        if name not in out:
            out[name] = state(name)
    return {name: out[name] for name in CONTRACT}
