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

from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
from numba import njit

from vicinity_sim.errors import InputError
from vicinity_sim.learning import experience, experience_at
from vicinity_sim.params import ParamModel, param
from vicinity_sim.processes.base import SCHEDULE, Process, register
from vicinity_sim.streams import uniform
from vicinity_sim.world import World
from vicinity_sim.world.population import CHILD, TAIWAN
from vicinity_sim.world.tables import IN_GROUP, OUT_GROUP
from vicinity_sim.world.ties import add_tie, decay_ties, find_slot, group_members

if TYPE_CHECKING:
    from vicinity_sim.model import VicinityModel

EXPERIENCE, BOUNDED_CONFIDENCE = 0, 1
SETTING_BUILDING, SETTING_BLOCK, SETTING_PUBLIC, SETTING_EVENT = 0, 1, 2, 3
SETTING_ACQUAINTANCE, SETTING_VOLUNTEER = 4, 5

# Slots of the draws made here (see vicinity_sim.streams).
SLOT_SETTING = 0
SLOT_PARTNER = 1
SLOT_OUTCOME = 2
SLOT_FORM = 3
SLOT_EVENT_DAY = 4
SLOT_ATTEND = 5
SLOT_CULTURE_DAY = 6
SLOT_EVENT_PAIR = 7
SLOT_VOLUNTEER = 8


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
    experience_weight: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Share of interpersonal trust that follows experience; the rest stays with the "
        "resident's disposition (experience mode; see vicinity_sim.learning).",
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
    tie_floor: float = param(
        0.05, unit="1", ge=0.0, le=1.0, doc="Ties weaker than this disappear.",
        source="assumption",
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


class ContactConsts(NamedTuple):
    mode: int
    rate_building: float
    rate_block: float
    rate_acquaintance: float
    rate_public: float
    rate_volunteer: float
    public_gain: float
    quality_stranger: float
    public_quality_gain: float
    environment_quality_gain: float
    quality_event: float
    cross_group_penalty: float
    tie_quality_bonus: float
    learning_rate: float
    experience_weight: float
    epsilon: float
    mu: float
    tie_increment: float
    tie_form_same: float
    tie_form_cross: float
    tie_weakening: float
    tie_floor: float

    @classmethod
    def from_params(cls, p: ContactsParams) -> ContactConsts:
        return cls(
            mode=BOUNDED_CONFIDENCE if p.mode == "bounded_confidence" else EXPERIENCE,
            rate_building=p.building_contacts_per_day,
            rate_block=p.block_contacts_per_day,
            rate_acquaintance=p.acquaintance_contacts_per_day,
            rate_public=p.public_contacts_per_day,
            rate_volunteer=p.volunteer_contacts_per_day,
            public_gain=p.public_space_contact_gain,
            quality_stranger=p.quality_stranger,
            public_quality_gain=p.public_space_quality_gain,
            environment_quality_gain=p.environment_quality_gain,
            quality_event=p.quality_event,
            cross_group_penalty=p.cross_group_penalty,
            tie_quality_bonus=p.tie_quality_bonus,
            learning_rate=p.trust_learning_rate,
            experience_weight=p.experience_weight,
            epsilon=p.confidence_bound,
            mu=p.convergence_rate,
            tie_increment=p.tie_increment,
            tie_form_same=p.tie_form_same_group,
            tie_form_cross=p.tie_form_cross_group,
            tie_weakening=p.tie_weakening,
            tie_floor=p.tie_floor,
        )


# Inlined into the encounter loops: a compiled call that passes arrays updates each array's
# reference count, which costs more than the encounter itself.
@njit(cache=True, inline="always")
def encounter(key, index, setting, i, j, quality, c, group, trust, disposition, to, w):
    """One encounter between residents i and j; returns 1 if it was positive, else 0.

    ``index`` addresses the encounter's draws; ``quality`` is the setting's base quality.
    """
    k = find_slot(to, i, j)
    q = quality
    if k >= 0:
        q += c.tie_quality_bonus * w[i, k]
    if setting < SETTING_EVENT and k < 0 and group[i] != group[j]:  # strangers, everyday
        q -= c.cross_group_penalty
    positive = uniform(key, SLOT_OUTCOME, index) < q
    col = IN_GROUP if group[i] == group[j] else OUT_GROUP
    if c.mode == BOUNDED_CONFIDENCE:
        ti, tj = trust[i, col], trust[j, col]
        if abs(ti - tj) < c.epsilon:
            trust[i, col] = ti + c.mu * (tj - ti)
            trust[j, col] = tj + c.mu * (ti - tj)
    else:
        o = 1.0 if positive else 0.0
        experience_at(trust, disposition, i, col, o, c.learning_rate, c.experience_weight)
        experience_at(trust, disposition, j, col, o, c.learning_rate, c.experience_weight)
    if k >= 0:  # acquaintances: the tie strengthens or weakens, in both rows
        kj = find_slot(to, j, i)
        s = w[i, k] + (c.tie_increment if positive else -c.tie_weakening)
        if s < c.tie_floor:
            to[i, k] = -1
            to[j, kj] = -1
            s = 0.0
        s = min(s, 1.0)
        w[i, k] = s
        w[j, kj] = s
    elif positive:
        p_form = c.tie_form_same if group[i] == group[j] else c.tie_form_cross
        if uniform(key, SLOT_FORM, index) < p_form:
            add_tie(to, w, i, j, c.tie_increment)
    return 1 if positive else 0


@njit(cache=True, inline="always")
def _partner(key, i, members, lo, hi):
    """A random member of members[lo:hi] other than ``i``, or -1."""
    if hi - lo < 2:
        return -1
    j = members[lo + int(uniform(key, SLOT_PARTNER, i) * (hi - lo))]
    return -1 if j == i else j


@njit(cache=True, inline="always")
def _acquaintance(key, i, to):
    """A random tie of ``i``, whatever its strength (the first at or after a random slot), or
    -1."""
    n_slots = to.shape[1]
    k = int(uniform(key, SLOT_PARTNER, i) * n_slots)
    for step in range(n_slots):
        j = to[i, (k + step) % n_slots]
        if j >= 0:
            return j
    return -1


@njit(cache=True)
def daily_encounters(key, c, res_building, res_block, res_grid, household, bld_ptr, bld_members,
                     blk_ptr, blk_members, grid_ptr, grid_members, grid_public_space,
                     grid_environment, group, trust, disposition, to, w):  # fmt: skip
    """Everyday encounters of one day; returns (encounters, positive).

    Residents are visited in storage order (building by building, so memory access stays
    local); each starts at most one encounter, whose setting is chosen by one uniform draw
    against the cumulative setting rates.

    Three passes make the same draws and the same encounters in the same order as one pass
    over the residents would: (1) the residents who start an encounter today (most do not);
    (2) their partners, except acquaintances, who depend on ties that today's earlier
    encounters change; (3) the encounters. Passes 1 and 2 write no state, and pass 1 has no
    branch per resident, so the processor overlaps more work than in a single loop.
    """
    n = len(group)
    e_block = c.rate_building + c.rate_block
    e_acq = e_block + c.rate_acquaintance
    public_limit = np.empty(len(grid_public_space))  # the draw below which one goes out
    for g in range(len(public_limit)):
        public_limit[g] = e_acq + c.rate_public * (1.0 + c.public_gain * grid_public_space[g])
    starter = np.empty(n, np.int64)
    draw = np.empty(n)
    m = 0
    for i in range(n):
        u = uniform(key, SLOT_SETTING, i)
        starter[m] = i
        draw[m] = u
        m += (u < e_acq) | (u < public_limit[res_grid[i]])
    partner = np.empty(m, np.int64)
    for a in range(m):
        i, u = starter[a], draw[a]
        if u < c.rate_building:
            b = res_building[i]
            partner[a] = _partner(key, i, bld_members, bld_ptr[b], bld_ptr[b + 1])
        elif u < e_block:
            k = res_block[i]
            partner[a] = _partner(key, i, blk_members, blk_ptr[k], blk_ptr[k + 1])
        elif u >= e_acq:
            g = res_grid[i]
            partner[a] = _partner(key, i, grid_members, grid_ptr[g], grid_ptr[g + 1])
    done = 0
    positive = 0
    for a in range(m):
        i, u = starter[a], draw[a]
        quality = c.quality_stranger
        if u < c.rate_building:
            setting = SETTING_BUILDING
            j = partner[a]
        elif u < e_block:
            setting = SETTING_BLOCK
            j = partner[a]
        elif u < e_acq:
            setting = SETTING_ACQUAINTANCE
            j = _acquaintance(key, i, to)
        else:
            g = res_grid[i]
            setting = SETTING_PUBLIC
            quality = (c.quality_stranger + c.public_quality_gain * grid_public_space[g]
                       + c.environment_quality_gain * grid_environment[g])  # fmt: skip
            j = partner[a]
        if j < 0 or household[j] == household[i]:
            continue
        positive += encounter(key, i, setting, i, j, quality, c, group, trust, disposition, to, w)
        done += 1
    return done, positive


@njit(cache=True)
def volunteer_encounters(key, c, participating, res_grid, household, grid_ptr, grid_members,
                         group, trust, disposition, to, w):  # fmt: skip
    """Contributors volunteering together: each starts one such encounter a day with
    probability ``rate_volunteer``, with another contributor of the grid (Allport's
    conditions: common goals, cooperation). Returns (encounters, positive)."""
    n = len(group)
    # Contributors first, in one pass without branches (few residents contribute: a branch
    # per resident would often be mispredicted), then their draws in the same order.
    contributors = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        contributors[m] = i
        m += participating[i]
    done = positive = 0
    for a in range(m):
        i = contributors[a]
        if uniform(key, SLOT_VOLUNTEER, i) >= c.rate_volunteer:
            continue
        g = res_grid[i]
        lo, hi = grid_ptr[g], grid_ptr[g + 1]
        for attempt in range(8):  # look for another contributor in the grid
            j = grid_members[lo + int(uniform(key, SLOT_VOLUNTEER, n * (attempt + 1) + i)
                                      * (hi - lo))]  # fmt: skip
            if participating[j] and household[j] != household[i]:
                positive += encounter(key, n + i, SETTING_VOLUNTEER, i, j, c.quality_event, c,
                                      group, trust, disposition, to, w)  # fmt: skip
                done += 1
                break
    return done, positive


@njit(cache=True)
def event_encounters(key, event_id, members, size, contacts_per, participating, invited,
                     accept_invited, adults_only, age, household, c, group, trust, disposition,
                     to, w, attendees_out):  # fmt: skip
    """Draw attendees of one event from ``members`` and let them meet.

    Returns (attendees, encounters, positive, cross_group); attendee indices are written to
    ``attendees_out``.
    """
    n_members = len(members)
    base = (event_id + 1) * 4_000_000_000
    n_att = 0
    tries = 0
    while n_att < size and tries < 4 * size and n_members > 0:
        r = members[int(uniform(key, SLOT_ATTEND, base + 2 * tries) * n_members)]
        accept = 1.0 if (participating[r] or invited[r]) else accept_invited
        if adults_only and age[r] == CHILD:
            accept = 0.0
        ok = uniform(key, SLOT_ATTEND, base + 2 * tries + 1) < accept
        tries += 1
        if not ok:
            continue
        dup = False
        for a in range(n_att):
            if attendees_out[a] == r:
                dup = True
                break
        if not dup:
            attendees_out[n_att] = r
            n_att += 1
    done = positive = cross = 0
    if n_att < 2:
        return n_att, 0, 0, 0
    n_enc = int(n_att * contacts_per / 2.0)
    for k in range(n_enc):
        idx = base + k
        i = attendees_out[int(uniform(key, SLOT_EVENT_PAIR, 2 * idx) * n_att)]
        j = attendees_out[int(uniform(key, SLOT_EVENT_PAIR, 2 * idx + 1) * n_att)]
        if household[i] == household[j]:
            continue
        positive += encounter(key, idx, SETTING_EVENT, i, j, c.quality_event, c, group, trust,
                              disposition, to, w)  # fmt: skip
        cross += group[i] != group[j]
        done += 1
    return n_att, done, positive, cross


TEA_PARTY, COUNCIL, CULTURAL_EVENT = 0, 1, 2


@njit(cache=True)
def events_today(key, tea_parties_per_month, council, cultural_events_per_year):
    """Today's events as rows (kind, grid or village): tea parties by grid, then council
    meetings by grid, then cultural events by village (one compiled call: most days have
    none, and looking for them is a daily cost)."""
    out = np.empty((len(tea_parties_per_month) + len(council) + len(cultural_events_per_year),
                    2), np.int64)  # fmt: skip
    n = 0
    for grid in range(len(tea_parties_per_month)):
        rate = tea_parties_per_month[grid]
        if rate > 0 and uniform(key, SLOT_EVENT_DAY, 2 * grid) < rate / 30.0:
            out[n, 0], out[n, 1] = TEA_PARTY, grid
            n += 1
    for grid in range(len(council)):
        if council[grid] and uniform(key, SLOT_EVENT_DAY, 2 * grid + 1) < 1.0 / 30.0:
            out[n, 0], out[n, 1] = COUNCIL, grid
            n += 1
    for v in range(len(cultural_events_per_year)):
        rate = cultural_events_per_year[v]
        if rate > 0 and uniform(key, SLOT_CULTURE_DAY, v) < rate / 365.0:
            out[n, 0], out[n, 1] = CULTURAL_EVENT, v
            n += 1
    return out[:n]


@njit(cache=True)
def voice(attendees, trust_inst, disposition_inst, rate, weight):
    """Council attendees had a voice: a positive experience of the institutions."""
    for i in attendees:
        experience(trust_inst, disposition_inst, i, 1.0, rate, weight)


class Membership(NamedTuple):
    """Residents grouped by building, block, grid and village (CSR), and each one's labels."""

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
            fields[name] = lab
            fields[f"{name}_ptr"] = ptr
            fields[f"{name}_members"] = members
        return cls(**fields)


@register
class Contacts(Process):
    """Daily encounters and events; weekly tie decay."""

    name = "contacts"
    order = SCHEDULE["contacts"]
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
        total = (params.building_contacts_per_day + params.block_contacts_per_day
                 + params.acquaintance_contacts_per_day + params.public_contacts_per_day
                 * (1.0 + params.public_space_contact_gain))  # fmt: skip
        if total > 1.0:
            raise InputError(
                model.spec.source, "contacts",
                f"encounter rates add up to {total:.3g} per resident-day at full public space; "
                "a resident starts at most one encounter a day, so keep the sum at most 1",
            )  # fmt: skip
        self.consts = ContactConsts.from_params(params)
        self.members = Membership.of(self.world)
        n = len(self.world.residents)
        self._attendees = np.empty(max(params.event_size, params.cultural_event_size), np.int64)
        self._invited = np.zeros(n, dtype=bool)
        self._acquaintances = float("nan")  # counted in the weekly decay pass

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        p, c, m, w = self.params, self.consts, self.members, self.world
        r, ties = w.residents, w.ties
        n = len(r)
        done, positive = daily_encounters(
            key, c, m.building, m.block, m.grid, r.household, m.building_ptr, m.building_members,
            m.block_ptr, m.block_members, m.grid_ptr, m.grid_members, w.grids.public_space,
            w.grids.environment, r.group, r.trust_inter, r.disposition_inter, ties.to, ties.w,
        )  # fmt: skip
        (held, enc, pos), attendees, cross = self._events(key)
        done += enc
        positive += pos
        if day % 7 == 0:
            total = decay_ties(ties.to, ties.w, 1.0 - p.tie_decay_per_week, p.tie_floor,
                               p.acquaintance_threshold)  # fmt: skip
            self._acquaintances = total / max(n, 1)
        vol, vol_pos = volunteer_encounters(
            key, c, r.participating, m.grid, r.household, m.grid_ptr, m.grid_members, r.group,
            r.trust_inter, r.disposition_inter, ties.to, ties.w,
        )  # fmt: skip
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

    def _events(self, key: np.uint64) -> tuple[tuple[int, int, int], int, int]:
        """Hold today's events. Returns ((events, encounters, positive), attendees, cross)."""
        p, c, m, w = self.params, self.consts, self.members, self.world
        r, ties, g, vil = w.residents, w.ties, w.grids, w.villages
        plans: list[tuple[int, np.ndarray, int, bool]] = []
        for kind, where in events_today(key, g.tea_parties_per_month, g.council,
                                        vil.cultural_events_per_year):  # fmt: skip
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
                key, event_id, members, size, p.event_contacts_per_attendee, r.participating,
                invited, p.invited_acceptance, council, r.age, r.household, c, r.group,
                r.trust_inter,
                r.disposition_inter,
                ties.to, ties.w, self._attendees,
            )  # fmt: skip
            if council and n_att:
                weight = self.model.spec.governance.experience_weight
                voice(self._attendees[:n_att], r.trust_inst, r.disposition_inst,
                      p.council_voice_effect, weight)  # fmt: skip
            enc += n_enc
            pos += n_pos
            att += n_att
            cross += n_cross
        return (len(plans), enc, pos), att, cross

    def _grid_members(self, grid: int) -> np.ndarray:
        m = self.members
        return m.grid_members[m.grid_ptr[grid] : m.grid_ptr[grid + 1]]
