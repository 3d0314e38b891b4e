"""Small statistics for the assessment engine, in the standard library only.

Why our own: the engine must run where numpy and scipy are not installed (a trust
laptop), and it needs only a mean, a standard deviation and a t quantile.
"""

from __future__ import annotations

import math
from statistics import NormalDist

CONFIDENCE = 0.95
"""Confidence level of every interval the engine reports."""

# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = NormalDist().inv_cdf(0.975)


def t975(df: int) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom.

    Small groups are common (the floor is 5 people), where the normal 1.96 would
    make intervals far too narrow; a table covers 1..30 and a Cornish-Fisher
    expansion (error below 1e-4) covers the rest.
    """
    if df < 1:
        msg = f"degrees of freedom must be at least 1, got {df}"
        raise ValueError(msg)
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def mean_interval(n: int, mean: float, variance: float | None) -> tuple[float | None, tuple[float, float] | None]:
    """Sample standard deviation and 95% t interval of a mean.

    Returns ``(sd, (low, high))``; both are None when ``n < 2`` (one value has no
    spread to estimate).
    """
    if n < 2 or variance is None:
        return None, None
    sd = math.sqrt(max(0.0, variance))
    half = t975(n - 1) * sd / math.sqrt(n)
    return sd, (mean - half, mean + half)
