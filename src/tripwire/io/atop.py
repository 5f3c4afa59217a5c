"""ATOP alliances: the member rows in force on a date, and worlds built from them and that year's
capabilities.

:func:`world_from_atop` turns the alliances in force on one date (ATOP member-level data) and
that year's capabilities (COW NMC, :mod:`tripwire.io.nmc`) into a validated
:class:`~tripwire.world.model.World`.

Choices, in one place
---------------------
Dates
    ``date`` is a year, an ISO date string or a :class:`datetime.date`
    (:func:`tripwire.io.tables.as_date`). It must fall within both files: ATOP entry years
    (1815–2016 in v4.01) and NMC years (1816–2016 in v6.0); otherwise ``DataError`` says what each
    file covers.
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
    ``nonagg -> nonaggression``, ``consul -> consultation`` (the table of treaty kinds,
    :mod:`tripwire.world.kinds`, gives each kind's flag). Reliability and trigger are the
    defaults by kind unless ``treaty_params`` overrides them.
    ``signed`` is the alliance's first year (``begyr`` of the alliance-level file when given,
    else the earliest member entry; they agree in v4.01). ``ended`` is left out: the world
    describes the date, not what came after it.
State codes
    COW abbreviations as NMC spells them for the date's year (:class:`tripwire.io.codes.StateCodes`).
    No names file is read, so each state's name is its code.
Capabilities
    Shares of the year's world CINC total, missing values imputed (:mod:`tripwire.io.nmc`).
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
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, DataWarning
from ..world import kinds
from ..world.model import World, load_world
from .codes import StateCodes
from .nmc import NMC_COLUMNS, nmc_shares
from .tables import as_date, numeric, read_table, source_label

__all__ = [
    "world_from_atop",
    "alliances_in_force",
    "DataWarning",
    "ATOP_KINDS",
    "MEMBER_COLUMNS",
    "NMC_COLUMNS",
    "ALLIANCE_COLUMNS",
]

#: ATOP obligation flag -> treaty kind, in ATOP's order of strength, the order treaties are built
#: (read from the table of treaty kinds, :mod:`tripwire.world.kinds`).
ATOP_KINDS: dict[str, str] = kinds.atop_flags()


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


#: Columns the ATOP alliance-level file must have (when one is given).
ALLIANCE_COLUMNS: tuple[str, ...] = ("atopid", "begyr")


#: ``model_options`` passed through to the world.
MODEL_OPTIONS = ("description", "ladder", "escalation", "policy", "rivalries", "profile")


#: Treaty fields ``treaty_params`` may set per kind.
TREATY_PARAMS = ("reliability", "trigger")


_NAME_CODES = 4  # member codes spelled out in a treaty name before "+N"


# -- alliances --------------------------------------------------------------------------------
def _date_key(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """``yyyymmdd`` integers; unknown (0 or blank) months and days read as the first."""
    month = month.fillna(0).clip(lower=0)
    day = day.fillna(0).clip(lower=0)
    month = month.where(month > 0, 1)
    day = day.where(day > 0, 1)
    return (year * 10_000 + month * 100 + day).astype("int64")


def prepare_members(df: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Member rows as numbers, rows without an id, member or entry year set aside (and said so),
    with each row's entry and exit as ``yyyymmdd`` keys (``_entry``, ``_exit``; exit 0 = open)."""
    notes: list[str] = []
    df = numeric(df, [*MEMBER_COLUMNS, *(["phase"] if "phase" in df else [])])
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


def atop_coverage(df: pd.DataFrame) -> tuple[int, int]:
    """First and last year of a prepared member table (entries and exits)."""
    return int(df["yrent"].min()), int(max(df["yrent"].max(), df["yrexit"].max()))


def rows_in_force(df: pd.DataFrame, when: _dt.date, label: str) -> pd.DataFrame:
    """The prepared member rows in force on ``when``, one per ``(atopid, member)``."""
    lo, hi = atop_coverage(df)
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
    prepared, notes = prepare_members(df, label)
    return rows_in_force(prepared, when, label), notes


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
    when = as_date(date)
    df = read_table(members, "ATOP member-level", MEMBER_COLUMNS)
    rows, notes = _members_in_force(df, when, source_label(members, "ATOP member-level"))
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    return rows


# -- the caller's choices ---------------------------------------------------------------------
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


def signed_years(alliance_df: pd.DataFrame | None) -> dict[int, int]:
    """``atopid -> begyr`` from the alliance-level file (empty without one)."""
    if alliance_df is None:
        return {}
    alliance_df = numeric(alliance_df, ALLIANCE_COLUMNS).dropna(subset=list(ALLIANCE_COLUMNS))
    return dict(zip(alliance_df["atopid"].astype(int), alliance_df["begyr"].astype(int), strict=True))


def build_treaties(
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
    codes: StateCodes,
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
    when = as_date(date)
    flags = _check_kinds(kinds)
    params = _check_treaty_params(treaty_params)
    notes: list[str] = []

    # read: check every file before building anything
    member_label = source_label(members, "ATOP member-level")
    member_df = read_table(members, "ATOP member-level", MEMBER_COLUMNS)
    nmc_df = read_table(capabilities, "NMC capabilities", NMC_COLUMNS)
    alliance_df = (
        None if alliances is None else read_table(alliances, "ATOP alliance-level", ALLIANCE_COLUMNS)
    )
    prepared, more = prepare_members(member_df, member_label)
    notes += more

    # rows in force, capabilities, the caller's codes
    rows = rows_in_force(prepared, when, member_label)
    caps, more = nmc_shares(nmc_df, when.year, source_label(capabilities, "NMC capabilities"))
    notes += more
    wanted, origin_list, rivalries = _caller_choices(
        StateCodes(caps, nmc_df, when.year), caps, states, origins, model_options.get("rivalries")
    )
    if rivalries is not None:
        model_options["rivalries"] = rivalries

    # treaties: one per ATOP alliance and obligation kind
    treaties, more = build_treaties(
        rows,
        caps,
        flags=flags,
        params=params,
        signed_by=signed_years(alliance_df),
        first_entry=numeric(member_df, ["atopid", "yrent"]).groupby("atopid")["yrent"].min(),
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
