"""The village-level monthly panel of a city run: ``villages.parquet``.

One row per village and calendar month of the run, the shape researchers estimate programs
on (:mod:`vicinity_sim.evaluation`): the village, the month, its wave and program start, and
its outcomes that month — events summed over the month's days, states as they stood on the
month's last simulated day.

=======================  ==================================  ===========
column                   from the village's daily metric     over month
=======================  ==================================  ===========
fires                    fires                               sum
fire_deaths_expected     fire_deaths_expected                sum
buildings_damaged        buildings_damaged                   sum
police_incidents         police_incidents                    sum
disputes                 disputes                            sum
displaced_households     displaced_households_month          sum
households_moved         households_moved                    sum
cost_cny                 cost_capital_cny + cost_running_cny sum
                         + points_awarded_cny
residents                residents                           last day
rent_index               rent_index                          last day
rent_burden_mean         rent_burden_mean                    last day
trust_institutional      trust_institutional                 last day
trust_interpersonal      trust_interpersonal                 last day
participation_rate       participation_rate                  last day
income_individual_mean   income_individual_mean              last day
employment_rate          employment_rate                     last day
=======================  ==================================  ===========

A column whose mechanism is switched off is absent.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.recorder import COST_PARTS

#: Panel column → (daily metric, how the month is summarised).
PANEL: dict[str, tuple[str, str]] = {
    "fires": ("fires", "sum"),
    "fire_deaths_expected": ("fire_deaths_expected", "sum"),
    "buildings_damaged": ("buildings_damaged", "sum"),
    "police_incidents": ("police_incidents", "sum"),
    "disputes": ("disputes", "sum"),
    "displaced_households": ("displaced_households_month", "sum"),
    "households_moved": ("households_moved", "sum"),
    "residents": ("residents", "last"),
    "rent_index": ("rent_index", "last"),
    "rent_burden_mean": ("rent_burden_mean", "last"),
    "trust_institutional": ("trust_institutional", "last"),
    "trust_interpersonal": ("trust_interpersonal", "last"),
    "participation_rate": ("participation_rate", "last"),
    "income_individual_mean": ("income_individual_mean", "last"),
    "employment_rate": ("employment_rate", "last"),
}

#: Units of the panel's columns (Parquet field metadata).
UNITS: dict[str, str] = {
    "month": "date", "village": "-", "position": "-", "wave": "-",
    "program_start_day": "day", "treated": "bool",
    "program_months": "months", "fires": "count", "fire_deaths_expected": "persons",
    "buildings_damaged": "count", "police_incidents": "count", "disputes": "count",
    "displaced_households": "households", "households_moved": "households", "cost_cny": "CNY",
    "residents": "persons", "rent_index": "1", "rent_burden_mean": "1",
    "trust_institutional": "1", "trust_interpersonal": "1", "participation_rate": "1",
    "income_individual_mean": "CNY/month", "employment_rate": "1",
}  # fmt: skip


def month_row(values: dict[str, np.ndarray]) -> dict[str, float]:
    """A village's outcomes over one month, from its daily metrics on the month's days."""
    row: dict[str, float] = {}
    for column, (metric, how) in PANEL.items():
        if metric not in values or not len(values[metric]):
            continue
        series = values[metric]
        row[column] = float(series.sum()) if how == "sum" else float(series[-1])
    parts = [values[k] for k in COST_PARTS if k in values]
    if parts:
        row["cost_cny"] = float(np.sum([p.sum() for p in parts]))
    return row


def panel_columns(
    rows: list[dict[str, float]],
    keys: list[tuple[int, str, str | None, int, np.datetime64, int]],
) -> dict[str, np.ndarray]:
    """The panel as columns.

    Args:
        rows: One outcome row per village and month (:func:`month_row`).
        keys: For each row: (village position, village name, wave, program start day (−1:
            none within the run), the month's first date, months since the program started
            at the month's start (negative before; −9999 for a village in no wave)).

    Returns:
        Columns ordered village by village, month by month (the rows' order).
    """
    names = sorted({k for r in rows for k in r}, key=list(PANEL).__add__(["cost_cny"]).index)
    out: dict[str, np.ndarray] = {
        "month": np.array([k[4] for k in keys], dtype="datetime64[D]"),
        "village": np.array([k[1] for k in keys], dtype=object),
        "position": np.array([k[0] for k in keys], dtype=np.int32),
        "wave": np.array(["" if k[2] is None else k[2] for k in keys], dtype=object),
        "program_start_day": np.array([k[3] for k in keys], dtype=np.int32),
        "program_months": np.array([k[5] for k in keys], dtype=np.int32),
    }
    out["treated"] = (out["program_start_day"] >= 0) & (out["program_months"] >= 0)
    for name in names:
        out[name] = np.array([r.get(name, np.nan) for r in rows], dtype=np.float64)
    return out


def panel_bytes(columns: dict[str, np.ndarray]) -> bytes:
    """The panel as a Parquet file (deterministic for equal inputs), units in the schema."""
    import io
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from vicinity_sim.columns import arrow_array

    fields, arrays = [], []
    for name, values in columns.items():
        array = arrow_array(name, values)
        unit = UNITS.get(name)
        meta = {b"unit": unit.encode()} if unit else None
        fields.append(pa.field(name, array.type, metadata=meta))
        arrays.append(array)
    units = {k: UNITS[k] for k in columns if k in UNITS}
    meta = {b"vicinity_sim.units": json.dumps(units, sort_keys=True).encode()}
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=meta))
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()
