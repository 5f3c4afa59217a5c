"""Reading the data files: CSV tables with the columns a reader needs, columns as numbers, and the
dates callers give.

Dates
    A date is a year (``1914``, meaning 1 January 1914), an ISO date string (``"1914-07-28"``) or
    a :class:`datetime.date`; :func:`as_date` reads each and refuses anything else, saying what it
    expected.
Tables
    :func:`read_table` reads a CSV (or takes a DataFrame), lower-cases its column names and
    checks that the columns a reader needs are there; :func:`numeric` turns columns into numbers
    (text that is not a number becomes missing).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["read_table", "numeric", "as_date", "source_label"]


def read_table(source: str | Path | pd.DataFrame, what: str, required: Sequence[str]) -> pd.DataFrame:
    """Read a CSV (or take a DataFrame), lower-case its column names and check ``required``."""
    if isinstance(source, pd.DataFrame):
        df, label = source.copy(), f"{what} table"
    else:
        if not isinstance(source, str | Path):
            raise TypeError(
                f"{what}: expected a path to a CSV file or a DataFrame, saw {type(source).__name__}"
            )
        path = Path(source)
        label = f"{what} file '{path}'"
        if not path.exists():
            raise FileNotFoundError(f"{label} does not exist; expected a CSV with columns {list(required)}")
        if not path.is_file():
            raise FileNotFoundError(f"{label} is not a file; expected a CSV with columns {list(required)}")
        try:
            df = pd.read_csv(path, low_memory=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataError(f"{label} is not a readable CSV: {exc}") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        seen = list(df.columns)
        shown = ", ".join(seen[:15]) + (f", ... ({len(seen)} in all)" if len(seen) > 15 else "")
        raise DataError(
            f"{label} lacks column(s) {missing}; expected {list(required)}; found: {shown or 'no columns'}"
        )
    if df.empty:
        raise DataError(f"{label} has no rows")
    return df


def numeric(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with ``columns`` as numbers; text that is not a number becomes missing."""
    out = df.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out.copy()  # one consolidated block per dtype again


def as_date(date: int | str | _dt.date) -> _dt.date:
    if isinstance(date, bool):
        raise TypeError(f"date: expected a year or an ISO date, saw {date!r}")
    if isinstance(date, _dt.datetime):
        return date.date()
    if isinstance(date, _dt.date):
        return date
    if isinstance(date, int | np.integer):
        year = int(date)
        if not 1 <= year <= 9999:
            raise DataError(f"date: year {year} is not a calendar year")
        return _dt.date(year, 1, 1)
    if isinstance(date, str):
        text = date.strip()
        if re.fullmatch(r"\d{4}", text):
            return _dt.date(int(text), 1, 1)
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            raise DataError(
                f"date: could not read {date!r}; expected a year (1914) or an ISO date ('1914-07-28')"
            ) from None
    raise TypeError(
        f"date: expected a year (int), an ISO date string or a datetime.date, saw {type(date).__name__}"
    )


def source_label(source: Any, what: str) -> str:
    return f"{what} table" if isinstance(source, pd.DataFrame) else f"{what} file '{source}'"
