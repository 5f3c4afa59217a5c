"""Sensitivity from given data: Borgonovo's delta and PAWN on grid, list and LHS stores.

These indices need no special design: they read the points a sweep already has. ``delta``
(Borgonovo's moment-independent index, with a bootstrap interval) and ``S1`` (a first-order index
estimated from the same data) come from ``SALib.analyze.delta``; PAWN (the Kolmogorov-Smirnov
distance between the output's distribution and its distribution with one parameter held in a
slice, summarised over ``S`` slices) from ``SALib.analyze.pawn``.

SALib seeds these two with numpy's global generator; tripwire restores the global state after
each call, so nothing outside changes.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..errors import StoreError
from ._source import Source, open_store, output
from .sobol import provenance, salib_seed

__all__ = ["delta", "pawn"]

GIVEN_DATA = ("grid", "list", "lhs", "sobol")


@contextlib.contextmanager
def _keep_global_rng() -> Iterator[None]:
    state = np.random.get_state()  # noqa: NPY002 - restoring what SALib changes
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _given(store, var, sel, sel_kwargs, method: str, seed: int | None, compute) -> xr.Dataset:
    view = open_store(store, require=GIVEN_DATA)
    selection = {**dict(sel or {}), **sel_kwargs}
    da = output(view, var, selection)
    x = view.inputs()
    problem = view.problem()
    free = [k for k, (lo, hi) in enumerate(problem["bounds"]) if hi > lo]
    if len(free) < len(view.paths):
        fixed = [view.paths[k] for k in range(len(view.paths)) if k not in free]
        raise StoreError(f"{method}: the parameter(s) {fixed} take one value only; nothing to attribute")
    rest_dims, rest_shape = da.dims[len(view.dims) :], da.shape[len(view.dims) :]
    y_all = da.values.reshape(view.n_points, -1)
    s = salib_seed(view.ds, seed)
    results: dict[str, np.ndarray] = {}
    skipped = []
    for k in range(y_all.shape[1]):
        y = y_all[:, k].astype(np.float64)
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            skipped.append(k)
            continue
        with _keep_global_rng():
            out = compute(problem, x, y, s)
        for key, val in out.items():
            results.setdefault(key, np.full((len(view.paths), y_all.shape[1]), np.nan))[:, k] = val
    if skipped:
        warnings.warn(
            f"{method}: {len(skipped)} output(s) of {var} never vary and get no index", stacklevel=3
        )
    coords: dict[str, Any] = {"param": list(view.paths)}
    coords.update({str(dim): da[dim].values for dim in rest_dims})
    data = {
        key: (("param", *rest_dims), val.reshape((len(view.paths), *rest_shape)), {"units": "1"})
        for key, val in results.items()
    }
    ds = xr.Dataset(
        data,
        coords=coords,
        attrs={
            "title": f"{method} indices of {var}",
            "tripwire_analysis": method,
            "var": var,
            "sel": json.dumps({k: str(v) for k, v in selection.items()}),
            "salib_seed": s,
            "points": view.n_points,
            **provenance(view),
        },
    )
    return ds


def delta(
    store: Source,
    var: str = "p_exceed",
    *,
    sel: Mapping[str, Any] | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
    **sel_kwargs: Any,
) -> xr.Dataset:
    """Borgonovo's delta and a given-data first-order index for a grid, list, LHS or Sobol store.

    Returns
    -------
    xarray.Dataset
        ``delta``, ``delta_conf``, ``S1``, ``S1_conf`` over ``param`` and the output dims.

    Examples
    --------
    >>> import tripwire.analysis as ta
    >>> ta.delta("cuba1962_policy.zarr", "p_exceed", level="war").delta.to_pandas()  # doctest: +SKIP
    """

    def compute(problem, x, y, s):
        from SALib.analyze import delta as salib_delta

        r = salib_delta.analyze(problem, x, y, num_resamples=num_resamples, conf_level=conf_level, seed=s)
        key = "delta" if "delta" in r else "delta_raw"  # SALib >= 1.5 names the classical estimate delta_raw
        out = {"delta": r[key], "delta_conf": r[key + "_conf"], "S1": r["S1"], "S1_conf": r["S1_conf"]}
        if "delta_balanced" in r:
            out.update(delta_balanced=r["delta_balanced"], delta_balanced_conf=r["delta_balanced_conf"])
        return out

    ds = _given(store, var, sel, sel_kwargs, "delta", seed, compute)
    descriptions = {
        "delta": "Borgonovo's moment-independent delta, estimated on the points as they are",
        "delta_balanced": "delta with the points rebalanced over each parameter's range (SALib)",
        "delta_balanced_conf": f"half-width of the {100 * conf_level:g} % bootstrap interval of "
        "delta_balanced",
        "delta_conf": f"half-width of the {100 * conf_level:g} % bootstrap interval of delta",
        "S1": "first-order index estimated from the given data",
        "S1_conf": f"half-width of the {100 * conf_level:g} % bootstrap interval of S1",
    }
    for k, v in descriptions.items():
        if k in ds:
            ds[k].attrs["description"] = v
    return ds


def pawn(
    store: Source,
    var: str = "p_exceed",
    *,
    sel: Mapping[str, Any] | None = None,
    slices: int = 10,
    seed: int | None = None,
    **sel_kwargs: Any,
) -> xr.Dataset:
    """PAWN indices (Kolmogorov-Smirnov statistics over ``slices`` slices of each parameter).

    Returns
    -------
    xarray.Dataset
        ``pawn_minimum``, ``pawn_mean``, ``pawn_median``, ``pawn_maximum``, ``pawn_CV`` over
        ``param`` and the output dims; the median is the usual summary.
    """

    def compute(problem, x, y, s):
        from SALib.analyze import pawn as salib_pawn

        r = salib_pawn.analyze(problem, x, y, S=slices, seed=s)
        return {f"pawn_{k}": np.asarray(r[k]) for k in ("minimum", "mean", "median", "maximum", "CV")}

    ds = _given(store, var, sel, sel_kwargs, "pawn", seed, compute)
    for k in ds.data_vars:
        ds[k].attrs["description"] = f"PAWN {str(k)[5:]} of the KS statistic over {slices} slices"
    ds.attrs["slices"] = slices
    return ds
