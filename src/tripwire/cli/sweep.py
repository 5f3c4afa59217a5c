"""``tripwire sweep`` (run a sweep file into a resumable zarr store) and ``tripwire show``."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from ..errors import SweepError
from ._common import EXIT_FAILED, EXIT_OK, positive_int, seed_value


def _say(console: Console, text: str) -> None:
    """One plain line: no markup, no highlighting, no hard wrapping (batch logs stay greppable)."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _store_path(text: str) -> Path:
    path = Path(text)
    if path.suffix != ".zarr":
        raise argparse.ArgumentTypeError(f"a sweep store is a zarr folder ending in .zarr, saw {text!r}")
    return path


def _throttled(advance: Callable[[int], None], total: int, seconds: float = 30.0):
    """Pass on progress in steps of about 2 % (or every ``seconds``), for plain log lines."""
    step = max(1, total // 50)
    pending = [0, time.monotonic()]

    def add(n: int) -> None:
        pending[0] += n
        if pending[0] >= step or time.monotonic() - pending[1] >= seconds:
            advance(pending[0])
            pending[0], pending[1] = 0, time.monotonic()

    def flush() -> None:
        if pending[0]:
            advance(pending[0])
            pending[0] = 0

    return add, flush


def _connect(args: argparse.Namespace, stack: contextlib.ExitStack, console: Console):
    """A client for the cluster the options ask for, and how many workers to plan chunks for."""
    from distributed import Client

    from ..sweep.clusters import jobqueue_cluster, start_jobs
    from ..sweep.run import local_client, n_workers

    if args.scheduler or args.scheduler_file:
        client = stack.enter_context(
            Client(args.scheduler, timeout="60s")
            if args.scheduler
            else Client(scheduler_file=str(args.scheduler_file), timeout="60s")
        )
        where = args.scheduler or f"scheduler file {args.scheduler_file}"
        _say(console, f"connected to {where}: {n_workers(client)} worker(s)")
        return client, n_workers(client) or 8
    if args.cluster:
        cluster, spec = jobqueue_cluster(args.cluster, args.cluster_config)
        stack.enter_context(cluster)
        start_jobs(cluster, spec)
        client = stack.enter_context(Client(cluster))
        jobs = (
            f"adapting {spec.adapt.minimum_jobs}-{spec.adapt.maximum_jobs}"
            if spec.adapt
            else f"{spec.jobs or 1}"
        )
        _say(console, f"{args.cluster} cluster: {jobs} job(s) submitted; dashboard {client.dashboard_link}")
        return client, spec.workers_hint
    t0 = time.perf_counter()
    client = stack.enter_context(local_client(args.workers, args.threads_per_worker))
    _say(
        console,
        f"local cluster: {n_workers(client)} worker(s) x {args.threads_per_worker} thread(s), "
        f"started in {time.perf_counter() - t0:.1f} s; dashboard {client.dashboard_link}",
    )
    return client, n_workers(client)


def cmd_sweep(args: argparse.Namespace, console: Console) -> int:
    from ..sweep.files import load_sweep
    from ..sweep.run import run_plan
    from ..sweep.store import check_existing, prepare
    from .console import progress_bar

    if (args.scheduler or args.scheduler_file or args.cluster) and (
        args.workers is not None or args.threads_per_worker != 1
    ):
        raise SweepError(
            "--workers and --threads-per-worker size a local cluster; leave them out with "
            "--scheduler, --scheduler-file or --cluster"
        )
    chosen = [
        flag
        for flag, value in (
            ("--scheduler", args.scheduler),
            ("--scheduler-file", args.scheduler_file),
            ("--cluster", args.cluster),
        )
        if value
    ]
    if len(chosen) > 1:
        raise SweepError(f"{' and '.join(chosen)} each choose the cluster; give one of them")
    if args.cluster and args.cluster_config is None:
        raise SweepError(
            f"--cluster {args.cluster} needs --cluster-config FILE (see configs/cluster/{args.cluster}.yaml)"
        )
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
    resume = not args.fresh
    action = check_existing(plan, args.out, resume=resume)
    state = None
    if action == "resume":
        state = prepare(plan, args.out, resume=True)
        _say(console, f"resuming {args.out}: {state.points_done:,}/{plan.n_points:,} points done")
    elif action == "replace":
        _say(console, f"overwriting {args.out} (--fresh)")
    if state is not None and not state.todo():
        _say(console, f"nothing to do: every point of {args.out} is done")
        return EXIT_OK

    log = args.log or not console.is_terminal
    with contextlib.ExitStack() as stack:
        client, workers = _connect(args, stack, console)
        if state is None:
            state = prepare(
                plan,
                args.out,
                resume=resume,
                points_per_task=spec.points_per_task,
                workers=workers,
                write=False,  # written while the first tasks compute
            )
        _say(
            console,
            f"store {args.out}: {len(state.regions())} task(s) of up to "
            f"{'x'.join(map(str, state.chunk))} points; {len(state.todo())} to run",
        )
        with progress_bar(console, plan.n_points, f"{plan.name} points", log=log) as advance:
            if state.points_done:
                advance(state.points_done)
            add, flush = _throttled(advance, plan.n_points) if log else (advance, lambda: None)
            hint = f"chunks written so far are kept: run the same command again to resume {args.out}"
            try:
                stats = run_plan(plan, state, client, progress=add)
            except KeyboardInterrupt:
                _say(Console(stderr=True), f"interrupted; {hint}")
                raise
            except Exception as exc:  # a task failed
                _say(Console(stderr=True), f"error: the sweep stopped: {type(exc).__name__}: {exc}\n{hint}")
                return EXIT_FAILED
            flush()
    wall = time.perf_counter() - t_start
    _say(
        console,
        f"{plan.name}: {plan.n_points:,} points ({stats.points_run:,} computed now, "
        f"{stats.points_before:,} done before); {stats.trials_run:,} trials in {stats.wall_s:.2f} s: "
        f"{stats.trials_per_s:,.0f} trials/s; wall time {wall:.2f} s",
    )
    _say(console, f"wrote {args.out} (`tripwire show {args.out}` describes it)")
    return EXIT_OK


def _values(values: list, limit: int = 8) -> str:
    def fmt(v) -> str:
        return f"{v:g}" if isinstance(v, float) else str(v).lower() if isinstance(v, bool) else str(v)

    shown = ", ".join(fmt(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} values)" if len(values) > limit else "")


def show_sweep_store(args: argparse.Namespace, console: Console) -> int:
    from ..sweep.store import describe

    info = describe(args.store)
    design = info["design"]
    rows: list[tuple[str, str]] = []
    title = f"{info['name']!r}" + (f": {info['description']}" if info["description"] else "")
    rows.append(("store", info["path"]))
    rows.append(("sweep", title))
    rows.append(
        (
            "world",
            f"{info['world_name']} (hash {info['world_hash'][:12]}), "
            f"engine tripwire {info['engine_version']}",
        )
    )
    dims = " x ".join(f"{d} ({s})" for d, s in zip(info["dims"], info["shape"], strict=True))
    extra = f", n = {design['n']}, design seed {design['seed']}" if design["kind"] in ("lhs", "sobol") else ""
    rows.append(("design", f"{design['kind']}: {info['points']:,} points over {dims}{extra}"))
    for k, path in enumerate(design["paths"]):
        values = design["params"][path]
        text = f"[{values[0]:g}, {values[1]:g}]" if design["kind"] in ("lhs", "sobol") else _values(values)
        rows.append(("params" if k == 0 else "", f"{path}: {text}"))
    rows.append(
        ("trials", f"{info['trials']:,} per point, seed {info['seed']} (trial block {info['trial_block']:,})")
    )
    rows.append(("chunks", f"{'x'.join(map(str, info['chunk']))} points per task, {info['tasks']:,} task(s)"))
    pct = 100 * info["points_done"] / info["points"]
    status = (
        "complete" if info["points_done"] == info["points"] else "incomplete: rerun the sweep to resume it"
    )
    rows.append(
        (
            "done",
            f"{info['points_done']:,}/{info['points']:,} points ({pct:.0f}%), "
            f"{info['tasks_done']:,}/{info['tasks']:,} tasks; {status}",
        )
    )
    if "p_war_range" in info:
        lo, hi = info["p_war_range"]
        rows.append((f"P(>= {info['war_level']})", f"{lo:.4f} - {hi:.4f} over the points done"))
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        _say(console, key.ljust(width) + value)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep file into a resumable zarr store",
        description="Run a sweep file (see configs/sweeps/) on a dask cluster into a zarr store. "
        "Rerunning the same command resumes an interrupted sweep.",
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
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume", dest="fresh", action="store_false", help="resume the store if it exists (default)"
    )
    mode.add_argument("--fresh", dest="fresh", action="store_true", help="overwrite the store if it exists")
    p.set_defaults(fresh=False)
    p.add_argument("--log", action="store_true", help="plain progress lines for batch logs instead of a bar")
    p.add_argument("--trials", type=positive_int, default=None, help="trials per point (overrides the file)")
    p.add_argument("--seed", type=seed_value, default=None, help="seed (overrides the file)")
    p.add_argument(
        "--points-per-task", type=positive_int, default=None, help="points per chunk of a new store"
    )
    p.add_argument("--trial-block", type=positive_int, default=None, help="most trials per task and point")
    p.set_defaults(func=cmd_sweep)
