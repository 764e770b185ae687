"""Gridworkers decide their effort and patrol route, handle a case queue and quit under load.

docs/ODD.md §7.6: a post's holder works the hours supervision, their strain and duplicated
reporting leave; sustained overload makes holders quit and a newcomer starts knowing little of
the grid; the patrol route rule is a lever; party gridworkers differ only through documented
parameters, which are 0 by default (no evidence): then the party share changes nothing.
Small villages, one year, paired seeds.
"""

from __future__ import annotations

import numpy as np
from helpers import SEEDS, village
from test_interventions import assert_direction

from vicinity_sim.model import VicinityModel
from vicinity_sim.processes.governance import GovernanceParams, grid_knowledge
from vicinity_sim.runs import simulate
from vicinity_sim.scenario import scenario_from_dict

#: Eight grids of about 300 residents, one post each.
SMALL_GRIDS = {"residents_per_grid": 300.0, "gridworkers_per_grid_min": 1,
               "gridworkers_per_grid_max": 1}  # fmt: skip


def small(days: int = 365, interventions: list[dict] | None = None,
          population: dict | None = None, **sections):  # fmt: skip
    data = village(days=days, n_buildings=240, n_residents=2500, **sections)
    data["villages"][0]["population"].update(population or {})
    data["interventions"] = interventions or []
    return scenario_from_dict(data)


def test_overload_makes_gridworkers_quit_and_newcomers_know_little():
    """Five times the needs a grid's hours can take: holders quit far more often; the posts
    whose holders quit are held by newcomers who know less of the grid."""
    quits = {}
    for needs in (1.0, 40.0):
        quits[needs] = []
        for seed in SEEDS[:3]:
            model = VicinityModel(small(population=SMALL_GRIDS,
                                        governance={"needs_per_resident_year": needs}),
                                  rng=seed)  # fmt: skip
            model.run()
            gw = model.world.gridworkers
            quits[needs].append(int(gw.quits.sum()))
            if needs == 40.0:
                assert gw.strain.max() > 2.0
                # Posts held now by a newcomer, against posts whose holder never quit (a
                # vacant post knows nothing and is neither).
                replaced = (gw.quits > 0) & (gw.vacant_days == 0)
                kept = gw.quits == 0
                if replaced.any() and kept.any():
                    assert gw.knowledge[replaced].mean() < gw.knowledge[kept].mean()
    assert sum(quits[40.0]) > 3 * max(sum(quits[1.0]), 1), quits
    c = GovernanceParams().consts()
    assert grid_knowledge(0, 1000, c) == c.knowledge_start < grid_knowledge(365, 1000, c) < 1.0


def test_the_party_share_of_gridworkers_changes_nothing_without_evidence_of_a_difference():
    """Party gridworkers differ only through party_effort_difference and party_quit_difference,
    0 by default (no study found a difference): a program staffing grids with half or none
    party members gives the same run to the last digit; a difference of effort, once
    assumed, shows."""

    def summary(share: float, effort_difference: float = 0.0) -> dict:
        sc = small(240, [{"kind": "gridworker_staffing", "per_grid": 2, "party_share": share},
                         {"kind": "supervision"}],
                   {**SMALL_GRIDS, "gridworker_party_share": share},
                   governance={"party_effort_difference": effort_difference})  # fmt: skip
        return simulate(sc, seed=3).summary

    half, none = summary(0.5), summary(0.0)
    assert all(half[k] == none[k] or (half[k] != half[k] and none[k] != none[k]) for k in half)
    assert summary(0.5, 0.3)["gridworker_utilisation_mean"] != half["gridworker_utilisation_mean"]


def test_risk_targeted_patrols_persuade_more_indoor_chargers():
    """The route rule is a lever: gridworkers who go first to the buildings whose last check
    found hazards (as far as they know the grid) persuade more indoor chargers than those
    walking a fixed round, paired over seeds."""

    def persuaded(route: str, seed: int) -> float:
        sc = small(population={"residents_per_grid": 300.0},
                   governance={"patrol_route": route})  # fmt: skip
        return float(simulate(sc, seed=seed).columns["chargers_persuaded"].sum())

    diffs = [persuaded("risk_targeted", s) - persuaded("round_robin", s) for s in SEEDS]
    assert_direction(diffs, +1, ("risk_targeted - round_robin", "chargers_persuaded"))


def test_a_vacant_post_has_no_hours_and_is_filled_again():
    model = VicinityModel(small(40, population=SMALL_GRIDS,
                                governance={"base_quit_per_year": 40.0, "vacancy_days": 5}),
                          rng=1)  # fmt: skip
    seen_vacant = filled_again = False
    for _ in range(model.days):
        model.step()
        gw = model.world.gridworkers
        # Vacant all day (a holder who quit today worked today: their count is at 5).
        vacant = (gw.vacant_days > 0) & (gw.vacant_days < 5)
        assert np.all(gw.hours[vacant] == 0.0) and np.all(gw.tenure_days[gw.vacant_days > 0] == 0)
        seen_vacant |= bool(vacant.any())
        filled_again |= bool(((gw.quits > 0) & (gw.tenure_days > 0)).any())
    assert seen_vacant and filled_again
