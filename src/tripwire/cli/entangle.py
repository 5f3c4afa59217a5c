"""``tripwire entangle``: the entanglement map of a scenario (every origin in one kernel call)."""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from ._analysis import FIGURE_SUFFIXES, headless
from ._common import EXIT_FAILED, EXIT_OK, output_path, positive_int, seed_value
from .trials import add_yes


def cmd_entangle(args: argparse.Namespace, console: Console) -> int:
    from ..analysis.entanglement import entanglement
    from ..io.files import check_file, replacing
    from ..io.results import check_output, write_dataset

    if args.out is not None:  # before any work
        check_output(args.out, overwrite=args.force, flag="--force")
    if args.plot is not None:
        check_file(args.plot, suffixes=FIGURE_SUFFIXES, overwrite=args.force)
    origins = args.origins
    if origins not in ("rivals+neighbours", "all"):
        origins = [o.strip() for o in origins.split(",") if o.strip()]
    from ..analysis.entanglement import entanglement_origins
    from ..crisis.compile import compile_world
    from ..crisis.runner import measure_rate
    from ..crisis.simulate import run_tallies
    from ..world.model import load_world
    from .trials import confirm_long

    world = load_world(args.scenario)
    n_origins = len(entanglement_origins(world, origins))
    cw = compile_world(world)
    rate = measure_rate(lambda n: run_tallies(cw, n, threads=args.threads), start=1024)
    what = f"{n_origins} origins x {args.trials:,} trials of {world.name}"
    if not confirm_long(n_origins * args.trials / rate, what, yes=args.yes, console=console):
        console.print("not run")
        return EXIT_FAILED
    t0 = time.perf_counter()
    ds = entanglement(world, args.trials, origins=origins, seed=args.seed, threads=args.threads)
    wall = time.perf_counter() - t0
    n = ds.sizes["origin"]
    impact = Table(title=f"{ds.attrs['world_name']}: {n} origins x {args.trials:,} trials, seed {args.seed}")
    impact.add_column("origin", style="bold")
    impact.add_column("states dragged in", justify="right")
    impact.add_column("capability share", justify="right")
    for o in ds["impact"].to_series().sort_values(ascending=False).index[: args.top]:
        impact.add_row(
            str(o),
            f"{float(ds.impact.sel(origin=o)):.3f}",
            f"{float(ds.impact_capability.sel(origin=o)):.3f}",
        )
    vul = Table(title="most vulnerable states")
    vul.add_column("state", style="bold")
    vul.add_column("P(drawn in), mean over origins", justify="right")
    for s in ds["vulnerability"].to_series().sort_values(ascending=False).index[: args.top]:
        vul.add_row(str(s), f"{float(ds.vulnerability.sel(state=s)):.4f}")
    console.print(impact)
    console.print(vul)
    console.print(f"{n * args.trials:,} trials in {wall:.2f} s", highlight=False)
    if args.out is not None:
        write_dataset(ds, args.out, overwrite=args.force)
        console.print(f"wrote {args.out}", highlight=False, markup=False)
    if args.plot is not None:
        headless()
        from ..plots import entanglement_matrix

        ax = entanglement_matrix(ds)
        from ..plots._common import save

        with replacing(args.plot) as tmp:
            save(ax, tmp, dpi=150, bbox_inches="tight")
        console.print(f"wrote {args.plot}", highlight=False, markup=False)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "entangle", help="the entanglement map: P(each state drawn in | a crisis at each origin)"
    )
    p.add_argument("scenario", help="a world file (.yaml) or a bundled scenario name")
    p.add_argument("--trials", type=positive_int, default=20_000, help="trials per origin (default 20,000)")
    p.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    p.add_argument(
        "--origins",
        default="rivals+neighbours",
        help="rivals+neighbours (default), all, or a comma-separated list of A->B dyads",
    )
    p.add_argument("--threads", type=positive_int, default=None, help="kernel threads (default: all cores)")
    p.add_argument("--top", type=positive_int, default=10, help="rows in the printed tables (default 10)")
    p.add_argument("--out", type=output_path, default=None, help="write the map (.nc or .zarr)")
    p.add_argument("--force", action="store_true", help="replace a tripwire result at --out (and --plot)")
    p.add_argument("--plot", default=None, help="also draw the matrix (.png, .svg, .pdf)")
    add_yes(p)
    p.set_defaults(func=cmd_entangle)
