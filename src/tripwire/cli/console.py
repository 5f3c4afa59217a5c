"""Terminal output: rich progress bars and summary tables."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import xarray as xr
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..crisis.results import summarize


@contextlib.contextmanager
def progress_bar(
    console: Console, total: int, label: str, *, enabled: bool = True, log: bool = False
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``: a rich bar on a terminal, plain lines with ``log=True``, nothing when
    disabled."""
    if not enabled:
        yield lambda n: None
        return
    if log:
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            console.print(f"{label}: {done[0]:,}/{total:,} ({100 * done[0] / total:.0f}%)", highlight=False)

        yield advance
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def summary_tables(ds: xr.Dataset, top: int = 5) -> list[Table]:
    """Tables for one run: exceedance with 95 % Wilson intervals, states, treaties."""
    s = summarize(ds, top=top)
    war = ds.attrs.get("war_level")
    exceed = Table(
        title=f"{ds.attrs.get('world_name', '')}: {s['trials']:,} trials, seed {ds.attrs.get('seed')}"
    )
    exceed.add_column("final level ≥", style="bold")
    exceed.add_column("probability", justify="right")
    exceed.add_column("95 % interval", justify="right")
    for level, p, lo, hi in s["exceed"]:
        label = level + (" (war level)" if level == war != "war" else "")
        exceed.add_row(label, f"{p:.4f}", f"{lo:.4f} – {hi:.4f}")
    exceed.caption = f"expected participants: {s['expected_participants']:.3f}"

    states = Table(title="states most likely drawn in")
    states.add_column("state", style="bold")
    states.add_column("P(involved)", justify="right")
    states.add_column("P(at war)", justify="right")
    for code, p in s["states"]:
        states.add_row(code, f"{p:.4f}", f"{float(ds.p_war.sel(state=code)):.4f}")

    tables = [exceed, states]
    for key, title in (
        ("triggered", "treaties most often triggered"),
        ("failed", "treaties most often failed"),
    ):
        if s[key]:
            t = Table(title=title)
            t.add_column("treaty", style="bold")
            t.add_column("per trial", justify="right")
            for name, rate in s[key]:
                t.add_row(name, f"{rate:.4f}")
            tables.append(t)
    return tables
