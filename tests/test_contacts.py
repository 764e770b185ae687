"""The contact kernel: bounded-confidence verification and the contact hypothesis."""

import numpy as np
import pytest

from vicinity_sim.processes.contacts import ContactConsts, ContactsParams, daily_encounters


def mixing_population(n, p, trust, group=None, max_ties=4):
    """Arrays of ``n`` residents in one building where every encounter is with a random other
    resident (a mixing population)."""
    c = ContactConsts.from_params(p)
    zeros = np.zeros(n, np.int64)
    ptr = np.array([0, n], np.int64)
    members = np.arange(n, dtype=np.int64)
    group = np.zeros(n, np.int8) if group is None else group
    to = np.full((n, max_ties), -1, np.int32)
    w = np.zeros((n, max_ties), np.float32)
    disposition = trust.copy()

    def day(key):
        return daily_encounters(key, c, zeros, zeros, zeros, members, ptr, members, ptr,
                                members, ptr, members, np.zeros(1), np.zeros(1), group, trust,
                                disposition, to, w)  # fmt: skip

    return day


def major_clusters(opinions, n):
    """Clusters of converged opinions (gaps > 0.02 separate them) holding ≥ 2% of agents."""
    x = np.sort(opinions)
    breaks = np.nonzero(np.diff(x) > 0.02)[0]
    sizes = np.diff(np.concatenate([[0], breaks + 1, [len(x)]]))
    return int((sizes >= 0.02 * n).sum())


@pytest.mark.parametrize("eps", [0.1, 0.15, 0.2])
def test_bounded_confidence_gives_deffuant_clusters(eps):
    """Deffuant et al. (2000): with confidence bound ε, opinions settle into about
    ⌊1/(2ε)⌋ major clusters (1,000 agents, uniform initial opinions, μ = 0.5, mixing).

    The law is approximate: at ε = 0.1 finite populations often merge into 4 rather than 5
    major clusters, so the mean over seeds must be within one of ⌊1/(2ε)⌋, and the count must
    fall as ε grows (checked across the parameter values by the expected numbers 5, 3, 2).
    """
    n = 1000
    p = ContactsParams(
        mode="bounded_confidence", confidence_bound=eps, convergence_rate=0.5,
        building_contacts_per_day=1.0, block_contacts_per_day=0.0,
        acquaintance_contacts_per_day=0.0, public_contacts_per_day=0.0,
    )  # fmt: skip
    counts = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        trust = np.column_stack([rng.random(n), np.zeros(n)])
        day = mixing_population(n, p, trust)
        for _ in range(600):
            day(np.uint64(rng.integers(2**63)))
        counts.append(major_clusters(trust[:, 0], n))
    expected = int(1 / (2 * eps))
    assert abs(np.mean(counts) - expected) <= 1.0, counts
    if eps >= 0.15:
        assert np.mean(counts) == pytest.approx(expected, abs=0.5), counts


def _divide_after(p, days=300, seed=0):
    n = 400
    rng = np.random.default_rng(seed)
    group = (np.arange(n) % 2).astype(np.int8)  # two groups, evenly mixed
    trust = np.column_stack([np.full(n, 0.6), np.full(n, 0.45)])  # own vs other group
    day = mixing_population(n, p, trust, group)
    for _ in range(days):
        day(np.uint64(rng.integers(2**63)))
    return float(np.mean(trust[:, 0] - trust[:, 1]))


def test_contact_in_good_conditions_narrows_the_divide():
    """Everyday cross-group encounters carry a prejudice penalty; the same number of
    encounters without it (Allport's conditions) leaves a smaller own/other-group gap."""
    everyday = ContactsParams(
        building_contacts_per_day=0.5, block_contacts_per_day=0.0,
        acquaintance_contacts_per_day=0.0, public_contacts_per_day=0.0,
    )  # fmt: skip
    allport = everyday.model_copy(update={"cross_group_penalty": 0.0})
    gaps = [(_divide_after(everyday, seed=s), _divide_after(allport, seed=s)) for s in range(3)]
    assert all(good < bad for bad, good in gaps), gaps
