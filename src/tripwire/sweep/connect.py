"""Where a sweep runs: a local cluster of worker processes (the default), a running dask scheduler,
or a SLURM/PBS cluster through dask-jobqueue (:class:`Where`, :func:`connect`)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from ..errors import SweepError
from .clusters import ClusterFile


@dataclass(frozen=True)
class Where:
    """Where a sweep runs; the default is a local cluster of one worker process per core.

    Attributes
    ----------
    workers, threads_per_worker
        A local cluster of ``workers`` processes (default: one per core) with this many kernel
        threads each.
    scheduler
        The address of a running dask scheduler (``tcp://host:8786``).
    scheduler_file
        A scheduler file (``dask scheduler --scheduler-file FILE``).
    cluster, cluster_config
        ``slurm`` or ``pbs`` and its cluster file (``configs/cluster/``), or a
        :class:`~tripwire.sweep.clusters.ClusterFile`.
    """

    workers: int | None = None
    threads_per_worker: int = 1
    scheduler: str | None = None
    scheduler_file: str | os.PathLike | None = None
    cluster: str | None = None
    cluster_config: str | os.PathLike | ClusterFile | None = None

    def check(self) -> None:
        """Refuse options that contradict each other.

        Raises
        ------
        SweepError
            More than one way to run, local-cluster sizes with another way, or a batch cluster
            without its file.
        """
        chosen = [
            flag
            for flag, value in (
                ("--scheduler", self.scheduler),
                ("--scheduler-file", self.scheduler_file),
                ("--cluster", self.cluster),
            )
            if value
        ]
        if chosen and (self.workers is not None or self.threads_per_worker != 1):
            raise SweepError(
                "--workers and --threads-per-worker size a local cluster; leave them out with "
                "--scheduler, --scheduler-file or --cluster"
            )
        if len(chosen) > 1:
            raise SweepError(f"{' and '.join(chosen)} each choose the cluster; give one of them")
        if self.cluster and self.cluster_config is None:
            raise SweepError(
                f"--cluster {self.cluster} needs --cluster-config FILE "
                f"(see configs/cluster/{self.cluster}.yaml)"
            )

    @property
    def local(self) -> bool:
        return not (self.scheduler or self.scheduler_file or self.cluster)


@dataclass
class Connection:
    """A client and what the driver needs to know about its cluster."""

    client: Any
    workers_hint: int
    watch: Any = None  # a tripwire.sweep.jobs.JobWatch for batch clusters
    cluster: Any = None


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
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

    n = workers or max(1, cpu_count() // max(1, threads_per_worker))
    # errors only: closing a cluster mid-task (Ctrl-C) otherwise logs warnings from every worker
    options = {"dashboard_address": ":0", "silence_logs": logging.ERROR, **cluster_options}
    with contextlib.ExitStack() as stack:
        with _ignoring(signal.SIGINT, signal.SIGHUP):
            # worker processes (and multiprocessing's helper) start with SIGINT and SIGHUP ignored:
            # a Ctrl-C or a closed terminal, which signal the whole process group, reach the
            # driver, which closes them, instead of killing each with a traceback
            cluster = stack.enter_context(
                LocalCluster(n_workers=n, threads_per_worker=threads_per_worker, processes=True, **options)
            )
        client = stack.enter_context(Client(cluster))
        client.register_plugin(IgnoreSignals(), name="tripwire-ignore-signals")  # restarted workers too
        yield client


@contextlib.contextmanager
def _ignoring(*signums: int) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in signums}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class IgnoreSignals(WorkerPlugin):
    """A worker plugin: a local worker process ignores SIGINT and SIGHUP (its driver handles them
    and closes the cluster)."""

    def setup(self, worker) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)


def n_workers(client) -> int:
    """Workers a client's cluster has now."""
    return len(client.nthreads())


def connect(
    where: Where,
    stack: contextlib.ExitStack,
    *,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    client=None,
    closures: tuple[str, ...] = ("csr",),
) -> Connection:
    """A client for ``where`` (or the given ``client``), closed by ``stack``.

    A batch cluster's jobs are asked for here and submitted in the background; the returned
    connection's ``watch`` reports them (and refused ones) to the driver. The kernels of the
    joining ``closures`` the sweep will run are compiled (or loaded) first, for the workers.
    """
    from distributed import Client

    if client is not None:
        return Connection(client, n_workers(client) or 8)
    where.check()
    if where.scheduler or where.scheduler_file:
        client = stack.enter_context(
            Client(where.scheduler, timeout="60s")
            if where.scheduler
            else Client(scheduler_file=str(where.scheduler_file), timeout="60s")
        )
        label = where.scheduler or f"scheduler file {where.scheduler_file}"
        say(f"connected to {label}: {n_workers(client)} worker(s)")
        return Connection(client, n_workers(client) or 8)
    if where.cluster:
        _warm(say, closures)  # on a shared home, the nodes load the kernels the driver compiled
        from .clusters import job_python, jobqueue_cluster, start_jobs
        from .jobs import JobWatch

        cluster, spec = jobqueue_cluster(where.cluster, where.cluster_config)  # type: ignore[arg-type]
        stack.enter_context(cluster)
        watch = JobWatch(
            cluster,
            where.cluster,
            queue_check_s=spec.queue_check_s,
            jobs=None if spec.adapt is not None else (spec.jobs or 1),
            say=say,
            warn=warn,
        )
        client = stack.enter_context(Client(cluster))
        start_jobs(cluster, spec)
        python = job_python(where.cluster, spec.cluster)
        say(
            f"{where.cluster} cluster: asking for {spec.describe_jobs()}; jobs run {python}; "
            f"dashboard {client.dashboard_link}"
        )
        return Connection(client, spec.workers_hint, watch, cluster)
    _warm(say, closures)  # the workers then load the compiled kernels instead of compiling them each
    t0 = time.perf_counter()
    client = stack.enter_context(local_client(where.workers, where.threads_per_worker))
    say(
        f"local cluster: {n_workers(client)} worker(s) x {where.threads_per_worker} thread(s), "
        f"started in {time.perf_counter() - t0:.1f} s; dashboard {client.dashboard_link}"
    )
    return Connection(client, n_workers(client))


def _warm(say: Callable[[str], None], closures: tuple[str, ...]) -> None:
    """Compile the kernels into the on-disk cache (or load them) before workers start."""
    from ..crisis.simulate import warm_kernels

    seconds = warm_kernels(closures)
    if seconds >= 1:
        say(f"kernels compiled in {seconds:.1f} s (cached for the workers)")


def job_script(where: Where) -> str:
    """The batch script each job of ``where``'s cluster would run (nothing is submitted)."""
    from .clusters import jobqueue_cluster

    cluster, _ = jobqueue_cluster(where.cluster, where.cluster_config)  # type: ignore[arg-type]
    with cluster:
        return cluster.job_script()
