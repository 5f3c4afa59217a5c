"""Checking a store's data: :func:`verify` decodes every chunk of the points marked done and checks
the tallies' invariants; :func:`repair` marks the damaged points not done, so that the next resume
recomputes exactly them (bit for bit, as the random streams are keyed by seed and trial).

The invariants are each model's own (:attr:`tripwire.sweep.models.Model.invariants`; the crisis
model's are in :mod:`tripwire.crisis.invariants`).

A result store of ``tripwire run`` is checked the same way, as one point (it has no done marks
and nothing to repair: run it again). Stores of the long-horizon model are checked chunk by chunk
and for ``trials == n``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..crisis.invariants import invariant_problems
from ..errors import StoreMismatch
from ..io.checksums import is_checksum_error
from .chunks import chunk_regions, region_slices
from .models import Model, model_of
from .store import DONE, STORE_FORMAT, is_sweep, read_attrs

__all__ = ["Damage", "VerifyReport", "verify", "repair", "invariant_problems"]


@dataclass(frozen=True)
class Damage:
    """A point (its index over the sweep dimensions; ``()`` for a result store) and what is wrong."""

    index: tuple[int, ...]
    reason: str


@dataclass
class VerifyReport:
    """What :func:`verify` found.

    Attributes
    ----------
    path
        The store.
    kind
        ``sweep`` or ``result``.
    points, points_done
        Points, and points marked done.
    chunks
        Chunk files decoded.
    damaged
        Damaged points (each with its reasons), in index order.
    regions
        The chunks (``((start, stop), ...)``) holding a damaged point: what :func:`repair` clears.
    unrepairable
        Damage a resume cannot mend (coordinates); the store must be made again.
    """

    path: Path
    kind: str
    points: int
    points_done: int
    chunks: int = 0
    damaged: list[Damage] = field(default_factory=list)
    regions: list[tuple[tuple[int, int], ...]] = field(default_factory=list)
    unrepairable: list[str] = field(default_factory=list)
    labels: Any = None  # index -> "path=value, ..." for messages

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.unrepairable

    def describe(self, index: tuple[int, ...]) -> str:
        return self.labels(index) if self.labels is not None else str(index)


def _decode(
    array, idx: tuple[int, ...], folder: Path, must_exist: bool
) -> tuple[np.ndarray | None, str | None]:
    """One chunk's data, or why it cannot be trusted."""
    key = array.metadata.encode_chunk_key(idx)
    if must_exist and not (folder / key).exists():
        return None, f"chunk file {folder.name}/{key} is missing"
    try:
        return np.asarray(array.blocks[idx]), None
    except ValueError as exc:
        if is_checksum_error(exc):
            return None, f"chunk file {folder.name}/{key} fails its checksum"
        raise


def _text(values) -> list[str]:
    return [str(v) for v in np.asarray(values).tolist()]


def _coords_problems(group, names: list[str], path: Path) -> list[str]:
    problems = []
    for name in names:
        arr: Any = group[name]
        for idx in itertools.product(
            *(range(math.ceil(s / c)) for s, c in zip(arr.shape, arr.chunks, strict=True))
        ):
            _, why = _decode(arr, idx, path / name, must_exist=False)
            if why:
                problems.append(f"coordinate {name!r}: {why}")
    return problems


def verify(path: str | os.PathLike, *, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Decode every chunk of the points marked done in a sweep store (or every chunk of a result
    store) and check the tallies' invariants (module doc).

    Parameters
    ----------
    path
        A sweep store, or a result store of ``tripwire run``.
    progress
        Called with the number of points of each chunk checked.

    Returns
    -------
    VerifyReport
        ``report.ok`` when nothing is wrong; otherwise ``report.damaged`` lists the points.

    Raises
    ------
    FileNotFoundError, StoreMismatch
        No store, or not a tripwire store.
    """
    import zarr

    path = Path(path)
    attrs = read_attrs(path)
    if attrs is None:
        if not path.exists():
            raise FileNotFoundError(f"no store at {str(path)!r}")
        raise StoreMismatch(f"{str(path)!r} is not a zarr store written by tripwire")
    group = zarr.open_group(path, mode="r", zarr_format=3)
    model = model_of(attrs)
    tallies = model.tallies
    if not is_sweep(attrs):
        if attrs.get("engine") != "tripwire" or any(k not in group for k in tallies):
            raise StoreMismatch(f"{str(path)!r} is neither a tripwire sweep store nor a tripwire result")
        return _verify_result(path, group, attrs, model)
    dims = json.loads(attrs["sweep_dims"])
    design = json.loads(attrs["sweep"])["design"]
    nd = len(dims)
    done_arr: Any = group[DONE]
    shape, chunk = tuple(done_arr.shape), tuple(done_arr.chunks)
    fmt = json.loads(attrs.get("execution", "{}")).get("format", 1)
    coords = [k for k in group.array_keys() if k not in (*tallies, DONE)]
    coord: Any = group
    trials = int(attrs["trials"])
    check = _checker(model, coord, attrs, trials)
    values = {p: _text(coord[p][...]) for p in design["paths"] if p in group}

    def labels(index: tuple[int, ...]) -> str:
        if design["kind"] == "grid":
            return ", ".join(f"{p}={values[p][i]}" for p, i in zip(design["paths"], index, strict=True))
        return f"point {index[0]} (" + ", ".join(f"{p}={values[p][index[0]]}" for p in design["paths"]) + ")"

    report = VerifyReport(path, "sweep", int(math.prod(shape)), 0, labels=labels)
    report.unrepairable = _coords_problems(group, coords, path)
    arrays: dict[str, Any] = {name: group[name] for name in tallies}
    for region in chunk_regions(shape, chunk):
        idx = tuple(a // c for (a, _), c in zip(region, chunk, strict=True))
        points = list(itertools.product(*(range(a, b) for a, b in region)))
        before = len(report.damaged)
        done, why = _decode(done_arr, idx, path / DONE, must_exist=False)
        report.chunks += 1
        if why is not None:
            report.damaged += [Damage(p, f"'done' {why}") for p in points]
            report.regions.append(region)
            continue
        done = np.asarray(done, dtype=bool)
        report.points_done += int(done.sum())
        if not done.any():
            continue
        data: dict[str, np.ndarray] = {}
        reasons: list[str] = []
        for name, arr in arrays.items():
            own = (0,) * (arr.ndim - nd)
            value, why = _decode(arr, idx + own, path / name, must_exist=fmt >= STORE_FORMAT)
            report.chunks += 1
            if why is not None or value is None:
                reasons.append(f"{name}: {why}")
            else:
                data[name] = value
        flat = done.reshape(-1)
        if reasons:
            report.damaged += [Damage(p, "; ".join(reasons)) for p, d in zip(points, flat, strict=True) if d]
        else:
            stacked = {k: v.reshape(len(points), *v.shape[nd:]) for k, v in data.items()}
            problems = check(stacked)
            report.damaged += [
                Damage(p, "; ".join(why))
                for p, d, why in zip(points, flat, problems, strict=True)
                if d and why
            ]
        if len(report.damaged) > before:
            report.regions.append(region)
        if progress is not None:
            progress(len(points))
    report.damaged.sort(key=lambda d: d.index)
    return report


def _checker(
    model: Model, coord: Any, attrs: dict[str, Any], trials: int
) -> Callable[[dict], list[list[str]]]:
    """The invariants of ``model``'s tallies, as a function of stacked tallies (``trials`` only for
    a model that declares none)."""
    if model.invariants is not None:
        return model.invariants(coord, attrs, trials)

    def trials_only(stacked: dict) -> list[list[str]]:
        n = np.asarray(stacked["trials"]).reshape(-1)
        return [[] if v == trials else [f"trials is {v:,}, not {trials:,}"] for v in n]

    return trials_only


def _verify_result(path: Path, group, attrs: dict[str, Any], model: Model) -> VerifyReport:
    report = VerifyReport(path, "result", 1, 1, labels=lambda index: "the result")
    data, reasons = {}, []
    for name in group.array_keys():
        arr = group[name]
        parts = []
        for idx in itertools.product(
            *(range(math.ceil(s / c)) for s, c in zip(arr.shape, arr.chunks, strict=True))
        ):
            _, why = _decode(arr, idx, path / name, must_exist=False)
            report.chunks += 1
            if why:
                parts.append(why)
        if parts:
            reasons.append(f"{name}: {'; '.join(parts)}")
        elif name in model.tallies:
            data[name] = np.asarray(arr[...])[None]
    if reasons:
        report.damaged.append(Damage((), "; ".join(reasons)))
        return report
    problems = _checker(model, group, attrs, int(attrs["trials"]))(data)
    if problems[0]:
        report.damaged.append(Damage((), "; ".join(problems[0])))
    return report


def repair(
    report: VerifyReport, *, break_lock: bool = False, say: Callable[[str], None] | None = None
) -> int:
    """Mark the chunks holding damaged points not done, so that the next resume recomputes them.
    Takes the store's lock while it writes. Returns the points marked not done.

    Raises
    ------
    StoreMismatch
        A result store (nothing to resume: run it again) or damage a resume cannot mend.
    StoreLocked
        A driver is running on the store.
    """
    import zarr

    from .lock import StoreLock

    if report.kind != "sweep":
        raise StoreMismatch(
            f"{report.path} is a single run's result; --repair mends sweep stores: run it again"
        )
    if report.unrepairable:
        raise StoreMismatch(
            f"{report.path}: {'; '.join(report.unrepairable)}; a resume cannot mend the labels: "
            "run the sweep again with --fresh"
        )
    cleared = 0
    with StoreLock.acquire(report.path, break_lock=break_lock, say=say):
        done = zarr.open_array(report.path / DONE, mode="r+", zarr_format=3)
        for region in report.regions:
            done[region_slices(region)] = np.zeros(tuple(b - a for a, b in region), dtype=bool)
            cleared += math.prod(b - a for a, b in region)
    return cleared
