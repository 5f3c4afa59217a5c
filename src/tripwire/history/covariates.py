"""Covariates of the back-test disputes in one place: a declared table of dyadic (candidate) and
dispute columns, computed once per dispute from the world on its start date, shared by the model's
fits and every baseline.

:func:`covariate_tables` returns :class:`Covariates`: ``candidates`` (one row per dispute and candidate:
every state in the system on the start date that is not an originator, keyed by ``dispnum`` and
``ccode``) and ``disputes`` (one row per dispute, keyed by ``dispnum``), each with the outcomes.
Every column is declared once in :data:`CANDIDATE_COLUMNS` / :data:`DISPUTE_COLUMNS` with its
meaning (copied into ``DataFrame.attrs["columns"]``); side A is the initiator side's originators,
side B the target side's.

Choices, in one place
---------------------
The world on the date
    The same sources and rules as :func:`tripwire.world_on`: states with an NMC row that year,
    capability = share of the year's CINC total (``-9`` from the nearest year); ATOP member rows
    in force on the day (one per alliance and member, the latest phase); COW contiguity on the
    month (the closest type of a pair; spells open in 2006 last); Thompson strategic rivalries in
    force that year (a side's first ccode in the system); COW major powers on the day. Members,
    rivals and neighbours outside the system are left out.
Ties by obligation
    ``defense_a`` is 1 when the candidate and a side-A originator are members of an alliance in
    force in which the *candidate* owes a defense obligation (its own ATOP member row); likewise
    offense, neutrality, nonaggression, consultation. ``pacts_a`` counts the alliances shared
    with side A whatever they oblige; ``small_pact_a`` / ``bilateral_a`` mark one of at most 3 /
    exactly 2 members in the system.
Capability
    ``log_cap_ratio_a`` is ``log(candidate share / side A's summed share)``, shares kept at least
    1e-6 (a zero CINC would otherwise give an infinite ratio).
Eras
    ``before_1945`` (reference), ``1945_1989``, ``from_1990``, by start year.
Observed joiners
    A joiner is a candidate that entered the dispute on a side; a joiner with no NMC row in the
    start year is not a candidate and is counted in ``joiners_outside`` only.

Speed
-----
The lookups (capabilities, rivalry and contiguity matrices over the year's states, the ATOP rows
of the year) are built once per year; alliances and borders in force once per date; each dispute
then reads them with a few array operations.

Examples
--------
>>> from tripwire.history.covariates import CANDIDATE_COLUMNS
>>> CANDIDATE_COLUMNS["land_b"]
'the candidate shares a land or river border with a side B originator'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..io.atop import ATOP_KINDS
from ..io.world_on import HistoryData, load_data
from .disputes import Disputes

__all__ = [
    "CANDIDATE_COLUMNS",
    "DISPUTE_COLUMNS",
    "CANDIDATE_OUTCOMES",
    "DISPUTE_OUTCOMES",
    "OBLIGATIONS",
    "ERAS",
    "Covariates",
    "covariate_tables",
    "era3",
]

#: ATOP obligation flag -> column stem.
OBLIGATIONS: dict[str, str] = dict(ATOP_KINDS)
ERAS = ("before_1945", "1945_1989", "from_1990")
SMALL_PACT = 3  # members in the system (the column meanings say 3)
CAP_FLOOR = 1e-6


def _sided(stem: str, meaning: str) -> dict[str, str]:
    return {f"{stem}_{s.lower()}": meaning.format(side=s) for s in ("A", "B")}


#: Candidate (dyadic) covariates: name -> meaning.
CANDIDATE_COLUMNS: dict[str, str] = {
    **{
        k: v
        for kind in OBLIGATIONS.values()
        for k, v in _sided(
            kind, f"the candidate owes a {kind} obligation in an alliance with a side {{side}} originator"
        ).items()
    },
    **_sided("alliance", "the candidate owes any ATOP obligation to a side {side} originator"),
    **_sided("pacts", "alliances in force shared with side {side}'s originators"),
    **_sided("small_pact", "an alliance of at most 3 members shared with a side {side} originator"),
    **_sided("bilateral", "the candidate shares a two-member alliance with a side {side} originator"),
    **_sided("land", "the candidate shares a land or river border with a side {side} originator"),
    **_sided("sea", "the candidate is across at most 400 miles of water from a side {side} originator"),
    **_sided("rival", "the candidate is a strategic rival (any type) of a side {side} originator"),
    **_sided("positional", "the candidate is a positional rival of a side {side} originator"),
    **_sided("log_cap_ratio", "log(candidate's capability share / side {side} originators' summed share)"),
    "allied_a_near_b": "allied to side A and a neighbour (land or sea) or rival of side B",
    "allied_b_near_a": "allied to side B and a neighbour (land or sea) or rival of side A",
    "allied_both": "the candidate owes obligations to originators on both sides (cross-pressure)",
    "near_both": "a neighbour or rival of originators on both sides",
    "capability": "the candidate's share of the year's world CINC",
    "log_capability": "log of the candidate's capability share (at least 1e-6)",
    "major": "the candidate is a COW major power on the start date",
    "n_orig_a": "originators on side A",
    "n_orig_b": "originators on side B",
    "era_1945_1989": "the dispute starts 1945-1989",
    "era_from_1990": "the dispute starts in 1990 or later",
    "year": "the start year",
}
#: Candidate outcomes: name -> meaning.
CANDIDATE_OUTCOMES: dict[str, str] = {
    "joined_a": "the candidate joined side A",
    "joined_b": "the candidate joined side B",
}

#: Dispute covariates: name -> meaning.
DISPUTE_COLUMNS: dict[str, str] = {
    "cap_share_a": "side A originators' capability / both sides' (0..1)",
    "parity": "|cap_share_a - 0.5|: distance from parity",
    "log_cap_ratio": "log(side A's summed share / side B's), shares at least 1e-6",
    "majors_a": "major powers among side A originators",
    "majors_b": "major powers among side B originators",
    "land_contiguous": "a side A and a side B originator share a land or river border",
    "sea_contiguous": "a side A and a side B originator are across at most 400 miles of water",
    "rivals": "a side A and a side B originator are strategic rivals",
    "positional_rivals": "a side A and a side B originator are positional rivals",
    "n_orig_a": "originators on side A",
    "n_orig_b": "originators on side B",
    **_sided("allies", "candidates owing any obligation to a side {side} originator"),
    **_sided("defense_allies", "candidates owing a defense obligation to a side {side} originator"),
    **_sided("major_allies", "major powers owing any obligation to a side {side} originator"),
    **_sided("neighbours", "candidates bordering (land or sea) a side {side} originator"),
    **_sided("rival_states", "candidates that are strategic rivals of a side {side} originator"),
    "n_candidates": "states in the system that are not originators",
    "era_1945_1989": "the dispute starts 1945-1989",
    "era_from_1990": "the dispute starts in 1990 or later",
    "year": "the start year",
}
#: Dispute outcomes: name -> meaning.
DISPUTE_OUTCOMES: dict[str, str] = {
    "display": "the dispute reached at least a display of force",
    "use": "the dispute reached at least the use of force",
    "war": "the dispute reached war",
    "joiner": "at least one state joined beyond the originators",
    "n_joiners": "candidates that joined (either side)",
    "joiners_outside": "joiners with no NMC row in the start year (not candidates)",
}


def era3(year: int) -> str:
    """The era of a start year: ``before_1945``, ``1945_1989`` or ``from_1990``."""
    return ERAS[0] if year < 1945 else ERAS[1] if year < 1990 else ERAS[2]


@dataclass
class Covariates:
    """The candidate and dispute tables (see the module notes)."""

    candidates: pd.DataFrame
    disputes: pd.DataFrame

    def subset(self, dispnums: Iterable[int]) -> Covariates:
        """The rows of these disputes."""
        ids = sorted(set(int(d) for d in dispnums))
        missing = set(ids) - set(self.disputes.index)
        if missing:
            raise DataError(f"covariates: no rows for dispute(s) {sorted(missing)[:10]}")
        cand = self.candidates[self.candidates.index.get_level_values("dispnum").isin(ids)]
        disp = self.disputes.loc[ids]
        return Covariates(_with_attrs(cand, self.candidates), _with_attrs(disp, self.disputes))


def _with_attrs(df: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df.attrs = dict(like.attrs)
    return df


class _Year:
    """The lookups of one year: states, capabilities, rivalries, contiguity spells, ATOP rows."""

    def __init__(self, sources: HistoryData, year: int) -> None:
        caps, _ = sources.shares(year)
        self.ccodes = caps.index.to_numpy(dtype=np.int64)
        self.index = {int(c): k for k, c in enumerate(self.ccodes)}
        self.capability = caps["capability"].to_numpy(dtype=float)
        n = len(self.ccodes)
        # rivalries in force that year (world_on's rule: each side's first ccode in the system)
        self.rival = np.zeros((n, n), dtype=bool)
        self.positional = np.zeros((n, n), dtype=bool)
        riv = sources.rivalries
        live = riv[(riv["start"] <= year) & (riv["end"].isna() | (riv["end"] >= year))]
        for c1s, c2s, types in zip(live["ccodes1"], live["ccodes2"], live["types"], strict=True):
            c1 = next((self.index[c] for c in c1s if c in self.index), None)
            c2 = next((self.index[c] for c in c2s if c in self.index), None)
            if c1 is None or c2 is None or c1 == c2:
                continue
            self.rival[c1, c2] = self.rival[c2, c1] = True
            if "positional" in types:
                self.positional[c1, c2] = self.positional[c2, c1] = True
        # contiguity spells that hold in some month of the year, both states in the system
        sp = sources.contiguity
        keep = (
            (sp["begin"] <= year * 100 + 12)
            & ((sp["end"] >= year * 100 + 1) | sp["open"])
            & sp["statelno"].isin(self.index)
            & sp["statehno"].isin(self.index)
        )
        sp = sp[keep]
        self.spell_lo = np.array([self.index[c] for c in sp["statelno"]], dtype=np.int64)
        self.spell_hi = np.array([self.index[c] for c in sp["statehno"]], dtype=np.int64)
        self.spell_type = sp["conttype"].to_numpy(dtype=np.int64)
        self.spell_begin = sp["begin"].to_numpy(dtype=np.int64)
        self.spell_end = np.where(sp["open"].to_numpy(), 999_999, sp["end"].to_numpy(dtype=np.int64))
        # ATOP rows in force at some day of the year, members in the system
        m = sources.members
        keep = (
            (m["_entry"] <= year * 10_000 + 1231)
            & ((m["_exit"] == 0) | (m["_exit"] > year * 10_000 + 101))
            & m["member"].isin(self.index)
        )
        rows = m[keep]
        order = ["atopid", "member", "phase", "_entry"] if "phase" in rows else ["atopid", "member", "_entry"]
        rows = rows.sort_values(order, kind="stable")
        self.atop_id = rows["atopid"].to_numpy(dtype=np.int64)
        self.atop_member = np.array([self.index[int(c)] for c in rows["member"]], dtype=np.int64)
        self.atop_entry = rows["_entry"].to_numpy(dtype=np.int64)
        self.atop_exit = rows["_exit"].to_numpy(dtype=np.int64)
        self.atop_owes = rows[list(OBLIGATIONS)].to_numpy(dtype=bool)
        self._dates: dict[_dt.date, tuple] = {}

    def on(self, when: _dt.date, majors: set[int]) -> tuple:
        """Membership and obligation matrices, pact sizes, land and sea matrices on ``when``."""
        if when in self._dates:
            return self._dates[when]
        n = len(self.ccodes)
        key = when.year * 10_000 + when.month * 100 + when.day
        live = np.flatnonzero((self.atop_entry <= key) & ((self.atop_exit == 0) | (self.atop_exit > key)))
        # one row per (alliance, member): the last in (phase, entry) order, as world_on keeps
        aid, mem = self.atop_id[live], self.atop_member[live]
        last = np.ones(len(live), dtype=bool)
        last[:-1] = (aid[1:] != aid[:-1]) | (mem[1:] != mem[:-1])
        live, aid, mem = live[last], aid[last], mem[last]
        ids, alliance = np.unique(aid, return_inverse=True)
        belongs = np.zeros((len(ids), n), dtype=bool)
        belongs[alliance, mem] = True
        owes = {}
        for k, flag in enumerate(OBLIGATIONS):
            o = np.zeros((len(ids), n), dtype=bool)
            o[alliance, mem] = self.atop_owes[live, k]
            owes[flag] = o
        size = belongs.sum(axis=1)
        month = when.year * 100 + when.month
        live = (self.spell_begin <= month) & (self.spell_end >= month)
        closest = np.full((n, n), 9, dtype=np.int64)
        lo, hi, kind = self.spell_lo[live], self.spell_hi[live], self.spell_type[live]
        np.minimum.at(closest, (lo, hi), kind)
        np.minimum.at(closest, (hi, lo), kind)
        land = closest == 1
        sea = (closest >= 2) & (closest <= 5)
        major = np.isin(self.ccodes, list(majors))
        out = (belongs, owes, size, land, sea, major)
        self._dates[when] = out
        return out


class _Majors:
    """COW major powers on a date (the rule of :func:`tripwire.io.cow.majors_on`, on arrays)."""

    def __init__(self, sources: HistoryData) -> None:
        table = sources.majors
        if table is None:
            self.ccode = np.zeros(0, dtype=np.int64)
            self.start = self.end = self.ccode
            return
        self.ccode = table["ccode"].to_numpy(dtype=np.int64)
        self.start = table["start"].to_numpy(dtype=np.int64)
        last = int(table["end"].max())
        end = table["end"].to_numpy(dtype=np.int64)
        self.end = np.where(end == last, 99_999_999, end)

    def __call__(self, when: _dt.date) -> set[int]:
        key = when.year * 10_000 + when.month * 100 + when.day
        return set(self.ccode[(self.start <= key) & (self.end >= key)].tolist())


def _dispute_rows(
    d: int, row: dict, year: _Year, on: tuple
) -> tuple[dict[str, np.ndarray], dict[str, Any], np.ndarray]:
    belongs, owes, size, land, sea, major = on
    n = len(year.ccodes)
    ia = np.array([year.index[c] for c in row["side_a"]], dtype=np.int64)
    ib = np.array([year.index[c] for c in row["side_b"]], dtype=np.int64)
    orig = np.zeros(n, dtype=bool)
    orig[ia] = orig[ib] = True
    cand = ~orig
    cap = year.capability
    col: dict[str, np.ndarray] = {}
    for side, idx in (("a", ia), ("b", ib)):
        shared = belongs[:, idx].any(axis=1)
        any_tie = np.zeros(n, dtype=bool)
        for flag, kind in OBLIGATIONS.items():
            tie = owes[flag][shared].any(axis=0)
            col[f"{kind}_{side}"] = tie
            any_tie |= tie
        col[f"alliance_{side}"] = any_tie
        col[f"pacts_{side}"] = belongs[shared].sum(axis=0)
        col[f"small_pact_{side}"] = belongs[shared & (size <= SMALL_PACT)].any(axis=0)
        col[f"bilateral_{side}"] = belongs[shared & (size == 2)].any(axis=0)
        col[f"land_{side}"] = land[:, idx].any(axis=1)
        col[f"sea_{side}"] = sea[:, idx].any(axis=1)
        col[f"rival_{side}"] = np.asarray(year.rival[:, idx].any(axis=1))
        col[f"positional_{side}"] = np.asarray(year.positional[:, idx].any(axis=1))
        total = max(float(cap[idx].sum()), CAP_FLOOR)
        col[f"log_cap_ratio_{side}"] = np.log(np.maximum(cap, CAP_FLOOR) / total)
    near_a = col["land_a"] | col["sea_a"] | col["rival_a"]
    near_b = col["land_b"] | col["sea_b"] | col["rival_b"]
    col["allied_a_near_b"] = col["alliance_a"] & near_b
    col["allied_b_near_a"] = col["alliance_b"] & near_a
    col["allied_both"] = col["alliance_a"] & col["alliance_b"]
    col["near_both"] = near_a & near_b
    col["capability"] = cap
    col["log_capability"] = np.log(np.maximum(cap, CAP_FLOOR))
    col["major"] = major
    era = era3(int(row["year"]))
    joined_a = np.isin(year.ccodes, row["joiners_a"])
    joined_b = np.isin(year.ccodes, row["joiners_b"])
    col["joined_a"], col["joined_b"] = joined_a, joined_b
    cand_cols = {k: v[cand] for k, v in col.items()}

    cap_a, cap_b = float(cap[ia].sum()), float(cap[ib].sum())
    share = cap_a / (cap_a + cap_b) if cap_a + cap_b > 0 else 0.5
    level = int(row["level_index"])
    n_joined = int((joined_a | joined_b)[cand].sum())
    disp = {
        "cap_share_a": share,
        "parity": abs(share - 0.5),
        "log_cap_ratio": float(np.log(max(cap_a, CAP_FLOOR) / max(cap_b, CAP_FLOOR))),
        "majors_a": int(major[ia].sum()),
        "majors_b": int(major[ib].sum()),
        "land_contiguous": bool(land[np.ix_(ia, ib)].any()),
        "sea_contiguous": bool(sea[np.ix_(ia, ib)].any()),
        "rivals": bool(year.rival[np.ix_(ia, ib)].any()),
        "positional_rivals": bool(year.positional[np.ix_(ia, ib)].any()),
        "n_orig_a": len(ia),
        "n_orig_b": len(ib),
        "allies_a": int((col["alliance_a"] & cand).sum()),
        "allies_b": int((col["alliance_b"] & cand).sum()),
        "defense_allies_a": int((col["defense_a"] & cand).sum()),
        "defense_allies_b": int((col["defense_b"] & cand).sum()),
        "major_allies_a": int((col["alliance_a"] & cand & major).sum()),
        "major_allies_b": int((col["alliance_b"] & cand & major).sum()),
        "neighbours_a": int(((col["land_a"] | col["sea_a"]) & cand).sum()),
        "neighbours_b": int(((col["land_b"] | col["sea_b"]) & cand).sum()),
        "rival_states_a": int((col["rival_a"] & cand).sum()),
        "rival_states_b": int((col["rival_b"] & cand).sum()),
        "n_candidates": int(cand.sum()),
        "era_1945_1989": era == ERAS[1],
        "era_from_1990": era == ERAS[2],
        "year": int(row["year"]),
        "display": level >= 1,
        "use": level >= 2,
        "war": level >= 3,
        "joiner": bool(row["has_joiner"]),
        "n_joiners": n_joined,
        "joiners_outside": len(row["joiners_a"]) + len(row["joiners_b"]) - n_joined,
        "era": era,
    }
    return cand_cols, disp, year.ccodes[cand]


def covariate_tables(disputes: Disputes | pd.DataFrame, *, data: str | HistoryData) -> Covariates:
    """The candidate and dispute covariate tables of every dispute, with the outcomes.

    Parameters
    ----------
    disputes
        A :class:`~tripwire.history.Disputes` (or its ``table``).
    data
        The data folder (or a :class:`~tripwire.io.world_on.HistoryData`).

    Returns
    -------
    Covariates
        ``candidates``: indexed by ``(dispnum, ccode)``, the columns of :data:`CANDIDATE_COLUMNS`
        then :data:`CANDIDATE_OUTCOMES` (booleans as 0/1 integers). ``disputes``: indexed by
        ``dispnum``, :data:`DISPUTE_COLUMNS`, :data:`DISPUTE_OUTCOMES` and ``era``. Each frame's
        ``attrs["columns"]`` holds every column's meaning.

    Raises
    ------
    DataError
        An originator without an NMC row in the start year (:func:`load_disputes` with ``data``
        sets those disputes aside).
    """
    table = disputes.table if isinstance(disputes, Disputes) else disputes
    sources = load_data(data)
    years: dict[int, _Year] = {}
    majors = _Majors(sources)
    parts: list[dict[str, np.ndarray]] = []
    keys: list[tuple[np.ndarray, np.ndarray]] = []
    rows: dict[int, dict] = {}
    order = table.sort_values("start", kind="stable")
    for d, row in zip(order.index.tolist(), order.to_dict("records"), strict=True):
        y = int(row["year"])
        if y not in years:
            years[y] = _Year(sources, y)
        year = years[y]
        outside = [c for c in (*row["side_a"], *row["side_b"]) if c not in year.index]
        if outside:
            raise DataError(f"MID {d}: originator ccode(s) {outside} have no NMC row in {y}")
        when = row["start"]
        cand, disp, ccodes = _dispute_rows(int(d), row, year, year.on(when, majors(when)))
        parts.append(cand)
        keys.append((np.full(len(ccodes), int(d), dtype=np.int64), ccodes))
        rows[int(d)] = disp
    names = [*CANDIDATE_COLUMNS, *CANDIDATE_OUTCOMES]
    if parts:
        body = {k: np.concatenate([p[k] for p in parts]) for k in names if k in parts[0]}
        n_per = [len(k[0]) for k in keys]
        for k, v in (("n_orig_a", "n_orig_a"), ("n_orig_b", "n_orig_b"), ("year", "year")):
            body[k] = np.repeat([rows[int(kk[0][0])][v] if len(kk[0]) else 0 for kk in keys], n_per)
        eras = np.repeat([rows[int(kk[0][0])]["era"] if len(kk[0]) else "" for kk in keys], n_per)
        body["era_1945_1989"] = eras == ERAS[1]
        body["era_from_1990"] = eras == ERAS[2]
        index = pd.MultiIndex.from_arrays(
            [np.concatenate([k[0] for k in keys]), np.concatenate([k[1] for k in keys])],
            names=["dispnum", "ccode"],
        )
    else:
        body = {k: np.zeros(0) for k in names}
        index = pd.MultiIndex.from_arrays([np.zeros(0, dtype=np.int64)] * 2, names=["dispnum", "ccode"])
    cand_df = pd.DataFrame({k: body[k] for k in names}, index=index)
    for k in cand_df.columns:
        if cand_df[k].dtype == bool:
            cand_df[k] = cand_df[k].astype(np.int64)
    cand_df = cand_df.sort_index()
    cand_df.attrs["columns"] = {**CANDIDATE_COLUMNS, **CANDIDATE_OUTCOMES}
    disp_names = [*DISPUTE_COLUMNS, *DISPUTE_OUTCOMES, "era"]
    disp_df = pd.DataFrame.from_dict(rows, orient="index", columns=disp_names).sort_index()
    disp_df.index.name = "dispnum"
    for k in disp_df.columns:
        if disp_df[k].dtype == bool:
            disp_df[k] = disp_df[k].astype(np.int64)
    disp_df.attrs["columns"] = {**DISPUTE_COLUMNS, **DISPUTE_OUTCOMES, "era": "era of the start year"}
    return Covariates(cand_df, disp_df)
