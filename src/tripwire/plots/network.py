"""The alliance network: states as nodes coloured by P(involved), treaties and rivalries as edges
styled by kind."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..errors import StoreError
from ..world import kinds
from ._common import PROBABILITY_CMAP, axes, describe, title_of, world_of

__all__ = ["network", "edge_style", "RIVALRY_STYLE"]

#: Edge style of a rivalry: line style, width, colour. Treaty kinds take theirs from the table of
#: treaty kinds (:mod:`tripwire.world.kinds`): line styles keep them apart in grey.
RIVALRY_STYLE: dict[str, Any] = {"linestyle": (0, (3, 2)), "linewidth": 1.8, "color": "#b2182b"}


def edge_style(kind: str) -> dict[str, Any] | None:
    """The line style of an edge of a treaty kind or of ``"rivalry"``; ``None`` for anything else."""
    if kind == "rivalry":
        return RIVALRY_STYLE
    return kinds.KINDS[kind].style if kind in kinds.KINDS else None


def network(
    data: xr.Dataset | Any,
    *,
    var: str = "p_involved",
    ax: Axes | None = None,
    seed: int = 0,
    labels: bool = True,
    cmap: str = PROBABILITY_CMAP,
    colorbar: bool = True,
) -> Axes:
    """The world's alliance network: nodes coloured by ``var`` (P(involved)), sized by capability;
    edges styled by treaty kind; rivalries dashed red. The layout is networkx's spring layout with
    ``seed`` (the same picture every time).

    Parameters
    ----------
    data
        A single-run result (its world is in its attrs) or a :class:`~tripwire.World` (no colours).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib as mpl
    import networkx as nx

    if isinstance(data, xr.Dataset):
        world = world_of(data)
        if world is None:
            raise StoreError(
                "this dataset carries no world (attrs['world']); pass a result of tripwire.simulate"
            )
        values = data[var] if var in data else None
        if values is not None and values.dims != ("state",):
            raise StoreError(f"{var} varies over {list(values.dims)}; select one point of the sweep first")
        title = title_of(data)
    else:
        world = data.resolved() if hasattr(data, "resolved") else dict(data)
        values, title = None, world.get("name", "")
    codes = [s["code"] for s in world["states"]]
    cap = np.array([s["capability"] for s in world["states"]], dtype=np.float64)
    g = nx.MultiGraph()
    g.add_nodes_from(codes)
    edges: list[tuple[str, str, str]] = []
    for t in world.get("treaties", []):
        owing = t.get("guarantors") or t["members"]
        edges.extend((a, b, t["kind"]) for a in owing for b in t["members"] if a != b)
    for r in world.get("rivalries", []):
        edges.append((r["states"][0], r["states"][1], "rivalry"))
    seen = set()
    unique = []
    for a, b, k in edges:
        key = (min(a, b), max(a, b), k)
        if key not in seen:
            seen.add(key)
            unique.append((a, b, k))
    g.add_edges_from((a, b, {"kind": k}) for a, b, k in unique)
    simple = nx.Graph()
    simple.add_nodes_from(codes)
    for a, b, k in unique:  # treaties pull harder than rivalries
        w = 0.3 if k == "rivalry" else 1.0
        simple.add_edge(a, b, weight=max(w, simple.get_edge_data(a, b, {"weight": 0})["weight"]))
    pos = nx.spring_layout(
        simple, seed=seed, k=3.0 / np.sqrt(max(len(codes), 1)), iterations=500, weight="weight"
    )
    ax = axes(ax, figsize=(8.0, 6.5))
    kinds_used = []
    for a, b, k in unique:
        style = edge_style(k) or kinds.get("entente").style
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.plot([xa, xb], [ya, yb], zorder=1, solid_capstyle="round", **style)
        if k not in kinds_used:
            kinds_used.append(k)
    cm = mpl.colormaps[cmap]
    size = 40 + 520 * np.sqrt(cap / cap.max()) if cap.max() > 0 else np.full(cap.size, 120.0)
    if values is not None:
        v = values.sel(state=codes).values.astype(np.float64)
        sc = ax.scatter(
            [pos[c][0] for c in codes],
            [pos[c][1] for c in codes],
            s=size,
            c=v,
            cmap=cm,
            vmin=0,
            vmax=1,
            edgecolors="black",
            linewidths=0.7,
            zorder=2,
        )
        if colorbar:
            cb = ax.figure.colorbar(sc, ax=ax, shrink=0.7)
            cb.set_label(describe(values, var), fontsize=8)
    else:
        ax.scatter(
            [pos[c][0] for c in codes],
            [pos[c][1] for c in codes],
            s=size,
            color="#dddddd",
            edgecolors="black",
            linewidths=0.7,
            zorder=2,
        )
    if labels:
        fill = (
            [cm(float(x)) for x in values.sel(state=codes).values]
            if values is not None
            else [(0.87, 0.87, 0.87)] * len(codes)
        )
        for c, rgb in zip(codes, fill, strict=True):
            red, green, blue = (float(v) for v in rgb[:3])
            light = 0.2126 * red + 0.7152 * green + 0.0722 * blue
            ax.annotate(
                c,
                pos[c],
                fontsize=7 if len(codes) <= 30 else 5.5,
                ha="center",
                va="center",
                zorder=3,
                color="black" if light > 0.45 else "white",
            )
    handles = [Line2D([0], [0], **line, label=k) for k in kinds_used if (line := edge_style(k)) is not None]
    if handles:
        ax.legend(
            handles=handles,
            fontsize=7,
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=len(handles),
            title="edges",
            title_fontsize=7,
        )
    ax.set_axis_off()
    ax.set_title(f"Alliance network, nodes by {var} (size: capability)\n{title}", fontsize=10)
    ax.margins(0.04)
    return ax
