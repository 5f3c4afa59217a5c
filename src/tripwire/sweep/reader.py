"""Reading a sweep store: :func:`open_sweep` opens it as a lazy ``xarray.Dataset`` whose arrays
check every chunk they read (:class:`CheckedArray`), and :func:`describe` says what a store holds
and how complete it is.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import uuid
from pathlib import Path
from typing import Any

import dask
import numpy as np
import xarray as xr

from ..errors import StoreCorrupted, StoreMismatch
from ..io.checksums import is_checksum_error
from ..io.results import quiet_consolidation
from .chunks import chunk_regions, chunk_shape_for, region_slices
from .lock import read_lock
from .models import model_of
from .store import DONE, STORE_FORMAT, chunk_of, is_sweep, read_attrs, read_done

__all__ = ["CheckedArray", "OPEN_BLOCK_BYTES", "open_sweep", "describe"]

_READERS: dict[tuple[str, str], Any] = {}
#: Bytes of one dask block when a store is opened: many small zarr chunks are read together.
OPEN_BLOCK_BYTES = 64 * 2**20


class CheckedArray:
    """One array of a store, read for dask: a chunk that fails its checksum, or is missing though
    its points are marked done, raises :class:`~tripwire.errors.StoreCorrupted` naming the array
    and the chunk instead of decoding to wrong numbers (or zeros).

    ``done`` is read before the data: tasks write the data, then ``done``, so a point read as done
    has its chunks written.
    """

    def __init__(self, store: str, name: str, array, sweep_ndim: int, check_missing: bool):
        self.store, self.name = store, name
        self.shape = tuple(array.shape)
        self.dtype = np.dtype(array.dtype)
        self.ndim = len(self.shape)
        self.chunks = tuple(array.chunks)
        self.sweep_ndim = sweep_ndim
        self.check_missing = check_missing

    def _array(self, name: str):
        key = (self.store, name)
        if key not in _READERS:
            import zarr

            while len(_READERS) >= 64:
                _READERS.pop(next(iter(_READERS)))
            _READERS[key] = zarr.open_array(Path(self.store) / name, mode="r", zarr_format=3)
        return _READERS[key]

    def _chunk_indices(self, key: tuple) -> list[tuple[int, ...]]:
        ranges = []
        for d, k in enumerate(key):
            start, stop, _ = k.indices(self.shape[d])
            c = self.chunks[d]
            ranges.append(range(start // c, max(start // c + 1, -(-stop // c))))
        return list(itertools.product(*ranges))

    def _where(self, arr, idx: tuple[int, ...]) -> str:
        return f"array {self.name!r}, chunk file {self.name}/{arr.metadata.encode_chunk_key(idx)}"

    def _hint(self) -> str:
        return (
            f"`tripwire verify {self.store}` lists every damaged point; `--repair` marks them not "
            "done, so that the next resume recomputes them"
        )

    def __getitem__(self, asked):
        asked = asked if isinstance(asked, tuple) else (asked,)
        # dask may fold an integer selection into the read: the data is read as asked, the chunk
        # bookkeeping uses the same positions as slices
        key = tuple(k if isinstance(k, slice) else slice(k, k + 1) for k in asked)
        key = key + (slice(None),) * (self.ndim - len(key))
        done = None
        if self.check_missing:
            try:
                done = np.asarray(self._array(DONE)[key[: self.sweep_ndim]], dtype=bool)
            except ValueError as exc:
                if not is_checksum_error(exc):
                    raise
                raise StoreCorrupted(
                    f"{self.store}: a chunk of 'done' failed its checksum. {self._hint()}"
                ) from None
        arr = self._array(self.name)
        try:
            data = arr[asked]
        except ValueError as exc:
            if not is_checksum_error(exc):
                raise
            bad = []
            for idx in self._chunk_indices(key):
                try:
                    arr.blocks[idx]
                except ValueError as inner:
                    if is_checksum_error(inner):
                        bad.append(self._where(arr, idx))
            raise StoreCorrupted(
                f"{self.store}: {'; '.join(bad) or self.name} failed its checksum: the file changed after it "
                f"was written. {self._hint()}"
            ) from None
        if done is not None and done.any():
            starts = [k.indices(n)[0] for k, n in zip(key, self.shape, strict=False)]
            for idx in self._chunk_indices(key):
                sub = tuple(
                    slice(max(0, i * c - s0), (i + 1) * c - s0)
                    for i, c, s0 in zip(idx[: self.sweep_ndim], self.chunks, starts, strict=False)
                )
                if (
                    done[sub].any()
                    and not (Path(self.store) / self.name / arr.metadata.encode_chunk_key(idx)).exists()
                ):
                    raise StoreCorrupted(
                        f"{self.store}: {self._where(arr, idx)} is missing although its points are "
                        f"marked done. {self._hint()}"
                    )
        return data


def _block_shape(shape: tuple[int, ...], chunk: tuple[int, ...], bytes_per_point: int) -> tuple[int, ...]:
    """Dask blocks over the sweep dimensions: whole zarr chunks, about ``OPEN_BLOCK_BYTES`` each."""
    grid = tuple(math.ceil(s / c) for s, c in zip(shape, chunk, strict=True))
    per_chunk = math.prod(chunk)
    chunks_per_block = max(1, OPEN_BLOCK_BYTES // max(1, bytes_per_point * per_chunk))
    return tuple(
        min(s, g * c) for s, g, c in zip(shape, chunk_shape_for(grid, chunks_per_block), chunk, strict=True)
    )


def _checked_arrays(path: Path, sweep_dims: list[str], ds: xr.Dataset) -> dict[str, xr.Variable]:
    """Dask-backed variables for the tallies and ``done`` that check every chunk they read."""
    import dask.array as da
    import zarr

    group = zarr.open_group(path, mode="r", zarr_format=3)
    execution = json.loads(ds.attrs.get("execution", "{}"))
    check_missing = execution.get("format", 1) >= STORE_FORMAT
    nd = len(sweep_dims)
    names = [n for n in (*model_of(ds.attrs).tallies, DONE) if n in ds.variables]
    arrays: dict[str, Any] = {name: group[name] for name in names}
    chunk = tuple(arrays[DONE].chunks)
    shape = tuple(arrays[DONE].shape)
    per_point = max(int(np.dtype(a.dtype).itemsize * math.prod(a.shape[nd:])) for a in arrays.values())
    block = _block_shape(shape, chunk, per_point)
    out = {}
    for name in names:
        a = arrays[name]
        reader = CheckedArray(str(path), name, a, nd, check_missing and name != DONE)
        data = da.from_array(
            reader,
            chunks=block + tuple(a.shape[nd:]),
            lock=False,
            fancy=False,  # the reader is given slices (and integers), never index lists
            meta=np.empty((0,) * a.ndim, dtype=a.dtype),
            name=f"tripwire-{name}-{uuid.uuid4().hex}",
        )
        out[name] = ds[name].variable.copy(data=data)
    return out


def open_sweep(path: str | os.PathLike, *, derived: bool = True) -> xr.Dataset:
    """Open a sweep store as an ``xarray.Dataset`` (lazy, backed by dask).

    Parameters
    ----------
    path
        The store.
    derived
        Add the derived probabilities of :func:`tripwire.crisis.results.derive` (default).

    Returns
    -------
    xarray.Dataset
        The tallies of a single run with the sweep dimensions in front, ``done``, and (by default)
        the derived variables; text coordinates as ``str``. Points not done have ``trials == 0``.
        Reading a chunk that fails its checksum, or one missing although its points are marked
        done, raises :class:`~tripwire.errors.StoreCorrupted` naming the array and the chunk.

    Examples
    --------
    >>> import tripwire
    >>> ds = tripwire.open_sweep("alliances.zarr")  # doctest: +SKIP
    >>> ds.p_exceed.sel(level="war").where(ds.done)  # doctest: +SKIP
    """
    path = Path(path)
    if not is_sweep(read_attrs(path)):
        if not path.exists():
            raise FileNotFoundError(f"no sweep store at {str(path)!r}")
        raise StoreMismatch(f"{str(path)!r} is not a tripwire sweep store (no sweep attributes)")
    with quiet_consolidation():
        ds = xr.open_zarr(path, consolidated=True, zarr_format=3, chunks=None)
    # a path with spaces (a treaty name) does not survive the space-separated "coordinates"
    # attribute that marks coordinates on `point`: make every design path a coordinate again
    paths = json.loads(ds.attrs["sweep"])["design"]["paths"]
    ds = ds.set_coords([p for p in paths if p in ds.data_vars])
    try:
        coords = {k: ds[k].load() for k in ds.coords}
    except ValueError as exc:
        if not is_checksum_error(exc):
            raise
        raise StoreCorrupted(
            f"{path}: a coordinate failed its checksum ({exc}); the store's labels are damaged and a "
            "resume cannot repair them: run the sweep again with --fresh"
        ) from None
    text = {
        k: v.copy(data=np.array(v.values.tolist(), dtype=str))
        for k, v in coords.items()
        if v.dtype.kind in "OTU"
    }
    ds = ds.assign_coords({**coords, **text})
    ds = ds.assign(_checked_arrays(path, json.loads(ds.attrs["sweep_dims"]), ds))
    ds.attrs.pop("store_id", None)
    if not derived:
        return ds
    # points not done have trials == 0: divide by NaN there (no 0/0 warnings); the same values elsewhere
    trials = ds["trials"]
    return model_of(ds.attrs).derive(ds.assign(trials=trials.where(trials > 0))).assign(trials=trials)


def describe(path: str | os.PathLike) -> dict[str, Any]:
    """What a store holds and how complete its done marks say it is, as plain data (the data
    itself is checked by :func:`tripwire.sweep.verify.verify`).

    Raises
    ------
    FileNotFoundError, StoreMismatch
        No store, or not a sweep store.
    """
    path = Path(path)
    attrs = read_attrs(path)
    if not is_sweep(attrs):
        if not path.exists():
            raise FileNotFoundError(f"no sweep store at {str(path)!r}")
        raise StoreMismatch(f"{str(path)!r} is not a tripwire sweep store (no sweep attributes)")
    sweep = json.loads(attrs["sweep"])
    done = read_done(path)
    chunk = chunk_of(path)
    regions = chunk_regions(done.shape, chunk)
    lock = read_lock(path)
    info = {
        "path": str(path),
        "name": sweep["name"],
        "description": sweep["description"],
        "world_name": attrs.get("world_name"),
        "world_hash": sweep["world_hash"],
        "engine_version": sweep["engine_version"],
        "design": sweep["design"],
        "dims": json.loads(attrs["sweep_dims"]),
        "shape": list(done.shape),
        "seed": sweep["seed"],
        "trials": sweep["trials"],
        "trial_block": json.loads(attrs["execution"])["trial_block"],
        "chunk": list(chunk),
        "tasks": len(regions),
        "tasks_done": sum(bool(done[region_slices(r)].all()) for r in regions),
        "points": int(done.size),
        "points_done": int(done.sum()),
        "war_level": attrs.get("war_level"),
        "lock": None if lock is None else {"text": lock.describe(), "alive": lock.alive()},
    }
    model = model_of(attrs)
    info["model"] = model.name
    if info["points_done"] and model.war_share is not None:
        try:
            ds = open_sweep(path, derived=False)
            with dask.config.set(scheduler="synchronous"):
                p = model.war_share(ds, attrs)
            p = p[done]
            info["p_war_range"] = (float(np.nanmin(p)), float(np.nanmax(p)))
        except StoreCorrupted as exc:
            info["read_error"] = str(exc)
    return info
