"""COW state codes: the codes callers give (COW abbreviations or ccodes) resolved for a year, and
the table of COW states bundled with the package.

State codes
    COW abbreviations as NMC spells them for the year, found through a state's ccode. Note ccode
    345 is ``YUG`` throughout NMC: Serbia in 1914 is ``YUG``; and NMC v6 spells Romania ``ROM``
    where the COW state list has ``RUM``. Codes given by the caller (``states``, ``origins``,
    rivalries) may be COW abbreviations or integer ccodes; an unknown code is reported with the
    years NMC has it, near matches and the spelling COW uses for common other spellings.
The COW state table
    ``data/cow_states.csv`` (this project's own, from the COW State System Membership list, 2016):
    ``ccode``, ``stateabb``, ``name``, the present-day countries on the state's territory (ISO
    3166 alpha-3, space-separated) and, for states too small for a 1:110m map, the longitude and
    latitude of the capital. :func:`cow_states` reads it.
"""

from __future__ import annotations

import difflib
import io
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["StateCodes", "cow_states", "COW_STATES_FILE"]

#: The bundled COW state table (package data of ``tripwire.io``).
COW_STATES_FILE = "data/cow_states.csv"

#: Names codes users often try that COW spells otherwise.
_CODE_HINTS = {
    "SRB": "YUG (ccode 345; COW abbreviates Serbia as YUG)",
    "SER": "YUG (ccode 345; COW abbreviates Serbia as YUG)",
    "SERB": "YUG (ccode 345; COW abbreviates Serbia as YUG)",
    "GER": "GMY (ccode 255) or GFR (ccode 260, 1955-1990)",
    "DEU": "GMY (ccode 255) or GFR (ccode 260, 1955-1990)",
    "GBR": "UKG (ccode 200)",
    "UK": "UKG (ccode 200)",
    "FRA": "FRN (ccode 220)",
    "AUT": "AUH (ccode 300, to 1918) or AUS (ccode 305)",
    "USSR": "RUS (ccode 365)",
    "SUN": "RUS (ccode 365)",
}


class StateCodes:
    """Resolves caller-given state codes (COW abbreviations or ccodes) for one year: call it on each
    code (with where it was given); :meth:`check` then raises every problem at once."""

    def __init__(self, caps: pd.DataFrame, nmc: pd.DataFrame, year: int) -> None:
        self.year = year
        self.by_ccode = caps["code"].to_dict()
        self.by_code = {code: int(cc) for cc, code in self.by_ccode.items()}
        self.nmc = nmc
        self.problems: list[str] = []

    def __call__(self, value: Any, where: str) -> str | None:
        if isinstance(value, bool):
            self.problems.append(f"{where}: expected a state code or ccode, saw {value!r}")
            return None
        if isinstance(value, int | np.integer):
            if int(value) in self.by_ccode:
                return self.by_ccode[int(value)]
            self.problems.append(
                f"{where}: ccode {int(value)} has no NMC row for {self.year}{self._years(value)}"
            )
            return None
        if not isinstance(value, str):
            self.problems.append(f"{where}: expected a state code or ccode, saw {value!r}")
            return None
        code = value.strip().upper()
        if code in self.by_code:
            return code
        msg = f"{where}: unknown state code {value!r} for {self.year}"
        msg += self._years(code)
        close = difflib.get_close_matches(code, list(self.by_code), n=5, cutoff=0.5)
        if code in _CODE_HINTS:
            msg += f"; COW spells it {_CODE_HINTS[code]}"
        if close:
            msg += f"; near matches: {', '.join(close)}"
        msg += "; codes are COW abbreviations from NMC (or integer ccodes)"
        self.problems.append(msg)
        return None

    def _years(self, value: Any) -> str:
        col = "ccode" if isinstance(value, int | np.integer) else "stateabb"
        rows = self.nmc[self.nmc[col] == value]
        if rows.empty:
            return ""
        years = rows["year"].astype(int)
        return f" (NMC has it in {years.min()}-{years.max()}, not in {self.year})"

    def check(self) -> None:
        if self.problems:
            raise DataError("\n".join(self.problems))


@cache
def _cow_states_text() -> str:
    return (resources.files("tripwire.io") / COW_STATES_FILE).read_text(encoding="utf-8")


def cow_states() -> pd.DataFrame:
    """The bundled COW state table: one row per state with ``ccode`` (int), ``stateabb``,
    ``name``, ``countries`` (ISO alpha-3 codes separated by spaces) and ``lon``, ``lat`` (the
    capital, for states too small for the map; missing otherwise), in ccode order.

    Examples
    --------
    >>> auh = cow_states().set_index("stateabb").loc["AUH"]
    >>> int(auh.ccode), auh.countries
    (300, 'AUT HUN')
    """
    return pd.read_csv(
        io.StringIO(_cow_states_text()),
        dtype={"ccode": "int64", "stateabb": str, "name": str, "countries": str},
        keep_default_na=False,
        na_values={"lon": [""], "lat": [""]},
    )
