"""Long runs at the command line: the ``--yes`` option, and asking before a run estimated to take
more than a day. Measuring, estimating and running in chunks are :mod:`tripwire.crisis.runner`'s.
"""

from __future__ import annotations

import sys

from rich.console import Console

from ..errors import ParamError
from ._common import duration

#: Runs estimated to take longer than this need ``--yes`` (or a "y" at the prompt).
DAY_S = 86_400.0


def add_yes(p) -> None:
    """The ``--yes`` option of the commands that estimate their time first."""
    p.add_argument(
        "--yes",
        action="store_true",
        help="run even when the time estimate exceeds a day (otherwise asked, or refused in batch jobs)",
    )


def confirm_long(estimate_s: float, what: str, *, yes: bool, console: Console) -> bool:
    """``True`` to go ahead. Beyond a day: ask on a terminal; refuse in batch mode unless ``yes``.

    Raises
    ------
    ParamError
        In batch mode (no terminal) when the estimate exceeds a day and ``yes`` is false.
    """
    if estimate_s <= DAY_S or yes:
        return True
    message = f"{what} would take about {duration(estimate_s)} on this machine"
    if sys.stdin.isatty() and console.is_terminal:
        answer = console.input(f"{message}. Run it anyway? [y/N] ")
        return answer.strip().lower() in ("y", "yes")
    raise ParamError(f"{message}; pass --yes to run it anyway, or ask for fewer trials with --trials")
