"""The world-file reference, generated from the models: every key, its type, default and meaning.

Keys, types, constraints, defaults and whether a key is required are read from the pydantic models
of :mod:`tripwire.world.model`; only the meaning of each key and the rules that tie keys together
are written here. ``docs/world-file.md`` holds the generated text between two markers, and a test
checks that it is in step with the models (a new key without a meaning here fails it too).

Rewrite the generated part of the page with::

    python -m tripwire.world.reference docs/world-file.md
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .. import defaults
from ..config import OneOf
from . import kinds
from .horizon import ArmsBins, Arrival, Horizon, Systemic
from .model import (
    Border,
    BorderJoining,
    Escalation,
    Ladder,
    Neighbours,
    Origin,
    Policy,
    Rivalry,
    State,
    Treaty,
    World,
)
from .template import template

BEGIN = "<!-- generated from the models by `python -m tripwire.world.reference`: begin -->"
END = "<!-- generated: end -->"

#: (section title, model, meaning of each key, rules that tie the keys together)
SECTIONS: list[tuple[str, type[BaseModel], dict[str, str], list[str]]] = [
    (
        "The file",
        World,
        {
            "name": "The world's name; it labels every result.",
            "description": "What the world is, or the question it answers (`tripwire scenarios` shows it).",
            "ladder": "The escalation ladder (below).",
            "escalation": "Per-round hazards and the deterrence and misperception strengths (below).",
            "policy": "Conflict-prevention policies and defection (below).",
            "states": "The states (below); at least two.",
            "treaties": "The treaties (below).",
            "rivalries": "The rivalries (below).",
            "neighbours": "How borders act: joining probabilities by contiguity type and the level "
            "from which neighbours may join (below; filled in when `borders` are given).",
            "borders": "Pairs of neighbouring states (below).",
            "origins": "Where crises start: a list of origins (below), or the word `rivalries` for every "
            "rival dyad with hostility > 0, in both directions, weighted by hostility.",
            "horizon": "The long-horizon model's parameters (below; only `tripwire horizon` uses them, "
            "see docs/horizon.md).",
            "year": "The year the world describes; a profile whose values depend on the era (before or "
            "from 1945) needs it.",
            "profile": "A fitted profile (a bundled name such as `mid5`, or a path) that fills every value "
            "the file leaves out: the ladder, escalation, treaty reliability and trigger, rivalry hostility "
            "and trigger, border joining (see docs/history.md); what the file says wins.",
        },
        [
            "State codes are unique; every code a treaty, rivalry or origin names must be a state's code.",
            "Treaty names are unique (they label the results).",
            "`escalation.up` has one value per level except the top, `escalation.settle` one per level "
            "(or one number each, used for every level).",
            "A rivalry lists a pair once. `origins: rivalries` needs a rivalry with hostility > 0; a "
            "list of origins needs at least one entry and a weight > 0.",
        ],
    ),
    (
        "`ladder`",
        Ladder,
        {
            "levels": "Escalation levels, lowest first. A crisis starts at the first level.",
            "war": "The level that counts as war (a name or an index); `war` outputs and the "
            "policy `confidence_building` use it.",
        },
        ["Level names are unique; `war` must be one of them."],
    ),
    (
        "`escalation`",
        Escalation,
        {
            "up": "Per-round hazard of climbing from each level (every level but the top): a list, or "
            "one number for every level.",
            "settle": "Per-round hazard of settling (the crisis ends) at each level: a list, or one "
            "number for every level.",
            "deterrence": "γ: the hazard of climbing is multiplied by (2ρ)^γ, where ρ is the "
            "initiator side's share of the capability in play, counting the target's expected allied "
            "backing as the initiator perceives it (see docs/model.md). 0 turns deterrence off.",
            "misperception": "σ: the initiator sees the target's expected allied backing multiplied "
            "by a lognormal factor with mean 1 and log-sd σ. 0 means no misperception.",
            "max_rounds": "Escalation steps before a crisis is cut off where it stands.",
        },
        ["When climbing and settling together exceed 1 in a round, both are scaled to sum to 1."],
    ),
    (
        "`policy`",
        Policy,
        {
            "communication": "Shrinks misperception: σ_eff = σ (1 − communication).",
            "dispute_resolution": "Raises settling: settle_eff = 1 − (1 − settle)(1 − dispute_resolution).",
            "confidence_building": "Lowers climbing below the war level: up_eff = up (1 − "
            "confidence_building) for levels below `war`.",
            "defection": "The probability that an ally that fails an obligation joins the other side "
            "instead (treaty obligations only).",
        },
        [],
    ),
    (
        "`states` (each entry)",
        State,
        {
            "code": "A unique code, e.g. the COW abbreviation `AUH`.",
            "name": "A readable name (default: the code).",
            "capability": "Material capability, e.g. a COW CINC score. Only ratios of summed "
            "capabilities matter.",
            "ccode": "The COW numeric country code (a record; data readers use it).",
            "major": "Major-power status (a record).",
        },
        [],
    ),
    (
        "`treaties` (each entry)",
        Treaty,
        {
            "name": "A unique name; it labels the treaty's results.",
            "kind": "The obligation (see the table of defaults by kind below).",
            "members": "State codes of the members; at least two, each once.",
            "reliability": "The probability that one member honours its obligation to one other "
            "member when called on (default by kind). Not used for neutrality and non-aggression "
            "pledges, which always bind.",
            "trigger": "The level (name or index) at which the obligation is called on (default by kind).",
            "guarantors": "Makes the treaty one-way: only these members owe the others (each must "
            "be a member). Leave it out for a mutual treaty.",
            "signed": "Year signed (a record).",
            "ended": "Year ended (a record).",
            "atopid": "The ATOP alliance id, where ATOP has the alliance (a record).",
            "term": "Long-horizon model only: years to the treaty's first renewal decision (0: "
            "open-ended; default `horizon.term`).",
            "review": "Long-horizon model only: years between later renewal decisions (default "
            "`horizon.review`).",
            "renewal": "Long-horizon model only: the probability of renewing at each decision "
            "(default `horizon.renewal`).",
        },
        [
            "A treaty of k members gives k(k−1) obligations, one per ordered pair (fewer with "
            "guarantors), each tried at most once per crisis.",
        ],
    ),
    (
        "`rivalries` (each entry)",
        Rivalry,
        {
            "states": "The two rival states (different codes).",
            "hostility": "The probability that a rival joins against a participant when called on; "
            "with `origins: rivalries` also the weight of the dyad as a crisis origin.",
            "trigger": "The level (name or index) from which a rival may join (default: the war level).",
            "types": "Optional rivalry types (Thompson: `positional`, `spatial`, `ideological`, "
            "`interventionary`); a profile may give each type its own hostility.",
        },
        [],
    ),
    (
        "`neighbours`",
        Neighbours,
        {
            "joining": "The probability that a neighbour joins against a participant, by contiguity "
            "type (below).",
            "trigger": "The level (name or index) from which neighbours may join (default: the war level).",
        },
        [],
    ),
    (
        "`neighbours.joining`",
        BorderJoining,
        {
            "land": "Land or river border.",
            "sea12": "Across at most 12 miles of water.",
            "sea24": "Across at most 24 miles of water.",
            "sea150": "Across at most 150 miles of water.",
            "sea400": "Across at most 400 miles of water.",
        },
        [],
    ),
    (
        "`borders` (each entry)",
        Border,
        {
            "states": "The two neighbouring states (different codes).",
            "type": "The contiguity type (COW direct contiguity).",
            "joining": "This border's joining probability (default: `neighbours.joining` for its type).",
            "trigger": "This border's level from which a neighbour may join (default: `neighbours.trigger`).",
        },
        ["Either neighbour may join against the other when it takes part; a border is listed once."],
    ),
    (
        "`origins` (each entry)",
        Origin,
        {
            "initiator": "The state that opens the crisis, or a list of states (the initiator side).",
            "target": "The state it targets, or a list of states (the target side).",
            "weight": "Relative weight: each trial draws one origin with probability proportional to "
            "its weight.",
        },
        ["The two sides share no state; every originator takes part from the start."],
    ),
    (
        "`horizon` (the long-horizon model; docs/horizon.md)",
        Horizon,
        {
            "years": "Years per history.",
            "start": "Calendar year of year 0 (labels, eras, signing years).",
            "fatigue": "a: arms fatigue, a number or one per state `{CODE: a}`.",
            "reaction": "k: reaction to a rival's arms, times the rivalry's hostility.",
            "burden": "s: burden sharing between allies.",
            "noise": "b: yearly arms noise, a number or one per state.",
            "target": "The arms fixed point x* per state (default 1); or give `growth`.",
            "growth": "The drift g per state, instead of `target`.",
            "runaway": "Allow an unstable arms system (refused otherwise, with its eigenvalue).",
            "phi": "How much arms move a state's crisis capability.",
            "arms_bins": "Bins of the arms histogram (below).",
            "lambda0": "Crises per rival dyad-year at hostility 1.",
            "beta": "Log of the rise in the crisis rate during an arms race.",
            "tau": "Growth in arms over three years that counts as a race.",
            "arrivals": "Where crises arrive: `rivalries`, or a list of dyads (below).",
            "alpha": "Trust gained by an honoured obligation: r += alpha (r_max - r).",
            "delta": "Trust lost by a failed obligation: r *= 1 - delta.",
            "r_max": "The ceiling of trust.",
            "r_min": "A treaty whose reliability falls below this dissolves.",
            "pi_d": "The probability that a treaty that failed in a crisis dissolves.",
            "background": "Background exit hazard per year by treaty kind (default: ATOP by era).",
            "epsilon": "Domino: reliability lost by treaties sharing a member with a dissolved one.",
            "term": "A term (years) for every treaty without its own.",
            "review": "Years between renewal decisions after the first.",
            "renewal": "The probability of renewing at each decision.",
            "systemic": "Which crises count as systemic wars (below).",
            "stop_at_systemic": "End a history at its first systemic war.",
        },
        ["Give `target` or `growth`, not both."],
    ),
    (
        "`horizon.arrivals` (each entry)",
        Arrival,
        {
            "states": "The dyad.",
            "intensity": "Crisis rate relative to lambda0.",
            "initiator": "Which state initiates (default: either, with probability ½).",
        },
        [],
    ),
    (
        "`horizon.systemic`",
        Systemic,
        {
            "level": "The final level that makes a crisis a systemic war (default: the top level).",
            "majors": "At least this many major powers on each side.",
        },
        [],
    ),
    (
        "`horizon.arms_bins`",
        ArmsBins,
        {"lo": "Lower edge of the bins.", "hi": "Upper edge of the bins.", "n": "Number of equal bins."},
        [],
    ),
]


def _bound(meta: list) -> tuple[Any, Any, Any]:
    lo = hi = min_len = None
    for m in meta:
        if isinstance(m, FieldInfo):
            a, b, c = _bound(m.metadata)
            lo, hi, min_len = a if a is not None else lo, b if b is not None else hi, c or min_len
        elif isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Le):
            hi = m.le
        elif isinstance(m, annotated_types.MinLen):
            min_len = m.min_length
    return lo, hi, min_len


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x)


def type_text(annotation: Any, meta: list | None = None) -> str:
    """A type in words, with its constraints: ``number in [0, 1]``, ``list of text``, ..."""
    meta = list(meta or [])
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0], meta + list(args[1:]))
    lo, hi, min_len = _bound(meta)
    one_of = [m for m in meta if isinstance(m, OneOf)]
    if one_of:
        choices = one_of[0].choices()
        text = f"`{choices[0]}`" if len(choices) == 1 else "one of " + ", ".join(f"`{a}`" for a in choices)
    elif origin in (typing.Union, types.UnionType):
        parts = [type_text(a) for a in args if a is not type(None)]
        text = " or ".join(dict.fromkeys(parts))
    elif origin is typing.Literal:
        text = f"`{args[0]}`" if len(args) == 1 else "one of " + ", ".join(f"`{a}`" for a in args)
    elif origin in (list, tuple):
        item = type_text(args[0]) if args else "value"
        first, _, rest = item.partition(" ")
        plural = {"text": "texts", "mapping": "mappings", "number": "numbers", "whole": "whole"}.get(
            first, first
        )
        item = f"{plural} {rest}".strip()
        count = f"{len(args)} " if origin is tuple and Ellipsis not in args else ""
        text = f"list of {count}{item}"
        if min_len:
            text += f" (at least {min_len})"
    elif origin is dict:
        key, value = (type_text(a) for a in args)
        text = f"mapping of {key} to {value}"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        text = "mapping"
    else:
        text = {str: "text", int: "whole number", float: "number", bool: "true or false"}.get(
            annotation, getattr(annotation, "__name__", str(annotation))
        )
        if min_len and annotation is str:
            text = "text (not empty)"
    if lo is not None and hi is not None:
        text += f" in [{_num(lo)}, {_num(hi)}]"
    elif lo is not None:
        text += f" ≥ {_num(lo)}"
    elif hi is not None:
        text += f" ≤ {_num(hi)}"
    return text


def _default_text(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.get_default(call_default_factory=True)
        if isinstance(value, BaseModel):
            return "all defaults"
        if value == [] or value == {}:
            return "none" if not (model is Horizon and name == "background") else "ATOP rates by era"
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    value = field.default
    if value is None or value is PydanticUndefined:
        if model is Treaty and name in ("reliability", "trigger"):
            return "by kind"
        if model is Rivalry and name == "trigger":
            return "the war level"
        if model is State and name == "name":
            return "the code"
        if model is Neighbours and name == "trigger":
            return "the war level"
        if model is Border and name in ("joining", "trigger"):
            return "from `neighbours`"
        if model is Treaty and name in ("term", "review", "renewal"):
            return f"`horizon.{name}`"
        return "none"
    if value == "":
        return '""'
    return _num(value)


def _model_table(model: type[BaseModel], meanings: dict[str, str]) -> list[str]:
    missing = [k for k in model.model_fields if k not in meanings]
    stale = [k for k in meanings if k not in model.model_fields]
    if missing or stale:
        raise KeyError(
            f"{model.__name__}: keys without a meaning in tripwire.world.reference: {missing}; "
            f"meanings of keys the model no longer has: {stale}"
        )
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        kind = type_text(field.annotation, field.metadata)
        lines.append(f"| `{name}` | {kind} | {_default_text(model, name, field)} | {meanings[name]} |")
    return lines


def _defaults_by_kind() -> list[str]:
    def trigger(value: Any) -> str:
        if value == defaults.WAR_LEVEL:
            return "the war level"
        if value is None:
            return "(none: a pledge binds)"
        return "the first level" if value == 0 else str(value)

    lines = ["| kind | reliability | trigger | obligation |", "|---|---|---|---|"]
    for kind in kinds.KINDS.values():
        lines.append(f"| `{kind.name}` | {kind.reliability:g} | {trigger(kind.trigger)} | {kind.meaning} |")
    return lines


def generate() -> str:
    """The generated part of ``docs/world-file.md`` (Markdown)."""
    out: list[str] = [BEGIN, ""]
    for title, model, meanings, rules in SECTIONS:
        out += [f"### {title}", ""]
        out += _model_table(model, meanings)
        if rules:
            out.append("")
            out += [f"- {rule}" for rule in rules]
        out.append("")
    out += ["### Defaults by treaty kind", ""]
    out += _defaults_by_kind()
    out += [
        "",
        f"Rivalries default to hostility {defaults.RIVALRY_HOSTILITY:g} and trigger at the war level. "
        f"The default ladder is {', '.join(defaults.LADDER_LEVELS)} with `{defaults.LADDER_WAR}` as the war "
        f"level; escalation defaults are up {defaults.UP:g} and settle {defaults.SETTLE:g} at every level, "
        f"deterrence {defaults.DETERRENCE:g}, misperception {defaults.MISPERCEPTION:g}, max_rounds "
        f"{defaults.MAX_ROUNDS}; every policy defaults to 0.",
        "",
        "### A complete example",
        "",
        "Every key of the format, each with a comment (`tripwire new my_world.yaml` writes this file):",
        "",
        "```yaml",
        template("my_world", "my_world.yaml").rstrip(),
        "```",
        "",
        END,
    ]
    return "\n".join(out)


def rewrite(path: str | Path) -> bool:
    """Replace the generated part of the page at ``path``; ``True`` if it changed."""
    path = Path(path)
    text = path.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new = head + generate() + tail
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {'rewritten' if rewrite(arg) else 'already in step'}")
