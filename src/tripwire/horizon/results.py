"""The long-horizon model's outputs: integer tallies as a labelled ``xarray.Dataset``, the derived
curves (P(first systemic war <= y) with Wilson intervals, arms quantiles, treaty survival, ...)
and a plain-data summary.

Every variable is declared once in :mod:`tripwire.horizon.variables` with its description (copied
into its ``attrs``). :func:`derive` works on any dataset with these tallies, including a sweep store whose
sweep dimensions stand in front.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from ..crisis.results import wilson_interval
from ..kernels.encoding import CAUSES, RELIABILITY_SCALE
from .compile import HorizonCompiled
from .variables import KERNEL_TALLIES, TALLIES, VARIABLES

__all__ = [
    "VARIABLES",
    "TALLIES",
    "KERNEL_TALLIES",
    "QUANTILES",
    "run_layout",
    "make_dataset",
    "derive",
    "summarize",
]

#: Quantiles of the arms distribution reported by :func:`derive`.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _describe(ds: xr.Dataset) -> xr.Dataset:
    for name, var in ds.data_vars.items():
        if name in VARIABLES:
            var.attrs["description"] = VARIABLES[name][1]
    if "reliability_sum" in ds:
        ds["reliability_sum"].attrs["units"] = "2**-24"
    if "arms_hist" in ds:
        ds["arms_hist"].attrs["units"] = "histories"
    return ds


def run_layout(hc: HorizonCompiled, world, *, seed: int, trials: int) -> tuple[dict, dict]:
    """Coordinates and attributes of one horizon run's dataset (shared with sweep stores)."""
    edges = hc.bin_edges
    lo = np.concatenate([[-np.inf], edges])
    hi = np.concatenate([edges, [np.inf]])
    coords = {
        "year": np.arange(1, hc.years + 1),
        "level": list(hc.crisis.levels),
        "state": list(hc.crisis.codes),
        "treaty": list(hc.crisis.treaties),
        "cause": list(CAUSES),
        "bin": np.arange(edges.size + 1),
        "bin_lo": ("bin", lo),
        "bin_hi": ("bin", hi),
        "state_name": ("state", [s.name for s in world.states]),
        "treaty_kind": ("treaty", list(hc.treaty_kind)),
    }
    if hc.horizon.start is not None:
        coords["calendar_year"] = ("year", hc.year_labels)
    attrs = {
        "title": f"tripwire long-horizon results: {world.name}",
        "model": "horizon",
        "world_name": world.name,
        "seed": int(seed),
        "trials": int(trials),
        "years": int(hc.years),
        "engine": "tripwire",
        "engine_version": __version__,
        "world_hash": world.hash,
        "world": world.to_json(),
        "systemic_level": hc.crisis.levels[hc.sys_level],
        "systemic_majors": int(hc.horizon.systemic.majors),
        "stop_at_systemic": int(hc.horizon.stop_at_systemic),
    }
    if hc.horizon.start is not None:
        attrs["start_year"] = int(hc.horizon.start)
    in_dyads = sorted({int(i) for i in hc.dyad_a} | {int(i) for i in hc.dyad_b}, key=lambda i: -hc.cap0[i])
    attrs["main_rivals"] = ",".join(hc.crisis.codes[i] for i in in_dyads)
    return coords, attrs


def make_dataset(
    hc: HorizonCompiled, world, tallies: dict[str, np.ndarray], *, seed: int, trials: int
) -> xr.Dataset:
    """Label the kernel's tallies and add the derived variables."""
    data: dict[str, Any] = dict(tallies)
    data["trials"] = np.int64(trials)
    coords, attrs = run_layout(hc, world, seed=seed, trials=trials)
    ds = xr.Dataset(
        {name: (VARIABLES[name][0], np.asarray(data[name])) for name in TALLIES}, coords=coords, attrs=attrs
    )
    return derive(ds)


def _hist_quantiles(counts: np.ndarray, lo: np.ndarray, hi: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles from histograms along the last axis (``lo``/``hi``: bin edges, the outer ones
    infinite); a quantile in an outer bin is clipped to the finite range."""
    shape = counts.shape[:-1]
    c = counts.reshape(-1, counts.shape[-1]).astype(np.float64)
    total = c.sum(axis=1)
    cum = np.cumsum(c, axis=1)
    out = np.full((c.shape[0], len(qs)), np.nan)
    finite_lo = lo[1]
    finite_hi = hi[-2]
    for k, q in enumerate(qs):
        target = q * total
        idx = np.argmax(cum >= target[:, None] - 1e-9 * np.maximum(total[:, None], 1), axis=1)
        before = np.where(idx > 0, cum[np.arange(c.shape[0]), idx - 1], 0.0)
        inside = c[np.arange(c.shape[0]), idx]
        frac = np.where(inside > 0, (target - before) / np.where(inside > 0, inside, 1.0), 0.0)
        a, b = lo[idx], hi[idx]
        inner = np.isfinite(a) & np.isfinite(b)
        a_f, b_f = np.where(inner, a, 0.0), np.where(inner, b, 0.0)
        value = np.where(inner, a_f + np.clip(frac, 0, 1) * (b_f - a_f), 0.0)
        value = np.where(~np.isfinite(a), finite_lo, value)
        value = np.where(~np.isfinite(b), finite_hi, value)
        out[:, k] = np.where(total > 0, value, np.nan)
    return out.reshape(*shape, len(qs))


def derive(ds: xr.Dataset) -> xr.Dataset:
    """Add the derived curves. Works on a single run or a sweep (extra leading dimensions)."""
    out = ds.copy()
    n = ds["trials"]
    running = ds["running_count"]
    live_running = running.where(running > 0)
    first = ds["first_systemic_count"].cumsum("year")
    p = first / n
    lo, hi = wilson_interval(first.astype(float), n.astype(float))
    out["p_first_systemic"] = p
    out["p_first_systemic_lo"] = lo
    out["p_first_systemic_hi"] = hi
    out["treaty_survival"] = ds["treaty_alive_count"] / live_running
    out["treaty_end_share"] = ds["treaty_end_count"] / n
    crises = ds["crisis_level_count"].sum("level")
    out["crisis_rate"] = crises / live_running
    out["p_crisis_level"] = ds["crisis_level_count"] / crises.where(crises > 0)
    alive = ds["treaty_alive_count"]
    out["mean_reliability"] = ds["reliability_sum"] / RELIABILITY_SCALE / alive.where(alive > 0)
    tried = ds["treaty_honoured"] + ds["treaty_failed"]
    out["treaty_honoured_rate"] = ds["treaty_honoured"] / tried.where(tried > 0)
    hist = ds["arms_hist"]
    lo_e = np.asarray(ds["bin_lo"].values, dtype=np.float64)
    hi_e = np.asarray(ds["bin_hi"].values, dtype=np.float64)
    q = xr.apply_ufunc(
        _hist_quantiles,
        hist,
        input_core_dims=[["bin"]],
        output_core_dims=[["quantile"]],
        kwargs={"lo": lo_e, "hi": hi_e, "qs": QUANTILES},
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"quantile": len(QUANTILES)}},
    )
    out["arms_quantile"] = q.assign_coords(quantile=list(QUANTILES)).transpose(
        *[d for d in hist.dims if d != "bin"], "quantile"
    )
    return _describe(out)


def summarize(ds: xr.Dataset, *, at: tuple[int, ...] = (10, 20, 40), top: int = 5, rivals: int = 4) -> dict:
    """Plain-data summary of one horizon run: P(first systemic war <= y) with 95 % Wilson
    intervals at the years ``at`` (those within the run), the treaties most likely to end and how,
    and arms quantiles at the last year for the ``rivals`` states with the most capability among
    the states in the world's crisis dyads."""
    n = int(ds["trials"])
    years = [int(y) for y in ds["year"].values]
    cum = np.cumsum(ds["first_systemic_count"].values)
    lo, hi = wilson_interval(cum.astype(float), float(n))
    marks = sorted({y for y in at if y <= years[-1]} | {years[-1]})
    p_by = [(y, float(cum[y - 1] / n), float(lo[y - 1]), float(hi[y - 1])) for y in marks]
    ends = ds["treaty_end_count"].values
    order = np.argsort(-ends.sum(axis=1), kind="stable")[:top]
    causes = list(ds["cause"].values)
    treaties = [
        (
            str(ds["treaty"].values[k]),
            float(ends[k].sum() / n),
            {c: float(ends[k, i] / n) for i, c in enumerate(causes)},
        )
        for k in order
        if ends[k].sum() > 0
    ]
    arms = []
    q = ds["arms_quantile"].isel(year=-1)
    states = ds.attrs["main_rivals"].split(",") if ds.attrs.get("main_rivals") else []
    for code in states[:rivals]:
        arms.append((code, [float(v) for v in q.sel(state=code).values]))
    return {
        "trials": n,
        "years": years[-1],
        "p_first_systemic": p_by,
        "crises": int(ds["crises"]),
        "treaties": treaties,
        "arms": arms,
        "quantiles": list(QUANTILES),
    }
