"""The sweep store: a zarr v3 group that is written crash-safely and resumed (its template, the
checks before a resume, and the chunk writes of the tasks).

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
others; :mod:`.chunks`), so one chunk of sweep points is one unit of work: the task that owns it writes every
tally's chunk, then the ``done`` chunk. No two tasks write one chunk.

The store holds integer tallies only; :func:`~tripwire.sweep.reader.open_sweep` adds the derived probabilities
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
   of its points), the seed, the trials per point and the engine version are compared
   (:mod:`.identity`), and any difference is refused with a message saying what differs.
5. Before writing, a task checks that the store still carries the id it was given, so a task
   left over from an earlier run never writes into a store made afresh at the same path.
6. One driver at a time: a driver holds ``tripwire.lock`` in the store (:mod:`.lock`).

Checksums
---------
Every array is written with a CRC-32C of each chunk (:mod:`tripwire.io.checksums`), and every
chunk of a point marked done is written, zeros included. :func:`~tripwire.sweep.reader.open_sweep` raises
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
import json
import os
import shutil
import socket
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
import xarray as xr

from ..defaults import SWEEP_VISIBLE_GRACE_S
from ..errors import ClusterError, StoreCorrupted, StoreLocked, StoreMismatch
from ..io.checksums import checksum_encoding, is_checksum_error
from ..io.results import quiet_consolidation, zarr_ready
from .chunks import chunk_regions, chunk_shape_for, default_points_per_task, region_slices
from .identity import differences, identity, identity_hash
from .lock import LOCK_STALE_S, StoreLock, read_lock
from .models import get_model, model_of

if TYPE_CHECKING:
    from .plan import SweepPlan

__all__ = [
    "DONE",
    "STORE_FORMAT",
    "StoreMismatch",
    "StoreState",
    "prepare",
    "template",
    "write_template",
    "check_existing",
    "read_attrs",
    "read_done",
    "chunk_of",
    "is_sweep",
    "write_chunk",
    "check_store",
    "store_problem",
    "clean_leftovers",
    "clean_partial_chunks",
    "count_done",
]


DONE = "done"
VARIABLES_DIMS = ("level", "size", "state", "side", "origin", "treaty", "round", "year", "bin", "cause")
DONE_DESCRIPTION = "True once the point's tallies are written (a task writes its chunk, then marks it done)"
#: 2: checksummed chunks with flat names, every chunk of a done point written (zeros too).
STORE_FORMAT = 2
#: Seconds a worker keeps looking for a store it does not see yet (a network filesystem may show a
#: new folder late) before it reports that it cannot see it.
VISIBLE_GRACE_S = SWEEP_VISIBLE_GRACE_S


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
        return chunk_regions(self.done.shape, self.chunk)

    def todo(self) -> list[tuple[tuple[int, int], ...]]:
        """The chunks with a point not yet done."""
        return [r for r in self.regions() if not self.done[region_slices(r)].all()]


# -- template ----------------------------------------------------------------------------------
def _single_run_layout(plan: SweepPlan) -> tuple[dict[str, tuple[str, ...]], dict, dict]:
    """Dims of each tally, coordinates and attributes of one run, as ``make_dataset`` gives them
    (tests compare every point's coordinates with ``simulate``'s)."""
    model = get_model(plan.model)
    coords, attrs = model.layout(plan.world, seed=plan.seed, trials=plan.trials, years=plan.years)
    dims = {name: model.variables[name].dims for name in model.tallies}
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
    model = get_model(plan.model)
    for name in model.tallies:
        own = tuple(sizes[d] for d in dims[name])
        data = da.zeros(design.shape + own, chunks=chunk + own, dtype=np.int64)
        data_vars[name] = (design.dims + dims[name], data, {"description": model.variables[name].description})
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
        sweep_hash=identity_hash(ident),
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


def chunk_of(path: str | os.PathLike) -> tuple[int, ...]:
    """The chunk shape of a store over the sweep dimensions (that of its ``done`` array)."""
    import zarr

    return tuple(zarr.open_array(Path(path) / DONE, mode="r", zarr_format=3).chunks)


def is_sweep(attrs: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """Whether group attributes (:func:`read_attrs`) are a sweep store's."""
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
    if not is_sweep(attrs):
        raise StoreMismatch(
            f"{str(path)!r} exists and is not a tripwire sweep store; it is left alone: "
            "choose another output path or remove it yourself"
        )
    if not resume:
        return "replace"
    diffs = differences(attrs, plan)
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
        return StoreState(path, attrs["store_id"], chunk_of(path), read_done(path), created=False)
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
        model = model_of(group.attrs)
        arrays: dict[str, Any] = {name: group[name] for name in (*model.tallies, DONE)}
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
        Every tally of the store's model (:attr:`tripwire.sweep.models.Model.tallies`), shaped region + the
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
    index = region_slices(region)
    for name in tallies:
        arrays[name][index] = tallies[name]
    arrays[DONE][index] = np.ones(tuple(b - a for a, b in region), dtype=bool)


def count_done(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(points done, points)`` of a sweep store, ``None`` when there is none (or it cannot be read)."""
    if not is_sweep(read_attrs(path)):
        return None
    try:
        done = read_done(path)
    except (OSError, ValueError, KeyError):
        return None
    return int(done.sum()), int(done.size)
