"""Checking a store's data: :func:`verify` decodes every chunk of the points marked done and checks
the tallies' invariants; :func:`repair` marks the damaged points not done, so that the next resume
recomputes exactly them (bit for bit, as the random streams are keyed by seed and trial).

The invariants of one point with ``n`` trials (each holds exactly for every run of the engine):

- ``trials == n``, the sweep's trials per point, and no count is negative;
- ``outcome_count``, ``origin_level_count`` and ``rounds_count`` each sum to ``n``;
- ``origin_level_count`` summed over origins equals ``outcome_count`` summed over sizes, level by
  level;
- ``involved_count`` sums to the participants that ``outcome_count`` implies (size x trials), and
  ``war_count`` to those of the levels at or above war;
- ``side_count`` summed over sides equals ``involved_count``; ``war_count <= involved_count <= n``;
- ``edge_tries`` is at least the treaties' honoured plus failed edges.

A result store of ``tripwire run`` is checked the same way, as one point (it has no done marks
and nothing to repair: run it again). Stores of the long-horizon model are checked chunk by chunk
and for ``trials == n``; the invariants above are the crisis model's.
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

from ..crisis.results import TALLIES
from ..errors import StoreMismatch
from ..io.checksums import is_checksum_error
from . import models
from .store import DONE, STORE_FORMAT, _is_sweep, _regions, _slices, read_attrs

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


def invariant_problems(
    tallies: dict[str, np.ndarray], trials: int, war: int, sizes: np.ndarray
) -> list[list[str]]:
    """The broken invariants (module doc) of each point of ``tallies`` (each array shaped
    ``(points, *own shape)``), as a list of reasons per point.

    >>> import tripwire
    >>> ds = tripwire.simulate("july1914", 1000, seed=1)
    >>> t = {k: ds[k].values[None] for k in TALLIES}
    >>> invariant_problems(t, 1000, 3, ds["size"].values)
    [[]]
    >>> t["outcome_count"][0, 0, 0] += 1
    >>> invariant_problems(t, 1000, 3, ds["size"].values)[0][0]
    'outcome_count sums to 1,001, not the 1,000 trials'
    """
    n = np.asarray(tallies["trials"]).reshape(-1)
    points = n.shape[0]
    t = {k: np.asarray(v).reshape(points, *np.shape(v)[1:]) for k, v in tallies.items()}
    oc = t["outcome_count"]
    sizes = np.asarray(sizes)
    per_level = oc.sum(axis=2)
    participants = (oc.sum(axis=1) * sizes).sum(axis=1)
    at_war = (oc[:, war:, :].sum(axis=1) * sizes).sum(axis=1)
    out: list[list[str]] = []
    for p in range(points):
        why = []
        if n[p] != trials:
            why.append(f"trials is {n[p]:,}, not {trials:,}")
        negative = [k for k in TALLIES if (t[k][p] < 0).any()]
        if negative:
            why.append(f"negative counts in {', '.join(negative)}")
        for name in ("outcome_count", "origin_level_count", "rounds_count"):
            total = int(t[name][p].sum())
            if total != n[p]:
                why.append(f"{name} sums to {total:,}, not the {int(n[p]):,} trials")
        if not np.array_equal(t["origin_level_count"][p].sum(axis=0), per_level[p]):
            why.append("origin_level_count and outcome_count disagree level by level")
        involved = int(t["involved_count"][p].sum())
        if involved != participants[p]:
            why.append(f"involved_count sums to {involved:,}; outcome_count implies {int(participants[p]):,}")
        war_total = int(t["war_count"][p].sum())
        if war_total != at_war[p]:
            why.append(f"war_count sums to {war_total:,}; outcome_count implies {int(at_war[p]):,} at war")
        if not np.array_equal(t["side_count"][p].sum(axis=-1), t["involved_count"][p]):
            why.append("side_count summed over sides differs from involved_count")
        if (t["war_count"][p] > t["involved_count"][p]).any() or (t["involved_count"][p] > n[p]).any():
            why.append("war_count <= involved_count <= trials does not hold")
        edges = int(t["treaty_honoured"][p].sum() + t["treaty_failed"][p].sum())
        if int(t["edge_tries"][p]) < edges:
            why.append(f"edge_tries {int(t['edge_tries'][p]):,} is below the {edges:,} treaty edges tried")
        out.append(why)
    return out


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


def _war_index(attrs: dict[str, Any], levels: list[str]) -> int:
    war = attrs.get("war_level")
    return levels.index(war) if war in levels else len(levels) - 1


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
    model = str(attrs.get("model", "crisis"))
    tallies = models.tallies(model)
    if not _is_sweep(attrs):
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
    for region in _regions(shape, chunk):
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


def _checker(model: str, coord: Any, attrs: dict[str, Any], trials: int) -> Callable[[dict], list[list[str]]]:
    """The invariants of ``model``'s tallies, as a function of stacked tallies."""
    if model != "crisis":

        def trials_only(stacked: dict) -> list[list[str]]:
            n = np.asarray(stacked["trials"]).reshape(-1)
            return [[] if v == trials else [f"trials is {v:,}, not {trials:,}"] for v in n]

        return trials_only
    levels = _text(coord["level"][...])
    sizes = np.asarray(coord["size"][...])
    war = _war_index(attrs, levels)
    return lambda stacked: invariant_problems(stacked, trials, war, sizes)


def _verify_result(path: Path, group, attrs: dict[str, Any], model: str) -> VerifyReport:
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
        elif name in models.tallies(model):
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
            done[_slices(region)] = np.zeros(tuple(b - a for a, b in region), dtype=bool)
            cleared += math.prod(b - a for a, b in region)
    return cleared
