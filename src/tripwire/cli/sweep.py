"""``tripwire sweep``: run a sweep file into a resumable zarr store (``tripwire show`` describes it).

The command is a thin layer over :func:`tripwire.sweep.run.run_sweep`: it reads the sweep file,
prints what the driver reports (plain lines with ``--log`` or when the output is not a terminal, a
progress bar otherwise), and turns the outcome into an exit code: 0 done, 1 the sweep stopped (a
task failed, the cluster could not run it), 2 a bad input, and 130 / 143 / 129 after SIGINT /
SIGTERM / SIGHUP. Whatever stops it, one line says how many points are kept and how to resume.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console

from ..errors import ClusterError, TripwireError
from ._common import EXIT_FAILED, EXIT_OK, positive_int, seed_value


def _say(console: Console, text: str) -> None:
    """One plain line: no markup, no highlighting, no hard wrapping (batch logs stay greppable)."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _store_path(text: str) -> Path:
    path = Path(text)
    if path.suffix != ".zarr":
        raise argparse.ArgumentTypeError(f"a sweep store is a zarr folder ending in .zarr, saw {text!r}")
    return path


def _duration(text: str) -> float | None:
    """Seconds from ``600``, ``10m``, ``2h``...; ``0``, ``none`` or ``off``: no limit."""
    from dask.utils import parse_timedelta

    if text.strip().lower() in ("0", "none", "off", "never"):
        return None
    try:
        value = float(parse_timedelta(text.strip(), default="seconds"))
    except (ValueError, KeyError, TypeError):
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 600, 10m or 2h (0 for none), saw {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a duration >= 0, saw {text!r}")
    return value or None


def _throttled(advance: Callable[[int], None], total: int, seconds: float = 30.0):
    """Pass on progress in steps of about 2 % (or every ``seconds``), for plain log lines."""
    step = max(1, total // 50)
    pending = 0
    since = time.monotonic()

    def add(n: int) -> None:
        nonlocal pending, since
        pending += n
        if pending >= step or time.monotonic() - since >= seconds:
            advance(pending)
            pending, since = 0, time.monotonic()

    def flush() -> None:
        nonlocal pending
        if pending:
            advance(pending)
            pending = 0

    return add, flush


def _nothing() -> None:
    pass


def _kept(store: Path) -> str:
    """What an interrupted or failed run leaves, and how to go on."""
    from ..sweep.store import count_done

    counts = count_done(store)
    if counts is None:
        return f"no store was written at {store}; run the same command again to start the sweep"
    done, total = counts
    if done == 0:
        return f"{store} holds no finished point yet; run the same command again to resume it"
    return f"{done:,}/{total:,} points are done and kept in {store}; run the same command again to resume"


def _make_reporter(console: Console, err: Console, *, log: bool, label: str, total: int, every: float):
    """The driver's reporter for the command line, and a context that shows the progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..sweep.run import Reporter, RunStatus

    class CliReporter(Reporter):
        def __init__(self) -> None:
            super().__init__()
            self.started = False
            self.bar: Any = None
            self.task: Any = None
            self.done = 0
            self.last = 0.0  # the first status line comes after `every` seconds
            self.add: Callable[[int], None] = self._advance
            self.flush: Callable[[], None] = _nothing
            if log:
                self.add, self.flush = _throttled(self._advance, total)

        def say(self, text: str) -> None:
            _say(console, text)

        def warn(self, text: str) -> None:
            _say(err, f"warning: {text}")

        def _advance(self, n: int) -> None:
            self.done += n
            if self.bar is not None:
                self.bar.advance(self.task, n)
            else:
                _say(console, f"{label}: {self.done:,}/{total:,} ({100 * self.done / total:.0f}%)")

        def begin(self, points_done: int) -> None:
            if points_done:
                self._advance(points_done)

        def progress(self, points: int) -> None:
            self.started = True
            self.add(points)

        def status(self, status: RunStatus) -> None:
            self.started = True
            if self.bar is not None:
                text = f"workers {status.workers}" + (f"; {status.jobs.line()}" if status.jobs else "")
                self.bar.update(self.task, status=text)
            elif status.elapsed_s - self.last >= every:
                self.last = status.elapsed_s
                _say(console, f"status: {status.line()}")

    reporter = CliReporter()

    @contextlib.contextmanager
    def showing() -> Iterator[CliReporter]:
        if log:
            try:
                yield reporter
            finally:
                reporter.flush()
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            reporter.bar, reporter.task = bar, bar.add_task(label, total=total, status="")
            try:
                yield reporter
            finally:
                reporter.bar = None

    return reporter, showing


def _dry_run(args: argparse.Namespace, console: Console, plan, spec, where) -> int:
    from ..sweep.chunks import (
        FILES_WARN,
        chunk_shape_for,
        default_points_per_task,
        files_estimate,
        points_per_task_for,
    )
    from ..sweep.clusters import job_python, read_cluster_file
    from ..sweep.connect import cpu_count, job_script
    from ..sweep.lock import read_lock
    from ..sweep.store import check_existing, chunk_of, read_done

    where.check()
    _say(console, "dry run: nothing is written and no job is submitted")
    action = check_existing(plan, args.out, resume=not args.fresh)
    lock = read_lock(args.out) if args.out.is_dir() else None
    if lock is not None:
        _say(console, f"lock: {args.out} is locked by {lock.describe()}")
    cluster_spec = read_cluster_file(where.cluster_config) if where.cluster else None
    if action == "resume":
        done = read_done(args.out)
        chunk = chunk_of(args.out)
        _say(console, f"store {args.out}: would be resumed ({int(done.sum()):,}/{done.size:,} points done)")
        basis = "the store's chunks"
    else:
        if cluster_spec is not None:
            workers, basis = (
                cluster_spec.workers_hint,
                f"{cluster_spec.workers_hint} workers of the cluster file",
            )
        elif where.local:
            workers = where.workers or max(1, cpu_count() // where.threads_per_worker)
            basis = f"{workers} local workers"
        else:
            workers, basis = 8, "8 workers (the scheduler's are counted when it runs)"
        per_task = spec.points_per_task or default_points_per_task(
            plan.n_points, plan.trials, plan.trial_block, workers
        )
        chunk = chunk_shape_for(plan.design.shape, per_task)
        what = "overwritten (--fresh)" if action == "replace" else "created"
        _say(console, f"store {args.out}: would be {what}")
    files = files_estimate(plan.design.shape, chunk, plan.model)
    tasks = math.prod(-(-s // c) for s, c in zip(plan.design.shape, chunk, strict=True))
    _say(
        console,
        f"chunks: {tasks:,} task(s) of up to {'x'.join(map(str, chunk))} points ({basis}); "
        f"about {files:,} chunk files",
    )
    if files > FILES_WARN:
        _say(
            console,
            f"warning: that is many files; --points-per-task "
            f"{points_per_task_for(plan.n_points, model=plan.model)} or more keeps the store under "
            f"{FILES_WARN:,}",
        )
    if cluster_spec is not None:
        python = job_python(where.cluster, cluster_spec.cluster)
        _say(
            console,
            f"{where.cluster} cluster: {cluster_spec.describe_jobs()} of "
            f"{cluster_spec.cluster.get('processes', 1)} worker(s) each; jobs run {python}",
        )
        _say(console, "job script:")
        console.print(job_script(where), markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace, console: Console) -> int:
    from ..sweep.connect import Where
    from ..sweep.files import load_sweep
    from ..sweep.run import run_sweep
    from ..sweep.signals import exit_code

    where = Where(
        workers=args.workers,
        threads_per_worker=args.threads_per_worker,
        scheduler=args.scheduler,
        scheduler_file=args.scheduler_file,
        cluster=args.cluster,
        cluster_config=args.cluster_config,
    )
    where.check()
    t_start = time.perf_counter()
    plan, spec = load_sweep(
        args.file,
        trials=args.trials,
        seed=args.seed,
        points_per_task=args.points_per_task,
        trial_block=args.trial_block,
    )
    d = plan.design
    shape = " x ".join(f"{dim} ({size})" for dim, size in zip(d.dims, d.shape, strict=True))
    _say(
        console,
        f"sweep {plan.name!r} on {plan.world.name}: {d.kind} design, {plan.n_points:,} points [{shape}] "
        f"x {plan.trials:,} trials, seed {plan.seed}",
    )
    if args.dry_run:
        return _dry_run(args, console, plan, spec, where)
    err = Console(stderr=True, width=console.width if not console.is_terminal else None)
    log = args.log or not console.is_terminal
    reporter, showing = _make_reporter(
        console,
        err,
        log=log,
        label=f"{plan.name} points",
        total=plan.n_points,
        every=args.report_every or float("inf"),
    )
    stopped: BaseException | None = None
    with showing():
        try:
            outcome = run_sweep(
                plan,
                args.out,
                where=where,
                resume=not args.fresh,
                points_per_task=spec.points_per_task,
                worker_timeout=args.worker_timeout,
                break_lock=args.break_lock,
                reporter=reporter,
            )
        except KeyboardInterrupt as exc:  # SIGINT, SIGTERM, SIGHUP
            stopped = exc
        except TripwireError as exc:
            if not reporter.started and not isinstance(exc, ClusterError):
                raise  # a bad input, before any work: the command line's usual error
            stopped = exc
        except Exception as exc:  # a task failed
            stopped = exc
    if isinstance(stopped, KeyboardInterrupt):
        from ..sweep.signals import Interrupted

        name = stopped.name if isinstance(stopped, Interrupted) else "SIGINT"
        jobs = "; batch jobs cancelled" if args.cluster else ""
        _say(err, f"interrupted by {name}{jobs}: {_kept(args.out)}")
        return exit_code(stopped)
    if stopped is not None:
        what = str(stopped) if isinstance(stopped, TripwireError) else f"{type(stopped).__name__}: {stopped}"
        _say(err, f"error: the sweep stopped: {what}")
        _say(err, _kept(args.out))
        return EXIT_FAILED
    stats = outcome.stats
    if stats.points_run == 0 and outcome.action == "resume":
        return EXIT_OK
    wall = time.perf_counter() - t_start
    waited = f" (after {stats.wait_s:.0f} s waiting for workers)" if stats.wait_s >= 1 else ""
    _say(
        console,
        f"{plan.name}: {plan.n_points:,} points ({stats.points_run:,} computed now, "
        f"{stats.points_before:,} done before); {stats.trials_run:,} trials in {stats.wall_s:.2f} s{waited}: "
        f"{stats.trials_per_s:,.0f} trials/s; wall time {wall:.2f} s",
    )
    _say(console, f"wrote {args.out} (`tripwire show {args.out}` describes it)")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from ..defaults import SWEEP_REPORT_S as REPORT_S
    from ..defaults import SWEEP_WORKER_TIMEOUT_S as DEFAULT_WORKER_TIMEOUT_S

    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep file into a resumable zarr store",
        description="Run a sweep file (see configs/sweeps/) on a dask cluster into a zarr store. "
        "Rerunning the same command resumes an interrupted sweep. Exit codes: 0 done, 1 the sweep "
        "stopped (points done are kept), 2 bad input, 130/143/129 after SIGINT/SIGTERM/SIGHUP.",
    )
    p.add_argument("file", help="the sweep file (YAML)")
    p.add_argument("--out", type=_store_path, required=True, help="the store to write (STORE.zarr)")
    where = p.add_argument_group("where to run (default: a local cluster)")
    where.add_argument(
        "--workers", type=positive_int, default=None, help="local worker processes (default: one per core)"
    )
    where.add_argument(
        "--threads-per-worker",
        type=positive_int,
        default=1,
        help="threads per local worker (the kernel uses them)",
    )
    where.add_argument("--scheduler", metavar="ADDRESS", default=None, help="connect to a running scheduler")
    where.add_argument(
        "--scheduler-file", metavar="FILE", type=Path, default=None, help="connect via a scheduler file"
    )
    where.add_argument(
        "--cluster", choices=("slurm", "pbs"), default=None, help="start a batch cluster (dask-jobqueue)"
    )
    where.add_argument(
        "--cluster-config",
        metavar="FILE",
        type=Path,
        default=None,
        help="the batch cluster's options (YAML; see configs/cluster/)",
    )
    where.add_argument(
        "--worker-timeout",
        metavar="DURATION",
        type=_duration,
        default=DEFAULT_WORKER_TIMEOUT_S,
        help=f"stop (keeping the points done) when no worker has been alive this long, e.g. 600, 30m, "
        f"6h; 0 waits forever (default {DEFAULT_WORKER_TIMEOUT_S / 60:.0f}m)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume", dest="fresh", action="store_false", help="resume the store if it exists (default)"
    )
    mode.add_argument("--fresh", dest="fresh", action="store_true", help="overwrite the store if it exists")
    p.set_defaults(fresh=False)
    p.add_argument(
        "--break-lock",
        action="store_true",
        help="take over the store's lock if it has not been refreshed for 10 minutes (a driver killed on "
        "another host); a lock of a process gone from this host is taken over anyway",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (and a batch cluster's job script) without writing or submitting anything",
    )
    p.add_argument("--log", action="store_true", help="plain progress lines for batch logs instead of a bar")
    p.add_argument(
        "--report-every",
        metavar="DURATION",
        type=_duration,
        default=REPORT_S,
        help=f"seconds between status lines (workers, jobs) in --log mode (default {REPORT_S:.0f})",
    )
    p.add_argument("--trials", type=positive_int, default=None, help="trials per point (overrides the file)")
    p.add_argument("--seed", type=seed_value, default=None, help="seed (overrides the file)")
    p.add_argument(
        "--points-per-task", type=positive_int, default=None, help="points per chunk of a new store"
    )
    p.add_argument("--trial-block", type=positive_int, default=None, help="most trials per task and point")
    p.set_defaults(func=cmd_sweep)
