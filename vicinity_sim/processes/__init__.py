"""Mechanisms, one module each, each registering its process.

Importing this package registers every built-in process; :func:`registered` lists them in the
order the model runs them, derived from what each declares it runs ``after``. The modules are
imported in an order in which every process's ``after`` names processes already registered.
"""

# isort: off
from vicinity_sim.processes import weather  # noqa: F401  (imported to register)
from vicinity_sim.processes import rollout  # noqa: F401
from vicinity_sim.processes import charging, compliance, contacts  # noqa: F401
from vicinity_sim.processes import governance, disputes, participation  # noqa: F401
from vicinity_sim.processes import fire, flood, structure  # noqa: F401
from vicinity_sim.processes import landlords  # noqa: F401
from vicinity_sim.processes import labour, prices, enterprise  # noqa: F401
from vicinity_sim.processes import collective, housing, migration  # noqa: F401
from vicinity_sim.processes import party, rules  # noqa: F401
from vicinity_sim.processes import observe  # noqa: F401

# isort: on
from vicinity_sim.processes.base import EVERY_OTHER, Process, register, registered, unregister

__all__ = ["EVERY_OTHER", "Process", "register", "registered", "unregister"]
