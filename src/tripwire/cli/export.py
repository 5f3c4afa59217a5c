"""``tripwire export``: long tables (CSV, Parquet, Stata) with ``ccode`` and ``stateabb`` columns."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ._common import EXIT_OK

#: The formats of tripwire.analysis.tables (here, so that building the parser imports nothing heavy).
FORMATS = ("csv", "parquet", "dta")


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    from ..analysis._source import open_any
    from ..analysis.tables import write_tables
    from ..io.files import check_file

    suffix = {"csv": ".csv", "parquet": ".parquet", "dta": ".dta"}[args.format]
    check_file(
        args.out.with_suffix(suffix), suffixes=(suffix,), overwrite=True
    )  # the folder, before any work
    ds = open_any(args.input)
    if "sweep" in ds.attrs:
        ds = ds.load()
    for path in write_tables(ds, args.out, args.format, table=args.table, overwrite=args.force):
        console.print(f"wrote {path}", highlight=False, markup=False)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write long tables (csv, parquet, dta) with ccode and stateabb columns")
    p.add_argument("input", help="a result (.nc/.zarr), a sweep store, or an analysis file")
    p.add_argument(
        "--format", "-f", choices=FORMATS, default="csv", help="csv (default), parquet or dta (Stata)"
    )
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        required=True,
        help="with --table, the file; otherwise one file per table: <stem>_<table>.<format> beside it",
    )
    p.add_argument("--table", help="only this table (state, level, state_side, treaty, ...)")
    p.add_argument("--force", action="store_true", help="replace table files that exist")
    p.set_defaults(func=cmd_export)
