"""``tripwire run`` and ``tripwire validate``."""

from __future__ import annotations

import argparse
import time

from rich.console import Console

from ._common import EXIT_FAILED, EXIT_OK, output_path, positive_int, seed_value


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from ..crisis.compile import compile_world
    from ..crisis.results import make_dataset
    from ..crisis.simulate import run_tallies
    from ..io.results import write_dataset
    from ..world.model import load_world
    from .console import progress_bar, summary_tables

    if args.scenario is None and args.date is None:
        from ..errors import WorldError

        raise WorldError(
            "tripwire run needs a scenario (a world file or a bundled name) or --date with --data"
        )
    world = _world_on(args) if args.date is not None else load_world(args.scenario)
    cw = compile_world(world)
    t0 = time.perf_counter()
    run_tallies(cw, 1, threads=args.threads)  # compile (or load the cache) before timing
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    show = args.trials >= 2_000_000 and not args.quiet
    with progress_bar(
        console, args.trials, f"{world.name}", enabled=show, log=not console.is_terminal
    ) as adv:
        tallies = run_tallies(cw, args.trials, seed=args.seed, threads=args.threads, progress=adv)
    run_s = time.perf_counter() - t0
    ds = make_dataset(cw, world, tallies, seed=args.seed, trials=args.trials)
    if not args.quiet:
        for table in summary_tables(ds):
            console.print(table)
    if args.out is not None:
        write_dataset(ds, args.out)
        console.print(f"wrote {args.out}")
    console.print(
        f"{args.trials:,} trials in {run_s:.2f} s: {args.trials / run_s:,.0f} trials/s "
        f"(compile {compile_s:.2f} s)",
        highlight=False,
    )
    return EXIT_OK


def _origin(text: str) -> tuple[list[str], list[str]]:
    """``A:B`` or ``A,B:C`` -> (initiators, targets)."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise argparse.ArgumentTypeError(
            f"an origin is INITIATOR:TARGET (several a side with commas), saw {text!r}"
        )
    return tuple([c.strip() for c in side.split(",") if c.strip()] for side in parts)  # type: ignore[return-value]


def _world_on(args: argparse.Namespace):
    """The world on ``--date`` from ``--data`` (``tripwire run --date ... --origin A:B --data DIR``)."""
    import warnings

    from ..errors import DataError, DataWarning
    from ..io.world_on import world_on

    if args.scenario is not None or args.data is None or not args.origin:
        raise DataError("--date takes --data DIR and at least one --origin INITIATOR:TARGET, and no scenario")
    origins = [(a if len(a) > 1 else a[0], b if len(b) > 1 else b[0]) for a, b in args.origin]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        world = world_on(args.date, data=args.data, origins=origins, profile=args.profile)
    if caught and not args.quiet:
        print(f"{len(caught)} data note(s) while building the world (see tripwire.world_on)")
    return world


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from ..errors import WorldError
    from ..world.model import load_world

    status = EXIT_OK
    for source in args.files:
        try:
            world = load_world(source)
        except (WorldError, FileNotFoundError) as exc:
            console.print(f"[red]{source}: invalid[/red]")
            console.print(str(exc), markup=False, highlight=False)
            status = EXIT_FAILED
            continue
        console.print(
            f"[green]{source}: ok[/green] — {world.name}: {len(world.states)} states, "
            f"{len(world.treaties)} treaties, {len(world.rivalries)} rivalries, "
            f"ladder {' < '.join(world.ladder.levels)}",
            highlight=False,
        )
    return status


def add_parsers(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a scenario and print its risk summary")
    run.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="a world file (.yaml) or a bundled scenario name, e.g. july1914",
    )
    run.add_argument("--trials", type=positive_int, default=1_000_000, help="trials (default 1,000,000)")
    run.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    run.add_argument("--threads", type=positive_int, default=None, help="kernel threads (default: all cores)")
    run.add_argument("--out", type=output_path, default=None, help="write the result to PATH (.zarr or .nc)")
    run.add_argument("--quiet", action="store_true", help="print only the throughput line")
    # the world on a date, built from data (tripwire.world_on)
    run.add_argument("--date", default=None, help="build the world on this date from --data (1914-07-28)")
    run.add_argument("--data", default=None, help="the data folder for --date")
    run.add_argument(
        "--origin",
        type=_origin,
        action="append",
        default=None,
        help="INITIATOR:TARGET for --date (repeatable)",
    )
    run.add_argument(
        "--profile", default=None, help="a profile for --date (e.g. mid5; default: model defaults)"
    )
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check world files and print their errors")
    validate.add_argument("files", nargs="+", help="world files (or bundled scenario names)")
    validate.set_defaults(func=cmd_validate)
