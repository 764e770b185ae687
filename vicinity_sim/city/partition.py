"""Partitioning a city's villages over workers, balanced by residents.

A village's work per day grows with its residents (contacts, needs, disputes and migration are
per resident; the fixed cost of a village's day is small beside that of a few thousand
residents), so workers get equal shares of residents, not of villages: villages are dealt out
largest first, each to the worker with the fewest residents so far (the longest-processing-time
rule; its largest load is at most 4/3 of the best possible).
"""

from __future__ import annotations

from collections.abc import Sequence


def balance(residents: Sequence[int], workers: int) -> list[list[int]]:
    """Villages' positions for each worker, balanced by residents.

    Args:
        residents: Residents of each village, by position.
        workers: Number of workers (at most one per village is used).

    Returns:
        One sorted list of positions per worker (no empty list; fewer lists than ``workers``
        if there are fewer villages).
    """
    n = min(max(int(workers), 1), len(residents))
    load = [0] * n
    parts: list[list[int]] = [[] for _ in range(n)]
    for v in sorted(range(len(residents)), key=lambda i: (-int(residents[i]), i)):
        k = min(range(n), key=lambda j: (load[j], j))
        parts[k].append(v)
        load[k] += int(residents[v])
    return [sorted(p) for p in parts]


def loads(residents: Sequence[int], parts: list[list[int]]) -> list[int]:
    """Residents of each worker's villages."""
    return [sum(int(residents[v]) for v in p) for p in parts]
