"""Writing and reading results: zarr (v3) stores and netCDF files.

Writing is safe:

- :func:`check_output` checks a path before any work is done: the suffix, that the folder exists
  and can be written, and what is there already. A path that tripwire did not write (a folder of
  the user's files, any other file) is never replaced, nor is a sweep store; a run result that
  tripwire wrote is replaced only when asked (``overwrite=True``, ``--force``).
- :func:`write_dataset` writes to a hidden temporary name beside the target and renames it into
  place, so a crash, a full disk or Ctrl-C never leaves half a result under the target's name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr

from ..errors import StoreError
from .checksums import checksum_encoding, corrupted, is_checksum_error

__all__ = ["SUFFIXES", "check_output", "result_kind", "write_dataset", "open_result"]

SUFFIXES = (".zarr", ".nc")

ResultKind = Literal["run", "sweep", "empty", "other"]


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


def _attrs(path: Path) -> dict | None:
    """The global attributes of a zarr group or a netCDF file at ``path``; ``None`` if it is neither."""
    if path.is_dir():
        meta = path / "zarr.json"
        try:
            return json.loads(meta.read_text()).get("attributes", {}) if meta.is_file() else None
        except (OSError, ValueError):
            return None
    try:
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError:
        return None
    if not (magic.startswith(b"CDF") or magic.startswith(b"\x89HDF")):
        return None
    try:
        with xr.open_dataset(path) as ds:
            return dict(ds.attrs)
    except Exception:  # any file the netCDF reader cannot read is simply not a tripwire result
        return None


def result_kind(path: str | os.PathLike) -> ResultKind | None:
    """What is at ``path``: ``None`` (nothing), ``"run"`` (a result tripwire wrote: a run, an
    entanglement map, an analysis),
    ``"sweep"`` (a sweep store), ``"empty"`` (an empty folder) or ``"other"`` (anything else).

    Examples
    --------
    >>> result_kind("no/such/result.zarr") is None
    True
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink():
        return "other"
    if path.is_dir() and not any(path.iterdir()):
        return "empty"
    attrs = _attrs(path)
    if not attrs or (attrs.get("engine") != "tripwire" and "tripwire_analysis" not in attrs):
        return "other"
    return "sweep" if "sweep_hash" in attrs else "run"


def check_output(path: str | os.PathLike, *, overwrite: bool = False, flag: str = "overwrite=True") -> Path:
    """Check, before any work, that a result can be written to ``path``.

    Parameters
    ----------
    path
        The result to write: a ``.zarr`` store or a ``.nc`` file.
    overwrite
        Replace a run result that tripwire wrote at ``path``. Nothing else is ever replaced.
    flag
        How the caller asks for ``overwrite`` (named in the message), e.g. ``"--force"``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    StoreError
        The suffix is not ``.zarr`` or ``.nc``; the folder does not exist or cannot be written;
        ``path`` holds something tripwire did not write, or a sweep store; or it holds a run
        result and ``overwrite`` is false.

    Examples
    --------
    >>> check_output("no/such/folder/result.nc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tripwire.errors.StoreError: cannot write ...: the folder 'no/such/folder' does not exist; ...
    """
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise StoreError(
            f"output {str(path)!r} must end in .zarr (a zarr store) or .nc (a netCDF file), "
            f"saw {path.suffix or 'no suffix'!r}"
        )
    parent = path.parent
    where = str(parent) if str(parent) != "" else "."
    if not parent.exists():
        raise StoreError(
            f"cannot write {str(path)!r}: the folder {where!r} does not exist; "
            f"create it first (mkdir -p {where}) or choose another path"
        )
    if not parent.is_dir():
        raise StoreError(f"cannot write {str(path)!r}: {where!r} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot write {str(path)!r}: no permission to write in the folder {where!r}; "
            "choose a folder you can write to"
        )
    kind = result_kind(path)
    if kind == "sweep":
        raise StoreError(
            f"{str(path)!r} is a sweep store; a run never replaces one (it is left alone): "
            "choose another output path, or remove the store yourself"
        )
    if kind == "other":
        what = "a folder" if path.is_dir() else "a file"
        raise StoreError(
            f"{str(path)!r} exists and is {what} that tripwire did not write; it is left alone: "
            "choose another output path, or remove it yourself"
        )
    if kind == "run" and not overwrite:
        raise StoreError(
            f"{str(path)!r} already holds a tripwire result; pass {flag} to replace it, "
            "or choose another output path"
        )
    return path


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_dataset(ds: xr.Dataset, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a result to ``path``: a zarr v3 store (``.zarr``) or a netCDF file (``.nc``).

    The result is written under a hidden temporary name in the same folder and renamed into place
    when complete, so ``path`` never holds half a result.

    Parameters
    ----------
    ds
        A result of :func:`tripwire.simulate`.
    path
        Where to write it.
    overwrite
        Replace a run result that tripwire wrote at ``path`` (anything else at ``path`` is always
        refused; see :func:`check_output`).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    StoreError
        See :func:`check_output`.

    Examples
    --------
    >>> import tripwire, tempfile, pathlib
    >>> ds = tripwire.simulate("july1914", trials=1_000, seed=1)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "july1914.nc"
    >>> tripwire.write_dataset(ds, out).name
    'july1914.nc'
    >>> tripwire.write_dataset(ds, out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tripwire.errors.StoreError: ... already holds a tripwire result; pass overwrite=True to replace it, ...
    >>> tripwire.open_result(out).identical(ds)
    True
    """
    path = check_output(path, overwrite=overwrite)
    token = uuid.uuid4().hex[:12]
    tmp = path.with_name(f".{path.stem}.partial-{token}{path.suffix}")
    try:
        if path.suffix == ".nc":
            ds.to_netcdf(tmp)
        else:
            ready = zarr_ready(ds)
            with quiet_consolidation():  # every chunk with a checksum (io/checksums.py)
                ready.to_zarr(
                    tmp, mode="w-", zarr_format=3, consolidated=True, encoding=checksum_encoding(ready)
                )
        # the path may have changed while the result was written: check it again
        check_output(path, overwrite=overwrite)
        if path.exists() and path.is_dir():  # a run result or an empty folder
            old = path.with_name(f".{path.stem}.old-{token}{path.suffix}")
            os.rename(path, old)
            os.rename(tmp, path)
            _remove(old)
        else:
            os.replace(tmp, path)  # atomic for a file
    finally:
        if tmp.exists():
            _remove(tmp)
    return path


def open_result(path: str | os.PathLike) -> xr.Dataset:
    """Open a result written by :func:`write_dataset` (loaded into memory, text as ``str``).

    Raises
    ------
    FileNotFoundError
        Nothing at ``path``.
    StoreError
        ``path`` is a sweep store (open it with :func:`tripwire.open_sweep`) or not a result.

    Examples
    --------
    >>> import tripwire
    >>> tripwire.open_result("no-such-result.nc")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no result at 'no-such-result.nc'
    """
    path = Path(path)
    kind = result_kind(path)
    if kind is None:
        raise FileNotFoundError(f"no result at {str(path)!r}")
    if kind == "sweep":
        raise StoreError(f"{str(path)!r} is a sweep store; open it with tripwire.open_sweep")
    if kind != "run":
        raise StoreError(
            f"{str(path)!r} is not a tripwire result (a .zarr store or .nc file written by "
            "tripwire run or tripwire.write_dataset)"
        )
    if path.suffix != ".zarr" and not path.is_dir():
        with xr.open_dataset(path) as ds:
            return ds.load()
    try:
        with quiet_consolidation():
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
