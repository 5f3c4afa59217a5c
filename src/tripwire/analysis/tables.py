"""Long tables for R, Stata and spreadsheet users: every result as tidy data frames.

A dataset's variables are grouped by the dimensions they share (besides a sweep's own dimensions,
which every table of a sweep carries as leading columns): ``level`` (``p_level``, ``p_exceed``, ...),
``state`` (``p_involved``, ``p_war``, ...), ``state_side``, ``level_size``, ``origin_level``,
``treaty``, ``size``, ``round``, and one row of scalars per run or point (``trials``,
``expected_participants``). Wherever a ``state`` column appears, ``stateabb`` (the COW
abbreviation) and ``ccode`` (the COW state number) stand beside it, the conventions that R's
peacesciencer and most replication files use to join; the number comes from the world file when it
gives one, else from the COW table (:mod:`tripwire.analysis.cow`).

For Stata, column names are made safe (letters, digits and ``_``, at most 32 characters, unique)
and the original names (parameter paths such as ``policy.communication``) become variable labels.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import StoreError
from .cow import lookup

__all__ = ["FORMATS", "long_tables", "stata_names", "write_tables"]

FORMATS = {"csv": ".csv", "parquet": ".parquet", "dta": ".dta"}
#: Variables left out of the tables (work measures and the sweep's bookkeeping).
SKIP = {"edge_tries", "done"}


def _sweep_dims(ds: xr.Dataset) -> list[str]:
    return [d for d in json.loads(ds.attrs.get("sweep_dims", "[]")) if d in ds.dims]


def _state_columns(df: pd.DataFrame, ds: xr.Dataset) -> pd.DataFrame:
    world = json.loads(ds.attrs["world"]) if "world" in ds.attrs else {}
    given = {s["code"]: s.get("ccode") for s in world.get("states", [])}
    names = {s["code"]: s.get("name") for s in world.get("states", [])}

    def ccode(code: str):
        if given.get(code) is not None:
            return given[code]
        s = lookup(code)
        return s.ccode if s else None

    codes = df["state"].astype(str)
    pos = list(df.columns).index("state") + 1

    def abb(code: str) -> str:
        s = lookup(code)
        return s.stateabb if s else code

    df.insert(pos, "stateabb", codes.map(abb))
    df.insert(pos + 1, "ccode", pd.array(codes.map(ccode).tolist(), dtype="Int64"))
    state_name = df.pop("state_name") if "state_name" in df.columns else codes.map(names)
    if names or state_name.notna().any():
        df.insert(pos + 2, "state_name", state_name)
    return df


def long_tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """The dataset as long tables, one per group of dimensions (see the module text).

    Examples
    --------
    >>> import tripwire
    >>> from tripwire.analysis.tables import long_tables
    >>> t = long_tables(tripwire.simulate("july1914", 2_000, seed=1))
    >>> sorted(t)[:4], list(t["state"].columns[:4])
    (['level', 'level_size', 'origin_level', 'round'], ['state', 'stateabb', 'ccode', 'state_name'])
    """
    lead = _sweep_dims(ds)
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, var in ds.data_vars.items():
        if name in SKIP:
            continue
        own = tuple(str(d) for d in var.dims if d not in lead)
        groups.setdefault(own, []).append(str(name))
    tables = {}
    for own, names in groups.items():
        sub = ds[names]
        dims = [*[d for d in lead if any(d in sub[n].dims for n in names)], *own]
        if dims:
            df = sub.to_dataframe(dim_order=dims).reset_index()
        else:
            df = pd.DataFrame({n: [sub[n].values.item()] for n in names})
        keep = [c for c in df.columns if c in dims or c in names or c in ds.coords]
        sweep_cols = [d for d in dims if d in lead]
        params = [c for c in keep if c not in dims and c in ds.coords and set(ds[c].dims) <= set(lead)]
        first = [*sweep_cols, *params, *[d for d in dims if d not in lead]]
        df = df[first + [c for c in keep if c not in first]]
        # a sweep's `point` dimension: its parameter coordinates come along as columns already
        label = "_".join(own) if own else ("point" if lead else "run")
        if "state" in df.columns:
            df = _state_columns(df, ds)
        for c in df.columns:
            if df[c].dtype == object:
                df[c] = df[c].astype(str)
        tables[label] = df
    return tables


def stata_names(columns: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """``({original: stata name}, {stata name: label})``: names of letters, digits and ``_``
    (at most 32 characters, not starting with a digit, unique); labels keep the original names.

    Examples
    --------
    >>> names = stata_names(["policy.communication", "treaty.Dual Alliance.active"])[0]
    >>> list(names.values())
    ['policy_communication', 'treaty_Dual_Alliance_active']
    """
    mapping: dict[str, str] = {}
    used: set[str] = set()
    labels = {}
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", col)
        name = re.sub(r"_+", "_", name).strip("_") or "v"
        if name[0].isdigit():
            name = "_" + name
        name = name[:32]
        base, k = name, 2
        while name.lower() in used:
            suffix = f"_{k}"
            name = base[: 32 - len(suffix)] + suffix
            k += 1
        used.add(name.lower())
        mapping[col] = name
        labels[name] = col[:80]
    return mapping, labels


def _write_dta(df: pd.DataFrame, path: Path, descriptions: dict[str, str]) -> None:
    mapping, labels = stata_names(list(df.columns))
    out = df.rename(columns=mapping)
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].astype(np.int8)
        elif str(out[c].dtype) == "Int64":
            out[c] = out[c].astype("float64")
    for orig, new in mapping.items():
        if orig == new and orig in descriptions:
            labels[new] = descriptions[orig][:80]
    out.to_stata(path, write_index=False, variable_labels=labels, version=118)


def write_tables(
    ds: xr.Dataset, out: str | os.PathLike, fmt: str = "csv", *, table: str | None = None
) -> list[Path]:
    """Write the long tables of a dataset.

    Parameters
    ----------
    ds
        A result, sweep or analysis dataset.
    out
        The file to write with ``table``; otherwise the files are ``<stem>_<table><suffix>``
        beside it (e.g. ``cuba_state.csv``, ``cuba_level.csv``).
    fmt
        ``csv``, ``parquet`` (needs ``pyarrow``: ``pip install tripwire[parquet]``) or ``dta``
        (Stata 14+).
    table
        Write only this table.

    Returns
    -------
    list of Path
        The files written.
    """
    if fmt not in FORMATS:
        raise StoreError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            raise StoreError(
                "Parquet needs pyarrow: pip install 'tripwire[parquet]' (or write csv or dta)"
            ) from None
    tables = long_tables(ds)
    if table is not None:
        if table not in tables:
            raise StoreError(f"no table {table!r}; tables: {', '.join(tables)}")
        tables = {table: tables[table]}
    out = Path(out)
    suffix = FORMATS[fmt]
    descriptions = {str(k): str(v.attrs.get("description", "")) for k, v in ds.variables.items()}
    written = []
    for name, df in tables.items():
        path = out if table is not None else out.with_name(f"{out.stem}_{name}{suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            tbl = pa.Table.from_pandas(df, preserve_index=False)
            meta = {
                **(tbl.schema.metadata or {}),
                b"tripwire": json.dumps({"attrs": _plain_attrs(ds)}).encode(),
            }
            pq.write_table(tbl.replace_schema_metadata(meta), path)
        else:
            _write_dta(df, path, descriptions)
        written.append(path)
    return written


def _plain_attrs(ds: xr.Dataset) -> dict:
    return {
        k: (v if isinstance(v, str | int | float) else str(v)) for k, v in ds.attrs.items() if k != "world"
    }
