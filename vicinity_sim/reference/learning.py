"""The trust-learning rule of the reference model: :mod:`vicinity_sim.learning`'s, as Python."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vicinity_sim.learning import learned

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident

#: Trust after an experience (:func:`vicinity_sim.learning.learned`, run as Python).
experience = learned.py_func


def learn_institutions(res: Resident, perf: float, rate: float, weight: float) -> None:
    """Move a resident's institutional trust after an experience of the institutions."""
    res.trust_inst = experience(res.trust_inst, res.disposition_inst, perf, rate, weight)
