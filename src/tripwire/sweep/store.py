"""The sweep store: a zarr v3 group that is written crash-safely and resumed.

Layout
------
::

    STORE.zarr/
      zarr.json                  group attributes (below) and consolidated metadata
      <sweep coords>             grid: one 1-D coordinate per parameter path, on its own dimension;
                                 other designs: ``point`` and one coordinate per path on ``point``
      level size state side origin treaty round state_name treaty_kind
                                 the coordinates of a single run (as ``simulate`` gives them)
      trials outcome_count involved_count war_count side_count origin_level_count
      treaty_honoured treaty_failed rounds_count edge_tries edge_draws
                                 int64 tallies of a single run, sweep dimensions in front
      done                       bool over the sweep dimensions: True once a point's tallies are in

Every tally and ``done`` is chunked the same way along the sweep dimensions (whole along the
others), so one chunk of sweep points is one unit of work: the task that owns it writes every
tally's chunk, then the ``done`` chunk. No two tasks write one chunk.

The store holds integer tallies only; :func:`open_sweep` adds the derived probabilities
(:func:`tripwire.crisis.results.derive`) when it opens the store, so they are computed exactly as
``simulate`` computes them. Points not yet done read as zero tallies with ``trials == 0``.

Crash safety
------------
1. The template (coordinates, attributes, empty arrays, consolidated metadata, the driver's lock)
   is written to a temporary folder beside the store and renamed into place, so a store either
   exists whole or not at all. Chunk files are written by zarr through a temporary file and a
   rename. Leftovers of a killed run (``.STORE.zarr.tmp-*`` folders, ``*.partial`` chunk files) are
   removed by the next run.
2. A task writes its tally chunks, then its ``done`` chunk. A point is never marked done before
   its data is in, whenever the writer is killed.
3. Resuming reads ``done`` and recomputes exactly the chunks not marked done. Random streams are
   keyed by (seed, trial), so recomputed chunks are bit-identical.
4. A store is resumed only by the sweep that made it: the world's hash, the design (with a hash
   of its points), the seed, the trials per point and the engine version are compared, and any
   difference is refused with a message saying what differs.
5. Before writing, a task checks that the store still carries the id it was given, so a task
   left over from an earlier run never writes into a store made afresh at the same path.
6. One driver at a time: a driver holds ``tripwire.lock`` in the store (:mod:`.lock`).

Checksums
---------
Every array is written with a CRC-32C of each chunk (:mod:`tripwire.io.checksums`), and every
chunk of a point marked done is written, zeros included. :func:`open_sweep` raises
:class:`~tripwire.errors.StoreCorrupted`, naming the array and the chunk, for a chunk that fails its
checksum or is missing although its points are marked done; :mod:`.verify` checks every chunk and
the tallies' invariants.

Group attributes: those of a single run (``world``, ``world_hash``, ``world_name``, ``seed``,
``trials`` (per point), ``engine_version``, ...) plus ``sweep`` (JSON: name, description, design,
seed, trials, world hash, engine version), ``sweep_hash``, ``sweep_dims``, ``execution`` (JSON:
trial block, chunk shape and store format, which do not change results) and ``store_id``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import shutil
import socket
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import dask
import numpy as np
import xarray as xr

from .._version import __version__
from ..defaults import SWEEP_FILES_WARN, SWEEP_VISIBLE_GRACE_S
from ..errors import ClusterError, StoreCorrupted, StoreLocked, StoreMismatch, SweepError
from ..io.checksums import checksum_encoding, is_checksum_error
from ..io.results import quiet_consolidation, zarr_ready
from . import models
from .lock import LOCK_STALE_S, StoreLock, read_lock

if TYPE_CHECKING:
    from .plan import SweepPlan

__all__ = [
    "DONE",
    "StoreMismatch",
    "StoreState",
    "identity",
    "chunk_shape_for",
    "default_points_per_task",
    "prepare",
    "write_template",
    "check_existing",
    "read_attrs",
    "read_done",
    "write_chunk",
    "open_sweep",
    "describe",
    "check_store",
    "clean_leftovers",
    "clean_partial_chunks",
    "count_done",
    "files_estimate",
]

DONE = "done"
VARIABLES_DIMS = ("level", "size", "state", "side", "origin", "treaty", "round", "year", "bin", "cause")
DONE_DESCRIPTION = "True once the point's tallies are written (a task writes its chunk, then marks it done)"
#: 2: checksummed chunks with flat names, every chunk of a done point written (zeros too).
STORE_FORMAT = 2
#: Seconds a worker keeps looking for a store it does not see yet (a network filesystem may show a
#: new folder late) before it reports that it cannot see it.
VISIBLE_GRACE_S = SWEEP_VISIBLE_GRACE_S


# -- identity ----------------------------------------------------------------------------------
def identity(plan: SweepPlan) -> dict[str, Any]:
    """What a store must agree on to be resumed: world, design, seed, trials, engine version."""
    ident = {
        "world_hash": plan.world.hash,
        "design": plan.design.to_dict(),
        "seed": plan.seed,
        "trials": plan.trials,
        "engine_version": __version__,
    }
    if plan.model != "crisis":  # crisis stores keep the identity they always had
        ident.update(model=plan.model, years=plan.years)
    return ident


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(obj, list) and any(isinstance(v, dict | list) for v in obj):
        out = {}
        for k, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}[{k}]"))
        return out
    return {prefix: obj}


def _world_diff(stored: str, current: str, limit: int = 6) -> str:
    a, b = _flatten(json.loads(stored)), _flatten(json.loads(current))
    keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k, "<absent>") != b.get(k, "<absent>")]
    parts = [f"{k}: {a.get(k, '<absent>')!r} -> {b.get(k, '<absent>')!r}" for k in keys[:limit]]
    return "; ".join(parts) + (f"; ... ({len(keys)} differences)" if len(keys) > limit else "")


def _differences(stored: dict[str, Any], plan: SweepPlan) -> list[str]:
    sweep = json.loads(stored["sweep"])
    want = identity(plan)
    diffs = []
    if sweep["world_hash"] != want["world_hash"]:
        diffs.append(
            f"world: the store was made from {stored.get('world_name')!r} (hash {sweep['world_hash'][:12]}), "
            f"this sweep uses {plan.world.name!r} (hash {want['world_hash'][:12]}); "
            + _world_diff(stored["world"], plan.world.to_json())
        )
    a, b = sweep["design"], want["design"]
    if a["kind"] != b["kind"]:
        diffs.append(f"design: the store has a {a['kind']} design, this sweep a {b['kind']} design")
    elif list(a["params"]) != list(b["params"]):
        diffs.append(f"design parameters: the store has {list(a['params'])}, this sweep {list(b['params'])}")
    else:
        for path in a["params"]:
            if a["params"][path] != b["params"][path]:
                diffs.append(
                    f"design values of {path!r}: the store has {a['params'][path]}, "
                    f"this sweep {b['params'][path]}"
                )
        for key in ("n", "seed"):
            if a.get(key) != b.get(key):
                diffs.append(f"design {key}: the store has {a.get(key)}, this sweep {b.get(key)}")
        if not diffs and a["values_sha256"] != b["values_sha256"]:
            diffs.append(
                "design points: the same design now draws other points (a different sampler version?)"
            )
    for key in ("model", "years"):
        if sweep.get(key) != want.get(key):
            diffs.append(f"{key}: the store has {sweep.get(key)!r}, this sweep {want.get(key)!r}")
    for key, label in (
        ("seed", "seed"),
        ("trials", "trials per point"),
        ("engine_version", "engine version"),
    ):
        if sweep[key] != want[key]:
            diffs.append(f"{label}: the store has {sweep[key]!r}, this sweep {want[key]!r}")
    return diffs


# -- chunking ----------------------------------------------------------------------------------
def chunk_shape_for(shape: tuple[int, ...], points_per_task: int) -> tuple[int, ...]:
    """Chunk shape over the sweep dimensions holding at most ``points_per_task`` points.

    Fills the last dimension first, then the ones before it while whole rows fit (C order), so a
    chunk is a contiguous block of points.

    >>> chunk_shape_for((8, 8), 8), chunk_shape_for((8, 8), 20), chunk_shape_for((5, 5), 3)
    ((1, 8), (2, 8), (1, 3))
    """
    if points_per_task < 1:
        raise SweepError(f"points_per_task must be >= 1, saw {points_per_task}")
    chunk = [1] * len(shape)
    left = points_per_task
    for d in reversed(range(len(shape))):
        chunk[d] = min(shape[d], left)
        if chunk[d] < shape[d]:
            break
        left //= shape[d]
        if left <= 1:
            break
    return tuple(chunk)


#: Tasks per worker in the default chunking: enough to balance the load, few enough that each
#: task's fixed costs (scheduling, one chunk write) stay small (two gave 83 % of ``simulate``'s
#: throughput on 64 points x 100,000 trials and 2 workers, four gave 79 %).
TASKS_PER_WORKER = 2


def default_points_per_task(n_points: int, trials: int, trial_block: int, workers: int) -> int:
    """About ``TASKS_PER_WORKER`` tasks per worker, each carrying at most one trial block of work.

    A point with more trials than ``trial_block`` gets a chunk of its own, split into trial blocks.
    """
    most = max(1, trial_block // trials)
    return max(1, min(most, math.ceil(n_points / (TASKS_PER_WORKER * max(1, workers)))))


#: A chunking that would write more files than this gets a warning (each file costs a disk block
#: and a metadata operation; tens of thousands make a store slow to write, copy and read).
FILES_WARN = SWEEP_FILES_WARN


def files_estimate(shape: tuple[int, ...], chunk: tuple[int, ...], model: str = "crisis") -> int:
    """Chunk files a store of this shape and chunking holds once done: one per array per chunk.

    >>> files_estimate((64, 64), (1, 1))
    49152
    """
    chunks = math.prod(math.ceil(s / c) for s, c in zip(shape, chunk, strict=True))
    return chunks * (len(models.tallies(model)) + 1)


def points_per_task_for(n_points: int, files: int = FILES_WARN, model: str = "crisis") -> int:
    """The fewest points per task that keep a store under ``files`` chunk files."""
    return max(1, math.ceil(n_points * (len(models.tallies(model)) + 1) / files))


def _regions(shape: tuple[int, ...], chunk: tuple[int, ...]) -> list[tuple[tuple[int, int], ...]]:
    ranges = [[(a, min(a + c, s)) for a in range(0, s, c)] for s, c in zip(shape, chunk, strict=True)]
    return list(itertools.product(*ranges))


def _slices(region: tuple[tuple[int, int], ...]) -> tuple[slice, ...]:
    return tuple(slice(a, b) for a, b in region)


@dataclass
class StoreState:
    """A sweep store, ready for tasks (or about to be: see ``pending``).

    Attributes
    ----------
    path
        Absolute path of the store.
    store_id
        Id written with the template (tasks check it before writing).
    chunk
        Chunk shape over the sweep dimensions.
    done
        The ``done`` mask when the store was opened.
    created
        True for a new store, False when an existing store is resumed.
    pending
        The template is not written yet (:func:`write_template` writes it). Tasks given this
        state wait for the store to appear before they write.
    replace
        Writing the template replaces a sweep store at ``path`` (``--fresh``).
    lock
        The driver's lock, written into a new store's template.
    """

    path: Path
    store_id: str
    chunk: tuple[int, ...]
    done: np.ndarray
    created: bool
    pending: bool = False
    replace: bool = False
    lock: StoreLock | None = None

    @property
    def points_done(self) -> int:
        return int(self.done.sum())

    def regions(self) -> list[tuple[tuple[int, int], ...]]:
        """Every chunk of the store, as ``((start, stop), ...)`` over the sweep dimensions."""
        return _regions(self.done.shape, self.chunk)

    def todo(self) -> list[tuple[tuple[int, int], ...]]:
        """The chunks with a point not yet done."""
        return [r for r in self.regions() if not self.done[_slices(r)].all()]


# -- template ----------------------------------------------------------------------------------
def _single_run_layout(plan: SweepPlan) -> tuple[dict[str, tuple[str, ...]], dict, dict]:
    """Dims of each tally, coordinates and attributes of one run, as ``make_dataset`` gives them
    (tests compare every point's coordinates with ``simulate``'s)."""
    coords, attrs = models.layout(
        plan.model, plan.world, seed=plan.seed, trials=plan.trials, years=plan.years
    )
    variables = models.variables(plan.model)
    dims = {name: variables[name][0] for name in models.tallies(plan.model)}
    return dims, coords, attrs


def template(plan: SweepPlan, chunk: tuple[int, ...], store_id: str) -> xr.Dataset:
    """The store's template: lazy zero tallies and ``done`` with coordinates and attributes."""
    import dask.array as da

    dims, coords, attrs = _single_run_layout(plan)
    sizes = {
        k: len(v[1]) if isinstance(v, tuple) else len(v) for k, v in coords.items() if k in VARIABLES_DIMS
    }
    design = plan.design
    data_vars = {}
    variables = models.variables(plan.model)
    for name in models.tallies(plan.model):
        own = tuple(sizes[d] for d in dims[name])
        data = da.zeros(design.shape + own, chunks=chunk + own, dtype=np.int64)
        data_vars[name] = (design.dims + dims[name], data, {"description": variables[name][1]})
    data_vars[DONE] = (
        design.dims,
        da.zeros(design.shape, chunks=chunk, dtype=bool),
        {"description": DONE_DESCRIPTION},
    )
    coords.update(design.coords())
    ident = identity(plan)
    sweep_attr = {
        "name": plan.name,
        "description": plan.description,
        "design": ident["design"],
        "seed": plan.seed,
        "trials": plan.trials,
        "world_hash": ident["world_hash"],
        "engine_version": ident["engine_version"],
    }
    if "model" in ident:
        sweep_attr.update(model=ident["model"], years=ident["years"])
    attrs.update(
        title=f"tripwire sweep: {plan.name}",
        sweep=json.dumps(sweep_attr),  # key order kept: params are in dimension order
        sweep_hash=_hash(ident),
        design=design.kind,
        sweep_dims=json.dumps(list(design.dims)),
        execution=json.dumps({"trial_block": plan.trial_block, "chunk": list(chunk), "format": STORE_FORMAT}),
        store_id=store_id,
    )
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


# -- reading -----------------------------------------------------------------------------------
def read_attrs(path: str | os.PathLike) -> dict[str, Any] | None:
    """The group attributes of a store, or ``None`` when ``path`` holds no zarr group."""
    meta = Path(path) / "zarr.json"
    if not meta.is_file():
        return None
    try:
        return json.loads(meta.read_text()).get("attributes", {})
    except (OSError, ValueError):
        return None


def read_done(path: str | os.PathLike) -> np.ndarray:
    """The ``done`` mask of a store (bool over the sweep dimensions)."""
    import zarr

    try:
        return np.asarray(zarr.open_array(Path(path) / DONE, mode="r", zarr_format=3)[...], dtype=bool)
    except ValueError as exc:
        if not is_checksum_error(exc):
            raise
        raise StoreCorrupted(
            f"{path}: a chunk of 'done' failed its checksum; `tripwire verify --repair {path}` marks its "
            "points not done, so that the next resume recomputes them"
        ) from None


def _chunk_of(path: Path) -> tuple[int, ...]:
    import zarr

    return tuple(zarr.open_array(path / DONE, mode="r", zarr_format=3).chunks)


def _is_sweep(attrs: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    return attrs is not None and "sweep_hash" in attrs and "store_id" in attrs


def check_existing(plan: SweepPlan, path: str | os.PathLike, *, resume: bool) -> str:
    """Decide what to do with ``path`` before any work: ``"create"``, ``"resume"`` or ``"replace"``.

    Raises
    ------
    StoreMismatch
        ``resume`` and the store was made by another sweep (the message lists what differs), or
        ``path`` exists and is not a sweep store (it is never overwritten).
    """
    path = Path(path)
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        return "create"  # an empty folder is filled, not overwritten
    attrs = read_attrs(path)
    if not _is_sweep(attrs):
        raise StoreMismatch(
            f"{str(path)!r} exists and is not a tripwire sweep store; it is left alone: "
            "choose another output path or remove it yourself"
        )
    if not resume:
        return "replace"
    diffs = _differences(attrs, plan)
    if diffs:
        raise StoreMismatch(
            f"{str(path)!r} was made by a different sweep, so it cannot be resumed:\n"
            + "\n".join(f"  - {d}" for d in diffs)
            + "\nRun the sweep that made it to resume it (`tripwire show` prints it), overwrite it "
            "with --fresh (resume=False), or choose another output path."
        )
    return "resume"


def write_template(plan: SweepPlan, state: StoreState) -> None:
    """Write a new store's template (with ``state.lock``) beside ``state.path`` and rename it into
    place.

    Raises
    ------
    StoreLocked
        Another driver created the store meanwhile (the message names it).
    """
    if not state.pending:
        return
    path, store_id = state.path, state.store_id
    tmp = path.with_name(f".{path.name}.tmp-{store_id[:12]}")
    ds = zarr_ready(template(plan, state.chunk, store_id))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with quiet_consolidation(), warnings.catch_warnings():
            # paths with spaces are saved as variables; open_sweep makes them coordinates again
            warnings.filterwarnings("ignore", message="coordinate .* has a space in its name")
            ds.to_zarr(
                tmp,
                mode="w-",
                compute=False,
                zarr_format=3,
                consolidated=True,
                encoding=checksum_encoding(ds),
            )
        if state.lock is not None:
            state.lock.write_to(tmp)
        try:
            if state.replace and path.exists():
                old = path.with_name(f".{path.name}.old-{store_id[:12]}")
                os.rename(path, old)
                os.rename(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                if path.is_dir():  # an empty folder
                    path.rmdir()
                os.rename(tmp, path)
        except OSError:
            if not path.exists() or not any(path.iterdir()):
                raise
            other = read_lock(path)
            who = f" by {other.describe()}" if other is not None else ""
            raise StoreLocked(
                f"{str(path)!r} was created{who} while this sweep was starting; two drivers on one "
                "store would only duplicate work"
            ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    state.pending = False


def clean_leftovers(path: str | os.PathLike, min_age_s: float = 60.0) -> list[Path]:
    """Remove the template folders (``.NAME.tmp-*``) and replaced stores (``.NAME.old-*``) that
    killed runs left beside a store. A template whose lock names a live driver (or that is younger
    than ``min_age_s`` and has no lock yet) is being written and is kept. Returns what was removed."""
    path = Path(path).absolute()
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    for leftover in sorted(path.parent.glob(f".{path.name}.tmp-*")) + sorted(
        path.parent.glob(f".{path.name}.old-*")
    ):
        if not leftover.is_dir():
            continue
        info = read_lock(leftover)
        if ".tmp-" in leftover.name:
            if info is None:
                try:
                    young = time.time() - leftover.stat().st_mtime < min_age_s
                except OSError:
                    continue
                if young:
                    continue
            else:
                alive = info.alive()
                if alive or (alive is None and info.refreshed_s_ago < LOCK_STALE_S):
                    continue
        shutil.rmtree(leftover, ignore_errors=True)
        if not leftover.exists():
            removed.append(leftover)
    return removed


def clean_partial_chunks(path: str | os.PathLike) -> int:
    """Remove chunk files half written by a killed worker (zarr's ``*.partial``) from a store whose
    lock this process holds. Returns how many."""
    n = 0
    for root, _, files in os.walk(str(path)):
        for name in files:
            if name.endswith(".partial"):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(root, name))
                    n += 1
    return n


def prepare(
    plan: SweepPlan,
    path: str | os.PathLike,
    *,
    resume: bool = True,
    points_per_task: int | None = None,
    workers: int = 8,
    write: bool = True,
) -> StoreState:
    """Create the store from its template, or open it for resuming.

    Parameters
    ----------
    plan
        The sweep.
    path
        The store (a folder; created).
    resume
        Resume a store made by the same sweep (refuse one made by another). ``False`` overwrites a
        sweep store at ``path``.
    points_per_task
        Points per chunk for a new store (default: :func:`default_points_per_task`); a resumed store
        keeps its own chunks.
    workers
        Workers the default chunking aims at.
    write
        Write a new store's template now; ``False`` leaves it to :func:`write_template` (so that it
        can be written while the first tasks compute).

    Raises
    ------
    StoreMismatch
        See :func:`check_existing`.
    """
    path = Path(path).absolute()
    action = check_existing(plan, path, resume=resume)
    if action == "resume":
        attrs = read_attrs(path) or {}
        return StoreState(path, attrs["store_id"], _chunk_of(path), read_done(path), created=False)
    if points_per_task is None:
        points_per_task = default_points_per_task(plan.design.size, plan.trials, plan.trial_block, workers)
    chunk = chunk_shape_for(plan.design.shape, points_per_task)
    state = StoreState(
        path,
        uuid.uuid4().hex,
        chunk,
        np.zeros(plan.design.shape, dtype=bool),
        created=True,
        pending=True,
        replace=action == "replace",
    )
    if write:
        write_template(plan, state)
    return state


# -- writing (runs in the workers) ---------------------------------------------------------------
_ARRAYS: dict[tuple[str, str], dict[str, Any]] = {}


def _arrays(path: str, store_id: str) -> dict[str, Any]:
    key = (path, store_id)
    if key not in _ARRAYS:
        import zarr

        group = zarr.open_group(path, mode="r+", zarr_format=3)
        while len(_ARRAYS) >= 4:
            _ARRAYS.pop(next(iter(_ARRAYS)))
        # chunks of zeros are written too, so that a missing chunk of a done point means damage
        model = str(group.attrs.get("model", "crisis"))
        arrays: dict[str, Any] = {name: group[name] for name in (*models.tallies(model), DONE)}
        _ARRAYS[key] = {name: a.with_config({"write_empty_chunks": True}) for name, a in arrays.items()}
    return _ARRAYS[key]


def check_store(path: str | os.PathLike, store_id: str) -> str:
    """``"ok"`` when ``path`` holds the store with this id, ``"missing"`` when there is nothing at
    ``path`` (from where this runs), ``"other"`` when it holds something else."""
    attrs = read_attrs(path)
    if attrs is not None and attrs.get("store_id") == store_id:
        return "ok"
    return "missing" if not os.path.exists(path) else "other"


def store_problem(path: str | os.PathLike, store_id: str) -> Exception:
    """The error for a task that does not find its store: a worker that cannot see it, or a store
    replaced since the task was scheduled."""
    if check_store(path, store_id) == "missing":
        return ClusterError(
            f"a worker on {socket.gethostname()} cannot see the sweep store {str(path)!r}: there is no such "
            "folder there, though the driver wrote it. Is it on a shared filesystem, one that the driver and "
            "every node see at the same path (project or scratch space, not /tmp or a node's local disk)? "
            "Choose such a path for the store and rerun"
        )
    return StoreMismatch(
        f"the store at {str(path)!r} is not the one this task was scheduled for (replaced, or its "
        "template never written); its chunk was not written"
    )


def write_chunk(
    path: str,
    store_id: str,
    region: tuple[tuple[int, int], ...],
    tallies: dict[str, np.ndarray],
    *,
    wait_s: float = 0.0,
) -> None:
    """Write one chunk's tallies, then mark it done.

    Parameters
    ----------
    path, store_id
        The store and the id the task was given; a store with another id is left untouched.
    region
        ``((start, stop), ...)`` of one whole chunk over the sweep dimensions.
    tallies
        Every tally of the store's model (:func:`tripwire.sweep.models.tallies`), shaped region + the
        variable's own shape.
    wait_s
        How long to wait for the store with this id to appear (its template being written).

    Raises
    ------
    StoreMismatch
        The store at ``path`` is not (or no longer) the one the task was made for.
    ClusterError
        There is no store at ``path`` as this process sees it (not a shared filesystem).
    """
    deadline = time.monotonic() + wait_s
    while check_store(path, store_id) != "ok":
        if time.monotonic() >= deadline:
            raise store_problem(path, store_id)
        time.sleep(0.05)
    arrays = _arrays(path, store_id)
    index = _slices(region)
    for name in tallies:
        arrays[name][index] = tallies[name]
    arrays[DONE][index] = np.ones(tuple(b - a for a, b in region), dtype=bool)


def count_done(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(points done, points)`` of a sweep store, ``None`` when there is none (or it cannot be read)."""
    if not _is_sweep(read_attrs(path)):
        return None
    try:
        done = read_done(path)
    except (OSError, ValueError, KeyError):
        return None
    return int(done.sum()), int(done.size)


# -- opening -----------------------------------------------------------------------------------
_READERS: dict[tuple[str, str], Any] = {}
#: Bytes of one dask block when a store is opened: many small zarr chunks are read together.
OPEN_BLOCK_BYTES = 64 * 2**20


class _Checked:
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
    names = [n for n in (*models.tallies(ds.attrs.get("model", "crisis")), DONE) if n in ds.variables]
    arrays: dict[str, Any] = {name: group[name] for name in names}
    chunk = tuple(arrays[DONE].chunks)
    shape = tuple(arrays[DONE].shape)
    per_point = max(int(np.dtype(a.dtype).itemsize * math.prod(a.shape[nd:])) for a in arrays.values())
    block = _block_shape(shape, chunk, per_point)
    out = {}
    for name in names:
        a = arrays[name]
        reader = _Checked(str(path), name, a, nd, check_missing and name != DONE)
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
    if not _is_sweep(read_attrs(path)):
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
    return models.derive(ds.attrs.get("model", "crisis"), ds.assign(trials=trials.where(trials > 0))).assign(
        trials=trials
    )


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
    if not _is_sweep(attrs):
        if not path.exists():
            raise FileNotFoundError(f"no sweep store at {str(path)!r}")
        raise StoreMismatch(f"{str(path)!r} is not a tripwire sweep store (no sweep attributes)")
    sweep = json.loads(attrs["sweep"])
    done = read_done(path)
    chunk = _chunk_of(path)
    regions = _regions(done.shape, chunk)
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
        "tasks_done": sum(bool(done[_slices(r)].all()) for r in regions),
        "points": int(done.size),
        "points_done": int(done.sum()),
        "war_level": attrs.get("war_level"),
        "lock": None if lock is None else {"text": lock.describe(), "alive": lock.alive()},
    }
    info["model"] = attrs.get("model", "crisis")
    if info["points_done"] and info["model"] == "crisis":
        try:
            ds = open_sweep(path, derived=False)
            war = attrs.get("war_level")
            with dask.config.set(scheduler="synchronous"):
                counts = ds["outcome_count"].sum("size").values
                trials = ds["trials"].values
            levels = list(ds["level"].values)
            k = levels.index(war) if war in levels else len(levels) - 1
            with np.errstate(invalid="ignore", divide="ignore"):
                p = counts[..., k:].sum(-1) / trials
            p = p[done]
            info["p_war_range"] = (float(np.nanmin(p)), float(np.nanmax(p)))
        except StoreCorrupted as exc:
            info["read_error"] = str(exc)
    return info
