"""Reading what the analyses work on: a sweep store or a single result, the design's inputs as a
matrix, and one output variable with the sweep dimensions in front."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import StoreError

Source = str | os.PathLike | xr.Dataset

__all__ = ["Source", "SweepView", "open_any", "open_store", "is_sweep", "output", "parse_sel"]


def is_sweep(ds: xr.Dataset) -> bool:
    """True for a sweep store (or a dataset opened from one)."""
    return "sweep" in ds.attrs and "sweep_dims" in ds.attrs


def open_any(source: Source) -> xr.Dataset:
    """A dataset from a sweep store, a result file (``.zarr``/``.nc``) or a dataset as it is."""
    if isinstance(source, xr.Dataset):
        return source
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"no result or sweep store at {str(path)!r}")
    from ..sweep.reader import open_sweep
    from ..sweep.store import read_attrs

    attrs = read_attrs(path)
    if attrs and "sweep_hash" in attrs:
        return open_sweep(path)
    from ..io.results import open_result

    return open_result(path)


@dataclass(frozen=True)
class SweepView:
    """A complete sweep, as the analyses need it.

    Attributes
    ----------
    ds
        The dataset (sweep dimensions in front).
    kind
        The design: ``grid``, ``list``, ``lhs`` or ``sobol``.
    paths
        The parameter paths, in design order.
    dims
        The sweep dimensions (the paths for a grid, ``("point",)`` otherwise).
    design
        The design as stored (JSON of the sweep attrs).
    label
        Where it came from (for messages).
    """

    ds: xr.Dataset
    kind: str
    paths: tuple[str, ...]
    dims: tuple[str, ...]
    design: dict[str, Any]
    label: str

    @property
    def n_points(self) -> int:
        return int(np.prod([self.ds.sizes[d] for d in self.dims]))

    def inputs(self) -> np.ndarray:
        """The parameter values of every point, ``float64[point, path]``, points in C order of
        :attr:`dims` (``true``/``false`` as 1/0)."""
        if self.kind == "grid":
            grids = np.meshgrid(*(self.ds[p].values.astype(np.float64) for p in self.paths), indexing="ij")
            return np.stack([g.ravel() for g in grids], axis=1)
        return np.stack([self.ds[p].values.astype(np.float64) for p in self.paths], axis=1)

    def bounds(self) -> list[list[float]]:
        """``[lo, hi]`` of every path: the design's ranges (lhs, sobol) or the values' extent."""
        if self.kind in ("lhs", "sobol"):
            return [list(map(float, self.design["params"][p])) for p in self.paths]
        x = self.inputs()
        return [[float(x[:, k].min()), float(x[:, k].max())] for k in range(len(self.paths))]

    def problem(self) -> dict[str, Any]:
        """The SALib problem of this sweep."""
        return {"num_vars": len(self.paths), "names": list(self.paths), "bounds": self.bounds()}


def open_store(source: Source, *, require: tuple[str, ...] | None = None) -> SweepView:
    """Open a sweep store and check that every point is done.

    Raises
    ------
    StoreError
        Not a sweep, a design not in ``require``, or points not done (with the number missing and
        how to resume).
    """
    label = "the dataset" if isinstance(source, xr.Dataset) else repr(str(source))
    ds = open_any(source)
    if not is_sweep(ds):
        raise StoreError(
            f"{label} is a single result, not a sweep store; sensitivity and scenario discovery need "
            "a sweep (`tripwire sweep SWEEP.yaml --out STORE.zarr`)"
        )
    sweep = json.loads(ds.attrs["sweep"])
    design = sweep["design"]
    kind = design["kind"]
    if require is not None and kind not in require:
        raise StoreError(
            f"{label} holds a {kind} design; this analysis needs a {' or '.join(require)} design"
            + (" (a sobol sweep: `design: sobol` and `n` base samples)" if require == ("sobol",) else "")
        )
    dims = tuple(json.loads(ds.attrs["sweep_dims"]))
    if "done" in ds:
        done = np.asarray(ds["done"].values, dtype=bool)
        missing = int(done.size - done.sum())
        if missing:
            where = "STORE.zarr" if isinstance(source, xr.Dataset) else str(source)
            raise StoreError(
                f"{label} is incomplete: {missing} of {done.size} points are not done "
                f"({100 * missing / done.size:.1f} %); indices from part of a design are wrong. Resume it "
                f"with `tripwire sweep SWEEP.yaml --out {where}` (the sweep file that made it; only the "
                f"missing points are computed) or `tripwire.sweep(..., store={where!r})`"
            )
    return SweepView(ds, kind, tuple(design["paths"]), dims, design, label)


def parse_sel(items: Mapping[str, Any] | None, ds: xr.Dataset) -> dict[str, Any]:
    """Check a selection ``{dim: label}`` against the dataset (labels given as text are matched
    to the coordinate's type)."""
    sel: dict[str, Any] = {}
    for dim, value in dict(items or {}).items():
        if dim not in ds.dims:
            raise StoreError(
                f"cannot select {dim}={value!r}: no dimension {dim!r}; dimensions: {list(ds.dims)}"
            )
        coord = ds[dim].values
        if isinstance(value, str) and coord.dtype.kind in "iuf":
            try:
                value = coord.dtype.type(value)
            except ValueError:
                raise StoreError(f"{dim}={value!r}: {dim} takes numbers, e.g. {coord[0]}") from None
        if value not in set(coord.tolist()):
            shown = ", ".join(map(str, coord[:12])) + (", ..." if coord.size > 12 else "")
            raise StoreError(f"{dim}={value!r} is not a label of {dim!r}; labels: {shown}")
        sel[dim] = value
    return sel


def output(view: SweepView, var: str, sel: Mapping[str, Any] | None = None) -> xr.DataArray:
    """One output variable, selected and loaded, with the sweep dimensions first (in order)."""
    ds = view.ds
    if var not in ds.data_vars:
        known = [str(k) for k in ds.data_vars if str(k).startswith(("p_", "expected"))]
        raise StoreError(f"no variable {var!r} in {view.label}; outputs: {', '.join(known)}")
    da = ds[var].sel(parse_sel(sel, ds))
    missing = [d for d in view.dims if d not in da.dims]
    if missing:
        raise StoreError(f"{var!r} does not vary over the sweep dimension(s) {missing}")
    rest = [d for d in da.dims if d not in view.dims]
    return da.transpose(*view.dims, *rest).load()
