"""Mechanisms, one module each, registered in schedule order.

Importing this package registers every built-in process; :func:`registered` lists them in the
order the model runs them.
"""

from vicinity_sim.processes import (  # noqa: F401  (imported to register)
    charging,
    collective,
    compliance,
    contacts,
    disputes,
    fire,
    flood,
    governance,
    housing,
    labour,
    migration,
    observe,
    participation,
    rollout,
    structure,
    weather,
)
from vicinity_sim.processes.base import SCHEDULE, Process, register, registered, unregister

__all__ = ["SCHEDULE", "Process", "register", "registered", "unregister"]
