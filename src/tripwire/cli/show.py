"""``tripwire show``: print a saved result (``run --out``, ``horizon --out``, an analysis) again, or
describe a sweep store: what it holds and how complete it is."""

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


def _values(values: list, limit: int = 8) -> str:
    def fmt(v) -> str:
        return f"{v:g}" if isinstance(v, float) else str(v).lower() if isinstance(v, bool) else str(v)

    shown = ", ".join(fmt(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} values)" if len(values) > limit else "")


def show_sweep(store: Path, console: Console) -> int:
    """Print what a sweep store holds and how complete its done marks say it is."""
    from ..sweep.reader import describe

    info = describe(store)
    design = info["design"]
    rows: list[tuple[str, str]] = []
    title = f"{info['name']!r}" + (f": {info['description']}" if info["description"] else "")
    rows.append(("store", info["path"]))
    rows.append(("sweep", title))
    rows.append(
        (
            "world",
            f"{info['world_name']} (hash {info['world_hash'][:12]}), "
            f"engine tripwire {info['engine_version']}",
        )
    )
    dims = " x ".join(f"{d} ({s})" for d, s in zip(info["dims"], info["shape"], strict=True))
    extra = f", n = {design['n']}, design seed {design['seed']}" if design["kind"] in ("lhs", "sobol") else ""
    rows.append(("design", f"{design['kind']}: {info['points']:,} points over {dims}{extra}"))
    for k, path in enumerate(design["paths"]):
        values = design["params"][path]
        text = f"[{values[0]:g}, {values[1]:g}]" if design["kind"] in ("lhs", "sobol") else _values(values)
        rows.append(("params" if k == 0 else "", f"{path}: {text}"))
    rows.append(
        ("trials", f"{info['trials']:,} per point, seed {info['seed']} (trial block {info['trial_block']:,})")
    )
    rows.append(("chunks", f"{'x'.join(map(str, info['chunk']))} points per task, {info['tasks']:,} task(s)"))
    pct = 100 * info["points_done"] / info["points"]
    status = (
        f"done marks: complete; run `tripwire verify {store}` to check data"
        if info["points_done"] == info["points"]
        else "incomplete: rerun the sweep to resume it"
    )
    rows.append(
        (
            "done",
            f"{info['points_done']:,}/{info['points']:,} points ({pct:.0f}%), "
            f"{info['tasks_done']:,}/{info['tasks']:,} tasks; {status}",
        )
    )
    if info["lock"] is not None:
        state = {
            True: "running",
            False: "no longer running: the next run takes it over",
            None: "on another host",
        }
        rows.append(("lock", f"held by {info['lock']['text']}; {state[info['lock']['alive']]}"))
    if "p_war_range" in info:
        lo, hi = info["p_war_range"]
        rows.append((f"P(>= {info['war_level']})", f"{lo:.4f} - {hi:.4f} over the points done"))
    if "read_error" in info:
        rows.append(("damaged", info["read_error"]))
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        say(console, key.ljust(width) + value)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    from ..errors import StoreError
    from ..io.results import result_kind

    kind = result_kind(args.path)
    if kind is None:
        raise FileNotFoundError(f"no result or sweep store at {str(args.path)!r}")
    if kind == "sweep":
        return show_sweep(args.path, console)
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
