"""Thompson strategic rivalries from the hand-entered workbook (``tss_rivalries.xlsx``).

The workbook (Thompson, Sakuwa & Suhas 2022, *Analyzing Strategic Rivalries in World Politics*, as
kept by the ``peacesciencer`` project) lists 264 rivalries by name (``"Britain-France 2"``), with a
start and end year and four type flags (``positional``, ``spatial``, ``ideological``,
``interventionary``). It is read with ``openpyxl`` (MIT); the ``.rda`` copy with ccodes would need
an R-format reader, so the names are mapped to COW ccodes here instead.

Choices, in one place
---------------------
Names to ccodes
    :data:`RIVAL_NAMES` maps each name to COW ccodes in order of preference; on a given year the
    first ccode that is in the interstate system (has an NMC row) is used. So ``Germany`` is 255
    (Germany) and, in 1955-1990, 260 (West Germany); ``Austria (Hungary)`` is 300 to 1918 and 305
    after; ``Yemen`` is 679 and, before 1990, 678 (North Yemen). ``Serbia`` and ``Yugoslavia`` are
    both 345, ``Russia`` and ``USSR`` both 365, ``Ottoman E`` and ``Turkey`` both 640, ``Vietnam``
    and ``N. Vietnam`` both 816. ``Venice`` has no COW ccode (its rivalries end before 1816) and
    is left out. ``S. Yemen`` is 680 and ``Eguatorial Guinea`` (sic) 411; the ``.rda`` copy writes 679
    and 438 (Guinea) for them. Every other rivalry gets the ccodes of the ``.rda`` copy.
Years
    A rivalry is in force on a date whose year lies in ``[start, end]``. A start written ``P1494``
    ("predates 1494") is read as 1494; an end written ``ongoing`` is open (the list runs to 2020).
Types
    A rivalry carries every type whose flag is 1 (some carry none: ``types`` is then empty).
Rows left out
    A row whose name does not split into two known names, or whose years do not read, raises
    :class:`~tripwire.errors.DataError` naming the row; nothing is dropped silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import DataError

__all__ = ["RIVALRY_TYPES", "RIVAL_NAMES", "read_rivalries"]

#: The type flags of the workbook, in its column order.
RIVALRY_TYPES = ("positional", "spatial", "ideological", "interventionary")

#: Rival name in the workbook -> COW ccodes, first preferred (see the module notes).
RIVAL_NAMES: dict[str, tuple[int, ...]] = {
    "Afghanistan": (700,), "Albania": (339,), "Algeria": (615,), "Angola": (540,),
    "Argentina": (160,), "Armenia": (371,), "Austria": (305, 300), "Austria (Hungary)": (300, 305),
    "Azerbaijan": (373,), "Bahrain": (692,), "Belize": (80,), "Bolivia": (145,), "Bosnia": (346,),
    "Brazil": (140,), "Britain": (200,), "Bulgaria": (355,), "Burkina Faso": (439,), "Burma": (775,),
    "Burundi": (516,), "Cambodia": (811,), "Cameroon": (471,), "Central African Republic": (482,),
    "Chad": (483,), "Chile": (155,), "China": (710,), "Colombia": (100,), "Costa Rica": (94,),
    "Croatia": (344,), "Cuba": (40,), "Cyprus": (352,), "Czechoslovakia": (315,), "DRC": (490,),
    "Djibouti": (522,), "Dominican Rep": (42,), "E. Germany": (265,), "Ecuador": (130,),
    "Eguatorial Guinea": (411,), "Egypt": (651,), "El Salvador": (92,), "Eritrea": (531,),
    "Ethiopia": (530,), "France": (220,), "Gabon": (481,), "Germany": (255, 260), "Ghana": (452,),
    "Greece": (350,), "Guatemala": (90,), "Guinea": (438,), "Guyana": (110,), "Haiti": (41,),
    "Honduras": (91,), "Hungary": (310,), "India": (750,), "Indonesia": (850,), "Iran": (630,),
    "Iraq": (645,), "Israel": (666,), "Italy": (325,), "Ivory Coast": (437,), "Japan": (740,),
    "Jordan": (663,), "Kazakhstan": (705,), "Kenya": (501,), "Kosovo": (347,), "Kuwait": (690,),
    "Kyrgyzstan": (703,), "Laos": (812,), "Lebanon": (660,), "Liberia": (450,), "Libya": (620,),
    "Lithuania": (368,), "Malawi": (553,), "Malaysia": (820,), "Mali": (432,), "Mauritania": (435,),
    "Mexico": (70,), "Morocco": (600,), "Mozambique": (541,), "N. Vietnam": (816,),
    "N. Yemen": (678,), "Namibia": (565,), "Netherlands": (210,), "Nicaragua": (93,),
    "Nigeria": (475,), "North Korea": (731,), "Oman": (698,), "Ottoman E": (640,),
    "Pakistan": (770,), "Panama": (95,), "Paraguay": (150,), "Peru": (135,), "Poland": (290,),
    "Portugal": (235,), "Prussia": (255,), "Qatar": (694,), "Romania": (360,), "Russia": (365,),
    "Rwanda": (517,), "S. Vietnam": (817,), "S. Yemen": (680,), "Saudi Arabia": (670,),
    "Senegal": (433,), "Serbia": (345,), "Sierra Leone": (451,), "Singapore": (830,),
    "Somalia": (520,), "South Africa": (560,), "South Korea": (732,), "South Sudan": (626,),
    "Spain": (230,), "Sudan": (625,), "Sweden": (380,), "Syria": (652,), "Taiwan": (713,),
    "Tanzania": (510,), "Thailand": (800,), "Togo": (461,), "Tunisia": (616,), "Turkey": (640,),
    "UAE": (696,), "USSR": (365,), "Uganda": (500,), "Ukraine": (369,),
    "United States": (2,), "Uzbekistan": (704,), "Venezuela": (101,), "Venice": (),
    "Vietnam": (816,), "W. Germany": (260,), "Yemen": (679, 678), "Yugoslavia": (345,),
    "Zambia": (551,), "Zimbabwe": (552,),
}  # fmt: skip

COLUMNS = ("rivalry", "start", "end", *RIVALRY_TYPES)


def _year(value: object, where: str, *, end: bool) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    text = str(value).strip()
    if end and text.lower() == "ongoing":
        return None
    m = re.fullmatch(r"P?(\d{3,4})", text)
    if m:
        return int(m.group(1))
    raise DataError(f"{where}: could not read the year {value!r}; expected a year, P<year> or 'ongoing'")


def _split(name: str, where: str) -> tuple[str, str]:
    base = re.sub(r"\s+\d+$", "", name.strip())
    for k, ch in enumerate(base):
        if ch == "-" and base[:k].strip() in RIVAL_NAMES and base[k + 1 :].strip() in RIVAL_NAMES:
            return base[:k].strip(), base[k + 1 :].strip()
    raise DataError(
        f"{where}: rivalry {name!r} does not split into two known rival names; add the names to "
        "tripwire.io.thompson.RIVAL_NAMES"
    )


def read_rivalries(path: str | Path) -> pd.DataFrame:
    """Read Thompson's strategic rivalries from the workbook.

    Parameters
    ----------
    path
        ``tss_rivalries.xlsx`` (first sheet; columns ``rivalry, start, end, positional, spatial,
        ideological, interventionary``).

    Returns
    -------
    pandas.DataFrame
        One row per rivalry: ``rivalry`` (the workbook's name), ``name1``, ``name2``,
        ``ccodes1``, ``ccodes2`` (tuples, first preferred), ``start``, ``end`` (``<NA>`` when
        ongoing) and ``types`` (a tuple of type names).

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    DataError
        A file that is not a workbook, a missing column, or a row that does not read (named).

    Examples
    --------
    >>> from tripwire.io.thompson import read_rivalries
    >>> rivals = read_rivalries("rivalries/tss_rivalries.xlsx")  # doctest: +SKIP
    >>> len(rivals)  # doctest: +SKIP
    264
    """
    import openpyxl  # type: ignore[import-untyped]

    path = Path(path)
    label = f"Thompson rivalries file '{path}'"
    if not path.is_file():
        raise FileNotFoundError(f"{label} does not exist; expected the workbook tss_rivalries.xlsx")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise DataError(f"{label} is not a readable .xlsx workbook: {exc}") from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise DataError(f"{label} has no rows")
    header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(f"{label} lacks column(s) {missing}; expected {list(COLUMNS)}; found {header}")
    col = {c: header.index(c) for c in COLUMNS}
    out = []
    for k, row in enumerate(rows[1:], start=2):
        name = row[col["rivalry"]]
        if name is None or not str(name).strip():
            continue
        where = f"{label} row {k}"
        a, b = _split(str(name), where)
        start = _year(row[col["start"]], where, end=False)
        end = _year(row[col["end"]], where, end=True)
        types = tuple(t for t in RIVALRY_TYPES if row[col[t]] not in (None, 0, "", "0"))
        out.append(
            {
                "rivalry": str(name).strip(),
                "name1": a,
                "name2": b,
                "ccodes1": RIVAL_NAMES[a],
                "ccodes2": RIVAL_NAMES[b],
                "start": start,
                "end": end,
                "types": types,
            }
        )
    df = pd.DataFrame(out)
    df["end"] = df["end"].astype("Int64")
    return df
