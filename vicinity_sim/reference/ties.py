"""Acquaintance ties of resident agents: find, add, strengthen, weaken, decay and clear.

Agent-level counterparts of the kernels in :mod:`vicinity_sim.world.ties`, for every reference
process that touches ties (contacts forms and strengthens them, disputes weaken them,
migration clears a leaver's ties).

A resident keeps its ties in a fixed number of slots: ``ties_to[k]`` is the row of the partner
in slot ``k`` (:data:`EMPTY`, -1, marks a free slot) and ``ties_w[k]`` the tie's strength in
(0, 1] (0 in a free slot). The partner of row ``j`` is the agent ``model.residents[j]``.

Two invariants hold whenever these functions return:

* **Symmetry.** A tie is stored in both partners' slots, with the same strength. Every
  function that changes a tie changes both ends.
* **Precision.** Strengths are values of float32, the precision of the fast model's tie
  table: arithmetic is done in float64 (as the kernels do, whose float32 strengths are
  promoted when combined with float64 parameters) and the result is rounded to float32 when
  it is stored (:func:`f32`). Comparisons use the unrounded value where the kernels do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.world import ties as kernels

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident

# The kernels' formulas, run as Python.
changed_strength = kernels.changed_strength.py_func
decayed_strength = kernels.decayed_strength.py_func

#: Partner row of a free slot.
EMPTY = -1


def f32(x: float) -> float:
    """``x`` rounded to float32, the precision in which tie strengths are stored."""
    return float(np.float32(x))


def partner(res: Resident, row: int) -> Resident:
    """The resident agent of ``row`` (a partner of ``res``)."""
    return res.model.residents[row]


def find_slot(res: Resident, row: int) -> int:
    """Slot of ``res``'s tie to the resident of ``row``, or -1 if they have no tie."""
    for k, j in enumerate(res.ties_to):
        if j == row:
            return k
    return -1


def tie_strength(res: Resident, row: int) -> float:
    """Strength of ``res``'s tie to the resident of ``row`` (0 if there is none)."""
    k = find_slot(res, row)
    return res.ties_w[k] if k >= 0 else 0.0


def free_or_weakest_slot(res: Resident) -> int:
    """A free slot of ``res`` (the first), else the slot of its weakest tie (the first of
    equally weak ones)."""
    best = 0
    for k, j in enumerate(res.ties_to):
        if j == EMPTY:
            return k
        if res.ties_w[k] < res.ties_w[best]:
            best = k
    return best


def _empty_slot(res: Resident, k: int) -> None:
    res.ties_to[k] = EMPTY
    res.ties_w[k] = 0.0


def _unlink(res: Resident, row: int) -> None:
    """Remove ``res``'s end of its tie to ``row`` (the caller removes the other end)."""
    k = find_slot(res, row)
    if k >= 0:
        _empty_slot(res, k)


def remove_tie(a: Resident, b: Resident) -> None:
    """Remove the tie between ``a`` and ``b`` at both ends (nothing if there is none)."""
    _unlink(a, b.row)
    _unlink(b, a.row)


def add_tie(a: Resident, b: Resident, strength: float) -> bool:
    """Strengthen the tie a–b by ``strength`` (capped at 1), creating it if needed.

    A new tie takes a free slot at each end or, where the slots are full, the slot of the
    weakest tie, provided that tie is weaker than the new one; the dropped tie is removed at
    its other end too. If either end has only stronger ties, no tie forms. Mirrors
    :func:`vicinity_sim.world.ties.add_tie`.

    Args:
        a: One resident.
        b: The other resident.
        strength: Strength gained (added to an existing tie, or of the new tie).

    Returns:
        True if the tie exists afterwards.
    """
    if a.row == b.row:  # no tie to oneself
        return False
    ka = find_slot(a, b.row)
    if ka >= 0:  # an existing tie: strengthen both ends alike
        kb = find_slot(b, a.row)
        s = f32(changed_strength(a.ties_w[ka], strength))
        a.ties_w[ka] = s
        b.ties_w[kb] = s
        return True
    sa = free_or_weakest_slot(a)
    sb = free_or_weakest_slot(b)
    # A full end keeps its ties if even the weakest is at least as strong as the new one.
    if (a.ties_to[sa] != EMPTY and a.ties_w[sa] >= strength) or (
        b.ties_to[sb] != EMPTY and b.ties_w[sb] >= strength
    ):
        return False
    # Drop the weakest ties to make room, at their other ends as well.
    if a.ties_to[sa] != EMPTY:
        _unlink(partner(a, a.ties_to[sa]), a.row)
    if b.ties_to[sb] != EMPTY:
        _unlink(partner(b, b.ties_to[sb]), b.row)
    s = f32(min(strength, 1.0))
    a.ties_to[sa], a.ties_w[sa] = b.row, s
    b.ties_to[sb], b.ties_w[sb] = a.row, s
    return True


def change_tie(a: Resident, b: Resident, delta: float, floor: float) -> bool:
    """Change the strength of the existing tie a–b by ``delta`` at both ends.

    The new strength is capped at 1; below ``floor`` the tie disappears. Nothing happens if
    there is no tie. With ``delta = -amount`` this is
    :func:`vicinity_sim.world.ties.weaken_tie`; it is also how an encounter between
    acquaintances strengthens or weakens their tie (see contacts).

    Args:
        a: One partner.
        b: The other partner.
        delta: Strength gained (positive) or lost (negative).
        floor: Ties weaker than this disappear.

    Returns:
        True if the tie exists afterwards.
    """
    ka = find_slot(a, b.row)
    if ka < 0:
        return False
    kb = find_slot(b, a.row)
    s = changed_strength(a.ties_w[ka], delta)
    if s < floor:
        _empty_slot(a, ka)
        _empty_slot(b, kb)
        return False
    s = f32(s)
    a.ties_w[ka] = s
    b.ties_w[kb] = s
    return True


def weaken_tie(a: Resident, b: Resident, amount: float, floor: float) -> bool:
    """Weaken the tie a–b by ``amount``; remove it if it falls below ``floor``. Mirrors
    :func:`vicinity_sim.world.ties.weaken_tie`. Returns True if the tie exists afterwards."""
    return change_tie(a, b, -amount, floor)


def decay_ties(res: Resident, factor: float, floor: float, threshold: float) -> int:
    """Multiply each of ``res``'s ties by ``factor`` and drop those that fall below ``floor``.

    Only ``res``'s own slots change: applied to every resident (as the weekly pass does, see
    :func:`vicinity_sim.world.ties.decay_ties`), both ends of a tie decay alike and symmetry
    is kept. Applied to one resident alone it would break symmetry.

    Args:
        res: The resident.
        factor: Share of strength kept.
        floor: Ties weaker than this disappear.
        threshold: Strength from which a tie counts as an acquaintance.

    Returns:
        The resident's acquaintances after the decay (ties at or above ``threshold``).
    """
    count = 0
    for k, j in enumerate(res.ties_to):
        if j == EMPTY:
            continue
        s = decayed_strength(res.ties_w[k], factor)
        if s < floor:
            _empty_slot(res, k)
        else:
            res.ties_w[k] = f32(s)
            if s >= threshold:  # the kernel counts the unrounded strength
                count += 1
    return count


def clear_ties(res: Resident) -> None:
    """Remove every tie of ``res`` at both ends (the resident leaves). Mirrors
    :func:`vicinity_sim.world.ties.clear_ties` for one resident; several leavers are cleared
    one after the other, in the order the fast kernel is given them."""
    for k, j in enumerate(res.ties_to):
        if j != EMPTY:
            _unlink(partner(res, j), res.row)
            _empty_slot(res, k)


def acquaintances(res: Resident, threshold: float) -> int:
    """Ties of ``res`` with strength at least ``threshold`` (its acquaintances)."""
    pairs = zip(res.ties_to, res.ties_w, strict=True)
    return sum(1 for j, s in pairs if j != EMPTY and s >= threshold)
