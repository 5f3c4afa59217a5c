"""The ``tripwire`` command line. Each command lives in its own module with an ``add_parsers``
function; importing them is cheap (heavy imports happen inside the command handlers)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from .. import __version__
from ..errors import TripwireError
from . import analyze, backtest, bench, calibrate, entangle, export, horizon, plot, report, run, sweep, world
from ._common import EXIT_USAGE

LOG_WIDTH = 160

COMMANDS = (run, world, bench, sweep, horizon, entangle, analyze, plot, report, export, backtest, calibrate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tripwire", description="Monte Carlo escalation engine: crisis cascades over alliance networks."
    )
    parser.add_argument("--version", action="version", version=f"tripwire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # batch logs are read in files: no 80-column wrapping of wide tables there
    console = Console() if sys.stdout.isatty() else Console(width=LOG_WIDTH)
    try:
        return args.func(args, console)
    except (TripwireError, FileNotFoundError) as exc:
        Console(stderr=True, soft_wrap=True).print(f"error: {exc}", markup=False, highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
