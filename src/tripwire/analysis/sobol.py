"""Variance-based sensitivity (Sobol' indices) from a ``sobol`` sweep store, over every output.

A ``sobol`` sweep runs Saltelli's scheme: ``n`` base samples of ``d`` parameters give
``n (2d + 2)`` points in SALib's order. For every element of an output variable (every level of
``p_exceed``, every state of ``p_involved``, ...) :func:`sobol` computes

* ``S1``: first-order index (the share of the output's variance explained by the parameter alone),
* ``ST``: total index (its share including every interaction),
* ``S2``: second-order indices (pairs),

each with a bootstrap confidence interval (SALib: ``index ± z · sd`` of the index over
``num_resamples`` resamples of the base samples), the **Monte Carlo noise share** of the output
(:mod:`tripwire.analysis.noise`) and the indices on the first 1/8, 1/4, 1/2 and all of the base
samples (**convergence**: indices that still move between the last two are not settled).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..errors import StoreError
from ._source import Source, SweepView, open_store, output, parse_sel
from .noise import NOISE_WARN, noise_share, sampling_variance

__all__ = ["sobol", "salib_problem", "salib_seed", "PREFIXES"]

#: Fractions of the base samples on which convergence is shown.
PREFIXES = (1 / 8, 1 / 4, 1 / 2, 1.0)
#: Fewest base samples an index is computed from (fewer give no variance to bootstrap).
MIN_BASE = 4


def salib_problem(store: Source) -> dict[str, Any]:
    """The SALib ``problem`` of a sweep store: parameter paths and their bounds.

    For ``lhs`` and ``sobol`` stores the bounds are the design's ranges; for ``grid`` and ``list``
    stores the extent of the values swept (``true``/``false`` as 1/0).

    Examples
    --------
    >>> import tripwire.analysis as ta
    >>> ta.salib_problem("cuba1962_sobol.zarr")  # doctest: +SKIP
    {'num_vars': 3, 'names': ['policy.communication', ...], 'bounds': [[0.0, 0.9], ...]}
    """
    return open_store(store).problem()


def salib_seed(ds: xr.Dataset, seed: int | None) -> int:
    """The seed given to SALib: ``seed`` (>= 1), or one derived from the sweep's seed. SALib
    ignores a seed of 0 (its resamples would not repeat), so 0 is never passed."""
    if seed is None:
        return int(ds.attrs.get("seed", 0)) % (2**31 - 1) + 1
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 1 <= seed < 2**32:
        raise StoreError(f"seed for the bootstrap must be a whole number in [1, 2**32), saw {seed!r}")
    return int(seed)


def _analyze(problem: dict, y: np.ndarray, seed: int, num_resamples: int, conf_level: float) -> dict:
    from SALib.analyze import sobol as salib_sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return salib_sobol.analyze(
            problem,
            y,
            calc_second_order=True,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        )


def provenance(view: SweepView) -> dict[str, Any]:
    """The attributes of a sweep that say where the figures came from (world, seed, trials, engine
    version, sweep, war level)."""
    keep = ("world_name", "world_hash", "world", "seed", "trials", "engine_version", "sweep", "war_level")
    return {k: view.ds.attrs[k] for k in keep if k in view.ds.attrs}


def sobol(
    store: Source,
    var: str = "p_exceed",
    *,
    sel: Mapping[str, Any] | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    seed: int | None = None,
    convergence: bool = True,
    **sel_kwargs: Any,
) -> xr.Dataset:
    """Sobol' indices of a sweep output, with bootstrap intervals, over every output dimension.

    Parameters
    ----------
    store
        A ``sobol`` sweep store (path) or the dataset :func:`tripwire.open_sweep` gives.
    var
        The output: ``p_exceed`` (default), ``p_level``, ``p_involved``, ``p_war``, ``p_side``,
        ``p_size``, ``expected_participants``, ...
    sel, **sel_kwargs
        Labels to select first, e.g. ``level="war"``; dimensions left are kept in the result.
    conf_level
        Confidence level of the intervals.
    num_resamples
        Bootstrap resamples.
    seed
        Bootstrap seed (>= 1; default: derived from the sweep's seed). Recorded in ``attrs``.
    convergence
        Also compute the indices on the first 1/8, 1/4 and 1/2 of the base samples.

    Returns
    -------
    xarray.Dataset
        ``S1``, ``ST`` (``param`` × output dims) and ``S2`` (``param`` × ``param2`` × output dims),
        each with ``_conf`` (half-width), ``_lo`` and ``_hi``; ``noise_share`` and ``varies``
        (output dims); ``S1_prefix`` and ``ST_prefix`` (``base_samples`` × ``param`` × output dims).
        Outputs that never vary get NaN indices and are listed in ``attrs["skipped"]``.

    Raises
    ------
    StoreError
        Not a sobol store, points not done, an unknown variable or label.

    Warns
    -----
    UserWarning
        Outputs skipped because they never vary, and outputs whose noise share exceeds 5 %.

    Examples
    --------
    >>> import tripwire.analysis as ta
    >>> si = ta.sobol("cuba1962_sobol.zarr", "p_exceed", level="war")  # doctest: +SKIP
    >>> si.S1.to_pandas()  # doctest: +SKIP
    """
    view = open_store(store, require=("sobol",))
    selection = {**dict(sel or {}), **sel_kwargs}
    da = output(view, var, selection)
    variance = sampling_variance(view.ds, var, parse_sel(selection, view.ds))
    noise = (
        variance.transpose(*view.dims, *da.dims[len(view.dims) :]).values if variance is not None else None
    )
    problem = view.problem()
    d = len(view.paths)
    step = 2 * d + 2
    n_base = view.n_points // step
    bootstrap_seed = salib_seed(view.ds, seed)
    if not 0 < conf_level < 1:
        raise StoreError(f"conf_level must be in (0, 1), saw {conf_level}")

    rest_dims = da.dims[1:]
    rest_shape = da.shape[1:]
    y_all = da.values.reshape(view.n_points, -1)
    m = y_all.shape[1]
    prefixes = sorted({max(1, int(n_base * f)) for f in PREFIXES} if convergence else {n_base})
    s1 = np.full((d, m), np.nan)
    st, s1c, stc = s1.copy(), s1.copy(), s1.copy()
    s2 = np.full((d, d, m), np.nan)
    s2c = s2.copy()
    s1p = np.full((len(prefixes), d, m), np.nan)
    stp = s1p.copy()
    share = np.full(m, np.nan)
    varies = np.zeros(m, dtype=bool)
    skipped: list[str] = []
    noisy: list[str] = []

    def label(k: int) -> str:
        if not rest_dims:
            return var
        idx = np.unravel_index(k, rest_shape)
        return (
            f"{var}["
            + ", ".join(f"{dim}={da[dim].values[i]}" for dim, i in zip(rest_dims, idx, strict=True))
            + "]"
        )

    for k in range(m):
        y = y_all[:, k].astype(np.float64)
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            skipped.append(label(k))
            continue
        varies[k] = True
        res = _analyze(problem, y, bootstrap_seed, num_resamples, conf_level)
        s1[:, k], s1c[:, k], st[:, k], stc[:, k] = res["S1"], res["S1_conf"], res["ST"], res["ST_conf"]
        s2[:, :, k], s2c[:, :, k] = res["S2"], res["S2_conf"]
        for i, nb in enumerate(prefixes):
            if nb == n_base:
                s1p[i, :, k], stp[i, :, k] = res["S1"], res["ST"]
            elif nb >= MIN_BASE and np.ptp(y[: nb * step]) > 0:
                part = _analyze(problem, y[: nb * step], bootstrap_seed, 2, conf_level)
                s1p[i, :, k], stp[i, :, k] = part["S1"], part["ST"]
        if noise is not None:
            share[k] = noise_share(y, noise.reshape(view.n_points, -1)[:, k])
            if share[k] > NOISE_WARN:
                noisy.append(f"{label(k)} ({100 * share[k]:.0f} %)")
    if skipped:
        warnings.warn(
            f"{len(skipped)} output(s) never vary over the design and get no indices: "
            + ", ".join(skipped[:8])
            + (", ..." if len(skipped) > 8 else ""),
            stacklevel=2,
        )
    if noisy:
        warnings.warn(
            f"Monte Carlo noise is more than {100 * NOISE_WARN:.0f} % of the variance of "
            + ", ".join(noisy[:8])
            + (", ..." if len(noisy) > 8 else "")
            + "; their indices partly measure noise: run more trials per point",
            stacklevel=2,
        )

    def shaped(a: np.ndarray, lead: tuple[int, ...]) -> np.ndarray:
        return a.reshape(lead + rest_shape)

    names = list(view.paths)
    coords: dict[str, Any] = {"param": names, "param2": names, "base_samples": prefixes}
    coords.update({str(dim): da[dim].values for dim in rest_dims})
    for name, c in da.coords.items():
        if str(name) not in coords and set(c.dims) <= set(rest_dims):
            coords[str(name)] = (c.dims, c.values)
    pdims, p2dims = ("param", *rest_dims), ("param", "param2", *rest_dims)
    z = f"{100 * conf_level:g} %"
    data: dict[str, Any] = {}
    for key, val, conf, dims, lead in (
        ("S1", s1, s1c, pdims, (d,)),
        ("ST", st, stc, pdims, (d,)),
        ("S2", s2, s2c, p2dims, (d, d)),
    ):
        what = {"S1": "first-order", "ST": "total", "S2": "second-order"}[key]
        data[key] = (dims, shaped(val, lead), {"description": f"{what} Sobol' index of {var}", "units": "1"})
        data[key + "_conf"] = (
            dims,
            shaped(conf, lead),
            {"description": f"half-width of the {z} bootstrap interval of {key}", "units": "1"},
        )
        data[key + "_lo"] = (dims, shaped(val - conf, lead), {"description": f"{z} interval of {key}: lower"})
        data[key + "_hi"] = (dims, shaped(val + conf, lead), {"description": f"{z} interval of {key}: upper"})
    data["S1_prefix"] = (
        ("base_samples", *pdims),
        shaped(s1p, (len(prefixes), d)),
        {"description": "S1 from the first base_samples base samples of the design (convergence)"},
    )
    data["ST_prefix"] = (
        ("base_samples", *pdims),
        shaped(stp, (len(prefixes), d)),
        {"description": "ST from the first base_samples base samples of the design (convergence)"},
    )
    data["noise_share"] = (
        rest_dims,
        share.reshape(rest_shape),
        {
            "description": "mean Monte Carlo (sampling) variance of the output over the points / its "
            "variance over the points; above 0.05 the indices partly measure noise",
            "units": "1",
        },
    )
    data["varies"] = (
        rest_dims,
        varies.reshape(rest_shape),
        {"description": "the output varies over the design"},
    )
    attrs = {
        "title": f"Sobol' indices of {var}",
        "tripwire_analysis": "sobol",
        "var": var,
        "var_description": view.ds[var].attrs.get("description", var),
        "sel": json.dumps({k: str(v) for k, v in selection.items()}),
        "salib_seed": bootstrap_seed,
        "num_resamples": int(num_resamples),
        "conf_level": float(conf_level),
        "base_samples": int(n_base),
        "interval": "SALib bootstrap: index +/- z * sd over resamples of the base samples",
        "skipped": json.dumps(skipped),
        **provenance(view),
    }
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    ds["param"].attrs["description"] = "swept parameter path"
    ds["param2"].attrs["description"] = "second parameter of a pair (S2)"
    ds["base_samples"].attrs["description"] = "base samples of the design used"
    return ds
