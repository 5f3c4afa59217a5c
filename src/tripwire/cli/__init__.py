"""The ``tripwire`` command line. Each command lives in its own module with an ``add_parsers``
function; importing them is cheap (heavy imports happen inside the command handlers).

Every command ends the same way on trouble: a problem with the input (a :class:`TripwireError`, a
missing or unreadable file) prints one ``error:`` line and exits 2; Ctrl-C prints one line saying
what was kept and exits 130. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from .. import __version__
from ..crisis.runner import GUARD
from ..errors import TripwireError
from . import (
    analyze,
    backtest,
    bench,
    calibrate,
    compare,
    entangle,
    export,
    horizon,
    new,
    plot,
    report,
    run,
    scenarios,
    show,
    sweep,
    verify,
    world,
)
from ._common import EXIT_INTERRUPTED, EXIT_USAGE, say
from .interrupts import caused_by_interrupt

LOG_WIDTH = 160

COMMANDS = (
    run,
    compare,
    scenarios,
    new,
    show,
    world,
    bench,
    sweep,
    verify,
    horizon,
    entangle,
    analyze,
    plot,
    report,
    export,
    backtest,
    calibrate,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tripwire", description="Monte Carlo escalation engine: crisis cascades over alliance networks."
    )
    parser.add_argument("--version", action="version", version=f"tripwire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parsers(sub)
    return parser


def _interrupted(exc: BaseException, args: argparse.Namespace) -> int:
    """One line on stderr: the interrupt's own message (what was kept, how to go on), else the
    command's (``set_defaults(interrupted=...)``), else a line naming the command."""
    message = str(exc).strip() if isinstance(exc, KeyboardInterrupt) else ""
    default = (
        f"interrupted; `tripwire {args.command}` stopped before it finished, so what it writes at the "
        "end was not written (run it again to redo it)"
    )
    say(Console(stderr=True), message or getattr(args, "interrupted", None) or default)
    return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # batch logs are read in files: no 80-column wrapping of wide tables there
    console = Console() if sys.stdout.isatty() else Console(width=LOG_WIDTH)
    try:
        with GUARD.installed():
            return args.func(args, console)
    except KeyboardInterrupt as exc:
        return _interrupted(exc, args)
    except (TripwireError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        if caused_by_interrupt(exc):
            return _interrupted(exc, args)
        say(Console(stderr=True), f"error: {exc}")
        return EXIT_USAGE
    except Exception as exc:
        if caused_by_interrupt(exc):  # numba and dask wrap a Ctrl-C in errors of their own
            return _interrupted(exc, args)
        raise


if __name__ == "__main__":
    sys.exit(main())
