"""``tripwire report``: one self-contained HTML page of a result, sweep store or analysis."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ._analysis import headless
from ._common import EXIT_OK


def _html(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(f"the report must end in .html, saw {text!r}")
    return path


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    headless()
    from ..plots.report import report

    out = report(args.input, args.out)
    console.print(
        f"wrote {out} ({out.stat().st_size / 1024:,.0f} KiB, self-contained)", highlight=False, markup=False
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report (tables, figures, provenance)")
    p.add_argument("input", help="a result (.nc/.zarr), a sweep store, or an analysis file")
    p.add_argument("--out", "-o", type=_html, required=True, help="the page to write (.html)")
    p.set_defaults(func=cmd_report)
