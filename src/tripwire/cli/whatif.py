"""What-if options shared by ``run`` and ``compare``: ``--set PATH=VALUE``, ``--without TREATY``
and ``--origin A:B``."""

from __future__ import annotations

import argparse
import difflib

from ..errors import ParamError, WorldError


def set_value(text: str) -> tuple[str, float | bool]:
    """``PATH=VALUE``: a parameter path and a number (or ``true``/``false``)."""
    path, sep, raw = text.rpartition("=")
    if not sep or not path.strip() or not raw.strip():
        raise argparse.ArgumentTypeError(
            f"--set takes PATH=VALUE, e.g. policy.communication=0.8 or 'treaty.NATO.reliability=0.5', "
            f"saw {text!r}"
        )
    raw = raw.strip()
    if raw.lower() in ("true", "false", "yes", "no"):
        return path.strip(), raw.lower() in ("true", "yes")
    try:
        return path.strip(), float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--set {text!r}: the value must be a number or true/false, saw {raw!r}"
        ) from None


def origin_value(text: str) -> tuple[str | list[str], str | list[str], float]:
    """``A:B`` or ``A:B:WEIGHT``; several states a side as ``A,C:B``."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise argparse.ArgumentTypeError(
            f"an origin is INITIATOR:TARGET or INITIATOR:TARGET:WEIGHT (e.g. AUH:SRB), saw {text!r}"
        )
    weight = 1.0
    if len(parts) == 3:
        try:
            weight = float(parts[2])
        except ValueError:
            raise argparse.ArgumentTypeError(f"origin {text!r}: the weight must be a number") from None

    def side(s: str) -> str | list[str]:
        codes = [c.strip() for c in s.split(",") if c.strip()]
        return codes[0] if len(codes) == 1 else codes

    return side(parts[0]), side(parts[1]), weight


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what if (change the world before running it)")
    group.add_argument(
        "--set",
        dest="set_values",
        action="append",
        type=set_value,
        default=[],
        metavar="PATH=VALUE",
        help="set a parameter, e.g. policy.communication=0.8, treaties.reliability=0.5, "
        "'treaty.Dual Alliance.reliability=0.6', escalation.up[war]=0.2 (repeatable)",
    )
    group.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="TREATY",
        help='leave a treaty out, e.g. --without "Dual Alliance" (repeatable)',
    )
    group.add_argument(
        "--origin",
        dest="origins",
        action="append",
        type=origin_value,
        default=[],
        metavar="A:B",
        help="start crises here instead of the world's origins: INITIATOR:TARGET[:WEIGHT] (repeatable)",
    )


def apply(world, args: argparse.Namespace):
    """The world with the what-if options applied, and a one-line description (``""`` if none).

    Raises
    ------
    ParamError, WorldError
        An unknown path, treaty or state, or a value the world model refuses; the message names
        the option.
    """
    from pydantic import ValidationError

    from ..world.model import World, format_errors
    from ..world.params import apply_params

    changes: list[str] = []
    if args.origins:
        data = world.resolved()
        data["origins"] = [{"initiator": a, "target": b, "weight": w} for a, b, w in args.origins]
        try:
            world = World.model_validate(data)
        except ValidationError as exc:
            raise WorldError(f"--origin: {format_errors(exc)}") from None
        changes.append("origins " + ", ".join(o.label for o in world.origins))
    values: dict[str, float | bool] = {}
    for path, value in args.set_values:
        values[path] = value
    names = [t.name for t in world.treaties]
    for name in args.without:
        if name not in names:
            hint = difflib.get_close_matches(name, names, n=1)
            raise ParamError(
                f"--without {name!r}: {world.name!r} has no treaty of that name"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; its treaties: {', '.join(repr(n) for n in names) or '(none)'}"
            )
        values[f"treaty.{name}.active"] = False
    if values:
        try:
            world = apply_params(world, values)
        except (ParamError, WorldError) as exc:
            raise type(exc)(f"--set/--without: {exc}") from None
    changes += [f"{p} = {str(v).lower() if isinstance(v, bool) else f'{v:g}'}" for p, v in args.set_values]
    changes += [f"without {name!r}" for name in args.without]
    return world, "; ".join(changes)
