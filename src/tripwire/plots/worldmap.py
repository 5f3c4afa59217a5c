"""A world map of P(involved), drawn offline from Natural Earth 1:110m boundaries shipped with the
package, with a Europe inset.

States are matched to present-day countries by their COW code (:mod:`tripwire.analysis.cow`):
historical states are drawn on their successors' territory (Austria-Hungary on Austria and
Hungary, the Soviet Union on Russia, ...). States too small for a 1:110m map are drawn as circles.
Made with Natural Earth (public domain); the file is built by ``scripts/build_worldmap.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..analysis.cow import lookup
from ..errors import StoreError
from ._common import PROBABILITY_CMAP, axes, credit, describe, title_of, world_of

__all__ = ["world_map", "load_countries", "map_states", "unmapped_states", "EUROPE"]

#: The Europe inset: longitude and latitude limits.
EUROPE = (-12.0, 45.0, 34.0, 71.5)
OUTSIDE = "#e6e6e6"  # countries not in the world
CREDIT = "Boundaries: Made with Natural Earth (public domain), 1:110m"


@functools.cache
def load_countries() -> dict[str, list[np.ndarray]]:
    """ISO alpha-3 -> list of rings (``float[point, 2]``: longitude, latitude), from the package's
    Natural Earth file (no network)."""
    with resources.files("tripwire.plots").joinpath("data/ne_110m_countries.npz").open("rb") as fh:
        data = np.load(fh, allow_pickle=False)
        xy = data["xy"].astype(np.float64) / 100.0
        ptr, ring_of, iso = data["ring_ptr"], data["ring_of"], data["iso_a3"]
    out: dict[str, list[np.ndarray]] = {}
    for k in range(ring_of.size):
        out.setdefault(str(iso[ring_of[k]]), []).append(xy[ptr[k] : ptr[k + 1]])
    return out


def map_states(codes: list[str], ccodes: list[int | None] | None = None) -> dict[str, tuple[str, ...]]:
    """State code -> the countries (ISO alpha-3) it is drawn on; ``()`` for a state not in the
    COW table."""
    ccodes = ccodes or [None] * len(codes)
    out = {}
    for code, cc in zip(codes, ccodes, strict=True):
        s = lookup(code, cc)
        out[code] = s.countries if s else ()
    return out


def _values(
    data: xr.Dataset | xr.DataArray | Mapping[str, float], var: str
) -> tuple[dict[str, float], dict, str, str]:
    """``({code: value}, {code: ccode}, label, title)``."""
    if isinstance(data, xr.Dataset):
        if var not in data:
            var = "vulnerability" if "vulnerability" in data else var
        if var not in data:
            raise StoreError(f"no {var!r} in this dataset")
        da = data[var]
        if da.dims != ("state",):
            raise StoreError(f"{var} varies over {list(da.dims)}; select one point (and one level) first")
        world = world_of(data) or {}
        ccodes = {s["code"]: s.get("ccode") for s in world.get("states", [])}
        values = dict(zip(map(str, da["state"].values), da.values.astype(float), strict=True))
        return values, ccodes, describe(da, var), title_of(data)
    if isinstance(data, xr.DataArray):
        return (
            dict(zip(map(str, data["state"].values), data.values.astype(float), strict=True)),
            {},
            describe(data, var),
            "",
        )
    return {str(k): float(v) for k, v in dict(data).items()}, {}, var, ""


def _draw(
    ax: Axes, values: dict[str, float], ccodes: dict, cmap, norm, *, points: bool = True
) -> tuple[list, list]:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon

    countries = load_countries()
    colour_of: dict[str, Any] = {}
    dots, unmapped = [], []
    for code, v in values.items():
        s = lookup(code, ccodes.get(code))
        if s is None:
            unmapped.append(code)
            continue
        drawn = [c for c in s.countries if c in countries]
        for c in drawn:
            colour_of[c] = cmap(norm(v)) if np.isfinite(v) else "#ffffff"
        if not drawn and s.point is not None:
            dots.append((s.point, v))
        elif not drawn:
            unmapped.append(code)
    patches, colours = [], []
    for iso, rings in countries.items():
        for ring in rings:
            patches.append(Polygon(ring, closed=True))
            colours.append(colour_of.get(iso, OUTSIDE))
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="#555555", linewidths=0.25))
    if points and dots:
        ax.scatter(
            [p[0] for p, _ in dots],
            [p[1] for p, _ in dots],
            c=[cmap(norm(v)) for _, v in dots],
            s=14,
            edgecolors="black",
            linewidths=0.4,
            zorder=3,
        )
    return unmapped, dots


def world_map(
    data: xr.Dataset | xr.DataArray | Mapping[str, float],
    *,
    var: str = "p_involved",
    ax: Axes | None = None,
    inset: bool = True,
    cmap: str = PROBABILITY_CMAP,
    vmin: float = 0.0,
    vmax: float | None = None,
    colorbar: bool = True,
) -> Axes:
    """A world map of ``var`` by state (P(involved) by default), with a Europe inset.

    Parameters
    ----------
    data
        A single-run result, an entanglement map (its ``vulnerability``), a DataArray over
        ``state``, or ``{state code: value}``.
    var
        The variable to draw.
    inset
        Draw Europe enlarged in the lower left (over the Pacific).
    vmin, vmax
        Colour scale (default ``0`` to the largest value, at most 1).

    Returns
    -------
    matplotlib.axes.Axes
        The map; the inset, when drawn, is ``ax.child_axes[0]``.

    Examples
    --------
    >>> import tripwire, tripwire.plots as tp
    >>> ax = tp.world_map({"AUH": 1.0, "SRB": 1.0, "RUS": 0.6, "FRN": 0.5})
    >>> len(ax.collections) > 0
    True
    """
    import matplotlib as mpl

    values, ccodes, label, title = _values(data, var)
    finite = [v for v in values.values() if np.isfinite(v)]
    top = vmax if vmax is not None else (max(finite) if finite else 1.0)
    norm = mpl.colors.Normalize(vmin, top if top > vmin else vmin + 1e-9)
    cm = mpl.colormaps[cmap]
    ax = axes(ax, figsize=(9.0, 4.9))
    _draw(ax, values, ccodes, cm, norm)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-58, 84)
    ax.set_aspect(1.0)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("#888888")
        side.set_linewidth(0.5)
    ax.set_facecolor("white")
    if inset:
        sub = ax.inset_axes((0.005, 0.02, 0.3, 0.46))
        _draw(sub, values, ccodes, cm, norm)
        x0, x1, y0, y1 = EUROPE
        sub.set_xlim(x0, x1)
        sub.set_ylim(y0, y1)
        sub.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
        sub.set_xticks([])
        sub.set_yticks([])
        sub.set_title("Europe", fontsize=7, pad=2)
        for side in sub.spines.values():
            side.set_linewidth(0.6)
        ax.indicate_inset(
            (x0, y0, x1 - x0, y1 - y0), inset_ax=None, edgecolor="#333333", linewidth=0.6, alpha=1
        )
    if colorbar:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=cm)
        cb = ax.figure.colorbar(sm, ax=ax, shrink=0.75, pad=0.01)
        cb.set_label(label, fontsize=8)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[Patch(facecolor=OUTSIDE, edgecolor="#555555", linewidth=0.3, label="not in the world")],
        loc="lower right",
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(1.0, 0.02),
    )
    credit(ax, CREDIT + "; historical states drawn on their successors")
    ax.set_title((f"{label}\n{title}" if title else label), fontsize=10)
    return ax


def unmapped_states(codes: list[str], ccodes: list[int | None] | None = None) -> list[str]:
    """The state codes a map cannot draw (not in the COW table, or with no shape and no point)."""
    countries = load_countries()
    out = []
    for code, cc in zip(codes, ccodes or [None] * len(codes), strict=True):
        s = lookup(code, cc)
        if s is None or not (any(c in countries for c in s.countries) or s.point is not None):
            out.append(code)
    return out
