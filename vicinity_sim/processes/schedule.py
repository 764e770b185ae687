"""The schedule table of the model description (docs/ODD.md §3), generated from the contracts.

Every process declares what it reads, what it writes and what it runs after
(:mod:`vicinity_sim.processes.base`); the table lists them in schedule order, so the
description of the schedule cannot drift from the code. A test keeps docs/ODD.md in step;
``python -m vicinity_sim.processes.schedule`` prints the table.
"""

from __future__ import annotations

from vicinity_sim.processes.base import EVERY_OTHER, Process, registered

BEGIN = "<!-- BEGIN GENERATED SCHEDULE (python -m vicinity_sim.processes.schedule) -->"
END = "<!-- END GENERATED SCHEDULE -->"


def describe_state(names: tuple[str, ...]) -> str:
    """``table.column`` names grouped by table: ``buildings: a, b; residents (all)``."""
    by_table: dict[str, list[str]] = {}
    for name in names:
        table, _, column = name.partition(".")
        by_table.setdefault(table, []).append(f"`{column}`" if column else "")
    parts = []
    for table, cols in by_table.items():
        listed = [c for c in cols if c]
        parts.append(f"{table}: {', '.join(listed)}" if len(listed) == len(cols) else
                     f"{table} (all)")  # fmt: skip
    return "; ".join(parts) or "—"


def _after(cls: type[Process]) -> str:
    names = [f"`{a}`" for a in cls.after if a != EVERY_OTHER]
    if EVERY_OTHER in cls.after:
        names.insert(0, "every other process")
    return ", ".join(names) or "—"


def schedule_table() -> str:
    """The processes in schedule order with cadence, predecessors, reads and writes."""
    rows = [
        "| # | process (stream name) | cadence | runs after | reads | writes |",
        "|---|---|---|---|---|---|",
    ]
    for k, cls in enumerate(registered(), start=1):
        cells = [str(k), f"`{cls.name}`", cls.cadence, _after(cls),
                 describe_state(cls.reads), describe_state(cls.writes)]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([BEGIN, "", *rows, "", END]) + "\n"


if __name__ == "__main__":
    print(schedule_table(), end="")
