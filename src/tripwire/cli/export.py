"""``tripwire export``: long tables (CSV, Parquet, Stata) with ``ccode`` and ``stateabb`` columns."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ._common import EXIT_OK


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    from ..analysis._source import open_any
    from ..analysis.tables import write_tables

    ds = open_any(args.input)
    if "sweep" in ds.attrs:
        ds = ds.load()
    for path in write_tables(ds, args.out, args.format, table=args.table):
        console.print(f"wrote {path}", highlight=False, markup=False)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from ..analysis.tables import FORMATS

    p = sub.add_parser("export", help="write long tables (csv, parquet, dta) with ccode and stateabb columns")
    p.add_argument("input", help="a result (.nc/.zarr), a sweep store, or an analysis file")
    p.add_argument(
        "--format", "-f", choices=list(FORMATS), default="csv", help="csv (default), parquet or dta (Stata)"
    )
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        required=True,
        help="with --table, the file; otherwise one file per table: <stem>_<table>.<format> beside it",
    )
    p.add_argument("--table", help="only this table (state, level, state_side, treaty, ...)")
    p.set_defaults(func=cmd_export)
