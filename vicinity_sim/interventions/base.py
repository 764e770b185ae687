"""What every intervention has: schedule, coverage or quantity, targeting, cost, levers.

An intervention in a scenario file is data::

    [[interventions]]
    kind = "fire_retrofit"      # which catalogue entry
    name = "sensors"            # optional; defaults to the kind; used to merge with `extends`
    villages = ["all"]          # or village names
    start_day = 90              # first day of the rollout
    ramp_days = 720             # linear rollout: full coverage at start_day + ramp_days
    coverage = 1.0              # share of eligible units ... or `quantity = 40` units
    targeting = "highest_risk"  # which units first
    capital_cost_cny = 2000     # per unit (kind-specific defaults)
    running_cost_cny_per_year = 0

Each kind subclasses :class:`Intervention` and says which *units* it acts on (buildings,
blocks, flood points, or facilities it plans), how targeting orders them, and what installing a
unit changes in the world (the *levers*). Mechanisms read the levers; none of them knows the
intervention's name.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from vicinity_sim.params import ParamModel, param
from vicinity_sim.world import World
from vicinity_sim.world.codes import CHARGE_INDOOR

UnitKind = Literal[
    "buildings",
    "blocks",
    "flood_points",
    "stations",
    "charging_sites",
    "grids",
    "households",
    "landlords",
    "villages",
    "projects",
    "party_members",
]


class Intervention(ParamModel):
    """Schedule, scale, targeting and cost common to every intervention kind."""

    #: Catalogue name; subclasses narrow it to a Literal.
    kind: str
    #: What the units of this kind are.
    unit: ClassVar[UnitKind] = "buildings"
    #: Kinds that build a number of new facilities take `quantity`, not `coverage`.
    builds_facilities: ClassVar[bool] = False
    #: Default number of facilities per village for such kinds.
    default_quantity: ClassVar[int] = 1
    #: Kinds whose lever is a level that rises with the rollout share (village-wide levers)
    #: rather than a switch installed unit by unit.
    continuous: ClassVar[bool] = False
    #: The state installing a unit changes (``table.column`` names, or a table whose rows it
    #: adds), what the rollout process declares it writes.
    levers: ClassVar[tuple[str, ...]] = ()

    name: str = Field("", description="Name of this intervention (default: its kind).")
    enabled: bool = param(
        True, unit="bool", doc="Switch the intervention off without deleting it.",
        source="-",
    )  # fmt: skip
    villages: list[str] = Field(
        default_factory=lambda: ["all"],
        description="Villages it applies to, by name, or ['all'].",
    )
    start_day: int = param(
        0, unit="day", ge=0, le=100_000, doc="Day the rollout starts (0 = first day).",
        source="-",
    )  # fmt: skip
    ramp_days: int = param(
        0, unit="days", ge=0, le=100_000,
        doc="Days of linear rollout; 0 installs everything on start_day.", source="-",
    )  # fmt: skip
    schedule: list[Annotated[list[float], Field(min_length=2, max_length=2)]] | None = Field(
        None,
        description="Piecewise-linear rollout instead of start_day/ramp_days: [[day, share], "
        "...] with days increasing and shares in [0, 1] not decreasing (e.g. a pilot year then "
        "a push: [[0, 0.0], [365, 0.2], [1095, 1.0]]).",
    )
    coverage: float | None = param(
        None, unit="1", ge=0.0, le=1.0,
        doc="Share of eligible units reached at the end of the rollout (default 1).",
        source="-",
    )  # fmt: skip
    quantity: int | None = param(
        None, unit="units/village", ge=0, le=1_000_000,
        doc="Number of units per village instead of a share (facilities: sites to build).",
        source="-",
    )  # fmt: skip
    quantity_per_10k: float | None = param(
        None, unit="units/(10,000 residents)", ge=0.0, le=100_000.0,
        doc="Number of units per 10,000 residents of each village (rounded), instead of "
        "quantity: scales city-wide program totals to villages of any size.",
        source="-",
    )  # fmt: skip
    targeting: str = Field("random", description="Which units come first.")
    staggered: bool = param(
        True, unit="bool",
        doc="With [rollout] waves: count this rollout (start_day, schedule) from each "
        "village's wave start and skip villages in no wave; false: the run's calendar in "
        "every village it applies to.", source="-",
    )  # fmt: skip
    capital_cost_cny: float = param(
        0.0, unit="CNY/unit", ge=0.0, le=1e10, doc="One-off cost per unit installed.",
        source="assumption",
    )  # fmt: skip
    running_cost_cny_per_year: float = param(
        0.0, unit="CNY/(unit·year)", ge=0.0, le=1e10,
        doc="Running cost per installed unit per year.", source="assumption",
    )  # fmt: skip

    @model_validator(mode="after")
    def _scale(self) -> Intervention:
        if not self.name:
            self.name = self.kind
        if self.schedule is not None:
            days = [d for d, _ in self.schedule]
            shares = [s for _, s in self.schedule]
            if not self.schedule:
                raise ValueError("schedule must list at least one [day, share] point")
            if any(b <= a for a, b in itertools.pairwise(days)) or min(days) < 0:
                raise ValueError("schedule days must be non-negative and increasing")
            if any(not 0.0 <= s <= 1.0 for s in shares) or any(
                b < a for a, b in itertools.pairwise(shares)
            ):
                raise ValueError("schedule shares must lie in [0, 1] and never decrease")
        given = [
            k for k in ("coverage", "quantity", "quantity_per_10k") if getattr(self, k) is not None
        ]
        if self.builds_facilities and self.coverage is not None:
            raise ValueError(
                f"'{self.kind}' builds new sites: give their number with quantity (or "
                "quantity_per_10k), not coverage"
            )
        if len(given) > 1:
            raise ValueError(f"give one of coverage, quantity, quantity_per_10k, not {given}")
        return self

    def quantity_in(self, world: World, village: int) -> int | None:
        """Units for this village from ``quantity`` or ``quantity_per_10k`` (None: neither)."""
        if self.quantity_per_10k is not None:
            residents = int(np.count_nonzero(world.residents.village == village))
            return round(self.quantity_per_10k * residents / 10_000)
        if self.quantity is not None:
            return self.quantity
        return None

    # -- catalogue behaviour -------------------------------------------------------------

    def eligible(self, world: World, villages: np.ndarray) -> np.ndarray:
        """Units of the targeted villages this intervention could still act on."""
        raise NotImplementedError

    def plan_facilities(
        self, world: World, village: int, quantity: int, gen: np.random.Generator
    ) -> np.ndarray:
        """Add ``quantity`` inactive facility rows to the world; return their indices."""
        raise NotImplementedError

    def priority(self, world: World, units: np.ndarray) -> np.ndarray:
        """Score of each unit for ``targeting = "highest_risk"`` (higher first)."""
        return np.zeros(len(units))

    def install(self, world: World, units: np.ndarray) -> None:
        """Change the levers for ``units``."""
        raise NotImplementedError

    def level(self, world: World, units: np.ndarray) -> np.ndarray:
        """Continuous kinds: current value of the lever of each unit."""
        raise NotImplementedError

    def set_level(self, world: World, units: np.ndarray, values: np.ndarray) -> None:
        """Continuous kinds: set the lever of each unit."""
        raise NotImplementedError

    def target(self) -> float:
        """Continuous kinds: the value the lever reaches at the end of the rollout."""
        raise NotImplementedError

    def unit_capital_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        """Capital cost of each unit (CNY)."""
        return np.full(len(units), self.capital_cost_cny)

    def unit_running_cost(self, world: World, units: np.ndarray) -> np.ndarray:
        """Running cost of each unit per year (CNY)."""
        return np.full(len(units), self.running_cost_cny_per_year)

    # -- rollout -------------------------------------------------------------------------

    def target_units(
        self, world: World, gen: np.random.Generator, villages: np.ndarray | None = None
    ) -> np.ndarray:
        """All units this intervention will reach, in rollout order (in ``villages``, by
        default those it applies to)."""
        villages = self.village_indices(world) if villages is None else villages
        if self.builds_facilities:
            parts = []
            for v in villages:
                quantity = self.quantity_in(world, int(v))
                quantity = self.default_quantity if quantity is None else quantity
                parts.append(self.plan_facilities(world, int(v), quantity, gen))
            return np.concatenate(parts) if parts else np.zeros(0, np.int64)
        units = self.eligible(world, villages)
        ordered = self.order(world, units, gen)
        coverage = 1.0 if self.coverage is None else self.coverage
        return self._take_per_village(world, ordered, coverage)

    def order(self, world: World, units: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        """Units sorted by the targeting rule."""
        if self.targeting == "highest_risk":
            score = self.priority(world, units)
            return units[np.lexsort((units, -score))]
        if self.targeting == "grid_order":
            return units[np.lexsort((units, self.unit_grid(world, units)))]
        return gen.permutation(units)

    def unit_grid(self, world: World, units: np.ndarray) -> np.ndarray:
        """Grid of each unit (for ``grid_order``: pilot grids first)."""
        if self.unit == "buildings":
            return world.buildings.grid[units]
        if self.unit == "blocks":
            return world.blocks.grid[units]
        if self.unit == "grids":
            return units
        if self.unit == "households":
            return world.buildings.grid[world.households.building[units]]
        return np.zeros(len(units), np.int32)

    def unit_village(self, world: World, units: np.ndarray) -> np.ndarray:
        if self.unit == "villages":
            return units
        table = getattr(world, self.unit)
        return table.village[units]

    def village_indices(self, world: World) -> np.ndarray:
        if "all" in self.villages:
            return np.arange(world.n_villages)
        return np.array([world.village_index(v) for v in self.villages], dtype=np.int64)

    def _take_per_village(
        self, world: World, ordered: np.ndarray, coverage: float = 1.0
    ) -> np.ndarray:
        """Keep the first units of each village (by quantity or share), in order."""
        if len(ordered) == 0:
            return ordered
        village = self.unit_village(world, ordered)
        keep = np.zeros(len(ordered), dtype=bool)
        for v in np.unique(village):
            idx = np.nonzero(village == v)[0]
            quantity = self.quantity_in(world, int(v))
            k = quantity if quantity is not None else round(coverage * len(idx))
            keep[idx[: min(k, len(idx))]] = True
        return ordered[keep]

    def share_done(self, day: int) -> float:
        """Share of the rollout completed by the end of ``day`` (schedule or linear ramp)."""
        if self.schedule is not None:
            days = [d for d, _ in self.schedule]
            shares = [s for _, s in self.schedule]
            return float(np.interp(day + 1, days, shares, left=0.0, right=shares[-1]))
        return self.fraction_done(day, self.start_day, self.ramp_days)

    def share_curve(self, days: np.ndarray) -> np.ndarray:
        """:meth:`share_done` of many days at once (the same values, computed as arrays)."""
        days = np.asarray(days, dtype=np.int64)
        if self.schedule is not None:
            points = [d for d, _ in self.schedule]
            shares = [s for _, s in self.schedule]
            return np.interp(days + 1, points, shares, left=0.0, right=shares[-1])
        start, ramp = self.start_day, self.ramp_days
        if ramp <= 0:
            return np.where(days < start, 0.0, 1.0)
        return np.where(days < start, 0.0, np.minimum(1.0, (days - start + 1) / ramp))

    @staticmethod
    def fraction_done(day: int, start: int, ramp: int) -> float:
        """Share of a linear rollout completed by the end of ``day``."""
        if day < start:
            return 0.0
        if ramp <= 0:
            return 1.0
        return min(1.0, (day - start + 1) / ramp)


def building_risk(world: World) -> np.ndarray:
    """Heuristic fire-risk score used to rank buildings for targeting.

    Inspectors rank buildings by what they can see: occupants, indoor charging, 三合一 use and
    old wiring. The score is a ranking only; the fire mechanism uses its own rates.
    """
    b = world.buildings
    occ = world.occupants().astype(np.float64)
    r = world.residents
    indoor = np.bincount(r.building[r.charging == CHARGE_INDOOR], minlength=len(b)).astype(
        np.float64
    )
    return occ * (1.0 + 0.5 * b.old_wiring + 2.0 * b.three_in_one) + 2.0 * indoor


def describe(spec: type[Intervention]) -> dict[str, Any]:
    """Kind, units, targeting options and default costs of a catalogue entry."""
    fields = spec.model_fields
    return {
        "kind": fields["kind"].annotation.__args__[0],  # type: ignore[union-attr]
        "unit": spec.unit,
        "targeting": list(fields["targeting"].annotation.__args__),  # type: ignore[union-attr]
        "capital_cost_cny": fields["capital_cost_cny"].default,
        "running_cost_cny_per_year": fields["running_cost_cny_per_year"].default,
    }
