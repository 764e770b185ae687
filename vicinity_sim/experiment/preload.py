"""Imported once by the local pool's fork server: load the package and its compiled kernels.

The server is first bound to the main process (it dies when the main process dies, see
:mod:`vicinity_sim.supervise`).

Running a two-day model of a tiny village calls every kernel once, which loads it from numba's
cache (or compiles it); workers forked from the server then start with all of it in memory.
"""

from __future__ import annotations

from vicinity_sim.supervise import bind_fork_server

# First: a main process killed during the warm-up must take the server with it.
bind_fork_server()


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
