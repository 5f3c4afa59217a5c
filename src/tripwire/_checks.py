"""Checks of the plain arguments every entry point takes (trials, seeds, counts)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .errors import ParamError, TripwireError

#: Seeds are in ``[0, MAX_SEED]`` (they travel as int64).
MAX_SEED = 2**63 - 1
#: The largest whole number any count may take: counts travel as int64.
MAX_INT64 = 2**63 - 1


def check_int(
    name: str, value: Any, lo: int, hi: int | None = None, error: type[TripwireError] = ParamError
) -> int:
    """``value`` as an ``int`` in ``[lo, hi]`` (``hi`` at most ``2**63 - 1``); otherwise ``error``
    saying what was seen.

    Whole-number floats are accepted (``1e6`` is one million, as researchers write it); floats with
    a fractional part, booleans, strings and other types are refused.

    Examples
    --------
    >>> check_int("trials", 1e6, 1)
    1000000
    >>> check_int("trials", 2.5, 1)
    Traceback (most recent call last):
    ...
    tripwire.errors.ParamError: trials must be a whole number, saw 2.5 (float)
    """
    if isinstance(value, bool | np.bool_):
        raise error(f"{name} must be a whole number, saw {value!r} ({type(value).__name__})")
    shown = value
    if isinstance(value, float | np.floating):
        if not math.isfinite(value) or not float(value).is_integer():
            raise error(f"{name} must be a whole number, saw {value!r} ({type(value).__name__})")
        value = int(value)
    if not isinstance(value, int | np.integer):
        raise error(f"{name} must be a whole number, saw {value!r} ({type(value).__name__})")
    top = MAX_INT64 if hi is None else min(hi, MAX_INT64)
    if value < lo or value > top:
        if value > MAX_INT64 and (hi is None or hi >= MAX_INT64):
            raise error(f"{name} must be at most 2**63 - 1 = {MAX_INT64:,} (a 64-bit integer), saw {shown:,}")
        rng = f">= {lo}" if hi is None else f"in [{lo}, {top}]"
        raise error(f"{name} must be {rng}, saw {shown}")
    return int(value)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_count(text: str) -> int:
    """A whole number typed at the command line: ``1000000``, ``1_000_000``, ``1,000,000``,
    ``1e6`` or ``2.5e6``; ``ValueError`` saying what was seen otherwise (the range is not checked).

    Examples
    --------
    >>> parse_count("1e6"), parse_count("2.5E6"), parse_count("1_000_000"), parse_count("1,000")
    (1000000, 2500000, 1000000, 1000)
    """
    cleaned = text.strip().replace("_", "").replace(",", "")
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return int(cleaned)
    if _NUMBER.fullmatch(cleaned):
        # exact decimal arithmetic: "1e23" is 10**23, not the float nearest to it
        mantissa, _, exponent = cleaned.lower().partition("e")
        whole, _, frac = mantissa.lstrip("+-").partition(".")
        sign = -1 if mantissa.startswith("-") else 1
        digits = int((whole or "0") + frac) if (whole or frac) else 0
        power = int(exponent or 0) - len(frac)
        if power > 40:  # far beyond any 64-bit count; the range check says so
            return sign * 10**40
        if power >= 0:
            return sign * digits * 10**power
        if digits % 10**-power == 0:
            return sign * digits // 10**-power
        raise ValueError(f"expected a whole number, saw {text!r} (it has a fractional part)")
    raise ValueError(f"expected a whole number such as 1000000, 1_000_000 or 1e6, saw {text!r}")
