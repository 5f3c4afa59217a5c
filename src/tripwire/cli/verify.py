"""``tripwire verify``: check a store's data (every chunk of the points marked done decodes and
passes its checksum, and the tallies keep their invariants); ``--repair`` marks damaged points
not done, so that the next resume recomputes exactly them.

Exit codes: 0 nothing wrong (or every damaged point marked not done by ``--repair``), 1 damage
found (listed), 2 not a store.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ._common import EXIT_FAILED, EXIT_OK

#: Damaged points listed one by one; more are counted.
SHOWN = 50


def _say(console: Console, text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    from ..sweep.verify import repair, verify

    report = verify(args.store)
    store = args.store
    if report.ok:
        if report.kind == "result":
            _say(console, f"{store}: {report.chunks:,} chunk(s) decoded; checksums and invariants hold")
        else:
            _say(
                console,
                f"{store}: {report.points_done:,}/{report.points:,} points marked done, {report.chunks:,} "
                "chunk(s) decoded; checksums and invariants hold",
            )
        return EXIT_OK
    if report.damaged:
        of = "" if report.kind == "result" else f" of {report.points_done:,} marked done"
        _say(console, f"{store}: {len(report.damaged):,} damaged point(s){of}:")
        for damage in report.damaged[:SHOWN]:
            _say(console, f"  {report.describe(damage.index)}: {damage.reason}")
        if len(report.damaged) > SHOWN:
            _say(console, f"  ... and {len(report.damaged) - SHOWN:,} more")
    for problem in report.unrepairable:
        _say(console, f"{store}: {problem} (a resume cannot mend it: run the sweep again with --fresh)")
    if report.kind == "result":
        _say(console, "run it again to replace the result")
        return EXIT_FAILED
    if not args.repair:
        if report.damaged:
            _say(
                console,
                f"`tripwire verify --repair {store}` marks them not done; then run the sweep again to "
                "recompute them",
            )
        return EXIT_FAILED
    if report.unrepairable:
        return EXIT_FAILED
    cleared = repair(report, break_lock=args.break_lock, say=lambda text: _say(console, text))
    _say(
        console,
        f"repaired: {cleared:,} point(s) in {len(report.regions):,} chunk(s) marked not done; run the sweep "
        "again to recompute them",
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check a sweep store's (or result's) data: checksums and invariants of every point done",
        description="Decode every chunk of the points marked done in a sweep store (or every chunk of a "
        "result store) and check the tallies' invariants. Exit codes: 0 nothing wrong (or repaired), "
        "1 damage found, 2 not a store.",
    )
    p.add_argument("store", type=Path, help="the store (STORE.zarr)")
    p.add_argument(
        "--repair",
        action="store_true",
        help="mark the damaged points not done, so that running the sweep again recomputes them",
    )
    p.add_argument(
        "--break-lock",
        action="store_true",
        help="with --repair: take over a lock not refreshed for 10 minutes (a driver killed on another host)",
    )
    p.set_defaults(func=cmd_verify)
