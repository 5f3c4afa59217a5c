"""``tripwire new``: write a commented world template to start a world of one's own."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from rich.console import Console

from ..world.template import template
from ._common import EXIT_OK, say


def cmd_new(args: argparse.Namespace, console: Console) -> int:
    from ..errors import WorldError

    path: Path = args.path
    if path.suffix not in (".yaml", ".yml"):
        raise WorldError(f"a world file ends in .yaml, saw {str(path)!r}")
    if path.exists():
        raise WorldError(f"{str(path)!r} exists; it is left alone: choose another name or remove it yourself")
    if not path.parent.is_dir():
        raise WorldError(f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    name = args.name or re.sub(r"\W+", "_", path.stem).strip("_") or "my_world"
    path.write_text(template(name, str(path)))
    say(console, f"wrote {path}: a commented world template named {name!r}")
    say(console, f"edit it, then `tripwire validate {path}` and `tripwire run {path}`")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="write a commented world template (every key explained)")
    p.add_argument("path", type=Path, help="the world file to write (.yaml); never replaces a file")
    p.add_argument("--name", default=None, help="the world's name (default: from the file name)")
    p.set_defaults(func=cmd_new)
