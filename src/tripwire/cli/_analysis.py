"""Argument helpers shared by the analysis commands (plot, analyze, report, export, entangle)."""

from __future__ import annotations

import argparse

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def selection(text: str) -> tuple[str, str]:
    """``dim=label`` -> ``(dim, label)``."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected DIM=LABEL (e.g. level=war), saw {text!r}")
    dim, label = text.split("=", 1)
    return dim.strip(), label.strip()


def sel_dict(items, ds) -> dict:
    from ..analysis._source import parse_sel

    return parse_sel(dict(items or []), ds)


def headless() -> None:
    """Draw without a display (the format follows the output's suffix)."""
    from ..plots._common import headless as use_agg

    use_agg()
