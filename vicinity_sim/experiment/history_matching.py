"""History matching with Gaussian-process emulators, and an approximate posterior sample.

History matching (Craig et al. 1997; Vernon, Goldstein & Bower 2010; Andrianakis et al.
2015) rules out the parameter values at which the model cannot reproduce the targets, in
waves:

1. **Design.** Wave 1 runs a Latin hypercube of ``points_per_wave`` points from the prior
   (each parameter's quantile mapped through its uniform or log-uniform prior). Later waves
   pick their points, spread out (greedy maximin in quantile space), from the current
   non-implausible set.
2. **Emulators.** For every target k, a Gaussian process (scikit-learn; constant × squared
   exponential kernel with one length scale per parameter, plus a white-noise term, on
   standardised outputs; inputs in prior quantiles) is fitted to the simulated moments of
   the wave's points and of earlier points that are still non-implausible. The simulation
   noise of each point's moment (the jackknife variance over replications, when there are
   two or more) enters as the known noise of that point.
3. **Implausibility.** For a parameter value θ with emulator mean μₖ(θ) and variance
   σₖ²(θ), ``Iₖ(θ) = |zₖ − μₖ(θ)| / √(sdₖ² (1 + δ²) + σₖ²(θ))`` with zₖ ± sdₖ the target and
   δ the model discrepancy (a share of sdₖ). θ is implausible when ``maxₖ Iₖ(θ) > c``
   (``cutoff``, 3 by default: by Pukelsheim's three-sigma rule any unimodal distribution has
   at least 95% of its mass within 3 sd). Candidates drawn from the prior are screened by
   the emulators of *every* wave so far; those left are the non-implausible set (NROY,
   "not ruled out yet").
4. After the last wave, the NROY candidates (draws from the prior that no wave ruled out)
   form the **non-implausible ensemble** (``nroy.parquet``). The **approximate posterior**
   weighs them by the emulated likelihood ``Πₖ N(zₖ; μₖ(θ), sdₖ²(1 + δ²) + σₖ²(θ))`` of the
   last wave's emulators (prior × likelihood, the prior being already in the draws) and
   resamples ``posterior_samples`` of them (systematic resampling): ``posterior.parquet``.
   Truncating to the NROY set drops only values whose likelihood is below e^(−c²/2) of a
   perfect match. The effective sample size of the weights is reported; a small one (a few
   dozen) means the posterior is narrow compared with the NROY set and more candidates give
   a smoother sample.

:func:`history_match` works on any simulator (a function from parameter values to moments);
:func:`calibrate_history_matching` runs the experiment's arms at each wave's points on the
usual runner (any executor; each wave is an experiment directory ``waves/NN``, so a killed
calibration resumes: designs depend only on the seed and earlier results).
"""

from __future__ import annotations

import math
import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vicinity_sim.errors import InputError
from vicinity_sim.experiment.priors import Prior, find_prior
from vicinity_sim.experiment.spec import ExperimentSpec
from vicinity_sim.runs import atomic_write, json_bytes

RESULT = "history_matching.json"
POSTERIOR = "posterior.parquet"
#: Parquet metadata key of the posterior's parameter descriptions.
META_KEY = b"vicinity_sim.parameters"
#: Candidates are drawn in batches until this many times ``candidates`` have been tried.
MAX_CANDIDATE_FACTOR = 20

#: A simulator: parameter values (n, d) → (moments (n, k), noise variance of each (n, k) or
#: None).
Simulator = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]


@dataclass
class Wave:
    """One wave: its design, the simulated moments and the emulators fitted to them."""

    index: int
    unit: np.ndarray
    moments: np.ndarray
    noise: np.ndarray | None
    emulators: list[Any] = field(default_factory=list)
    nroy_share: float = math.nan
    candidates_tried: int = 0
    candidates_kept: int = 0


@dataclass
class HistoryMatch:
    """Result of :func:`history_match`.

    Attributes:
        priors: The parameters' priors.
        waves: Every wave.
        nroy: Non-implausible candidates after the last wave, values (n, d).
        posterior: Approximate posterior sample, values (m, d).
        ess: Effective sample size of the posterior weights.
        nroy_share: Share of prior draws not ruled out after each wave.
        message: Why it stopped, or what went wrong.
    """

    priors: list[Prior]
    waves: list[Wave]
    nroy: np.ndarray
    posterior: np.ndarray
    ess: float
    nroy_share: list[float]
    message: str = ""

    def runs(self) -> pd.DataFrame:
        """Every simulated point: wave, parameter values and moments."""
        rows = []
        for w in self.waves:
            values = _values(self.priors, w.unit)
            for i in range(len(w.unit)):
                row: dict[str, Any] = {"wave": w.index}
                row.update({p.key: values[i, j] for j, p in enumerate(self.priors)})
                row.update({f"moment_{k}": w.moments[i, k] for k in range(w.moments.shape[1])})
                rows.append(row)
        return pd.DataFrame(rows)


def _values(priors: list[Prior], unit: np.ndarray) -> np.ndarray:
    unit = np.atleast_2d(unit)
    return np.column_stack([p.ppf(unit[:, j]) for j, p in enumerate(priors)])


def _optimizer(obj_func: Any, initial_theta: np.ndarray, bounds: Any) -> tuple[np.ndarray, float]:
    """Maximise the log marginal likelihood (SLSQP: on a few dozen points it reaches the
    optimum L-BFGS-B finds in a fifth of the time)."""
    from scipy.optimize import minimize

    res = minimize(obj_func, initial_theta, method="SLSQP", jac=True, bounds=bounds,
                   options={"maxiter": 200})  # fmt: skip
    return res.x, float(res.fun)


def fit_emulator(x: np.ndarray, y: np.ndarray, noise: np.ndarray | None, seed: int,
                 restarts: int = 2) -> Any:  # fmt: skip
    """A Gaussian process for one output over inputs in [0, 1]^d (standardised output), its
    hyperparameters by maximum marginal likelihood from the default and ``restarts`` random
    starts."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    d = x.shape[1]
    scale = float(np.std(y)) or 1.0
    alpha = 1e-8 if noise is None else np.maximum(np.asarray(noise, float) / scale**2, 1e-8)
    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.3), (1e-2, 1e2))
              + WhiteKernel(1e-3, (1e-8, 1.0)))  # fmt: skip
    gp = GaussianProcessRegressor(kernel, alpha=alpha, normalize_y=True, optimizer=_optimizer,
                                  n_restarts_optimizer=restarts, random_state=seed)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(x, y)
    return gp


def _predict(emulators: list[Any], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means and variances (n, k) of the latent outputs (the white-noise term excluded).

    The arithmetic of scikit-learn's ``predict(return_std=True)``, with the inverse of the
    Cholesky factor computed once per emulator: the triangular solve against many candidates
    is much slower with OpenBLAS on a busy machine than a product with the inverse."""
    means, variances = [], []
    for gp in emulators:
        if not hasattr(gp, "_l_inverse"):
            gp._l_inverse = np.linalg.inv(gp.L_)
        k_trans = gp.kernel_(x, gp.X_train_)
        scale = float(np.atleast_1d(gp._y_train_std)[0])  # the fitted output scale
        shift = float(np.atleast_1d(gp._y_train_mean)[0])
        means.append((k_trans @ gp.alpha_).ravel() * scale + shift)
        v = k_trans @ gp._l_inverse.T  # (n, m): rows are L⁻¹ k(x)
        var = gp.kernel_.diag(x) - _white_level(gp) - np.einsum("ij,ij->i", v, v)
        variances.append(np.maximum(var, 0.0) * scale**2)
    return np.column_stack(means), np.column_stack(variances)


def _white_level(gp: Any) -> float:
    """Noise level of the fitted kernel's white-noise term (standardised units)."""
    from sklearn.gaussian_process.kernels import WhiteKernel

    params = gp.kernel_.get_params()
    return float(next((v.noise_level for v in params.values() if isinstance(v, WhiteKernel)),
                      0.0))  # fmt: skip


def implausibility(emulators: list[Any], x: np.ndarray, value: np.ndarray, sd: np.ndarray,
                   discrepancy: float = 0.0) -> np.ndarray:  # fmt: skip
    """Largest implausibility over the targets at each input row (n,)."""
    mean, var = _predict(emulators, x)
    scale = np.sqrt(sd**2 * (1 + discrepancy**2) + var)
    return np.max(np.abs(value - mean) / scale, axis=1)


def _maximin(candidates: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of ``candidates`` chosen greedily to be far apart."""
    if len(candidates) <= n:
        return candidates
    pool = candidates[rng.choice(len(candidates), min(len(candidates), 20 * n), replace=False)]
    chosen = [0]
    dist = np.linalg.norm(pool - pool[0], axis=1)
    for _ in range(n - 1):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.linalg.norm(pool - pool[i], axis=1))
    return pool[chosen]


def history_match(
    simulate: Simulator,
    priors: list[Prior],
    value: np.ndarray,
    sd: np.ndarray,
    *,
    waves: int = 4,
    points_per_wave: int = 40,
    cutoff: float = 3.0,
    discrepancy: float = 0.0,
    candidates: int = 20_000,
    posterior_samples: int = 1000,
    seed: int = 0,
    restarts: int = 2,
    on_wave: Callable[[Wave], None] | None = None,
) -> HistoryMatch:
    """History matching of a simulator to targets (see the module docstring).

    Args:
        simulate: Parameter values (n, d) → moments (n, k) and their noise variances (or None).
        priors: Uncertain parameters (uniform or log-uniform).
        value, sd: Targets and their uncertainties (k,).
        waves: Waves of design.
        points_per_wave: Simulated points per wave.
        cutoff: Implausibility cutoff.
        discrepancy: Model discrepancy sd as a share of each target's sd.
        candidates: Prior draws screened per wave.
        posterior_samples: Size of the posterior sample.
        seed: Seed of designs, candidates, emulators and resampling.
        restarts: Random restarts of each emulator's hyperparameter search.
        on_wave: Called after each wave is fitted.

    Returns:
        The waves, the non-implausible ensemble and the posterior sample.
    """
    from scipy.stats import qmc

    value, sd = np.asarray(value, float), np.asarray(sd, float)
    d = len(priors)
    rng = np.random.default_rng(seed)
    done: list[Wave] = []
    shares: list[float] = []
    nroy = qmc.LatinHypercube(d=d, rng=rng).random(points_per_wave)
    message = f"{waves} waves"
    for w in range(waves):
        unit = nroy if w == 0 else _maximin(nroy, points_per_wave, rng)
        moments, noise = simulate(_values(priors, unit))
        moments = np.atleast_2d(np.asarray(moments, float))
        wave = Wave(w + 1, unit, moments, None if noise is None else np.asarray(noise, float))
        # Train on this wave and on earlier points still non-implausible.
        xs, ys, ns = [unit], [moments], [wave.noise]
        for old in done:
            keep = _not_ruled_out(done, old.unit, value, sd, cutoff, discrepancy)
            xs.append(old.unit[keep])
            ys.append(old.moments[keep])
            ns.append(None if old.noise is None else old.noise[keep])
        x, y = np.vstack(xs), np.vstack(ys)
        ok = np.all(np.isfinite(y), axis=1)
        noise_all = np.vstack(ns) if all(n is not None for n in ns) else None
        if ok.sum() < 3:
            message = f"wave {w + 1}: fewer than 3 points with finite moments; stopped"
            done.append(wave)
            break
        wave.emulators = [fit_emulator(x[ok], y[ok, k],
                                       None if noise_all is None else noise_all[ok, k],
                                       seed + w, restarts) for k in range(len(value))]  # fmt: skip
        done.append(wave)
        nroy, tried = _screen(done, d, value, sd, cutoff, discrepancy, candidates, rng)
        wave.candidates_tried, wave.candidates_kept = tried, len(nroy)
        wave.nroy_share = len(nroy) / tried if tried else math.nan
        shares.append(wave.nroy_share)
        if on_wave is not None:
            on_wave(wave)
        if len(nroy) == 0:
            message = (f"wave {w + 1}: every candidate is implausible: the targets cannot be "
                       "matched within the priors (or the cutoff is too tight)")  # fmt: skip
            break
    posterior, ess = _posterior(done, nroy, value, sd, discrepancy, posterior_samples, rng)
    return HistoryMatch(priors, done, _values(priors, nroy) if len(nroy) else np.zeros((0, d)),
                        _values(priors, posterior) if len(posterior) else np.zeros((0, d)),
                        ess, shares, message)  # fmt: skip


def _not_ruled_out(waves: list[Wave], x: np.ndarray, value: np.ndarray, sd: np.ndarray,
                   cutoff: float, discrepancy: float) -> np.ndarray:  # fmt: skip
    keep = np.ones(len(x), dtype=bool)
    for w in waves:
        if not w.emulators or not keep.any():
            continue
        keep[keep] = implausibility(w.emulators, x[keep], value, sd, discrepancy) <= cutoff
    return keep


def _screen(waves: list[Wave], d: int, value: np.ndarray, sd: np.ndarray, cutoff: float,
            discrepancy: float, candidates: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, int]:  # fmt: skip
    """Prior draws (quantiles) that no wave rules out: at least ``candidates`` tried, more
    (up to :data:`MAX_CANDIDATE_FACTOR` times) while fewer than a tenth of them are kept."""
    kept, tried = [], 0
    while tried < MAX_CANDIDATE_FACTOR * candidates:
        u = rng.random((candidates, d))
        tried += candidates
        kept.append(u[_not_ruled_out(waves, u, value, sd, cutoff, discrepancy)])
        if sum(len(k) for k in kept) >= candidates // 10:
            break
    return np.vstack(kept), tried


def _posterior(waves: list[Wave], nroy: np.ndarray, value: np.ndarray, sd: np.ndarray,
               discrepancy: float, n: int, rng: np.random.Generator
               ) -> tuple[np.ndarray, float]:  # fmt: skip
    """Resample NROY candidates by the last wave's emulated likelihood: (sample, ESS)."""
    last = next((w for w in reversed(waves) if w.emulators), None)
    if last is None or len(nroy) == 0:
        return np.zeros((0, nroy.shape[1] if nroy.ndim == 2 else 0)), 0.0
    mean, var = _predict(last.emulators, nroy)
    s2 = sd**2 * (1 + discrepancy**2) + var
    logw = -0.5 * np.sum((value - mean) ** 2 / s2 + np.log(s2), axis=1)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    ess = float(1.0 / np.sum(w**2))
    # Systematic resampling: n evenly spaced positions on the cumulative weights.
    positions = (rng.random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    # In random order: resampling keeps the candidates' order, so the first K rows (what
    # ``compare --ensemble --sets K`` takes) would come from the first few candidates only.
    return nroy[rng.permutation(idx)], ess


# -- calibration of an experiment ------------------------------------------------------------


def calibration_priors(spec: ExperimentSpec) -> list[Prior]:
    """The prior of each ``[calibration]`` parameter: the file's low/high/prior, completed by
    the declaration's prior.

    Raises:
        InputError: If a parameter has no range in the file and no uncertain prior declared.
    """
    cal = spec.calibration
    assert cal is not None
    out = []
    for i, cp in enumerate(cal.parameters):
        declared = find_prior(cp.key)
        where = f"calibration.parameters[{i}]"
        lo = cp.low if cp.low is not None else (declared.low if declared else math.nan)
        hi = cp.high if cp.high is not None else (declared.high if declared else math.nan)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            problem = (f"'{cp.key}' has no prior range (a fixed or unknown parameter): give low "
                       "and high")  # fmt: skip
            raise InputError(str(spec.path), f"{where}.low", problem)
        if not lo < hi:
            raise InputError(str(spec.path), f"{where}.low", f"'{cp.key}': low must be below high")
        kind = cp.prior or (declared.kind if declared and declared.uncertain else "uniform")
        if kind == "loguniform" and lo <= 0:
            kind = "uniform"
        default = declared.default if declared else None
        unit = declared.unit if declared else ""
        out.append(Prior(cp.key, kind, float(lo), float(hi), default, unit, "calibration",
                         "calibration"))  # fmt: skip
    return out


@dataclass
class HistoryMatchingResult:
    """A history-matching calibration: the match and where it was written."""

    spec: ExperimentSpec
    match: HistoryMatch
    out: Path

    def summary(self) -> str:
        """A few lines for the terminal."""
        m = self.match
        lines = [f"History matching of {self.spec.name or self.spec.path}: {len(m.waves)} "
                 f"wave(s), {sum(len(w.unit) for w in m.waves)} points; {m.message}"]  # fmt: skip
        for w in m.waves:
            lines.append(f"  wave {w.index}: {len(w.unit)} points, non-implausible share of "
                         f"the prior {w.nroy_share:.3g}")  # fmt: skip
        lines.append(f"  non-implausible ensemble: {len(m.nroy)} draws; posterior sample: "
                     f"{len(m.posterior)} (effective size {m.ess:.0f})")  # fmt: skip
        for j, p in enumerate(m.priors):
            if len(m.posterior):
                x = m.posterior[:, j]
                q = np.quantile(x, [0.05, 0.5, 0.95])
                lines.append(
                    f"  {p.key:<45} prior {p.kind} [{p.low:.4g}, {p.high:.4g}]; "
                    f"posterior median {q[1]:.4g}, 90% [{q[0]:.4g}, {q[2]:.4g}]"
                )
        return "\n".join(lines)


def _check_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out", "exists and is not a directory")
    holds = (out / RESULT).exists() or (out / "waves").is_dir()
    if out.is_dir() and any(out.iterdir()) and not holds:
        raise InputError(str(out), "--out", "is not empty and holds no history matching (no "
                         "waves/ or history_matching.json); choose another --out")  # fmt: skip


def calibrate_history_matching(
    spec: ExperimentSpec,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    fresh: bool = False,
    progress: bool = True,
    extra: list | None = None,
) -> HistoryMatchingResult:
    """History matching of an experiment's ``[calibration]`` (``method = "history_matching"``).

    Every wave is an experiment over its points (``out/waves/NN``): every arm at every point,
    the experiment's replications, common random numbers. A target's moment is computed as
    for the method of simulated moments
    (:func:`~vicinity_sim.experiment.calibrate.simulated_moments`), its noise variance by the
    jackknife over replications.

    Writes ``posterior.parquet`` (the posterior sample: one column per parameter; the
    parameters' arms and priors in the file's metadata), ``nroy.parquet`` (the
    non-implausible ensemble), ``runs.csv`` (every simulated point), ``history_matching.json``
    and ``report.md``.

    Raises:
        InputError: For a bad calibration table, option or output directory (before anything
            is written).
    """
    from vicinity_sim.experiment.calibrate import simulated_moments, simulation_covariance
    from vicinity_sim.experiment.executors import Pool, check_executor, make_executor
    from vicinity_sim.experiment.points import points_spec
    from vicinity_sim.experiment.runner import Experiment, run_experiment

    cal = spec.calibration
    if cal is None:
        raise InputError(str(spec.path), "calibration", "the experiment has no [calibration]")
    priors = calibration_priors(spec)
    check_executor(executor, workers)
    out = Path(out)
    _check_dir(out)
    # The arms resolve with the parameters at their prior medians (bad keys reported now).
    mid = np.array([[float(p.ppf(0.5)) for p in priors]])
    probe = points_spec(spec, [p.key for p in priors], mid, extra=extra)
    Experiment(probe, extra).resolve_all()
    value = np.array([t.value for t in cal.targets])
    sd = np.array([t.sd for t in cal.targets])
    # Calibration parameters limited to some arms apply to those arms only.
    arms_of = {cp.key: cp.arms for cp in cal.parameters}

    with make_executor(executor, workers) as running:
        if fresh and out.is_dir() and any(out.iterdir()):
            trash = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, trash)
            shutil.rmtree(trash, ignore_errors=True)
        out.mkdir(parents=True, exist_ok=True)
        counter = {"wave": 0}

        def simulate(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            counter["wave"] += 1
            design = points_spec(spec, [p.key for p in priors], theta, extra=extra)
            design = _limit_arms(design, arms_of)
            where = out / "waves" / f"{counter['wave']:02d}"
            results = run_experiment(design, where, executor=executor, workers=workers,
                                     progress=progress, extra=extra,
                                     pool=Pool(running))  # fmt: skip
            df = results.summaries
            moments = np.full((len(theta), len(value)), np.nan)
            noise = np.full((len(theta), len(value)), np.nan)
            for i in range(len(theta)):
                sub = df[df["sample"] == i]
                moments[i] = simulated_moments(sub, cal.targets)
                noise[i] = np.diag(simulation_covariance(sub, cal.targets))
            has_noise = bool(np.all(np.isfinite(noise[np.all(np.isfinite(moments), axis=1)])))
            return moments, noise if has_noise else None

        match = history_match(simulate, priors, value, sd, waves=cal.waves,
                              points_per_wave=cal.points_per_wave, cutoff=cal.cutoff,
                              discrepancy=cal.discrepancy, candidates=cal.candidates,
                              posterior_samples=cal.posterior_samples, seed=spec.seed)  # fmt: skip
    write_outputs(spec, match, out)
    return HistoryMatchingResult(spec, match, out)


def _limit_arms(design: ExperimentSpec, arms_of: dict[str, list[str] | None]) -> ExperimentSpec:
    """Restrict sweep parameters to the arms the calibration table names."""
    assert design.sweep is not None
    params = []
    for p in design.sweep.parameters:
        arms = arms_of.get(p.key)
        params.append(p if arms is None else p.model_copy(update={"arms": arms}))
    return design.model_copy(
        update={"sweep": design.sweep.model_copy(update={"parameters": params})}
    )


def posterior_table(match: HistoryMatch, values: np.ndarray) -> bytes:
    """Parquet bytes of parameter sets, with the priors in the metadata."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({p.key: pa.array(values[:, j], type=pa.float64())
                      for j, p in enumerate(match.priors)})  # fmt: skip
    meta = {p.key: {"prior": p.kind, "low": p.low, "high": p.high} for p in match.priors}
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def write_outputs(spec: ExperimentSpec, match: HistoryMatch, out: Path) -> None:
    """posterior.parquet, nroy.parquet, runs.csv, history_matching.json and report.md."""
    atomic_write(out / POSTERIOR, posterior_table(match, match.posterior))
    atomic_write(out / "nroy.parquet", posterior_table(match, match.nroy))
    cal = spec.calibration
    runs = match.runs()
    if cal is not None:
        runs = runs.rename(columns={f"moment_{k}": _target_name(t)
                                    for k, t in enumerate(cal.targets)})  # fmt: skip
    atomic_write(out / "runs.csv", runs.to_csv(index=False).encode())
    settings = ("waves", "points_per_wave", "cutoff", "discrepancy", "candidates",
                "posterior_samples")  # fmt: skip
    summary = {
        "method": "history_matching",
        "message": match.message,
        "parameters": [
            {"key": p.key, "prior": p.kind, "low": p.low, "high": p.high} for p in match.priors
        ],
        "targets": [t.model_dump() for t in cal.targets] if cal else [],
        "settings": {k: getattr(cal, k) for k in settings} if cal else {},
        "waves": [
            {
                "wave": w.index,
                "points": len(w.unit),
                "nroy_share": w.nroy_share,
                "candidates_tried": w.candidates_tried,
                "candidates_kept": w.candidates_kept,
                "kernels": [str(gp.kernel_) for gp in w.emulators],
            }
            for w in match.waves
        ],
        "nroy_size": len(match.nroy),
        "posterior_size": len(match.posterior),
        "effective_sample_size": match.ess,
        "posterior_summary": _quantiles(match),
    }
    atomic_write(out / RESULT, json_bytes(summary))
    atomic_write(out / "report.md", report_markdown(spec, match).encode())


def _target_name(t: Any) -> str:
    return f"{t.arm}:{t.outcome}" + (f"/{t.relative_to}-1" if t.relative_to else "")


def _quantiles(match: HistoryMatch) -> dict[str, dict[str, float]]:
    out = {}
    for j, p in enumerate(match.priors):
        if len(match.posterior):
            q = np.quantile(match.posterior[:, j], [0.05, 0.5, 0.95])
            out[p.key] = {"mean": float(match.posterior[:, j].mean()), "q05": float(q[0]),
                          "median": float(q[1]), "q95": float(q[2])}  # fmt: skip
    return out


def report_markdown(spec: ExperimentSpec, match: HistoryMatch) -> str:
    """The calibration's report: waves, the non-implausible share, the posterior."""
    md = [f"# History matching: {spec.name or spec.path.stem}", ""]
    cal = spec.calibration
    md += [f"{len(match.waves)} wave(s); implausibility cutoff {cal.cutoff if cal else 3}; "
           f"{match.message}.", "", "| wave | points | non-implausible share of the prior |",
           "| ---: | ---: | ---: |"]  # fmt: skip
    for w in match.waves:
        md.append(f"| {w.index} | {len(w.unit)} | {w.nroy_share:.3g} |")
    md += ["", f"Non-implausible ensemble: {len(match.nroy)} prior draws (`nroy.parquet`). "
           f"Posterior sample: {len(match.posterior)} (`posterior.parquet`), effective sample "
           f"size of the weights {match.ess:.0f}.", "",
           "| parameter | prior | posterior mean | median | 90% interval |",
           "| --- | --- | ---: | ---: | --- |"]  # fmt: skip
    for key, q in _quantiles(match).items():
        p = next(p for p in match.priors if p.key == key)
        md.append(f"| `{key}` | {p.kind} [{p.low:.4g}, {p.high:.4g}] | {q['mean']:.4g} | "
                  f"{q['median']:.4g} | [{q['q05']:.4g}, {q['q95']:.4g}] |")  # fmt: skip
    md += ["", "Every wave is an experiment directory `waves/NN` (open it with `load_results`); "
           "`runs.csv` lists every simulated point with its moments.", ""]  # fmt: skip
    return "\n".join(md)
