"""Collective economy in the reference model: revenue and dividends to villagers (monthly).

Mirrors :mod:`vicinity_sim.processes.collective`. Each month a village collective earns its own
revenue (property leases and the like, at today's prices) plus the leases and profit shares its
projects paid it (the enterprise process); it
pays ``dividend_share`` of the total in equal per-capita dividends to its members, the local
villagers, and keeps the rest in its fund (revenue = dividends + addition to the fund). Only
the counts of members come from the agents; the money is kept on the
villages' table.
"""

from __future__ import annotations

import numpy as np

from vicinity_sim.processes.collective import collective_month
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.world.codes import LOCAL


@reference_process
class Collective(ReferenceProcess):
    """Monthly collective revenue, dividends and fund."""

    name = "collective"

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        v, pr = self.world.villages, self.world.projects
        # Members of each village's collective: its local villagers.
        members = np.zeros(len(v), dtype=np.int64)
        for res in self.model.residents:
            if res.group == LOCAL:
                members[res.village] += 1
        return collective_month(v, pr, members)
