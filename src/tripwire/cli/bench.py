"""``tripwire bench``: the benchmark suite (each joining closure side by side with CyNetDiff, NDlib
and pynetim and against the perfect-kernel bound, the bundled scenarios, scaling and start-up)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from ._common import EXIT_FAILED, EXIT_OK, positive_int

SECTIONS = ("cascade", "scenarios", "scaling", "startup", "horizon")  # must match tripwire.bench.SECTIONS


def json_path(text: str) -> Path:
    path = Path(text)
    if path.suffix != ".json":
        raise argparse.ArgumentTypeError(f"the report must end in .json, saw {text!r}")
    return path


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    from dataclasses import replace

    from .. import bench

    settings = bench.QUICK if args.quick else bench.FULL
    if args.only:
        settings = replace(settings, sections=tuple(s for s in SECTIONS if s in args.only))
    if args.repeats is not None:
        settings = replace(settings, repeats=args.repeats)
    if args.no_peers:
        settings = replace(settings, peers=())
    if args.json is not None and not args.json.parent.exists():
        raise FileNotFoundError(f"cannot write {args.json}: folder {args.json.parent} does not exist")

    err = Console(stderr=True)

    def log(message: str) -> None:
        err.print(f"[dim]{message}[/dim]", highlight=False)

    console.print(
        f"tripwire bench ({settings.name}): sections {', '.join(settings.sections)}; "
        f"{settings.repeats} repeats of about {settings.target_s:g} s each",
        highlight=False,
    )
    report = bench.run_suite(settings, log=log)
    bench.render(report, console)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        console.print(f"wrote {args.json}")
    disagree = [
        f"{net['network']}: {c['engine']}"
        for net in report.get("cascade", [])
        for c in net["comparisons"]
        if not c["agree"]
    ]
    if disagree:
        err.print(
            f"engines disagree on the mean cascade size ({', '.join(disagree)}); "
            "no ratio was printed for them",
            highlight=False,
        )
        return EXIT_FAILED
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser(
        "bench",
        help="benchmark: side by side with CyNetDiff, NDlib and pynetim, scenarios, scaling, start-up",
        description=(
            "Run the benchmark suite and print medians over repeats with min-max: tripwire with each "
            "joining closure (the chosen one marked), examined edges and draws per cascade, the "
            "perfect-kernel bound of each network. Peers (CyNetDiff, NDlib, pynetim) come with pip "
            "install 'tripwire[bench]' and are skipped when missing."
        ),
    )
    bench.add_argument("--quick", action="store_true", help="a shorter suite (under a minute on 2 cores)")
    bench.add_argument(
        "--json", type=json_path, default=None, metavar="PATH", help="write the report to PATH (.json)"
    )
    bench.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=None,
        metavar="SECTION",
        help=f"run only these sections ({', '.join(SECTIONS)})",
    )
    bench.add_argument("--repeats", type=positive_int, default=None, help="timed repeats per measurement")
    bench.add_argument("--no-peers", action="store_true", help="leave out CyNetDiff, NDlib and pynetim")
    bench.set_defaults(
        func=cmd_bench,
        interrupted="interrupted; the report is written only when the suite finishes, so nothing was "
        "written (run again, perhaps with --quick or --only SECTION)",
    )
