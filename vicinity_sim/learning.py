"""How an experience moves trust: anchored learning.

Trust is part disposition, part experience. After an experience of quality ``perf`` in [0, 1]
(a positive or negative encounter, a request answered fast or never, a fire crew arriving in
time or late), a resident's trust moves a step ``rate`` toward a target that mixes the
experience with the resident's disposition ``d``:

    t ← t + rate · (weight · perf + (1 − weight) · d − t).

With weight 1 trust is the running record of experience (the expectation–confirmation reading:
experiences above one's current trust raise it); with weight 0 experience does not matter. The
disposition is drawn when a resident arrives and keeps trust of a group near its usual level
unless experience consistently says otherwise. Trust stays in [0, 1] whenever it starts there.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def learned(trust, disposition, perf, rate, weight):
    """Trust after an experience of quality ``perf`` in [0, 1] (anchored learning).

    Args:
        trust: Current trust in [0, 1].
        disposition: The resident's dispositional trust (the anchor).
        perf: Quality of the experience (1 positive, 0 negative).
        rate: Learning rate of this kind of experience.
        weight: Share of trust that follows experience.

    Returns:
        ``t + rate · (weight · perf + (1 − weight) · d − t)``.
    """
    target = weight * perf + (1.0 - weight) * disposition
    return trust + rate * (target - trust)


@njit(cache=True, inline="always")
def experience(trust, disposition, i, perf, rate, weight):
    """Update ``trust[i]`` after an experience of quality ``perf``."""
    trust[i] = learned(trust[i], disposition[i], perf, rate, weight)


@njit(cache=True, inline="always")
def experience_at(trust, disposition, i, k, perf, rate, weight):
    """Update column ``k`` of ``trust[i]`` (2-D trust, e.g. in-group and out-group)."""
    trust[i, k] = learned(trust[i, k], disposition[i, k], perf, rate, weight)


@njit(cache=True, inline="always")
def generalised_trust(in_group, out_group, outgroup_share):
    """Trust in neighbours at large: trust in one's own group and in the other groups weighted
    by the share of the village outside one's group."""
    return (1.0 - outgroup_share) * in_group + outgroup_share * out_group
