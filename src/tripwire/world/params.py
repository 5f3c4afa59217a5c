"""Parameter paths: named places in a world that a sweep varies (see ``docs/sweeps.md``).

Grammar
-------
A path names one value (or one group of values) of a world::

    escalation.deterrence              deterrence gamma >= 0
    escalation.misperception           misperception sigma >= 0
    escalation.up[K]                   hazard of climbing from level K (an index or a level name;
                                       every level but the top)
    escalation.settle[K]               hazard of settling at level K (every level)
    escalation.up / escalation.settle  every level at once
    policy.communication               the policy knobs (``docs/model.md``), each in [0, 1]
    policy.dispute_resolution
    policy.confidence_building
    policy.defection                   probability that a failed ally joins the other side
    treaties.reliability               the reliability of every obligation treaty at once
    treaty.<name>.reliability          one treaty's reliability (not for neutrality or
                                       non-aggression pledges: the crisis model does not use it)
    treaty.<name>.active               true keeps the treaty, false removes it (alliance breakdown)
    state.<code>.capability            a state's capability >= 0
    neighbours.joining.<type>          joining probability of borders of one contiguity type
                                       (land, sea12, sea24, sea150, sea400; worlds with borders)

The long-horizon model (``tripwire.horizon``) adds::

    horizon.<field>                    a field of the horizon: section: lambda0, beta, tau, phi,
                                       fatigue, reaction, burden, noise (every state at once),
                                       alpha, delta, r_max, r_min, pi_d, epsilon, renewal
                                       (numbers); term, review (whole years)
    treaty.<name>.term                 one treaty's term, review (whole years) or renewal
    treaty.<name>.review               probability
    treaty.<name>.renewal
    treaties.term                      the term of every treaty at once (0: none)

``<name>`` is a treaty name exactly as in the world file (it may contain spaces, dots and
brackets: everything between ``treaty.`` and the last ``.`` is the name); ``<code>`` is a state
code.

When one point sets several paths, they apply in a fixed order whatever the order given: the paths
that set many values (``treaties.reliability``, ``escalation.up``, ``escalation.settle``) first,
then every other value, then treaty removals. So a specific ``treaty.<name>.reliability`` overrides
the general ``treaties.reliability``, and ``escalation.up[2]`` overrides ``escalation.up``.

The world model's own rules decide which values are valid: after the values are set the world is
validated again, and a value it rejects is an error naming the path and the rule. Paths that would
change the shape of the results (``escalation.max_rounds``, the ladder, states, origins) are not
sweepable.

Examples
--------
>>> import tripwire
>>> world = tripwire.load_world("taiwan1958")
>>> tripwire.apply_params(world, {"policy.communication": 0.5}).policy.communication
0.5
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from ..errors import ParamError, WorldError
from . import kinds
from .model import BorderJoining, Policy, World, format_errors

__all__ = [
    "Param",
    "ParamError",
    "PATH_FORMS",
    "CRISIS_PATH_FORMS",
    "HORIZON_PATH_FORMS",
    "SECTION_PATHS",
    "parse_path",
    "valid_paths",
    "coerce_value",
    "apply_params",
    "apply_to_dict",
]

#: The forms of the paths every model reads (the crisis model's; the long-horizon model runs it too).
CRISIS_PATH_FORMS = (
    "escalation.deterrence",
    "escalation.misperception",
    "escalation.up[K]",
    "escalation.settle[K]",
    "escalation.up",
    "escalation.settle",
    "policy.communication",
    "policy.dispute_resolution",
    "policy.confidence_building",
    "policy.defection",
    "treaties.reliability",
    "treaty.<name>.reliability",
    "treaty.<name>.active",
    "state.<code>.capability",
    "neighbours.joining.<type>",
)
#: The forms of the paths only the long-horizon model reads.
HORIZON_PATH_FORMS = (
    "horizon.<field>",
    "treaty.<name>.term",
    "treaty.<name>.review",
    "treaty.<name>.renewal",
    "treaties.term",
)
#: The forms a path can take (shown in error messages); each model declares which it adds
#: (:data:`tripwire.sweep.models.MODELS`).
PATH_FORMS = CRISIS_PATH_FORMS + HORIZON_PATH_FORMS
#: Sweepable fields of the horizon: section: name -> (kind, lo, hi, description).
HORIZON_PATHS: dict[str, tuple[Literal["float", "int"], float, float, str]] = {
    "lambda0": ("float", 0.0, math.inf, "crises per dyad-year at intensity 1"),
    "beta": ("float", -math.inf, math.inf, "log of the crisis-rate ratio during an arms race"),
    "tau": ("float", -math.inf, math.inf, "three-year arms growth that makes a race"),
    "phi": ("float", 0.0, math.inf, "share of capability that moves with arms"),
    "fatigue": ("float", 0.0, math.inf, "Richardson fatigue a of every state"),
    "reaction": ("float", 0.0, math.inf, "Richardson reaction k to rivals"),
    "burden": ("float", 0.0, math.inf, "burden sharing s among allies"),
    "noise": ("float", 0.0, math.inf, "arms noise b of every state"),
    "alpha": ("float", 0.0, 1.0, "trust gained per honoured obligation"),
    "delta": ("float", 0.0, 1.0, "share of reliability lost per failed obligation"),
    "r_max": ("float", 0.0, 1.0, "the reliability trust climbs toward"),
    "r_min": ("float", 0.0, 1.0, "reliability below which a lowered treaty dissolves"),
    "pi_d": ("float", 0.0, 1.0, "probability that a failing treaty dissolves"),
    "epsilon": ("float", 0.0, 1.0, "domino loss of reliability"),
    "renewal": ("float", 0.0, 1.0, "probability of renewing a treaty at each decision"),
    "term": ("int", 0.0, 10_000.0, "term of every treaty without its own (0: none)"),
    "review": ("int", 1.0, 10_000.0, "years between renewal decisions"),
}
#: The world's model sections with sweepable fields (``<section>.<field>``): section -> fields
#: as in :data:`HORIZON_PATHS`.
SECTION_PATHS: dict[str, dict[str, tuple[Literal["float", "int"], float, float, str]]] = {
    "horizon": HORIZON_PATHS,
}

_POLICY = tuple(Policy.model_fields)
_INDEXED = re.compile(r"^escalation\.(up|settle)(?:\[(?P<index>[^\]]*)\])?$")


@dataclass(frozen=True)
class Param:
    """One parsed parameter path.

    Attributes
    ----------
    path
        The path as written (the dimension or coordinate name in results).
    kind
        ``"float"`` or ``"bool"``.
    lo, hi
        The values the world model accepts (``hi`` may be ``inf``).
    target
        Where the value goes: ``("escalation", field)``, ``("escalation", field, index)`` (index
        ``None``: every level), ``("policy", field)``, ``("treaties",)``, ``("treaty", name, field)``,
        ``("state", code)``, ``("neighbours", type)`` or ``(section, field)`` (a field of a
        model's section of the world, :data:`SECTION_PATHS`).
    description
        What the path means, in words.
    """

    path: str
    kind: Literal["float", "bool", "int"]
    lo: float
    hi: float
    target: tuple
    description: str

    @property
    def order(self) -> int:
        """Application order: paths that set many values first, removals last."""
        if self.target[0] == "treaties" or (self.target[0] == "escalation" and self.target[2:] == (None,)):
            return 0
        if self.target[0] == "treaty" and self.target[2] == "active":
            return 2
        return 1


def _listing(names: list[str], limit: int = 40) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "") if names else "(none)"


def _unknown(path: str, world: World) -> ParamError:
    concrete = valid_paths(world)
    hint = difflib.get_close_matches(path, concrete, n=1, cutoff=0.6)
    return ParamError(
        f"unknown parameter path {path!r}"
        + (f" (did you mean {hint[0]!r}?)" if hint else "")
        + f"; valid paths: {', '.join(PATH_FORMS)}; "
        f"K is a level index or name ({', '.join(world.ladder.levels)}); "
        f"treaty names: {_listing([t.name for t in world.treaties])}; "
        f"state codes: {_listing(world.codes)}"
    )


def parse_path(path: str, world: World) -> Param:
    """Parse a parameter path against a world.

    Parameters
    ----------
    path
        A path of the grammar in the module docstring.
    world
        The world the path refers to (treaty names, state codes and levels are checked).

    Raises
    ------
    ParamError
        For an unknown path (listing the valid ones and the closest match), an unknown treaty,
        state or level, or a path that the crisis model would ignore.

    Examples
    --------
    >>> import tripwire
    >>> from tripwire.world.params import parse_path
    >>> world = tripwire.load_world("taiwan1958")
    >>> parse_path("escalation.up[1]", world).target
    ('escalation', 'up', 1)
    """
    if not isinstance(path, str):
        raise ParamError(f"a parameter path must be a string, saw {path!r} ({type(path).__name__})")
    inf = math.inf
    if path in ("escalation.deterrence", "escalation.misperception"):
        field = path.split(".")[1]
        return Param(path, "float", 0.0, inf, ("escalation", field), f"escalation {field}")
    m = _INDEXED.match(path)
    if m:
        field, index = m.group(1), m.group("index")
        levels = world.ladder.levels
        n = len(levels) - 1 if field == "up" else len(levels)
        what = "climbing from" if field == "up" else "settling at"
        if index is None:
            return Param(
                path, "float", 0.0, 1.0, ("escalation", field, None), f"hazard of {what} every level"
            )
        k = int(index) if re.fullmatch(r"\d+", index.strip()) else index.strip()
        if isinstance(k, str):
            if k not in levels:
                raise ParamError(
                    f"{path!r}: unknown level {k!r}; ladder levels: {', '.join(levels)} "
                    f"(or an index 0..{n - 1})"
                )
            k = levels.index(k)
        if not 0 <= k < n:
            valid = levels[:n]
            raise ParamError(
                f"{path!r}: escalation.{field} has one value per level"
                + (" except the top" if field == "up" else "")
                + f", so K must be 0..{n - 1} or one of {', '.join(valid)}"
            )
        return Param(path, "float", 0.0, 1.0, ("escalation", field, k), f"hazard of {what} {levels[k]}")
    if path.startswith("policy.") and path[7:] in _POLICY:
        return Param(path, "float", 0.0, 1.0, ("policy", path[7:]), f"policy {path[7:]}")
    if path == "treaties.reliability":
        if not any(not t.is_pledge for t in world.treaties):
            raise ParamError(
                f"{path!r}: world {world.name!r} has no obligation treaties (defense, offense, entente, "
                "consultation) whose reliability could vary"
            )
        return Param(path, "float", 0.0, 1.0, ("treaties",), "reliability of every obligation treaty")
    if path.startswith("treaty.") and path.count(".") >= 2:
        name, field = path[len("treaty.") :].rsplit(".", 1)
        names = [t.name for t in world.treaties]
        if field in ("reliability", "active"):
            if name not in names:
                hint = difflib.get_close_matches(name, names, n=1)
                raise ParamError(
                    f"{path!r}: unknown treaty {name!r}"
                    + (f" (did you mean {hint[0]!r}?)" if hint else "")
                    + f"; treaties of {world.name!r}: {_listing(names)}"
                )
            treaty = world.treaties[names.index(name)]
            if field == "active":
                return Param(path, "bool", 0.0, 1.0, ("treaty", name, "active"), f"treaty {name!r} in force")
            if treaty.is_pledge:
                raise ParamError(
                    f"{path!r}: {name!r} is a {treaty.kind} pledge; the crisis model does not use a "
                    "pledge's reliability, so sweeping it changes nothing; "
                    f"sweep 'treaty.{name}.active' instead"
                )
            return Param(path, "float", 0.0, 1.0, ("treaty", name, "reliability"), f"reliability of {name!r}")
    section, _, name = path.partition(".")
    if name in SECTION_PATHS.get(section, {}):
        s_kind, lo, hi, what = SECTION_PATHS[section][name]
        return Param(path, s_kind, lo, hi, (section, name), f"{section}: {what}")
    if path == "treaties.term":
        if not world.treaties:
            raise ParamError(f"{path!r}: world {world.name!r} has no treaties")
        return Param(path, "int", 0.0, 10_000.0, ("treaties", "term"), "term of every treaty (0: none)")
    if (
        path.startswith("treaty.")
        and path.count(".") >= 2
        and path.rsplit(".", 1)[1] in ("term", "review", "renewal")
    ):
        name, field = path[len("treaty.") :].rsplit(".", 1)
        names = [t.name for t in world.treaties]
        if name not in names:
            hint = difflib.get_close_matches(name, names, n=1)
            raise ParamError(
                f"{path!r}: unknown treaty {name!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; treaties of {world.name!r}: {_listing(names)}"
            )
        if field == "renewal":
            return Param(path, "float", 0.0, 1.0, ("treaty", name, field), f"renewal probability of {name!r}")
        lo = 0.0 if field == "term" else 1.0
        return Param(path, "int", lo, 10_000.0, ("treaty", name, field), f"{field} of {name!r} in years")
    if path.startswith("neighbours.joining."):
        kind = path[len("neighbours.joining.") :]
        types = list(BorderJoining.model_fields)
        if kind not in types:
            raise ParamError(f"{path!r}: unknown contiguity type {kind!r}; types: {', '.join(types)}")
        if not world.borders:
            raise ParamError(
                f"{path!r}: world {world.name!r} has no borders, so their joining probability changes nothing"
            )
        return Param(path, "float", 0.0, 1.0, ("neighbours", kind), f"joining probability of {kind} borders")
    if path.startswith("state.") and path.endswith(".capability") and path.count(".") >= 2:
        code = path[len("state.") : -len(".capability")]
        if code not in world.codes:
            hint = difflib.get_close_matches(code, world.codes, n=1)
            raise ParamError(
                f"{path!r}: unknown state {code!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; state codes of {world.name!r}: {_listing(world.codes)}"
            )
        return Param(path, "float", 0.0, inf, ("state", code), f"capability of {code}")
    raise _unknown(path, world)


def valid_paths(world: World) -> list[str]:
    """Every concrete parameter path of a world (levels by index), in grammar order."""
    levels = world.ladder.levels
    paths = ["escalation.deterrence", "escalation.misperception", "escalation.up", "escalation.settle"]
    paths += [f"escalation.up[{k}]" for k in range(len(levels) - 1)]
    paths += [f"escalation.settle[{k}]" for k in range(len(levels))]
    paths += [f"policy.{p}" for p in _POLICY]
    obligations = [t for t in world.treaties if not t.is_pledge]
    if obligations:
        paths.append("treaties.reliability")
    paths += [f"treaty.{t.name}.reliability" for t in obligations]
    paths += [f"treaty.{t.name}.active" for t in world.treaties]
    paths += [f"state.{c}.capability" for c in world.codes]
    paths += [f"{section}.{f}" for section, fields in SECTION_PATHS.items() for f in fields]
    if world.treaties:
        paths.append("treaties.term")
    paths += [f"treaty.{t.name}.{f}" for t in world.treaties for f in ("term", "review", "renewal")]
    if world.borders:
        paths += [f"neighbours.joining.{kind}" for kind in BorderJoining.model_fields]
    return paths


def coerce_value(param: Param, value: Any) -> float | bool:
    """Check one value against a parameter's type and range; return it as ``float`` or ``bool``.

    Raises
    ------
    ParamError
        Saying what was seen and what the path accepts.
    """
    if param.kind == "bool":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise ParamError(f"{param.path} takes true or false, saw {value!r}")
    if param.kind == "int":
        ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
        ok = ok or (isinstance(value, float | np.floating) and float(value).is_integer())
        if not ok or not param.lo <= value <= param.hi:
            raise ParamError(
                f"{param.path} takes a whole number of years in [{param.lo:g}, {param.hi:g}], saw {value!r}"
            )
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) and not _is_number(value):
        raise ParamError(f"{param.path} takes a number, saw {value!r} ({type(value).__name__})")
    x = float(value)
    if not math.isfinite(x) or x < param.lo or x > param.hi:
        rule = (
            "a probability in [0, 1]"
            if param.hi == 1.0
            else "a finite number >= 0"
            if param.lo == 0.0
            else "a finite number"
        )
        raise ParamError(f"{param.path} = {value!r} is outside its range: it must be {rule}")
    return x


def _is_number(value: Any) -> bool:
    kind = getattr(getattr(value, "dtype", None), "kind", "")
    return kind in "iuf" and kind != ""


def _set(data: dict, param: Param, value: Any, levels: list[str]) -> None:
    t = param.target
    if t[0] == "escalation":
        if len(t) == 2:
            data["escalation"][t[1]] = value
        else:
            n = len(levels) - 1 if t[1] == "up" else len(levels)
            current = data["escalation"][t[1]]
            current = list(current) if isinstance(current, list) else [current] * n
            if t[2] is None:
                current = [value] * n
            else:
                current[t[2]] = value
            data["escalation"][t[1]] = current
    elif t[0] == "policy":
        data.setdefault("policy", {})[t[1]] = value
    elif t[0] in SECTION_PATHS:
        data[t[0]] = {**(data.get(t[0]) or {}), t[1]: value}
    elif t[0] == "treaties" and t[1:] == ("term",):
        for treaty in data["treaties"]:
            treaty["term"] = value
    elif t[0] == "treaties":
        for treaty in data["treaties"]:
            if not kinds.get(treaty["kind"]).pledge:
                treaty["reliability"] = value
    elif t[0] == "treaty":
        if t[2] == "active":
            if not value:
                data["treaties"] = [x for x in data["treaties"] if x["name"] != t[1]]
        elif t[2] in ("term", "review", "renewal"):
            for treaty in data["treaties"]:
                if treaty["name"] == t[1]:
                    treaty[t[2]] = value
        else:
            for treaty in data["treaties"]:
                if treaty["name"] == t[1]:
                    treaty["reliability"] = value
    elif t[0] == "neighbours":
        data.setdefault("neighbours", {}).setdefault("joining", {})[t[1]] = value
    elif t[0] == "state":
        for state in data["states"]:
            if state["code"] == t[1]:
                state["capability"] = value


def apply_to_dict(base: Mapping, params: tuple[Param, ...] | list[Param], values) -> World:
    """Set ``values`` (one per param, in the same order) on a copy of a resolved world dict and
    validate it.

    This is the fast path used inside sweep tasks: ``base`` is ``world.resolved()`` and the params
    were parsed (and the values checked) once, before the sweep started.

    Raises
    ------
    WorldError
        When the world model rejects the result; the message names the paths and values set.
    """
    data = copy.deepcopy(dict(base))
    levels = list(data["ladder"]["levels"])
    for k in sorted(range(len(params)), key=lambda k: params[k].order):
        _set(data, params[k], values[k], levels)
    try:
        return World.model_validate(data)
    except ValidationError as exc:
        setting = ", ".join(f"{p.path} = {v!r}" for p, v in zip(params, values, strict=True))
        raise WorldError(f"setting {setting} gives an invalid world:\n{format_errors(exc)}") from None


def apply_params(world: World, values: Mapping[str, Any]) -> World:
    """Return a new world with the given parameter paths set (and validated again).

    Parameters
    ----------
    world
        A validated world.
    values
        ``{path: value}``; see the module docstring for the paths.

    Raises
    ------
    ParamError
        For an unknown path or a value outside the path's range.
    WorldError
        When the world model rejects the resulting world.

    Examples
    --------
    >>> import tripwire
    >>> world = tripwire.load_world("taiwan1958")
    >>> name = world.treaties[0].name
    >>> without = tripwire.apply_params(world, {f"treaty.{name}.active": False})
    >>> len(without.treaties) == len(world.treaties) - 1
    True
    """
    params = tuple(parse_path(path, world) for path in values)
    checked = tuple(coerce_value(p, values[p.path]) for p in params)
    return apply_to_dict(world.resolved(), params, checked)
