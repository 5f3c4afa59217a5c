"""``tripwire world``: build an editable world file from ATOP and COW data."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import EXIT_OK

HEADER = "# World built by `tripwire world`"


def _check_output(path: Path, force: bool) -> None:
    """Before any work: the folder exists, and an existing file is one ``tripwire world`` wrote
    (replaced only with ``--force``)."""
    from ..errors import StoreError

    if not path.parent.is_dir():
        raise StoreError(
            f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist; create it first"
        )
    if path.exists():
        try:
            ours = path.is_file() and path.read_text(errors="replace").startswith(HEADER)
        except OSError:
            ours = False
        if not ours:
            raise StoreError(
                f"{str(path)!r} exists and was not written by `tripwire world`; it is left alone: "
                "choose another output file or remove it yourself"
            )
        if not force:
            raise StoreError(
                f"{str(path)!r} exists (written by `tripwire world`); pass --force to replace it"
            )


def _origin(text: str) -> tuple[str, str]:
    parts = text.split(":")
    if len(parts) != 2 or not all(parts):
        raise argparse.ArgumentTypeError(f"an origin is INITIATOR:TARGET (e.g. AUH:YUG), saw {text!r}")
    return parts[0], parts[1]


def cmd_world(args: argparse.Namespace, console) -> int:
    from ..errors import DataError, DataWarning
    from ..io.atop import world_from_atop

    if not args.origin:
        raise DataError(
            "tripwire world needs --origin INITIATOR:TARGET, where crises start (e.g. --origin AUH:YUG; "
            "repeat it for several origins); codes are COW abbreviations as in the NMC file"
        )
    _check_output(args.output, args.force)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        world = world_from_atop(
            args.date,
            members=args.atop_members,
            capabilities=args.nmc,
            alliances=args.atop_alliances,
            states=args.state or None,
            origins=args.origin or None,
            name=args.name,
        )
    for w in caught:
        console.print(f"[yellow]warning:[/yellow] {w.message}", highlight=False)
    header = (
        f"{HEADER} for {args.date} from ATOP ({Path(args.atop_members).name}) and\n"
        f"# COW NMC ({Path(args.nmc).name}); capabilities are CINC shares renormalised to sum to 1.\n"
        "# Edit freely: `tripwire validate` checks it, `tripwire run` runs it.\n"
    )
    tmp = args.output.with_name(f".{args.output.name}.partial")
    try:
        tmp.write_text(header + world.to_yaml())
        tmp.replace(args.output)
    finally:
        tmp.unlink(missing_ok=True)
    console.print(
        f"wrote {args.output}: {len(world.states)} states, {len(world.treaties)} treaties, "
        f"{len(world.origins) if isinstance(world.origins, list) else 'rivalry'} origin(s)",
        highlight=False,
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("world", help="build a world file from ATOP alliances and COW capabilities")
    p.add_argument("--atop-members", required=True, type=Path, help="ATOP member-level CSV")
    p.add_argument("--nmc", required=True, type=Path, help="COW National Material Capabilities CSV")
    p.add_argument("--atop-alliances", type=Path, default=None, help="ATOP alliance-level CSV (optional)")
    p.add_argument("--date", required=True, help="a year or an ISO date, e.g. 1914-07-28")
    p.add_argument(
        "--origin",
        action="append",
        type=_origin,
        default=[],
        metavar="A:B",
        help="crisis origin INITIATOR:TARGET (required; repeatable)",
    )
    p.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="CODE",
        help="include this state even if it is in no alliance (repeatable)",
    )
    p.add_argument("--name", default=None, help="world name (default: atop-DATE)")
    p.add_argument("-o", "--output", required=True, type=Path, help="world file to write (.yaml)")
    p.add_argument("--force", action="store_true", help="replace a world file that `tripwire world` wrote")
    p.set_defaults(func=cmd_world)
