"""Acquaintance ties: symmetric storage under any sequence of operations."""

import numpy as np
from helpers import assert_ties_consistent
from hypothesis import given, settings
from hypothesis import strategies as st

from vicinity_sim.world.ties import Ties, add_tie, clear_ties, decay_ties, find_slot, weaken_tie

N, K = 12, 3

operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "weaken", "clear", "decay"]),
        st.integers(0, N - 1),
        st.integers(0, N - 1),
        st.floats(0.01, 1.0),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(ops=operations)
def test_ties_stay_symmetric(ops):
    ties = Ties.empty(N, K)
    for op, i, j, x in ops:
        if op == "add":
            add_tie(ties.to, ties.w, i, j, x)
        elif op == "weaken":
            weaken_tie(ties.to, ties.w, i, j, x, 0.05)
        elif op == "clear":
            clear_ties(ties.to, ties.w, np.array([i], dtype=np.int64))
        else:
            decay_ties(ties.to, ties.w, 1.0 - x / 2, 0.05, 0.3)
        assert_ties_consistent(ties.to, ties.w)
        assert np.all(ties.degree() <= K)


def test_strengthening_is_capped_and_shared():
    ties = Ties.empty(4, 2)
    assert add_tie(ties.to, ties.w, 0, 1, 0.6)
    assert add_tie(ties.to, ties.w, 1, 0, 0.6)  # the same tie, from the other end
    k = find_slot(ties.to, 0, 1)
    assert ties.w[0, k] == 1.0 and ties.w[1, find_slot(ties.to, 1, 0)] == 1.0
    assert not add_tie(ties.to, ties.w, 2, 2, 0.5)  # no tie to oneself


def test_full_rows_drop_their_weakest_tie_for_a_stronger_one():
    ties = Ties.empty(5, 2)
    add_tie(ties.to, ties.w, 0, 1, 0.9)
    add_tie(ties.to, ties.w, 0, 2, 0.2)
    assert not add_tie(ties.to, ties.w, 0, 3, 0.1)  # weaker than everything held
    assert add_tie(ties.to, ties.w, 0, 4, 0.5)  # replaces the 0.2 tie to resident 2
    assert find_slot(ties.to, 0, 2) < 0 and find_slot(ties.to, 2, 0) < 0
    assert find_slot(ties.to, 0, 4) >= 0 and find_slot(ties.to, 4, 0) >= 0


def test_decay_counts_acquaintances_and_drops_faded_ties():
    ties = Ties.empty(4, 3)
    add_tie(ties.to, ties.w, 0, 1, 0.8)
    add_tie(ties.to, ties.w, 2, 3, 0.06)
    count = decay_ties(ties.to, ties.w, 0.5, 0.05, 0.3)
    assert count == 2  # the 0–1 tie at 0.4, counted at both ends
    assert find_slot(ties.to, 2, 3) < 0  # 0.03 < floor
