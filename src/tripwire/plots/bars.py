"""Bars with intervals: Sobol' indices and treaty criticality."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..errors import StoreError
from ._common import axes, fmt_value, title_of

__all__ = ["sobol_bars", "criticality_bars"]


def _one(da: xr.DataArray, sel: Mapping[str, Any] | None, keep: tuple[str, ...]) -> xr.DataArray:
    da = da.sel(dict(sel or {}))
    extra = [d for d in da.dims if d not in keep]
    if extra:
        raise StoreError(
            f"the indices still vary over {extra}: pick one with sel={{dim: label}}, e.g. "
            + ", ".join(f"{d}={da[d].values[-1]!s}" for d in extra)
        )
    return da


def sobol_bars(si: xr.Dataset, *, sel: Mapping[str, Any] | None = None, ax: Axes | None = None) -> Axes:
    """First-order (S1) and total (ST) Sobol' indices per parameter, with their bootstrap
    intervals (the output of :func:`tripwire.analysis.sobol`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if "S1" not in si or "ST" not in si:
        raise StoreError("sobol_bars needs the dataset of tripwire.analysis.sobol (S1, ST)")
    ax = axes(ax, figsize=(6.4, 3.8))
    s1 = _one(si["S1"], sel, ("param",))
    st = _one(si["ST"], sel, ("param",))
    c1 = _one(si["S1_conf"], sel, ("param",))
    ct = _one(si["ST_conf"], sel, ("param",))
    params = [str(p) for p in si["param"].values]
    x = np.arange(len(params))
    w = 0.38
    ax.bar(
        x - w / 2,
        s1.values,
        w,
        yerr=c1.values,
        capsize=3,
        color="#4d4d4d",
        edgecolor="black",
        label="first order S1",
    )
    ax.bar(
        x + w / 2,
        st.values,
        w,
        yerr=ct.values,
        capsize=3,
        color="white",
        edgecolor="black",
        hatch="///",
        label="total ST",
    )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(
        x,
        params,
        rotation=15 if max(map(len, params)) > 14 else 0,
        ha="right" if max(map(len, params)) > 14 else "center",
        fontsize=8,
    )
    ax.set_ylabel("Sobol' index (share of variance)")
    ax.set_ylim(
        min(0, float(np.nanmin((s1 - c1).values)) - 0.05), max(1.0, float(np.nanmax((st + ct).values)) + 0.05)
    )
    picked = dict(sel or {})
    what = si.attrs.get("var", "output") + (
        " (" + ", ".join(f"{k} = {fmt_value(v)}" for k, v in picked.items()) + ")" if picked else ""
    )
    conf = si.attrs.get("conf_level", 0.95)
    ax.set_title(
        f"Sobol' indices of {what}, {100 * conf:g} % bootstrap intervals\n{title_of(si)}, "
        f"{si.attrs.get('base_samples', '?')} base samples",
        fontsize=9,
    )
    ax.legend(fontsize=8, frameon=False)
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return ax


def criticality_bars(
    crit: xr.Dataset, *, level: str | None = None, ax: Axes | None = None, top: int | None = 15
) -> Axes:
    """The effect of removing each treaty on P(final level >= ``level``), with paired intervals
    (the output of :func:`tripwire.criticality`), largest effects first.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if "effect" not in crit:
        raise StoreError(
            "criticality_bars needs the dataset of tripwire.criticality (effect, effect_lo, effect_hi)"
        )
    level = level or crit.attrs.get("war_level") or str(crit["level"].values[-1])
    eff = crit["effect"].sel(level=level).values
    lo = crit["effect_lo"].sel(level=level).values
    hi = crit["effect_hi"].sel(level=level).values
    names = [str(t) for t in crit["treaty"].values]
    order = np.argsort(-np.abs(eff), kind="stable")
    if top is not None:
        order = order[:top]
    order = order[::-1]  # largest at the top
    y = np.arange(len(order))
    ax = axes(ax, figsize=(6.8, max(2.5, 0.32 * len(order) + 1.4)))
    colours = ["#333333" if eff[i] > 0 else "white" for i in order]
    ax.barh(
        y,
        eff[order],
        color=colours,
        edgecolor="black",
        hatch=[("" if eff[i] > 0 else "///") for i in order],
        height=0.65,
    )
    ax.errorbar(
        eff[order],
        y,
        xerr=[eff[order] - lo[order], hi[order] - eff[order]],
        fmt="none",
        ecolor="#b2182b",
        capsize=3,
        linewidth=1.0,
    )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8)
    ax.set_xlabel(f"change in P(final level ≥ {level}) when the treaty is removed")
    base = float(crit["p_base"].sel(level=level))
    ax.set_title(
        f"Treaty criticality (paired 95 % intervals); P(≥ {level}) = {base:.3g} with every treaty\n"
        f"{title_of(crit)}; dark: the treaty lowers the risk, hatched: it raises it",
        fontsize=9,
    )
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return ax
