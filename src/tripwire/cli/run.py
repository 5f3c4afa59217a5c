"""``tripwire run`` and ``tripwire validate``."""

from __future__ import annotations

import argparse

from rich.console import Console

from . import whatif
from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    Interrupted,
    duration,
    output_path,
    positive_int,
    say,
    seed_value,
    since_start,
)
from .trials import add_yes


def _write(ds, args: argparse.Namespace, changes: str) -> None:
    """Write a run's result to ``--out``, with its what-if changes in the attrs."""
    from ..io.results import write_dataset

    if changes:
        ds.attrs["what_if"] = changes
    write_dataset(ds, args.out, overwrite=args.force)


def _kept(args: argparse.Namespace, ds, changes: str) -> str:
    """Keep the trials a Ctrl-C left (when ``--out`` was given) and say so in one line."""
    done = int(ds.attrs["trials"])
    head = f"interrupted after {done:,} of {args.trials:,} trials"
    if args.out is None:
        return f"{head}; no result was written (none was asked for with --out)"
    del ds.attrs["trials_requested"]  # what was written is exactly a run of `done` trials
    try:
        _write(ds, args, changes)
    except KeyboardInterrupt:
        return f"{head}; interrupted again while writing them, so nothing was written"
    return (
        f"{head}; those trials were written to {args.out} (the same result as --trials {done}); "
        "run again with --force to replace it with a full run"
    )


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    import warnings

    from ..crisis.compile import compile_world
    from ..crisis.runner import TrialRunner, run_simulation
    from ..errors import PartialResultWarning
    from ..io.results import check_output
    from ..world.model import load_world
    from .console import progress_bar
    from .trials import confirm_long

    if args.out is not None:  # before any work: a run must not be lost to an unwritable output
        check_output(args.out, overwrite=args.force, flag="--force")
    if args.scenario is None and args.date is None:
        from ..errors import WorldError

        raise WorldError(
            "tripwire run needs a scenario (a world file or a bundled name) or --date with --data"
        )
    if args.date is not None:
        world = _world_on(args)
        args.origins = []  # they built the world on the date; not a what-if change of it
    else:
        world = load_world(args.scenario)
    world, changes = whatif.apply(world, args)
    cw = compile_world(world)
    if not args.quiet:
        what_if = f"; what if: {changes}" if changes else ""
        say(console, f"{world.name}: {args.trials:,} trials, seed {args.seed}{what_if}")
    runner = TrialRunner([cw], seed=args.seed, threads=args.threads)
    nothing = "interrupted before any trial ran; nothing was written"
    try:
        compile_s = runner.compile()
        startup_s = since_start()
        runner.measure(args.trials)
        estimate = runner.estimate(args.trials)
        what = f"{args.trials:,} trials of {world.name}"
        if not confirm_long(estimate, what, yes=args.yes, console=console):
            say(console, "not run")
            return EXIT_FAILED
    except KeyboardInterrupt:  # while compiling, measuring, or at the prompt
        raise Interrupted(nothing) from None
    if not args.quiet:
        say(console, f"running: about {duration(estimate)} at {runner.rate[0]:,.0f} trials/s")
    show = not args.quiet and estimate > 2.0
    try:
        with (
            progress_bar(
                console, args.trials, world.name, enabled=show, log=not console.is_terminal, log_step=5
            ) as advance,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", PartialResultWarning)  # said below in the command's words
            ds = run_simulation(runner, world, args.trials, progress=advance)
    except KeyboardInterrupt:
        done = runner.done
        if done:  # Ctrl-C while the result of the trials done was being built
            nothing = (
                f"interrupted after {done:,} of {args.trials:,} trials while their result was being built; "
                "nothing was written"
            )
        raise Interrupted(nothing) from None
    run_s = runner.run_s
    if "trials_requested" in ds.attrs:
        raise Interrupted(_kept(args, ds, changes))
    from .console import summary_tables

    if not args.quiet:
        for table in summary_tables(ds):
            console.print(table)
    if args.out is not None:
        try:
            _write(ds, args, changes)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted while writing {args.out}; nothing was written (run again to redo it)"
            ) from None
        say(console, f"wrote {args.out} (`tripwire show {args.out}` prints it again)")
    say(
        console,
        f"{args.trials:,} trials in {run_s:.2f} s: {args.trials / run_s:,.0f} trials/s "
        f"(start-up {startup_s:.2f} s, of which loading or compiling the kernel {compile_s:.2f} s)",
    )
    return EXIT_OK


def _world_on(args: argparse.Namespace):
    """The world on ``--date`` from ``--data`` (``tripwire run --date ... --origin A:B --data DIR``)."""
    import warnings

    from ..errors import DataError, DataWarning
    from ..io.world_on import world_on

    if args.scenario is not None or args.data is None or not args.origins:
        raise DataError("--date takes --data DIR and at least one --origin INITIATOR:TARGET, and no scenario")
    origins = list(args.origins)  # (initiator(s), target(s), weight) from --origin
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        world = world_on(args.date, data=args.data, origins=origins, profile=args.profile)
    if caught and not args.quiet:
        print(f"{len(caught)} data note(s) while building the world (see tripwire.world_on)")
    return world


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from ..errors import TripwireError
    from ..world.model import load_world

    status = EXIT_OK
    for source in args.files:
        try:
            world = load_world(source)
        except (TripwireError, FileNotFoundError) as exc:
            console.print(f"[red]{source}: invalid[/red]")
            say(console, str(exc))
            status = EXIT_FAILED
            continue
        console.print(
            f"[green]{source}: ok[/green] — {world.name}: {len(world.states)} states, "
            f"{len(world.treaties)} treaties, {len(world.rivalries)} rivalries, "
            f"ladder {' < '.join(world.ladder.levels)}",
            highlight=False,
        )
    return status


def add_common(p: argparse.ArgumentParser, *, trials_help: str) -> None:
    """``--trials``, ``--seed``, ``--threads`` and ``--yes`` (shared with ``compare``)."""
    p.add_argument(
        "--trials",
        type=positive_int,
        default=1_000_000,
        help=f"{trials_help}; 1000000, 1_000_000 and 1e6 all work (default 1e6)",
    )
    p.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=positive_int, default=None, help="kernel threads (default: all cores)")
    add_yes(p)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run",
        help="run a scenario and print its risk summary",
        description="Run a world and print its risk summary; with --out, write the result "
        "(`tripwire show` prints it again). The what-if options change the world first. "
        "With --date and --data (and --origin), the world on that date is built from data.",
    )
    run.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="a world file (.yaml) or a bundled scenario name, e.g. july1914 (or --date)",
    )
    add_common(run, trials_help="trials")
    run.add_argument("--out", type=output_path, default=None, help="write the result to PATH (.zarr or .nc)")
    run.add_argument(
        "--force", action="store_true", help="replace a tripwire result at --out (nothing else is replaced)"
    )
    run.add_argument("--quiet", action="store_true", help="print only the throughput line")
    whatif.add_arguments(run)
    # the world on a date, built from data (tripwire.world_on); --origin (above) gives its origins
    date = run.add_argument_group("the world on a date, from data")
    date.add_argument("--date", default=None, help="build the world on this date from --data (1914-07-28)")
    date.add_argument("--data", default=None, help="the data folder for --date")
    date.add_argument(
        "--profile", default=None, help="a profile for --date (e.g. mid5; default: model defaults)"
    )
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check world files and print their errors")
    validate.add_argument("files", nargs="+", help="world files (or bundled scenario names)")
    validate.set_defaults(func=cmd_validate)
