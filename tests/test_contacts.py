"""The contact kernel: bounded-confidence verification and the contact hypothesis."""

import numpy as np
import pytest
from helpers import bundle

from vicinity_sim.processes.contacts import (
    SETTING_BUILDING,
    ContactSections,
    ContactsParams,
    Membership,
    daily_encounters,
    encounter,
)
from vicinity_sim.processes.sections import TiesParams, TrustParams
from vicinity_sim.world.ties import TiesArrays


def people(group, trust):
    """Residents of one household each with this trust."""
    n = len(group)
    return bundle("residents", n, group=group, household=np.arange(n), trust_inter=trust,
                  disposition_inter=trust.copy())  # fmt: skip


def sections(p: ContactsParams) -> ContactSections:
    return ContactSections(p.consts(), TrustParams().consts(), TiesParams().consts())


def empty_ties(n: int, max_ties: int = 4) -> TiesArrays:
    return TiesArrays(np.full((n, max_ties), -1, np.int32), np.zeros((n, max_ties), np.float32))


def mixing_population(n, p, trust, group=None, max_ties=4):
    """Arrays of ``n`` residents in one building where every encounter is with a random other
    resident (a mixing population)."""
    zeros = np.zeros(n, np.int32)
    ptr = np.array([0, n], np.int64)
    members = np.arange(n, dtype=np.int32)
    group = np.zeros(n, np.int8) if group is None else group
    residents = people(group, trust)  # the kernel updates ``trust`` itself
    m = Membership(zeros, zeros, zeros, zeros, *[ptr, members] * 4)
    s, ties = sections(p), empty_ties(n, max_ties)
    grids = bundle("grids", 1)

    def day(key):
        return daily_encounters(key, s, residents, m, grids, ties)

    return day


def final_groups(opinions, eps):
    """Opinions split wherever neighbours (in sorted order) are at least ε apart.

    Once every group is narrower than ε the split is final: within a group every pair is
    within ε and keeps converging, between groups nobody ever interacts again, and the
    groups only narrow. Returns the groups' sizes and whether that state is reached."""
    x = np.sort(opinions)
    cuts = np.nonzero(np.diff(x) >= eps)[0] + 1
    groups = np.split(x, cuts)
    converged = all(g[-1] - g[0] < eps for g in groups)
    return np.array([len(g) for g in groups]), converged


def deffuant_clusters(eps, seed, n=1000, max_days=3000):
    """Major clusters (more than 1% of the agents; the rest are the minor clusters left near
    the extremes) of a mixing population run to its final cluster structure."""
    p = ContactsParams(
        mode="bounded_confidence", confidence_bound=eps, convergence_rate=0.5,
        building_contacts_per_day=1.0, block_contacts_per_day=0.0,
        acquaintance_contacts_per_day=0.0, public_contacts_per_day=0.0,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    trust = np.column_stack([rng.random(n), np.zeros(n)])
    day = mixing_population(n, p, trust)
    for t in range(max_days):
        day(np.uint64(rng.integers(2**63)))
        if t % 25 == 24:
            sizes, converged = final_groups(trust[:, 0], eps)
            if converged:
                return int((sizes > 0.01 * n).sum())
    raise AssertionError(f"no final cluster structure after {max_days} days (ε = {eps})")


@pytest.fixture(scope="module")
def cluster_counts():
    """Major clusters for each ε over five seeds (1,000 agents, uniform initial opinions,
    μ = 0.5, every agent meets a uniformly random other once a day)."""
    return {eps: [deffuant_clusters(eps, seed) for seed in range(5)] for eps in EPSILONS}


EPSILONS = (0.1, 0.15, 0.2)


@pytest.mark.parametrize("eps", [0.15, 0.2])
def test_bounded_confidence_gives_deffuant_clusters(cluster_counts, eps):
    """Deffuant et al. (2000): with confidence bound ε, opinions settle into about ⌊1/(2ε)⌋
    major clusters; the mean over seeds is within 0.5 of it."""
    counts = cluster_counts[eps]
    assert np.mean(counts) == pytest.approx(int(1 / (2 * eps)), abs=0.5), counts


def test_deffuant_clusters_at_small_confidence(cluster_counts):
    """At ε = 0.1, ⌊1/(2ε)⌋ = 5 sits at the edge of the law. Ben-Naim, Krapivsky & Redner
    (2003, "Bifurcations and patterns in compromise processes") show from the rate equation
    that the number of major clusters changes through a periodic sequence of bifurcations as
    1/ε grows, with major clusters ending up somewhat more than 2ε apart (about 2.155ε for wide
    opinion ranges), i.e. about 1/(2.155ε) ≈ 4.6 major clusters at ε = 0.1 (see also Lorenz
    2007, "Continuous opinion dynamics under bounded confidence: a survey", on the bifurcation
    diagram and minor clusters). Finite populations land on 4 or 5: the mean over seeds must
    lie between them, and the count must fall as ε grows."""
    counts = cluster_counts[0.1]
    assert 4.0 <= np.mean(counts) <= 5.0, counts
    means = [np.mean(cluster_counts[eps]) for eps in EPSILONS]
    assert means[0] > means[1] > means[2], means


def test_bounded_confidence_update_is_deffuants():
    """One encounter: both move by μ of the difference if it is below ε, neither otherwise."""
    p = ContactsParams(
        mode="bounded_confidence", confidence_bound=0.2, convergence_rate=0.3,
        building_contacts_per_day=1.0, block_contacts_per_day=0.0,
        acquaintance_contacts_per_day=0.0, public_contacts_per_day=0.0,
    )  # fmt: skip
    s = sections(p)
    ties = empty_ties(2, 2)
    for x0, x1, moves in ((0.40, 0.55, True), (0.40, 0.65, False), (0.7, 0.51, True)):
        trust = np.array([[x0, 0.0], [x1, 0.0]])
        residents = people(np.zeros(2, np.int8), trust)
        encounter(np.uint64(3), 0, SETTING_BUILDING, 0, 1, 0.5, s, residents.group, trust,
                  residents.disposition_inter, ties.to, ties.w)  # fmt: skip
        want = [x0 + 0.3 * (x1 - x0), x1 + 0.3 * (x0 - x1)] if moves else [x0, x1]
        assert trust[:, 0] == pytest.approx(want, abs=1e-15)


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
