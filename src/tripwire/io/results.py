"""Writing and reading results: zarr (v3) stores and netCDF files."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import StoreError
from .checksums import checksum_encoding, corrupted, is_checksum_error

SUFFIXES = (".zarr", ".nc")


def zarr_ready(ds: xr.Dataset) -> xr.Dataset:
    """Store text as variable-length strings (a zarr v3 data type) instead of fixed-width unicode."""
    text = {name: ds[name].astype(object) for name in ds.variables if ds[name].dtype.kind == "U"}
    return ds.assign_coords({k: v for k, v in text.items() if k in ds.coords}).assign(
        {k: v for k, v in text.items() if k not in ds.coords}
    )


@contextlib.contextmanager
def quiet_consolidation() -> Iterator[None]:
    """Silence zarr's one warning that consolidated metadata (what xarray reads fastest) is not yet
    part of the v3 specification."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        yield


def write_dataset(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write a result to ``path``: a zarr v3 store (``.zarr``, replaced if present) or netCDF (``.nc``)."""
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise StoreError(f"output {str(path)!r} must end in .zarr or .nc, saw {path.suffix or 'no suffix'!r}")
    if path.suffix == ".nc":
        ds.to_netcdf(path)
    else:
        ready = zarr_ready(ds)
        with quiet_consolidation():  # every chunk with a checksum (io/checksums.py)
            ready.to_zarr(path, mode="w", zarr_format=3, consolidated=True, encoding=checksum_encoding(ready))
    return path


def open_result(path: str | os.PathLike) -> xr.Dataset:
    """Open a result written by :func:`write_dataset` (loaded into memory, text as ``str``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no result at {str(path)!r}")
    if path.suffix == ".nc":
        with xr.open_dataset(path) as ds:
            return ds.load()
    try:
        ds = xr.open_zarr(path, consolidated=True).load()
    except ValueError as exc:
        if is_checksum_error(exc):  # name the damaged chunks
            raise corrupted(path) from None
        raise
    text = {
        k: ds[k].copy(data=np.array(ds[k].values.tolist(), dtype=str))
        for k in ds.variables
        if ds[k].dtype == np.dtype(object)
    }
    return ds.assign_coords({k: v for k, v in text.items() if k in ds.coords})
