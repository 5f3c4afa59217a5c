"""``tripwire show``: print a saved run result (``run --out``) or describe a sweep store."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console, RenderableType

from ._common import EXIT_OK, positive_int, say


def show_run(path: Path, console: Console, top: int) -> int:
    """Where a result came from, then the summary its command prints (``tripwire run``,
    ``tripwire horizon``), or the dataset's contents for other results."""
    from ..io.results import open_result
    from .console import summary_tables

    ds = open_result(path)
    rows = [
        ("result", str(path)),
        (
            "world",
            f"{ds.attrs.get('world_name')} (hash {str(ds.attrs.get('world_hash', ''))[:12]}), "
            f"engine tripwire {ds.attrs.get('engine_version')}",
        ),
    ]
    if "trials" in ds:
        rows.append(("trials", f"{int(ds['trials']):,}, seed {ds.attrs.get('seed')}"))
    if ds.attrs.get("what_if"):
        rows.append(("what if", str(ds.attrs["what_if"])))
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        say(console, key.ljust(width) + value)
    tables: list[RenderableType]
    if "outcome_count" in ds:  # a crisis run
        tables = summary_tables(ds, top=top)
    elif "first_systemic_count" in ds:  # a long-horizon run
        from .horizon import summary_tables as horizon_tables

        tables = list(horizon_tables(ds))
    else:  # an entanglement map, an analysis: its variables and coordinates
        tables = [str(ds)]
    for table in tables:
        console.print(table, highlight=False, markup=False) if isinstance(table, str) else console.print(
            table
        )
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    from ..errors import StoreError
    from ..io.results import result_kind
    from .sweep import show_sweep_store

    kind = result_kind(args.path)
    if kind is None:
        raise FileNotFoundError(f"no result or sweep store at {str(args.path)!r}")
    if kind == "sweep":
        args.store = args.path
        return show_sweep_store(args, console)
    if kind == "run":
        return show_run(args.path, console, args.top)
    raise StoreError(
        f"{str(args.path)!r} is neither a tripwire run result (written by `tripwire run --out`) nor a "
        "sweep store (written by `tripwire sweep`)"
    )


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "show",
        help="print a saved run result, or what a sweep store holds and how complete it is",
    )
    s.add_argument("path", type=Path, help="a run result (.zarr or .nc) or a sweep store (STORE.zarr)")
    s.add_argument("--top", type=positive_int, default=5, help="states and treaties to list (default 5)")
    s.set_defaults(func=cmd_show)
