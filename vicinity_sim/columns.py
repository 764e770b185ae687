"""Units and types of the recorded columns, and their encoding as Arrow tables for Parquet.

Every daily column a run records (``timeseries.parquet``, the partitions of an experiment's
``runs/``) and every column of the fire event table has a unit here. :func:`arrow_table`
writes them with

* dates as timestamps (``timestamp[ms]``; pandas reads them as ``datetime64``);
* counts as integers (``int64``), when every value is a whole number (a count column holding
  NaN, e.g. of a switched-off mechanism, stays floating point);
* the unit and description of each column in its Arrow field metadata (``unit``,
  ``description``) and all units together in the schema metadata (``vicinity_sim.units``, a
  JSON object), so they travel with the file::

      import pyarrow.parquet as pq
      schema = pq.read_schema("outputs/run/timeseries.parquet")
      schema.field("fires").metadata[b"unit"]        # b'count'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache

import numpy as np
import pyarrow as pa

SHARE = "share (0-1)"
TRUST = "trust (0-1 scale)"
CNY = "CNY"

#: Columns that count things (whole numbers): stored as integers.
COUNT_COLUMNS = frozenset({
    # run structure and hazards
    "heavy_rain_villages", "fires", "fire_deaths", "fire_injuries", "buildings_damaged",
    "flooded_points", "collapses", "collapse_deaths", "three_in_one_premises",
    "dangerous_buildings", "flood_points_untreated", "micro_stations", "charging_sites",
    "indoor_charging", "units_installed", "charging_moves", "buildings_brought_to_standard",
    "flood_exposed_resident_days",
    # people and governance
    "encounters", "events", "event_attendees", "cross_group_event_encounters",
    "volunteer_encounters", "needs_raised", "needs_by_party", "needs_answered", "needs_resolved",
    "needs_lapsed", "request_backlog", "gridworkers", "inspections", "newcomers_registered",
    "chargers_persuaded", "three_in_one_referred", "pairing_visits", "disputes",
    "disputes_grassroots", "police_incidents", "hazard_reports_persuaded",
    # economy and housing
    "jobs_created", "project_hires", "job_matches", "vacancies", "households_moved",
    "displaced_households_month", "displaced_households", "departures_turnover",
    "departures_job", "departures_fire", "departures_distrust", "residents_left",
    "residents_arrived", "residents", "departures_nonrenewal", "departures_takeover",
    "moves_between_buildings",
    # landlords
    "units_vacant", "units_idle", "shops", "buildings_leased", "renovations",
    "operator_takeovers", "operator_returns", "tenants_evicted_by_operators", "nonrenewals",
    "lease_renewals", "shops_closed", "shops_opened", "shops_opened_three_in_one",
    "safety_inspections", "rectification_orders",
    # enterprises
    "businesses", "businesses_opened", "businesses_closed", "business_jobs",
    "enterprise_layoffs",
    # fire events
    "buildings_burned", "deaths", "injuries",
})  # fmt: skip

#: Units of the columns that are not plain counts (counts have the unit ``count``).
UNITS: dict[str, str] = {
    "day": "day of the run (0 = run.start_date)",
    "date": "date",
    "cost_capital_cny": CNY,
    "cost_running_cny": CNY,
    "cost_cny": CNY,
    "cost_total_cny": "CNY (cumulative since the start)",
    "points_awarded_cny": CNY,
    "landlord_safety_cost_cny": CNY,
    "dividends_cny": CNY,
    "collective_fund_cny": CNY,
    "landlord_income_cny": CNY,
    "renovation_subsidy_cny": CNY,
    "operator_bonus_cny": CNY,
    "safety_fines_cny": CNY,
    "landlord_posted_rent_mean": "CNY per month",
    "lease_rent_mean": "CNY per month",
    "vacancy_rate": SHARE,
    "income_collective_month": CNY,
    "project_revenue_month": CNY,
    "income_collective": "CNY per year",
    "income_individual_mean": "CNY per month",
    "income_local_mean": "CNY per month",
    "income_migrant_mean": "CNY per month",
    "rent_burden_mean": "share of household income",
    "income_local_wages": "CNY per month",
    "income_local_business": "CNY per month",
    "income_local_dividends": "CNY per month",
    "income_local_rents": "CNY per month",
    "income_migrant_wages": "CNY per month",
    "income_migrant_business": "CNY per month",
    "income_migrant_dividends": "CNY per month",
    "income_migrant_rents": "CNY per month",
    "income_individual_mean_real": "CNY per month at the start's prices",
    "income_local_mean_real": "CNY per month at the start's prices",
    "income_migrant_mean_real": "CNY per month at the start's prices",
    "lease_rent_mean_real": "CNY per month at the start's prices",
    "business_sales_cny": CNY,
    "project_sales_cny": CNY,
    "collective_from_projects_cny": CNY,
    "visitors_per_day": "visitors per day",
    "leased_assets_m2": "m²",
    "wage_index": "ratio to the start",
    "price_index": "ratio to the start",
    "rent_index": "ratio to the rent at the start",
    "acquaintance_ties_mean": "ties per resident",
    "mean_wait_days": "days",
    "mean_response_min": "minutes",
    "mean_alert_min": "minutes",
    "ignition_rate_per_year": "fires per year",
    "police_incidents_per_year": "incidents per year",
    "fire_deaths_expected": "expected deaths",
    "damage_building_equivalents": "building equivalents",
    "flood_exposed_resident_days": "resident-days",
    "trust_gap_local_migrant": "trust difference (-1 to 1)",
    "gridworker_effort_mean": "share of nominal capacity",
    "environment_mean": "index (0-1)",
    "quality_mean": "index (0-1)",
    # fire events
    "alert_min": "minutes",
    "response_min": "minutes",
    "deaths_expected": "expected deaths",
    "damage": "building equivalents",
    "night": "bool",
    "building": "building index",
    "village": "village index",
    "cause": "category",
    "village_name": "name",
}


def column_unit(name: str) -> str | None:
    """Unit of a recorded column or event field (``None`` if the column is unknown here)."""
    if name in UNITS:
        return UNITS[name]
    if name in COUNT_COLUMNS:
        return "count"
    if name.startswith("trust_"):
        return TRUST
    if name.endswith("_share") or name.startswith(("participation_rate", "employment_rate")):
        return SHARE
    if name == "gridworker_utilisation":
        return SHARE
    return None


@cache
def column_descriptions() -> dict[str, str]:
    """Description of every column a process reports, and of the outcome-contract names."""
    from vicinity_sim.outcomes import describe
    from vicinity_sim.processes import registered

    out = dict(describe())
    for cls in registered():
        out.update(cls.metrics)
    return out


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def arrow_array(name: str, values: np.ndarray) -> pa.Array:
    """One column as an Arrow array: strings, timestamps for dates, integers for counts."""
    values = np.asarray(values)
    if values.dtype == object:
        return pa.array(values.tolist(), type=pa.string())
    if np.issubdtype(values.dtype, np.datetime64):
        return pa.array(values.astype("datetime64[ms]"), type=pa.timestamp("ms"))
    if name in COUNT_COLUMNS and values.dtype.kind == "f" and _integral(values):
        return pa.array(values.astype(np.int64))
    return pa.array(values)


def arrow_table(columns: Mapping[str, np.ndarray],
                metadata: Mapping[bytes, bytes] | None = None) -> pa.Table:  # fmt: skip
    """Columns as an Arrow table with units in the field and schema metadata.

    Args:
        columns: Name → equally long arrays (already-encoded Arrow arrays are kept as they
            are, with units added).
        metadata: Further schema metadata (e.g. an experiment task's summary).

    Returns:
        The table; equal inputs give equal tables (and equal Parquet bytes).
    """
    descriptions = column_descriptions()
    fields, arrays, units = [], [], {}
    for name, values in columns.items():
        array = values if isinstance(values, pa.Array) else arrow_array(name, values)
        meta = {}
        unit = column_unit(name)
        if unit is not None:
            meta[b"unit"] = unit.encode()
            units[name] = unit
        if name in descriptions:
            meta[b"description"] = descriptions[name].encode()
        fields.append(pa.field(name, array.type, metadata=meta or None))
        arrays.append(array)
    schema_meta = {b"vicinity_sim.units": json.dumps(units, sort_keys=True).encode()}
    schema_meta.update(metadata or {})
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=schema_meta))


def units_of(schema: pa.Schema) -> dict[str, str]:
    """The units a file's schema carries (column → unit)."""
    raw = (schema.metadata or {}).get(b"vicinity_sim.units")
    return json.loads(raw) if raw else {}
