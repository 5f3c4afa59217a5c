"""Disputes: the MID 5.0 files as one table per dispute, every quirk handled and counted.

:func:`load_disputes` returns :class:`Disputes`: ``table`` (one row per dispute kept),
``participants`` (one row per state and dispute), ``set_aside`` (the disputes not kept, each
with its reason) and ``report`` (every quirk met, how many disputes it touched, and what was done).

Choices, in one place
---------------------
Levels
    MID hostility levels 2-5 become ``threat, display, use, war`` (:data:`MID_LADDER`); level 1
    ("no militarised action") appears only for participants. A dispute's level is MIDA's
    ``hostlev``; where it differs from the highest participant level the dispute keeps MIDA's and
    the report counts it.
Dates
    A start day of ``-9`` (unknown) is read as the 1st of the month (counted). A dispute starts on
    its MIDA start date; each participant enters on its own MIDB start date.
Originators and joiners
    MIDB ``orig = 1`` marks an originator, ``0`` a joiner; ``sidea = 1`` is side A (the side that
    took the first militarised action: the initiator side), ``0`` side B. A state with several
    spells on one side keeps its earliest entry (counted); a state on both sides keeps the side of
    its earliest entry (counted). A dispute without an originator on one side is set aside.
Coverage
    With ``data``, a dispute whose originator has no NMC row in the start year is set aside (the
    model has no capability for it), and a joiner without one is kept as observed but counted
    (it cannot be a candidate). A dispute still going on at the end of MID 5.0 (``ongo2014``) is
    kept: its start is known. Disputes after 2006 use the contiguity spells open at the end of
    that data (counted).

Examples
--------
>>> from tripwire.history import load_disputes
>>> disputes = load_disputes("../shared/data/mid5")  # doctest: +SKIP
>>> len(disputes)  # doctest: +SKIP
1827
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import defaults
from ..errors import DataError
from ..io.mid import read_mid

__all__ = ["MID_LADDER", "Disputes", "load_disputes"]

#: MID hostility levels 2..5 as ladder levels.
MID_LADDER = defaults.MID_LADDER_LEVELS
MID_FIRST_LEVEL = 2
ERA_SPLIT = defaults.ERA_SPLIT_YEAR
CONTIGUITY_LAST_YEAR = 2006


@dataclass
class Disputes:
    """Disputes kept, their participants, those set aside and the quirk report."""

    table: pd.DataFrame
    participants: pd.DataFrame
    set_aside: pd.DataFrame
    report: pd.DataFrame
    source: str = ""
    attrs: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    def subset(self, dispnums) -> Disputes:
        """The disputes with these MID numbers (same report)."""
        keep = self.table.index.isin(list(dispnums))
        table = self.table[keep]
        return Disputes(
            table,
            self.participants[self.participants["dispnum"].isin(table.index)],
            self.set_aside,
            self.report,
            self.source,
            dict(self.attrs),
        )

    def split(self, fraction: float = 0.8, seed: int = 0) -> tuple[Disputes, Disputes]:
        """A random split (``fraction`` in the first part), reproducible from ``seed``."""
        if not 0 < fraction < 1:
            raise DataError(f"fraction: expected a number in (0, 1), saw {fraction!r}")
        ids = np.array(sorted(self.table.index))
        rng = np.random.default_rng(seed)
        chosen = rng.permutation(ids)[: int(round(fraction * len(ids)))]
        first = set(chosen.tolist())
        return self.subset(sorted(first)), self.subset([i for i in ids if i not in first])

    def summary(self) -> str:
        """The report in words: kept, set aside and why, quirks handled."""
        lines = [f"{len(self.table)} disputes kept, {len(self.set_aside)} set aside ({self.source})"]
        for row in self.report.itertuples():
            lines.append(f"  {row.quirk}: {row.disputes} dispute(s) -> {row.action}")
        return "\n".join(lines)


def _date(y: int, m: int, d: int) -> _dt.date:
    return _dt.date(int(y), int(max(m, 1)), int(max(d, 1)))


def load_disputes(path: str | Path, *, data=None) -> Disputes:
    """Read a MID 5.0 folder (the four CSV files) into one row per dispute.

    Parameters
    ----------
    path
        The folder holding ``MIDA 5.0.csv``, ``MIDB 5.0.csv``, ``MIDI 5.0.csv`` and
        ``MIDIP 5.0.csv``.
    data
        Optional data folder (or :class:`~tripwire.io.world_on.HistoryData`): disputes whose
        originators have no NMC row in the start year are then set aside (and counted).

    Returns
    -------
    Disputes
        ``table`` is indexed by ``dispnum`` with ``start`` (a date), ``year``, ``era``
        (``before_1945`` / ``from_1945``), ``level`` (name), ``level_index`` (0-3), ``side_a`` and
        ``side_b`` (originators' ccodes, tuples), ``joiners_a`` and ``joiners_b`` (joiners'
        ccodes), ``n_states``, ``has_joiner``, ``n_incidents``, ``start_day_known``,
        ``ongoing``. ``participants`` has one row per state: ``dispnum, ccode, stabb, side``
        (``"A"``/``"B"``), ``originator``, ``entry`` (date), ``hostlev``.

    Raises
    ------
    FileNotFoundError, DataError
        A missing folder or file, a missing column (named).
    """
    tables = read_mid(path)
    a, b, i = tables["A"], tables["B"], tables["I"]
    report: list[tuple[str, int, str]] = []
    aside: list[tuple[int, str]] = []

    def note(quirk: str, ids, action: str) -> None:
        n = len(set(ids))
        if n:
            report.append((quirk, n, action))

    a = a.dropna(subset=["dispnum", "styear", "stmon", "hostlev"]).copy()
    a["dispnum"] = a["dispnum"].astype(int)
    dupes = a[a.duplicated("dispnum", keep="first")]["dispnum"]
    note("dispute listed twice in MIDA", dupes, "first row kept")
    a = a.drop_duplicates("dispnum").set_index("dispnum").sort_index()

    bad_level = a.index[~a["hostlev"].isin(range(2, 6))]
    for d in bad_level:
        aside.append((int(d), f"hostility level {a.at[d, 'hostlev']} is not 2-5"))
    note("dispute hostility level outside 2-5", bad_level, "set aside")

    unknown_day = a.index[a["stday"] < 1]
    note("start day unknown (-9)", unknown_day, "read as the 1st of the month")
    note("still going on at the end of MID 5.0 (ongo2014)", a.index[a["ongo2014"] == 1], "kept (start known)")
    note(
        f"starts after {CONTIGUITY_LAST_YEAR}, the end of the contiguity data",
        a.index[a["styear"] > CONTIGUITY_LAST_YEAR],
        "kept; borders from the spells open at the end of the data",
    )

    # participants: one row per (dispute, state), earliest entry
    b = b.dropna(subset=["dispnum", "ccode", "sidea", "orig"]).copy()
    b = b.astype({"dispnum": int, "ccode": int, "sidea": int, "orig": int})
    b["key"] = (
        b["styear"].fillna(0) * 10_000
        + b["stmon"].clip(lower=1).fillna(1) * 100
        + b["stday"].clip(lower=1).fillna(1)
    )
    b = b.sort_values(["dispnum", "ccode", "key"], kind="stable")
    spells = b[b.duplicated(["dispnum", "ccode", "sidea"], keep=False)]["dispnum"]
    note("a state with several spells on one side", spells, "earliest entry kept")
    sides = b.groupby(["dispnum", "ccode"])["sidea"].nunique()
    both = sides[sides > 1].index.get_level_values(0)
    note("a state on both sides", both, "kept on the side of its earliest entry")
    orig_any = b.groupby(["dispnum", "ccode"])["orig"].max()
    b = b.drop_duplicates(["dispnum", "ccode"], keep="first").copy()
    b["orig"] = orig_any.loc[list(zip(b["dispnum"], b["ccode"], strict=True))].to_numpy()
    parts = pd.DataFrame(
        {
            "dispnum": b["dispnum"].to_numpy(),
            "ccode": b["ccode"].to_numpy(),
            "stabb": b["stabb"].to_numpy(),
            "side": np.where(b["sidea"].to_numpy() == 1, "A", "B"),
            "originator": b["orig"].to_numpy() == 1,
            "entry": [
                _date(y, m, d) if y > 0 else None
                for y, m, d in zip(
                    b["styear"].fillna(-9), b["stmon"].fillna(1), b["stday"].fillna(1), strict=True
                )
            ],
            "hostlev": b["hostlev"].to_numpy(),
        }
    )
    no_parts = a.index.difference(parts["dispnum"].unique())
    for d in no_parts:
        aside.append((int(d), "no participant rows in MIDB"))
    note("no participant rows in MIDB", no_parts, "set aside")

    top = parts.groupby("dispnum")["hostlev"].max()
    common = a.index.intersection(top.index)
    differ = common[a.loc[common, "hostlev"].to_numpy() != top.loc[common].to_numpy()]
    note("dispute level differs from the highest participant level", differ, "MIDA's level kept")

    incidents = i.dropna(subset=["dispnum"]).groupby(i["dispnum"].dropna().astype(int)).size()

    rows = []
    by_dispute: dict[int, list[tuple[int, str, bool]]] = {}
    for d, cc, side, orig in zip(
        parts["dispnum"].tolist(),
        parts["ccode"].tolist(),
        parts["side"].tolist(),
        parts["originator"].tolist(),
        strict=True,
    ):
        by_dispute.setdefault(d, []).append((cc, side, orig))
    skip = set(bad_level) | set(no_parts)
    for d, row in zip(a.index.tolist(), a.to_dict("records"), strict=True):
        if d in skip:
            continue
        p = by_dispute[d]

        def pick(side: str, orig: bool, p=p) -> tuple[int, ...]:
            return tuple(sorted(cc for cc, s, o in p if s == side and o == orig))

        orig_a, orig_b = pick("A", True), pick("B", True)
        if not orig_a or not orig_b:
            aside.append((int(d), "no originator on side " + ("A" if not orig_a else "B")))
            continue
        join_a, join_b = pick("A", False), pick("B", False)
        year = int(row["styear"])
        rows.append(
            {
                "dispnum": int(d),
                "start": _date(year, row["stmon"], row["stday"]),
                "year": year,
                "era": "before_1945" if year < ERA_SPLIT else "from_1945",
                "level": MID_LADDER[int(row["hostlev"]) - MID_FIRST_LEVEL],
                "level_index": int(row["hostlev"]) - MID_FIRST_LEVEL,
                "side_a": orig_a,
                "side_b": orig_b,
                "joiners_a": join_a,
                "joiners_b": join_b,
                "n_states": len(p),
                "has_joiner": bool(join_a or join_b),
                "n_incidents": int(incidents.get(d, 0)),
                "start_day_known": bool(row["stday"] >= 1),
                "ongoing": bool(row["ongo2014"] == 1),
                "fatality": int(row["fatality"]) if pd.notna(row["fatality"]) else -9,
            }
        )
    missing_orig = [d for d, why in aside if why.startswith("no originator")]
    note("no originator on one side", missing_orig, "set aside")
    table = pd.DataFrame(rows).set_index("dispnum")

    if data is not None and len(table):
        from ..io.world_on import load_data

        sources = load_data(data)
        outside_orig, outside_join = [], []
        for d, row in zip(table.index.tolist(), table.to_dict("records"), strict=True):
            caps, _ = sources.shares(int(row["year"]))
            if not set(row["side_a"] + row["side_b"]) <= set(caps.index):
                outside_orig.append(d)
            elif not set(row["joiners_a"] + row["joiners_b"]) <= set(caps.index):
                outside_join.append(d)
        for d in outside_orig:
            aside.append((int(d), "an originator has no NMC row in the start year"))
        note("an originator has no NMC row in the start year", outside_orig, "set aside")
        note(
            "a joiner has no NMC row in the start year",
            outside_join,
            "kept; that joiner counts as observed but cannot be a candidate",
        )
        table = table.drop(index=outside_orig)

    set_aside = (
        pd.DataFrame(aside, columns=["dispnum", "reason"]).sort_values("dispnum").reset_index(drop=True)
    )
    parts = parts[parts["dispnum"].isin(table.index)].reset_index(drop=True)
    rep = pd.DataFrame(report, columns=["quirk", "disputes", "action"])
    return Disputes(table, parts, set_aside, rep, source=str(path))
