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

from vicinity_sim.errors import InputError
from vicinity_sim.processes.contacts import (
    BOUNDED_CONFIDENCE,
    SETTING_ACQUAINTANCE,
    SETTING_BLOCK,
    SETTING_BUILDING,
    SETTING_EVENT,
    SETTING_PUBLIC,
    SETTING_VOLUNTEER,
    ContactConsts,
    ContactSlot,
    ContactsParams,
)
from vicinity_sim.reference.learning import experience
from vicinity_sim.reference.processes.base import ReferenceProcess, reference_process
from vicinity_sim.reference.ties import EMPTY, add_tie, change_tie, decay_ties, find_slot
from vicinity_sim.streams import uniform
from vicinity_sim.world.codes import CHILD, IN_GROUP, OUT_GROUP, TAIWAN

if TYPE_CHECKING:
    from vicinity_sim.reference.agents import Resident
    from vicinity_sim.reference.model import ReferenceModel

#: Event ids are spread this far apart so that the draws of different events never share an
#: index (as in the fast kernel).
EVENT_INDEX_SPACING = 4_000_000_000
#: Attempts a volunteer makes to find another contributor of the grid.
VOLUNTEER_ATTEMPTS = 8


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
        total = (params.building_contacts_per_day + params.block_contacts_per_day
                 + params.acquaintance_contacts_per_day + params.public_contacts_per_day
                 * (1.0 + params.public_space_contact_gain))  # fmt: skip
        if total > 1.0:
            raise InputError(
                model.spec.source, "contacts",
                f"encounter rates add up to {total:.3g} per resident-day at full public space; "
                "a resident starts at most one encounter a day, so keep the sum at most 1",
            )  # fmt: skip
        self.consts = ContactConsts.from_params(
            params, model.spec.trust.interpersonal_experience_weight, model.spec.ties.floor
        )
        self.voice_weight = model.spec.trust.institutional_experience_weight
        w = self.world
        # Where everybody lives, as the fast process fixes it when it starts: residents (rows,
        # ascending) of each building, block, grid and village, and each resident's block and
        # grid. Newcomers take the unit of those who left, so these lists stay valid.
        block_of_building = w.buildings.block.tolist()
        grid_of_building = w.buildings.grid.tolist()
        self.block_of = [block_of_building[r.building] for r in model.residents]
        self.grid_of = [grid_of_building[r.building] for r in model.residents]
        self.building_members = _members([r.building for r in model.residents], len(w.buildings))
        self.block_members = _members(self.block_of, len(w.blocks))
        self.grid_members = _members(self.grid_of, len(w.grids))
        self.village_members = _members([r.village for r in model.residents], w.n_villages)
        self.acquaintances_mean = math.nan  # counted in the weekly decay pass

    # -- the day ---------------------------------------------------------------------------

    def step(self, day: int, key: np.uint64) -> dict[str, float]:
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
                total += decay_ties(res, factor, self.consts.tie_floor, p.acquaintance_threshold)
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
        q = quality
        if k >= 0:  # acquaintances: the better they know each other, the better it goes
            q += c.tie_quality_bonus * a.ties_w[k]
        if setting < SETTING_EVENT and k < 0 and not same_group:  # strangers, everyday
            q -= c.cross_group_penalty
        positive = uniform(key, ContactSlot.OUTCOME, index) < q
        col = IN_GROUP if same_group else OUT_GROUP
        if c.mode == BOUNDED_CONFIDENCE:
            ta, tb = a.trust_inter[col], b.trust_inter[col]
            if abs(ta - tb) < c.epsilon:
                a.trust_inter[col] = ta + c.mu * (tb - ta)
                b.trust_inter[col] = tb + c.mu * (ta - tb)
        else:
            o = 1.0 if positive else 0.0
            for res in (a, b):
                res.trust_inter[col] = experience(
                    res.trust_inter[col], res.disposition_inter[col], o,
                    c.learning_rate, c.experience_weight,
                )  # fmt: skip
        if k >= 0:
            change_tie(a, b, c.tie_increment if positive else -c.tie_weakening, c.tie_floor)
        elif positive:  # strangers who got on well may become acquainted (homophily)
            p_form = c.tie_form_same if same_group else c.tie_form_cross
            if uniform(key, ContactSlot.FORM, index) < p_form:
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
        e_block = c.rate_building + c.rate_block
        e_acq = e_block + c.rate_acquaintance
        done = positive = 0
        for res in residents:
            i = res.row
            u = uniform(key, ContactSlot.SETTING, i)
            if u < c.rate_building:
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
                if u >= e_acq + c.rate_public * (1.0 + c.public_gain * level):
                    continue  # no encounter today
                j = self._partner(key, i, self.grid_members[g])
                setting = SETTING_PUBLIC
                quality = (c.quality_stranger + c.public_quality_gain * level
                           + c.environment_quality_gain * float(grids.environment[g]))  # fmt: skip
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
        j = members[int(uniform(key, ContactSlot.PARTNER, i) * len(members))]
        return -1 if j == i else j

    @staticmethod
    def _acquaintance(key: np.uint64, res: Resident) -> int:
        """A random tie of ``res``, whatever its strength (the first at or after a random
        slot), or -1 if it has none."""
        n_slots = len(res.ties_to)
        k = int(uniform(key, ContactSlot.PARTNER, res.row) * n_slots)
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
            if not res.participating or uniform(key, ContactSlot.VOLUNTEER, i) >= c.rate_volunteer:
                continue
            members = self.grid_members[self.grid_of[i]]
            for attempt in range(VOLUNTEER_ATTEMPTS):
                u = uniform(key, ContactSlot.VOLUNTEER, n * (attempt + 1) + i)
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
            per_month = float(grids.tea_parties_per_month[g])
            if per_month > 0 and uniform(key, ContactSlot.EVENT_DAY, 2 * g) < per_month / 30.0:
                plans.append(Event(2 * g, self.grid_members[g], p.event_size, False))
        for g in range(n_grids):
            if grids.council[g] and uniform(key, ContactSlot.EVENT_DAY, 2 * g + 1) < 1.0 / 30.0:
                plans.append(Event(2 * g + 1, self.grid_members[g], p.event_size, True))
        for v in range(len(villages)):
            per_year = float(villages.cultural_events_per_year[v])
            if per_year > 0 and uniform(key, ContactSlot.CULTURE_DAY, v) < per_year / 365.0:
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
        p = self.params
        residents = self.model.residents
        members = event.members
        base = (event.event_id + 1) * EVENT_INDEX_SPACING
        out: list[Resident] = []
        tries = 0
        while len(out) < event.size and tries < 4 * event.size and members:
            u = uniform(key, ContactSlot.ATTEND, base + 2 * tries)
            res = residents[members[int(u * len(members))]]
            accept = 1.0 if (res.participating or invited[res.row]) else p.invited_acceptance
            if event.council and res.age == CHILD:
                accept = 0.0
            comes = uniform(key, ContactSlot.ATTEND, base + 2 * tries + 1) < accept
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
        base = (event.event_id + 1) * EVENT_INDEX_SPACING
        done = positive = cross = 0
        for k in range(int(n_att * self.params.event_contacts_per_attendee / 2.0)):
            idx = base + k
            a = attendees[int(uniform(key, ContactSlot.EVENT_PAIR, 2 * idx) * n_att)]
            b = attendees[int(uniform(key, ContactSlot.EVENT_PAIR, 2 * idx + 1) * n_att)]
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
