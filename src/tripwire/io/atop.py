"""Worlds built from real data: ATOP alliances and COW national material capabilities.

:func:`world_from_atop` turns the alliances in force on one date (ATOP member-level data) and
that year's capabilities (COW NMC) into a validated :class:`~tripwire.world.model.World`.

Choices, in one place
---------------------
Dates
    ``date`` is a year (``1914``, meaning 1 January 1914), an ISO date string (``"1914-07-28"``)
    or a :class:`datetime.date`. It must fall within both files: ATOP entry years (1815–2016 in
    v4.01) and NMC years (1816–2016 in v6.0); otherwise ``DataError`` says what each file covers.
Alliances in force
    A member row is in force when it was entered on or before the date and exited after it
    (``yrexit = 0``: still in force at the end of the data). A month or day of 0 or blank is
    unknown and read as the first of the year or month, for entries and exits alike. ATOP repeats
    member rows once per alliance phase, so the rows in force are reduced to one per
    ``(atopid, member)``; where two phases of one member overlap on the date, the later phase
    (then the later entry) gives the member's terms.
Obligations
    ATOP records each member's own obligations (``defense``, ``offense``, ``neutral``,
    ``nonagg``, ``consul``). Each alliance becomes one treaty per obligation kind that at least
    one member carries: ``members`` are all the alliance's members in force, ``guarantors`` the
    members that carry the flag (left out when every member carries it: a mutual treaty).
    Kinds map ``defense -> defense``, ``offense -> offense``, ``neutral -> neutrality``,
    ``nonagg -> nonaggression``, ``consul -> consultation``. Reliability and trigger are the
    defaults by kind (:mod:`tripwire.defaults`) unless ``treaty_params`` overrides them.
    ``signed`` is the alliance's first year (``begyr`` of the alliance-level file when given,
    else the earliest member entry; they agree in v4.01). ``ended`` is left out: the world
    describes the date, not what came after it.
State codes
    COW abbreviations as NMC spells them for the date's year, found through the ATOP member's
    ccode. Note ccode 345 is ``YUG`` throughout NMC: Serbia in 1914 is ``YUG``; and NMC v6
    spells Romania ``ROM`` where the COW state list has ``RUM``. Codes given by
    the caller (``states``, ``origins``, rivalries) may be COW abbreviations or integer ccodes.
    No names file is read, so each state's name is its code.
Capabilities
    Each state's CINC for the year divided by the sum of CINC over **every** state in NMC that
    year, so a capability is a share of the world total (NMC's own shares do not add up to 1:
    1914 sums to 1.021). A missing CINC (``-9``, blank or negative) takes the state's value
    from the nearest year with one (the earlier year on a tie), or 0 when the state has none,
    with a :class:`DataWarning`; the imputed value also enters the year's total.
States without capabilities
    An ATOP member with no NMC row for the year (outside the interstate system) is dropped from
    its treaties with a :class:`DataWarning`; a treaty left with fewer than two members, or
    with no guarantor, is dropped with a warning too. On 1914-07-28 this drops Costa Rica (94)
    and Montenegro (341, which NMC v6 has only from 2006), and with it the Serbian-Montenegrin
    alliance (ATOP 1480).
State set
    The members of the treaties built, plus ``states``, plus the states named in ``origins``
    and rivalries. ``states="all"`` takes every state in NMC that year.
Origins
    A world needs to know where crises start. Without ``origins``, a world given rivalries uses
    ``origins="rivalries"``; a world with neither is refused with ``DataError``.

Data: ATOP v4.01 (Leeds et al. 2002, atop.rice.edu) and COW National Material Capabilities
v6.0 (Singer, Bremer & Stuckey 1972); cite them when you use worlds built from them.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, DataWarning
from ..world.model import World, load_world

__all__ = [
    "world_from_atop",
    "alliances_in_force",
    "capability_shares",
    "DataWarning",
    "ATOP_KINDS",
    "MEMBER_COLUMNS",
    "NMC_COLUMNS",
    "ALLIANCE_COLUMNS",
]

#: ATOP obligation flag -> treaty kind, in the order treaties are built.
ATOP_KINDS: dict[str, str] = {
    "defense": "defense",
    "offense": "offense",
    "neutral": "neutrality",
    "nonagg": "nonaggression",
    "consul": "consultation",
}

#: Columns the ATOP member-level file must have.
MEMBER_COLUMNS: tuple[str, ...] = (
    "atopid",
    "member",
    "yrent",
    "moent",
    "dayent",
    "yrexit",
    "moexit",
    "dayexit",
    *ATOP_KINDS,
)
#: Columns the COW NMC file must have.
NMC_COLUMNS: tuple[str, ...] = ("stateabb", "ccode", "year", "cinc")
#: Columns the ATOP alliance-level file must have (when one is given).
ALLIANCE_COLUMNS: tuple[str, ...] = ("atopid", "begyr")

#: NMC's code for a missing value.
MISSING = -9

#: ``model_options`` passed through to the world.
MODEL_OPTIONS = ("description", "ladder", "escalation", "policy", "rivalries", "profile")

#: Treaty fields ``treaty_params`` may set per kind.
TREATY_PARAMS = ("reliability", "trigger")

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

_NAME_CODES = 4  # member codes spelled out in a treaty name before "+N"


# -- reading ----------------------------------------------------------------------------------
def _read_table(source: str | Path | pd.DataFrame, what: str, required: Sequence[str]) -> pd.DataFrame:
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


def _numeric(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with ``columns`` as numbers; text that is not a number becomes missing."""
    out = df.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out.copy()  # one consolidated block per dtype again


def _as_date(date: int | str | _dt.date) -> _dt.date:
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


def _date_key(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """``yyyymmdd`` integers; unknown (0 or blank) months and days read as the first."""
    month = month.fillna(0).clip(lower=0)
    day = day.fillna(0).clip(lower=0)
    month = month.where(month > 0, 1)
    day = day.where(day > 0, 1)
    return (year * 10_000 + month * 100 + day).astype("int64")


# -- alliances --------------------------------------------------------------------------------
def _prepare_members(df: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Member rows as numbers, rows without an id, member or entry year set aside (and said so),
    with each row's entry and exit as ``yyyymmdd`` keys (``_entry``, ``_exit``; exit 0 = open)."""
    notes: list[str] = []
    df = _numeric(df, [*MEMBER_COLUMNS, *(["phase"] if "phase" in df else [])])
    bad = df["atopid"].isna() | df["member"].isna() | df["yrent"].isna()
    if bad.any():
        notes.append(f"{label}: {int(bad.sum())} row(s) without atopid, member or yrent were skipped")
        df = df[~bad]
    df = df.assign(_entry=_date_key(df["yrent"], df["moent"], df["dayent"]))
    yrexit = df["yrexit"].fillna(0)
    df = df.assign(_exit=_date_key(yrexit, df["moexit"], df["dayexit"]).where(yrexit > 0, 0))
    for flag in ATOP_KINDS:
        df[flag] = df[flag].fillna(0) > 0
    return df, notes


def _coverage(df: pd.DataFrame) -> tuple[int, int]:
    """First and last year of a prepared member table (entries and exits)."""
    return int(df["yrent"].min()), int(max(df["yrent"].max(), df["yrexit"].max()))


def _rows_in_force(df: pd.DataFrame, when: _dt.date, label: str) -> pd.DataFrame:
    """The prepared member rows in force on ``when``, one per ``(atopid, member)``."""
    lo, hi = _coverage(df)
    if not lo <= when.year <= hi:
        raise DataError(
            f"date {when.isoformat()} is outside the ATOP data in {label}: "
            f"its entry and exit years span {lo}-{hi}"
        )
    key = when.year * 10_000 + when.month * 100 + when.day
    live = (df["_entry"] <= key) & ((df["_exit"] == 0) | (df["_exit"] > key))
    rows = df[live]
    order = ["atopid", "member", "_entry"] if "phase" not in rows else ["atopid", "member", "phase", "_entry"]
    rows = rows.sort_values(order, kind="stable").drop_duplicates(["atopid", "member"], keep="last")
    rows = rows.astype({"atopid": "int64", "member": "int64"})
    return rows.drop(columns=["_entry", "_exit"]).reset_index(drop=True)


def _members_in_force(df: pd.DataFrame, when: _dt.date, label: str) -> tuple[pd.DataFrame, list[str]]:
    prepared, notes = _prepare_members(df, label)
    return _rows_in_force(prepared, when, label), notes


def alliances_in_force(date: int | str | _dt.date, members: str | Path | pd.DataFrame) -> pd.DataFrame:
    """ATOP member rows in force on a date, one per ``(atopid, member)``.

    Parameters
    ----------
    date
        A year (1 January of it), an ISO date string or a :class:`datetime.date`.
    members
        The ATOP member-level CSV (or a DataFrame with its columns, :data:`MEMBER_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        The member file's columns for the rows in force, with the obligation flags
        (``defense``, ``offense``, ``neutral``, ``nonagg``, ``consul``) as booleans, sorted by
        ``atopid`` and ``member`` (the ccode). See the module notes for the rules.

    Examples
    --------
    Needs the ATOP file (``../shared/data`` in a checkout):

    >>> rows = alliances_in_force("1914-07-28", "atop_v4.01_member_level.csv")  # doctest: +SKIP
    >>> sorted(rows.loc[rows.atopid == 1335, "member"])  # doctest: +SKIP
    [255, 300]
    """
    when = _as_date(date)
    df = _read_table(members, "ATOP member-level", MEMBER_COLUMNS)
    rows, notes = _members_in_force(df, when, _label(members, "ATOP member-level"))
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    return rows


# -- capabilities -----------------------------------------------------------------------------
def _shares(df: pd.DataFrame, year: int, label: str) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    df = _numeric(df, ["ccode", "year", "cinc"])
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
    df = _read_table(capabilities, "NMC capabilities", NMC_COLUMNS)
    out, notes = _shares(df, int(year), _label(capabilities, "NMC capabilities"))
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    return out


def _label(source: Any, what: str) -> str:
    return f"{what} table" if isinstance(source, pd.DataFrame) else f"{what} file '{source}'"


# -- codes ------------------------------------------------------------------------------------
class _Codes:
    """Resolves caller-given state codes (COW abbreviations or ccodes) for one year."""

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


def _origin_parts(item: Any, k: int) -> tuple[Any, Any, Any]:
    if isinstance(item, Mapping):
        extra = set(item) - {"initiator", "target", "weight"}
        if extra or not {"initiator", "target"} <= set(item):
            raise DataError(
                f"origins[{k}]: expected keys initiator, target and optional weight, saw {sorted(item)}"
            )
        return item["initiator"], item["target"], item.get("weight", 1.0)
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) in (2, 3):
        return item[0], item[1], (item[2] if len(item) == 3 else 1.0)
    raise DataError(
        f"origins[{k}]: expected (initiator, target), (initiator, target, weight) or a dict, saw {item!r}"
    )


def _abbreviate(codes: Sequence[str]) -> str:
    shown = ", ".join(codes[:_NAME_CODES])
    return shown + (f" +{len(codes) - _NAME_CODES}" if len(codes) > _NAME_CODES else "")


def _check_treaty_params(treaty_params: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict]:
    if treaty_params is None:
        return {}
    if not isinstance(treaty_params, Mapping):
        raise TypeError(
            f"treaty_params: expected a mapping of kind -> {{reliability, trigger}}, saw {treaty_params!r}"
        )
    out = {}
    for kind, params in treaty_params.items():
        if kind not in ATOP_KINDS.values():
            raise DataError(
                f"treaty_params: unknown treaty kind {kind!r}; ATOP yields {', '.join(ATOP_KINDS.values())}"
            )
        if not isinstance(params, Mapping):
            raise TypeError(f"treaty_params[{kind!r}]: expected a mapping, saw {params!r}")
        bad = [k for k in params if k not in TREATY_PARAMS]
        if bad:
            raise DataError(
                f"treaty_params[{kind!r}]: unknown key(s) {bad}; valid keys: {', '.join(TREATY_PARAMS)}"
            )
        out[kind] = dict(params)
    return out


def _check_kinds(kinds: Iterable[str] | None) -> list[str]:
    """ATOP flags to build treaties from, given treaty kinds or ATOP flag names."""
    if kinds is None:
        return list(ATOP_KINDS)
    if isinstance(kinds, str):
        kinds = [kinds]
    back = {v: k for k, v in ATOP_KINDS.items()}
    flags = []
    for kind in kinds:
        flag = kind if kind in ATOP_KINDS else back.get(kind)
        if flag is None:
            raise DataError(
                f"kinds: unknown obligation kind {kind!r}; expected some of {', '.join(ATOP_KINDS.values())}"
            )
        flags.append(flag)
    return [f for f in ATOP_KINDS if f in flags]


# -- the builder: read -> rows in force -> treaties -> states -> world -------------------------
def _signed_years(alliance_df: pd.DataFrame | None) -> dict[int, int]:
    """``atopid -> begyr`` from the alliance-level file (empty without one)."""
    if alliance_df is None:
        return {}
    alliance_df = _numeric(alliance_df, ALLIANCE_COLUMNS).dropna(subset=list(ALLIANCE_COLUMNS))
    return dict(zip(alliance_df["atopid"].astype(int), alliance_df["begyr"].astype(int), strict=True))


def _treaties(
    rows: pd.DataFrame,
    caps: pd.DataFrame,
    *,
    flags: Sequence[str],
    params: Mapping[str, Mapping[str, Any]],
    signed_by: Mapping[int, int],
    first_entry: pd.Series,
    year: int,
    check_signed: bool,
) -> tuple[list[dict], list[str]]:
    """One treaty per alliance in force and obligation kind, from the rows in force and the
    year's capabilities (members without an NMC row are dropped, and said so)."""
    notes: list[str] = []
    no_nmc = rows[~rows["member"].isin(caps.index)]
    if not no_nmc.empty:
        listed = ", ".join(
            f"ccode {cc} (ATOP {', '.join(str(a) for a in sorted(g['atopid']))})"
            for cc, g in no_nmc.groupby("member")
        )
        notes.append(
            f"ATOP members with no NMC row for {year} (outside the interstate system?) "
            f"were dropped from their treaties: {listed}"
        )
    code_of = caps["code"].to_dict()
    groups: dict[int, list[tuple[int, str | None, dict[str, bool]]]] = {}
    flag_values = {flag: rows[flag].to_numpy(dtype=bool) for flag in flags}
    for k, (atopid, member) in enumerate(zip(rows["atopid"].tolist(), rows["member"].tolist(), strict=True)):
        owed = {flag: bool(flag_values[flag][k]) for flag in flags}
        groups.setdefault(int(atopid), []).append((int(member), code_of.get(member), owed))

    treaties: list[dict] = []
    dropped: list[str] = []
    for atopid in sorted(groups):
        group = sorted(groups[atopid], key=lambda g: g[0])
        known = [(code, owed) for _, code, owed in group if code is not None]
        member_codes = [code for code, _ in known]
        if check_signed and atopid not in signed_by:
            notes.append(f"ATOP {atopid} is not in the alliance-level file; signed year from the member file")
        signed = signed_by.get(atopid, int(first_entry.loc[atopid]))
        for flag in flags:
            if not any(owed[flag] for _, _, owed in group):
                continue
            kind = ATOP_KINDS[flag]
            carriers = [code for code, owed in known if owed[flag]]
            label = f"ATOP {atopid} {kind}"
            if len(member_codes) < 2 or not carriers:
                why = (
                    f"{len(member_codes)} member(s) with capabilities ({', '.join(member_codes) or 'none'})"
                    if len(member_codes) < 2
                    else "no member that owes it has capabilities"
                )
                dropped.append(f"{label}: {why}")
                continue
            treaty: dict[str, Any] = {
                "name": f"ATOP {atopid} ({_abbreviate(member_codes)}) {kind}",
                "kind": kind,
                "members": member_codes,
            }
            if len(carriers) < len(member_codes):
                treaty["guarantors"] = carriers
            treaty.update(params.get(kind, {}))
            treaty["signed"] = signed
            treaty["atopid"] = atopid
            treaties.append(treaty)
    if dropped:
        notes.append(
            f"treaties dropped (a treaty needs two members and one that owes it): {'; '.join(dropped)}"
        )
    return treaties, notes


def _states(caps: pd.DataFrame, chosen: set[str] | None) -> list[dict]:
    """The states of the world (every state of the year when ``chosen`` is None), in ccode order."""
    caps_in = caps if chosen is None else caps[caps["code"].isin(chosen)]
    return [
        {"code": row.code, "capability": float(row.capability), "ccode": int(ccode)}
        for ccode, row in caps_in.iterrows()
    ]


def _caller_choices(
    codes: _Codes,
    caps: pd.DataFrame,
    states: Iterable[str | int] | str | None,
    origins: Iterable[Any] | str | None,
    rivalries: Iterable[Any] | None,
) -> tuple[list[str], list[dict] | str, list[dict] | None]:
    """The caller's states, origins and rivalries with codes resolved: ``(wanted, origins,
    rivalries)``; every unknown code is collected and raised at once."""
    wanted: list[str] = []
    if isinstance(states, str):
        if states.strip().lower() != "all":
            raise DataError(f"states: expected a list of codes or 'all', saw {states!r}")
        wanted += list(caps["code"])
    elif states is not None:
        for k, s in enumerate(states):
            code = codes(s, f"states[{k}]")
            if code is not None:
                wanted.append(code)

    resolved_rivalries = None
    if rivalries is not None:
        resolved_rivalries = []
        for k, r in enumerate(rivalries):
            if not isinstance(r, Mapping) or "states" not in r:
                raise DataError(
                    f"rivalries[{k}]: expected a dict with 'states' (and hostility, trigger), saw {r!r}"
                )
            pair = [codes(s, f"rivalries[{k}] states") for s in r["states"]]
            wanted += [c for c in pair if c is not None]
            resolved_rivalries.append({**r, "states": pair})

    if origins is None:
        if not rivalries:
            raise DataError(
                "origins: a world needs to know where crises start; pass origins=[('AUH', 'YUG')] "
                "(initiator, target[, weight]), or rivalries=[...] with origins='rivalries'"
            )
        origin_list: list[dict] | str = "rivalries"
    elif isinstance(origins, str):
        if origins != "rivalries":
            raise DataError(
                f"origins: expected a list of (initiator, target) pairs or 'rivalries', saw {origins!r}"
            )
        origin_list = "rivalries"
    else:
        origin_list = []
        for k, item in enumerate(origins):
            a, b, w = _origin_parts(item, k)
            a, b = codes(a, f"origins[{k}] initiator"), codes(b, f"origins[{k}] target")
            wanted += [c for c in (a, b) if c is not None]
            origin_list.append({"initiator": a, "target": b, "weight": w})
    codes.check()
    return wanted, origin_list, resolved_rivalries


def _atop_version(member_df: pd.DataFrame) -> str:
    if "version" not in member_df:
        return ""
    v = pd.to_numeric(member_df["version"], errors="coerce").dropna()
    return f" v{v.iloc[0]:g}" if len(v) else ""


def world_from_atop(
    date: int | str | _dt.date,
    *,
    members: str | Path | pd.DataFrame,
    capabilities: str | Path | pd.DataFrame,
    alliances: str | Path | pd.DataFrame | None = None,
    states: Iterable[str | int] | str | None = None,
    origins: Iterable[Any] | str | None = None,
    name: str | None = None,
    kinds: Iterable[str] | None = None,
    treaty_params: Mapping[str, Mapping[str, Any]] | None = None,
    **model_options: Any,
) -> World:
    """Build a world from the alliances in force on a date and that year's capabilities.

    Parameters
    ----------
    date
        A year (read as 1 January of it), an ISO date string (``"1914-07-28"``) or a
        :class:`datetime.date`. It must lie within both files.
    members
        Path to the ATOP member-level CSV (or a DataFrame); needs :data:`MEMBER_COLUMNS`.
    capabilities
        Path to the COW NMC CSV (or a DataFrame); needs :data:`NMC_COLUMNS`.
    alliances
        Optional ATOP alliance-level CSV; when given, each treaty's ``signed`` is the
        alliance's ``begyr``.
    states
        Extra states to include, as COW abbreviations or ccodes, or ``"all"`` for every state in
        NMC that year. Treaty members and the states in ``origins`` and rivalries are always in.
    origins
        Where crises start: ``(initiator, target)`` or ``(initiator, target, weight)`` pairs,
        dicts with those keys, or ``"rivalries"``. Required unless ``rivalries`` are given
        (then it defaults to ``"rivalries"``).
    name
        The world's name; default ``atop_<date>``.
    kinds
        Obligation kinds to build treaties for (treaty kinds such as ``"defense"``, or ATOP
        flags such as ``"nonagg"``); default all five.
    treaty_params
        Per-kind overrides of ``reliability`` and ``trigger``, e.g.
        ``{"defense": {"reliability": 0.9, "trigger": "clash"}}``; kinds left out keep the
        defaults of :mod:`tripwire.defaults`.
    **model_options
        Passed to the world unchanged: ``description``, ``ladder``, ``escalation``, ``policy``,
        ``rivalries`` (rivalry ``states`` may be codes or ccodes), ``profile`` (a fitted profile
        such as ``"mid5"``, which fills every value left out; the world's ``year`` is the date's).

    Returns
    -------
    World
        Validated and resolved; ``world.to_yaml()`` writes a file that
        :func:`tripwire.load_world` reads back to the same world.

    Raises
    ------
    FileNotFoundError
        A path that does not exist.
    DataError
        Missing columns (named), a date outside the data, an unknown state code (with near
        matches), no origins, or a world that does not validate
        (:class:`~tripwire.world.model.WorldError`).

    Warns
    -----
    DataWarning
        ATOP members without an NMC row for the year (dropped), treaties left with fewer than
        two members (dropped), missing CINC values (imputed). See the module notes.

    Notes
    -----
    The example needs the data files (``../shared/data`` next to a checkout); Serbia is
    ``YUG`` in COW.

    Examples
    --------
    >>> from tripwire.io.atop import world_from_atop
    >>> world = world_from_atop(
    ...     "1914-07-28",
    ...     members="atop_v4.01_member_level.csv",
    ...     capabilities="NMC-60-abridged.csv",
    ...     origins=[("AUH", "YUG")],
    ... )  # doctest: +SKIP
    >>> [t.name for t in world.treaties if t.atopid == 1335]  # doctest: +SKIP
    ['ATOP 1335 (GMY, AUH) defense', 'ATOP 1335 (GMY, AUH) neutrality']
    """
    unknown = [k for k in model_options if k not in MODEL_OPTIONS]
    if unknown:
        raise TypeError(
            f"world_from_atop() got unexpected option(s) {unknown}; "
            f"options passed to the world: {', '.join(MODEL_OPTIONS)}"
        )
    when = _as_date(date)
    flags = _check_kinds(kinds)
    params = _check_treaty_params(treaty_params)
    notes: list[str] = []

    # read: check every file before building anything
    member_label = _label(members, "ATOP member-level")
    member_df = _read_table(members, "ATOP member-level", MEMBER_COLUMNS)
    nmc_df = _read_table(capabilities, "NMC capabilities", NMC_COLUMNS)
    alliance_df = (
        None if alliances is None else _read_table(alliances, "ATOP alliance-level", ALLIANCE_COLUMNS)
    )
    prepared, more = _prepare_members(member_df, member_label)
    notes += more

    # rows in force, capabilities, the caller's codes
    rows = _rows_in_force(prepared, when, member_label)
    caps, more = _shares(nmc_df, when.year, _label(capabilities, "NMC capabilities"))
    notes += more
    wanted, origin_list, rivalries = _caller_choices(
        _Codes(caps, nmc_df, when.year), caps, states, origins, model_options.get("rivalries")
    )
    if rivalries is not None:
        model_options["rivalries"] = rivalries

    # treaties: one per ATOP alliance and obligation kind
    treaties, more = _treaties(
        rows,
        caps,
        flags=flags,
        params=params,
        signed_by=_signed_years(alliance_df),
        first_entry=_numeric(member_df, ["atopid", "yrent"]).groupby("atopid")["yrent"].min(),
        year=when.year,
        check_signed=alliance_df is not None,
    )
    notes += more

    # states: treaty members and every state the caller named
    state_list = _states(caps, {m for t in treaties for m in t["members"]} | set(wanted))

    # the world
    world: dict[str, Any] = {
        "name": name if name is not None else f"atop_{when.isoformat()}",
        "description": (
            f"Alliances in force on {when.isoformat()} (ATOP{_atop_version(member_df)}, member level, one "
            f"treaty per alliance and obligation kind) with capabilities as shares of the {when.year} "
            "world CINC total (COW NMC)."
        ),
        **model_options,
        "states": state_list,
        "treaties": treaties,
        "origins": origin_list,
    }
    if model_options.get("profile") is not None:
        world["year"] = when.year  # profiles with values by era need it
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    return load_world(world)
