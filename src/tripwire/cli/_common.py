"""Argument types, exit codes and small helpers shared by the commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from .._checks import MAX_INT64, MAX_SEED, parse_count

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: The exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the one line to print: what was kept and how to go on."""


def _count(text: str, lo: int, hi: int = MAX_INT64) -> int:
    try:
        value = parse_count(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value > MAX_INT64:
        raise argparse.ArgumentTypeError(
            f"must be at most 2**63 - 1 = {MAX_INT64:,} (a 64-bit integer), saw {text!r}"
        )
    if not lo <= value <= hi:
        bound = f">= {lo}" if hi == MAX_INT64 else f"in [{lo}, {hi}]"
        raise argparse.ArgumentTypeError(f"expected a number {bound}, saw {value}")
    return value


def positive_int(text: str) -> int:
    """A count >= 1: ``1000000``, ``1_000_000``, ``1,000,000`` or ``1e6``."""
    return _count(text, 1)


def seed_value(text: str) -> int:
    """A seed in ``[0, 2**63)``."""
    try:
        value = parse_count(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be in [0, 2**63), saw {value}")
    return value


def output_path(text: str) -> Path:
    path = Path(text)
    if path.suffix not in (".zarr", ".nc"):
        raise argparse.ArgumentTypeError(f"output must end in .zarr or .nc, saw {text!r}")
    return path


def say(console: Console, text: str) -> None:
    """One plain line: no markup, no highlighting, no hard wrapping (batch logs stay greppable)."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def duration(seconds: float) -> str:
    """``"0.4 s"``, ``"12 s"``, ``"3 min 20 s"``, ``"5.2 h"``, ``"46 days"``, ``"3.1 years"``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 365 * 86_400:
        return f"{seconds / 86_400:.0f} days"
    return f"{seconds / (365.25 * 86_400):,.1f} years"
