"""The trust-learning rule of the reference model (mirrors :mod:`vicinity_sim.learning`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident


def experience(trust: float, disposition: float, perf: float, rate: float, weight: float) -> float:
    """Trust after an experience of quality ``perf`` in [0, 1] (anchored learning).

    Trust moves a step ``rate`` toward a target that mixes the experience (weight ``weight``)
    with the resident's disposition: ``t + rate · (weight · perf + (1 − weight) · d − t)``, the
    same operations in the same order as the fast kernel.

    Args:
        trust: Current trust in [0, 1].
        disposition: The resident's dispositional trust (the anchor).
        perf: Quality of the experience (1 positive, 0 negative).
        rate: Learning rate of this kind of experience.
        weight: Share of trust that follows experience.

    Returns:
        The updated trust.
    """
    target = weight * perf + (1.0 - weight) * disposition
    return trust + rate * (target - trust)


def learn_institutions(res: Resident, perf: float, rate: float, weight: float) -> None:
    """Move a resident's institutional trust after an experience of the institutions."""
    res.trust_inst = experience(res.trust_inst, res.disposition_inst, perf, rate, weight)
