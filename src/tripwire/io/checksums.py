"""Checksummed zarr arrays: every array tripwire writes carries a CRC-32C of each chunk.

A chunk whose bytes changed on disk (a flipped bit, a truncated copy) then fails to decode with
an error instead of decoding to wrong numbers. Chunk files are named with dots
(``c.3.0.0``) rather than nested folders, so a store of many small chunks holds files, not one
folder per chunk.

>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({"count": ("x", np.arange(4, dtype=np.int64))})
>>> sorted(checksum_encoding(ds)["count"])
['chunk_key_encoding', 'compressors']
"""

from __future__ import annotations

from typing import Any

import xarray as xr

#: The codec name in an array's metadata (zarr v3 ``crc32c``).
CHECKSUM = "crc32c"
#: Chunk files named ``c.0.1`` in the array's folder instead of ``c/0/1``.
CHUNK_KEYS = {"name": "default", "separator": "."}


def compressors() -> tuple[Any, ...]:
    """zstd (zarr's default) followed by a CRC-32C of the compressed bytes."""
    from zarr.codecs import Crc32cCodec, ZstdCodec

    return (ZstdCodec(level=0), Crc32cCodec())


def checksum_encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """``to_zarr`` encoding that gives every variable (coordinates too) a checksum and flat chunk
    file names; chunking and data types are left to the dataset.

    Parameters
    ----------
    ds
        The dataset about to be written (zarr format 3).
    """
    return {
        str(name): {"compressors": compressors(), "chunk_key_encoding": dict(CHUNK_KEYS)}
        for name in ds.variables
    }


def has_checksum(array) -> bool:
    """Whether a zarr array's chunks carry a CRC-32C."""
    codecs = getattr(array.metadata, "codecs", ())
    return any(getattr(c, "__class__", type(None)).__name__ == "Crc32cCodec" for c in codecs)


def is_checksum_error(exc: BaseException) -> bool:
    """Whether ``exc`` is zarr's error for a chunk whose stored and computed checksums differ."""
    return isinstance(exc, ValueError) and "checksum" in str(exc).lower()


def damaged_chunks(path) -> list[str]:
    """Every chunk of a zarr v3 group that fails its checksum, as ``array/chunk-file`` names."""
    import itertools
    import math

    import zarr

    group = zarr.open_group(path, mode="r", zarr_format=3)
    bad = []
    for name in sorted(group.array_keys()):
        arr: Any = group[name]
        grid = [range(math.ceil(s / c)) for s, c in zip(arr.shape, arr.chunks, strict=True)]
        for idx in itertools.product(*grid):
            try:
                arr.blocks[idx]
            except ValueError as exc:
                if not is_checksum_error(exc):
                    raise
                bad.append(f"{name}/{arr.metadata.encode_chunk_key(idx)}")
    return bad


def corrupted(path) -> Exception:
    """A ``StoreCorrupted`` naming the chunks of ``path`` that fail their checksum (to raise when
    reading it failed on one)."""
    from ..errors import StoreCorrupted

    names = damaged_chunks(path)
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return StoreCorrupted(
        f"{path}: chunk file(s) {shown or '?'} fail their checksum: the data changed after it was written "
        f"(`tripwire verify {path}` checks the whole store)"
    )
