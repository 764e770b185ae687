"""The reference implementation: the same model written the way a Mesa user would write it.

One Mesa :class:`~mesa.Agent` per resident, party member, landlord and gridworker, each holding
its own state as attributes, and one small process class per mechanism whose ``step`` loops
over the agents in plain Python. It reads the same scenario files, runs the same processes in
the same order with the same parameters, and draws the same random numbers where the fast
model addresses them by entity, so at small scale the two agree exactly on those mechanisms
and in distribution everywhere (``tests/test_reference*.py``).

It exists as the readable specification of the fast model (``vicinity_sim/processes/``) and as
its speed baseline (``benchmarks/``), not for production runs: it is about two orders of
magnitude slower.

Places — buildings, blocks, grids, villages, households, facilities and projects — stay in the
world's tables, which the reference shares with the fast model: they are not agents, and the
interventions (data that change levers on places) act on them the same way in both engines.

Example:
    >>> from vicinity_sim import load_scenario
    >>> from vicinity_sim.reference import ReferenceModel
    >>> model = ReferenceModel(load_scenario("scenarios/tiny.toml"), rng=3)
    >>> model.run(days=30)
    >>> model.datacollector.get_model_vars_dataframe()["fires"].sum()
"""

from vicinity_sim.reference.agents import (
    Gridworker,
    InServiceMember,
    Landlord,
    PartyMember,
    Resident,
)
from vicinity_sim.reference.model import ReferenceModel

__all__ = ["Gridworker", "InServiceMember", "Landlord", "PartyMember", "ReferenceModel", "Resident"]
