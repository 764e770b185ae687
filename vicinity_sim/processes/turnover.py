"""Tenant turnover: households of tenants move out and newcomers take their units.

Migrant tenants in urban villages move often. Each month a tenant household (migrant or
Taiwan compatriot) moves out with a fixed probability and a newcomer household of the same
group and size moves into the unit: new people with the group's attributes, no acquaintances
in the village, not yet registered with the grid, charging e-bikes the way newcomers do. Their
departure breaks every tie they had and frees their places at charging sites. A pairing with a
party member stays with the unit.

Departure here is a base rate only; rent, jobs, hazards and distrust as push factors belong to
the migration mechanism.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.world.population import CHARGE_SITE, LOCAL, draw_people
from vicinity_sim.world.ties import clear_ties

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel


class TurnoverParams(ParamModel):
    """Base turnover of tenant households."""

    tenant_move_out_per_month: float = param(
        0.02, unit="1/month", ge=0.0, le=1.0,
        doc="Probability a tenant household moves out in a month (replaced by newcomers).",
        source="assumption: about a fifth of tenant households change each year",
    )  # fmt: skip


@register
class Turnover(Process):
    """Monthly replacement of departing tenant households by newcomers."""

    name = "turnover"
    order = SCHEDULE["migration"]
    cadence = "month"
    Params = TurnoverParams
    metrics = {"households_moved": "Tenant households replaced by newcomers this month."}

    def __init__(self, model: VicinityModel, params: TurnoverParams) -> None:
        super().__init__(model, params)
        hh = self.world.households
        self.hh_ptr = np.concatenate([[0], np.cumsum(hh.size)]).astype(np.int64)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if day == 0:
            return {"households_moved": 0.0}
        w = self.world
        hh, r = w.households, w.residents
        gen = self.model.streams.generator(self.name, day)
        tenants = hh.group != LOCAL
        leaving = np.nonzero(
            tenants & (gen.random(len(hh)) < self.params.tenant_move_out_per_month)
        )[0]
        if len(leaving) == 0:
            return {"households_moved": 0.0}
        sizes = hh.size[leaving]
        who = np.concatenate([np.arange(self.hh_ptr[h], self.hh_ptr[h + 1]) for h in leaving])
        clear_ties(w.ties.to, w.ties.w, who.astype(np.int64))
        at_site = who[r.charging[who] == CHARGE_SITE]
        np.subtract.at(w.charging_sites.used, r.charging_site[at_site], 1)
        r.charging_site[who] = -1
        head = np.zeros(len(who), dtype=bool)
        head[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = True
        for v in np.unique(r.village[who]):
            mask = r.village[who] == v
            ids = who[mask]
            spec = self.model.spec.villages[v].population
            people = draw_people(spec, r.group[ids], head[mask], gen)
            for name, values in people.items():
                getattr(r, name)[ids] = values
            workplaces = r.workplace[(r.village == v) & (r.workplace >= 0)]
            top = int(workplaces.max()) + 1 if len(workplaces) else 1
            r.workplace[ids] = np.where(people["employed"], gen.integers(0, top, len(ids)), -1)
        r.participating[who] = False
        r.points[who] = 0.0
        r.registered[who] = False
        r.arrived_day[who] = day
        return {"households_moved": float(len(leaving))}
