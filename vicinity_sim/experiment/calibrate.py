"""Calibration by the method of simulated moments (MSM).

The ``[calibration]`` table of an experiment names parameters (scenario keys with a range) and
targets: observed moments, each an outcome of an arm or its relative change against another
arm, with an uncertainty ``sd``. :func:`calibrate` searches the parameters θ that bring the
simulated moments m(θ) closest to the targets t in the weighted sense

    Q(θ) = Σₖ ((mₖ(θ) − tₖ) / sdₖ)²,

i.e. MSM with the diagonal weight matrix W = diag(1/sd²) (W = S⁻¹ with a target covariance
matrix S, ``calibration.covariance``). Only the fitted targets enter Q; targets with
``held_out = true`` are simulated at every evaluation and checked against the model at the
estimate (:func:`~vicinity_sim.experiment.msm.held_out_checks`).

**Efficient weight and J-test.** With more fitted targets than parameters and ``weighting =
"optimal"`` (the default) a second Nelder–Mead step, from the first step's estimate θ̂₁,
minimises Q with W₂ = Ω⁻¹, Ω = S + Σ_sim(θ̂₁): the data's covariance plus the simulated
moments' (the jackknife below, or S / ``simulation_draws``, the classic (1 + 1/S) factor, in
which case W₁ ∝ W₂ and no second step is run). Hansen's J = Q(θ̂) at that weight is χ² with
(fitted targets − parameters) degrees of freedom under a correct model
(:func:`~vicinity_sim.experiment.msm.j_test`); exactly identified, J is not defined and the
report says so. Standard errors are the sandwich A⁻¹GᵀWΩWGA⁻¹ (A = GᵀWG), which is
(GᵀΩ⁻¹G)⁻¹ at the efficient weight.

**Moments.** A level target is the mean of the outcome over the arm's replications (and sweep
samples, if the experiment has a sweep). A relative target (``relative_to``) is the ratio of
means minus one, ``mean(arm) / mean(relative_to) − 1``, both means taken over the same
replications, those that both arms completed with a finite value (replication-paired).

**Transforms.** Nelder–Mead (:func:`scipy.optimize.minimize`) searches an unbounded space
z; each parameter is mapped into its range by the logistic transform
θ = low + (high − low) / (1 + e^(−z)), so every evaluated θ lies strictly within
[low, high]. The search starts at ``start`` (or the midpoint of the range; a start on a bound
is moved 1% of the range inside) with an initial simplex that moves each parameter 15% of its
range towards the middle. It stops after ``max_evaluations`` objective evaluations, or
earlier once the simplex has shrunk to 10⁻² in z (about 0.25% of a range near its middle)
and its objective values differ by less than 10⁻², a small fraction of the unit change of Q
that marks one standard error.

**Common random numbers.** Every evaluation runs the whole experiment with the experiment's
seed and replication indices; only the calibrated parameters differ (passed as overrides to
:func:`~vicinity_sim.experiment.runner.run_experiment`). Replication r therefore draws the
same random streams at every θ, so m(θ) is a smooth-looking, nearly deterministic function
of θ rather than one redrawn at every step, which both the optimizer and the finite
differences below rely on. (A ``[stopping]`` table can change the number of replications
between evaluations and with it this smoothness; calibrate with a fixed number.) Each distinct
θ is simulated once, into its own directory ``out/evals/NNNN``, and cached; a calibration
rerun into the same directory follows the same path and resumes from the finished runs.

**Uncertainty.** At the optimum θ̂ the Jacobian J = ∂m/∂θ is taken by central finite
differences with a step of 5% of each parameter's range (one-sided, and within the range,
where θ̂ lies closer than that to a bound). θ̂ − θ ≈ (JᵀWJ)⁻¹JᵀW (e_data − e_sim): the
targets carry the data's sampling error e_data (covariance S = diag(sd²) when the sds are
those errors) and the simulated moments carry simulation noise e_sim, independent of the data
and, with common random numbers, the same at every θ (covariance Σ_sim). Hence

    V = A⁻¹ + A⁻¹ JᵀW Σ_sim W J A⁻¹,    A = JᵀWJ.

Σ_sim is estimated at θ̂ by the delete-one-replication jackknife of the simulated moments
(replication r is left out of every arm and sample at once, so paired relative moments keep
their pairing). When the targets are means over N observed replications and the simulation
uses R replications of the same process, Σ_sim ≈ S·N/R and V ≈ (1 + N/R)·(JᵀWJ)⁻¹, the
classic factor (1 + 1/K) for K = R/N simulated draws per observation (McFadden 1989; Pakes &
Pollard 1989). With a single replication Σ_sim cannot be estimated; the data term alone is
reported and ``simulation_noise`` is false. ``standard_errors_data`` gives the data term
alone for comparison.
If JᵀWJ is singular (a parameter moves no target, or two parameters move them alike) the
pseudo-inverse is used, the result is flagged ``singular`` and parameters that are not
identified get an infinite standard error.

The result is written to ``out/calibration.json``, its parameter table to
``out/calibration.csv`` and both with the fit to ``out/report.md``.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, logit
from tqdm import tqdm  # plain text bars: no notebook widgets needed

from vicinity_sim import preflight, supervise
from vicinity_sim.errors import InputError
from vicinity_sim.experiment import msm
from vicinity_sim.experiment.executors import Pool, check_executor, make_executor
from vicinity_sim.experiment.runner import run_experiment
from vicinity_sim.experiment.spec import (
    Calibration,
    CalibrationParameter,
    ExperimentSpec,
    Target,
)
from vicinity_sim.outdir import OutputLock, contents
from vicinity_sim.runs import atomic_write, json_bytes

RESULT = "calibration.json"
#: Finite-difference step for the Jacobian, as a share of each parameter's range.
JACOBIAN_STEP = 0.05
#: Initial simplex: each parameter moves this share of its range towards the middle.
SIMPLEX_STEP = 0.15
#: Nelder–Mead tolerances: simplex size in the transformed space, spread of Q over it.
XATOL = 1e-2
FATOL = 1e-2


@dataclass
class CalibrationResult:
    """Outcome of a calibration.

    Attributes:
        parameters: Scenario key → estimate.
        standard_errors: Scenario key → standard error, data and simulation noise together
            (``inf`` if the parameter is not identified by the targets).
        objective: Q at the estimate.
        moments: Per target: ``outcome``, ``arm``, ``relative_to``, ``value``, ``sd`` and the
            ``simulated`` moment at the estimate.
        evaluations: Distinct parameter vectors simulated, including those for the Jacobian.
        converged: Whether Nelder–Mead met its tolerances within ``max_evaluations``.
        covariance: Covariance matrix of the estimates, in the order of ``parameters``.
        jacobian: ∂moment/∂parameter at the estimate (targets × parameters).
        singular: Whether JᵀWJ was singular and its pseudo-inverse was used.
        message: The optimizer's message.
        history: Every simulated parameter vector with its moments and objective, in order.
        standard_errors_data: Scenario key → standard error from (JᵀWJ)⁻¹ alone.
        simulation_covariance: Jackknife covariance of the simulated moments at the estimate.
        simulation_noise: Whether the simulation term is included (needs 2+ replications,
            or ``simulation_draws``).
        replications: Replications per evaluation.
        j_test: Hansen's J: ``statistic``, ``df``, ``p_value``, ``defined``, ``rejected``,
            ``message`` (see :mod:`~vicinity_sim.experiment.msm`).
        weighting: The weight of the final step.
        weight: That weight matrix, over the fitted targets.
        first_step: The first step's estimate, objective, evaluations and convergence.
        fitted_targets: Targets used in the fit.
        held_out_targets: Targets only checked at the estimate (their ``moments`` rows carry
            ``model_interval``, ``z`` and ``consistent``).
    """

    parameters: dict[str, float]
    standard_errors: dict[str, float]
    objective: float
    moments: list[dict[str, Any]]
    evaluations: int
    converged: bool
    covariance: list[list[float]] = field(default_factory=list)
    jacobian: list[list[float]] = field(default_factory=list)
    singular: bool = False
    message: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    standard_errors_data: dict[str, float] = field(default_factory=dict)
    simulation_covariance: list[list[float]] = field(default_factory=list)
    simulation_noise: bool = False
    replications: int = 0
    j_test: dict[str, Any] = field(default_factory=dict)
    weighting: str = ""
    weight: list[list[float]] = field(default_factory=list)
    first_step: dict[str, Any] = field(default_factory=dict)
    fitted_targets: int = 0
    held_out_targets: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (non-finite numbers become ``null`` when written)."""
        return asdict(self)


def simulated_moments(summaries: pd.DataFrame, targets: list[Target]) -> np.ndarray:
    """The simulated moment of every target from an experiment's summaries.

    Args:
        summaries: One row per task (arm, sample, replication and outcomes), as
            :attr:`Results.summaries <vicinity_sim.experiment.runner.Results.summaries>`.
        targets: The calibration targets.

    Returns:
        One value per target: the arm's mean outcome; with ``per``, ``scale`` times the ratio
        of the means of the outcome and of ``per`` over the arm's runs; with ``relative_to``
        the ratio of the two arms' means over their common replications minus one; ``nan``
        where undefined.
    """
    out = np.full(len(targets), np.nan)
    for k, t in enumerate(targets):
        x = _values(summaries, t.arm, t.outcome)
        if t.per is not None:
            den = _values(summaries, t.arm, t.per)
            common = x.index.intersection(den.index)  # the same runs
            if len(common) and den[common].mean() != 0:
                out[k] = t.scale * x[common].mean() / den[common].mean()
            continue
        if t.relative_to is None:
            out[k] = x.mean() if len(x) else np.nan
            continue
        ref = _values(summaries, t.relative_to, t.outcome)
        common = x.index.intersection(ref.index)  # replication-paired
        if len(common):
            denominator = ref[common].mean()
            out[k] = x[common].mean() / denominator - 1 if denominator != 0 else np.nan
    return out


def simulation_covariance(summaries: pd.DataFrame, targets: list[Target]) -> np.ndarray:
    """Covariance of the simulated moments from simulation noise (jackknife over replications).

    Each replication index is left out in turn, from every arm and sample at once; the
    covariance is ``(n − 1)/n · Σ (m₍ᵣ₎ − m̄)(m₍ᵣ₎ − m̄)ᵀ`` over the ``n`` replications. For a
    level target this equals the squared standard error of the mean over replications.

    Returns:
        A targets × targets matrix; NaN with fewer than two replications.
    """
    reps = sorted(summaries["replication"].unique()) if len(summaries) else []
    k = len(targets)
    if len(reps) < 2:
        return np.full((k, k), np.nan)
    leave_out = np.array([simulated_moments(summaries[summaries["replication"] != r], targets)
                          for r in reps])  # fmt: skip
    dev = leave_out - leave_out.mean(axis=0)
    n = len(reps)
    return (n - 1) / n * dev.T @ dev


def data_covariance(cal: Calibration) -> np.ndarray:
    """S: covariance of all targets, ``calibration.covariance`` or diag(sd²)."""
    if cal.covariance is not None:
        return np.array(cal.covariance, float)
    return np.diag(np.array([t.sd for t in cal.targets], float) ** 2)


def simulation_noise(cal: Calibration, summaries: pd.DataFrame) -> np.ndarray:
    """Σ: covariance of the simulated moments, S / ``simulation_draws`` if given, else the
    jackknife over replications (NaN with one replication)."""
    if cal.simulation_draws is not None:
        return data_covariance(cal) / cal.simulation_draws
    return simulation_covariance(summaries, cal.targets)


def _values(summaries: pd.DataFrame, arm: str, outcome: str) -> pd.Series:
    """Finite values of an outcome in an arm, indexed by (sample, replication)."""
    if outcome not in summaries.columns or "arm" not in summaries.columns:
        return pd.Series(dtype=float)
    rows = summaries[summaries["arm"] == arm].set_index(["sample", "replication"])
    x = pd.to_numeric(rows[outcome], errors="coerce").astype(float)
    return x[np.isfinite(x)]


class _Model:
    """Simulated moments as a function of the parameters, cached by parameter vector."""

    def __init__(self, spec: ExperimentSpec, cal: Calibration, out: Path, executor: str,
                 workers: int, bar: tqdm, extra: list, pool: Pool) -> None:  # fmt: skip
        self.spec = spec
        self.extra = extra
        self.pool = pool
        self.params = cal.parameters
        self.targets = cal.targets
        self.value = np.array([t.value for t in self.targets])
        self.sd = np.array([t.sd for t in self.targets])
        self.fitted = np.array(cal.fitted)
        self.data_cov = data_covariance(cal)
        # First step: W = S⁻¹ over the fitted targets (diag(1/sd²) without a covariance).
        self.weight = np.linalg.inv(self.data_cov[np.ix_(self.fitted, self.fitted)])
        self.step = 1
        self.efficient = False  # whether the weight is Ω⁻¹
        self.out = out
        self.executor = executor
        self.workers = workers
        self.bar = bar
        self.cache: dict[tuple[float, ...], np.ndarray] = {}
        self.summaries: dict[tuple[float, ...], pd.DataFrame] = {}
        self.history: list[dict[str, Any]] = []
        self.best = math.inf
        self.first_step: dict[str, Any] = {}

    def moments(self, theta: np.ndarray) -> np.ndarray:
        """m(θ): runs the experiment at θ unless already done."""
        key = tuple(float(v) for v in theta)
        if key not in self.cache:
            extra = [*self.extra, *_overrides(self.spec, self.params, key)]
            where = self.out / "evals" / f"{len(self.cache):04d}"
            results = run_experiment(self.spec, where, executor=self.executor,
                                     workers=self.workers, progress=False, extra=extra,
                                     pool=self.pool)  # fmt: skip
            m = simulated_moments(results.summaries, self.targets)
            self.cache[key] = m
            self.summaries[key] = results.summaries
            q = self.q(m)
            self.best = min(self.best, q)
            self.history.append({
                "parameters": {p.key: v for p, v in zip(self.params, key, strict=True)},
                "moments": m.tolist(),
                "objective": q,
                "step": self.step,
                "directory": str(where),
            })  # fmt: skip
            self.bar.update(1)
            self.bar.set_postfix(Q=f"{self.best:.4g}")
        return self.cache[key]

    def q(self, m: np.ndarray) -> float:
        """Q = rᵀWr over the fitted targets, r = m − value; ``inf`` if a moment is undefined."""
        r = (m - self.value)[self.fitted]
        return float(r @ self.weight @ r) if np.all(np.isfinite(r)) else math.inf

    def reweight(self, weight: np.ndarray) -> None:
        """Start the second step: a new weight (cached moments are kept, the best Q is not)."""
        self.weight = weight
        self.step = 2
        self.efficient = True
        self.best = math.inf

    def objective(self, z: np.ndarray) -> float:
        return self.q(self.moments(_to_theta(z, self.params)))


def _overrides(spec: ExperimentSpec, params: list[CalibrationParameter],
               theta: Any) -> list[tuple[str, list[str] | None, str]]:  # fmt: skip
    """The calibrated parameters at θ as overrides, labelled by their place in the file."""
    return [(f"{p.key}={float(v)!r}", p.arms, f"{spec.path}: calibration.parameters[{i}]")
            for i, (p, v) in enumerate(zip(params, theta, strict=True))]  # fmt: skip


def _to_theta(z: np.ndarray, params: list[CalibrationParameter]) -> np.ndarray:
    """Transformed space → parameters (logistic onto each range)."""
    low, high = _bounds(params)
    return low + (high - low) * expit(np.asarray(z, float))


def _to_z(theta: np.ndarray, params: list[CalibrationParameter]) -> np.ndarray:
    """Parameters → transformed space (points on a bound moved 1% of the range inside)."""
    low, high = _bounds(params)
    return logit(np.clip((np.asarray(theta, float) - low) / (high - low), 0.01, 0.99))


def _bounds(params: list[CalibrationParameter]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([p.low for p in params]), np.array([p.high for p in params])


def _jacobian(model: _Model, theta: np.ndarray) -> np.ndarray:
    """∂m/∂θ by central differences (one-sided within the range near a bound)."""
    low, high = _bounds(model.params)
    step = JACOBIAN_STEP * (high - low)
    jac = np.empty((len(model.targets), len(theta)))
    for j in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[j] = min(theta[j] + step[j], high[j])
        down[j] = max(theta[j] - step[j], low[j])
        jac[:, j] = (model.moments(up) - model.moments(down)) / (up[j] - down[j])
    return jac


def _covariance(jac: np.ndarray, sd: np.ndarray, sim_cov: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, bool]:  # fmt: skip
    """Covariance of θ̂, its standard errors and whether JᵀWJ was singular, for the diagonal
    weight W = diag(1/sd²): ``A⁻¹`` with A = JᵀWJ, plus ``A⁻¹JᵀWΣWJA⁻¹`` for the simulation
    noise Σ = ``sim_cov`` when given and finite (:func:`~vicinity_sim.experiment.msm.sandwich`
    with Ω = diag(sd²) + Σ)."""
    omega = np.diag(sd**2)
    if sim_cov is not None and np.all(np.isfinite(sim_cov)):
        omega = omega + sim_cov
    return msm.sandwich(jac, np.diag(1 / sd**2), omega)


def calibrate(
    spec: ExperimentSpec,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    progress: bool = True,
    fresh: bool = False,
    extra: list | None = None,
) -> CalibrationResult:
    """Estimate the ``[calibration]`` parameters by the method of simulated moments.

    Args:
        spec: An experiment with a ``[calibration]`` table.
        out: Directory for the evaluations (``evals/NNNN``), ``calibration.json``,
            ``calibration.csv`` and ``report.md``.
        executor: ``local``, ``dask`` or ``dask://HOST:PORT``, for every evaluation.
        workers: Worker processes per evaluation.
        progress: Show a progress bar over evaluations.
        fresh: Discard an earlier calibration in ``out`` first (otherwise its evaluations are
            reused); only a directory that holds a calibration is ever deleted.
        extra: Further overrides for every evaluation (``--set``, ``--days``), as for
            :func:`~vicinity_sim.experiment.runner.run_experiment`.

    Returns:
        The estimates, their standard errors, the fit and the optimizer's state.

    Raises:
        InputError: If the experiment has no calibration table, a parameter is listed twice
            or is not a scenario key, an option is invalid, or ``out`` holds something else;
            raised before ``out`` is created or changed.
    """
    from vicinity_sim.experiment.runner import Experiment

    cal = spec.calibration
    if cal is None:
        problem = "missing: add a [calibration] table with parameters and targets"
        raise InputError(str(spec.path), "calibration", problem)
    keys = [p.key for p in cal.parameters]
    for i, k in enumerate(keys):
        if keys.index(k) != i:
            raise InputError(str(spec.path), f"calibration.parameters[{i}].key",
                             f"'{k}' is listed twice")  # fmt: skip
    extra = list(extra or [])
    params = cal.parameters
    start = np.array([(p.low + p.high) / 2 if p.start is None else p.start for p in params])
    # Every arm resolves with the parameters set (a bad key is reported now, by its place in
    # the file), the options are valid and the directory usable, before anything is written.
    Experiment(spec, [*extra, *_overrides(spec, params, start)]).resolve_all()
    check_executor(executor, workers)
    out = Path(out)
    _check_dir(out)

    # Initial simplex: the start and one vertex per parameter, moved towards the middle.
    simplex = list(_simplex(start, params, SIMPLEX_STEP))

    total = cal.max_evaluations + 2 * len(params)
    preflight.check_writable(out)
    with OutputLock(out):
        _check_dir(out)  # again, now that no other writer can change it
        try:
            res, theta, m, jac, model = _optimize(spec, cal, out, executor, workers, progress,
                                                  fresh, extra, simplex, total)  # fmt: skip
        except KeyboardInterrupt as e:
            raise supervise.interrupted(e, f"{_evaluations_kept(out)}; run the same command "
                                        "again to resume (finished simulations are "
                                        "reused)") from None  # fmt: skip
        return _finish(spec, cal, out, keys, res, theta, m, jac, model)


def _evaluations_kept(out: Path) -> str:
    """How many evaluations and simulations a calibration directory holds (counted on disk)."""
    evals = [d for d in sorted((out / "evals").glob("[0-9]*")) if (d / "experiment.json").exists()]
    runs = sum(len(list((d / "runs").rglob("rep=*.parquet"))) for d in evals)
    return (f"{runs} finished simulations of {len(evals)} evaluation(s) are kept in "
            f"{out / 'evals'}")  # fmt: skip


def _optimize(spec: ExperimentSpec, cal: Calibration, out: Path, executor: str, workers: int,
              progress: bool, fresh: bool, extra: list, simplex: list,
              total: int) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, _Model]:  # fmt: skip
    """Nelder–Mead from the simplex (and, over-identified with optimal weighting, a second
    step with the efficient weight), then the moments and Jacobian at the estimate."""
    params = cal.parameters
    # One executor for every evaluation: a pool or cluster starts once, not per evaluation.
    with make_executor(executor, workers) as running, tqdm(
            total=total, disable=not progress, unit="eval", desc="calibration",
            leave=False) as bar:  # fmt: skip
        _prepare_dir(out, fresh)  # once the executor runs (a Dask scheduler was reached)
        model = _Model(spec, cal, out, executor, workers, bar, extra, Pool(running))
        res = minimize(model.objective, simplex[0], method="Nelder-Mead",
                       options={"maxfev": cal.max_evaluations, "xatol": XATOL, "fatol": FATOL,
                                "initial_simplex": np.array(simplex)})  # fmt: skip
        theta = _to_theta(res.x, params)
        m = model.moments(theta)
        model.first_step = {"parameters": theta.tolist(), "objective": model.q(m),
                            "evaluations": len(model.cache),
                            "converged": bool(res.success)}  # fmt: skip
        weight = _efficient_weight(cal, model, theta)
        if weight is not None:
            model.reweight(weight)
            bar.total = total + cal.refine_evaluations
            res = minimize(model.objective, res.x, method="Nelder-Mead",
                           options={"maxfev": cal.refine_evaluations, "xatol": XATOL,
                                    "fatol": FATOL,
                                    "initial_simplex": _simplex(theta, params,
                                                                SIMPLEX_STEP / 3)})  # fmt: skip
            theta = _to_theta(res.x, params)
            m = model.moments(theta)
        jac = _jacobian(model, theta)
    return res, theta, m, jac, model


def _simplex(theta: np.ndarray, params: list[CalibrationParameter], step: float) -> np.ndarray:
    """An initial simplex in z around θ: each parameter moved ``step`` of its range inwards."""
    low, high = _bounds(params)
    u0 = np.clip((theta - low) / (high - low), 0.01, 0.99)
    vertices = [logit(u0)]
    for j in range(len(params)):
        u = u0.copy()
        u[j] += step if u[j] <= 0.5 else -step
        vertices.append(logit(u))
    return np.array(vertices)


def _efficient_weight(cal: Calibration, model: _Model, theta: np.ndarray) -> np.ndarray | None:
    """W₂ = (S + Σ_sim(θ̂₁))⁻¹ over the fitted targets for the second step, or ``None`` when
    there is no second step: exactly identified (every weight gives the same estimate),
    diagonal weighting, or a simulation noise that cannot be estimated (one replication).

    With ``simulation_draws`` S, Ω = (1 + 1/S)·S_data is proportional to the first step's
    weight's inverse, so the first step's estimate is already efficient: the weight is
    rescaled to Ω⁻¹ (for J) and no second step is needed (``model.efficient`` is set)."""
    fit = model.fitted
    if cal.weighting != "optimal" or fit.sum() <= len(cal.parameters):
        return None
    sim = simulation_noise(cal, model.summaries[tuple(float(v) for v in theta)])
    omega = model.data_cov + sim
    if not np.all(np.isfinite(omega)):
        return None
    weight = np.linalg.inv(omega[np.ix_(fit, fit)])
    if cal.simulation_draws is not None:
        model.weight = weight
        model.efficient = True
        return None
    return weight


def _finish(spec: ExperimentSpec, cal: Calibration, out: Path, keys: list[str], res: Any,
            theta: np.ndarray, m: np.ndarray, jac: np.ndarray,
            model: _Model) -> CalibrationResult:  # fmt: skip
    """Standard errors, J-test and fit at the estimate; write calibration.json, .csv, report.md."""
    at_estimate = model.summaries[tuple(float(v) for v in theta)]
    sim_all = simulation_noise(cal, at_estimate)
    noise = bool(np.all(np.isfinite(sim_all)))
    fit = model.fitted
    ff = np.ix_(fit, fit)
    data_all = model.data_cov
    omega_all = data_all + (sim_all if noise else 0.0)
    jf = jac[fit]
    cov, se, singular = msm.sandwich(jf, model.weight, omega_all[ff])
    _, se_data, _ = msm.sandwich(jf, model.weight, data_all[ff])
    efficient = model.efficient
    residual = m - model.value
    jtest = msm.j_test(residual[fit], jf, model.weight, omega_all[ff], efficient)
    if jtest.defined and not noise:
        jtest.message += (
            "; the simulation noise could not be estimated (one replication), "
            "so J counts the data's error only and rejects too often"
        )
    # Per-moment fit: miss in target sds, and t-ratio against the residual's own sd.
    res_cov = msm.residual_covariance(jf, model.weight, omega_all[ff])
    res_sd = np.sqrt(np.clip(np.diag(res_cov), 0.0, None))
    checks = iter(
        msm.held_out_checks(
            residual,
            jac,
            fit,
            model.weight,
            omega_all,
            sim_all if noise else np.zeros_like(sim_all),
            cov,
        )
    )
    fitted_i = iter(range(int(fit.sum())))
    moments = []
    for k, t in enumerate(cal.targets):
        row = {"outcome": t.outcome, "arm": t.arm, "relative_to": t.relative_to,
               "per": t.per, "scale": t.scale, "value": t.value, "sd": t.sd,
               "source": t.source, "held_out": t.held_out, "simulated": float(m[k]),
               "miss_sd": float(residual[k] / t.sd)}  # fmt: skip
        if t.held_out:
            c = next(checks)
            half = 1.959963984540054 * c["model_sd"]
            row.update({"model_sd": c["model_sd"],
                        "model_interval": [float(m[k]) - half, float(m[k]) + half],
                        "difference_sd": c["difference_sd"], "z": c["z"],
                        "consistent": c["consistent"]})  # fmt: skip
        else:
            i = next(fitted_i)
            row["t_ratio"] = (float(residual[k] / res_sd[i])
                              if res_sd[i] > 1e-12 * t.sd else math.nan)  # fmt: skip
        moments.append(row)

    result = CalibrationResult(
        parameters={k: float(v) for k, v in zip(keys, theta, strict=True)},
        standard_errors={k: float(s) for k, s in zip(keys, se, strict=True)},
        objective=model.q(m),
        moments=moments,
        evaluations=len(model.cache),
        converged=bool(res.success) and math.isfinite(model.q(m)),
        covariance=cov.tolist(),
        jacobian=jac.tolist(),
        singular=singular,
        message=str(res.message),
        history=model.history,
        standard_errors_data={k: float(s) for k, s in zip(keys, se_data, strict=True)},
        simulation_covariance=sim_all.tolist(),
        simulation_noise=noise,
        replications=int(at_estimate["replication"].nunique()) if len(at_estimate) else 0,
        j_test=asdict(jtest),
        weighting=("efficient (two-step)" if model.step == 2 else "efficient (S⁻¹ / (1 + 1/S))")
        if efficient
        else "diagonal (1/sd²)"
        if cal.covariance is None
        else "data covariance S⁻¹",
        weight=model.weight.tolist(),
        first_step=model.first_step,
        fitted_targets=int(fit.sum()),
        held_out_targets=int((~fit).sum()),
    )
    atomic_write(out / RESULT, json_bytes(result.to_dict()))
    atomic_write(out / "calibration.csv", parameter_table(result).to_csv(index=False).encode())
    atomic_write(out / "report.md", report_markdown(spec, result).encode())
    return result


def parameter_table(result: CalibrationResult) -> pd.DataFrame:
    """One row per parameter: ``parameter``, ``estimate``, ``standard_error`` (data and
    simulation noise) and ``standard_error_data`` (data only)."""
    return pd.DataFrame({
        "parameter": list(result.parameters),
        "estimate": list(result.parameters.values()),
        "standard_error": [result.standard_errors[k] for k in result.parameters],
        "standard_error_data": [result.standard_errors_data.get(k, math.nan)
                                for k in result.parameters],
    })  # fmt: skip


def _check_dir(out: Path) -> None:
    """Refuse a file, or a non-empty directory that holds no calibration.

    Raises:
        InputError: If ``out`` cannot hold the calibration.
    """
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out", "exists and is not a directory")
    holds = (out / RESULT).exists() or (out / "evals").is_dir()
    if out.is_dir() and contents(out) and not holds:
        problem = (
            "is not empty and holds no calibration (no evals/ or calibration.json); "
            "--fresh deletes only calibration directories: choose another --out"
        )
        raise InputError(str(out), "--out", problem)


def _prepare_dir(out: Path, fresh: bool) -> None:
    """Create ``out``, or reuse (``fresh``: empty) a directory that holds a calibration.

    Raises:
        InputError: As :func:`_check_dir`.
    """
    _check_dir(out)
    if fresh and out.is_dir() and any(out.iterdir()):
        trash = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, trash)
        shutil.rmtree(trash, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def report_markdown(spec: ExperimentSpec, result: CalibrationResult) -> str:
    """The text of a calibration's ``report.md``: estimates with standard errors, the J-test,
    the fit of every fitted target and the held-out checks."""
    from vicinity_sim.compare import format_number as num

    state = "converged" if result.converged else "did not converge"
    noise = ("data and simulation noise" if result.simulation_noise
             else "data only (one replication: simulation noise not estimated)")  # fmt: skip
    md = [f"# Calibration: {spec.name or spec.path.stem}", ""]
    if spec.description:
        md += [spec.description, ""]
    md += [
        f"Method of simulated moments, {result.evaluations} evaluations of "
        f"{result.replications} replication(s) each, common random numbers (seed {spec.seed}); "
        f"{result.fitted_targets} fitted and {result.held_out_targets} held-out target(s) for "
        f"{len(result.parameters)} parameter(s); weight: {result.weighting}; "
        f"Nelder–Mead {state} ({result.message}). Objective Q = {num(result.objective)}.",
        "", "## Parameters", "",
        f"Standard errors: {noise}; `data only` ignores the simulation noise."
        + (" JᵀWJ is singular: parameters that no target moves have an infinite standard "
           "error." if result.singular else ""),
        "",
        "| parameter | estimate | standard error | data only |",
        "| --- | ---: | ---: | ---: |",
    ]  # fmt: skip
    for k, v in result.parameters.items():
        md.append(f"| `{k}` | {num(v)} | {num(result.standard_errors[k])} | "
                  f"{num(result.standard_errors_data.get(k, math.nan))} |")  # fmt: skip
    jt = result.j_test
    md += ["", "## Test of the over-identifying restrictions", "",
           (f"Hansen's J: {jt['message']}." if jt else "not computed.")]  # fmt: skip
    md += ["", "## Fit", "",
           "`miss / sd`: simulated minus target in the target's sd; `t`: the same miss over "
           "the sd of the fitted residual (data, simulation noise and the fit's own pull), "
           "undefined when exactly identified.", "",
           "| target | arm | value ± sd | simulated | miss / sd | t | source |",
           "| --- | --- | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for t in result.moments:
        if t.get("held_out"):
            continue
        t_ratio = t.get("t_ratio", math.nan)
        md.append(f"| {_target_name(t)} | {_arm_name(t)} | {num(t['value'])} ± {num(t['sd'])} "
                  f"| {num(t['simulated'])} | {t['miss_sd']:+.2f} | "
                  f"{'—' if not math.isfinite(t_ratio) else f'{t_ratio:+.2f}'} | "
                  f"{t.get('source') or ''} |")  # fmt: skip
    held = [t for t in result.moments if t.get("held_out")]
    if held:
        md += ["", "## Held-out checks", "",
               "Simulated at the estimate, not used in the fit. `model 95%`: the model's value "
               "with the parameters' uncertainty and simulation noise; `z`: model minus target "
               "over the sd of that difference (the target's error included).", "",
               "| target | arm | value ± sd | model (95%) | z | consistent | source |",
               "| --- | --- | ---: | ---: | ---: | --- | --- |"]  # fmt: skip
        for t in held:
            lo, hi = t["model_interval"]
            md.append(f"| {_target_name(t)} | {_arm_name(t)} | {num(t['value'])} ± "
                      f"{num(t['sd'])} | {num(t['simulated'])} [{num(lo)}, {num(hi)}] | "
                      f"{t['z']:+.2f} | {'yes' if t['consistent'] else 'no'} | "
                      f"{t.get('source') or ''} |")  # fmt: skip
    md += ["", "Every evaluation is an experiment directory `evals/NNNN` (open it with "
           "`load_results`); `calibration.json` holds the estimates, covariance, Jacobian, "
           "weight, J-test and the history of evaluations.", ""]  # fmt: skip
    return "\n".join(md)


def _target_name(t: dict[str, Any]) -> str:
    if t.get("per"):
        scale = "" if t.get("scale", 1.0) == 1.0 else f"{t['scale']:g} × "
        return f"{scale}`{t['outcome']}` / `{t['per']}`"
    return f"`{t['outcome']}`" + (" (relative)" if t["relative_to"] else "")


def _arm_name(t: dict[str, Any]) -> str:
    return t["arm"] + (f" vs {t['relative_to']}" if t["relative_to"] else "")
