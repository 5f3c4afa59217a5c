"""Curves: exceedance over the escalation ladder, the cascade-size CCDF, and the long-horizon
curves (P(first systemic war <= y), treaty survival, arms fans)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..errors import StoreError
from ._common import GREYS, LINESTYLES, MARKERS, axes, fmt_value, plain_log_axis, sweep_dims, title_of, wilson

__all__ = ["exceedance", "cascade_ccdf", "first_systemic", "treaty_survival", "arms_fan"]


def _series(
    data: xr.Dataset | Mapping[str, xr.Dataset], by: str | None, sel: Mapping[str, Any] | None
) -> list[tuple[str, xr.Dataset]]:
    """``(label, one run)`` for every curve to draw."""
    if isinstance(data, Mapping) and not isinstance(data, xr.Dataset):
        out: list[tuple[str, xr.Dataset]] = []
        for name, ds in data.items():
            out.extend((f"{name}" if lab == "" else f"{name}, {lab}", d) for lab, d in _series(ds, by, sel))
        return out
    ds = data.sel(dict(sel or {})) if sel else data
    dims = [d for d in sweep_dims(ds) if d in ds.dims]
    if by is None:
        if dims and any(ds.sizes[d] > 1 for d in dims):
            raise StoreError(
                f"this sweep has the dimension(s) {dims}: give by=<one of them> for one curve per value "
                "and select the others with sel={dim: value}"
            )
        return [("", ds.squeeze([d for d in dims if d in ds.dims]))]
    if by not in ds.dims:
        raise StoreError(f"by={by!r} is not a dimension; dimensions: {list(ds.dims)}")
    left = [d for d in dims if d != by and d in ds.dims and ds.sizes[d] > 1]
    if left:
        raise StoreError(f"select the other sweep dimension(s) {left} with sel={{dim: value}}")
    out = []
    for i in range(ds.sizes[by]):
        one = ds.isel({by: i}).squeeze([d for d in dims if d != by and d in ds.dims])
        if by == "point":
            params = [c for c in one.coords if c not in one.dims and one[c].ndim == 0 and c != "point"]
            label = ", ".join(f"{p} = {fmt_value(one[p].item())}" for p in params) or f"point {i}"
        else:
            label = f"{by} = {fmt_value(ds[by].values[i])}"
        out.append((label, one))
    return out


def exceedance(
    data: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    by: str | None = None,
    sel: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    z: float = 1.96,
    log: bool = True,
) -> Axes:
    """P(final level >= l) over the ladder with Wilson bands, one curve per sweep value or scenario.

    Parameters
    ----------
    data
        A result, a sweep (with ``by``), or ``{label: result}`` for several scenarios (their
        ladders must agree).
    by
        The sweep dimension that gives one curve per value (e.g. ``"treaties.reliability"``).
    sel
        Labels that pick the other sweep dimensions.
    ax
        Axes to draw on (default: a new figure).
    z
        Normal quantile of the bands (1.96: 95 %).
    log
        Logarithmic probability axis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import tripwire, tripwire.plots as tp
    >>> ax = tp.exceedance(tripwire.simulate("july1914", 5_000, seed=1))
    >>> ax.get_ylabel()
    'P(final level ≥ level)'
    """
    ax = axes(ax)
    curves = _series(data, by, sel)
    levels = list(curves[0][1]["level"].values)
    for label, ds in curves:
        if list(ds["level"].values) != levels:
            raise StoreError(
                f"{label or 'a result'} has another ladder {list(ds['level'].values)} than {levels}"
            )
    x = np.arange(len(levels))
    for k, (label, ds) in enumerate(curves):
        counts = ds["outcome_count"].sum("size").values[::-1].cumsum()[::-1].astype(np.float64)
        n = float(ds["trials"])
        p = counts / n
        lo, hi = wilson(counts, n, z)
        colour = GREYS[k % len(GREYS)] if len(curves) <= len(GREYS) else None
        pos = p > 0
        (line,) = ax.plot(
            x[pos],
            p[pos],
            marker=MARKERS[k % len(MARKERS)],
            linestyle=LINESTYLES[k % len(LINESTYLES)],
            color=colour,
            label=label or None,
        )
        ax.fill_between(x, np.maximum(lo, 1e-12), hi, color=line.get_color(), alpha=0.18, linewidth=0)
    ax.set_xticks(x, levels)
    ax.set_xlabel("escalation level")
    ax.set_ylabel("P(final level ≥ level)")
    if log:
        ax.set_yscale("log")
        plain_log_axis(ax.yaxis)
    else:
        ax.set_ylim(0, 1.02)
    ax.grid(True, which="major", axis="y", color="#dddddd", linewidth=0.6)
    ax.set_title(
        f"Exceedance with {_pct(z)} Wilson bands{_picked(sel)}\n{title_of(curves[0][1])}", fontsize=10
    )
    if any(lab for lab, _ in curves):
        ax.legend(fontsize=8, frameon=False)
    return ax


def _picked(sel: Mapping[str, Any] | None) -> str:
    return " (" + ", ".join(f"{k} = {fmt_value(v)}" for k, v in dict(sel).items()) + ")" if sel else ""


def _pct(z: float) -> str:
    import math

    return f"{100 * math.erf(z / math.sqrt(2)):.0f} %"


def cascade_ccdf(
    data: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    by: str | None = None,
    sel: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    z: float = 1.96,
) -> Axes:
    """P(number of participants >= n) on log-log axes, with Wilson bands.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import tripwire, tripwire.plots as tp
    >>> ax = tp.cascade_ccdf(tripwire.simulate("july1914", 5_000, seed=1))
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    ax = axes(ax)
    curves = _series(data, by, sel)
    for k, (label, ds) in enumerate(curves):
        size = ds["size"].values.astype(np.float64)
        counts = ds["outcome_count"].sum("level").values[::-1].cumsum()[::-1].astype(np.float64)
        n = float(ds["trials"])
        p = counts / n
        lo, hi = wilson(counts, n, z)
        pos = p > 0
        colour = GREYS[k % len(GREYS)] if len(curves) <= len(GREYS) else None
        (line,) = ax.step(
            size[pos],
            p[pos],
            where="post",
            color=colour,
            linestyle=LINESTYLES[k % len(LINESTYLES)],
            label=label or None,
        )
        ax.plot(size[pos], p[pos], MARKERS[k % len(MARKERS)], color=line.get_color(), markersize=3)
        ax.fill_between(
            size[pos],
            np.maximum(lo[pos], 1e-12),
            hi[pos],
            step="post",
            color=line.get_color(),
            alpha=0.18,
            linewidth=0,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_axis(ax.xaxis)
    plain_log_axis(ax.yaxis)
    ax.set_xlabel("number of participants n (states)")
    ax.set_ylabel("P(participants ≥ n)")
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    ax.set_title(f"Cascade size, {_pct(z)} Wilson bands{_picked(sel)}\n{title_of(curves[0][1])}", fontsize=10)
    if any(lab for lab, _ in curves):
        ax.legend(fontsize=8, frameon=False)
    return ax


# -- long horizon ------------------------------------------------------------------------------
def _years(ds: xr.Dataset) -> tuple[np.ndarray, str]:
    if "calendar_year" in ds.coords:
        return np.asarray(ds["calendar_year"].values), "year"
    return np.asarray(ds["year"].values), "years from the start"


def first_systemic(
    data: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    by: str | None = None,
    sel: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    z: float = 1.96,
) -> Axes:
    """P(first systemic war <= y) over the years of a long-horizon run, with Wilson bands.

    Reads ``first_systemic_count[year]`` and ``trials`` (one curve per value of ``by`` in a sweep,
    or per entry of a mapping).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes(ax)
    curves = _horizon_series(data, by, sel)
    for k, (label, ds) in enumerate(curves):
        years, xlabel = _years(ds)
        counts = ds["first_systemic_count"].cumsum("year").values.astype(np.float64)
        n = float(ds["trials"])
        lo, hi = wilson(counts, n, z)
        colour = GREYS[k % len(GREYS)] if len(curves) <= len(GREYS) else None
        (line,) = ax.step(
            years,
            counts / n,
            where="post",
            color=colour,
            linestyle=LINESTYLES[k % len(LINESTYLES)],
            label=label or None,
        )
        ax.fill_between(years, lo, hi, step="post", color=line.get_color(), alpha=0.18, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(first systemic war ≤ year)")
    ax.set_ylim(0, None)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_title(f"First systemic war, {_pct(z)} Wilson bands\n{title_of(curves[0][1])}", fontsize=10)
    if any(lab for lab, _ in curves):
        ax.legend(fontsize=8, frameon=False)
    return ax


def _horizon_series(data, by, sel):
    if isinstance(data, Mapping) and not isinstance(data, xr.Dataset):
        return [(str(k), v) for k, v in data.items()]
    ds = data.sel(dict(sel or {})) if sel else data
    if by is None:
        return [("", ds)]
    return [(f"{by} = {fmt_value(v)}", ds.isel({by: i})) for i, v in enumerate(ds[by].values)]


def treaty_survival(
    ds: xr.Dataset,
    *,
    treaties: Sequence[str] | None = None,
    ax: Axes | None = None,
    z: float = 1.96,
    top: int = 8,
) -> Axes:
    """Share of histories in which each treaty is still in force, year by year, with Wilson bands.

    Reads ``treaty_alive_count[treaty, year]`` over ``running_count[year]`` (the histories that
    reached the year; ``trials`` when absent). By default the ``top`` treaties that end most often.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes(ax)
    years, xlabel = _years(ds)
    alive = ds["treaty_alive_count"]
    running = ds["running_count"] if "running_count" in ds else xr.full_like(ds["year"], int(ds["trials"]))
    names = list(ds["treaty"].values)
    if treaties is None:
        order = np.argsort(alive.isel(year=-1).values / max(float(running.values[-1]), 1.0), kind="stable")
        treaties = [names[i] for i in order[:top]]
    for k, name in enumerate(treaties):
        c = alive.sel(treaty=name).values.astype(np.float64)
        n = np.maximum(running.values.astype(np.float64), 1.0)
        lo, hi = wilson(c, n, z)
        (line,) = ax.step(
            years, c / n, where="post", linestyle=LINESTYLES[k % len(LINESTYLES)], label=str(name), color=None
        )
        ax.fill_between(years, lo, hi, step="post", color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of histories with the treaty in force")
    ax.set_ylim(0, 1.02)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_title(f"Treaty survival, {_pct(z)} Wilson bands\n{title_of(ds)}", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    return ax


def _hist_quantile(counts: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: float) -> float:
    total = counts.sum()
    if total <= 0:
        return float("nan")
    cum = np.cumsum(counts)
    i = int(np.argmax(cum >= q * total))
    before = cum[i - 1] if i > 0 else 0.0
    a, b = lo[i], hi[i]
    if not np.isfinite(a):
        return float(hi[i])
    if not np.isfinite(b):
        return float(a)
    frac = (q * total - before) / counts[i] if counts[i] > 0 else 0.0
    return float(a + np.clip(frac, 0, 1) * (b - a))


def arms_fan(
    ds: xr.Dataset,
    state: str,
    *,
    ax: Axes | None = None,
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> Axes:
    """A fan chart of one state's arms over the years: the median and nested quantile bands.

    Reads ``arms_hist[state, year, bin]`` with the bin edges as ``bin_lo`` / ``bin_hi``
    coordinates (outer bins may be open).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes(ax)
    if state not in set(ds["state"].values.tolist()):
        raise StoreError(f"no state {state!r}; states: {', '.join(map(str, ds['state'].values))}")
    years, xlabel = _years(ds)
    hist = ds["arms_hist"].sel(state=state).transpose("year", "bin").values.astype(np.float64)
    lo_e, hi_e = ds["bin_lo"].values.astype(np.float64), ds["bin_hi"].values.astype(np.float64)
    qs = sorted(quantiles)
    values = np.array([[_hist_quantile(h, lo_e, hi_e, q) for q in qs] for h in hist])
    pairs = [(i, len(qs) - 1 - i) for i in range(len(qs) // 2)]
    shades = np.linspace(0.25, 0.55, max(len(pairs), 1))
    for (i, j), s in zip(pairs, shades, strict=False):
        ax.fill_between(
            years,
            values[:, i],
            values[:, j],
            color=str(1 - s),
            linewidth=0,
            label=f"{100 * qs[i]:.0f}–{100 * qs[j]:.0f} %",
        )
    if len(qs) % 2:
        mid = len(qs) // 2
        ax.plot(years, values[:, mid], color="black", label=f"median ({100 * qs[mid]:.0f} %)")
    ax.axhline(1.0, color="#777777", linewidth=0.6, linestyle=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("arms x (military effort, start year = 1)")
    name = state
    if "state_name" in ds.coords:
        name = str(ds["state_name"].sel(state=state).item())
    ax.set_title(f"Arms of {name}: quantiles over histories\n{title_of(ds)}", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return ax
