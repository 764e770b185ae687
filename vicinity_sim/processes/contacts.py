"""Contacts: daily encounters, acquaintance ties and interpersonal trust.

Every day residents meet

* co-residents of their building and neighbours in their block (everyday encounters on the
  stairs and in the lanes);
* their acquaintances (visiting, chatting; only residents with ties have these);
* other residents of their grid in public spaces, more often and in better conditions where
  public space has been provided (parks, plazas, covered corridors) and where contributors
  keep the shared spaces clean (the grid's environment, see participation);
* other contributors while volunteering together (see participation);
* other residents at events: neighbourhood tea parties and resident councils in a grid,
  village-wide cultural events. Residents of the grid (village) are drawn at random and come
  for sure if they contribute to community affairs or are specially invited (Taiwan
  compatriots, where their participation is being encouraged), otherwise with a small
  probability; councils are for adults.

Each encounter is a positive experience with a probability, its *quality*: a base value per
setting, higher between acquaintances (by tie strength), lower between strangers of different
groups in everyday settings (building, block, public space) but not at events or in joint
volunteering, which meet Allport's conditions (equal status, common goals, cooperation,
institutional support; Pettigrew & Tropp 2006), nor between acquaintances, who know each
other. Effect sizes are kept modest (Paluck, Green & Green 2019). Members of one household do
not count as encounters (family is not a neighbourhood tie).

Interpersonal trust has two parts: trust in neighbours of one's own group and in those of the
other groups. An encounter moves the part it concerns (own group or other group):

* **Experience mode** (default): both residents' trust moves toward a mix of the outcome and
  their disposition, ``t ← t + μ (w·o + (1 − w)·d − t)`` with ``o`` 1 for a positive and 0 for
  a negative experience, ``d`` the resident's dispositional trust and ``w`` the experience
  weight: trust is part trait, part the record of the encounters one has. Positive contact
  across groups in good conditions raises out-group trust, which is how contact narrows the
  local–migrant divide.
* **Bounded-confidence mode** (Deffuant et al. 2000): ``t`` is an opinion; two residents whose
  opinions differ by less than ε move toward each other by μ of the difference. Used to verify
  the kernel against the known cluster count ⌊1/(2ε)⌋.

Encounters build ties: an existing tie is strengthened; otherwise a new one forms with a
probability that is higher within a group (homophily). Once a week every tie decays and the
weakest disappear; the weekly pass also counts acquaintances. Councils give attendees a voice,
which raises their institutional trust.

Levers read here: grids' ``public_space``, ``tea_parties_per_month``, ``council``; villages'
``cultural_events_per_year``, ``taiwan_program``. State read: grids' ``environment``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.dispatch import KernelCall
from vicinity_sim.errors import InputError
from vicinity_sim.learning import experience, experience_at
from vicinity_sim.params import ParamModel, consts_class, param
from vicinity_sim.processes.base import Process, register
from vicinity_sim.streams import stream_slots, uniform
from vicinity_sim.world import World
from vicinity_sim.world.codes import CHILD, IN_GROUP, OUT_GROUP, TAIWAN
from vicinity_sim.world.ties import (
    add_tie,
    changed_strength,
    decay_ties,
    find_slot,
    group_members,
)

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

EXPERIENCE, BOUNDED_CONFIDENCE = 0, 1
SETTING_BUILDING, SETTING_BLOCK, SETTING_PUBLIC, SETTING_EVENT = 0, 1, 2, 3
SETTING_ACQUAINTANCE, SETTING_VOLUNTEER = 4, 5
#: A partner to be drawn from the ties when the encounter happens (real partners are rows,
#: and -1 means none).
ACQUAINTANCE_DUE = -2


@stream_slots("contacts")
class ContactSlot(IntEnum):
    """Slots of the contacts stream's draws."""

    SETTING = 0
    PARTNER = 1
    OUTCOME = 2
    FORM = 3
    EVENT_DAY = 4
    ATTEND = 5
    CULTURE_DAY = 6
    EVENT_PAIR = 7
    VOLUNTEER = 8


class ContactsParams(ParamModel):
    """Encounters, ties and interpersonal trust."""

    mode: Literal["experience", "bounded_confidence"] = param(
        "experience", unit="-",
        doc="How an encounter moves trust: toward its outcome (experience) or toward the other "
        "resident's trust if close enough (bounded confidence, for verification).",
        source="-",
    )  # fmt: skip
    building_contacts_per_day: float = param(
        0.1, unit="1/(person·day)", ge=0.0, le=1.0,
        doc="Encounters a resident starts per day with co-residents of the building.",
        source="assumption",
    )  # fmt: skip
    block_contacts_per_day: float = param(
        0.04, unit="1/(person·day)", ge=0.0, le=1.0,
        doc="Encounters a resident starts per day with residents elsewhere in the block.",
        source="assumption",
    )  # fmt: skip
    acquaintance_contacts_per_day: float = param(
        0.08, unit="1/(person·day)", ge=0.0, le=1.0,
        doc="Encounters a resident with acquaintances starts per day with one of them.",
        source="assumption",
    )  # fmt: skip
    public_contacts_per_day: float = param(
        0.015, unit="1/(person·day)", ge=0.0, le=1.0,
        doc="Encounters a resident starts per day in public spaces, without public space.",
        source="assumption",
    )  # fmt: skip
    public_space_contact_gain: float = param(
        4.0, unit="1", ge=0.0, le=100.0,
        doc="Public encounters are multiplied by 1 + gain × public_space.", source="assumption",
    )  # fmt: skip
    quality_stranger: float = param(
        0.55, unit="1", ge=0.0, le=1.0,
        doc="Probability an everyday encounter with a stranger of one's group is positive.",
        source="assumption",
    )  # fmt: skip
    public_space_quality_gain: float = param(
        0.1, unit="1", ge=0.0, le=1.0,
        doc="Quality of public encounters rises by gain × public_space (pleasant places).",
        source="assumption",
    )  # fmt: skip
    environment_quality_gain: float = param(
        0.1, unit="1", ge=0.0, le=1.0,
        doc="Quality of public encounters rises by gain × environment (clean, kept spaces).",
        source="assumption",
    )  # fmt: skip
    quality_event: float = param(
        0.85, unit="1", ge=0.0, le=1.0, range=(0.6, 0.95),
        doc="Probability an encounter at an event is positive (Allport's conditions).",
        source="assumption after Pettigrew & Tropp 2006",
    )  # fmt: skip
    cross_group_penalty: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Quality lost by everyday encounters between strangers of different groups "
        "(prejudice); none at events, in volunteering or between acquaintances.",
        source="assumption; modest, after Paluck, Green & Green 2019",
    )  # fmt: skip
    tie_quality_bonus: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Quality gained per unit of tie strength between acquaintances.",
        source="assumption",
    )  # fmt: skip
    trust_learning_rate: float = param(
        0.05, unit="1/encounter", ge=0.0, le=1.0,
        doc="Weight of one encounter in interpersonal trust (experience mode).",
        source="assumption",
    )  # fmt: skip
    confidence_bound: float = param(
        0.2, unit="1", gt=0.0, le=1.0,
        doc="Bounded-confidence mode: largest trust difference that still moves trust (ε).",
        source="Deffuant et al. 2000",
    )  # fmt: skip
    convergence_rate: float = param(
        0.5, unit="1", gt=0.0, le=0.5,
        doc="Bounded-confidence mode: share of the difference each resident moves (μ).",
        source="Deffuant et al. 2000",
    )  # fmt: skip
    tie_increment: float = param(
        0.15, unit="1/encounter", ge=0.0, le=1.0,
        doc="Tie strength gained per positive encounter.", source="assumption",
    )  # fmt: skip
    tie_form_same_group: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Probability a positive encounter between strangers of one group starts a tie.",
        source="assumption",
    )  # fmt: skip
    tie_form_cross_group: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Probability a positive encounter between strangers of different groups starts a "
        "tie (homophily).",
        source="assumption",
    )  # fmt: skip
    tie_weakening: float = param(
        0.1, unit="1/encounter", ge=0.0, le=1.0,
        doc="Tie strength lost per negative encounter.", source="assumption",
    )  # fmt: skip
    tie_decay_per_week: float = param(
        0.03, unit="1/week", ge=0.0, le=1.0,
        doc="Share of tie strength lost each week.",
        source="assumption: an acquaintance fades over months without meeting",
    )  # fmt: skip
    acquaintance_threshold: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Tie strength from which a tie counts as an acquaintance (熟人).",
        source="assumption",
    )  # fmt: skip
    volunteer_contacts_per_day: float = param(
        0.15, unit="1/(person·day)", ge=0.0, le=1.0,
        doc="Encounters a contributor starts per day with another contributor while "
        "volunteering (about one a week).",
        source="assumption",
    )  # fmt: skip
    event_size: int = param(
        30, unit="persons", ge=2, le=10_000,
        doc="Attendees of a tea party or council meeting.", source="assumption",
    )  # fmt: skip
    cultural_event_size: int = param(
        200, unit="persons", ge=2, le=100_000,
        doc="Attendees of a village-wide cultural event.", source="assumption",
    )  # fmt: skip
    event_contacts_per_attendee: float = param(
        3.0, unit="1/person", ge=0.0, le=100.0,
        doc="Encounters each attendee has at an event.", source="assumption",
    )  # fmt: skip
    invited_acceptance: float = param(
        0.15, unit="1", ge=0.0, le=1.0,
        doc="Probability a resident who does not take part in community affairs comes when "
        "invited (contributors and specially invited residents always come).",
        source="assumption",
    )  # fmt: skip
    council_voice_effect: float = param(
        0.05, unit="1", ge=0.0, le=1.0,
        doc="Learning rate of the positive institutional experience of attending a council.",
        source="assumption: procedural voice raises legitimacy",
    )  # fmt: skip


ContactsConsts = consts_class(ContactsParams)

#: Event ids are spread this far apart so that the draws of different events never share an
#: index.
EVENT_INDEX_SPACING = 4_000_000_000
#: Attempts a volunteer makes to find another contributor of the grid.
VOLUNTEER_ATTEMPTS = 8
TEA_PARTY, COUNCIL, CULTURAL_EVENT = 0, 1, 2


class ContactSections(NamedTuple):
    """The parameter sections an encounter uses: its own, the shared trust and ties ones."""

    contacts: Any
    trust: Any
    ties: Any


def check_encounter_rates(p: ContactsParams, source: str) -> None:
    """A resident starts at most one everyday encounter a day: the rates must add up to at
    most 1 at full public space.

    Raises:
        InputError: If they do not, naming the scenario and the section.
    """
    total = (p.building_contacts_per_day + p.block_contacts_per_day
             + p.acquaintance_contacts_per_day + p.public_contacts_per_day
             * (1.0 + p.public_space_contact_gain))  # fmt: skip
    if total > 1.0:
        raise InputError(
            source, "contacts",
            f"encounter rates add up to {total:.3g} per resident-day at full public space; "
            "a resident starts at most one encounter a day, so keep the sum at most 1",
        )  # fmt: skip


# -- formulas (the reference engine runs the same functions as Python) ------------------------


@njit(cache=True, inline="always")
def setting_limits(c):
    """The draw below which a resident's everyday encounter is with the building, the block
    and an acquaintance (cumulative rates; above them, public space or none)."""
    e_building = c.building_contacts_per_day
    e_block = e_building + c.block_contacts_per_day
    return e_building, e_block, e_block + c.acquaintance_contacts_per_day


@njit(cache=True, inline="always")
def public_limit(e_acquaintance, public_space, c):
    """The draw below which a resident meets someone in public space (more public space,
    more encounters)."""
    rate = c.public_contacts_per_day * (1.0 + c.public_space_contact_gain * public_space)
    return e_acquaintance + rate


@njit(cache=True, inline="always")
def public_quality(public_space, environment, c):
    """Base quality of an encounter in public space: better in pleasant, clean places."""
    return (c.quality_stranger + c.public_space_quality_gain * public_space
            + c.environment_quality_gain * environment)  # fmt: skip


@njit(cache=True, inline="always")
def encounter_quality(base, tie_w, tied, setting, same_group, c):
    """Probability an encounter is positive: the setting's quality, better between
    acquaintances, worse between strangers of different groups in everyday settings."""
    q = base
    if tied:
        q += c.tie_quality_bonus * tie_w
    if setting < SETTING_EVENT and not tied and not same_group:
        q -= c.cross_group_penalty
    return q


@njit(cache=True, inline="always")
def converged(ti, tj, c):
    """Bounded confidence: the two residents' trust after they meet (unchanged if further
    apart than the bound)."""
    if abs(ti - tj) < c.confidence_bound:
        return ti + c.convergence_rate * (tj - ti), tj + c.convergence_rate * (ti - tj)
    return ti, tj


@njit(cache=True, inline="always")
def encounter_tie_change(positive, c):
    """What an encounter does to an existing tie's strength."""
    return c.tie_increment if positive else -c.tie_weakening


@njit(cache=True, inline="always")
def tie_form_probability(same_group, c):
    """Probability a positive encounter between strangers starts a tie (homophily)."""
    return c.tie_form_same_group if same_group else c.tie_form_cross_group


@njit(cache=True, inline="always")
def attend_probability(welcome, child, council, c):
    """Probability an invited resident comes: for sure if contributing or specially invited
    (``welcome``), else ``invited_acceptance``; children do not come to councils."""
    if council and child:
        return 0.0
    return 1.0 if welcome else c.invited_acceptance


@njit(cache=True, inline="always")
def event_base(event_id):
    """First entity index of an event's draws."""
    return (event_id + 1) * EVENT_INDEX_SPACING


@njit(cache=True, inline="always")
def event_encounter_count(attendees, c):
    """Encounters at an event: each attendee has ``event_contacts_per_attendee``."""
    return int(attendees * c.event_contacts_per_attendee / 2.0)


@njit(cache=True, inline="always")
def tea_party_today(u, per_month):
    """Whether a grid's tea party is held today, given its uniform."""
    return per_month > 0 and u < per_month / 30.0


@njit(cache=True, inline="always")
def council_today(u, council):
    """Whether a grid's council meets today (monthly), given its uniform."""
    return council and u < 1.0 / 30.0


@njit(cache=True, inline="always")
def cultural_event_today(u, per_year):
    """Whether a village holds a cultural event today, given its uniform."""
    return per_year > 0 and u < per_year / 365.0


# -- kernels -------------------------------------------------------------------------------


# Inlined into the encounter loops, and given arrays, not bundles: a compiled call that passes
# arrays updates each array's reference count, and so does taking an array out of a bundle,
# which in these loops costs more than the encounter itself. The loops take the arrays out of
# their bundles once, before they start.
@njit(cache=True, inline="always")
def encounter(key, index, setting, i, j, quality, s, group, trust, disposition, to, w):
    """One encounter between residents i and j; returns 1 if it was positive, else 0.

    ``index`` addresses the encounter's draws; ``quality`` is the setting's base quality;
    ``s`` the :class:`ContactSections`; the arrays are the residents' ``group``,
    ``trust_inter`` and ``disposition_inter`` and the ties' ``to`` and ``w``.
    """
    c = s.contacts
    k = find_slot(to, i, j)
    same = group[i] == group[j]
    tie_w = w[i, k] if k >= 0 else 0.0
    q = encounter_quality(quality, tie_w, k >= 0, setting, same, c)
    positive = uniform(key, ContactSlot.OUTCOME, index) < q
    col = IN_GROUP if same else OUT_GROUP
    if c.mode == BOUNDED_CONFIDENCE:
        trust[i, col], trust[j, col] = converged(trust[i, col], trust[j, col], c)
    else:
        o = 1.0 if positive else 0.0
        weight = s.trust.interpersonal_experience_weight
        experience_at(trust, disposition, i, col, o, c.trust_learning_rate, weight)
        experience_at(trust, disposition, j, col, o, c.trust_learning_rate, weight)
    if k >= 0:  # acquaintances: the tie strengthens or weakens, in both rows
        kj = find_slot(to, j, i)
        strength = changed_strength(w[i, k], encounter_tie_change(positive, c))
        if strength < s.ties.floor:
            to[i, k] = -1
            to[j, kj] = -1
            strength = 0.0
        w[i, k] = strength
        w[j, kj] = strength
    elif positive and uniform(key, ContactSlot.FORM, index) < tie_form_probability(same, c):
        add_tie(to, w, i, j, c.tie_increment)
    return 1 if positive else 0


@njit(cache=True, inline="always")
def _partner(key, i, members, lo, hi):
    """A random member of members[lo:hi] other than ``i``, or -1."""
    if hi - lo < 2:
        return -1
    j = members[lo + int(uniform(key, ContactSlot.PARTNER, i) * (hi - lo))]
    return -1 if j == i else j


@njit(cache=True, inline="always")
def _acquaintance(key, i, to):
    """A random tie of ``i``, whatever its strength (the first at or after a random slot), or
    -1."""
    n_slots = to.shape[1]
    k = int(uniform(key, ContactSlot.PARTNER, i) * n_slots)
    for step in range(n_slots):
        j = to[i, (k + step) % n_slots]
        if j >= 0:
            return j
    return -1


@njit(cache=True)
def daily_encounters(key, s, r, m, g, ties):
    """Everyday encounters of one day; returns (encounters, positive).

    Args:
        key: The day's stream key.
        s: :class:`ContactSections`.
        r, ties: Residents (``trust_inter`` updated) and ties (updated).
        m: :class:`Membership`.
        g: Grids (``public_space``, ``environment``).

    Residents are visited in storage order; each starts at most one encounter, whose setting
    is chosen by one uniform draw against the cumulative setting rates. A new village stores
    them building by building; newcomers take the rows of the households they replace,
    wherever they move in, so over a run the rows of a building scatter. That costs nothing
    measurable here (``benchmarks/bench_contacts.py``): an encounter costs as much in the
    last days of a 3-year program as in the first, about 85-100 ns in all on warm tables at
    any village size. Inside a run at Weili size it costs 10-25% more, because the other
    processes push these tables (8 MB) out of the caches between one day and the next; the
    rest is the kernel's own work (branches that depend on draws, searches of tie slots).

    Three passes make the same draws and the same encounters in the same order as one pass over
    the residents would: (1) the residents who start an encounter today (most do not); (2) their
    partners, except acquaintances, who depend on ties that today's earlier encounters change,
    and each encounter's setting and base quality; (3) the encounters. Passes 1 and 2 write no
    state, and pass 1 has no branch per resident, so the processor overlaps more work than in a
    single loop.
    """
    r_group = r.group
    r_household = r.household
    m_block = m.block
    m_block_members = m.block_members
    m_block_ptr = m.block_ptr
    m_building = m.building
    m_building_members = m.building_members
    m_building_ptr = m.building_ptr
    m_grid = m.grid
    m_grid_members = m.grid_members
    m_grid_ptr = m.grid_ptr
    g_environment = g.environment
    g_public_space = g.public_space
    r_trust_inter = r.trust_inter
    r_disposition_inter = r.disposition_inter
    ties_to = ties.to
    ties_w = ties.w
    c = s.contacts
    n = len(r_group)
    e_building, e_block, e_acq = setting_limits(c)
    limit = np.empty(len(g_public_space))  # the draw below which one goes out
    for k in range(len(limit)):
        limit[k] = public_limit(e_acq, g_public_space[k], c)
    starter = np.empty(n, np.int64)
    draw = np.empty(n)
    n_start = 0
    for i in range(n):
        u = uniform(key, ContactSlot.SETTING, i)
        starter[n_start] = i
        draw[n_start] = u
        n_start += (u < e_acq) | (u < limit[m_grid[i]])
    # Pass 2 also settles each encounter's setting and base quality, so that pass 3, where
    # the state changes, branches only on whether the partner is an acquaintance.
    partner = np.empty(n_start, np.int64)
    setting = np.empty(n_start, np.int64)
    quality = np.empty(n_start)
    for a in range(n_start):
        i, u = starter[a], draw[a]
        quality[a] = c.quality_stranger
        if u < e_building:
            k = m_building[i]
            setting[a] = SETTING_BUILDING
            partner[a] = _partner(key, i, m_building_members, m_building_ptr[k],
                                  m_building_ptr[k + 1])  # fmt: skip
        elif u < e_block:
            k = m_block[i]
            setting[a] = SETTING_BLOCK
            partner[a] = _partner(key, i, m_block_members, m_block_ptr[k], m_block_ptr[k + 1])
        elif u < e_acq:
            setting[a] = SETTING_ACQUAINTANCE
            partner[a] = ACQUAINTANCE_DUE  # chosen in pass 3, from the ties as they are then
        else:
            k = m_grid[i]
            setting[a] = SETTING_PUBLIC
            quality[a] = public_quality(g_public_space[k], g_environment[k], c)
            partner[a] = _partner(key, i, m_grid_members, m_grid_ptr[k], m_grid_ptr[k + 1])
    done = 0
    positive = 0
    for a in range(n_start):
        i, j = starter[a], partner[a]
        if j == ACQUAINTANCE_DUE:
            j = _acquaintance(key, i, ties_to)
        if j < 0 or r_household[j] == r_household[i]:
            continue
        positive += encounter(key, i, setting[a], i, j, quality[a], s, r_group, r_trust_inter,
                              r_disposition_inter, ties_to, ties_w)  # fmt: skip
        done += 1
    return done, positive


@njit(cache=True)
def volunteer_encounters(key, s, r, m, ties):
    """Contributors volunteering together: each starts one such encounter a day with
    probability ``volunteer_contacts_per_day``, with another contributor of the grid
    (Allport's conditions: common goals, cooperation). Returns (encounters, positive)."""
    r_group = r.group
    r_household = r.household
    r_participating = r.participating
    m_grid = m.grid
    m_grid_members = m.grid_members
    m_grid_ptr = m.grid_ptr
    r_trust_inter = r.trust_inter
    r_disposition_inter = r.disposition_inter
    ties_to = ties.to
    ties_w = ties.w
    c = s.contacts
    n = len(r_group)
    # Contributors first, in one pass without branches (few residents contribute: a branch
    # per resident would often be mispredicted), then their draws in the same order.
    contributors = np.empty(n, np.int64)
    n_contrib = 0
    for i in range(n):
        contributors[n_contrib] = i
        n_contrib += r_participating[i]
    done = positive = 0
    for a in range(n_contrib):
        i = contributors[a]
        if uniform(key, ContactSlot.VOLUNTEER, i) >= c.volunteer_contacts_per_day:
            continue
        g = m_grid[i]
        lo, hi = m_grid_ptr[g], m_grid_ptr[g + 1]
        for attempt in range(VOLUNTEER_ATTEMPTS):  # look for another contributor in the grid
            u = uniform(key, ContactSlot.VOLUNTEER, n * (attempt + 1) + i)
            j = m_grid_members[lo + int(u * (hi - lo))]
            if r_participating[j] and r_household[j] != r_household[i]:
                positive += encounter(key, n + i, SETTING_VOLUNTEER, i, j, c.quality_event, s,
                                      r_group, r_trust_inter, r_disposition_inter, ties_to,
                                      ties_w)  # fmt: skip
                done += 1
                break
    return done, positive


@njit(cache=True)
def event_encounters(key, event_id, members, size, council, invited, s, r, ties, attendees):
    """Draw attendees of one event from ``members`` and let them meet.

    Args:
        key: The day's stream key.
        event_id: The event's index (addresses its draws, see :func:`event_base`).
        members: Residents who may be invited.
        size: Attendees sought.
        council: Whether it is a council (adults only).
        invited: Whether each resident is specially invited.
        s, r, ties: :class:`ContactSections`, residents and ties.
        attendees: Output: the attendees.

    Returns:
        (attendees, encounters, positive, cross_group).
    """
    r_age = r.age
    r_group = r.group
    r_household = r.household
    r_participating = r.participating
    r_trust_inter = r.trust_inter
    r_disposition_inter = r.disposition_inter
    ties_to = ties.to
    ties_w = ties.w
    c = s.contacts
    n_members = len(members)
    base = event_base(event_id)
    n_att = 0
    tries = 0
    while n_att < size and tries < 4 * size and n_members > 0:
        i = members[int(uniform(key, ContactSlot.ATTEND, base + 2 * tries) * n_members)]
        welcome = r_participating[i] or invited[i]
        accept = attend_probability(welcome, r_age[i] == CHILD, council, c)
        ok = uniform(key, ContactSlot.ATTEND, base + 2 * tries + 1) < accept
        tries += 1
        if not ok:
            continue
        dup = False
        for a in range(n_att):
            if attendees[a] == i:
                dup = True
                break
        if not dup:
            attendees[n_att] = i
            n_att += 1
    done = positive = cross = 0
    if n_att < 2:
        return n_att, 0, 0, 0
    for k in range(event_encounter_count(n_att, c)):
        idx = base + k
        i = attendees[int(uniform(key, ContactSlot.EVENT_PAIR, 2 * idx) * n_att)]
        j = attendees[int(uniform(key, ContactSlot.EVENT_PAIR, 2 * idx + 1) * n_att)]
        if r_household[i] == r_household[j]:
            continue
        positive += encounter(key, idx, SETTING_EVENT, i, j, c.quality_event, s, r_group,
                              r_trust_inter, r_disposition_inter, ties_to, ties_w)  # fmt: skip
        cross += r_group[i] != r_group[j]
        done += 1
    return n_att, done, positive, cross


@njit(cache=True)
def events_today(key, g, v):
    """Today's events as rows (kind, grid or village): tea parties by grid, then council
    meetings by grid, then cultural events by village (one compiled call: most days have
    none, and looking for them is a daily cost)."""
    g_council = g.council
    g_tea_parties_per_month = g.tea_parties_per_month
    v_cultural_events_per_year = v.cultural_events_per_year
    n_grids = len(g_tea_parties_per_month)
    out = np.empty((2 * n_grids + len(v_cultural_events_per_year), 2), np.int64)
    n = 0
    for k in range(n_grids):
        u = uniform(key, ContactSlot.EVENT_DAY, 2 * k)
        if tea_party_today(u, g_tea_parties_per_month[k]):
            out[n, 0], out[n, 1] = TEA_PARTY, k
            n += 1
    for k in range(n_grids):
        if council_today(uniform(key, ContactSlot.EVENT_DAY, 2 * k + 1), g_council[k]):
            out[n, 0], out[n, 1] = COUNCIL, k
            n += 1
    for k in range(len(v_cultural_events_per_year)):
        u = uniform(key, ContactSlot.CULTURE_DAY, k)
        if cultural_event_today(u, v_cultural_events_per_year[k]):
            out[n, 0], out[n, 1] = CULTURAL_EVENT, k
            n += 1
    return out[:n]


@njit(cache=True)
def voice(attendees, r, rate, weight):
    """Council attendees had a voice: a positive experience of the institutions."""
    r_disposition_inst = r.disposition_inst
    r_trust_inst = r.trust_inst
    for i in attendees:
        experience(r_trust_inst, r_disposition_inst, i, 1.0, rate, weight)


class Membership(NamedTuple):
    """Residents grouped by building, block, grid and village (CSR), and each one's labels.

    Labels and members are 32-bit (row and group numbers fit), pointers 64-bit: in a large
    village the encounters' tables outgrow the processor's caches between one day's
    encounters and the next (``benchmarks/bench_contacts.py`` measures the wait), and the
    narrower rows made the everyday encounters about 10% faster in Weili-size runs (seven
    1-year runs of each width, alternating in one process).
    """

    building: np.ndarray
    block: np.ndarray
    grid: np.ndarray
    village: np.ndarray
    building_ptr: np.ndarray
    building_members: np.ndarray
    block_ptr: np.ndarray
    block_members: np.ndarray
    grid_ptr: np.ndarray
    grid_members: np.ndarray
    village_ptr: np.ndarray
    village_members: np.ndarray

    @classmethod
    def of(cls, world: World) -> Membership:
        r = world.residents
        labels = {
            "building": (r.building.astype(np.int64), len(world.buildings)),
            "block": (world.buildings.block[r.building].astype(np.int64), len(world.blocks)),
            "grid": (world.buildings.grid[r.building].astype(np.int64), len(world.grids)),
            "village": (r.village.astype(np.int64), world.n_villages),
        }
        fields = {}
        for name, (lab, n) in labels.items():
            ptr, members = group_members(lab, n)
            fields[name] = lab.astype(np.int32)
            fields[f"{name}_ptr"] = ptr
            fields[f"{name}_members"] = members.astype(np.int32)
        return cls(**fields)


@register
class Contacts(Process):
    """Daily encounters and events; weekly tie decay."""

    name = "contacts"
    reads = (
        "residents.building",
        "residents.village",
        "residents.household",
        "residents.group",
        "residents.age",
        "residents.participating",
        "residents.trust_inter",
        "residents.disposition_inter",
        "residents.trust_inst",
        "residents.disposition_inst",
        "buildings.block",
        "buildings.grid",
        "grids.public_space",
        "grids.environment",
        "grids.tea_parties_per_month",
        "grids.council",
        "villages.cultural_events_per_year",
        "villages.taiwan_program",
        "ties.to",
        "ties.w",
    )
    writes = ("residents.trust_inter", "residents.trust_inst", "ties.to", "ties.w")
    after = ("interventions",)
    Params = ContactsParams
    metrics = {
        "encounters": "Encounters between residents today (everyday and at events).",
        "positive_encounter_share": "Share of today's encounters that were positive.",
        "events": "Tea parties, council meetings and cultural events held today.",
        "event_attendees": "Attendances at today's events.",
        "cross_group_event_encounters": "Encounters across groups at today's events.",
        "volunteer_encounters": "Encounters between contributors volunteering together today.",
        "acquaintance_ties_mean": "Acquaintances per resident (ties at or above the threshold; "
        "counted weekly).",
    }

    def __init__(self, model: VicinityModel, params: ContactsParams) -> None:
        super().__init__(model, params)
        check_encounter_rates(params, model.spec.source)
        spec = model.spec
        self.consts = params.consts()
        self.sections = ContactSections(self.consts, spec.trust.consts(), spec.ties.consts())
        self.members = Membership.of(self.world)
        self._moves = self.world.moves  # who lives where, as of these memberships
        n = len(self.world.residents)
        self._attendees = np.empty(max(params.event_size, params.cultural_event_size), np.int64)
        self._invited = np.zeros(n, dtype=bool)
        self._acquaintances = float("nan")  # counted in the weekly decay pass
        self._daily_encounters = KernelCall(daily_encounters)
        self._volunteer_encounters = KernelCall(volunteer_encounters)
        self._events_today = KernelCall(events_today)

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:  # newcomers took units in other buildings
            self.members = Membership.of(self.world)
            self._moves = self.world.moves
        p, s, m = self.params, self.sections, self.members
        r, ties = self.arrays("residents"), self.arrays("ties")
        done, positive = self._daily_encounters(key, s, r, m, self.arrays("grids"), ties)
        (held, enc, pos), attendees, cross = self._events(key, r, ties)
        done += enc
        positive += pos
        if day % 7 == 0:
            total = decay_ties(ties.to, ties.w, 1.0 - p.tie_decay_per_week, s.ties.floor,
                               p.acquaintance_threshold)  # fmt: skip
            self._acquaintances = total / max(len(r.group), 1)
        vol, vol_pos = self._volunteer_encounters(key, s, r, m, ties)
        done += vol
        positive += vol_pos
        return {
            "encounters": float(done),
            "positive_encounter_share": positive / done if done else np.nan,
            "events": float(held),
            "event_attendees": float(attendees),
            "cross_group_event_encounters": float(cross),
            "volunteer_encounters": float(vol),
            "acquaintance_ties_mean": self._acquaintances,
        }

    def _events(self, key: np.uint64, r: Any, ties: Any) -> tuple[tuple[int, int, int], int, int]:
        """Hold today's events. Returns ((events, encounters, positive), attendees, cross)."""
        p, s, m, w = self.params, self.sections, self.members, self.world
        g, vil = w.grids, w.villages
        plans: list[tuple[int, np.ndarray, int, bool]] = []
        for kind, where in self._events_today(key, self.arrays("grids"), self.arrays("villages")):
            if kind == TEA_PARTY:
                plans.append((2 * where, self._grid_members(where), p.event_size, False))
            elif kind == COUNCIL:
                plans.append((2 * where + 1, self._grid_members(where), p.event_size, True))
            else:
                members = m.village_members[m.village_ptr[where] : m.village_ptr[where + 1]]
                plans.append((2 * len(g) + where, members, p.cultural_event_size, False))
        if not plans:
            return (0, 0, 0), 0, 0
        invited = self._invited
        invited[:] = False
        taiwan = r.group == TAIWAN
        invited[taiwan] = vil.taiwan_program[r.village[taiwan]]
        enc = pos = att = cross = 0
        for event_id, members, size, council in plans:
            n_att, n_enc, n_pos, n_cross = event_encounters(
                key, event_id, members, size, council, invited, s, r, ties, self._attendees
            )
            if council and n_att:
                voice(self._attendees[:n_att], r, p.council_voice_effect,
                      s.trust.institutional_experience_weight)  # fmt: skip
            enc += n_enc
            pos += n_pos
            att += n_att
            cross += n_cross
        return (len(plans), enc, pos), att, cross

    def _grid_members(self, grid: int) -> np.ndarray:
        m = self.members
        return m.grid_members[m.grid_ptr[grid] : m.grid_ptr[grid + 1]]
