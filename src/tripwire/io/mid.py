"""COW Militarized Interstate Disputes (MID 5.0): the four CSV files, read and checked.

A MID folder holds ``MIDA 5.0.csv`` (one row per dispute), ``MIDB 5.0.csv`` (one row per
participant spell), ``MIDI 5.0.csv`` (incidents) and ``MIDIP 5.0.csv`` (incident participants),
as the COW project distributes them (CRLF line ends, ``-9`` for an unknown value). The files may
also be named ``MIDA_5.0.csv`` or ``mida.csv``. :func:`tripwire.history.load_disputes` builds the
per-dispute table from them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .tables import numeric, read_table

__all__ = ["MID_FILES", "MID_COLUMNS", "read_mid"]

#: The four tables and the file names tried for each (first found wins).
MID_FILES = {
    "A": ("MIDA 5.0.csv", "MIDA_5.0.csv", "mida.csv"),
    "B": ("MIDB 5.0.csv", "MIDB_5.0.csv", "midb.csv"),
    "I": ("MIDI 5.0.csv", "MIDI_5.0.csv", "midi.csv"),
    "IP": ("MIDIP 5.0.csv", "MIDIP_5.0.csv", "midip.csv"),
}
#: Columns each table must have.
MID_COLUMNS = {
    "A": ("dispnum", "stday", "stmon", "styear", "endday", "endmon", "endyear", "hostlev", "numa", "numb",
          "fatality", "ongo2014"),
    "B": ("dispnum", "ccode", "stabb", "stday", "stmon", "styear", "sidea", "orig", "hostlev"),
    "I": ("dispnum", "incidnum", "styear", "hostlev"),
    "IP": ("dispnum", "incidnum", "ccode", "sidea"),
}  # fmt: skip


def read_mid(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read the four MID tables of a folder, with numeric columns as numbers.

    Returns
    -------
    dict
        ``{"A": disputes, "B": participants, "I": incidents, "IP": incident participants}``.

    Raises
    ------
    FileNotFoundError
        The folder, or one of the four files, is missing (the names tried are listed).
    DataError
        A file lacks a column it needs (named) or has no rows.

    Examples
    --------
    >>> from tripwire.io.mid import read_mid
    >>> tables = read_mid("mid5")  # doctest: +SKIP
    >>> len(tables["A"])  # doctest: +SKIP
    1828
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"MID folder '{folder}' does not exist; expected a folder holding "
            + ", ".join(names[0] for names in MID_FILES.values())
        )
    paths = {}
    for key, names in MID_FILES.items():
        path = next((folder / n for n in names if (folder / n).is_file()), None)
        if path is None:
            raise FileNotFoundError(
                f"MID folder '{folder}' has no MID{key} file; looked for {', '.join(names)}"
            )
        paths[key] = path
    out = {}
    for key, path in paths.items():
        df = read_table(path, f"MID{key}", MID_COLUMNS[key])
        numbers = [c for c in MID_COLUMNS[key] if c != "stabb"]
        df = numeric(df, numbers)
        if "stabb" in df:
            df["stabb"] = df["stabb"].astype(str).str.strip()
        df.attrs["path"] = str(path)
        out[key] = df
    return out
