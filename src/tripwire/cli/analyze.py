"""``tripwire analyze``: sensitivity indices, PRIM boxes or treaty criticality, to netCDF or CSV."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from rich.console import Console

from ..errors import StoreError
from ._analysis import sel_dict, selection
from ._common import EXIT_OK, positive_int, seed_value


def _out_path(text: str) -> Path:
    path = Path(text)
    if path.suffix not in (".nc", ".csv"):
        raise argparse.ArgumentTypeError(f"the output must end in .nc or .csv, saw {text!r}")
    return path


def _say(console: Console, text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def cmd_analyze(args: argparse.Namespace, console: Console) -> int:
    from .. import analysis
    from ..analysis._source import open_any
    from ..io.results import check_output, write_dataset

    if args.out is not None and args.out.suffix != ".csv":  # before any work
        check_output(args.out, overwrite=args.force, flag="--force")
    if args.criticality:
        ds = analysis.criticality(args.input, args.trials, seed=args.seed)
        war = ds.attrs["war_level"]
        e = ds.sel(level=war).to_dataframe()[
            ["effect", "effect_lo", "effect_hi", "effect_se", "effect_se_independent"]
        ]
        _say(console, f"effect of removing each treaty on P(final level >= {war}), paired 95 % intervals:")
        _say(
            console,
            e.sort_values("effect", key=abs, ascending=False).to_string(float_format=lambda v: f"{v:+.4f}"),
        )
        result = ds
    else:
        source = open_any(args.input)
        sel = sel_dict(args.sel, source)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if args.sobol:
                result = analysis.sobol(source, args.var, sel=sel, seed=args.seed)
                _say(
                    console,
                    result[["S1", "S1_conf", "ST", "ST_conf"]]
                    .to_dataframe()
                    .to_string(float_format=lambda v: f"{v:.4f}"),
                )
            elif args.delta:
                result = analysis.delta(source, args.var, sel=sel, seed=args.seed)
                _say(console, result.to_dataframe().to_string(float_format=lambda v: f"{v:.4f}"))
            elif args.pawn:
                result = analysis.pawn(source, args.var, sel=sel, seed=args.seed)
                _say(console, result.to_dataframe().to_string(float_format=lambda v: f"{v:.4f}"))
            else:
                res = analysis.prim(source, args.var, args.prim, sel=sel, boxes=args.boxes, below=args.below)
                _say(console, res.describe())
                if args.out is not None and args.out.suffix == ".csv":
                    res.table().to_csv(args.out, index=False)
                    _say(console, f"wrote {args.out}")
                    return EXIT_OK
                result = res.to_dataset()
        for w in caught:
            _say(console, f"warning: {w.message}")
    if args.out is not None:
        if args.out.suffix == ".csv":
            result.to_dataframe().to_csv(args.out)
        else:
            write_dataset(result, args.out, overwrite=args.force)
        _say(console, f"wrote {args.out}")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="Sobol', delta or PAWN indices or PRIM boxes of a sweep store; treaty criticality of a scenario",
    )
    p.add_argument("input", help="a sweep store (or, with --criticality, a scenario or world file)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--sobol", action="store_true", help="Sobol' indices (a sobol store)")
    what.add_argument("--delta", action="store_true", help="Borgonovo's delta (grid, list, LHS stores)")
    what.add_argument("--pawn", action="store_true", help="PAWN indices (grid, list, LHS stores)")
    what.add_argument(
        "--prim", type=float, metavar="THRESHOLD", help="PRIM boxes where the output exceeds THRESHOLD"
    )
    what.add_argument(
        "--criticality", action="store_true", help="the effect of removing each treaty (paired)"
    )
    p.add_argument("--var", default="p_exceed", help="the output (default p_exceed)")
    p.add_argument(
        "--sel",
        action="append",
        type=selection,
        metavar="DIM=LABEL",
        help="select, e.g. level=war (repeatable)",
    )
    p.add_argument("--boxes", type=positive_int, default=1, help="PRIM: most boxes (default 1)")
    p.add_argument("--below", action="store_true", help="PRIM: cases are points below the threshold")
    p.add_argument(
        "--trials", type=positive_int, default=100_000, help="criticality: trials (default 100,000)"
    )
    p.add_argument(
        "--seed",
        type=seed_value,
        default=None,
        help="bootstrap seed (indices) or the trials' seed (criticality)",
    )
    p.add_argument("--out", "-o", type=_out_path, default=None, help="write the result (.nc or .csv)")
    p.add_argument("--force", action="store_true", help="replace a tripwire result at --out")
    p.set_defaults(func=_checked)


def _checked(args: argparse.Namespace, console: Console) -> int:
    if args.criticality and args.seed is None:
        args.seed = 0
    if args.seed is not None and args.seed == 0 and not args.criticality:
        raise StoreError(
            "the bootstrap seed must be >= 1 (SALib ignores 0); "
            "leave it out to derive one from the sweep's seed"
        )
    return cmd_analyze(args, console)
