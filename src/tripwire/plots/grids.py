"""Matrices: a heatmap over two swept parameters (one per level), and the entanglement matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..errors import StoreError
from ._common import PROBABILITY_CMAP, SEQUENTIAL, axes, describe, fmt_value, sweep_dims, title_of

__all__ = ["heatmap", "heatmaps", "entanglement_matrix"]


def _annotate(ax: Axes, values: np.ndarray, norm, cmap, fmt: str = "{:.3f}") -> None:
    rows, cols = values.shape
    if rows * cols > 120:
        return
    for i in range(rows):
        for j in range(cols):
            v = values[i, j]
            if not np.isfinite(v):
                continue
            r, g, b, _ = cmap(norm(v))
            light = 0.2126 * r + 0.7152 * g + 0.0722 * b
            ax.text(
                j,
                i,
                fmt.format(v),
                ha="center",
                va="center",
                fontsize=7,
                color="black" if light > 0.5 else "white",
            )


def heatmap(
    ds: xr.Dataset,
    x: str,
    y: str,
    *,
    var: str = "p_exceed",
    sel: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    cmap: str = SEQUENTIAL,
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool = True,
    colorbar: bool = True,
) -> Axes:
    """A grid sweep's output over two swept parameters.

    Parameters
    ----------
    ds
        An opened grid sweep.
    x, y
        The two sweep dimensions on the axes.
    var, sel
        The output and the labels that reduce it to one value per (x, y), e.g.
        ``sel={"level": "war"}`` and values of any other sweep dimension.
    annotate
        Write each cell's value (grids of up to 120 cells).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes(ax)
    for d in (x, y):
        if d not in ds.dims:
            raise StoreError(f"{d!r} is not a dimension of this sweep; sweep dimensions: {sweep_dims(ds)}")
    da = ds[var].sel(dict(sel or {}))
    extra = [d for d in da.dims if d not in (x, y)]
    if extra:
        raise StoreError(f"{var} still varies over {extra}: select them with sel={{dim: value}}")
    da = da.transpose(y, x)
    values = np.asarray(da.values, dtype=np.float64)
    import matplotlib as mpl

    cm = mpl.colormaps[cmap]
    lo = np.nanmin(values) if vmin is None else vmin
    hi = np.nanmax(values) if vmax is None else vmax
    norm = mpl.colors.Normalize(lo, hi if hi > lo else lo + 1e-12)
    mesh = ax.imshow(values, origin="lower", cmap=cm, norm=norm, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(da.sizes[x]), [fmt_value(v) for v in da[x].values])
    ax.set_yticks(range(da.sizes[y]), [fmt_value(v) for v in da[y].values])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if annotate:
        _annotate(ax, values, norm, cm)
    picked = ", ".join(f"{k} = {fmt_value(v)}" for k, v in dict(sel or {}).items())
    ax.set_title(f"{var}" + (f" ({picked})" if picked else "") + f"\n{title_of(ds)}", fontsize=10)
    if colorbar:
        cb = ax.figure.colorbar(mesh, ax=ax, shrink=0.9)
        cb.set_label(describe(ds[var], var), fontsize=8)
    return ax


def heatmaps(
    ds: xr.Dataset,
    x: str,
    y: str,
    *,
    var: str = "p_exceed",
    levels: Sequence[str] | None = None,
    sel: Mapping[str, Any] | None = None,
    axs: Sequence[Axes] | None = None,
    cmap: str = SEQUENTIAL,
    annotate: bool = True,
) -> np.ndarray:
    """:func:`heatmap` faceted by level: one panel per level (default: the war level and above),
    sharing one colour scale.

    Parameters
    ----------
    axs
        One Axes per level (default: a new figure with a row of panels).

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    if levels is None:
        all_levels = list(ds["level"].values)
        war = ds.attrs.get("war_level", all_levels[-1])
        levels = all_levels[all_levels.index(war) :] if war in all_levels else all_levels[-1:]
    if axs is None:
        import matplotlib.pyplot as plt

        _, grid = plt.subplots(
            1, len(levels), figsize=(3.6 * len(levels) + 1.0, 3.8), layout="constrained", squeeze=False
        )
        axs = list(grid[0])
    if len(axs) != len(levels):
        raise StoreError(f"heatmaps: {len(levels)} level(s) {list(levels)} need as many Axes, saw {len(axs)}")
    base = dict(sel or {})
    vals = ds[var].sel({**base, "level": list(levels)})
    vmin, vmax = float(vals.min()), float(vals.max())
    for k, (ax, level) in enumerate(zip(axs, levels, strict=True)):
        heatmap(
            ds,
            x,
            y,
            var=var,
            sel={**base, "level": level},
            ax=ax,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            annotate=annotate,
            colorbar=k == len(levels) - 1,
        )
        ax.set_title(f"{var}, level = {level}", fontsize=10)
        if k:
            ax.set_ylabel("")
    axs[0].figure.suptitle(title_of(ds), fontsize=10)
    return np.asarray(axs, dtype=object)


def entanglement_matrix(
    ent: xr.Dataset,
    *,
    var: str = "p_drawn_in",
    ax: Axes | None = None,
    top: int | None = 30,
    cmap: str = PROBABILITY_CMAP,
    colorbar: bool = True,
) -> Axes:
    """The entanglement map as a matrix: origins (rows, by impact) × states (columns, by
    vulnerability), P(drawn in); the origin's own two states are hatched.

    Parameters
    ----------
    ent
        :func:`tripwire.entanglement`'s dataset.
    top
        Show the ``top`` origins by impact and the ``top`` most vulnerable states (``None``: all).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib as mpl

    if var not in ent:
        raise StoreError(
            f"no {var!r} in this dataset: an entanglement map (tripwire.entanglement) is expected"
        )
    origins = ent["origin"].values[np.argsort(-ent["impact"].values, kind="stable")]
    states = ent["state"].values[np.argsort(-np.nan_to_num(ent["vulnerability"].values), kind="stable")]
    if top is not None:
        origins, states = origins[:top], states[:top]
    da = ent[var].sel(origin=origins, state=states)
    mask = ent["is_originator"].sel(origin=origins, state=states).values
    values = np.where(mask, np.nan, da.values.astype(np.float64))
    ax = axes(ax, figsize=(max(6.0, 0.22 * len(states) + 2.5), max(4.0, 0.2 * len(origins) + 1.8)))
    cm = mpl.colormaps[cmap].with_extremes(bad="white")
    im = ax.imshow(
        values,
        cmap=cm,
        vmin=0,
        vmax=max(float(np.nanmax(values)) if np.isfinite(values).any() else 1, 1e-9),
        aspect="auto",
        interpolation="nearest",
    )
    ys, xs = np.nonzero(mask)
    for i, j in zip(ys, xs, strict=True):
        ax.add_patch(
            mpl.patches.Rectangle(
                (j - 0.5, i - 0.5), 1, 1, fill=False, hatch="////", edgecolor="#999999", linewidth=0
            )
        )
    ax.set_xticks(range(len(states)), [str(s) for s in states], rotation=90, fontsize=7)
    ax.set_yticks(range(len(origins)), [str(o) for o in origins], fontsize=7)
    ax.set_xlabel("state drawn in (most vulnerable first)")
    ax.set_ylabel("crisis origin (largest impact first)")
    ax.set_title(f"Entanglement: P(drawn in | crisis origin)\n{title_of(ent)}", fontsize=10)
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax, shrink=0.8)
        cb.set_label("P(state takes part)", fontsize=8)
    return ax
