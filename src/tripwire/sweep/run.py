"""Running a sweep on dask.distributed into a resumable zarr store (DESIGN.md §4, §6):
:func:`run_plan`, :func:`local_client` and the one-call :func:`sweep`."""

from __future__ import annotations

import contextlib
import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xarray as xr

from ..world.model import World
from .plan import DEFAULT_TRIAL_BLOCK, SweepPlan, plan_sweep
from .store import StoreState, check_existing, open_sweep, prepare, write_template
from .tasks import TEMPLATE_WAIT_S, _compute, _compute_and_write, _make_job, _write


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
        The sweep (must be the one the store was made for; :func:`tripwire.sweep.store.prepare`
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
        plan.model,
        plan.years,
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
    model: str = "crisis",
    years: int | None = None,
) -> xr.Dataset:
    """Run a parameter sweep into a resumable zarr store and return it opened.

    Parameters
    ----------
    world
        The base world: a :class:`~tripwire.World`, a world file, a bundled scenario or a dict.
    params
        ``{path: values}`` (grid, list) or ``{path: [lo, hi]}`` (lhs, sobol); paths in
        :mod:`tripwire.world.params`.
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
    model
        ``crisis`` (default: each point equals ``simulate``) or ``horizon`` (each point equals
        ``tripwire.horizon(world_at_point, trials, years=years, seed=seed)``, bit for bit).
    years
        Years per history of a horizon sweep (default: the world's ``horizon.years``).

    Returns
    -------
    xarray.Dataset
        :func:`tripwire.sweep.store.open_sweep` of the store: tallies and derived probabilities
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
        model=model,
        years=years,
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
