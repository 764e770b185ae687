"""Contacts in the reference model: daily encounters, acquaintance ties and interpersonal trust.

Mirrors :mod:`vicinity_sim.processes.contacts` (see its docstring for the full mechanism and
its sources). In short, every day

1. each resident, in row order, starts at most one everyday encounter: with a co-resident of
   the building, a neighbour in the block, an acquaintance, or someone of the grid in public
   space (more often and more pleasant where public space is provided and kept clean);
2. tea parties and councils in grids and cultural events in villages are held with their
   monthly / yearly frequencies; their attendees meet each other, and council attendees,
   having had a voice, trust the institutions more;
3. once a week every tie decays and the weakest disappear (and acquaintances are counted);
4. contributors volunteering together meet each other.

An encounter is positive with a probability, its quality (higher between acquaintances, lower
between strangers of different groups in everyday settings). It moves both residents' trust in
the group it concerns (own group, other groups) by anchored learning
(:func:`experience`), and strengthens or weakens an existing tie; a positive encounter
between strangers may start a tie (more likely within a group). The tie operations are the
agent-level functions of :mod:`vicinity_sim.reference.ties`.

Random draws are addressed exactly as in the fast kernels (same slots, same entity indices),
so both models take the same decisions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from vicinity_sim.processes import contacts
from vicinity_sim.processes.contacts import (
    BOUNDED_CONFIDENCE,
    SETTING_ACQUAINTANCE,
    SETTING_BLOCK,
    SETTING_BUILDING,
    SETTING_EVENT,
    SETTING_PUBLIC,
    SETTING_VOLUNTEER,
    VOLUNTEER_ATTEMPTS,
    ContactSlot,
    ContactsParams,
    check_encounter_rates,
)
from vicinity_sim.reference.learning import experience
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.ties import EMPTY, add_tie, change_tie, decay_ties, find_slot
from vicinity_sim.streams import slot_numbers, uniform
from vicinity_sim.world.codes import CHILD, IN_GROUP, OUT_GROUP, TAIWAN

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel

CONTACT_SLOTS = slot_numbers(ContactSlot)
# The fast process's formulas, run as Python.
setting_limits = contacts.setting_limits.py_func
public_limit = contacts.public_limit.py_func
public_quality = contacts.public_quality.py_func
encounter_quality = contacts.encounter_quality.py_func
converged = contacts.converged.py_func
encounter_tie_change = contacts.encounter_tie_change.py_func
tie_form_probability = contacts.tie_form_probability.py_func
attend_probability = contacts.attend_probability.py_func
event_base = contacts.event_base.py_func
event_encounter_count = contacts.event_encounter_count.py_func
tea_party_today = contacts.tea_party_today.py_func
council_today = contacts.council_today.py_func
cultural_event_today = contacts.cultural_event_today.py_func


class Event:
    """An event planned for today.

    Attributes:
        event_id: Index of the event (addresses its draws): 2·grid for a tea party,
            2·grid + 1 for a council, 2·n_grids + village for a cultural event.
        members: Rows of the residents who may be invited.
        size: Attendees sought.
        council: Whether it is a council (adults only; attendees gain a voice).
    """

    def __init__(self, event_id: int, members: list[int], size: int, council: bool) -> None:
        self.event_id = event_id
        self.members = members
        self.size = size
        self.council = council


@reference_process
class Contacts(ReferenceProcess):
    """Daily encounters and events; weekly tie decay.

    Args:
        model: The reference model.
        params: The ``contacts`` parameter section.
    """

    name = "contacts"

    def __init__(self, model: ReferenceModel, params: ContactsParams) -> None:
        super().__init__(model, params)
        check_encounter_rates(params, model.spec.source)
        self.consts = params.consts()
        self.trust_weight = model.spec.trust.interpersonal_experience_weight
        self.voice_weight = model.spec.trust.institutional_experience_weight
        self.tie_floor = model.spec.ties.floor
        self._index_residence()
        self.acquaintances_mean = math.nan  # counted in the weekly decay pass

    def _index_residence(self) -> None:
        """Where everybody lives, as the fast process indexes it: residents (rows, ascending) of
        each building, block, grid and village, and each resident's block and grid; taken again
        when newcomers take units in other buildings."""
        w, model = self.world, self.model
        block_of_building = w.buildings.block.tolist()
        grid_of_building = w.buildings.grid.tolist()
        self.block_of = [block_of_building[r.building] for r in model.residents]
        self.grid_of = [grid_of_building[r.building] for r in model.residents]
        self.building_members = _members([r.building for r in model.residents], len(w.buildings))
        self.block_members = _members(self.block_of, len(w.blocks))
        self.grid_members = _members(self.grid_of, len(w.grids))
        self.village_members = _members([r.village for r in model.residents], w.n_villages)
        self._moves = w.moves

    # -- the day ---------------------------------------------------------------------------

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
        if self._moves != self.world.moves:
            self._index_residence()
        p = self.params
        residents = self.model.residents
        done, positive = self.daily_encounters(key)
        held, enc, pos, attendees, cross = self.events(key)
        done += enc
        positive += pos
        if day % 7 == 0:
            factor = 1.0 - p.tie_decay_per_week
            total = 0
            for res in residents:
                total += decay_ties(res, factor, self.tie_floor, p.acquaintance_threshold)
            self.acquaintances_mean = total / max(len(residents), 1)
        vol, vol_pos = self.volunteer_encounters(key)
        done += vol
        positive += vol_pos
        return {
            "encounters": float(done),
            "positive_encounter_share": positive / done if done else np.nan,
            "events": float(held),
            "event_attendees": float(attendees),
            "cross_group_event_encounters": float(cross),
            "volunteer_encounters": float(vol),
            "acquaintance_ties_mean": self.acquaintances_mean,
        }

    # -- one encounter ---------------------------------------------------------------------

    def encounter(
        self, key: np.uint64, index: int, setting: int, a: Resident, b: Resident, quality: float
    ) -> bool:
        """One encounter between ``a`` and ``b``; returns whether it was positive.

        Args:
            key: Today's key of the process.
            index: Addresses the encounter's draws.
            setting: Where they meet (``SETTING_*``).
            a: The resident who starts the encounter.
            b: The resident met.
            quality: The setting's base probability of a positive encounter.
        """
        c = self.consts
        k = find_slot(a, b.row)
        same_group = a.group == b.group
        tie_w = a.ties_w[k] if k >= 0 else 0.0
        q = encounter_quality(quality, tie_w, k >= 0, setting, same_group, c)
        positive = uniform(key, CONTACT_SLOTS.OUTCOME, index) < q
        col = IN_GROUP if same_group else OUT_GROUP
        if c.mode == BOUNDED_CONFIDENCE:
            a.trust_inter[col], b.trust_inter[col] = converged(
                a.trust_inter[col], b.trust_inter[col], c
            )
        else:
            o = 1.0 if positive else 0.0
            for res in (a, b):
                res.trust_inter[col] = experience(
                    res.trust_inter[col], res.disposition_inter[col], o,
                    c.trust_learning_rate, self.trust_weight,
                )  # fmt: skip
        if k >= 0:
            change_tie(a, b, encounter_tie_change(positive, c), self.tie_floor)
        elif positive and (  # strangers who got on well may become acquainted (homophily)
            uniform(key, CONTACT_SLOTS.FORM, index) < tie_form_probability(same_group, c)
        ):
            add_tie(a, b, c.tie_increment)
        return positive

    # -- everyday encounters ---------------------------------------------------------------

    def daily_encounters(self, key: np.uint64) -> tuple[int, int]:
        """Everyday encounters of one day; returns (encounters, positive).

        Each resident starts at most one encounter, whose setting is chosen by one uniform
        draw against the cumulative setting rates: building, block, acquaintance, public.
        """
        c = self.consts
        residents = self.model.residents
        grids = self.world.grids
        e_building, e_block, e_acq = setting_limits(c)
        done = positive = 0
        for res in residents:
            i = res.row
            u = uniform(key, CONTACT_SLOTS.SETTING, i)
            if u < e_building:
                j = self._partner(key, i, self.building_members[res.building])
                setting, quality = SETTING_BUILDING, c.quality_stranger
            elif u < e_block:
                j = self._partner(key, i, self.block_members[self.block_of[i]])
                setting, quality = SETTING_BLOCK, c.quality_stranger
            elif u < e_acq:
                j = self._acquaintance(key, res)
                setting, quality = SETTING_ACQUAINTANCE, c.quality_stranger
            else:
                g = self.grid_of[i]
                level = float(grids.public_space[g])
                if u >= public_limit(e_acq, level, c):
                    continue  # no encounter today
                j = self._partner(key, i, self.grid_members[g])
                setting = SETTING_PUBLIC
                quality = public_quality(level, float(grids.environment[g]), c)
            if j < 0:
                continue
            other = residents[j]
            if other.household == res.household:  # family is not a neighbourhood encounter
                continue
            positive += self.encounter(key, i, setting, res, other, quality)
            done += 1
        return done, positive

    @staticmethod
    def _partner(key: np.uint64, i: int, members: list[int]) -> int:
        """A random one of ``members`` other than row ``i`` (drawn with ``i``'s partner
        draw), or -1 if the draw falls on ``i`` or there is nobody else."""
        if len(members) < 2:
            return -1
        j = members[int(uniform(key, CONTACT_SLOTS.PARTNER, i) * len(members))]
        return -1 if j == i else j

    @staticmethod
    def _acquaintance(key: np.uint64, res: Resident) -> int:
        """A random tie of ``res``, whatever its strength (the first at or after a random
        slot), or -1 if it has none."""
        n_slots = len(res.ties_to)
        k = int(uniform(key, CONTACT_SLOTS.PARTNER, res.row) * n_slots)
        for step in range(n_slots):
            j = res.ties_to[(k + step) % n_slots]
            if j != EMPTY:
                return j
        return -1

    # -- volunteering ----------------------------------------------------------------------

    def volunteer_encounters(self, key: np.uint64) -> tuple[int, int]:
        """Contributors volunteering together; returns (encounters, positive).

        Each contributor starts one such encounter a day with probability ``rate_volunteer``,
        with another contributor of its grid found in a few random attempts (Allport's
        conditions: common goals, cooperation, so event quality).
        """
        c = self.consts
        residents = self.model.residents
        n = len(residents)
        done = positive = 0
        for res in residents:
            i = res.row
            u = uniform(key, CONTACT_SLOTS.VOLUNTEER, i)
            if not res.participating or u >= c.volunteer_contacts_per_day:
                continue
            members = self.grid_members[self.grid_of[i]]
            for attempt in range(VOLUNTEER_ATTEMPTS):
                u = uniform(key, CONTACT_SLOTS.VOLUNTEER, n * (attempt + 1) + i)
                other = residents[members[int(u * len(members))]]
                if other.participating and other.household != res.household:
                    positive += self.encounter(
                        key, n + i, SETTING_VOLUNTEER, res, other, c.quality_event
                    )
                    done += 1
                    break
        return done, positive

    # -- events ----------------------------------------------------------------------------

    def events(self, key: np.uint64) -> tuple[int, int, int, int, int]:
        """Hold today's events.

        Returns:
            (events held, encounters, positive encounters, attendances, cross-group
            encounters).
        """
        p = self.params
        plans = self.planned_events(key)
        if not plans:
            return 0, 0, 0, 0, 0
        residents = self.model.residents
        taiwan_program = self.world.villages.taiwan_program
        # Taiwan compatriots are specially invited where their participation is encouraged.
        invited = [bool(r.group == TAIWAN and taiwan_program[r.village]) for r in residents]
        enc = pos = att = cross = 0
        for event in plans:
            attendees = self.attendees(key, event, invited)
            n_enc, n_pos, n_cross = self.event_encounters(key, event, attendees)
            if event.council:  # attendees had a voice: a positive institutional experience
                for res in attendees:
                    res.trust_inst = experience(
                        res.trust_inst, res.disposition_inst, 1.0, p.council_voice_effect,
                        self.voice_weight,
                    )  # fmt: skip
            enc += n_enc
            pos += n_pos
            att += len(attendees)
            cross += n_cross
        return len(plans), enc, pos, att, cross

    def planned_events(self, key: np.uint64) -> list[Event]:
        """Today's events: tea parties, then councils (grids in order), then cultural events
        (villages in order); each is held today with its daily probability."""
        p = self.params
        grids, villages = self.world.grids, self.world.villages
        n_grids = len(grids)
        plans = []
        for g in range(n_grids):
            u = uniform(key, CONTACT_SLOTS.EVENT_DAY, 2 * g)
            if tea_party_today(u, float(grids.tea_parties_per_month[g])):
                plans.append(Event(2 * g, self.grid_members[g], p.event_size, False))
        for g in range(n_grids):
            if council_today(uniform(key, CONTACT_SLOTS.EVENT_DAY, 2 * g + 1), grids.council[g]):
                plans.append(Event(2 * g + 1, self.grid_members[g], p.event_size, True))
        for v in range(len(villages)):
            u = uniform(key, CONTACT_SLOTS.CULTURE_DAY, v)
            if cultural_event_today(u, float(villages.cultural_events_per_year[v])):
                plans.append(
                    Event(2 * n_grids + v, self.village_members[v], p.cultural_event_size, False)
                )
        return plans

    def attendees(self, key: np.uint64, event: Event, invited: list[bool]) -> list[Resident]:
        """Draw the attendees of ``event`` (at most ``4 · size`` invitations).

        An invited resident comes for sure if it contributes to community affairs or is
        specially invited, otherwise with probability ``invited_acceptance``; children do not
        come to councils. Someone invited twice comes once.
        """
        residents = self.model.residents
        members = event.members
        base = event_base(event.event_id)
        out: list[Resident] = []
        tries = 0
        while len(out) < event.size and tries < 4 * event.size and members:
            u = uniform(key, CONTACT_SLOTS.ATTEND, base + 2 * tries)
            res = residents[members[int(u * len(members))]]
            welcome = res.participating or invited[res.row]
            accept = attend_probability(welcome, res.age == CHILD, event.council, self.consts)
            comes = uniform(key, CONTACT_SLOTS.ATTEND, base + 2 * tries + 1) < accept
            tries += 1
            if comes and res not in out:
                out.append(res)
        return out

    def event_encounters(
        self, key: np.uint64, event: Event, attendees: list[Resident]
    ) -> tuple[int, int, int]:
        """Random pairs of attendees meet, ``contacts per attendee / 2`` pairs in all.

        Returns:
            (encounters, positive, cross-group encounters).
        """
        c = self.consts
        n_att = len(attendees)
        if n_att < 2:
            return 0, 0, 0
        base = event_base(event.event_id)
        done = positive = cross = 0
        for k in range(event_encounter_count(n_att, c)):
            idx = base + k
            a = attendees[int(uniform(key, CONTACT_SLOTS.EVENT_PAIR, 2 * idx) * n_att)]
            b = attendees[int(uniform(key, CONTACT_SLOTS.EVENT_PAIR, 2 * idx + 1) * n_att)]
            if a.household == b.household:  # includes meeting oneself
                continue
            positive += self.encounter(key, idx, SETTING_EVENT, a, b, c.quality_event)
            cross += a.group != b.group
            done += 1
        return done, positive, cross


def _members(labels: list[int], n: int) -> list[list[int]]:
    """Rows by label: ``out[g]`` lists, in ascending order, the rows whose label is g."""
    out: list[list[int]] = [[] for _ in range(n)]
    for row, label in enumerate(labels):
        if label >= 0:
            out[label].append(row)
    return out
