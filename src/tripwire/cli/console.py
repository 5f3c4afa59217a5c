"""Terminal output: rich progress bars and summary tables."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import xarray as xr


@contextlib.contextmanager
def progress_bar(
    console: Console,
    total: int,
    label: str,
    *,
    enabled: bool = True,
    log: bool = False,
    log_step: float | None = None,
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``: a rich bar on a terminal (:func:`tripwire.crisis.runner.progress_bar`),
    plain lines with ``log=True`` (one per call, or one each time another ``log_step`` per cent is
    done), nothing when disabled."""
    if not enabled:
        yield lambda n: None
        return
    if log:
        done = [0, -1]  # trials done, last step printed

        def advance(n: int) -> None:
            done[0] += n
            pct = 100 * done[0] / total
            if log_step is not None:
                step = int(pct // log_step)
                if step == done[1] and done[0] < total:
                    return
                done[1] = step
            console.print(f"{label}: {done[0]:,}/{total:,} ({pct:.0f}%)", highlight=False)

        yield advance
        return
    from ..crisis.runner import progress_bar as bar

    with bar(total, label, console=console, transient=True) as advance_bar:
        yield advance_bar


def summary_tables(ds: xr.Dataset, top: int = 5) -> list[RenderableType]:
    """What the command line prints for one run: exceedance with 95 % Wilson intervals, the states
    most likely drawn in (with names and sides), a table per origin when there are several, the
    treaties whose obligations were called on most, and a line on what the intervals cover."""
    from ..crisis.results import summarize

    s = summarize(ds, top=top)
    war = s["war_level"]
    exceed = Table(title=f"{s['world']}: {s['trials']:,} trials, seed {s['seed']}")
    exceed.add_column("final level ≥", style="bold")
    exceed.add_column("probability", justify="right")
    exceed.add_column("95 % interval", justify="right")
    for row in s["exceed"]:
        label = row["level"] + (" (war level)" if row["level"] == war != "war" else "")
        exceed.add_row(label, f"{row['p']:.4f}", f"{row['lo']:.4f} – {row['hi']:.4f}")
    mean, se = s["expected_participants"], s["expected_participants_se"]
    exceed.caption = f"expected participants {mean:.3f} ± {se:.3f} (SE)"

    states = Table(title="states most likely drawn in")
    states.add_column("state", style="bold")
    states.add_column("name")
    states.add_column("P(involved)", justify="right")
    states.add_column("95 % interval", justify="right")
    states.add_column("on initiator side", justify="right")
    states.add_column("on target side", justify="right")
    states.add_column(f"P(involved, ≥ {war})", justify="right")
    for row in s["states"]:
        states.add_row(
            row["state"],
            row["name"],
            f"{row['p_involved']:.4f}",
            f"{row['lo']:.4f} – {row['hi']:.4f}",
            f"{row['p_initiator']:.4f}",
            f"{row['p_target']:.4f}",
            f"{row['p_war']:.4f}",
        )
    tables: list[RenderableType] = [exceed, states]

    if s["origins"]:
        origins = Table(title="by crisis origin")
        origins.add_column("origin (initiator->target)", style="bold")
        origins.add_column("share of crises", justify="right")
        origins.add_column(f"P(≥ {war} | origin)", justify="right")
        origins.add_column("95 % interval", justify="right")
        for row in s["origins"]:
            origins.add_row(
                row["origin"],
                f"{row['share']:.4f}",
                f"{row['p_war']:.4f}",
                f"{row['lo']:.4f} – {row['hi']:.4f}",
            )
        tables.append(origins)

    if s["treaties"]:
        treaties = Table(title="treaties most often called on")
        treaties.add_column("treaty", style="bold")
        treaties.add_column("kind")
        treaties.add_column("obligations honoured per trial", justify="right")
        treaties.add_column("failed per trial", justify="right")
        treaties.add_column("share honoured", justify="right")
        for row in s["treaties"]:
            treaties.add_row(
                row["treaty"],
                row["kind"],
                f"{row['honoured_per_trial']:.4f}",
                f"{row['failed_per_trial']:.4f}",
                f"{row['share_honoured']:.3f}",
            )
        tables.append(treaties)
        tables.append(
            Text(
                "An obligation is one member's duty to one other member (a treaty of k members has up "
                "to k(k-1)); honoured and failed obligations are averaged over all trials."
            )
        )
    tables.append(Text(s["note"]))
    return tables
