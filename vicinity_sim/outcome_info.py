"""How outcomes are read: labels, units, themes, series over time, feasible bounds and the
minimum effect of interest of every summary outcome (:mod:`vicinity_sim.outcomes`).

Reports and figures take their wording from here, so an outcome is labelled the same way
everywhere, and experiments judge effects against the minimum effects of interest declared
here (an experiment file may declare its own, see
:class:`~vicinity_sim.experiment.spec.MinimumEffect`).

**Themes** group outcomes for a policy reader: hazard; trust and governance; income and
housing; cost.

**Series over time.** Event outcomes (fires, deaths, police incidents) are shown as cumulative
counts since the start of the run, means over events as the mean over the events so far, and
states (trust, incomes) as their value on each day: never as daily spikes.

**Minimum effects of interest.** An effect smaller than the minimum effect of interest does
not matter for a decision even if it is statistically certain: with common random numbers the
paired differences of two arms are so precise that a trust-gap difference of 0.00025 on a 0-1
scale comes out "significant". Each outcome states the smallest effect worth reporting, in its
own unit or relative to the reference arm's mean, with the reasoning. They are analysis
choices, not model parameters; they do not change what is simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vicinity_sim.outcomes import HIGHER_IS_BETTER, LOWER_IS_BETTER, describe

HAZARD = "hazard"
TRUST = "trust and governance"
INCOME = "income and housing"
COST = "cost"
OTHER = "other"
#: Themes in the order reports show them.
THEMES = (HAZARD, TRUST, INCOME, COST, OTHER)

INF = math.inf


@dataclass(frozen=True)
class MinimumEffect:
    """The smallest effect on an outcome that matters for a decision.

    Attributes:
        value: Size of the effect: in the outcome's unit, or (``relative``) as a share of the
            reference arm's mean (0.1 = 10%).
        relative: Whether ``value`` is relative to the reference mean.
        reason: Why this size (a sentence; "assumption: ..." where it is a judgement).
    """

    value: float
    relative: bool
    reason: str

    def absolute(self, reference_mean: float) -> float:
        """The minimum effect in the outcome's unit, given the reference arm's mean (NaN if it
        is relative and the reference mean is 0 or undefined)."""
        if not self.relative:
            return self.value
        if not np.isfinite(reference_mean) or reference_mean == 0:
            return math.nan
        return self.value * abs(reference_mean)

    def describe(self, unit: str) -> str:
        """E.g. ``10% of the reference`` or ``0.02 trust (0-1 scale)``."""
        if self.relative:
            return f"{100 * self.value:g}% of the reference"
        if self.value == 1 and unit.endswith("s"):
            unit = unit[:-1]  # 1 minute
        return f"{self.value:g} {unit}"


@dataclass(frozen=True)
class OutcomeInfo:
    """How one summary outcome is labelled, shown over time and judged.

    Attributes:
        label: Short label for tables and figures.
        unit: Unit of the summary value.
        theme: One of :data:`THEMES`.
        series: How a run's daily columns give the outcome's series over time:
            ``("state", col)``: the column as recorded; ``("cumulative", col)``: its running
            total; ``("ratio", num, den, scale)``: ``scale`` × running total of ``num`` over
            that of ``den``; ``("weighted", col, weight)``: the mean of ``col`` over the events
            so far, ``weight`` being the events of each day; ``("running_mean", col)``: the
            mean of the days so far; ``None``: no series.
        series_label: Label of the series (e.g. "fires since the start").
        series_unit: Unit of the series.
        bounds: Feasible range (intervals of means and effects are clipped to it in figures).
        minimum_effect: Smallest effect that matters (``None``: the outcome is reported, not
            tested, e.g. the cost of an arm, which is known by design).
    """

    label: str
    unit: str
    theme: str
    series: tuple | None
    series_label: str
    series_unit: str
    bounds: tuple[float, float]
    minimum_effect: MinimumEffect | None

    @property
    def series_columns(self) -> tuple[str, ...]:
        """Recorded columns the series needs."""
        if self.series is None:
            return ()
        return tuple(c for c in self.series[1:] if isinstance(c, str))


# -- minimum effects of interest ---------------------------------------------------------------

TENTH = MinimumEffect(
    0.10, True,
    "assumption: a tenth of the reference level, the smallest change in an event count a "
    "programme would be judged on; smaller changes are within the year-to-year variation of "
    "such counts in a village",
)  # fmt: skip
SURVEY_TRUST = MinimumEffect(
    0.02, False,
    "the half-width of the 95% interval of a mean trust score from a survey of 1,000 residents "
    "(assumption: standard deviation 0.25 on the 0-1 scale, so 1.96 × 0.25 / √1000 ≈ 0.016, "
    "rounded up): a smaller change could not be seen by the surveys a programme is evaluated "
    "with",
)  # fmt: skip
SURVEY_SHARE = MinimumEffect(
    0.02, False,
    "the half-width of the 95% interval of a share near 0.1 from a survey of 1,000 residents "
    "(1.96 × √(0.1 × 0.9 / 1000) ≈ 0.019): a smaller change could not be seen by a survey",
)  # fmt: skip
GRASSROOTS = MinimumEffect(
    0.05, False,
    "assumption: five percentage points of disputes settled at the grassroots, about one "
    "dispute in twenty, the smallest shift in case handling a district would notice in its "
    "yearly records",
)  # fmt: skip
RESPONSE = MinimumEffect(
    1.0, False,
    "assumption: one minute, a fifth to a third of the 3-5 minute response reported for Xin'an "
    "once its fire stations were added (docs/sources.md §villages); damage grows about "
    "linearly with response time (docs/sources.md §fire)",
)  # fmt: skip
INCOME_MEI = MinimumEffect(
    0.02, True,
    "assumption: 2% of monthly income (about 110 CNY at the baseline's mean of 5,400 CNY), "
    "about a tenth of a month's median rent; smaller changes are below what household "
    "surveys of income resolve",
)  # fmt: skip
COLLECTIVE = MinimumEffect(
    0.05, True,
    "the tolerance of the calibration of collective income (±5 points on the +35% target, "
    "docs/calibration.md): a smaller change is within what the model is calibrated to",
)  # fmt: skip
JOBS = MinimumEffect(
    10.0, False,
    "one industrial project's jobs (more than 1,600 jobs over 154 projects, about 10 each; "
    "docs/sources.md §seed)",
)  # fmt: skip
EMPLOYMENT = MinimumEffect(
    0.01, False,
    "assumption: one percentage point of employment, the resolution at which labour "
    "statistics report it",
)  # fmt: skip
BURDEN = MinimumEffect(
    0.02, False,
    "assumption: two percentage points of household income spent on housing, about 100 CNY a "
    "month for a migrant household",
)  # fmt: skip
SHARE_5 = MinimumEffect(
    0.05, False,
    "assumption: five percentage points of the units concerned",
)  # fmt: skip
TIES = MinimumEffect(
    0.10, True,
    "assumption: a tenth more or fewer acquaintances per resident, the smallest change in "
    "neighbourly contact a survey of social networks would pick up",
)  # fmt: skip
DEFAULT_MEI = MinimumEffect(
    0.10, True, "default for outcomes without a stated one: a tenth of the reference level"
)

C = "cumulative"


def _info(label: str, unit: str, theme: str, series: tuple | None, series_label: str = "",
          series_unit: str = "", bounds: tuple[float, float] = (0.0, INF),
          mei: MinimumEffect | None = DEFAULT_MEI) -> OutcomeInfo:  # fmt: skip
    return OutcomeInfo(label, unit, theme, series, series_label or label, series_unit or unit,
                       bounds, mei)  # fmt: skip


SHARE = "share (0-1)"
UNIT_TRUST = "trust (0-1 scale)"

#: Every summary outcome (contract and extra) with its information.
OUTCOMES: dict[str, OutcomeInfo] = {
    # hazard
    "fires_per_year": _info("Fires", "fires per year", HAZARD, (C, "fires"),
                            "Fires since the start", "fires", mei=TENTH),
    "fire_deaths": _info("Fire deaths", "deaths", HAZARD, (C, "fire_deaths"),
                         "Fire deaths since the start", mei=TENTH),
    "fire_injuries": _info("Fire injuries", "injuries", HAZARD, (C, "fire_injuries"),
                           "Fire injuries since the start", mei=TENTH),
    "buildings_damaged": _info("Buildings burned", "buildings", HAZARD,
                               (C, "buildings_damaged"), "Buildings burned since the start",
                               mei=TENTH),
    "mean_response_min": _info("Fire response time", "minutes", HAZARD,
                               ("weighted", "mean_response_min", "fires"),
                               "Response time, mean over the fires so far", mei=RESPONSE),
    "flood_exposed_resident_days": _info("Flood exposure", "resident-days", HAZARD,
                                         (C, "flood_exposed_resident_days"),
                                         "Flood exposure since the start", mei=TENTH),
    "fire_deaths_expected": _info("Expected fire deaths", "deaths", HAZARD,
                                  (C, "fire_deaths_expected"),
                                  "Expected fire deaths since the start", mei=TENTH),
    "deaths_per_100_fires": _info("Fire deaths per 100 fires", "deaths per 100 fires", HAZARD,
                                  ("ratio", "fire_deaths", "fires", 100.0),
                                  "Fire deaths per 100 fires so far", mei=TENTH),
    "deaths_expected_per_100_fires": _info(
        "Expected deaths per 100 fires", "deaths per 100 fires", HAZARD,
        ("ratio", "fire_deaths_expected", "fires", 100.0),
        "Expected deaths per 100 fires so far", mei=TENTH),
    "buildings_per_fire": _info("Buildings burned per fire", "buildings per fire", HAZARD,
                                ("ratio", "buildings_damaged", "fires", 1.0),
                                "Buildings burned per fire so far", mei=TENTH),
    "spread_fire_share": _info("Fires that spread", SHARE, HAZARD, None, bounds=(0.0, 1.0),
                               mei=SHARE_5),
    "mean_alert_min": _info("Fire alert time", "minutes", HAZARD,
                            ("weighted", "mean_alert_min", "fires"),
                            "Alert time, mean over the fires so far", mei=RESPONSE),
    "damage_building_equivalents": _info("Fire damage", "building equivalents", HAZARD,
                                         (C, "damage_building_equivalents"),
                                         "Fire damage since the start", mei=TENTH),
    "ebike_fires_per_year": _info("E-bike fires", "fires per year", HAZARD, None, mei=TENTH),
    "heavy_rain_days": _info("Heavy-rain days", "days", HAZARD, None, mei=None),
    "collapses": _info("Building collapses", "collapses", HAZARD, (C, "collapses"),
                       "Collapses since the start", mei=TENTH),
    "collapse_deaths": _info("Collapse deaths", "deaths", HAZARD, (C, "collapse_deaths"),
                             "Collapse deaths since the start", mei=TENTH),
    "safety_compliant_share": _info("Buildings meeting the safety standard", SHARE, HAZARD,
                                    ("state", "safety_compliant_share"), bounds=(0.0, 1.0),
                                    mei=SHARE_5),
    # trust and governance
    "police_incidents_per_year": _info("Police incidents", "incidents per year", TRUST,
                                       (C, "police_incidents"),
                                       "Police incidents since the start", "incidents",
                                       mei=TENTH),
    "disputes_resolved_grassroots_share": _info(
        "Disputes settled at the grassroots", SHARE, TRUST,
        ("ratio", "disputes_grassroots", "disputes", 1.0),
        "Disputes settled at the grassroots so far", bounds=(0.0, 1.0), mei=GRASSROOTS),
    "disputes_per_year": _info("Disputes", "disputes per year", TRUST, (C, "disputes"),
                               "Disputes since the start", "disputes", mei=TENTH),
    "trust_interpersonal": _info("Trust in neighbours", UNIT_TRUST, TRUST,
                                 ("state", "trust_interpersonal"), bounds=(0.0, 1.0),
                                 mei=SURVEY_TRUST),
    "trust_institutional": _info("Trust in institutions", UNIT_TRUST, TRUST,
                                 ("state", "trust_institutional"), bounds=(0.0, 1.0),
                                 mei=SURVEY_TRUST),
    "trust_gap_local_migrant": _info("Local-migrant trust gap", "trust difference", TRUST,
                                     ("state", "trust_gap_local_migrant"),
                                     bounds=(-1.0, 1.0), mei=SURVEY_TRUST),
    "acquaintance_ties_mean": _info("Acquaintances per resident", "ties", TRUST,
                                    ("state", "acquaintance_ties_mean"), mei=TIES),
    "participation_rate": _info("Residents contributing", SHARE, TRUST,
                                ("state", "participation_rate"), bounds=(0.0, 1.0),
                                mei=SURVEY_SHARE),
    "participation_rate_taiwan": _info("Taiwan compatriots contributing", SHARE, TRUST,
                                       ("state", "participation_rate_taiwan"),
                                       bounds=(0.0, 1.0), mei=SURVEY_SHARE),
    "trust_institutional_local": _info("Villagers' trust in institutions", UNIT_TRUST, TRUST,
                                       ("state", "trust_institutional_local"),
                                       bounds=(0.0, 1.0), mei=SURVEY_TRUST),
    "trust_institutional_migrant": _info("Migrants' trust in institutions", UNIT_TRUST, TRUST,
                                         ("state", "trust_institutional_migrant"),
                                         bounds=(0.0, 1.0), mei=SURVEY_TRUST),
    "trust_outgroup_local": _info("Villagers' trust in migrants", UNIT_TRUST, TRUST,
                                  ("state", "trust_outgroup_local"), bounds=(0.0, 1.0),
                                  mei=SURVEY_TRUST),
    "trust_outgroup_migrant": _info("Migrants' trust in other groups", UNIT_TRUST, TRUST,
                                    ("state", "trust_outgroup_migrant"), bounds=(0.0, 1.0),
                                    mei=SURVEY_TRUST),
    "needs_resolved_share": _info("Needs resolved", SHARE, TRUST,
                                  ("ratio", "needs_resolved", "needs_raised", 1.0),
                                  "Needs resolved so far", bounds=(0.0, 1.0), mei=SHARE_5),
    "mean_wait_days": _info("Wait for the grid", "days", TRUST,
                            ("weighted", "mean_wait_days", "needs_answered"),
                            "Wait, mean over the requests answered so far"),
    "gridworker_utilisation": _info("Gridworker utilisation", SHARE, TRUST,
                                    ("running_mean", "gridworker_utilisation"),
                                    "Gridworker utilisation, mean so far", bounds=(0.0, 1.0),
                                    mei=SHARE_5),
    "registered_share": _info("Residents registered", SHARE, TRUST,
                              ("state", "registered_share"), bounds=(0.0, 1.0), mei=SHARE_5),
    # income and housing
    "income_individual_mean": _info("Income, all adults", "CNY per month", INCOME,
                                    ("state", "income_individual_mean"), mei=INCOME_MEI),
    "income_local_mean": _info("Income, local villagers", "CNY per month", INCOME,
                               ("state", "income_local_mean"), mei=INCOME_MEI),
    "income_migrant_mean": _info("Income, migrant tenants", "CNY per month", INCOME,
                                 ("state", "income_migrant_mean"), mei=INCOME_MEI),
    "income_collective": _info("Collective income", "CNY per year", INCOME,
                               ("state", "income_collective"),
                               "Collective income, last twelve months", mei=COLLECTIVE),
    "jobs_created": _info("Jobs at collective projects", "jobs", INCOME,
                          ("state", "jobs_created"), mei=JOBS),
    **{f"income_{g}_{part}": _info(f"Income of {who} from {what}", "CNY per month", INCOME,
                                   ("state", f"income_{g}_{part}"), mei=INCOME_MEI)
       for g, who in (("local", "villagers"), ("migrant", "migrants"))
       for part, what in (("wages", "wages"), ("business", "businesses"),
                          ("dividends", "dividends"), ("rents", "rents"))},
    **{f"{n}_real": _info(f"{label}, real", "CNY per month at the start's prices", INCOME,
                          ("state", f"{n}_real"), mei=INCOME_MEI)
       for n, label in (("income_individual_mean", "Income, all adults"),
                        ("income_local_mean", "Income, local villagers"),
                        ("income_migrant_mean", "Income, migrant tenants"),
                        ("lease_rent_mean", "Housing cost of tenants"))},
    "businesses": _info("Doorstep businesses", "businesses", INCOME, ("state", "businesses"),
                        mei=TENTH),
    "business_jobs": _info("Jobs at doorstep businesses", "jobs", INCOME,
                           ("state", "business_jobs"), mei=TENTH),
    "employment_rate": _info("Employment rate", SHARE, INCOME, ("state", "employment_rate"),
                             bounds=(0.0, 1.0), mei=EMPLOYMENT),
    "rent_burden_mean": _info("Rent burden", "share of income", INCOME,
                              ("state", "rent_burden_mean"), mei=BURDEN),
    "displaced_households": _info("Households displaced by rent", "households", INCOME,
                                  ("state", "displaced_households"),
                                  "Households displaced since the start", mei=TENTH),
    "rent_index": _info("Rent index", "ratio to the start", INCOME, ("state", "rent_index"),
                        mei=INCOME_MEI),
    "landlord_safety_cost_cny": _info("Landlords' safety spending", "CNY", INCOME,
                                      (C, "landlord_safety_cost_cny"),
                                      "Landlords' safety spending since the start"),
    "landlord_renovations": _info("Renovations by landlords", "buildings", INCOME,
                                  (C, "renovations"), "Renovations since the start",
                                  mei=TENTH),
    "landlord_posted_rent_mean": _info("Posted rent", "CNY per month", INCOME,
                                       ("state", "landlord_posted_rent_mean"), mei=INCOME_MEI),
    "vacancy_rate": _info("Vacancy rate", SHARE, INCOME, ("state", "vacancy_rate"),
                          bounds=(0.0, 1.0), mei=SHARE_5),
    "nonrenewals": _info("Leases not renewed", "leases", INCOME, (C, "nonrenewals"),
                         "Leases not renewed since the start", mei=TENTH),
    "buildings_leased": _info("Buildings leased to operators", "buildings", INCOME,
                              ("state", "buildings_leased"), mei=TENTH),
    "households_moved_per_year": _info("Households moving out", "households per year", INCOME,
                                       (C, "households_moved"),
                                       "Households moved out since the start", "households",
                                       mei=TENTH),
    "residents_final": _info("Residents", "residents", INCOME, ("state", "residents"),
                             mei=None),
    # cost
    "cost_total_cny": _info("Cost of interventions", "CNY", COST, ("state", "cost_total_cny"),
                            "Cost of interventions since the start", mei=None),
    "cost_capital_cny": _info("Capital cost", "CNY", COST, (C, "cost_capital_cny"),
                              "Capital cost since the start", mei=None),
    "cost_running_cny": _info("Running cost", "CNY", COST, (C, "cost_running_cny"),
                              "Running cost since the start", mei=None),
    # other
    "days": _info("Days simulated", "days", OTHER, None, mei=None),
}  # fmt: skip


def info(outcome: str) -> OutcomeInfo:
    """Information on a summary outcome (a generic entry for names not listed here)."""
    if outcome in OUTCOMES:
        return OUTCOMES[outcome]
    text = describe().get(outcome, outcome)
    return _info(outcome.replace("_", " "), "", OTHER, ("state", outcome), text)


def direction(outcome: str) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if neither is known."""
    return 1 if outcome in HIGHER_IS_BETTER else -1 if outcome in LOWER_IS_BETTER else 0


def series_columns(outcomes: list[str]) -> list[str]:
    """Recorded columns the outcomes' series need (without duplicates), for the partitions."""
    cols: list[str] = []
    for o in outcomes:
        cols += [o, *info(o).series_columns]
    return list(dict.fromkeys(cols))


def outcome_series(columns: dict[str, np.ndarray], outcome: str) -> np.ndarray | None:
    """An outcome's series over the days of one run (see :attr:`OutcomeInfo.series`).

    Args:
        columns: The run's daily columns (a partition's, or a run's recorder columns).
        outcome: Summary outcome name.

    Returns:
        One value per day, or ``None`` if the outcome has no series or a column is missing.
    """
    spec = info(outcome).series
    if spec is None or any(c not in columns for c in info(outcome).series_columns):
        return None
    kind = spec[0]

    def col(name: str) -> np.ndarray:
        return np.asarray(columns[name], dtype=float)

    if kind == "state":
        return col(spec[1])
    if kind == "cumulative":
        return np.cumsum(np.nan_to_num(col(spec[1])))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            num, den = np.cumsum(np.nan_to_num(col(spec[1]))), np.cumsum(col(spec[2]))
            return np.where(den > 0, spec[3] * num / den, math.nan)
        if kind == "weighted":
            w = col(spec[2])
            num = np.cumsum(np.nan_to_num(col(spec[1])) * w)
            den = np.cumsum(w)
            return np.where(den > 0, num / den, math.nan)
        if kind == "running_mean":
            x = col(spec[1])
            count = np.cumsum(np.isfinite(x))
            return np.where(count > 0, np.cumsum(np.nan_to_num(x)) / count, math.nan)
    raise ValueError(f"unknown series kind {kind!r} of {outcome}")
