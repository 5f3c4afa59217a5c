"""What every figure shares: an Axes to draw on, labels from a variable's attrs, Wilson bands."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..crisis.results import wilson_interval

#: Colours that stay distinct in print and in grey (dark to light) and line styles to go with them.
GREYS = ("#000000", "#555555", "#8c8c8c", "#b5b5b5")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: A sequential colour map whose lightness falls monotonically (it prints in grey).
SEQUENTIAL = "viridis"
PROBABILITY_CMAP = "YlOrRd"


def axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    """``ax`` or the Axes of a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def describe(da: xr.DataArray | xr.Dataset, name: str | None = None) -> str:
    """A label from attrs: ``description`` (``units``)."""
    attrs = da.attrs
    text = attrs.get("long_name") or attrs.get("description") or (name or getattr(da, "name", "") or "")
    units = attrs.get("units")
    return f"{text} ({units})" if units and units not in ("1", "") else str(text)


def title_of(ds: xr.Dataset) -> str:
    """``world_name, N trials, seed S`` from a result's attrs."""
    parts = []
    if ds.attrs.get("world_name"):
        parts.append(str(ds.attrs["world_name"]))
    if "trials" in ds.attrs:
        per = (
            " per point" if "sweep" in ds.attrs else (" per origin" if "origin_involved_count" in ds else "")
        )
        parts.append(f"{int(ds.attrs['trials']):,} trials{per}")
    if "seed" in ds.attrs:
        parts.append(f"seed {ds.attrs['seed']}")
    return ", ".join(parts)


def world_of(ds: xr.Dataset) -> dict[str, Any] | None:
    """The resolved world stored with a result (JSON in attrs), as a dict."""
    text = ds.attrs.get("world")
    return json.loads(text) if text else None


def wilson(count, n, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = wilson_interval(np.asarray(count, dtype=np.float64), np.asarray(n, dtype=np.float64), z)
    return np.asarray(lo), np.asarray(hi)


def fmt_value(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.3g}"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    return str(v)


def sweep_dims(ds: xr.Dataset) -> list[str]:
    return json.loads(ds.attrs["sweep_dims"]) if "sweep_dims" in ds.attrs else []


def credit(ax: Axes, text: str) -> None:
    ax.text(0.995, 0.005, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=6, color="#444444")


def plain_log_axis(axis) -> None:
    """Decimal tick labels (0.2, 0.05, ...) on a logarithmic axis instead of powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    fmt = FuncFormatter(lambda v, _: f"{v:g}")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(fmt)
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def headless() -> None:
    """Select matplotlib's non-interactive Agg backend (command-line use: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")


def save(ax: Axes, path, **kwargs: Any) -> None:
    """Save the figure of ``ax`` (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("the Axes belongs to no figure")
    fig.savefig(path, **kwargs)
    plt.close(fig)
