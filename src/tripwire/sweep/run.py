"""The sweep driver: :func:`run_sweep`, which ``tripwire.sweep()`` and the
``tripwire sweep`` command both call, and :func:`run_plan`, its task loop.

A run takes the store's lock, removes what killed runs left behind, connects to its cluster,
writes the template while the first tasks compute, and then watches: each chunk's result is
released as soon as it is written (a lost worker never makes dask recompute written chunks), the
workers and batch jobs are looked at every second and reported every minute, a refused batch
submission or a cluster without a live worker for ``worker_timeout`` stops the run, and SIGINT,
SIGTERM and SIGHUP close the cluster (cancelling queued jobs) before the run ends. Points done
stay done: running the same sweep again resumes it.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from ..defaults import SWEEP_REPORT_S, SWEEP_WORKER_TIMEOUT_S
from ..errors import ClusterError, SweepError
from ..world.model import World
from .chunks import FILES_WARN, files_estimate, points_per_task_for
from .connect import Connection, Where, connect, local_client, n_workers
from .lock import StoreLock
from .models import get_model
from .plan import DEFAULT_TRIAL_BLOCK, SweepPlan, plan_sweep
from .reader import open_sweep
from .signals import interruptible
from .store import StoreState, check_existing, clean_leftovers, clean_partial_chunks, prepare, write_template
from .tasks import compute, compute_and_write, make_job, write

__all__ = [
    "Reporter",
    "RunStatus",
    "SweepStats",
    "SweepOutcome",
    "Where",
    "run_sweep",
    "run_plan",
    "sweep",
    "local_client",
    "n_workers",
    "DEFAULT_WORKER_TIMEOUT_S",
]

logger = logging.getLogger("tripwire.sweep")

#: Seconds without a live worker before a run stops (jobs queued longer need a larger value).
DEFAULT_WORKER_TIMEOUT_S = SWEEP_WORKER_TIMEOUT_S
#: Seconds between two looks at the workers and jobs.
CHECK_S = 1.0
#: Seconds between two status lines in logs.
REPORT_S = SWEEP_REPORT_S
#: Seconds the driver sleeps when no chunk has finished.
_POLL_S = 0.05


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
        Seconds from the first worker available to the last chunk written (time waiting for
        workers, e.g. batch jobs in the queue, is ``wait_s``).
    wait_s
        Seconds from the first task submitted to the first worker seen.
    """

    points: int
    points_before: int
    points_run: int
    trials_run: int
    wall_s: float
    wait_s: float = 0.0

    @property
    def trials_per_s(self) -> float:
        return self.trials_run / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class RunStatus:
    """A snapshot of a running sweep, passed to :meth:`Reporter.status` about once a second."""

    points_done: int
    points: int
    workers: int
    jobs: Any  # tripwire.sweep.jobs.JobCounts for a batch cluster, else None
    elapsed_s: float
    no_worker_s: float

    def line(self) -> str:
        text = f"{self.points_done:,}/{self.points:,} points done; workers: {self.workers} alive"
        if self.jobs is not None:
            text += "; " + self.jobs.line()
        if not self.workers and self.no_worker_s >= 1:
            text += f"; no worker for {self.no_worker_s:.0f} s"
        return text


class Reporter:
    """What a sweep tells while it runs. This default logs lines to the ``tripwire.sweep`` logger
    (warnings also as Python warnings) and passes progress to ``progress``.

    Parameters
    ----------
    progress
        Called with the number of points of each chunk as it is written.
    """

    def __init__(self, progress: Callable[[int], None] | None = None):
        self._progress = progress
        self._last_status = -float("inf")

    def say(self, text: str) -> None:
        """An information line."""
        logger.info(text)

    def warn(self, text: str) -> None:
        """Something the user should know that does not stop the sweep."""
        logger.warning(text)
        warnings.warn(text, stacklevel=3)

    def begin(self, points_done: int) -> None:
        """The tasks are submitted; ``points_done`` points were done before."""

    def progress(self, points: int) -> None:
        """``points`` more points written."""
        if self._progress is not None:
            self._progress(points)

    def status(self, status: RunStatus) -> None:
        """About once a second; this default logs a line every minute."""
        if status.elapsed_s - self._last_status >= REPORT_S:
            self._last_status = status.elapsed_s
            logger.info(status.line())


@dataclass(frozen=True)
class SweepOutcome:
    """What :func:`run_sweep` did: ``action`` is ``create``, ``resume`` or ``replace``; ``stats``
    the work; ``chunk`` and ``tasks`` the store's chunking."""

    path: Path
    action: str
    stats: SweepStats
    chunk: tuple[int, ...]
    tasks: int


def run_plan(
    plan: SweepPlan,
    state: StoreState,
    client,
    *,
    reporter: Reporter | None = None,
    watch=None,
    worker_timeout: float | None = DEFAULT_WORKER_TIMEOUT_S,
    while_running: Callable[[], Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepStats:
    """Run the chunks of a prepared store that are not done yet, on a ``distributed.Client``.

    Parameters
    ----------
    plan
        The sweep (the one the store was made for; :func:`tripwire.sweep.store.prepare` checks it).
    state
        The prepared store; a template not yet written (``prepare(..., write=False)``) is written
        once the tasks are submitted, while they compute.
    client
        A ``distributed.Client``.
    reporter
        Told of progress, status and warnings (default: :class:`Reporter`).
    watch
        A :class:`tripwire.sweep.jobs.JobWatch` for a batch cluster.
    worker_timeout
        Seconds without a live worker before the run stops (``None`` or 0: wait forever).
    while_running
        Called once, after every task is submitted and the template written (work for this
        process to do meanwhile).
    progress
        Called with the number of points of each chunk as it is written (besides ``reporter``).

    Raises
    ------
    ClusterError
        No worker alive for ``worker_timeout`` seconds, or the batch system refusing the jobs.
    Exception
        The first task error (remaining tasks are cancelled; chunks written so far stay done).
    """
    from distributed import Event, as_completed

    reporter = reporter or Reporter()
    todo = state.todo()
    t0 = time.monotonic()
    if not todo:
        write_template(plan, state)
        return SweepStats(plan.n_points, state.points_done, 0, 0, 0.0)
    blocks = [(f, min(plan.trial_block, plan.trials - f)) for f in range(0, plan.trials, plan.trial_block)]
    token = uuid.uuid4().hex[:8]
    template = f"tripwire-template-{token}" if state.pending else None
    job = client.submit(
        make_job,
        str(state.path),
        state.store_id,
        plan.world.to_json(),
        list(plan.design.paths),
        plan.seed,
        template,
        plan.model,
        plan.years,
        key=f"tripwire-job-{token}",
        priority=1,
    )
    # only the chunk futures are kept, and each only until its chunk is written: once released,
    # a lost worker cannot make the scheduler compute it (or its trial blocks) again
    futures: dict[Any, int] = {}
    for i, region in enumerate(todo):
        points = [plan.design.point(ix) for ix in itertools.product(*(range(a, b) for a, b in region))]
        if len(blocks) == 1:
            fut = client.submit(
                compute_and_write,
                job,
                region,
                points,
                plan.trials,
                key=f"tripwire-chunk-{token}-{i}",
                priority=-i,
            )
        else:
            parts = [
                client.submit(compute, job, points, f, c, key=f"tripwire-block-{token}-{i}-{b}", priority=-i)
                for b, (f, c) in enumerate(blocks)
            ]
            fut = client.submit(write, job, region, *parts, key=f"tripwire-chunk-{token}-{i}", priority=-i)
            del parts
        futures[fut] = len(points)
    done_before = state.points_done
    reporter.begin(done_before)
    points_run = 0
    event = None
    ac = as_completed(list(futures))
    first_worker: float | None = None
    last_alive = t0
    last_check = -float("inf")
    replicated: frozenset[str] = frozenset()
    if client.scheduler_info()["workers"]:
        first_worker = t0  # a local cluster's workers are there from the start
    try:
        write_template(plan, state)  # while the first tasks compute; they wait for it to write
        if template is not None:
            event = Event(template, client=client)
            event.set()
        if while_running is not None:
            while_running()
        while futures:
            batch = ac.next_batch(block=False)
            for fut in batch:
                if fut.status in ("error", "cancelled"):
                    fut.result()  # raises the task's error
                if fut.status != "finished":
                    # finished, then lost with its worker (a cancelled job): the scheduler computes
                    # it again. Waiting for its result here would stop the loop that replaces jobs.
                    ac.add(fut)
                    continue
                n = futures.pop(fut)
                fut.release()
                points_run += n
                reporter.progress(n)
                if progress is not None:
                    progress(n)
            del batch
            now = time.monotonic()
            if now - last_check >= CHECK_S:
                last_check = now
                workers = client.scheduler_info()["workers"]
                names = {str(w.get("name")) for w in workers.values()}
                if workers:
                    last_alive = now
                    first_worker = first_worker if first_worker is not None else now
                    # every worker gets a copy of the job, so that the scheduler spreads the tasks
                    # instead of keeping them beside one copy
                    if job.status == "finished" and frozenset(workers) != replicated:
                        replicated = frozenset(workers)
                        _replicate_in_background(client, job)
                if watch is not None:
                    watch.tick(names, now)
                reporter.status(
                    RunStatus(
                        done_before + points_run,
                        plan.n_points,
                        len(workers),
                        watch.counts if watch is not None else None,
                        now - t0,
                        now - last_alive,
                    )
                )
                if worker_timeout and not workers and now - last_alive >= worker_timeout:
                    why = (
                        watch.waiting()
                        if watch is not None
                        else "the cluster has no worker: start some, or check the scheduler's log"
                    )
                    raise ClusterError(
                        f"no worker has been alive for {_duration(worker_timeout)} (the --worker-timeout): "
                        + why
                    )
            if futures and not ac.has_ready():
                time.sleep(_POLL_S)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        futures.clear()
        del ac
        if event is not None:
            with contextlib.suppress(Exception):
                event.clear()
    end = time.monotonic()
    start = first_worker if first_worker is not None else t0
    return SweepStats(
        plan.n_points, done_before, points_run, points_run * plan.trials, end - start, start - t0
    )


def _release(locks: list[StoreLock]) -> None:
    for lock in locks:
        lock.release()


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _replicate_in_background(client, job) -> None:
    """Copy the job to every worker without holding up the driver's loop: ``replicate`` blocks
    until it is done, and a worker lost meanwhile (a cancelled or pre-empted job) can keep it
    waiting. It is an optimisation only, so any failure is ignored."""

    def copy() -> None:
        with contextlib.suppress(Exception):
            client.replicate([job])

    threading.Thread(target=copy, name="tripwire-replicate", daemon=True).start()


def _closures(plan: SweepPlan) -> tuple[str, ...]:
    """The joining closures a sweep's workers will run (the model's, for the base world)."""
    return get_model(plan.model).closures(plan.world)


def run_sweep(
    plan: SweepPlan,
    store: str | os.PathLike,
    *,
    client=None,
    where: Where | None = None,
    resume: bool = True,
    points_per_task: int | None = None,
    worker_timeout: float | None = DEFAULT_WORKER_TIMEOUT_S,
    break_lock: bool = False,
    reporter: Reporter | None = None,
    while_running: Callable[[], Any] | None = None,
) -> SweepOutcome:
    """Run a checked sweep into its store: the one driver behind ``tripwire.sweep()`` and
    ``tripwire sweep``.

    Parameters
    ----------
    plan
        The sweep (:func:`tripwire.sweep.plan.plan_sweep`, :func:`tripwire.sweep.files.load_sweep`).
    store
        The zarr store (a folder); on a cluster, a path every node sees.
    client
        A ``distributed.Client`` to run on (left open); otherwise ``where`` says where.
    where
        A local cluster (the default), a scheduler or a batch cluster (:class:`Where`).
    resume
        Resume a store made by this same sweep; ``False`` overwrites a sweep store (``--fresh``).
    points_per_task
        Points per chunk of a new store (default: about two tasks per worker).
    worker_timeout
        Seconds without a live worker before the run stops (``None`` or 0: wait forever).
    break_lock
        Take over a lock not refreshed for :data:`tripwire.sweep.lock.LOCK_STALE_S` seconds (a
        driver killed on another host). A lock of a process gone from this host is taken over
        anyway.
    reporter
        Told what happens (default: :class:`Reporter`, which logs).
    while_running
        Called once while the first tasks compute (after the template is written).

    Returns
    -------
    SweepOutcome

    Raises
    ------
    StoreMismatch
        The store holds another sweep (and ``resume``) or is not a sweep store.
    StoreLocked
        Another driver holds the store's lock.
    ClusterError
        Jobs refused, no worker for ``worker_timeout`` seconds, workers that cannot see the store.
    tripwire.sweep.signals.Interrupted
        SIGINT, SIGTERM or SIGHUP (the cluster is closed, queued jobs cancelled, the lock released).
    """
    reporter = reporter or Reporter()
    where = where or Where()
    if client is not None and where != Where():
        raise SweepError("give a client or where to run the sweep, not both")
    path = Path(store).absolute()
    lock: list[StoreLock] = []
    with interruptible(), contextlib.ExitStack() as stack:
        # released last, after the cluster is closed and no worker writes any more
        stack.callback(_release, lock)
        action = check_existing(plan, path, resume=resume)
        if action != "create":
            lock.append(StoreLock.acquire(path, break_lock=break_lock, say=reporter.say))
            action = check_existing(plan, path, resume=resume)  # as it is now that it is ours
        removed = clean_leftovers(path)
        if removed:
            reporter.say(
                f"removed {len(removed)} folder(s) left by an interrupted run: "
                + ", ".join(p.name for p in removed)
            )
        state = None
        if action == "resume":
            state = prepare(plan, path, resume=True)
            partial = clean_partial_chunks(path)
            if partial:
                reporter.say(f"removed {partial} half-written chunk file(s) of an interrupted run")
            reporter.say(f"resuming {store}: {state.points_done:,}/{plan.n_points:,} points done")
            if not state.todo():
                reporter.say(
                    f"nothing to do: every point of {store} is marked done (`tripwire verify {store}` "
                    "checks their data)"
                )
                stats = SweepStats(plan.n_points, state.points_done, 0, 0, 0.0)
                return SweepOutcome(path, action, stats, state.chunk, len(state.regions()))
        elif action == "replace":
            reporter.say(f"overwriting {store} (--fresh)")
        elif path.is_dir():
            reporter.say(f"writing into the empty folder {store}")
        conn: Connection = connect(
            where, stack, say=reporter.say, warn=reporter.warn, client=client, closures=_closures(plan)
        )
        if state is None:
            state = prepare(
                plan,
                path,
                resume=resume,
                points_per_task=points_per_task,
                workers=conn.workers_hint,
                write=False,  # written while the first tasks compute
            )
            if not lock:
                lock.append(StoreLock.new(path))
            state.lock = lock[0]
            files = files_estimate(plan.design.shape, state.chunk, plan.model)
            if files > FILES_WARN:
                reporter.warn(
                    f"{len(state.regions()):,} chunks of up to {'x'.join(map(str, state.chunk))} points: the "
                    f"store will hold about {files:,} chunk files, slow to write, copy and read; "
                    f"--points-per-task {points_per_task_for(plan.n_points, FILES_WARN, plan.model)} or "
                    f"more keeps it under {FILES_WARN:,}"
                )
        lock[0].start_refreshing()
        reporter.say(
            f"store {store}: {len(state.regions())} task(s) of up to "
            f"{'x'.join(map(str, state.chunk))} points; {len(state.todo())} to run"
        )
        stats = run_plan(
            plan,
            state,
            conn.client,
            reporter=reporter,
            watch=conn.watch,
            worker_timeout=worker_timeout,
            while_running=while_running,
        )
        return SweepOutcome(path, action, stats, state.chunk, len(state.regions()))


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
    worker_timeout: float | None = DEFAULT_WORKER_TIMEOUT_S,
    where: Where | None = None,
    break_lock: bool = False,
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
        A ``distributed.Client``; ``None`` starts a local cluster of one worker per core (or what
        ``where`` says) and closes it after.
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
    worker_timeout
        Seconds without a live worker before the sweep stops with
        :class:`~tripwire.errors.ClusterError` (``None``: wait forever).
    where
        Where to run without a ``client``: :class:`Where` (a local cluster's size, a scheduler, or
        a SLURM/PBS cluster file).
    break_lock
        Take over the store's lock if it has not been refreshed for 10 minutes (a driver killed
        on another host); a lock of a process gone from this host is taken over anyway.
    model
        ``crisis`` (default: each point equals ``simulate``) or ``horizon`` (each point equals
        ``tripwire.horizon(world_at_point, trials, years=years, seed=seed)``, bit for bit).
    years
        Years per history of a horizon sweep (default: the world's ``horizon.years``).

    Returns
    -------
    xarray.Dataset
        :func:`tripwire.sweep.reader.open_sweep` of the store: tallies and derived probabilities
        with the sweep dimensions in front, and ``done``.

    Raises
    ------
    ParamError, DesignError, WorldError, SweepError
        A bad sweep, before any work starts.
    StoreMismatch
        ``store`` holds another sweep (and ``resume``) or something that is not a sweep store.
    StoreLocked
        Another driver is writing ``store``.
    ClusterError
        The cluster cannot run the sweep (no worker alive, jobs refused, a store the workers
        cannot see); the points done are kept.

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
    # the result opens lazily (its metadata is final), so open it while the workers compute
    opened: dict[str, xr.Dataset] = {}
    run_sweep(
        plan,
        store,
        client=client,
        where=where,
        resume=resume,
        points_per_task=points_per_task,
        worker_timeout=worker_timeout,
        break_lock=break_lock,
        reporter=Reporter(progress),
        while_running=lambda: opened.update(ds=open_sweep(store)),
    )
    return opened["ds"] if "ds" in opened else open_sweep(store)
