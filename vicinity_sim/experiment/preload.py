"""Imported once by the local pool's fork server: load the package and its compiled kernels.

Running a two-day model of a tiny village calls every kernel once, which loads it from numba's
cache (or compiles it); workers forked from the server then start with all of it in memory.
"""

from __future__ import annotations


def _warm_up() -> None:
    from vicinity_sim.experiment import executors  # noqa: F401  (the task function)
    from vicinity_sim.model import VicinityModel
    from vicinity_sim.scenario import scenario_from_dict

    scenario = scenario_from_dict(
        {"run": {"days": 2},
         "villages": [{"name": "warm-up", "plan": {"n_buildings": 40},
                       "population": {"n_residents": 300}}]},
        "<warm-up>",
    )  # fmt: skip
    VicinityModel(scenario, rng=0).run()


_warm_up()
