"""Parameter sweeps on dask.distributed into a resumable zarr store (DESIGN.md §4, §6).

A sweep is a world, parameter paths (:mod:`tripwire.params`), a design (:mod:`tripwire.designs`),
trials per point and a seed. Every point runs trials ``0 .. trials - 1`` under the sweep's seed
(common random numbers), so each point equals ``simulate()`` of that point's world, bit for bit.

Work is cut along the store's chunks (:mod:`tripwire.sweepstore`): one task computes every point
of one chunk and writes it, then marks it done. A point with more trials than ``trial_block`` is
split into trial blocks computed by separate tasks; their integer tallies are summed by the task
that writes the chunk. Inside a worker the kernel runs on as many threads as the worker has
(``threads_per_worker``), one kernel call at a time per worker process.

Treaty removal (``treaty.<name>.active: false``) keeps the base world's ``treaty`` coordinate: a
removed treaty's ``treaty_honoured`` and ``treaty_failed`` are 0 at that point, and the other
treaties' tallies equal those of ``simulate()`` on the world without it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr
import yaml
from pydantic import Field, ValidationError

from .designs import Design, DesignError, make_design
from .params import Param, ParamError, apply_params, apply_to_dict, parse_path
from .results import TALLIES
from .sweepstore import (
    StoreState,
    check_existing,
    open_sweep,
    prepare,
    write_chunk,
    write_template,
)
from .world import (
    World,
    WorldError,
    _Strict,
    _UniqueKeyLoader,
    format_errors,
    load_world,
    problems,
    read_mapping,
)

__all__ = [
    "sweep",
    "SweepPlan",
    "SweepFile",
    "SweepError",
    "SweepStats",
    "plan_sweep",
    "load_sweep",
    "run_plan",
    "local_client",
    "n_workers",
    "ClusterFile",
    "jobqueue_cluster",
    "start_jobs",
    "DEFAULT_TRIAL_BLOCK",
]

#: Most trials one task runs for one point; a point with more is split into blocks (summed).
DEFAULT_TRIAL_BLOCK = 1 << 22
MAX_SEED = 2**63 - 1


class SweepError(ValueError):
    """A sweep (file or arguments) that cannot run; the message says what to fix."""


# -- the plan ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A checked sweep: everything needed to write its store and run it.

    Attributes
    ----------
    world
        The base world (resolved).
    design
        The points.
    trials
        Trials per point.
    seed
        The seed every point uses.
    trial_block
        Most trials per task and point.
    name, description
        For the record (stored in the attrs).
    """

    world: World
    design: Design
    trials: int
    seed: int
    trial_block: int = DEFAULT_TRIAL_BLOCK
    name: str = "sweep"
    description: str = ""

    @property
    def n_points(self) -> int:
        return self.design.size

    def values_at(self, index: tuple[int, ...]) -> dict[str, Any]:
        """``{path: value}`` at a position of the design's shape."""
        return dict(zip(self.design.paths, self.design.point(index), strict=True))

    def world_at(self, index: tuple[int, ...]) -> World:
        """The world a point runs (the base world with the point's values set)."""
        return apply_params(self.world, self.values_at(index))


def _int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise SweepError(f"{name} must be a whole number, saw {value!r} ({type(value).__name__})")
    if value < lo or (hi is not None and value > hi):
        raise SweepError(
            f"{name} must be {'>= ' + str(lo) if hi is None else f'in [{lo}, {hi}]'}, saw {value}"
        )
    return int(value)


def plan_sweep(
    world: World | str | os.PathLike | dict,
    params: Mapping[str, Sequence],
    *,
    design: str = "grid",
    trials: int,
    seed: int = 0,
    n: int | None = None,
    design_seed: int | None = None,
    trial_block: int = DEFAULT_TRIAL_BLOCK,
    name: str | None = None,
    description: str = "",
) -> SweepPlan:
    """Check a sweep before any work: paths, values, design, trials and seed.

    Besides the range checks of each value, the world model validates the first point's world and,
    for every path, the worlds at its smallest and largest value.

    Raises
    ------
    ParamError, DesignError, WorldError, SweepError
        What is wrong and how to fix it.
    """
    world = load_world(world)
    trials = _int("trials", trials, 1)
    seed = _int("seed", seed, 0, MAX_SEED)
    trial_block = _int("trial_block", trial_block, 1)
    if design in ("lhs", "sobol"):
        design_seed = seed if design_seed is None else _int("design_seed", design_seed, 0, MAX_SEED)
    elif design_seed is not None:
        raise SweepError(f"design_seed is only for lhs and sobol designs, saw it with a {design} design")
    d = make_design(design, params, world, n=n, seed=design_seed)
    plan = SweepPlan(world, d, trials, seed, trial_block, name or world.name, description)
    first = d.point((0,) * len(d.shape))
    checks = [first]
    for k, column in enumerate(d.values):
        for value in (column.min(), column.max()):
            checks.append(first[:k] + (value.item(),) + first[k + 1 :])
    base = world.resolved()
    for values in dict.fromkeys(checks):
        apply_to_dict(base, d.params, values)
    return plan


# -- sweep files -------------------------------------------------------------------------------
class SweepFile(_Strict):
    """A sweep file (YAML). Unknown keys are errors.

    ``world`` is a bundled scenario name, a world file (relative to the sweep file) or an inline
    world mapping. ``params`` maps paths to values (grid, list) or ranges (lhs, sobol).
    """

    name: str | None = None
    description: str = ""
    world: str | dict[str, Any]
    design: Literal["grid", "list", "lhs", "sobol"] = "grid"
    params: dict[str, Any]
    trials: int = Field(ge=1)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    n: int | None = Field(None, ge=1)
    design_seed: int | None = Field(None, ge=0, le=MAX_SEED)
    points_per_task: int | None = Field(None, ge=1)
    trial_block: int = Field(DEFAULT_TRIAL_BLOCK, ge=1)


def _world_source(source: str | dict, base: Path) -> World | str | Path | dict:
    if isinstance(source, dict):
        return source
    candidate = base / source
    if Path(source).suffix in (".yaml", ".yml", ".json") or candidate.exists():
        if candidate.exists():
            return candidate
        return Path(source)
    return source


def load_sweep(path: str | os.PathLike, **overrides: Any) -> tuple[SweepPlan, SweepFile]:
    """Read and check a sweep file.

    Parameters
    ----------
    path
        The YAML file.
    **overrides
        Keys of :class:`SweepFile` that replace the file's (``None`` leaves a key as it is), e.g.
        ``trials=1000``.

    Returns
    -------
    (SweepPlan, SweepFile)
        The checked plan and the file's settings (``points_per_task`` lives there).

    Raises
    ------
    SweepError
        Every problem, prefixed with the file name.
    FileNotFoundError
        No such file.

    Examples
    --------
    >>> from tripwire.sweeps import load_sweep
    >>> plan, spec = load_sweep("configs/sweeps/july1914_alliances.yaml")  # doctest: +SKIP
    >>> plan.design.dims  # doctest: +SKIP
    ('treaties.reliability', 'escalation.misperception')
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sweep file {str(path)!r} does not exist")
    label = str(path)
    data = read_mapping(path.read_text(), label, "sweep", SweepError)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise SweepError(problems(label, exc)) from None
    try:
        world = load_world(_world_source(spec.world, path.parent))
        plan = plan_sweep(
            world,
            spec.params,
            design=spec.design,
            trials=spec.trials,
            seed=spec.seed,
            n=spec.n,
            design_seed=spec.design_seed,
            trial_block=spec.trial_block,
            name=spec.name or path.stem,
            description=spec.description,
        )
    except (ParamError, DesignError, WorldError, SweepError, FileNotFoundError) as exc:
        raise SweepError(f"{label}: {exc}") from None
    return plan, spec


# -- tasks (run in the workers) ------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    """What every task of one run needs; computed once on a worker and shared with the others
    (the scheduler recomputes it if the workers holding it die)."""

    path: str
    store_id: str
    world: dict
    params: tuple[Param, ...]
    treaties: dict[str, int]
    seed: int
    wait_s: float


_KERNEL_LOCK = threading.Lock()
#: How long a task waits for a template that the driver is still writing.
TEMPLATE_WAIT_S = 600.0


def _make_job(path: str, store_id: str, world_json: str, paths: list[str], seed: int, wait_s: float) -> _Job:
    world = World.model_validate_json(world_json)
    params = tuple(parse_path(p, world) for p in paths)
    treaties = {t.name: k for k, t in enumerate(world.treaties)}
    return _Job(path, store_id, world.resolved(), params, treaties, seed, wait_s)


def _threads() -> int:
    import numba

    try:
        from distributed import get_worker

        n = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        n = 1
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


def _point(job: _Job, values: tuple, first: int, count: int, threads: int) -> dict[str, np.ndarray]:
    from .compile import compile_world
    from .simulation import run_tallies

    world = apply_to_dict(job.world, job.params, values)
    cw = compile_world(world)
    with _KERNEL_LOCK:
        t = run_tallies(cw, count, seed=job.seed, first_trial=first, threads=threads)
    out = {name: t[name] for name in TALLIES if name in t}
    out["outcome_count"] = t["outcome_count"][:, 2:]  # sizes start at 2, as in make_dataset
    out["trials"] = np.int64(count)
    if len(cw.treaties) != len(job.treaties):
        where = np.array([job.treaties[name] for name in cw.treaties], dtype=np.int64)
        for name in ("treaty_honoured", "treaty_failed"):
            full = np.zeros(len(job.treaties), dtype=np.int64)
            full[where] = t[name]
            out[name] = full
    return out


def _compute(job: _Job, points: list[tuple], first: int, count: int) -> dict[str, np.ndarray]:
    """Tallies of trials ``first .. first + count - 1`` of each point, stacked on a first axis."""
    threads = _threads()
    per_point = [_point(job, values, first, count, threads) for values in points]
    return {name: np.stack([p[name] for p in per_point]) for name in TALLIES}


def _write(job: _Job, region: tuple[tuple[int, int], ...], *parts: dict) -> int:
    """Sum the trial blocks of one chunk, write it, then mark it done. Returns its point count."""
    total = {name: sum(p[name] for p in parts[1:]) + parts[0][name] for name in TALLIES}
    shape = tuple(b - a for a, b in region)
    tallies = {k: v.reshape(shape + v.shape[1:]) for k, v in total.items()}
    write_chunk(job.path, job.store_id, region, tallies, wait_s=job.wait_s)
    return int(np.prod(shape))


def _compute_and_write(job: _Job, region: tuple[tuple[int, int], ...], points: list, trials: int) -> int:
    return _write(job, region, _compute(job, points, 0, trials))


# -- running -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepStats:
    """What a run did.

    Attributes
    ----------
    points
        Points in the sweep.
    points_before
        Points already done when the run started (resumed).
    points_run
        Points computed by this run.
    trials_run
        Trials computed by this run.
    wall_s
        Seconds from the first task submitted to the last chunk written.
    """

    points: int
    points_before: int
    points_run: int
    trials_run: int
    wall_s: float

    @property
    def trials_per_s(self) -> float:
        return self.trials_run / self.wall_s if self.wall_s > 0 else 0.0


def run_plan(
    plan: SweepPlan,
    state: StoreState,
    client,
    *,
    progress: Callable[[int], None] | None = None,
    while_running: Callable[[], Any] | None = None,
) -> SweepStats:
    """Run the chunks of a prepared store that are not done yet, on a ``distributed.Client``.

    Parameters
    ----------
    plan
        The sweep (must be the one the store was made for; :func:`tripwire.sweepstore.prepare`
        checks it).
    state
        The prepared store; a template not yet written (``prepare(..., write=False)``) is written
        once the tasks are submitted, while they compute.
    client
        A ``distributed.Client``.
    progress
        Called with the number of points of each chunk as it is written.
    while_running
        Called once, after every task is submitted and before waiting for them (work for this
        process to do meanwhile).

    Raises
    ------
    Exception
        The first task error (remaining tasks are cancelled; chunks written so far stay done).
    """
    from distributed import as_completed

    todo = state.todo()
    t0 = time.perf_counter()
    if not todo:
        write_template(plan, state)
        return SweepStats(plan.n_points, state.points_done, 0, 0, 0.0)
    blocks = [(f, min(plan.trial_block, plan.trials - f)) for f in range(0, plan.trials, plan.trial_block)]
    token = uuid.uuid4().hex[:8]
    job = client.submit(
        _make_job,
        str(state.path),
        state.store_id,
        plan.world.to_json(),
        list(plan.design.paths),
        plan.seed,
        TEMPLATE_WAIT_S if state.pending else 0.0,
        key=f"tripwire-job-{token}",
        priority=1,
    )
    # every worker gets a copy, so that the scheduler spreads the tasks instead of keeping them
    # beside the one copy (and it can still recompute the job if the workers holding it die)
    if n_workers(client):
        client.replicate([job])
    futures: dict[Any, int] = {}
    every = [job]
    for i, region in enumerate(todo):
        points = [plan.design.point(ix) for ix in itertools.product(*(range(a, b) for a, b in region))]
        if len(blocks) == 1:
            fut = client.submit(
                _compute_and_write,
                job,
                region,
                points,
                plan.trials,
                key=f"tripwire-chunk-{token}-{i}",
                priority=-i,
            )
        else:
            parts = [
                client.submit(_compute, job, points, f, c, key=f"tripwire-block-{token}-{i}-{b}", priority=-i)
                for b, (f, c) in enumerate(blocks)
            ]
            every.extend(parts)
            fut = client.submit(_write, job, region, *parts, key=f"tripwire-chunk-{token}-{i}", priority=-i)
        futures[fut] = len(points)
    every.extend(futures)
    points_run = 0
    try:
        write_template(plan, state)  # while the first tasks compute; they wait for it to write
        if while_running is not None:
            while_running()
        for fut in as_completed(list(futures)):
            fut.result()
            points_run += futures[fut]
            if progress is not None:
                progress(futures[fut])
    except BaseException:
        client.cancel(every)
        raise
    finally:
        del every
    wall = time.perf_counter() - t0
    return SweepStats(plan.n_points, state.points_done, points_run, points_run * plan.trials, wall)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextlib.contextmanager
def local_client(workers: int | None = None, threads_per_worker: int = 1, **cluster_options: Any) -> Iterator:
    """A ``distributed.Client`` on a ``LocalCluster`` of worker processes, closed on exit.

    Parameters
    ----------
    workers
        Worker processes (default: one per core).
    threads_per_worker
        Threads per worker; the kernel runs on this many threads.
    **cluster_options
        More ``LocalCluster`` options.
    """
    from distributed import Client, LocalCluster

    n = workers or max(1, _cpu_count() // max(1, threads_per_worker))
    options = {"dashboard_address": ":0", **cluster_options}
    with (
        LocalCluster(
            n_workers=n, threads_per_worker=threads_per_worker, processes=True, **options
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def n_workers(client) -> int:
    """Workers a client's cluster has now."""
    return len(client.nthreads())


def sweep(
    world: World | str | os.PathLike | dict,
    params: Mapping[str, Sequence],
    *,
    design: str = "grid",
    trials: int,
    seed: int = 0,
    store: str | os.PathLike,
    client=None,
    resume: bool = True,
    n: int | None = None,
    design_seed: int | None = None,
    points_per_task: int | None = None,
    trial_block: int = DEFAULT_TRIAL_BLOCK,
    progress: Callable[[int], None] | None = None,
) -> xr.Dataset:
    """Run a parameter sweep into a resumable zarr store and return it opened.

    Parameters
    ----------
    world
        The base world: a :class:`~tripwire.World`, a world file, a bundled scenario or a dict.
    params
        ``{path: values}`` (grid, list) or ``{path: [lo, hi]}`` (lhs, sobol); paths in
        :mod:`tripwire.params`.
    design
        ``grid`` (one dimension per path), ``list``, ``lhs`` or ``sobol`` (a ``point`` dimension).
    trials
        Trials per point.
    seed
        The seed of every point (common random numbers): each point equals
        ``simulate(world_at_point, trials, seed=seed)`` bit for bit.
    store
        The zarr store to write (a folder, e.g. ``"alliances.zarr"``); on a cluster, a path every
        worker can reach.
    client
        A ``distributed.Client``; ``None`` starts a local cluster of one worker per core and closes
        it after.
    resume
        Resume a store made by this same sweep, computing only the points not done; a store made
        by another sweep is refused. ``False`` overwrites it.
    n
        Points (lhs) or base samples (sobol, a power of 2).
    design_seed
        Sampling seed of lhs and sobol designs (default: ``seed``).
    points_per_task
        Points per chunk (and task) of a new store; default: about two tasks per worker.
    trial_block
        Most trials one task runs for one point; more are split into blocks and summed.
    progress
        Called with the number of points of each chunk written.

    Returns
    -------
    xarray.Dataset
        :func:`tripwire.sweepstore.open_sweep` of the store: tallies and derived probabilities
        with the sweep dimensions in front, and ``done``.

    Raises
    ------
    ParamError, DesignError, WorldError, SweepError
        A bad sweep, before any work starts.
    StoreMismatch
        ``store`` holds another sweep (and ``resume``) or something that is not a sweep store.

    Examples
    --------
    >>> import tripwire
    >>> ds = tripwire.sweep(
    ...     "july1914",
    ...     {"treaties.reliability": [0.25, 0.5, 0.75, 1.0], "escalation.misperception": [0.0, 0.5]},
    ...     trials=100_000,
    ...     seed=1914,
    ...     store="alliances.zarr",
    ... )  # doctest: +SKIP
    >>> ds.p_exceed.sel(level="war").to_pandas()  # doctest: +SKIP
    """
    plan = plan_sweep(
        world,
        params,
        design=design,
        trials=trials,
        seed=seed,
        n=n,
        design_seed=design_seed,
        trial_block=trial_block,
    )
    action = check_existing(plan, store, resume=resume)
    state = prepare(plan, store, resume=True) if action == "resume" else None
    if state is not None and not state.todo():
        return open_sweep(store)
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(local_client())
        if state is None:
            state = prepare(
                plan,
                store,
                resume=resume,
                points_per_task=points_per_task,
                workers=n_workers(client) or 8,
                write=False,
            )
        # the result opens lazily (its metadata is final), so open it while the workers compute
        opened: dict[str, xr.Dataset] = {}
        run_plan(
            plan, state, client, progress=progress, while_running=lambda: opened.update(ds=open_sweep(store))
        )
    return opened["ds"] if "ds" in opened else open_sweep(store)


# -- batch clusters ----------------------------------------------------------------------------
class AdaptJobs(_Strict):
    minimum_jobs: int = Field(0, ge=0)
    maximum_jobs: int = Field(ge=1)


class ClusterFile(_Strict):
    """A batch-cluster file: ``cluster`` holds the keyword arguments of dask-jobqueue's
    ``SLURMCluster`` or ``PBSCluster``; ``jobs`` fixes the number of batch jobs, ``adapt`` lets
    it float between ``minimum_jobs`` and ``maximum_jobs``."""

    cluster: dict[str, Any] = Field(default_factory=dict)
    jobs: int | None = Field(None, ge=1)
    adapt: AdaptJobs | None = None

    @property
    def workers_hint(self) -> int:
        jobs = self.adapt.maximum_jobs if self.adapt else (self.jobs or 1)
        return jobs * int(self.cluster.get("processes", 1))


def jobqueue_cluster(kind: Literal["slurm", "pbs"], config: str | os.PathLike) -> tuple[Any, ClusterFile]:
    """Build a dask-jobqueue cluster from a YAML file, without submitting jobs.

    Parameters
    ----------
    kind
        ``slurm`` or ``pbs``.
    config
        A :class:`ClusterFile` YAML (see ``configs/cluster/``).

    Returns
    -------
    (cluster, ClusterFile)
        The cluster (its scheduler runs here; no job is submitted until :func:`start_jobs`) and
        the file's settings. ``cluster.job_script()`` shows the batch script it would submit.

    Raises
    ------
    SweepError
        An invalid file or an option the cluster class does not take.
    """
    import dask_jobqueue

    classes = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}
    if kind not in classes:
        raise SweepError(f"unknown cluster kind {kind!r}; kinds: {', '.join(classes)}")
    path = Path(config)
    if not path.is_file():
        raise FileNotFoundError(f"cluster file {str(path)!r} does not exist")
    try:
        data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader subclass
        spec = ClusterFile.model_validate(data or {})
    except yaml.YAMLError as exc:
        raise SweepError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise SweepError(f"{path}: {format_errors(exc)}") from None
    if spec.jobs is not None and spec.adapt is not None:
        raise SweepError(f"{path}: give either jobs (a fixed number) or adapt (a range), not both")
    cls = classes[kind]
    try:
        cluster = cls(**spec.cluster)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SweepError(
            f"{path}: cluster: {cls.__name__} rejected the options: {exc}; "
            "see the dask-jobqueue documentation for its keyword arguments"
        ) from None
    return cluster, spec


def start_jobs(cluster, spec: ClusterFile) -> None:
    """Submit the batch jobs of a :func:`jobqueue_cluster` (fixed ``jobs`` or ``adapt``).

    Raises
    ------
    SweepError
        The batch system's submit command (``sbatch``, ``qsub``) is not on ``PATH``.
    """
    import shutil

    command = getattr(cluster.job_cls, "submit_command", None)
    if command and shutil.which(command.split()[0]) is None:
        raise SweepError(
            f"{command.split()[0]!r} was not found on PATH, so no batch job can be submitted; run the sweep "
            "on a login node of the cluster, or use a local cluster (--workers) or --scheduler"
        )
    if spec.adapt is not None:
        cluster.adapt(minimum_jobs=spec.adapt.minimum_jobs, maximum_jobs=spec.adapt.maximum_jobs)
    else:
        cluster.scale(jobs=spec.jobs or 1)
