"""Staggered adoption: villages join the program in waves.

A city program does not start everywhere on one day. Xiamen's three-year plan (2023–2025) went
"一年试点、两年攻坚、三年全覆盖": pilot villages in the first year, a push in the second, full
coverage in the third (docs/sources.md §seed, §rollout). A scenario says so in a ``[rollout]``
table::

    [rollout]
    order = "need"            # which villages go first: need | random | listed
    [[rollout.waves]]
    name = "pilot"
    start_day = 0             # the wave's first day of the program
    villages = 5              # the next 5 villages in the order (with "listed": names = [...])
    [[rollout.waves]]
    name = "push"
    start_day = 366
    villages = 66

Every intervention that follows the waves (``staggered = true``, the default) then runs its
own rollout — ``start_day``/``ramp_days`` or ``schedule`` — counted from its village's wave
start, in *program time*; villages in no wave get none of it. Without waves (no
``[rollout.waves]``) every intervention runs on the run's calendar, as it always has.

**Order.** ``listed``: each wave names its villages (``names = [...]``). ``random``: a random
permutation of the villages, drawn from the city's stream ``rollout.waves`` of the run's seed
and replication (so it varies between replications and is shared by paired arms). ``need``:
the neediest villages first, where need is the mean of three standardised (z-scored over the
city's villages) indicators of each village as built, before any intervention:

* **density**: residents per km² of the village's built plan (crowding: more people exposed
  per fire, more disputes, more demand on the grid);
* **fire risk per resident**: the inspectors' ranking heuristic
  (:func:`~vicinity_sim.interventions.base.building_risk`: occupants, indoor e-bike charging,
  三合一 premises, old wiring) summed over the village's buildings, per resident;
* **distance to the municipal fire station** (km): how long the village waits for a crew
  before micro fire stations exist.

Ties are broken by the village's position in the scenario. Need is computed from the built
villages, so in a city run (:mod:`vicinity_sim.city`) every unit reports its indicators and
the coordinator assigns the waves before the first day.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from vicinity_sim.interventions.base import building_risk
from vicinity_sim.params import ParamModel, param
from vicinity_sim.world import World

#: Stream of the random order (the city's, not a village's).
WAVES_STREAM = "rollout.waves"
#: Need indicators, in the order of :func:`need_indicators`'s columns.
NEED_INDICATORS = ("density_per_km2", "fire_risk_per_resident", "station_distance_km")


class Wave(ParamModel):
    """One wave of villages joining the program on the same day."""

    name: str = Field(..., min_length=1, description="Name of the wave (e.g. pilot, push).")
    start_day: int = param(
        0, unit="day", ge=0, le=100_000,
        doc="Day the wave's villages start the program: day 0 of their interventions' "
        "rollouts (start_day, schedule).", source="-",
    )  # fmt: skip
    villages: int = param(
        0, unit="villages", ge=0, le=1_000_000,
        doc="How many villages join, taken in the rollout order (order = need or random).",
        source="-",
    )  # fmt: skip
    names: list[str] = Field(
        default_factory=list,
        description="The villages that join, by name (order = listed).",
    )


class RolloutWaves(ParamModel):
    """Staggered adoption: villages join the program in waves (none: all start together)."""

    order: Literal["need", "random", "listed"] = param(
        "need", unit="-",
        doc="Which villages join first: the neediest (density, fire risk per resident, "
        "distance to the fire station), a random order drawn per seed and replication, or "
        "as each wave lists them.", source="-",
    )  # fmt: skip
    waves: list[Wave] = Field(
        default_factory=list,
        description="The waves, in any order; villages in no wave stay untreated.",
    )

    @property
    def staggered(self) -> bool:
        """Whether the scenario has waves at all."""
        return bool(self.waves)


def need_indicators(world: World) -> np.ndarray:
    """The need indicators of every village of ``world``, as built (shape ``(n, 3)``: see
    :data:`NEED_INDICATORS`).

    Args:
        world: A world before any intervention (a whole city, or one village's unit).
    """
    r, b, v = world.residents, world.buildings, world.villages
    n = world.n_villages
    residents = np.bincount(r.village, minlength=n).astype(np.float64)
    area_km2 = v.width_m * v.height_m / 1e6
    risk = np.bincount(b.village, weights=building_risk(world), minlength=n)
    out = np.empty((n, 3))
    out[:, 0] = residents / np.maximum(area_km2, 1e-9)
    out[:, 1] = risk / np.maximum(residents, 1.0)
    out[:, 2] = v.city_station_distance_m / 1000.0
    return out


def need_scores(indicators: np.ndarray) -> np.ndarray:
    """Need of each village: the mean of its indicators standardised over the villages (an
    indicator that does not vary counts 0)."""
    x = np.asarray(indicators, dtype=np.float64)
    sd = x.std(axis=0)
    z = np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    return z.mean(axis=1)


def wave_order(
    rollout: RolloutWaves, indicators: np.ndarray, gen: np.random.Generator
) -> list[int]:
    """Positions of the villages in the order they join (``need`` or ``random``)."""
    n = len(indicators)
    if rollout.order == "random":
        return [int(i) for i in gen.permutation(n)]
    score = need_scores(indicators)
    return [int(i) for i in np.lexsort((np.arange(n), -score))]


def assign_waves(
    rollout: RolloutWaves, names: list[str], indicators: np.ndarray, gen: np.random.Generator
) -> list[str | None]:
    """The wave of each village (``None``: in no wave).

    Args:
        rollout: The scenario's ``[rollout]``.
        names: The villages' names, in scenario order.
        indicators: Their need indicators (:func:`need_indicators`), same order.
        gen: The city's generator of the stream :data:`WAVES_STREAM` (used by ``random``).

    Returns:
        One wave name (or ``None``) per village. Waves take villages in the order of their
        ``start_day`` (earliest first; ties in the file's order).
    """
    out: list[str | None] = [None] * len(names)
    if not rollout.staggered:
        return out
    if rollout.order == "listed":
        index = {name: i for i, name in enumerate(names)}
        for wave in rollout.waves:
            for name in wave.names:
                out[index[name]] = wave.name
        return out
    order = wave_order(rollout, indicators, gen)
    taken = 0
    for wave in sorted(rollout.waves, key=lambda w: w.start_day):
        for i in order[taken : taken + wave.villages]:
            out[i] = wave.name
        taken += wave.villages
    return out


def start_days(rollout: RolloutWaves, waves: list[str | None]) -> np.ndarray:
    """Each village's program start day (−1: in no wave), from its wave."""
    start = {w.name: w.start_day for w in rollout.waves}
    return np.array([-1 if w is None else start[w] for w in waves], dtype=np.int64)


def check_waves(rollout: RolloutWaves, names: list[str]) -> tuple[str, str] | None:
    """The first problem of a ``[rollout]`` table against the scenario's villages, as
    (key, problem), or ``None``."""
    seen: set[str] = set()
    for i, wave in enumerate(rollout.waves):
        if wave.name in seen:
            return f"rollout.waves[{i}].name", f"two waves are named '{wave.name}'"
        seen.add(wave.name)
    for i, wave in enumerate(rollout.waves):
        if rollout.order == "listed" and (wave.villages or not wave.names):
            problem = 'with order = "listed", name the villages (names = [...]), not a number'
            return f"rollout.waves[{i}].names", problem
        if rollout.order != "listed" and wave.names:
            return (f"rollout.waves[{i}].names",
                    f'with order = "{rollout.order}", give the number of villages (villages = '
                    'N), or set order = "listed"')  # fmt: skip
    if rollout.order == "listed":
        where: dict[str, int] = {}
        for i, wave in enumerate(rollout.waves):
            for j, name in enumerate(wave.names):
                if name not in names:
                    return f"rollout.waves[{i}].names[{j}]", f"no village '{name}'"
                if name in where:
                    return (f"rollout.waves[{i}].names[{j}]",
                            f"'{name}' is already in wave {where[name]}")  # fmt: skip
                where[name] = i
        return None
    total = sum(wave.villages for wave in rollout.waves)
    if total > len(names):
        return ("rollout.waves",
                f"the waves take {total} villages but the scenario has {len(names)}")  # fmt: skip
    return None
