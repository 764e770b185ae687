"""Party members decide how to spend a weekly budget of hours, and the party channel saturates.

What the model must show about party members (docs/ODD.md §7.18): no member gives more hours
than they set aside; a need the party channel answers always had a member with the time;
adding members at fixed hours raises the needs they answer until the channel saturates, and
the saturation shows; overload lowers the hours members give. Small villages (2,500
residents), half a year to a year, paired seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import village

from vicinity_sim.model import VicinityModel
from vicinity_sim.processes.party import PartyParams, weekly_budget
from vicinity_sim.runs import simulate
from vicinity_sim.scenario import scenario_from_dict
from vicinity_sim.world.codes import IN_SERVICE_MEMBER, MEMBER_ACTIVE, WORKING_MEMBER

SEEDS = (0, 1, 2)
#: No resident members: the in-service members an arm registers are all there are.
NO_RESIDENT_MEMBERS = {"local": {"party_share": 0.0}, "migrant": {"party_share": 0.0}}
#: Members whose hours stay fixed: no burnout, no withdrawing.
FIXED_HOURS = {"in_service_hours_week": 1.0, "burnout_hours_loss": 0.0,
               "base_quit_per_year": 0.0}  # fmt: skip


def small(days: int, interventions: list[dict], population: dict | None = None, **sections):
    """A 2,500-resident village with these interventions from day 0."""
    data = village(days=days, n_buildings=240, n_residents=2500, **sections)
    data["villages"][0]["population"].update(population or {})
    data["interventions"] = interventions
    return scenario_from_dict(data)


def program(days: int = 240, **sections):
    """Pairing of every household, in-service members, vanguard teams and the platform."""
    return small(days, [
        {"kind": "party_registration", "quantity": 150},
        {"kind": "party_pairing", "coverage": 1.0},
        {"kind": "vanguard_teams"},
        {"kind": "smart_platform"},
    ], **sections)  # fmt: skip


def test_members_give_only_hours_they_set_aside_for_tasks_they_did():
    """Every day: nobody has negative hours left; at the end, each member's hours given are
    at most the hours they set aside, and are exactly the hours of the tasks they did (members
    with more hours than the defaults, so that every kind of task happens)."""
    sc = program(governance={"needs_per_resident_year": 6.0},
                 party={"retired_hours_week": 5.0, "working_hours_week": 3.0,
                        "in_service_hours_week": 2.0})  # fmt: skip
    model = VicinityModel(sc, rng=4)
    for _ in range(model.days):
        model.step()
        assert model.world.party_members.hours_left.min() >= 0.0, model.day
    m = model.world.party_members
    assert np.all(m.hours_total <= m.budget_total + 1e-9)
    p, g, d = sc.party, sc.governance, sc.disputes
    tasks = (
        (m.needs_answered + m.claims) * g.party_need_hours
        + m.warnings * g.warning_hours_per_building
        + m.mediations * d.party_mediation_hours
        + m.visits * p.visit_hours
        + m.walks * p.walk_hours
        + m.events * p.event_hours
    )
    np.testing.assert_allclose(m.hours_total, tasks, rtol=1e-9, atol=1e-9)
    # Every kind of task happened, and some members ran out of hours.
    for column in ("needs_answered", "claims", "visits", "walks", "events", "mediations"):
        assert getattr(m, column).sum() > 0, column
    assert model.datacollector.column("needs_party_no_time").sum() > 0


@pytest.mark.parametrize("case", ["no hours", "needs longer than the bank"])
def test_a_member_without_the_time_answers_nothing(case):
    """Members with no hours, or needs that take longer than any member can hold, leave every
    need of a paired household to the grid: the party channel answers none."""
    party = {
        "party": {
            "retired_hours_week": 0.0,
            "working_hours_week": 0.0,
            "in_service_hours_week": 0.0,
            "appraisal_floor_hours_year": 0.0,
        }
    }
    if case == "needs longer than the bank":
        party = {"governance": {"party_need_hours": 90.0},
                 "party": {"in_service_hours_week": 5.0, "visit_hours": 0.5}}  # fmt: skip
    result = simulate(program(days=150, **party), seed=1)
    columns = result.columns
    assert columns["needs_to_party"].sum() > 100
    assert columns["needs_by_party"].sum() == 0 and columns["needs_claimed_by_party"].sum() == 0
    assert result.summary["party_channel_saturated_share"] == 1.0


def test_more_members_answer_more_needs_until_the_channel_saturates():
    """Every household paired; in-service members registered at a fixed hour a week each.
    Few members: nearly every need of a paired household finds no member with time (the
    channel is saturated) and the needs answered grow in proportion to the members. Many
    members: every household has one, the needs answered level off at the needs there are."""
    counts = (40, 160, 1280, 2560)
    answered = np.zeros((len(SEEDS), len(counts)))
    saturated = np.zeros_like(answered)
    for i, seed in enumerate(SEEDS):
        for j, n in enumerate(counts):
            sc = small(180, [{"kind": "party_pairing", "coverage": 1.0},
                             {"kind": "party_registration", "quantity": n}],
                       NO_RESIDENT_MEMBERS, party=FIXED_HOURS)  # fmt: skip
            summary = simulate(sc, seed=seed).summary
            answered[i, j] = summary["party_needs_answered_share"]
            saturated[i, j] = summary["party_channel_saturated_share"]
    # Near-proportional at first: four times the members answer more than three times the needs.
    assert np.all(answered[:, 1] > 3.0 * answered[:, 0]), answered
    assert np.all(saturated[:, 0] > 0.9), saturated
    # Saturated channel no more: doubling the members adds under 5%; most needs are answered.
    assert np.all(answered[:, 3] < 1.05 * answered[:, 2]), answered
    assert np.all(saturated[:, 3] < 0.15) and np.all(answered[:, 3] > 0.8), saturated
    assert np.all(np.diff(answered, axis=1) > -0.01), answered


def test_overload_lowers_the_hours_members_give():
    """Strain above the threshold lowers the hours a member sets aside (the rule itself), and
    in a run where needs keep members overloaded they give fewer hours than with burnout
    switched off, seed by seed."""
    c = PartyParams().consts()
    hours = [weekly_budget(WORKING_MEMBER, 0, 0.0, s, c) for s in (0.0, 1.2, 2.0, 4.0)]
    assert hours[0] == hours[1] > hours[2] > hours[3] > 0.0
    in_service = [weekly_budget(IN_SERVICE_MEMBER, -1, 0.0, s, c) for s in (0.0, 9.0)]
    assert in_service[1] == c.appraisal_floor_hours_year / 52 < in_service[0]  # "不掉队即可"

    def given(loss: float, seed: int) -> tuple[float, float]:
        sc = small(365, [{"kind": "party_pairing", "coverage": 1.0}],
                   governance={"needs_per_resident_year": 12.0},
                   party={"burnout_hours_loss": loss, "base_quit_per_year": 0.0})  # fmt: skip
        result = simulate(sc, seed=seed)
        return (result.summary["party_hours_per_member_week"],
                float(result.columns["party_overloaded_share"][-1]))  # fmt: skip

    for seed in SEEDS:
        burnout, overloaded = given(0.2, seed)
        assert overloaded > 0.05, (seed, overloaded)
        assert burnout < given(0.0, seed)[0], seed


def test_members_who_leave_the_village_are_replaced_by_members_who_arrive():
    """Resident members who move out are marked moved (their households released); newcomers
    who are members join as new rows."""
    model = VicinityModel(program(days=200), rng=2)
    built = len(model.world.party_members)
    model.run()
    m = model.world.party_members
    moved = np.flatnonzero(m.status == 3)
    assert len(moved) > 0 and len(m) > built
    assert not np.isin(model.world.households.pair_member, moved).any()
    serving = m.resident[(m.status == MEMBER_ACTIVE) & (m.resident >= 0)]
    assert model.world.residents.party[serving].all()
