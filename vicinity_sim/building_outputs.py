"""The buildings of footprint villages with their outcomes, as GeoJSON or GeoParquet.

``vicinity-sim run --buildings geojson`` (or ``parquet``) adds ``buildings.geojson`` (or
``buildings.parquet``) to a run's outputs: one feature per building of every village built from
footprints, on its real footprint in longitude and latitude (EPSG:4326, as GeoJSON and
kepler.gl expect), with what the run did to it and who lives there at the end. Synthetic
villages have no place on Earth and are left out. Needs the geo extra.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.learning import generalised_trust
from vicinity_sim.processes.fire import ignition_rates
from vicinity_sim.world.codes import IN_GROUP, OUT_GROUP
from vicinity_sim.world.geometry import USES
from vicinity_sim.world.state import residence_index

#: Output formats and their file names.
FORMATS = {"geojson": "buildings.geojson", "parquet": "buildings.parquet"}
#: Columns of the buildings file besides the geometry, and what they hold.
COLUMNS = {
    "village": "Village name.",
    "building": "Row of the building in the world's buildings table.",
    "source_id": "Identifier in the footprint source (OSM id, or the feature's row).",
    "use": "residential, shop, workshop, public or ancillary (from tags).",
    "storeys": "Storeys.",
    "rooms": "Rental units.",
    "households": "Households living there at the end.",
    "residents": "Residents living there at the end.",
    "fires_started": "Fires that started in the building during the run.",
    "damage": "Cumulative fire damage (building equivalents, origins and spread).",
    "last_fire_day": "Day of the building's last fire in the run (empty: none).",
    "fire_risk_per_year": "Expected fires per year at the end (the fire mechanism's rates).",
    "three_in_one": "三合一 premises present at the end.",
    "old_wiring": "Old or overloaded wiring at the end.",
    "smoke_sensor": "Networked smoke sensor installed at the end.",
    "access_road_m": "Distance from the facade to an engine-accessible road.",
    "access_lane_m": "Distance from the facade to a lane.",
    "flood_exposed": "Belongs to a waterlogging point.",
    "trust_institutional": "Mean institutional trust of its residents at the end.",
    "trust_interpersonal": "Mean generalised interpersonal trust of its residents at the end.",
    "rent_cny_month": "Rent asked per unit at the end (CNY/month).",
}


def check_buildings_output(scenario: Any, fmt: str) -> None:
    """Refuse a buildings file before a run that could not write one.

    Raises:
        InputError: Unknown format, no footprint village, or the geo extra missing.
    """
    if fmt not in FORMATS:
        raise InputError("--buildings", "--buildings", f"must be one of {', '.join(FORMATS)}")
    if not any(v.plan.source is not None for v in scenario.villages):
        raise InputError(scenario.source, "villages", "--buildings needs a village built from "
                         "footprints (plan.source); synthetic villages have no place on "
                         "Earth")  # fmt: skip
    try:
        import geopandas  # noqa: F401
    except ImportError as e:
        problem = f"needs the geo extra (pip install -e '.[geo]'): {e}"
        raise InputError("--buildings", "--buildings", problem) from None


def building_outcomes(model: Any) -> dict[str, np.ndarray]:
    """Outcome columns of every building of the world (either engine), by :data:`COLUMNS`
    name (without village, source id and use, which come from the geometry)."""
    from vicinity_sim.reference.lockstep import people_arrays
    from vicinity_sim.runs import fire_events

    w = model.world
    b = w.buildings
    n = len(b)
    people = people_arrays(model)
    res_building = people["residents.building"]
    group = people["residents.group"]
    trust_inter = people["residents.trust_inter"]
    share = w.outgroup_share()[people["residents.village"], group]
    generalised = generalised_trust.py_func(trust_inter[:, IN_GROUP], trust_inter[:, OUT_GROUP],
                                            share)  # fmt: skip
    count = np.bincount(res_building, minlength=n)

    def mean(values: np.ndarray) -> np.ndarray:
        total = np.bincount(res_building, weights=values, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    # The fire mechanism's rates, on the residents' state at the end in either engine.
    residents = w.residents.Arrays._make(
        [people.get(f"residents.{name}", getattr(w.residents, name))
         for name in w.residents.Arrays._fields]
    )  # fmt: skip
    home = residence_index(residents.building, w.households.building, len(b))
    risk = ignition_rates(residents, b.arrays(), home, model.spec.fire.consts()).sum(axis=1)
    events = fire_events(model)["building"]
    burned = b.damage > 0
    return {
        "storeys": b.storeys.astype(np.int64),
        "rooms": b.rooms.astype(np.int64),
        "households": np.bincount(w.households.building, minlength=n).astype(np.int64),
        "residents": count.astype(np.int64),
        "fires_started": np.bincount(events, minlength=n).astype(np.int64),
        "damage": b.damage.astype(np.float64),
        "last_fire_day": np.where(burned, b.last_fire_day, np.nan),
        "fire_risk_per_year": risk,
        "three_in_one": b.three_in_one.copy(),
        "old_wiring": b.old_wiring.copy(),
        "smoke_sensor": b.smoke_sensor.copy(),
        "access_road_m": b.access_road_m.copy(),
        "access_lane_m": b.access_lane_m.copy(),
        "flood_exposed": b.flood_point >= 0,
        "trust_institutional": mean(people["residents.trust_inst"]),
        "trust_interpersonal": mean(generalised),
        "rent_cny_month": b.rent.astype(np.float64),
    }


def buildings_frame(model: Any) -> Any:
    """A GeoDataFrame of the footprint villages' buildings with their outcomes (EPSG:4326)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    w = model.world
    outcomes = building_outcomes(model)
    parts = []
    for v, geom in sorted(w.geometry.items()):
        rows = np.nonzero(w.buildings.village == v)[0]
        origin = np.asarray(geom.origin)
        shapes = shapely.transform(shapely.from_wkb(geom.footprint_wkb), lambda c: c + origin)  # noqa: B023
        data = {
            "village": np.full(len(rows), w.village_names[v], dtype=object),
            "building": rows.astype(np.int64),
            "source_id": geom.source_id,
            "use": np.array(USES, dtype=object)[geom.use],
            **{k: col[rows] for k, col in outcomes.items()},
        }
        frame = gpd.GeoDataFrame(data, geometry=shapes, crs=geom.crs).to_crs("EPSG:4326")
        parts.append(frame)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")


def buildings_file(model: Any, fmt: str) -> tuple[str, bytes]:
    """The buildings file of a finished run: (file name, bytes)."""
    frame = buildings_frame(model)
    if fmt == "parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False, compression="zstd")
        return FORMATS[fmt], buf.getvalue()
    return FORMATS[fmt], frame.to_json(drop_id=True, na="null").encode("utf-8")
