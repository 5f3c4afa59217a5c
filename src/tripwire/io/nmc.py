"""COW National Material Capabilities (NMC v6.0): every state's share of the world's CINC in a year.

Capabilities
    Each state's CINC for the year divided by the sum of CINC over **every** state in NMC that
    year, so a capability is a share of the world total (NMC's own shares do not add up to 1:
    1914 sums to 1.021). A missing CINC (``-9``, blank or negative) takes the state's value
    from the nearest year with one (the earlier year on a tie), or 0 when the state has none,
    with a :class:`~tripwire.errors.DataWarning`; the imputed value also enters the year's total.

Data: COW National Material Capabilities v6.0 (Singer, Bremer & Stuckey 1972); cite it when you
use worlds built from it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, DataWarning
from .tables import numeric, read_table, source_label

__all__ = ["NMC_COLUMNS", "MISSING", "nmc_shares", "capability_shares"]

#: Columns the COW NMC file must have.
NMC_COLUMNS: tuple[str, ...] = ("stateabb", "ccode", "year", "cinc")


#: NMC's code for a missing value.
MISSING = -9


def nmc_shares(df: pd.DataFrame, year: int, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Every state's share of the world's CINC in ``year`` from a read NMC table (``label`` names it
    in messages), and notes on imputed values (see :func:`capability_shares`)."""
    notes: list[str] = []
    df = numeric(df, ["ccode", "year", "cinc"])
    df = df[df["ccode"].notna() & df["year"].notna()].copy()
    df["stateabb"] = df["stateabb"].astype(str).str.strip()
    years = df["year"].astype("int64")
    lo, hi = int(years.min()), int(years.max())
    if not lo <= year <= hi or not (years == year).any():
        raise DataError(
            f"year {year} is outside the NMC data in {label}: it covers {lo}-{hi}"
            + ("" if not lo <= year <= hi else f" but has no rows for {year}")
        )
    dupes = df[df.duplicated(["ccode", "year"], keep=False) & (years == year)]
    if not dupes.empty:
        raise DataError(
            f"{label} has {len(dupes)} rows for the same (ccode, year) in {year}: "
            f"ccodes {sorted(set(dupes['ccode'].astype(int)))}; expected one row per state-year"
        )
    valid = df["cinc"].notna() & (df["cinc"] >= 0) & (df["cinc"] != MISSING)
    cur = df[years == year].copy()
    cur["ccode"] = cur["ccode"].astype("int64")
    cur["imputed_from"] = np.nan
    missing = cur.index[~valid.loc[cur.index]]
    imputed, zero = [], []
    for idx in missing:
        ccode = cur.at[idx, "ccode"]
        known = df[valid & (df["ccode"] == ccode)]
        if known.empty:
            cur.at[idx, "cinc"] = 0.0
            zero.append(f"{cur.at[idx, 'stateabb']} (ccode {ccode})")
            continue
        dist = (known["year"] - year).abs()
        best = known.loc[dist[dist == dist.min()].index]
        best = best.sort_values("year").iloc[0]
        cur.at[idx, "cinc"] = float(best["cinc"])
        cur.at[idx, "imputed_from"] = int(best["year"])
        imputed.append(f"{cur.at[idx, 'stateabb']} (ccode {ccode}) from {int(best['year'])}")
    if imputed:
        notes.append(f"{label}: CINC missing (-9) in {year} for {', '.join(imputed)}: nearest year used")
    if zero:
        notes.append(f"{label}: CINC missing (-9) in every year for {', '.join(zero)}: capability set to 0")
    total = float(cur["cinc"].sum())
    if not total > 0:
        raise DataError(f"{label}: CINC sums to {total} over the {len(cur)} states of {year}; expected > 0")
    out = pd.DataFrame(
        {
            "code": cur["stateabb"].to_numpy(),
            "cinc": cur["cinc"].astype(float).to_numpy(),
            "capability": (cur["cinc"] / total).astype(float).to_numpy(),
            "imputed_from": cur["imputed_from"].to_numpy(),
        },
        index=pd.Index(cur["ccode"].to_numpy(), name="ccode"),
    ).sort_index()
    return out, notes


def capability_shares(year: int, capabilities: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Every state's share of the world's CINC in one year (COW NMC).

    Parameters
    ----------
    year
        The year.
    capabilities
        The NMC CSV (or a DataFrame with :data:`NMC_COLUMNS`); ``-9`` means missing.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ccode``: ``code`` (NMC's abbreviation), ``cinc`` (NMC's value, imputed
        where missing), ``capability`` (``cinc`` over the sum of ``cinc`` over every state in
        NMC that year: the column sums to 1) and ``imputed_from`` (the year a missing CINC was
        taken from, else NaN).

    Warns
    -----
    DataWarning
        When a CINC is missing: the nearest year's value is used (the earlier on a tie), or 0
        when the state has none.

    Examples
    --------
    Needs the NMC file (``../shared/data`` in a checkout):

    >>> caps = capability_shares(1914, "NMC-60-abridged.csv")  # doctest: +SKIP
    >>> round(float(caps["capability"].sum()), 12)  # doctest: +SKIP
    1.0
    """
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise TypeError(f"year: expected an int, saw {year!r}")
    df = read_table(capabilities, "NMC capabilities", NMC_COLUMNS)
    out, notes = nmc_shares(df, int(year), source_label(capabilities, "NMC capabilities"))
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    return out
