"""Institutions of a village at the start of a run: the governance levers' starting values.

A village's grids (网格), councils, public spaces and rules are part of what the village *is*
when a run begins; interventions change them from there. Defaults describe a village before
the program: separate grid systems that duplicate reporting, gridworkers without regular
supervision or training, no councils, tea parties, points or village rules in force.
"""

from __future__ import annotations

from vicinity_sim.params import ParamModel, param


class InstitutionsParams(ParamModel):
    """Starting values of the governance levers (per village; every grid starts alike)."""

    duplication_loss: float = param(
        0.3, unit="1", ge=0.0, le=0.95,
        doc="Share of gridworker time lost to duplicated reporting across separate grids.",
        source="assumption: before 一张网, party-building, comprehensive-governance, "
        "civil-affairs, urban-management, petition and emergency grids reported separately "
        "(seed)",
    )  # fmt: skip
    gridworker_effort: float = param(
        0.6, unit="1", ge=0.0, le=1.0,
        doc="Share of nominal capacity gridworkers deliver (effort without regular supervision).",
        source="assumption",
    )  # fmt: skip
    gridworker_skill: float = param(
        0.6, unit="1", ge=0.0, le=1.0,
        doc="Probability a gridworker resolves a simple request or mediates successfully.",
        source="assumption",
    )  # fmt: skip
    coordination: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="Probability a request needing other units (landlords, firms, departments) can be "
        "resolved through them.",
        source="assumption",
    )  # fmt: skip
    public_space: float = param(
        0.2, unit="1", ge=0.0, le=1.0,
        doc="Public-space provision of each grid (0 none, 1 a park, plaza and covered corridor "
        "within reach of everyone).",
        source="assumption: 室外脏乱差 before renewal (seed)",
    )  # fmt: skip
    environment: float = param(
        0.3, unit="1", ge=0.0, le=1.0,
        doc="State of the grid's shared spaces at the start (0 littered and neglected, 1 clean "
        "and kept).",
        source="assumption: 室外脏乱差 before renewal (seed)",
    )  # fmt: skip
    council: bool = param(
        False,
        unit="bool",
        doc="Grids hold resident councils (议事厅) monthly.",
        source="assumption: none before the program (民主议事厅 came with it, seed)",
    )
    tea_parties_per_month: float = param(
        0.0, unit="1/(grid·month)", ge=0.0, le=30.0,
        doc="Neighbourhood tea parties (近邻茶话会) per grid per month.",
        source="assumption: none before the program (近邻茶话会 came with it, seed)",
    )  # fmt: skip
    vanguard: bool = param(
        False, unit="bool",
        doc="Party vanguard teams active and party members showing their identity (三亮一表率).",
        source="assumption: none before the program (党员先锋队 came with it, seed)",
    )  # fmt: skip
    cameras: bool = param(
        False,
        unit="bool",
        doc="Security cameras and IoT sensing cover the grids.",
        source="assumption: none before 智能设备全覆盖 (seed)",
    )
    social_org_tasks_per_day: float = param(
        0.0, unit="tasks/(grid·day)", ge=0.0, le=1000.0,
        doc="Requests a contracted social organisation handles per grid per day.",
        source="assumption: no purchased services (购买服务) before the program (seed)",
    )  # fmt: skip
    rules_norm: float = param(
        0.0, unit="1", ge=0.0, le=1.0,
        doc="Strength of revised village rules (村规民约) as a norm (0 none, 1 fully owned).",
        source="assumption: rules not yet revised before the program (seed)",
    )  # fmt: skip
    points_reward_cny: float = param(
        0.0, unit="CNY/contribution", ge=0.0, le=10_000.0,
        doc="Value of the points (积分) a resident earns per weekly contribution.",
        source="assumption: no points system before the program (seed)",
    )  # fmt: skip
    cultural_events_per_year: float = param(
        0.0, unit="1/year", ge=0.0, le=365.0,
        doc="Village-wide cultural events (heritage, festivals, 乡村大舞台) per year.",
        source="assumption: none organised before the program (seed)",
    )  # fmt: skip
    taiwan_program: bool = param(
        False, unit="bool",
        doc="Measures encouraging Taiwan compatriots to take part in community affairs.",
        source="assumption: the measures for Taiwan compatriots came with the program (seed)",
    )  # fmt: skip
