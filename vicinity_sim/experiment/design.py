"""Designs: the tasks of an experiment (arm × sample × replication) and sweep samples.

A *sample* is one point of a sweep (parameter values applied to every arm); experiments
without a sweep have a single sample 0. Replication ``r`` of every arm and sample uses the
streams of replication ``r``, so arms and samples share all randomness their settings do not
touch (common random numbers).

Samples: ``points`` (given: each parameter lists its value at every sample; screening and
ensembles build these), ``factorial`` (every combination of the listed values), ``lhs`` (Latin
hypercube) and ``sobol`` (Saltelli's scheme for Sobol' indices: matrices A and B from a
scrambled Sobol' sequence and, for each parameter i, A with row i taken from B; ``n·(d+2)``
samples in the order A, B, AB₁ … AB_d), all from :mod:`scipy.stats.qmc`, seeded by the
experiment's seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from vicinity_sim.experiment.spec import ExperimentSpec, Sweep


@dataclass(frozen=True, order=True)
class Task:
    """One simulation of an experiment."""

    arm: str
    sample: int
    replication: int

    @property
    def id(self) -> str:
        return f"{self.arm}/s{self.sample}/r{self.replication}"

    @property
    def relpath(self) -> str:
        """Partition path inside the experiment directory (Hive-style)."""
        return f"runs/arm={self.arm}/sample={self.sample}/rep={self.replication}.parquet"


def unit_samples(sweep: Sweep, seed: int) -> np.ndarray:
    """Samples in the unit cube (or level indices for factorial), shape (n_samples, d)."""
    d = len(sweep.parameters)
    if sweep.design == "factorial":
        levels = [range(len(p.values or [])) for p in sweep.parameters]
        return np.array(list(itertools.product(*levels)), dtype=float)
    if sweep.design == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(sweep.samples)
    # Saltelli: A and B from one 2d-dimensional scrambled Sobol' sequence (as scipy does).
    n = sweep.samples
    base = qmc.Sobol(d=2 * d, scramble=True, rng=np.random.default_rng(seed)).random(n)
    a, b = base[:, :d].T, base[:, d:].T
    ab = np.tile(a, (d, 1, 1))
    ab[np.arange(d), np.arange(d)] = b
    return np.concatenate([a.T, b.T, *[ab[i].T for i in range(d)]], axis=0)


def sample_values(sweep: Sweep, seed: int) -> np.ndarray:
    """Parameter values of every sample, shape (n_samples, d)."""
    if sweep.design == "points":
        return np.column_stack([np.asarray(p.values, dtype=float) for p in sweep.parameters])
    u = unit_samples(sweep, seed)
    out = np.empty_like(u)
    for j, p in enumerate(sweep.parameters):
        if sweep.design == "factorial":
            out[:, j] = np.asarray(p.values)[u[:, j].astype(int)]
            continue
        lo, hi = float(p.low), float(p.high)  # type: ignore[arg-type]
        if p.scale == "log":
            out[:, j] = np.exp(np.log(lo) + u[:, j] * (np.log(hi) - np.log(lo)))
        else:
            out[:, j] = lo + u[:, j] * (hi - lo)
        if p.integer:
            out[:, j] = np.rint(out[:, j])
    return out


def sample_overrides(spec: ExperimentSpec) -> list[list[str]]:
    """``KEY=VALUE`` overrides of every sample (one empty list without a sweep)."""
    if spec.sweep is None:
        return [[]]
    values = sample_values(spec.sweep, spec.seed)
    keys = [p.key for p in spec.sweep.parameters]
    ints = [p.integer for p in spec.sweep.parameters]
    return [
        [f"{k}={int(v) if is_int else repr(float(v))}" for k, v, is_int in zip(keys, row, ints,
                                                                               strict=True)]
        for row in values
    ]  # fmt: skip


def sample_arms(spec: ExperimentSpec) -> list[list[str] | None]:
    """Per sweep parameter (in the order of :func:`sample_overrides`), the arms it applies to
    (``None``: every arm)."""
    return [p.arms for p in spec.sweep.parameters] if spec.sweep is not None else []


def tasks(spec: ExperimentSpec, replications: int | None = None) -> list[Task]:
    """All tasks for ``replications`` replications (default: the spec's)."""
    n_samples = len(sample_overrides(spec))
    reps = spec.replications if replications is None else replications
    return [Task(arm.name, k, r) for arm in spec.arms for k in range(n_samples)
            for r in range(reps)]  # fmt: skip
