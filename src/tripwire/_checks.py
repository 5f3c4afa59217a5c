"""Checks of the plain arguments every entry point takes (trials, seeds, counts)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ParamError, TripwireError

#: Seeds are in ``[0, MAX_SEED]`` (they travel as int64).
MAX_SEED = 2**63 - 1


def check_int(
    name: str, value: Any, lo: int, hi: int | None = None, error: type[TripwireError] = ParamError
) -> int:
    """``value`` as an ``int`` in ``[lo, hi]``; otherwise ``error`` saying what was seen."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise error(f"{name} must be a whole number, saw {value!r} ({type(value).__name__})")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise error(f"{name} must be {rng}, saw {value}")
    return int(value)
