"""Monte Carlo noise in sweep outputs: how much of an output's variance over the design points is
the sampling noise of the trials, not the parameters.

Every point's output is estimated from a finite number of trials. For a probability ``p`` from
``n`` trials the sampling variance is ``p (1 - p) / n`` (binomial); for the expected number of
participants it is the variance of the number of participants over ``n``. The **noise share** of an
output is the mean sampling variance over the points divided by the variance of the output over
the points. Sensitivity indices of an output whose noise share is not small describe the noise as
much as the model: above 5 % run more trials per point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["NOISE_WARN", "sampling_variance", "noise_share"]

#: Noise share above which the analyses warn.
NOISE_WARN = 0.05

#: Proportions whose denominator is the trials of the point.
_BINOMIAL = ("p_level", "p_exceed", "p_size", "p_involved", "p_war", "p_side")


def sampling_variance(ds: xr.Dataset, var: str, sel: Mapping[str, Any] | None = None) -> xr.DataArray | None:
    """The Monte Carlo variance of ``ds[var]`` at every point (same shape), or ``None`` when no
    formula is known for that variable."""
    sel = dict(sel or {})
    n = ds["trials"].astype(np.float64)
    if var in _BINOMIAL:
        p = ds[var].sel(sel)
        return p * (1 - p) / n
    if var == "p_origin_level":
        per = ds["origin_level_count"].sum("level").astype(np.float64)
        p = ds[var]
        return (p * (1 - p) / per.where(per > 0)).sel(sel)
    if var == "expected_participants":
        p = ds["outcome_count"].sum("level") / n
        size = ds["size"].astype(np.float64)
        mean = (p * size).sum("size")
        return (((p * size**2).sum("size") - mean**2) / n).sel(sel)
    return None


def noise_share(values: np.ndarray, variance: np.ndarray) -> float:
    """Mean sampling variance over the points / variance of the values over the points (NaN when
    the values do not vary)."""
    total = float(np.var(values, ddof=1)) if values.size > 1 else 0.0
    if not total > 0:
        return float("nan")
    return float(np.nanmean(variance) / total)
