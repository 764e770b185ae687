"""Acquaintance ties: a symmetric, weighted network with a fixed number of slots per resident.

Ties change every day (they form through contact, strengthen, decay and break), so they are
stored in a fixed-width adjacency (ELL format) rather than CSR: row ``i`` of ``to`` lists the
partners of resident ``i`` (``-1`` marks a free slot) and the same row of ``w`` their tie
strengths in (0, 1]. Every tie is stored in both rows with the same strength; all kernels
here keep it so. A resident whose slots are full drops the weakest tie for a stronger one.

A tie of strength at least the acquaintance threshold counts as an acquaintance (熟人).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.streams import uniform
from vicinity_sim.world.tables import Table, arrays_of

EMPTY = -1
# Helpers called per encounter are inlined (``inline="always"``): a compiled call that passes
# arrays updates each array's reference count, which costs more than the helper's work.
#: Strength range of the acquaintances a resident has when the run starts (established ties,
#: above the default acquaintance threshold).
INITIAL_STRENGTH = (0.4, 1.0)


@dataclass
class Ties(Table):
    """Ties of all residents: ``to[i, k]`` partner (or -1), ``w[i, k]`` strength."""

    to: np.ndarray  # int32 (n_residents, max_ties)
    w: np.ndarray  # float32 (n_residents, max_ties)

    @classmethod
    def empty(cls, n: int, max_ties: int) -> Ties:
        return cls(
            np.full((n, max_ties), EMPTY, dtype=np.int32), np.zeros((n, max_ties), np.float32)
        )

    def degree(self, threshold: float = 0.0) -> np.ndarray:
        """Ties per resident with strength at least ``threshold``."""
        return ((self.to >= 0) & (self.w >= threshold)).sum(axis=1)


TiesArrays = arrays_of(Ties)


@njit(cache=True, inline="always")
def changed_strength(strength, delta):
    """A tie's strength after it gains ``delta`` (loses, if negative), capped at 1; a tie whose
    strength falls below the floor of ties ends (the caller removes it)."""
    return min(strength + delta, 1.0)


@njit(cache=True, inline="always")
def decayed_strength(strength, factor):
    """A tie's strength after a week's decay (``factor``: the share kept)."""
    return strength * factor


@njit(cache=True, inline="always")
def find_slot(to, i, j):
    """Slot of partner ``j`` in row ``i``, or -1."""
    for k in range(to.shape[1]):
        if to[i, k] == j:
            return k
    return -1


@njit(cache=True, inline="always")
def _unlink(to, w, i, j):
    k = find_slot(to, i, j)
    if k >= 0:
        to[i, k] = EMPTY
        w[i, k] = 0.0


@njit(cache=True, inline="always")
def _free_or_weakest(to, w, i):
    """A free slot of row ``i``, else its weakest slot."""
    best = 0
    for k in range(to.shape[1]):
        if to[i, k] == EMPTY:
            return k
        if w[i, k] < w[i, best]:
            best = k
    return best


@njit(cache=True, inline="always")
def add_tie(to, w, i, j, strength):
    """Strengthen the tie i–j by ``strength`` (capped at 1), creating it if needed.

    A new tie takes a free slot in each row, or the weakest slot if that tie is weaker than
    the new one (the dropped tie is removed from its other end too). Returns True if the tie
    exists afterwards.
    """
    if i == j:
        return False
    ki = find_slot(to, i, j)
    if ki >= 0:
        kj = find_slot(to, j, i)
        s = changed_strength(w[i, ki], strength)
        w[i, ki] = s
        w[j, kj] = s
        return True
    si = _free_or_weakest(to, w, i)
    sj = _free_or_weakest(to, w, j)
    if (to[i, si] != EMPTY and w[i, si] >= strength) or (
        to[j, sj] != EMPTY and w[j, sj] >= strength
    ):
        return False
    if to[i, si] != EMPTY:
        _unlink(to, w, to[i, si], i)
    if to[j, sj] != EMPTY:
        _unlink(to, w, to[j, sj], j)
    to[i, si] = j
    w[i, si] = min(strength, 1.0)
    to[j, sj] = i
    w[j, sj] = min(strength, 1.0)
    return True


@njit(cache=True)
def weaken_tie(to, w, i, j, amount, floor):
    """Weaken the tie i–j; remove it if it falls below ``floor``."""
    ki = find_slot(to, i, j)
    if ki < 0:
        return
    kj = find_slot(to, j, i)
    s = changed_strength(w[i, ki], -amount)
    if s < floor:
        to[i, ki] = EMPTY
        w[i, ki] = 0.0
        to[j, kj] = EMPTY
        w[j, kj] = 0.0
    else:
        w[i, ki] = s
        w[j, kj] = s


@njit(cache=True)
def clear_ties(to, w, residents):
    """Remove every tie of the given residents (they left), at both ends."""
    for r in residents:
        for k in range(to.shape[1]):
            j = to[r, k]
            if j != EMPTY:
                _unlink(to, w, j, r)
                to[r, k] = EMPTY
                w[r, k] = 0.0


@njit(cache=True)
def decay_ties(to, w, factor, floor, threshold):
    """Multiply every tie by ``factor``, drop those below ``floor``.

    Returns the number of acquaintances (ties at or above ``threshold``), counted once per
    resident end, i.e. the sum of acquaintance degrees.
    """
    count = 0
    for i in range(to.shape[0]):
        to_row, w_row = to[i], w[i]
        # Selects rather than branches (a slot's state is unpredictable): the compiler can
        # vectorise the row; free slots keep their values.
        for k in range(to.shape[1]):
            t = to_row[k]
            old = w_row[k]
            s = decayed_strength(old, factor)
            tied = t != EMPTY
            drop = tied & (s < floor)
            to_row[k] = EMPTY if drop else t
            w_row[k] = 0.0 if drop else (s if tied else old)
            count += tied & (s >= floor) & (s >= threshold)
    return count


class TieSeeding(NamedTuple):
    """How initial ties are drawn inside groups of residents (see :func:`seed_ties`).

    Attributes:
        rate: Expected ties each member seeks, by the member's group (local, migrant, Taiwan).
        same_group_accept, cross_group_accept: Probability a proposal is accepted within a
            group and across groups (homophily).
        strength_lo, strength_hi: Range of the initial strengths.
    """

    rate: np.ndarray
    same_group_accept: float
    cross_group_accept: float
    strength_lo: float
    strength_hi: float


@njit(cache=True)
def seed_ties(key, slot, ties, members_ptr, members, r, seeding):
    """Initial ties inside groups of residents (buildings, blocks, workplaces).

    For each group of residents (``members[members_ptr[g]:members_ptr[g+1]]``), each member
    proposes ties to random other members of the group; the expected number of proposals is
    ``seeding.rate[group of the proposer]``. A proposal to someone of the same group is accepted
    with probability ``same_group_accept``, otherwise ``cross_group_accept`` (homophily);
    members of the same household are skipped (family is not an acquaintance tie). Strengths
    are uniform in [strength_lo, strength_hi].

    Args:
        key, slot: Stream key and slot of the draws.
        ties: The ties (``to``, ``w``), updated.
        members_ptr, members: The groups (CSR of resident rows).
        r: Residents (``group``, ``household``).
        seeding: :class:`TieSeeding`.
    """
    ties_to = ties.to
    ties_w = ties.w
    r_group = r.group
    r_household = r.household
    counter = 0
    for g in range(len(members_ptr) - 1):
        lo, hi = members_ptr[g], members_ptr[g + 1]
        size = hi - lo
        if size < 2:
            continue
        for a in range(lo, hi):
            i = members[a]
            expected = seeding.rate[r_group[i]]
            n = int(expected)
            if uniform(key, slot, counter) < expected - n:
                n += 1
            counter += 1
            for _ in range(n):
                j = members[lo + int(uniform(key, slot, counter) * size)]
                counter += 1
                if j == i or r_household[j] == r_household[i]:
                    continue
                same = r_group[j] == r_group[i]
                accept = seeding.same_group_accept if same else seeding.cross_group_accept
                if uniform(key, slot, counter) < accept:
                    u = uniform(key, slot, counter + 1)
                    strength = seeding.strength_lo + (seeding.strength_hi - seeding.strength_lo) * u
                    add_tie(ties_to, ties_w, i, j, strength)
                counter += 2
    return counter


def group_members(labels: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of indices by label: ``members[ptr[g]:ptr[g+1]]`` are the indices with label g, in
    ascending order (negative labels belong to no group)."""
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    if len(labels) and labels.max() >= n_groups:
        raise IndexError(f"label {labels.max()} out of range for {n_groups} groups")
    return counting_sort(labels, n_groups)


@njit(cache=True)
def counting_sort(labels, n_groups):
    """:func:`group_members` inside compiled code: ``labels`` below ``n_groups`` (unchecked),
    negative ones in no group."""
    # A stable counting sort: the indices of each label in ascending order, as a stable
    # argsort gives them, in linear time (these indexes are rebuilt whenever households move).
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for x in labels:
        if x >= 0:
            ptr[x + 1] += 1
    for g in range(n_groups):
        ptr[g + 1] += ptr[g]
    fill = ptr[:-1].copy()
    members = np.empty(ptr[n_groups], dtype=np.int64)
    for i in range(len(labels)):
        x = labels[i]
        if x >= 0:
            members[fill[x]] = i
            fill[x] += 1
    return ptr, members
