"""The world on a date, built entirely from data: states, alliances, capabilities, rivalries and
borders in force that day.

:func:`world_on` reads a data folder laid out like the project's shared data
(:data:`DATA_FILES`) once (:func:`load_data` keeps it) and builds, for any date they cover:

- **states**: every state with an NMC row that year (COW NMC v6.0), capability = its share of the
  year's world CINC total, ``major`` from COW major-power status on the date;
- **treaties**: the ATOP alliances in force on the date, one treaty per alliance and obligation
  kind, exactly as :func:`~tripwire.io.atop.world_from_atop` builds them;
- **rivalries**: Thompson strategic rivalries in force that year (:mod:`tripwire.io.thompson`),
  with their types;
- **borders**: COW direct contiguity on the date (:mod:`tripwire.io.cow`): land, and sea up to
  400 miles, each with its type (``land, sea12, sea24, sea150, sea400``);
- **origins**: the caller's, with one state or several a side.

Choices, in one place
---------------------
Which rivalry list
    Thompson's *strategic* rivalries (the 264 of Thompson, Sakuwa & Suhas 2022), not
    Thompson-Dreyer's, because they carry types and run to 2020. Several rivalries of one pair in
    force at once (none in the data, but allowed) become one with the union of their types.
Rivalry values
    Without a profile each rivalry has the model's default hostility and trigger; with one, the
    profile's value for its types (:func:`tripwire.world.profile.rivalry_hostility`).
Codes
    States are COW abbreviations as NMC spells them for the year (``YUG`` is Serbia before 1918,
    ``ROM`` Romania, ``RUS`` the Soviet Union); callers may give abbreviations or integer ccodes.
    The other sources are matched by ccode only.
Missing rows and ``-9``
    A missing CINC (``-9``) takes the nearest year's value (see :mod:`tripwire.io.nmc`). An
    alliance member, rival or neighbour without an NMC row that year is outside the system: the
    treaty loses that member, the rivalry or border is left out, and :func:`world_on` warns
    (:class:`~tripwire.errors.DataWarning`) with the count; :func:`world_spec` returns the notes.
Coverage
    A date must lie within NMC (1816-2016) and ATOP (1815-2016 in v4.01); contiguity starts in
    1816 and its spells still open at the end of the data (2006) continue; rivalries run to 2020;
    major-power spells open at the end of their list (2011) continue. A date outside a source
    raises :class:`~tripwire.errors.DataError` naming the file and what it covers.
Profiles
    ``profile="mid5"`` sets the ladder, escalation values, treaty reliabilities and triggers,
    rivalry hostilities and border joining from a fitted profile (:mod:`tripwire.world.profile`),
    with the era of the date; the world records ``profile`` and ``year``.

Data: ATOP v4.01 (Leeds et al. 2002), COW NMC v6.0 (Singer, Bremer & Stuckey 1972), COW Direct
Contiguity v3.1 (Stinnett et al. 2002), COW major powers (2011), Thompson strategic rivalries
(Thompson, Sakuwa & Suhas 2022); cite them when you use worlds built from them.
"""

from __future__ import annotations

import datetime as _dt
import functools
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, DataWarning
from ..world.model import World, load_world
from ..world.profile import (
    Profile,
    border_joining,
    escalation_values,
    load_profile,
    rivalry_hostility,
    treaty_reliability,
)
from .atop import (
    ALLIANCE_COLUMNS,
    ATOP_KINDS,
    MEMBER_COLUMNS,
    atop_coverage,
    build_treaties,
    prepare_members,
    rows_in_force,
    signed_years,
)
from .codes import StateCodes
from .cow import borders_on, majors_on, read_contiguity, read_majors
from .nmc import NMC_COLUMNS, nmc_shares
from .tables import as_date, numeric, read_table
from .thompson import read_rivalries

__all__ = ["DATA_FILES", "HistoryData", "load_data", "world_on", "world_spec"]

#: Files :func:`load_data` reads, relative to the data folder (``majors`` is optional).
DATA_FILES = {
    "members": "atop_v4.01_member_level.csv",
    "alliances": "atop_v4.01_alliance_level.csv",
    "capabilities": "NMC-60-abridged.csv",
    "contiguity": "contiguity/contdir.csv",
    "rivalries": "rivalries/tss_rivalries.xlsx",
    "majors": "wars/majors2011.csv",
}
OPTIONAL = ("majors",)


@dataclass
class Notes:
    """What a world on a date left out, counted (for reports) and in words (for warnings)."""

    lines: list[str]
    rivalries_outside: int = 0
    borders_outside: int = 0
    members_outside: int = 0


class HistoryData:
    """Every source of :data:`DATA_FILES`, read and checked once; worlds on any date come from it.

    Parameters
    ----------
    folder
        The data folder.
    files
        Overrides of :data:`DATA_FILES` entries (paths relative to ``folder`` or absolute).
    """

    def __init__(self, folder: str | Path, files: Mapping[str, str | Path] | None = None) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(
                f"data folder '{self.folder}' does not exist; expected a folder holding "
                + ", ".join(DATA_FILES.values())
            )
        names = {**DATA_FILES, **(files or {})}
        unknown = set(files or {}) - set(DATA_FILES)
        if unknown:
            raise DataError(f"files: unknown source(s) {sorted(unknown)}; sources: {', '.join(DATA_FILES)}")
        self.paths = {k: self.folder / v for k, v in names.items()}
        for k, p in self.paths.items():
            if k not in OPTIONAL and not p.is_file():
                raise FileNotFoundError(f"{k} file '{p}' does not exist in the data folder '{self.folder}'")
        self.member_label = f"ATOP member-level file '{self.paths['members']}'"
        raw = read_table(self.paths["members"], "ATOP member-level", MEMBER_COLUMNS)
        self.members, self.read_notes = prepare_members(raw, self.member_label)
        self.first_entry = numeric(raw, ["atopid", "yrent"]).groupby("atopid")["yrent"].min()
        self.atop_version = _version(raw)
        self.signed_by = signed_years(
            read_table(self.paths["alliances"], "ATOP alliance-level", ALLIANCE_COLUMNS)
        )
        self.nmc_label = f"NMC capabilities file '{self.paths['capabilities']}'"
        self.nmc = read_table(self.paths["capabilities"], "NMC capabilities", NMC_COLUMNS)
        self.contiguity = read_contiguity(self.paths["contiguity"])
        self.rivalries = read_rivalries(self.paths["rivalries"])
        self.majors = read_majors(self.paths["majors"]) if self.paths["majors"].is_file() else None
        years = pd.to_numeric(self.nmc["year"], errors="coerce").dropna().astype(int)
        self.nmc_years = (int(years.min()), int(years.max()))
        self._shares: dict[int, tuple[pd.DataFrame, list[str]]] = {}

    # -- coverage ------------------------------------------------------------------------------
    def coverage(self) -> dict[str, tuple[int, int | None]]:
        """First and last year of each source (``None``: open at the end)."""
        rivals_end = self.rivalries["end"].dropna()
        return {
            "members": atop_coverage(self.members),
            "capabilities": self.nmc_years,
            "contiguity": (int(self.contiguity["begin"].min()) // 100, None),
            "rivalries": (
                int(self.rivalries["start"].min()),
                None if len(rivals_end) < len(self.rivalries) else int(rivals_end.max()),
            ),
        }

    def check_date(self, when: _dt.date) -> None:
        """Raise :class:`DataError` naming the file when ``when`` is outside a source."""
        lo, hi = atop_coverage(self.members)
        if not lo <= when.year <= hi:
            raise DataError(
                f"date {when.isoformat()} is outside the ATOP data in {self.member_label}: "
                f"its entry and exit years span {lo}-{hi}"
            )
        lo, hi = self.nmc_years
        if not lo <= when.year <= hi:
            raise DataError(
                f"year {when.year} is outside the NMC data in {self.nmc_label}: it covers {lo}-{hi}"
            )
        first = int(self.contiguity["begin"].min()) // 100
        if when.year < first:
            raise DataError(
                f"date {when.isoformat()} is before the COW direct contiguity data in "
                f"'{self.paths['contiguity']}', which start in {first}"
            )

    def shares(self, year: int) -> tuple[pd.DataFrame, list[str]]:
        """Capability shares of ``year`` (cached) and the notes on imputed values."""
        if year not in self._shares:
            self._shares[year] = nmc_shares(self.nmc, year, self.nmc_label)
        return self._shares[year]

    # -- one date ------------------------------------------------------------------------------
    def spec(
        self,
        date: int | str | _dt.date,
        *,
        origins: Iterable[Any] | str,
        profile: str | Path | dict | Profile | None = None,
        name: str | None = None,
    ) -> tuple[dict, Notes]:
        """The world on ``date`` as a world dict (not yet validated) and the notes."""
        when = as_date(date)
        self.check_date(when)
        prof = None if profile is None else load_profile(profile)
        caps, cap_notes = self.shares(when.year)
        notes = Notes(lines=list(self.read_notes) + list(cap_notes))
        year = when.year
        codes = StateCodes(caps, self.nmc, year)
        origin_list = _origins(codes, origins)
        codes.check()

        # treaties
        params: dict[str, dict] = {}
        if prof is not None:
            for kind in ATOP_KINDS.values():
                entry: dict[str, Any] = {}
                rel = treaty_reliability(prof, kind, year)
                if rel is not None:
                    entry["reliability"] = rel
                if kind in prof.triggers:
                    entry["trigger"] = prof.triggers[kind]
                if entry:
                    params[kind] = entry
        rows = rows_in_force(self.members, when, self.member_label)
        notes.members_outside = int((~rows["member"].isin(caps.index)).sum())
        treaties, more = build_treaties(
            rows,
            caps,
            flags=list(ATOP_KINDS),
            params=params,
            signed_by=self.signed_by,
            first_entry=self.first_entry,
            year=year,
            check_signed=False,
        )
        notes.lines += more
        if prof is not None and prof.per_partner:
            for t in treaties:
                rel = treaty_reliability(prof, t["kind"], year, len(t["members"]))
                if rel is not None:
                    t["reliability"] = rel

        # rivalries in force that year
        in_system = set(caps.index)
        by_ccode = caps["code"].to_dict()
        live = self.rivalries[
            (self.rivalries["start"] <= year)
            & (self.rivalries["end"].isna() | (self.rivalries["end"] >= year))
        ]
        pairs: dict[tuple[str, str], set[str]] = {}
        outside = []
        for r in live.itertuples():
            c1 = next((c for c in r.ccodes1 if c in in_system), None)
            c2 = next((c for c in r.ccodes2 if c in in_system), None)
            if c1 is None or c2 is None or c1 == c2:
                outside.append(r.rivalry)
                continue
            key = tuple(sorted((by_ccode[c1], by_ccode[c2])))
            pairs.setdefault(key, set()).update(r.types)
        notes.rivalries_outside = len(outside)
        if outside:
            notes.lines.append(
                f"rivalries in force in {year} with a side outside the system (no NMC row) were left out: "
                + ", ".join(outside)
            )
        rivalries = []
        for (a, b), types in sorted(pairs.items()):
            ordered = [t for t in ("positional", "spatial", "ideological", "interventionary") if t in types]
            entry = {"states": [a, b], "types": ordered}
            if prof is not None:
                entry["hostility"] = rivalry_hostility(prof, ordered, year)
                if "rivalry" in prof.triggers:
                    entry["trigger"] = prof.triggers["rivalry"]
            rivalries.append(entry)

        # borders on the date
        contiguous = borders_on(self.contiguity, when)
        inside = contiguous["ccode1"].isin(in_system) & contiguous["ccode2"].isin(in_system)
        notes.borders_outside = int((~inside).sum())
        if notes.borders_outside:
            notes.lines.append(
                f"{notes.borders_outside} contiguous pair(s) on {when.isoformat()} with a state outside the "
                "system (no NMC row) were left out"
            )
        borders = []
        for row in contiguous[inside].itertuples():
            entry = {"states": [by_ccode[row.ccode1], by_ccode[row.ccode2]], "type": row.type}
            if prof is not None:
                entry["joining"] = border_joining(prof, row.type, year)
            borders.append(entry)

        # states: every state of the year
        majors = majors_on(self.majors, when) if self.majors is not None else None
        states = [
            {"code": code, "capability": float(cap), "ccode": int(cc)}
            | ({} if majors is None else {"major": int(cc) in majors})
            for cc, code, cap in zip(
                caps.index.tolist(), caps["code"].tolist(), caps["capability"].tolist(), strict=True
            )
        ]

        spec: dict[str, Any] = {
            "name": name if name is not None else f"world_{when.isoformat()}",
            "description": (
                f"The world on {when.isoformat()} from data: every state in the system (COW NMC, "
                f"capabilities as shares of the {year} total), alliances in force (ATOP{self.atop_version}), "
                "Thompson strategic rivalries, COW direct contiguity (land and sea up to 400 miles)."
            ),
            "year": year,
            "states": states,
            "treaties": treaties,
            "rivalries": rivalries,
            "borders": borders,
            "origins": origin_list,
        }
        if prof is not None:
            spec["profile"] = prof.name
            spec["ladder"] = dict(prof.ladder)
            spec["escalation"] = escalation_values(prof, year)
            if "border" in prof.triggers:
                spec["neighbours"] = {"trigger": prof.triggers["border"]}
        return spec, notes


def _version(raw: pd.DataFrame) -> str:
    if "version" not in raw:
        return ""
    v = pd.to_numeric(raw["version"], errors="coerce").dropna()
    return f" v{v.iloc[0]:g}" if len(v) else ""


def _side(codes: StateCodes, value: Any, where: str) -> list[str]:
    items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else list(value)
    if not items:
        raise DataError(f"{where}: an origin needs at least one state a side")
    out = [codes(v, where) for v in items]
    return [c for c in out if c is not None]


def _origins(codes: StateCodes, origins: Iterable[Any] | str) -> list[dict] | str:
    if isinstance(origins, str):
        if origins != "rivalries":
            raise DataError(
                f"origins: expected a list of (initiator, target) pairs or 'rivalries', saw {origins!r}"
            )
        return "rivalries"
    out = []
    for k, item in enumerate(origins):
        if isinstance(item, Mapping):
            extra = set(item) - {"initiator", "target", "weight"}
            if extra or not {"initiator", "target"} <= set(item):
                raise DataError(
                    f"origins[{k}]: expected keys initiator, target and optional weight, saw {sorted(item)}"
                )
            a, b, w = item["initiator"], item["target"], item.get("weight", 1.0)
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) in (2, 3):
            a, b, w = item[0], item[1], (item[2] if len(item) == 3 else 1.0)
        else:
            raise DataError(
                f"origins[{k}]: expected (initiator, target), (initiator, target, weight) or a dict, "
                f"saw {item!r}"
            )
        side_a = _side(codes, a, f"origins[{k}] initiator")
        side_b = _side(codes, b, f"origins[{k}] target")
        out.append(
            {
                "initiator": side_a[0] if len(side_a) == 1 else side_a,
                "target": side_b[0] if len(side_b) == 1 else side_b,
                "weight": float(w),
            }
        )
    if not out:
        raise DataError("origins: the list is empty; give at least one (initiator, target)")
    return out


@functools.lru_cache(maxsize=4)
def _load_cached(folder: str) -> HistoryData:
    return HistoryData(folder)


def load_data(data: str | Path | HistoryData) -> HistoryData:
    """The sources of a data folder, read once per process (a :class:`HistoryData` passes through)."""
    if isinstance(data, HistoryData):
        return data
    return _load_cached(str(Path(data).resolve()))


def world_spec(
    date: int | str | _dt.date,
    *,
    data: str | Path | HistoryData,
    origins: Iterable[Any] | str,
    profile: str | Path | dict | Profile | None = None,
    name: str | None = None,
) -> tuple[dict, Notes]:
    """The world dict :func:`world_on` validates, and the notes on what was left out."""
    return load_data(data).spec(date, origins=origins, profile=profile, name=name)


def world_on(
    date: int | str | _dt.date,
    *,
    data: str | Path | HistoryData,
    origins: Iterable[Any] | str,
    profile: str | Path | dict | Profile | None = None,
    name: str | None = None,
) -> World:
    """The world on a date, built from data: every state in the system, alliances, capabilities,
    rivalries and borders in force.

    Parameters
    ----------
    date
        A year (1 January), an ISO date (``"1914-07-28"``) or a :class:`datetime.date`.
    data
        The data folder (files of :data:`DATA_FILES`), or a :class:`HistoryData` already read.
    origins
        ``(initiator, target[, weight])`` pairs or dicts; each side a code, a ccode or a list of
        them (all start as participants). ``"rivalries"`` starts crises at every rival dyad.
    profile
        A fitted profile (``"mid5"``, a path, or a loaded one) for the model's values; without
        one the model's defaults apply.
    name
        The world's name; default ``world_<date>``.

    Returns
    -------
    World
        Validated; ``world.to_yaml()`` writes a world file that loads back to it.

    Raises
    ------
    FileNotFoundError
        A missing folder or file (named).
    DataError
        A date outside a source (naming the file and its coverage), missing columns, an unknown
        state code.

    Warns
    -----
    DataWarning
        Alliance members, rivals and neighbours left out because they have no NMC row that year,
        and imputed capabilities.

    Examples
    --------
    The example needs the data folder (``../shared/data`` next to a checkout):

    >>> import tripwire
    >>> world = tripwire.world_on(
    ...     "1914-07-28", data="../shared/data", origins=[("AUH", "YUG")]
    ... )  # doctest: +SKIP
    >>> len(world.states)  # doctest: +SKIP
    44
    """
    spec, notes = world_spec(date, data=data, origins=origins, profile=profile, name=name)
    for line in notes.lines:
        warnings.warn(line, DataWarning, stacklevel=2)
    return load_world(spec)
