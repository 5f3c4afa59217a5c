"""``tripwire plot``: one figure of a result, sweep store or analysis, to PNG, SVG or PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ..errors import StoreError
from ._analysis import FIGURE_SUFFIXES, headless, sel_dict, selection
from ._common import EXIT_OK

KINDS = (
    "exceedance",
    "ccdf",
    "heatmap",
    "network",
    "map",
    "sobol",
    "criticality",
    "entanglement",
    "first-systemic",
    "survival",
    "arms",
)


def _figure_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise argparse.ArgumentTypeError(f"the figure must end in {', '.join(FIGURE_SUFFIXES)}, saw {text!r}")
    return path


def draw(ds, kind: str, args: argparse.Namespace):
    """The Axes of figure ``kind`` for the opened input."""
    from .. import plots
    from ..analysis import sobol

    sel = sel_dict(args.sel, ds)
    var = args.var or ("p_exceed" if kind in ("heatmap", "sobol") else "p_involved")
    if kind == "exceedance":
        return plots.exceedance(ds, by=args.by, sel=sel)
    if kind == "ccdf":
        return plots.cascade_ccdf(ds, by=args.by, sel=sel)
    if kind == "heatmap":
        if not (args.x and args.y):
            raise StoreError("a heatmap needs --x DIM and --y DIM (two sweep dimensions)")
        if "level" in sel or "level" not in ds[var].dims:
            return plots.heatmap(ds, args.x, args.y, var=var, sel=sel)
        return plots.heatmaps(ds, args.x, args.y, var=var, sel=sel)[0]
    if kind == "network":
        return plots.network(ds.sel(sel) if sel else ds, var=var)
    if kind == "map":
        var = var if var in ds else "vulnerability"
        return plots.world_map(ds.sel(sel) if sel else ds, var=var)
    if kind == "sobol":
        if ds.attrs.get("tripwire_analysis") == "sobol":
            return plots.sobol_bars(ds, sel=sel)
        return plots.sobol_bars(sobol(ds, var, sel=sel))
    if kind == "criticality":
        return plots.criticality_bars(ds, level=sel.get("level"))
    if kind == "entanglement":
        return plots.entanglement_matrix(ds)
    if kind == "first-systemic":
        return plots.first_systemic(ds, by=args.by, sel=sel)
    if kind == "survival":
        return plots.treaty_survival(ds)
    if kind == "arms":
        if not args.state:
            raise StoreError("an arms fan needs --state CODE")
        return plots.arms_fan(ds, args.state)
    raise StoreError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")


def cmd_plot(args: argparse.Namespace, console: Console) -> int:
    headless()
    from ..analysis._source import open_any

    ds = open_any(args.input)
    if args.kind == "sobol" and "sweep" in ds.attrs:
        ds = ds.load()
    ax = draw(ds, args.kind, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    from ..plots._common import save

    save(ax, args.out, dpi=args.dpi, bbox_inches="tight")
    console.print(f"wrote {args.out}", highlight=False, markup=False)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="draw one figure of a result, sweep store or analysis (png, svg, pdf)")
    p.add_argument("input", help="a result (.nc/.zarr), a sweep store, or an analysis file")
    p.add_argument("kind", choices=KINDS, metavar="KIND", help="one of: " + ", ".join(KINDS))
    p.add_argument("--out", "-o", type=_figure_path, required=True, help="the figure (.png, .svg or .pdf)")
    p.add_argument(
        "--sel",
        action="append",
        type=selection,
        metavar="DIM=LABEL",
        help="select, e.g. level=war (repeatable)",
    )
    p.add_argument("--by", help="one curve per value of this sweep dimension")
    p.add_argument("--x", help="heatmap: the sweep dimension across")
    p.add_argument("--y", help="heatmap: the sweep dimension up")
    p.add_argument(
        "--var", help="the variable (default: p_involved for network and map, p_exceed for heatmap and sobol)"
    )
    p.add_argument("--state", help="arms: the state")
    p.add_argument("--dpi", type=int, default=150, help="resolution of PNG figures (default 150)")
    p.set_defaults(func=cmd_plot)
