"""``tripwire horizon``: run the long-horizon model on a scenario and print its summary."""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from ._common import EXIT_FAILED, EXIT_OK, output_path, positive_int, seed_value
from .trials import add_yes


def summary_tables(ds) -> list[Table]:
    """Tables for one horizon run: P(first systemic war <= y) with 95 % Wilson intervals, the
    treaties most likely to end and how, and arms quantiles of the main rivals in the last year."""
    from ..horizon.results import summarize

    s = summarize(ds)
    start = ds.attrs.get("start_year")
    rule = ds.attrs.get("systemic_level", "")
    majors = int(ds.attrs.get("systemic_majors", 0))
    what = f"final level >= {rule}" + (f" with {majors}+ major powers a side" if majors else "")
    risk = Table(
        title=f"{ds.attrs.get('world_name', '')}: {s['trials']:,} histories of {s['years']} years, "
        f"seed {ds.attrs.get('seed')}"
    )
    risk.add_column("within", style="bold")
    risk.add_column("P(systemic war)", justify="right")
    risk.add_column("95 % interval", justify="right")
    for y, p, lo, hi in s["p_first_systemic"]:
        label = f"{y} years" + (f" ({start + y})" if start is not None else "")
        risk.add_row(label, f"{p:.4f}", f"{lo:.4f} – {hi:.4f}")
    risk.caption = f"systemic war: {what}; {s['crises'] / s['trials']:.2f} crises per history"
    tables = [risk]
    if s["treaties"]:
        ends = Table(title="treaties most likely to end, and how")
        ends.add_column("treaty", style="bold")
        ends.add_column("P(ends)", justify="right")
        causes = list(s["treaties"][0][2])
        for c in causes:
            ends.add_column(c, justify="right")
        for name, total, by in s["treaties"]:
            ends.add_row(name, f"{total:.3f}", *(f"{by[c]:.3f}" for c in causes))
        tables.append(ends)
    if s["arms"]:
        year = s["years"] + (start or 0)
        arms = Table(title=f"arms x (1 = start) in {'year ' if start is None else ''}{year}: main rivals")
        arms.add_column("state", style="bold")
        for q in s["quantiles"]:
            arms.add_column(f"q{int(round(100 * q)):02d}", justify="right")
        for code, values in s["arms"]:
            arms.add_row(code, *(f"{v:.2f}" for v in values))
        tables.append(arms)
    return tables


def cmd_horizon(args: argparse.Namespace, console: Console) -> int:
    from ..crisis.runner import measure_rate
    from ..horizon.compile import compile_horizon
    from ..horizon.results import make_dataset
    from ..horizon.simulate import run_horizon_tallies
    from ..io.results import check_output, write_dataset
    from ..world.model import load_world
    from .console import progress_bar
    from .trials import confirm_long

    if args.out is not None:  # before any work
        check_output(args.out, overwrite=args.force, flag="--force")
    world = load_world(args.scenario)
    hc = compile_horizon(world, args.years)
    t0 = time.perf_counter()
    run_horizon_tallies(hc, 1, threads=args.threads)  # compile (or load the cache) before timing
    compile_s = time.perf_counter() - t0
    rate = measure_rate(lambda n: run_horizon_tallies(hc, n, threads=args.threads))
    if not confirm_long(
        args.trials / rate, f"{args.trials:,} histories of {world.name}", yes=args.yes, console=console
    ):
        console.print("not run")
        return EXIT_FAILED
    t0 = time.perf_counter()
    show = not args.quiet
    with progress_bar(
        console, args.trials, f"{world.name} horizon", enabled=show, log=not console.is_terminal
    ) as adv:
        tallies = run_horizon_tallies(hc, args.trials, seed=args.seed, threads=args.threads, progress=adv)
    run_s = time.perf_counter() - t0
    ds = make_dataset(hc, world, tallies, seed=args.seed, trials=args.trials)
    if not args.quiet:
        for table in summary_tables(ds):
            console.print(table)
    if args.out is not None:
        write_dataset(ds, args.out, overwrite=args.force)
        console.print(f"wrote {args.out}")
    trial_years = int(ds["running_count"].sum())
    console.print(
        f"{args.trials:,} histories ({trial_years:,} trial-years, {int(ds['crises']):,} crises) in "
        f"{run_s:.2f} s: {trial_years / run_s:,.0f} trial-years/s (compile {compile_s:.2f} s)",
        highlight=False,
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("horizon", help="run the long-horizon model (arms, trust, treaties over years)")
    p.add_argument("scenario", help="a world file (.yaml) or a bundled scenario name, e.g. coldwar1955")
    p.add_argument(
        "--years", type=positive_int, default=None, help="years per history (default: the world's)"
    )
    p.add_argument("--trials", type=positive_int, default=10_000, help="histories (default 10,000)")
    p.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=positive_int, default=None, help="kernel threads (default: all cores)")
    p.add_argument("--out", type=output_path, default=None, help="write the result to PATH (.zarr or .nc)")
    p.add_argument("--force", action="store_true", help="replace a tripwire result at --out")
    p.add_argument("--quiet", action="store_true", help="print only the throughput line")
    add_yes(p)
    p.set_defaults(func=cmd_horizon)
