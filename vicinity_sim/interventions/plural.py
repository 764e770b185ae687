"""Interventions of the plural pillar (多元性): party members, residents and society take part.

The seed: party members registering with the community and pairing with households (双报到,
百联千户; >200,000 registrations, >22,000 deeds); vanguard teams and party members showing
their identity (三亮一表率); neighbourhood tea parties and deliberation halls (近邻茶话会,
民主议事厅); comprehensive-governance committees and landlord associations (房东协会); revised
village rules (村规民约); points (积分) and local exemplars; purchased services from social
organisations (购买服务); 14 measures for Taiwan compatriots' participation.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vicinity_sim.interventions.base import Intervention
from vicinity_sim.interventions.grids import GridIntervention, VillageIntervention
from vicinity_sim.params import param
from vicinity_sim.world import World
from vicinity_sim.world.codes import (
    CHILD,
    ELDERLY,
    IN_SERVICE_MEMBER,
    LOCAL,
    MEMBER_ACTIVE,
    MEMBER_PLANNED,
)
from vicinity_sim.world.tables import PartyMembers


class PartyPairing(Intervention):
    """百联千户: pair households with party members who answer their needs and visit.

    Lever: ``households.paired``. ``highest_risk`` pairs first the tenant households with
    children or elderly members (一老一小), then other tenant households, then locals. The
    community party branch assigns each paired household to a serving member of its grid
    with time to spare (:mod:`~vicinity_sim.processes.party`); a household whose grid has no
    such member stays paired in name only and its needs go to the grid.
    """

    kind: Literal["party_pairing"]
    levers = ("households.paired",)
    unit = "households"
    targeting: Literal["highest_risk", "random", "grid_order"] = "highest_risk"
    running_cost_cny_per_year: float = param(
        200.0, unit="CNY/(household·year)", ge=0.0, le=1e7,
        doc="Activities and coordination per paired household (members' time is volunteered).",
        source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        hh = world.households
        return np.nonzero(~hh.paired & np.isin(hh.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        hh, r = world.households, world.residents
        young_old = np.zeros(len(hh), dtype=bool)
        np.logical_or.at(young_old, r.household, (r.age == CHILD) | (r.age == ELDERLY))
        return (2.0 * young_old + 1.0 * (hh.group != LOCAL))[units]

    def install(self, world: World, units: np.ndarray) -> None:
        world.households.paired[units] = True


class PartyRegistration(Intervention):
    """在职党员双报到: party members working in government organs, public institutions and
    state firms register with the community and serve in its grids.

    Lever: the ``party_members`` table (in-service members, registered with the village's
    grids in turn, serving once the rollout reaches them). Their hours, duties and the
    community's yearly appraisal are the party mechanism's (:mod:`~vicinity_sim.processes.party`).
    The seed's 200,000 registrations city-wide are person-times: at two registrations a member
    a year, about 220 members per 10,000 residents (docs/sources.md §party-members).
    """

    kind: Literal["party_registration"]
    levers = ("party_members",)
    unit = "party_members"
    builds_facilities = True
    targeting: Literal["grid_turns"] = "grid_turns"

    def plan_facilities(
        self, world: World, village: int, quantity: int, gen: np.random.Generator
    ) -> np.ndarray:
        grids = np.nonzero(world.grids.village == village)[0]
        grid = grids[np.arange(quantity) % len(grids)]
        none = np.full(quantity, -1)
        rows = PartyMembers.new(
            np.full(quantity, village), grid, none, none, np.full(quantity, IN_SERVICE_MEMBER),
            none, np.zeros(quantity), np.full(quantity, MEMBER_PLANNED),
        )  # fmt: skip
        return world.party_members.append(**rows.columns())

    def install(self, world: World, units: np.ndarray) -> None:
        world.party_members.status[units] = MEMBER_ACTIVE


class VanguardTeams(GridIntervention):
    """党员先锋队 / 三亮一表率: party vanguard teams; members show identity, duty, pledge.

    Lever: ``grids.vanguard``: members of the grid take on vanguard duty (walks through their
    block, mediating its disputes, community events) and are fully recognised for their deeds
    (:mod:`~vicinity_sim.processes.party`); their contributions are visible to residents
    (participation); they promote the village rules (rules).
    """

    kind: Literal["vanguard_teams"]
    levers = ("grids.vanguard",)
    running_cost_cny_per_year: float = param(
        10_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9, doc="Team activities per grid.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        world.grids.vanguard[units] = True


class TeaParties(GridIntervention):
    """近邻茶话会: regular neighbourhood tea parties mixing villagers and tenants.

    Lever: ``grids.tea_parties_per_month``.
    """

    kind: Literal["tea_parties"]
    levers = ("grids.tea_parties_per_month",)
    per_month: float = param(
        1.0, unit="1/(grid·month)", ge=0.0, le=30.0, doc="Tea parties per grid per month.",
        source="assumption",
    )  # fmt: skip
    cost_per_event_cny: float = param(
        500.0, unit="CNY/event", ge=0.0, le=1e7, doc="Tea, snacks and venue per event.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        g.tea_parties_per_month[units] = np.maximum(g.tea_parties_per_month[units], self.per_month)

    def unit_running_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        return np.full(
            len(units),
            self.running_cost_cny_per_year + 12 * self.per_month * self.cost_per_event_cny,
        )


class ResidentCouncils(GridIntervention):
    """民主议事厅 / 综合治理委员会: a council meets monthly, deliberates and mediates.

    Lever: ``grids.council``.
    """

    kind: Literal["resident_councils"]
    levers = ("grids.council",)
    running_cost_cny_per_year: float = param(
        6_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9, doc="Venue and organisation per grid.",
        source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        world.grids.council[units] = True


class LandlordAssociation(Intervention):
    """房东协会: landlords join an association that mediates tenancy disputes, cooperates with
    safety inspections and spreads compliance with the rental safety standard among
    neighbouring landlords (:mod:`~vicinity_sim.processes.compliance`). Lever:
    ``landlords.association``."""

    kind: Literal["landlord_association"]
    levers = ("landlords.association",)
    unit = "landlords"
    targeting: Literal["highest_risk", "random"] = "highest_risk"
    running_cost_cny_per_year: float = param(
        100.0, unit="CNY/(landlord·year)", ge=0.0, le=1e7,
        doc="Association upkeep per member.", source="assumption",
    )  # fmt: skip

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        ll = world.landlords
        return np.nonzero(~ll.association & np.isin(ll.village, villages))[0]

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        """Landlords with the most buildings join first."""
        return np.bincount(world.buildings.owner, minlength=len(world.landlords))[units].astype(
            float
        )

    def install(self, world: World, units: np.ndarray) -> None:
        world.landlords.association[units] = True


class VillageRules(VillageIntervention):
    """村规民约: revise the village rules and residents' compact through consultation.

    Lever: ``villages.rules_norm``, the strength of the revised rules. Residents come to keep
    them as a norm (:mod:`~vicinity_sim.processes.rules`), which changes how often they fall
    into disputes, how they settle them and how they contribute.
    """

    kind: Literal["village_rules"]
    levers = ("villages.rules_norm",)
    norm: float = param(
        0.8, unit="1", ge=0.0, le=1.0, doc="Strength of the rules once revised and owned.",
        source="assumption",
    )  # fmt: skip
    capital_cost_cny: float = param(
        50_000.0, unit="CNY/village", ge=0.0, le=1e9,
        doc="Drafting, consultation and publicity.", source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return self.norm

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.rules_norm[units].copy()

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.rules_norm[units] = np.maximum(world.villages.rules_norm[units], values)


class PointsSystem(VillageIntervention):
    """积分管理: residents earn points for contributions, exchangeable for goods and services.

    Lever: ``villages.points_reward_cny``. The points paid out are reported by the
    participation mechanism (``points_awarded_cny``) and counted in the program's cost.
    """

    kind: Literal["points_system"]
    levers = ("villages.points_reward_cny",)
    reward_cny: float = param(
        20.0, unit="CNY/contribution", ge=0.0, le=10_000.0,
        doc="Value of the points earned per weekly contribution.", source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        20_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9,
        doc="Administering the points system (besides the points paid out).",
        source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return self.reward_cny

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.points_reward_cny[units].copy()

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.points_reward_cny[units] = values


class SocialOrgServices(GridIntervention):
    """购买服务: contract social organisations to handle residents' needs (一老一小, jobs).

    Lever: ``grids.social_org_tasks_per_day``.
    """

    kind: Literal["social_org_services"]
    levers = ("grids.social_org_tasks_per_day",)
    tasks_per_day: float = param(
        6.0, unit="tasks/(grid·day)", ge=0.0, le=1000.0,
        doc="Requests the contracted organisation handles per grid per day.",
        source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        80_000.0, unit="CNY/(grid·year)", ge=0.0, le=1e9,
        doc="Service contract per grid (about one social worker).", source="assumption",
    )  # fmt: skip

    def install(self, world: World, units: np.ndarray) -> None:
        g = world.grids
        g.social_org_tasks_per_day[units] = np.maximum(
            g.social_org_tasks_per_day[units], self.tasks_per_day
        )


class CrossStraitParticipation(VillageIntervention):
    """两岸融合: measures encouraging Taiwan compatriots to take part (乡村大舞台, 儿童议事会).

    Lever: ``villages.taiwan_program`` (Taiwan compatriots are invited to events and more
    inclined to contribute). Switched on once the rollout is half done.
    """

    kind: Literal["cross_strait_participation"]
    levers = ("villages.taiwan_program",)
    running_cost_cny_per_year: float = param(
        50_000.0, unit="CNY/(village·year)", ge=0.0, le=1e9, doc="Activities per village.",
        source="assumption",
    )  # fmt: skip

    def target(self) -> float:
        return 1.0

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        return world.villages.taiwan_program[units].astype(float)

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        world.villages.taiwan_program[units] = values >= 0.5


PLURAL_KINDS = (
    PartyPairing, PartyRegistration, VanguardTeams, TeaParties, ResidentCouncils,
    LandlordAssociation, VillageRules, PointsSystem, SocialOrgServices, CrossStraitParticipation,
)  # fmt: skip
