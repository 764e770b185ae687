"""Experiment files: arms, replications, outcomes, sweeps, stopping and calibration targets.

An experiment file is TOML::

    name = "safety"
    base = "../scenarios/baseline.toml"     # the scenario every arm starts from
    replications = 5                        # replication r of every arm shares streams (CRN)
    seed = 0
    reference = "baseline"                  # arm the others are compared with
    outcomes = ["fires_per_year", "mean_response_min"]
    set = ["run.days=365"]                  # overrides for every arm

    [[arms]]
    name = "baseline"

    [[arms]]
    name = "package"
    scenario = "../scenarios/hazard_package.toml"   # start from another scenario instead

    [[arms]]
    name = "sensors"
    set = ["fire.sensor_reliability=0.9"]
    disable = ["windows_and_sprinklers"]             # interventions switched off
    [[arms.interventions]]                           # added or merged by name
    kind = "fire_retrofit"
    sprinklers = false

``primary`` names the outcomes the experiment is for (their p-values are Holm-adjusted among
themselves, the others' among the others), and ``[minimum_effects.<outcome>]`` (``absolute`` or
``relative``, with a ``reason``) replaces an outcome's minimum effect of interest from the
outcome contract (:mod:`vicinity_sim.outcome_info`); neither changes what runs.

Optional tables: ``[stopping]`` (add replications until effect intervals are narrow enough),
``[sweep]`` (a design over parameter ranges: factorial, Latin hypercube or Sobol, or given
points) and ``[calibration]`` (targets for the method of simulated moments or history
matching). ``intended`` names the direction a policy means to move an outcome
(``{ fire_deaths_expected = "decrease" }``; default: the outcome's better direction). Paths
are relative to the experiment file. Mistakes are reported like scenario mistakes: one line
naming file, key and problem.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import Field, model_validator

from vicinity_sim import limits
from vicinity_sim.errors import InputError
from vicinity_sim.names import file_name
from vicinity_sim.params import ParamModel
from vicinity_sim.scenario.loader import _problem, _Provenance, check_keys, format_key


class Arm(ParamModel):
    """One policy arm: an overlay on the base scenario."""

    name: str = Field(min_length=1, description="Name of the arm.")
    scenario: str | None = Field(
        None, description="Scenario file this arm starts from instead of the base (relative)."
    )
    set: list[str] = Field(default_factory=list, description="KEY=VALUE overrides.")
    disable: list[str] = Field(
        default_factory=list, description="Names of interventions switched off in this arm."
    )
    interventions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Interventions added to (or merged by name into) the arm's scenario.",
    )


class Stopping(ParamModel):
    """Sequential stopping: add replications until every arm's paired effect on each named
    outcome has a 95% interval no wider than ± the given half-width."""

    half_width: dict[str, float] = Field(description="Outcome → largest acceptable half-width.")
    max_replications: int = Field(100, ge=2, le=100_000)
    batch: int = Field(5, ge=1, le=10_000, description="Replications added per round.")

    @model_validator(mode="after")
    def _positive(self) -> Stopping:
        for k, v in self.half_width.items():
            if not v > 0:
                raise ValueError(f"half_width of '{k}' must be positive (got {v})")
        return self


class SweepParameter(ParamModel):
    """A parameter varied by a sweep, by scenario key."""

    key: str = Field(min_length=1, description="Scenario key, as for --set.")
    low: float | None = Field(None, description="Lower end of the range (lhs, sobol).")
    high: float | None = Field(None, description="Upper end of the range (lhs, sobol).")
    values: list[float] | None = Field(
        None, description="Levels (factorial), or the value at every sample (points)."
    )
    scale: Literal["linear", "log"] = Field("linear", description="Sample uniformly or log.")
    integer: bool = Field(False, description="Round samples to integers.")
    arms: list[str] | None = Field(
        None, description="Arms the parameter applies to (default: every arm)."
    )

    @model_validator(mode="after")
    def _range(self) -> SweepParameter:
        if self.values is None:
            if self.low is None or self.high is None:
                raise ValueError(f"'{self.key}' needs low and high (or values for factorial)")
            if not self.low < self.high:
                raise ValueError(f"'{self.key}': low must be below high")
            if self.scale == "log" and self.low <= 0:
                raise ValueError(f"'{self.key}': a log scale needs a positive low")
        elif not self.values:
            raise ValueError(f"'{self.key}': values must not be empty")
        return self


class Sweep(ParamModel):
    """A design over parameter ranges; every arm runs every sample."""

    design: Literal["factorial", "lhs", "sobol", "points"] = Field(
        description="How samples are drawn (points: given, one value per sample in `values`)."
    )
    samples: int = Field(
        16, ge=1, le=1_000_000,
        description="Samples (lhs), or the base size n of the Saltelli scheme (sobol: a power "
        "of 2; n·(d+2) runs per arm and replication). Ignored for factorial.",
    )  # fmt: skip
    parameters: list[SweepParameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _design(self) -> Sweep:
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"sobol needs samples to be a power of 2 (got {self.samples})")
        return self


def _check_sweep(sweep: Sweep, shown: str) -> None:
    """Each parameter once, described as its design needs (levels or a range, not both)."""
    keys = [p.key for p in sweep.parameters]
    for i, p in enumerate(sweep.parameters):
        where = f"sweep.parameters[{i}]"
        if keys.index(p.key) != i:
            raise InputError(shown, f"{where}.key", f"'{p.key}' is swept twice")
        ranged = p.low is not None or p.high is not None
        if sweep.design == "points":
            if p.values is None or ranged:
                raise InputError(shown, f"{where}.values",
                                 f"a points design gives the values of '{p.key}' at every "
                                 "sample (values, not low/high)")  # fmt: skip
            if len(p.values) != len(sweep.parameters[0].values or []):
                raise InputError(shown, f"{where}.values", "every parameter of a points design "
                                 "needs one value per sample (lengths differ)")  # fmt: skip
        elif sweep.design == "factorial":
            if p.values is None:
                raise InputError(shown, f"{where}.values",
                                 f"a factorial design needs values for '{p.key}'")  # fmt: skip
            if ranged:
                problem = f"'{p.key}': a factorial design uses values, not low/high"
                raise InputError(shown, f"{where}.low", problem)
        elif p.values is not None:
            raise InputError(shown, f"{where}.values", f"a {sweep.design} design samples a "
                             f"range: give '{p.key}' low and high instead of values")  # fmt: skip


class CalibrationParameter(ParamModel):
    key: str = Field(min_length=1, description="Scenario key, as for --set.")
    low: float | None = Field(None, description="Lower end (history matching: default the "
                              "prior's, see docs/parameters.md).")  # fmt: skip
    high: float | None = Field(None, description="Upper end (as low).")
    prior: Literal["uniform", "loguniform"] | None = Field(
        None, description="History matching: prior over [low, high] (default: the declared "
        "prior's kind, else uniform)."
    )  # fmt: skip
    start: float | None = None
    arms: list[str] | None = Field(
        None, description="Arms the parameter applies to (default: every arm)."
    )

    @model_validator(mode="after")
    def _range(self) -> CalibrationParameter:
        if self.low is None or self.high is None:
            return self  # taken from the parameter's prior (history matching); checked there
        if not self.low < self.high:
            raise ValueError(f"'{self.key}': low must be below high")
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError(f"'{self.key}': a log-uniform prior needs a positive low")
        if self.start is not None and not self.low <= self.start <= self.high:
            raise ValueError(f"'{self.key}': start must lie within [low, high]")
        return self


class Target(ParamModel):
    """A moment to match: an outcome of an arm, its ratio to another outcome (``per``), or its
    relative change against another arm."""

    outcome: str = Field(min_length=1)
    arm: str = Field(min_length=1)
    relative_to: str | None = Field(
        None, description="Match (arm − other) / other instead of the arm's level."
    )
    per: str | None = Field(
        None, description="Match scale · mean(outcome) / mean(per), a rate per another outcome "
        "of the same arm (e.g. per residents_final, scale 1000: per 1,000 residents)."
    )  # fmt: skip
    scale: float = Field(1.0, gt=0, description="Multiplies a `per` ratio.")
    value: float
    sd: float | None = Field(
        None, gt=0, description="Standard error of the target (give sd or variance, or a "
        "calibration.covariance matrix)."
    )  # fmt: skip
    variance: float | None = Field(None, gt=0, description="Variance of the target (sd²).")
    held_out: bool = Field(
        False, description="Simulated at the estimate and reported against the model, but not "
        "used in the fit (an out-of-sample check; method msm)."
    )  # fmt: skip
    source: str = Field("", description="Where the value comes from (docs/sources.md §...).")

    @model_validator(mode="before")
    @classmethod
    def _sd_from_variance(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("variance") is not None:
            if data.get("sd") is not None:
                raise ValueError("give sd or variance, not both")
            v = data["variance"]
            if isinstance(v, int | float) and not isinstance(v, bool) and v > 0:
                data = {**data, "sd": float(v) ** 0.5}
        return data

    @model_validator(mode="after")
    def _per(self) -> Target:
        if self.per is not None and self.relative_to is not None:
            raise ValueError("a target is a rate (per) or a relative change (relative_to), "
                             "not both")  # fmt: skip
        return self


class Calibration(ParamModel):
    """Method of simulated moments, or history matching (docs/calibration.md)."""

    method: Literal["msm", "history_matching", "abc_smc"] = Field(
        "msm", description="msm: method of simulated moments (a point estimate); "
        "history_matching: waves of emulators, a non-implausible ensemble and a posterior "
        "sample; abc_smc: ABC-SMC (pyabc), waves = generations, points_per_wave = population."
    )  # fmt: skip
    parameters: list[CalibrationParameter] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    max_evaluations: int = Field(60, ge=1, le=100_000)
    waves: int = Field(4, ge=1, le=50, description="History matching: waves of design.")
    points_per_wave: int = Field(
        40, ge=4, le=100_000, description="History matching: simulated points per wave."
    )
    cutoff: float = Field(3.0, gt=0, description="History matching: implausibility cutoff.")
    discrepancy: float = Field(
        0.0, ge=0, description="History matching: model discrepancy sd, as a share of each "
        "target's sd (added in quadrature)."
    )  # fmt: skip
    candidates: int = Field(
        20_000, ge=100, le=10_000_000,
        description="History matching: prior draws screened by the emulators per wave.",
    )  # fmt: skip
    posterior_samples: int = Field(
        1000, ge=1, le=1_000_000, description="History matching: size of the posterior sample."
    )
    weighting: Literal["optimal", "diagonal"] = Field(
        "optimal", description="msm: optimal = two-step efficient weight (S + Σ_sim)⁻¹ when "
        "over-identified; diagonal = 1/sd² throughout (the J-test then uses the residuals' "
        "generalised inverse)."
    )  # fmt: skip
    refine_evaluations: int = Field(
        30, ge=1, le=100_000, description="msm, optimal weighting: evaluations of the second "
        "step, which starts at the first step's estimate."
    )  # fmt: skip
    simulation_draws: float | None = Field(
        None, gt=0, description="msm: simulated data sets per observed one (the S of the "
        "1 + 1/S factor); if given, the simulation covariance is the data covariance / S "
        "instead of the jackknife over replications."
    )  # fmt: skip
    covariance: list[list[float]] | None = Field(
        None, description="msm: covariance matrix of all targets, in file order (targets then "
        "give no sd or variance)."
    )  # fmt: skip

    @model_validator(mode="before")
    @classmethod
    def _sds_from_covariance(cls, data: Any) -> Any:
        cov, targets = (data.get("covariance"), data.get("targets")) if isinstance(
            data, dict) else (None, None)  # fmt: skip
        if not isinstance(cov, list) or not isinstance(targets, list):
            return data
        if len(cov) != len(targets) or any(not isinstance(r, list) or len(r) != len(targets)
                                           for r in cov):  # fmt: skip
            raise ValueError(f"covariance must be {len(targets)} × {len(targets)}, one row and "
                             "column per target")  # fmt: skip
        filled = []
        for i, t in enumerate(targets):
            d = cov[i][i]
            if isinstance(t, dict) and isinstance(d, int | float) and d > 0:
                sd = float(d) ** 0.5
                given = t.get("sd") if t.get("variance") is None else t["variance"] ** 0.5
                # A target may repeat its diagonal entry (as a saved experiment does).
                if given is not None and abs(given - sd) > 1e-9 * sd:
                    raise ValueError(f"targets[{i}] gives an sd or variance that differs from "
                                     "the covariance matrix's: give one")  # fmt: skip
                t = {k: v for k, v in t.items() if k != "variance"} | {"sd": sd}
            filled.append(t)
        return {**data, "targets": filled}

    @model_validator(mode="after")
    def _sds(self) -> Calibration:
        for i, t in enumerate(self.targets):
            if t.sd is None:
                raise ValueError(f"targets[{i}] ('{t.outcome}') needs sd, variance or a "
                                 "positive diagonal entry of calibration.covariance")  # fmt: skip
        if self.covariance is not None:
            import numpy as np

            c = np.array(self.covariance, float)
            if not np.allclose(c, c.T, rtol=1e-12, atol=0.0):
                raise ValueError("covariance must be symmetric")
            if np.linalg.eigvalsh(c).min() <= 0:
                raise ValueError("covariance must be positive definite")
        return self

    @property
    def fitted(self) -> list[bool]:
        """Whether each target is used in the fit (not held out)."""
        return [not t.held_out for t in self.targets]


class MinimumEffectSpec(ParamModel):
    """An experiment's own minimum effect of interest for an outcome (instead of the one the
    outcome contract declares, see :mod:`vicinity_sim.outcome_info`)."""

    absolute: float | None = Field(None, gt=0, description="In the outcome's unit.")
    relative: float | None = Field(
        None, gt=0, description="As a share of the reference arm's mean (0.1 = 10%)."
    )
    reason: str = Field(min_length=1, description="Why this size.")

    @model_validator(mode="after")
    def _one(self) -> MinimumEffectSpec:
        if (self.absolute is None) == (self.relative is None):
            raise ValueError("give exactly one of absolute and relative")
        return self


#: Fields that change how results are analysed, not what runs: left out of the hash that
#: decides whether finished tasks can be reused.
ANALYSIS_FIELDS = frozenset({"primary", "minimum_effects"})


class ExperimentSpec(ParamModel):
    """A validated experiment file."""

    name: str = Field("", description="Short name.")
    description: str = ""
    base: str = Field(min_length=1, description="Base scenario file (relative to this file).")
    replications: int = Field(5, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    reference: str | None = Field(None, description="Reference arm (default: the first).")
    outcomes: list[str] = Field(min_length=1, description="Outcomes to analyse.")
    primary: list[str] = Field(
        default_factory=list,
        description="Primary outcomes (of `outcomes`): the questions the experiment is for. "
        "Their p-values are Holm-adjusted among themselves, those of the other (secondary) "
        "outcomes among the secondary ones, per arm.",
    )
    minimum_effects: dict[str, MinimumEffectSpec] = Field(
        default_factory=dict,
        description="Outcome → minimum effect of interest, replacing the outcome contract's.",
    )
    set: list[str] = Field(default_factory=list, description="Overrides for every arm.")
    arms: list[Arm] = Field(min_length=1)
    intended: dict[str, Literal["increase", "decrease"]] = Field(
        default_factory=dict, description="Outcome → direction the policy means to move it "
        "(default: the outcome's better direction, if it has one)."
    )  # fmt: skip
    stopping: Stopping | None = None
    sweep: Sweep | None = None
    calibration: Calibration | None = None

    _path: Path = pydantic.PrivateAttr(default_factory=Path)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def reference_arm(self) -> str:
        return self.reference or self.arms[0].name

    def relative(self, name: str) -> Path:
        """A path given in the file, relative to the file."""
        return (self._path.parent / name) if not Path(name).is_absolute() else Path(name)

    def content_hash(self) -> str:
        """Hash of what the experiment runs (analysis settings such as the primary outcomes
        and minimum effects are left out: changing them reuses finished tasks)."""
        data = self.model_dump(mode="json", exclude=set(ANALYSIS_FIELDS))
        blob = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()

    def minimum_effect(self, outcome: str) -> Any:
        """The minimum effect of interest of an outcome: the file's, else the contract's
        (a :class:`~vicinity_sim.outcome_info.MinimumEffect`, or ``None`` where the outcome
        is reported but not tested)."""
        from vicinity_sim.outcome_info import MinimumEffect, info

        own = self.minimum_effects.get(outcome)
        if own is None:
            return info(outcome).minimum_effect
        if own.absolute is not None:
            return MinimumEffect(own.absolute, False, own.reason)
        return MinimumEffect(float(own.relative), True, own.reason)


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment file.

    Raises:
        InputError: For any problem, located by file and key.
    """
    path = Path(path)
    shown = str(path)
    text = limits.read_text(path, shown, "experiment")
    try:
        data = limits.parse_toml(text, shown)
    except tomllib.TOMLDecodeError as e:
        raise InputError(shown, "syntax", f"invalid TOML: {e}") from None
    prov = _Provenance(shown)
    # minimum_effects maps outcome names (any) to tables of known keys.
    check_keys({k: v for k, v in data.items() if k != "minimum_effects"}, ExperimentSpec, (),
               prov)  # fmt: skip
    if isinstance(data.get("minimum_effects"), dict):
        for outcome, table in data["minimum_effects"].items():
            check_keys(table, MinimumEffectSpec, ("minimum_effects", outcome), prov)
    try:
        spec = ExperimentSpec.model_validate(data)
    except pydantic.ValidationError as e:
        err = sorted(e.errors(), key=lambda er: [str(x) for x in er["loc"]])[0]
        raise InputError(shown, format_key(tuple(err["loc"])), _problem(err)) from None
    spec._path = path
    _check(spec, shown)
    return spec


def _check(spec: ExperimentSpec, shown: str) -> None:
    from vicinity_sim.outcomes import describe

    names = [a.name for a in spec.arms]
    for i, n in enumerate(names):
        file_name(n, shown, f"arms[{i}].name")  # arms name folders: runs/arm=<name>/
        if names.index(n) != i:
            raise InputError(shown, f"arms[{i}].name", f"duplicate arm name '{n}'")
    if spec.reference is not None and spec.reference not in names:
        raise InputError(shown, "reference", f"no arm '{spec.reference}' (arms: {names})")
    known = describe()
    for i, o in enumerate(spec.outcomes):
        if o not in known:
            raise InputError(shown, f"outcomes[{i}]", f"unknown outcome '{o}'")
    for field, listed in (("primary", spec.primary), ("minimum_effects", spec.minimum_effects)):
        for i, o in enumerate(listed):
            if o not in spec.outcomes:
                where = f"primary[{i}]" if field == "primary" else f"minimum_effects.{o}"
                raise InputError(shown, where, f"'{o}' is not in outcomes")
    if spec.sweep:
        _check_sweep(spec.sweep, shown)
    for o in spec.intended:
        if o not in spec.outcomes:
            raise InputError(shown, "intended", f"'{o}' is not in outcomes")
    if spec.sweep:
        for i, p in enumerate(spec.sweep.parameters):
            for j, arm in enumerate(p.arms or []):
                if arm not in names:
                    raise InputError(shown, f"sweep.parameters[{i}].arms[{j}]",
                                     f"no arm '{arm}'")  # fmt: skip
    if spec.stopping:
        for o in spec.stopping.half_width:
            if o not in spec.outcomes:
                raise InputError(shown, "stopping.half_width", f"'{o}' is not in outcomes")
    if spec.calibration:
        keys = [cp.key for cp in spec.calibration.parameters]
        for i, k in enumerate(keys):
            if keys.index(k) != i:
                raise InputError(shown, f"calibration.parameters[{i}].key",
                                 f"'{k}' is listed twice")  # fmt: skip
        for i, cp in enumerate(spec.calibration.parameters):
            if spec.calibration.method == "msm" and (cp.low is None or cp.high is None):
                raise InputError(shown, f"calibration.parameters[{i}].low",
                                 f"'{cp.key}': the method of simulated moments needs low and "
                                 "high")  # fmt: skip
            for j, arm in enumerate(cp.arms or []):
                if arm not in names:
                    raise InputError(shown, f"calibration.parameters[{i}].arms[{j}]",
                                     f"no arm '{arm}'")  # fmt: skip
        for i, t in enumerate(spec.calibration.targets):
            for field in ("outcome", "per"):
                name = getattr(t, field)
                if name is not None and name not in known:
                    raise InputError(shown, f"calibration.targets[{i}].{field}",
                                     f"unknown outcome '{name}'")  # fmt: skip
            for field in ("arm", "relative_to"):
                arm = getattr(t, field)
                if arm is not None and arm not in names:
                    raise InputError(shown, f"calibration.targets[{i}].{field}",
                                     f"no arm '{arm}'")  # fmt: skip
    if spec.calibration:
        _check_identification(spec.calibration, shown)
    base = spec.relative(spec.base)
    if not base.exists():
        raise InputError(shown, "base", f"scenario file not found: {base}")
    for i, arm in enumerate(spec.arms):
        if arm.scenario and not spec.relative(arm.scenario).exists():
            raise InputError(shown, f"arms[{i}].scenario",
                             f"scenario file not found: {spec.relative(arm.scenario)}")  # fmt: skip


def _check_identification(cal: Calibration, shown: str) -> None:
    """msm: at least as many fitted targets as parameters; held-out targets, per-rates and a
    covariance matrix only where the method uses them.

    Raises:
        InputError: One line naming the key and the problem.
    """
    msm_only = [(i, f) for i, t in enumerate(cal.targets)
                for f in ("held_out", "per") if getattr(t, f)]  # fmt: skip
    if cal.method != "msm":
        if msm_only:
            i, f = msm_only[0]
            raise InputError(
                shown,
                f"calibration.targets[{i}].{f}",
                f'is supported by method = "msm" only (not {cal.method})',
            )
        if cal.covariance is not None:
            raise InputError(
                shown,
                "calibration.covariance",
                f'is supported by method = "msm" only (not {cal.method})',
            )
        return
    n_params, n_fit = len(cal.parameters), sum(cal.fitted)
    n_held = len(cal.targets) - n_fit
    if n_fit >= n_params:
        return
    if n_held and n_fit + n_held >= n_params:
        problem = (
            f"{n_held} held-out target(s) leave {n_fit} fitted for {n_params} "
            "parameters: the fit is under-identified; hold fewer out or add targets"
        )
    else:
        problem = (
            f"{n_fit} fitted target(s) for {n_params} parameters: the fit is "
            "under-identified; add targets or fix parameters"
        )
    raise InputError(shown, "calibration.targets", problem)
