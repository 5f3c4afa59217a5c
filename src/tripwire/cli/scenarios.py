"""``tripwire scenarios``: the bundled worlds and the question each one answers."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from ._common import EXIT_OK, say


def scenario_rows() -> list[dict]:
    """One row per bundled scenario: name, states, treaties, origins and its question."""
    from ..world.model import bundled_scenarios, load_world

    rows = []
    for name in bundled_scenarios():
        world = load_world(name)
        if world.origins == "rivalries":
            origins = "every rival dyad"
        else:
            origins = ", ".join(f"{o.label} {o.weight:g}" for o in world.origins)
        rows.append(
            {
                "name": name,
                "states": len(world.states),
                "treaties": len(world.treaties),
                "origins": origins,
                "question": " ".join(world.description.split()),
            }
        )
    return rows


def cmd_scenarios(args: argparse.Namespace, console: Console) -> int:
    if args.name is not None:
        return print_file(args.name, console)
    table = Table(title="bundled scenarios (`tripwire run NAME` runs one)", show_lines=True)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("states", justify="right")
    table.add_column("treaties", justify="right")
    table.add_column("origins (initiator->target weight)")
    table.add_column("the question it answers")
    for row in scenario_rows():
        table.add_row(row["name"], str(row["states"]), str(row["treaties"]), row["origins"], row["question"])
    console.print(table)
    say(
        console,
        "Each file explains its sources and modelling choices in comments: `tripwire scenarios NAME` "
        "prints it (redirect it to a file to edit a copy); `tripwire new FILE` writes a template.",
    )
    return EXIT_OK


def print_file(name: str, console: Console) -> int:
    """Print a bundled scenario's file, comments included."""
    from importlib import resources

    from ..world.model import bundled_scenarios

    if name not in bundled_scenarios():
        raise FileNotFoundError(
            f"{name!r} is not a bundled scenario; bundled scenarios: {', '.join(bundled_scenarios())}"
        )
    text = (resources.files("tripwire.scenarios") / f"{name}.yaml").read_text()
    console.file.write(text)
    console.file.flush()
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenarios", help="list the bundled scenarios and the question each answers")
    p.add_argument(
        "name", nargs="?", default=None, help="print this scenario's file (with its comments) instead"
    )
    p.set_defaults(func=cmd_scenarios)
