"""Correlates of War tables beside NMC: direct contiguity (v3.1) and major-power status (v2011).

Choices, in one place
---------------------
Contiguity
    ``contdir.csv`` lists each pair once (``statelno < statehno``) in spells with ``begin`` and
    ``end`` as ``yyyymm``. A spell holds on a date whose ``yyyymm`` lies in ``[begin, end]``. The
    data end in December 2006 (``end = 200612``): a spell still open then is taken as lasting
    (the borders of 2006 hold for later dates). When two spells of one pair hold at once the
    closer type (the smaller ``conttype``) is kept. ``conttype`` 1 is land or river, 2-5 are
    across at most 12, 24, 150 and 400 miles of water; they become the border types
    ``land, sea12, sea24, sea150, sea400``. The file has CR-only line ends, which pandas reads.
Major powers
    ``majors2011.csv`` gives spells of major-power status with start and end dates; a state is a
    major power on a date inside a spell. Its ``stateabb`` spells the Soviet Union ``USR``; states
    are matched by ccode. The list ends on 2011-12-31; spells open then are taken as lasting.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .tables import numeric, read_table

__all__ = [
    "BORDER_TYPES",
    "CONTIGUITY_COLUMNS",
    "MAJORS_COLUMNS",
    "CONTIGUITY_END",
    "read_contiguity",
    "borders_on",
    "read_majors",
    "majors_on",
]

#: COW ``conttype`` 1..5 -> border type.
BORDER_TYPES = ("land", "sea12", "sea24", "sea150", "sea400")
CONTIGUITY_COLUMNS = ("statelno", "statehno", "conttype", "begin", "end")
MAJORS_COLUMNS = ("ccode", "styear", "stmonth", "stday", "endyear", "endmonth", "endday")
#: The last month of COW Direct Contiguity v3.1; spells open then are taken as lasting.
CONTIGUITY_END = 200612


def read_contiguity(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read COW direct contiguity: one row per spell with integer ``statelno, statehno, conttype,
    begin, end`` and ``open`` (the spell runs to the end of the data).

    Examples
    --------
    >>> from tripwire.io.cow import read_contiguity
    >>> spells = read_contiguity("contiguity/contdir.csv")  # doctest: +SKIP
    >>> len(spells)  # doctest: +SKIP
    835
    """
    df = read_table(path, "COW direct contiguity", CONTIGUITY_COLUMNS)
    df = numeric(df, CONTIGUITY_COLUMNS)
    bad = df[list(CONTIGUITY_COLUMNS)].isna().any(axis=1) | ~df["conttype"].isin(range(1, 6))
    if bad.any():
        rows = ", ".join(str(k + 2) for k in df.index[bad][:10])
        raise DataError(
            f"COW direct contiguity file '{path}': {int(bad.sum())} row(s) with a missing value or a "
            f"conttype outside 1..5 (lines {rows}); expected whole numbers"
        )
    df = df.astype({c: "int64" for c in CONTIGUITY_COLUMNS})
    last = int(df["end"].max())
    return df[list(CONTIGUITY_COLUMNS)].assign(open=df["end"] >= last).reset_index(drop=True)


def borders_on(spells: pd.DataFrame, when: _dt.date) -> pd.DataFrame:
    """The pairs contiguous on ``when``: ``ccode1 < ccode2``, ``conttype`` (the closest type of the
    spells that hold) and ``type`` (:data:`BORDER_TYPES`)."""
    key = when.year * 100 + when.month
    first = int(spells["begin"].min()) // 100
    if when.year < first:
        raise DataError(
            f"date {when.isoformat()} is before the COW direct contiguity data, which cover "
            f"{first}-{int(spells['end'].max()) // 100} (spells open at the end continue)"
        )
    live = (spells["begin"] <= key) & ((spells["end"] >= key) | spells["open"])
    rows = spells[live]
    lo = rows[["statelno", "statehno"]].min(axis=1)
    hi = rows[["statelno", "statehno"]].max(axis=1)
    out = pd.DataFrame({"ccode1": lo, "ccode2": hi, "conttype": rows["conttype"]})
    out = out.sort_values(["ccode1", "ccode2", "conttype"]).drop_duplicates(["ccode1", "ccode2"])
    out["type"] = [BORDER_TYPES[c - 1] for c in out["conttype"]]
    return out.reset_index(drop=True)


def read_majors(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read COW major-power spells: ``ccode`` with ``start`` and ``end`` as ``yyyymmdd``."""
    df = numeric(read_table(path, "COW major powers", MAJORS_COLUMNS), MAJORS_COLUMNS)
    df = df.dropna(subset=list(MAJORS_COLUMNS)).astype({c: "int64" for c in MAJORS_COLUMNS})
    return pd.DataFrame(
        {
            "ccode": df["ccode"],
            "start": df["styear"] * 10_000 + df["stmonth"] * 100 + df["stday"],
            "end": df["endyear"] * 10_000 + df["endmonth"] * 100 + df["endday"],
        }
    ).reset_index(drop=True)


def majors_on(majors: pd.DataFrame, when: _dt.date) -> set[int]:
    """ccodes of the major powers on ``when``."""
    key = when.year * 10_000 + when.month * 100 + when.day
    last = int(majors["end"].max())
    live = (majors["start"] <= key) & ((majors["end"] >= key) | (majors["end"] == last))
    return set(majors.loc[live, "ccode"].astype(int))
