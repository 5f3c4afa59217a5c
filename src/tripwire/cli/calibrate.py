"""``tripwire calibrate``: fit the global parameters to MID disputes and write a profile."""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

from rich.console import Console

from ._common import EXIT_OK, positive_int, seed_value
from ._common import say as _say
from .backtest import client_for, score_table


def _yaml_path(text: str) -> Path:
    path = Path(text)
    if path.suffix not in (".yaml", ".yml"):
        raise argparse.ArgumentTypeError(
            f"a profile is a YAML file: expected a path ending in .yaml, saw {text!r}"
        )
    return path


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), saw {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), saw {value}")
    return value


def cmd_calibrate(args: argparse.Namespace, console: Console) -> int:
    from ..history import load_disputes
    from ..history.calibration import calibrate, write_profile

    disputes = load_disputes(args.mid, data=args.data)
    if args.limit:
        disputes = disputes.subset(disputes.table.sort_values("start").index[: args.limit])
    _say(console, disputes.summary())
    t0 = time.perf_counter()
    last: list = [0.0, ""]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if args.quiet or (stage == last[1] and now - last[0] < args.every and done != total):
            return
        last[0], last[1] = now, stage
        what = f"{done:,}/{total:,}" if total else f"evaluation {done:,}"
        _say(console, f"[{now - t0:7.1f} s] {stage}: {what}")

    params = [p.strip() for p in args.params.split(",")] if args.params else None
    with contextlib.ExitStack() as stack:
        client = client_for(args.workers, stack)
        result = calibrate(
            disputes,
            data=args.data,
            params=params,
            start=args.start,
            trials=args.trials,
            score_trials=args.score_trials,
            seed=args.seed,
            fraction=args.fraction,
            split_seed=args.split_seed,
            sweeps=args.sweeps,
            maxiter=args.maxiter,
            per_partner=args.per_partner,
            client=client,
            progress=progress,
        )
    path = write_profile(result, args.out, name=args.name)
    for name in result.fitted:
        _say(console, f"  {name:36s} {result.values[name]:.4f} +- {result.se[name]:.4f}")
    console.print(
        score_table(
            result.scores,
            f"Held-out scores ({result.settings['disputes_held_out']:,} disputes not fitted on)",
        )
    )
    _say(
        console,
        f"wrote {path} (loss {result.loss:.1f} after {len(result.loss_path)} evaluations, "
        f"{time.perf_counter() - t0:.0f} s)",
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit the global parameters to MID disputes and write a profile")
    p.add_argument("mid", help="a folder holding the four MID 5.0 CSV files")
    p.add_argument("--data", required=True, help="the data folder (ATOP, NMC, contiguity, rivalries)")
    p.add_argument("--out", type=_yaml_path, required=True, help="the profile to write (.yaml)")
    p.add_argument("--name", default=None, help="the profile's name (default: the file's stem)")
    p.add_argument("--params", default=None, help="comma-separated parameters to fit (default: all)")
    p.add_argument("--start", default=None, help="a profile to start from (default: the built-in starts)")
    p.add_argument("--trials", type=positive_int, default=200, help="trials per dispute per evaluation (200)")
    p.add_argument(
        "--score-trials", type=positive_int, default=2000, help="trials per held-out dispute (2,000)"
    )
    p.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    p.add_argument("--fraction", type=_fraction, default=0.8, help="share of disputes fitted on (0.8)")
    p.add_argument("--split-seed", type=seed_value, default=0, help="seed of the random split (0)")
    p.add_argument("--sweeps", type=positive_int, default=1, help="coordinate-descent passes (1)")
    p.add_argument(
        "--per-partner",
        action="store_true",
        default=None,
        help="treaty reliability per pact, shared among its partners (reliability / (members - 1) per edge)",
    )
    p.add_argument("--maxiter", type=positive_int, default=8, help="loss evaluations per line search (8)")
    p.add_argument(
        "--workers", type=positive_int, default=None, help="local worker processes (default: one process)"
    )
    p.add_argument("--limit", type=positive_int, default=None, help="only the first N disputes by start date")
    p.add_argument("--every", type=float, default=10.0, help="seconds between progress lines (10)")
    p.add_argument("--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_calibrate)
