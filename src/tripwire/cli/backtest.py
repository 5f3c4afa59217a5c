"""``tripwire backtest``: predict every MID dispute from the world on its start date and score it."""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from ._common import EXIT_OK, positive_int, seed_value

if TYPE_CHECKING:
    import pandas as pd


def _nc_path(text: str) -> Path:
    path = Path(text)
    if path.suffix != ".nc":
        raise argparse.ArgumentTypeError(
            f"the back-test is written as netCDF: expected a path ending in .nc, saw {text!r}"
        )
    return path


def _say(console: Console, text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def score_table(scores: pd.DataFrame, title: str) -> Table:
    """The score table: tripwire and the logistic baseline side by side, one row per outcome."""
    table = Table(title=title)
    for col in (
        "outcome",
        "n",
        "base rate",
        "Brier",
        "skill",
        "log loss",
        "AUC",
        "Brier (logit)",
        "skill (logit)",
        "AUC (logit)",
    ):
        table.add_column(col, justify="left" if col == "outcome" else "right")
    tw = scores[scores["model"] == "tripwire"].set_index("outcome")
    lg = scores[scores["model"] == "logistic"].set_index("outcome")
    for name in tw.index:
        a, b = tw.loc[name], lg.loc[name]
        table.add_row(
            name,
            f"{int(a['n']):,}",
            f"{a['base_rate']:.4f}",
            f"{a['brier']:.4f}",
            f"{a['brier_skill']:+.3f}",
            f"{a['log_loss']:.4f}",
            f"{a['auc']:.3f}",
            f"{b['brier']:.4f}",
            f"{b['brier_skill']:+.3f}",
            f"{b['auc']:.3f}",
        )
    return table


def base_rate_table(rates: pd.DataFrame) -> Table:
    table = Table(title="Base rates: model vs data (z = (data - model) / SE)")
    for col in ("target", "era", "n", "data", "model", "SE", "z", "within 2 SE"):
        table.add_column(col, justify="left" if col in ("target", "era") else "right")
    for r in rates.itertuples():
        table.add_row(
            r.target,
            r.era,
            f"{int(r.n):,}",
            f"{r.data:.3f}",
            f"{r.model:.3f}",
            f"{r.se:.3f}",
            f"{r.z:+.1f}",
            "yes" if r.within_2se else "NO",
        )
    return table


def client_for(workers: int | None, stack: contextlib.ExitStack):
    """A local dask client with ``workers`` processes, or None for one process."""
    if not workers or workers < 2:
        return None
    from ..sweep.run import local_client

    return stack.enter_context(local_client(workers))


def cmd_backtest(args: argparse.Namespace, console: Console) -> int:
    from ..history import backtest, base_rates, load_disputes, score
    from .console import progress_bar

    disputes = load_disputes(args.mid, data=args.data)
    if args.limit:
        disputes = disputes.subset(disputes.table.sort_values("start").index[: args.limit])
    _say(console, disputes.summary())
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = client_for(args.workers, stack)
        with progress_bar(
            console, len(disputes), "disputes", enabled=not args.quiet, log=not console.is_terminal
        ) as adv:
            ds = backtest(
                disputes,
                data=args.data,
                profile=args.profile,
                trials=args.trials,
                seed=args.seed,
                client=client,
                progress=adv,
            )
    elapsed = time.perf_counter() - t0
    if args.out is not None:
        ds.to_netcdf(args.out)
        _say(console, f"wrote {args.out}")
    console.print(
        score_table(
            score(ds),
            f"Scores of {ds.sizes['dispute']:,} disputes (in sample: base rates "
            "and the logistic baseline from the same disputes)",
        )
    )
    rates = base_rates(ds, data=args.data)
    console.print(base_rate_table(rates))
    for r in rates.itertuples():
        if not r.within_2se and r.note:
            _say(console, f"  {r.target} ({r.era}): {r.note}")
    _say(
        console,
        f"{ds.sizes['dispute']:,} disputes x {args.trials:,} trials in {elapsed:.1f} s "
        f"(profile {ds.attrs['profile']})",
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backtest", help="predict every MID dispute from the world on its start date and score it"
    )
    p.add_argument("mid", help="a folder holding the four MID 5.0 CSV files")
    p.add_argument("--data", required=True, help="the data folder (ATOP, NMC, contiguity, rivalries)")
    p.add_argument("--profile", default="mid5", help="a profile name or file (default mid5)")
    p.add_argument("--trials", type=positive_int, default=20_000, help="trials per dispute (default 20,000)")
    p.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    p.add_argument(
        "--workers", type=positive_int, default=None, help="local worker processes (default: one process)"
    )
    p.add_argument("--limit", type=positive_int, default=None, help="only the first N disputes by start date")
    p.add_argument("--out", type=_nc_path, default=None, help="write the back-test to PATH (.nc)")
    p.add_argument("--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_backtest)
