"""Approximate Bayesian computation by sequential Monte Carlo (pyabc), a second way to a
posterior sample besides history matching.

ABC-SMC (Sisson, Fan & Tanaka 2007; Toni et al. 2009; pyabc: Klinger, Rickert & Hasenauer
2018) needs no emulator: it simulates the model at parameter values drawn from the prior,
keeps those whose simulated moments lie within a tolerance ε of the targets, and repeats in
generations, each drawing from a perturbed, reweighted sample of the last and lowering ε (to
the median distance of the last generation). The distance is the standardised Euclidean
``√Σₖ ((mₖ(θ) − zₖ) / sdₖ)²`` over the ``[calibration]`` targets, with the moments of the method
of simulated moments. The last generation's weighted particles, resampled
(``posterior_samples``), are the posterior sample.

``method = "abc_smc"`` in ``[calibration]``: ``points_per_wave`` is the population size,
``waves`` the number of generations; the priors are those of history matching. Every
particle is one experiment (every arm, the file's replications, common random numbers)
in ``DIR/particles/NNNNN`` on the usual executors; pyabc's history is ``DIR/abc.db``. It costs
many more simulations than history matching (population × generations, plus rejections), and
a killed run starts again from its first generation (pyabc draws afresh).
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vicinity_sim.errors import InputError
from vicinity_sim.experiment.priors import Prior
from vicinity_sim.experiment.spec import ExperimentSpec
from vicinity_sim.runs import atomic_write, json_bytes

RESULT = "abc_smc.json"


def _quiet() -> None:
    for name in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "History", "Adaptation",
                 "ABC.History", "ABC.Sampler", "ABC.Epsilon", "ABC.Distance",
                 "ABC.Predictor", "ABC.Transition"):  # fmt: skip
        logging.getLogger(name).setLevel(logging.WARNING)


def _prior(priors: list[Prior]) -> Any:
    import pyabc

    rvs = {}
    for i, p in enumerate(priors):
        rvs[f"p{i}"] = (pyabc.RV("loguniform", p.low, p.high) if p.kind == "loguniform"
                        else pyabc.RV("uniform", p.low, p.high - p.low))  # fmt: skip
    return pyabc.Distribution(**rvs)


def abc_smc(simulate: Any, priors: list[Prior], value: np.ndarray, sd: np.ndarray, *,
            population: int, generations: int, posterior_samples: int, seed: int,
            db: Path) -> tuple[np.ndarray, list[dict[str, Any]]]:  # fmt: skip
    """ABC-SMC of a simulator (one parameter vector (d,) → moments (k,)).

    Returns:
        The posterior sample (posterior_samples, d) and per generation its ε, accepted
        particles and simulations.
    """
    import pyabc

    _quiet()
    value, sd = np.asarray(value, float), np.asarray(sd, float)

    def model(params: dict[str, float]) -> dict[str, np.ndarray]:
        theta = np.array([params[f"p{i}"] for i in range(len(priors))])
        return {"m": np.asarray(simulate(theta), dtype=float)}

    def distance(x: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> float:
        r = (x["m"] - y["m"]) / sd
        return float(np.sqrt(r @ r)) if np.all(np.isfinite(r)) else float("inf")

    np.random.seed(seed)  # pyabc draws from numpy's global generator
    abc = pyabc.ABCSMC(model, _prior(priors), distance, population_size=population,
                       sampler=pyabc.sampler.SingleCoreSampler())  # fmt: skip
    abc.new(f"sqlite:///{db}", {"m": value})
    history = abc.run(max_nr_populations=generations)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    particles = frame[[f"p{i}" for i in range(len(priors))]].to_numpy(float)
    w = np.asarray(weights, float)
    w = w / w.sum()
    rng = np.random.default_rng(seed)
    positions = (rng.random() + np.arange(posterior_samples)) / posterior_samples
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    pops = history.get_all_populations()
    gens = [{"generation": int(r["t"]), "epsilon": float(r["epsilon"]),
             "particles": int(r["particles"]), "simulations": int(r["samples"])}
            for _, r in pops[pops["t"] >= 0].iterrows()]  # fmt: skip
    return particles[idx], gens


@dataclass
class AbcResult:
    """An ABC-SMC calibration: posterior sample and generations."""

    spec: ExperimentSpec
    priors: list[Prior]
    posterior: np.ndarray
    generations: list[dict[str, Any]]
    out: Path

    def summary(self) -> str:
        lines = [f"ABC-SMC of {self.spec.name or self.spec.path}: {len(self.generations)} "
                 f"generation(s), {sum(g['simulations'] for g in self.generations)} "
                 "simulated parameter values"]  # fmt: skip
        for g in self.generations:
            lines.append(
                f"  generation {g['generation']}: ε = {g['epsilon']:.3g}, "
                f"{g['particles']} particles from {g['simulations']} simulations"
            )
        for j, p in enumerate(self.priors):
            q = np.quantile(self.posterior[:, j], [0.05, 0.5, 0.95])
            lines.append(f"  {p.key:<45} posterior median {q[1]:.4g}, 90% "
                         f"[{q[0]:.4g}, {q[2]:.4g}]")  # fmt: skip
        return "\n".join(lines)


def calibrate_abc_smc(
    spec: ExperimentSpec,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    fresh: bool = False,
    extra: list | None = None,
) -> AbcResult:
    """ABC-SMC of an experiment's ``[calibration]`` (``method = "abc_smc"``).

    Writes ``posterior.parquet`` (as history matching), ``abc.db`` (pyabc's history),
    ``abc_smc.json`` and ``particles/``.

    Raises:
        InputError: For a bad calibration table, option or directory, or pyabc missing.
    """
    from vicinity_sim.experiment.calibrate import simulated_moments
    from vicinity_sim.experiment.executors import Pool, check_executor, make_executor
    from vicinity_sim.experiment.history_matching import (
        HistoryMatch,
        _limit_arms,
        calibration_priors,
        posterior_table,
    )
    from vicinity_sim.experiment.points import points_spec
    from vicinity_sim.experiment.runner import Experiment, run_experiment

    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise InputError(str(spec.path), "calibration.method",
                         'abc_smc needs pyabc: pip install -e ".[abc]"') from None  # fmt: skip
    cal = spec.calibration
    assert cal is not None
    priors = calibration_priors(spec)
    check_executor(executor, workers)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out", "exists and is not a directory")
    holds = (out / RESULT).exists() or (out / "particles").is_dir()
    if out.is_dir() and any(out.iterdir()):
        problem = ("holds an ABC-SMC calibration, which cannot resume: --fresh starts it "
                   "again" if holds else "is not empty and holds no ABC-SMC calibration (no "
                   "particles/ or abc_smc.json); choose another --out")  # fmt: skip
        if not (holds and fresh):
            raise InputError(str(out), "--out", problem)
    mid = np.array([[float(p.ppf(0.5)) for p in priors]])
    Experiment(points_spec(spec, [p.key for p in priors], mid, extra=extra), extra).resolve_all()
    arms_of = {cp.key: cp.arms for cp in cal.parameters}
    value = np.array([t.value for t in cal.targets])
    sd = np.array([t.sd for t in cal.targets])
    with make_executor(executor, workers) as running:
        if out.is_dir() and any(out.iterdir()):  # --fresh on an ABC-SMC directory
            trash = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, trash)
            shutil.rmtree(trash, ignore_errors=True)
        (out / "particles").mkdir(parents=True, exist_ok=True)
        counter = {"n": 0}

        def simulate(theta: np.ndarray) -> np.ndarray:
            design = _limit_arms(points_spec(spec, [p.key for p in priors], theta[None, :],
                                             extra=extra), arms_of)  # fmt: skip
            where = out / "particles" / f"{counter['n']:05d}"
            counter["n"] += 1
            results = run_experiment(design, where, executor=executor, workers=workers,
                                     progress=False, extra=extra, pool=Pool(running))  # fmt: skip
            return simulated_moments(results.summaries, cal.targets)

        posterior, gens = abc_smc(simulate, priors, value, sd, population=cal.points_per_wave,
                                  generations=cal.waves, posterior_samples=cal.posterior_samples,
                                  seed=spec.seed, db=out / "abc.db")  # fmt: skip
    match = HistoryMatch(priors, [], posterior, posterior, float("nan"), [], "abc_smc")
    atomic_write(out / "posterior.parquet", posterior_table(match, posterior))
    atomic_write(out / RESULT, json_bytes({
        "method": "abc_smc", "generations": gens,
        "parameters": [{"key": p.key, "prior": p.kind, "low": p.low, "high": p.high}
                       for p in priors],
        "targets": [t.model_dump() for t in cal.targets],
    }))  # fmt: skip
    return AbcResult(spec, priors, posterior, gens, out)
