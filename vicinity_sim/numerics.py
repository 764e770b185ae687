"""Small numba helpers shared by kernels: quantile functions and a growable binary heap.

Quantile (inverse-CDF) sampling keeps draws monotone in the uniform that drives them, which
makes common random numbers effective: with the same uniform, a smaller probability never
yields a larger count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Coefficients of Acklam's rational approximation to the normal quantile (|rel. error| < 1.2e-9).
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


@njit(cache=True)
def norm_ppf(u):
    """Standard normal quantile of ``u`` in (0, 1); clipped to ±8.3 at the ends."""
    if u <= 0.0:
        return -8.3
    if u >= 1.0:
        return 8.3
    if u < _P_LOW:
        q = math.sqrt(-2.0 * math.log(u))
        return (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    if u > 1.0 - _P_LOW:
        q = math.sqrt(-2.0 * math.log(1.0 - u))
        return -(((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    q = u - 0.5
    r = q * q
    return (
        (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
        * q
        / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
    )


@njit(cache=True, inline="always")
def event_probability(rate, periods):
    """Probability that an event with ``rate`` per year (or other unit) happens within one of
    ``periods`` equal parts of it (a day: 365): ``1 − exp(−rate / periods)``."""
    return -math.expm1(-rate / periods)


@njit(cache=True)
def lognormal_ppf(u, median, sigma):
    """Quantile of a log-normal distribution given its median and log-sigma."""
    return median * math.exp(sigma * norm_ppf(u))


@njit(cache=True)
def binomial_ppf(u, n, p):
    """Quantile of Binomial(n, p) at ``u`` by summing the mass function from 0.

    Cheap when ``n * p`` is small, as for casualties; monotone in ``u`` and in ``p``.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    q = 1.0 - p
    pmf = q**n
    cdf = pmf
    k = 0
    ratio = p / q
    while u >= cdf and k < n:
        pmf *= (n - k) / (k + 1.0) * ratio
        k += 1
        cdf += pmf
    return k


@njit(cache=True)
def heap_push(ht, hb, size, t, b):
    """Push (t, b) on a min-heap stored in arrays; grows them when full.

    Returns:
        (ht, hb, size): the (possibly reallocated) arrays and new size.
    """
    if size == len(ht):
        nt = np.empty(2 * len(ht), dtype=ht.dtype)
        nb = np.empty(2 * len(hb), dtype=hb.dtype)
        nt[:size] = ht[:size]
        nb[:size] = hb[:size]
        ht, hb = nt, nb
    i = size
    ht[i] = t
    hb[i] = b
    while i > 0:
        parent = (i - 1) // 2
        if ht[parent] <= ht[i]:
            break
        ht[parent], ht[i] = ht[i], ht[parent]
        hb[parent], hb[i] = hb[i], hb[parent]
        i = parent
    return ht, hb, size + 1


@njit(cache=True)
def heap_pop(ht, hb, size):
    """Pop the smallest (t, b); returns (t, b, new_size)."""
    t, b = ht[0], hb[0]
    size -= 1
    ht[0] = ht[size]
    hb[0] = hb[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and ht[left + 1] < ht[left]:
            child = left + 1
        if ht[i] <= ht[child]:
            break
        ht[i], ht[child] = ht[child], ht[i]
        hb[i], hb[child] = hb[child], hb[i]
        i = child
    return t, b, size
