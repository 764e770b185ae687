"""The statistics of the method of simulated moments: weights, standard errors, the J-test.

These are pure functions of the moments' residuals, their Jacobian and covariances, used by
:mod:`vicinity_sim.experiment.calibrate` (which runs the simulations); docs/calibration.md §8
derives them. Notation: K fitted moments, P parameters, residual r = m(θ̂) − t (simulated
minus target), Jacobian G = ∂m/∂θ (K × P), weight W (K × K), data covariance S of the targets,
simulation covariance Σ of the simulated moments and Ω = S + Σ the covariance of the moment
conditions at the true parameters (the data's error and the simulation's are independent).

* Sandwich covariance of θ̂ for any weight: ``V = A⁺ GᵀWΩWG A⁺`` with A = GᵀWG; with the
  efficient weight W = Ω⁻¹ it is ``(GᵀΩ⁻¹G)⁻¹`` (Hansen 1982).
* J statistic of the over-identifying restrictions (Hansen 1982): with W = Ω⁻¹,
  ``J = rᵀΩ⁻¹r ~ χ²(K − P)`` under a correctly specified model. For any other weight the
  residual's covariance is ``(I − GB) Ω (I − GB)ᵀ`` with B = A⁻¹GᵀW, and
  ``J = rᵀ[(I − GB)Ω(I − GB)ᵀ]⁺r`` has the same χ²(K − P) limit. K = P leaves no
  restriction to test: J is not defined.
* A held-out moment h, simulated at θ̂ but not fitted, differs from its target by
  ``d = G_h(θ̂ − θ) + e_sim,h − e_data,h`` to first order, with θ̂ − θ = B(e_data − e_sim) over
  the fitted moments; its variance ``L Ω_all Lᵀ`` (L = [G_h B, −I]) counts the parameters'
  uncertainty, the simulation noise and the target's own error, with their correlations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

#: Level of the J-test and of the held-out checks.
ALPHA = 0.05


def pinv_info(info: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Pseudo-)inverse of the information matrix A = GᵀWG and a mask of parameters it does
    not identify (components along a null direction of A)."""
    eigval, eigvec = np.linalg.eigh(info)
    tol = max(eigval.max(initial=0.0), 0.0) * len(info) * np.finfo(float).eps
    null = eigval <= tol
    if not null.any():
        return np.linalg.inv(info), np.zeros(len(info), bool)
    return (np.linalg.pinv(info, hermitian=True),
            np.any(np.abs(eigvec[:, null]) > 1e-8, axis=1))  # fmt: skip


def sandwich(jac: np.ndarray, weight: np.ndarray, omega: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, bool]:  # fmt: skip
    """Covariance of θ̂, standard errors and whether GᵀWG was singular.

    Args:
        jac: G, moments × parameters.
        weight: W used by the fit.
        omega: Ω, covariance of the moment conditions (data and simulation).

    Returns:
        ``V = A⁺GᵀWΩWGA⁺``, its diagonal's square roots (``inf`` for parameters the moments do
        not identify), and the singular flag.
    """
    info = jac.T @ weight @ jac
    p = len(info)
    if not (np.all(np.isfinite(info)) and np.all(np.isfinite(omega))):
        return np.full((p, p), np.nan), np.full(p, np.nan), True
    inv, unidentified = pinv_info(info)
    wg = weight @ jac
    cov = inv @ wg.T @ omega @ wg @ inv
    cov = (cov + cov.T) / 2
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se[unidentified] = math.inf
    return cov, se, bool(unidentified.any())


def influence(jac: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """B = A⁺GᵀW: θ̂ − θ ≈ B(e_data − e_sim) over the fitted moments."""
    inv, _ = pinv_info(jac.T @ weight @ jac)
    return inv @ jac.T @ weight


def residual_covariance(jac: np.ndarray, weight: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """Covariance of the fitted residuals r = m(θ̂) − t: (I − GB) Ω (I − GB)ᵀ."""
    proj = np.eye(len(jac)) - jac @ influence(jac, weight)
    return proj @ omega @ proj.T


@dataclass
class JTest:
    """Hansen's test of the over-identifying restrictions.

    Attributes:
        statistic: J (``nan`` when not defined).
        df: Degrees of freedom, fitted moments minus parameters.
        p_value: P(χ²(df) ≥ J) (``nan`` when not defined).
        defined: Whether there are restrictions to test (df > 0 and Ω known).
        rejected: Whether p < :data:`ALPHA`.
        message: One sentence for reports.
    """

    statistic: float
    df: int
    p_value: float
    defined: bool
    rejected: bool
    message: str


def j_test(residual: np.ndarray, jac: np.ndarray, weight: np.ndarray, omega: np.ndarray,
           efficient: bool) -> JTest:  # fmt: skip
    """The J statistic, its degrees of freedom and χ² p-value.

    Args:
        residual: r = m(θ̂) − t over the fitted moments.
        jac: G over the fitted moments.
        weight: The weight the estimate minimised.
        omega: Ω over the fitted moments.
        efficient: Whether ``weight`` is Ω⁻¹ (then J = rᵀWr); otherwise the generalised
            inverse of the residual covariance is used.
    """
    k, p = jac.shape
    df = k - p
    if df <= 0:
        return JTest(math.nan, df, math.nan, False, False,
                     f"exactly identified ({k} fitted moments for {p} parameters): the fit "
                     "can match every moment, so there is no over-identifying restriction to "
                     "test and J is not defined")  # fmt: skip
    if not (np.all(np.isfinite(residual)) and np.all(np.isfinite(omega))
            and np.all(np.isfinite(jac))):  # fmt: skip
        return JTest(
            math.nan,
            df,
            math.nan,
            False,
            False,
            "J not computed: a moment, its Jacobian or its covariance is undefined",
        )
    if efficient:
        stat = float(residual @ weight @ residual)
    else:
        cov = residual_covariance(jac, weight, omega)
        stat = float(residual @ np.linalg.pinv(cov, hermitian=True) @ residual)
    pv = float(chi2.sf(stat, df))
    rejected = pv < ALPHA
    verdict = (
        "rejected: the model cannot match the fitted moments jointly within their uncertainty"
        if rejected
        else "not rejected: the fitted moments are jointly consistent with the model"
    )
    return JTest(stat, df, pv, True, rejected,
                 f"J = {stat:.3g} on {df} degree(s) of freedom, p = {pv:.3g}: {verdict} "
                 f"(level {ALPHA:g})")  # fmt: skip


def held_out_checks(residual_all: np.ndarray, jac_all: np.ndarray, fitted: np.ndarray,
                    weight: np.ndarray, omega_all: np.ndarray, sim_cov_all: np.ndarray,
                    param_cov: np.ndarray) -> list[dict[str, float | bool]]:  # fmt: skip
    """Every held-out moment against its target.

    Args:
        residual_all: m(θ̂) − t over all moments (fitted and held out).
        jac_all: G over all moments.
        fitted: Boolean mask of the fitted moments.
        weight: W over the fitted moments.
        omega_all: S + Σ over all moments.
        sim_cov_all: Σ over all moments (its diagonal widens the model's interval).
        param_cov: Covariance of θ̂.

    Returns:
        Per held-out moment, in order: ``model_sd`` (sd of the model's value from the
        parameters' uncertainty and simulation noise), ``difference_sd`` (sd of model minus
        target, the target's error included), ``z`` and ``consistent`` (|z| below the 97.5%
        normal quantile).
    """
    held = np.flatnonzero(~fitted)
    if not len(held):
        return []
    b = influence(jac_all[fitted], weight)
    out = []
    zcrit = 1.959963984540054
    for h in held:
        g = jac_all[h]
        lin = np.zeros(len(residual_all))
        lin[fitted] = g @ b
        lin[h] -= 1.0
        var_d = float(lin @ omega_all @ lin)
        sim_var = sim_cov_all[h, h] if np.isfinite(sim_cov_all[h, h]) else 0.0
        model_var = float(g @ param_cov @ g) + sim_var
        sd_d = math.sqrt(max(var_d, 0.0))
        z = float(residual_all[h] / sd_d) if sd_d > 0 else math.nan
        out.append({"model_sd": math.sqrt(max(model_var, 0.0)), "difference_sd": sd_d,
                    "z": z, "consistent": bool(abs(z) < zcrit)})  # fmt: skip
    return out
