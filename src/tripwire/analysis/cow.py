"""Correlates of War state codes: number (``ccode``), abbreviation (``stateabb``), name, and the
present-day countries that occupy the state's territory (ISO 3166 alpha-3 codes as Natural Earth
writes them), for maps and for exports that R and Stata users join on ``ccode``/``stateabb``.

Historical states map to their successors: Austria-Hungary to Austria and Hungary, the German
states and both post-war Germanies to Germany, Russia/the Soviet Union (COW ``RUS``; ``USR`` is
accepted too) to Russia, Yugoslavia (COW ``YUG``, also Serbia before 1918) and ``SRB`` to Serbia,
Czechoslovakia to Czechia and Slovakia, Korea to both Koreas, the Yemens and Vietnams to Yemen and
Vietnam, Gran Colombia and the United Provinces of Central America to their successors, the Italian
states to Italy, Zanzibar to Tanzania. States too small to appear on a 1:110m map carry a point
(longitude, latitude of the capital) to draw instead.

The table is this project's own, from the COW State System Membership list (2016); it is bundled
as a CSV with the data readers (:func:`tripwire.io.codes.cow_states`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..io.codes import cow_states

__all__ = ["CowState", "COW", "ALIASES", "lookup", "ccode_of", "countries_of"]


@dataclass(frozen=True)
class CowState:
    ccode: int
    stateabb: str
    name: str
    countries: tuple[str, ...]
    point: tuple[float, float] | None = None


#: Spellings in use that are not COW abbreviations -> the COW abbreviation.
ALIASES = {
    "USR": "RUS",
    "SOV": "RUS",
    "SRB": "YUG",
    "SER": "YUG",
    "FRG": "GFR",
    "ROU": "ROM",
    "RUM": "ROM",
    "HSD": "HSG",
}


def _parse() -> dict[str, CowState]:
    out = {}
    for row in cow_states().itertuples(index=False):
        point = None if math.isnan(row.lon) else (float(row.lon), float(row.lat))
        out[row.stateabb] = CowState(
            int(row.ccode), row.stateabb, row.name, tuple(row.countries.split()), point
        )
    return out


#: stateabb -> :class:`CowState`.
COW: dict[str, CowState] = _parse()
_BY_CCODE = {s.ccode: s for s in COW.values()}


def lookup(code: str | None = None, ccode: int | None = None) -> CowState | None:
    """The COW state of an abbreviation (or alias) or a ccode; ``None`` when unknown.

    Examples
    --------
    >>> lookup("AUH").countries
    ('AUT', 'HUN')
    >>> lookup("SRB").ccode, lookup(ccode=365).stateabb
    (345, 'RUS')
    """
    if ccode is not None and int(ccode) in _BY_CCODE:
        return _BY_CCODE[int(ccode)]
    if code is None:
        return None
    code = str(code).upper()
    return COW.get(code) or COW.get(ALIASES.get(code, ""))


def ccode_of(code: str) -> int | None:
    """The COW state number of an abbreviation, or ``None``."""
    s = lookup(code)
    return s.ccode if s else None


def countries_of(code: str, ccode: int | None = None) -> tuple[str, ...]:
    """Present-day countries (ISO alpha-3) for a state code (or its ccode), ``()`` when unknown."""
    s = lookup(code, ccode)
    return s.countries if s else ()
