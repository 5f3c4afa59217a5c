"""The world model: validated pydantic models and the world-file loader (the format is described
in ``docs/world-file.md``).

Validation resolves every default (see :mod:`tripwire.defaults`), so a validated :class:`World`
is the *resolved* world: ``world.model_dump()`` is explicit and re-validates to the same world.

Worlds are validated on assignment too: ``world.policy.communication = 5.0`` raises
:class:`~tripwire.errors.WorldError` and leaves the world as it was. A change the assignment cannot
see (a list changed in place, a value that only conflicts with another part of the world) is
caught when the world is used: :func:`load_world` and :func:`tripwire.simulate` validate a
:class:`World` again before running it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from .. import defaults
from ..config import (
    NonNegative,
    Probability,
    StrictModel,
    format_errors,
    problems,
    read_mapping,
    read_text,
)
from ..errors import WorldError
from . import kinds
from .horizon import Horizon, horizon_problems

__all__ = [
    "World",
    "State",
    "Treaty",
    "Rivalry",
    "Origin",
    "Border",
    "Neighbours",
    "Ladder",
    "Escalation",
    "Policy",
    "WorldError",
    "load_world",
    "bundled_scenarios",
    "format_errors",
]

Level = str | int


def _put(model: BaseModel, name: str, value: Any) -> None:
    """Set a resolved value inside a validator (no validation again: it would recurse)."""
    model.__dict__[name] = value


def _unknown_code(where: str, code: str, codes: list[str]) -> str:
    distinct = list(dict.fromkeys(codes))
    known_list = ", ".join(distinct[:40]) + (", ..." if len(distinct) > 40 else "")
    hint = difflib.get_close_matches(code, codes, n=1)
    return (
        f"{where} lists unknown state '{code}'"
        + (f" (did you mean '{hint[0]}'?)" if hint else "")
        + f"; known codes: {known_list}"
    )


class Ladder(StrictModel):
    """Ordered escalation levels and the one that counts as war."""

    levels: list[str] = Field(default_factory=lambda: list(defaults.LADDER_LEVELS), min_length=1)
    war: Level = defaults.LADDER_WAR

    @model_validator(mode="after")
    def _check(self) -> Ladder:
        dupes = sorted({x for x in self.levels if self.levels.count(x) > 1})
        if dupes:
            raise ValueError(f"ladder.levels repeats {dupes}; each level name must be unique")
        _put(self, "war", self.levels[self.index(self.war, "ladder.war")])
        return self

    def index(self, level: Level, where: str) -> int:
        """Index of a level given by name or index; ``ValueError`` naming ``where`` otherwise."""
        if isinstance(level, bool):
            raise ValueError(f"{where}: expected a level name or index, saw {level!r}")
        if isinstance(level, int):
            if 0 <= level < len(self.levels):
                return level
            raise ValueError(
                f"{where}: level index {level} is outside the ladder (0..{len(self.levels) - 1})"
            )
        if level in self.levels:
            return self.levels.index(level)
        raise ValueError(f"{where}: unknown level {level!r}; ladder levels: {', '.join(self.levels)}")

    @property
    def war_index(self) -> int:
        return self.levels.index(str(self.war))


class Escalation(StrictModel):
    """Per-round hazards. ``up``/``settle`` take one value per level (``up``: all but the top) or one
    number for all levels."""

    up: list[Probability] | Probability = defaults.UP
    settle: list[Probability] | Probability = defaults.SETTLE
    deterrence: NonNegative = defaults.DETERRENCE
    misperception: NonNegative = defaults.MISPERCEPTION
    max_rounds: Annotated[int, Field(ge=0, le=100_000)] = defaults.MAX_ROUNDS


class Policy(StrictModel):
    """Conflict-prevention knobs (communication, dispute resolution, confidence building; see
    ``docs/model.md``) and the defection probability."""

    communication: Probability = 0.0
    dispute_resolution: Probability = 0.0
    confidence_building: Probability = 0.0
    defection: Probability = 0.0


class State(StrictModel):
    code: Annotated[str, Field(min_length=1)]
    name: str | None = None
    capability: NonNegative
    ccode: int | None = None
    major: bool | None = None

    @model_validator(mode="after")
    def _name(self) -> State:
        if self.name is None:
            _put(self, "name", self.code)
        return self


class Treaty(StrictModel):
    name: Annotated[str, Field(min_length=1)]
    kind: kinds.KindName
    members: list[str]
    reliability: Probability | None = None
    trigger: Level | None = None
    guarantors: list[str] | None = None
    signed: int | None = None
    ended: int | None = None
    atopid: int | None = None
    # the long-horizon model (tripwire.world.horizon): years to the first renewal decision (0: none),
    # years between later decisions, probability of renewing at each
    term: Annotated[int, Field(ge=0, le=10_000)] | None = None
    review: Annotated[int, Field(ge=1, le=10_000)] | None = None
    renewal: Probability | None = None

    @model_validator(mode="after")
    def _check(self) -> Treaty:
        label = f"treaty '{self.name}'"
        if len(set(self.members)) < 2:
            raise ValueError(
                f"{label} has {len(set(self.members))} distinct member(s) {self.members}; "
                "a treaty needs at least two members"
            )
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"{label} lists a member twice: {self.members}")
        if self.guarantors is not None:
            if not self.guarantors:
                raise ValueError(f"{label}: guarantors is empty; leave it out for a mutual treaty")
            outside = [g for g in self.guarantors if g not in self.members]
            if outside:
                raise ValueError(
                    f"{label}: guarantor(s) {outside} are not members {self.members}; "
                    "every guarantor must also be listed in members"
                )
        if self.reliability is None:
            _put(self, "reliability", kinds.get(self.kind).reliability)
        return self

    @property
    def is_pledge(self) -> bool:
        return kinds.get(self.kind).pledge

    @property
    def kernel_kind(self) -> int:
        """The kernel edge kind of the treaty's obligations (:mod:`tripwire.world.kinds`); a pledge
        has none."""
        kernel = kinds.get(self.kind).kernel
        if kernel is None:
            raise ValueError(f"treaty {self.name!r} is a {self.kind} pledge: it has no kernel edge kind")
        return kernel


class Rivalry(StrictModel):
    states: tuple[str, str]
    hostility: Probability = defaults.RIVALRY_HOSTILITY
    trigger: Level | None = None
    #: Optional rivalry types (Thompson: positional, spatial, ideological, interventionary); a
    #: profile may give each type its own hostility.
    types: list[str] | None = None

    @field_validator("states")
    @classmethod
    def _distinct(cls, v: tuple[str, str]) -> tuple[str, str]:
        if v[0] == v[1]:
            raise ValueError(f"a rivalry needs two different states, saw {list(v)}")
        return v


class Origin(StrictModel):
    """Where a crisis starts: the originators on each side (a code or a list of codes) and the
    origin's weight among the world's origins."""

    initiator: str | list[str]
    target: str | list[str]
    weight: NonNegative = 1.0

    @model_validator(mode="after")
    def _distinct(self) -> Origin:
        for role, codes in (("initiator", self.initiators), ("target", self.targets)):
            if not codes:
                raise ValueError(f"origin {self.label}: the {role} side is empty; give at least one state")
            if len(set(codes)) != len(codes):
                raise ValueError(f"origin {self.label}: the {role} side lists a state twice")
        if self.initiators == self.targets and len(self.targets) == 1:
            raise ValueError(
                f"origin {self.label}: initiator and target are the same state; "
                "a crisis needs two different states"
            )
        both = sorted(set(self.initiators) & set(self.targets))
        if both:
            raise ValueError(
                f"origin {self.label}: {', '.join(both)} on both sides; a crisis needs different states "
                "on its two sides"
            )
        return self

    @property
    def initiators(self) -> list[str]:
        return [self.initiator] if isinstance(self.initiator, str) else list(self.initiator)

    @property
    def targets(self) -> list[str]:
        return [self.target] if isinstance(self.target, str) else list(self.target)

    @property
    def label(self) -> str:
        """``A->B``, or ``A+B->C`` with several originators a side."""
        return f"{'+'.join(self.initiators)}->{'+'.join(self.targets)}"


BorderType = Literal["land", "sea12", "sea24", "sea150", "sea400"]


class BorderJoining(StrictModel):
    """Probability that a neighbour of a participant joins against it, by contiguity type (COW
    direct contiguity: land or river; across at most 12, 24, 150 or 400 miles of water)."""

    land: Probability = defaults.BORDER_JOINING["land"]
    sea12: Probability = defaults.BORDER_JOINING["sea12"]
    sea24: Probability = defaults.BORDER_JOINING["sea24"]
    sea150: Probability = defaults.BORDER_JOINING["sea150"]
    sea400: Probability = defaults.BORDER_JOINING["sea400"]


class Neighbours(StrictModel):
    """How borders act: the joining probability by contiguity type and the level from which a
    neighbour may join."""

    joining: BorderJoining = Field(default_factory=BorderJoining)
    trigger: Level | None = None


class Border(StrictModel):
    """Two states that share a border (or lie within 400 miles across water): either may join
    against the other when it takes part in a crisis."""

    states: tuple[str, str]
    type: BorderType = "land"
    joining: Probability | None = None
    trigger: Level | None = None

    @field_validator("states")
    @classmethod
    def _distinct(cls, v: tuple[str, str]) -> tuple[str, str]:
        if v[0] == v[1]:
            raise ValueError(f"a border needs two different states, saw {list(v)}")
        return v


class World(StrictModel):
    """A validated, resolved world: states, treaties, rivalries, crisis origins and the model's
    parameters. Build one with :func:`load_world` or ``World.model_validate(dict)``."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    ladder: Ladder = Field(default_factory=Ladder)
    escalation: Escalation = Field(default_factory=Escalation)
    policy: Policy = Field(default_factory=Policy)
    states: list[State] = Field(min_length=2)
    treaties: list[Treaty] = Field(default_factory=list)
    rivalries: list[Rivalry] = Field(default_factory=list)
    neighbours: Neighbours | None = None
    borders: list[Border] = Field(default_factory=list)
    origins: list[Origin] | Literal["rivalries"]
    horizon: Horizon | None = None
    #: The year the world describes (profiles with values by era need it).
    year: int | None = None
    #: A profile (``configs/profiles``) that supplies every value the world leaves out; see
    #: :mod:`tripwire.world.profile`.
    profile: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("profile") is not None:
            from .profile import apply_profile

            return apply_profile(data)
        return data

    @model_validator(mode="after")
    def _cross_check(self) -> World:
        problems: list[str] = []
        codes = [s.code for s in self.states]
        known = set(codes)
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            problems.append(f"states: duplicate state code(s) {dupes}; each code must be unique")

        def unknown(where: str, code: str) -> None:
            problems.append(_unknown_code(where, code, codes))

        n_levels = len(self.ladder.levels)
        esc = self.escalation
        for field, want in (("up", n_levels - 1), ("settle", n_levels)):
            value = getattr(esc, field)
            if isinstance(value, list):
                if len(value) != want:
                    problems.append(
                        f"escalation.{field} has {len(value)} value(s) but the ladder "
                        f"({n_levels} levels) needs {want}"
                        + (" (one per level except the top)" if field == "up" else " (one per level)")
                    )
            else:
                _put(esc, field, [float(value)] * want)

        names = [t.name for t in self.treaties]
        dup_names = sorted({n for n in names if names.count(n) > 1})
        if dup_names:
            problems.append(f"treaties: duplicate treaty name(s) {dup_names}; names label the results")
        for k, t in enumerate(self.treaties):
            for m in t.members:
                if m not in known:
                    unknown(f"treaties[{k}] '{t.name}' members", m)
            trigger = self._default_trigger(kinds.get(t.kind).trigger) if t.trigger is None else t.trigger
            if trigger is not None:
                try:
                    _put(
                        t,
                        "trigger",
                        self.ladder.levels[self.ladder.index(trigger, f"treaties[{k}] '{t.name}' trigger")],
                    )
                except ValueError as exc:
                    problems.append(str(exc))

        pairs = set()
        for k, r in enumerate(self.rivalries):
            for m in r.states:
                if m not in known:
                    unknown(f"rivalries[{k}] states", m)
            pair = frozenset(r.states)
            if pair in pairs:
                problems.append(f"rivalries[{k}]: rivalry {list(r.states)} is listed twice")
            pairs.add(pair)
            trigger = self._default_trigger(defaults.RIVALRY_TRIGGER) if r.trigger is None else r.trigger
            assert trigger is not None  # rivalries always have a default trigger
            try:
                _put(r, "trigger", self.ladder.levels[self.ladder.index(trigger, f"rivalries[{k}] trigger")])
            except ValueError as exc:
                problems.append(str(exc))

        if self.borders and self.neighbours is None:
            _put(self, "neighbours", Neighbours())
        if self.neighbours is not None:
            trigger = self.neighbours.trigger
            trigger = self._default_trigger(defaults.BORDER_TRIGGER) if trigger is None else trigger
            assert trigger is not None  # borders always have a default trigger
            try:
                _put(
                    self.neighbours,
                    "trigger",
                    self.ladder.levels[self.ladder.index(trigger, "neighbours.trigger")],
                )
            except ValueError as exc:
                problems.append(str(exc))
        pairs = set()
        for k, b in enumerate(self.borders):
            for m in b.states:
                if m not in known:
                    unknown(f"borders[{k}] states", m)
            pair = frozenset(b.states)
            if pair in pairs:
                problems.append(f"borders[{k}]: border {list(b.states)} is listed twice")
            pairs.add(pair)
            if b.trigger is not None:
                try:
                    _put(
                        b,
                        "trigger",
                        self.ladder.levels[self.ladder.index(b.trigger, f"borders[{k}] trigger")],
                    )
                except ValueError as exc:
                    problems.append(str(exc))

        if self.origins == "rivalries":
            if not any(r.hostility > 0 for r in self.rivalries):
                problems.append(
                    "origins: 'rivalries' needs at least one rivalry with hostility > 0; "
                    "add rivalries or list origins explicitly"
                )
        else:
            if not self.origins:
                problems.append("origins: the list is empty; give at least one {initiator, target}")
            for k, o in enumerate(self.origins):
                for role, codes in (("initiator", o.initiators), ("target", o.targets)):
                    for code in codes:
                        if code not in known:
                            unknown(f"origins[{k}] {role}", code)
            if self.origins and sum(o.weight for o in self.origins) <= 0:
                problems.append("origins: every weight is 0; at least one origin needs weight > 0")

        if self.horizon is not None and not problems:
            problems.extend(horizon_problems(self))

        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _default_trigger(self, default: str | int | None) -> str | int | None:
        return self.ladder.war if default == defaults.WAR_LEVEL else default

    @classmethod
    def _more_problems(cls, data: dict) -> list[str]:
        """The cross-references of :meth:`_cross_check`, read from raw data whose fields did not all
        validate (any part that is itself malformed is skipped: its own problem is reported)."""

        def entries(key: str) -> list[tuple[int, dict]]:
            value = data.get(key)
            if not isinstance(value, list):
                return []
            return [(k, x) for k, x in enumerate(value) if isinstance(x, dict)]

        def text(values: Any) -> list[str]:
            if isinstance(values, str):
                return [values]
            return [v for v in values if isinstance(v, str)] if isinstance(values, list | tuple) else []

        problems: list[str] = []
        codes = [s["code"] for _, s in entries("states") if isinstance(s.get("code"), str) and s["code"]]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            problems.append(f"states: duplicate state code(s) {dupes}; each code must be unique")
        ladder = data.get("ladder", {})
        levels = ladder.get("levels", list(defaults.LADDER_LEVELS)) if isinstance(ladder, dict) else None
        if not (isinstance(levels, list) and levels and all(isinstance(x, str) for x in levels)):
            levels = None
        escalation = data.get("escalation")
        if levels is not None and isinstance(escalation, dict):
            n_levels = len(levels)
            for field, want in (("up", n_levels - 1), ("settle", n_levels)):
                value = escalation.get(field)
                if isinstance(value, list) and len(value) != want:
                    problems.append(
                        f"escalation.{field} has {len(value)} value(s) but the ladder "
                        f"({n_levels} levels) needs {want}"
                        + (" (one per level except the top)" if field == "up" else " (one per level)")
                    )

        def trigger(where: str, value: Any) -> None:
            if levels is None or value is None or isinstance(value, bool):
                return
            if isinstance(value, str) and value not in levels:
                problems.append(f"{where}: unknown level {value!r}; ladder levels: {', '.join(levels)}")
            elif isinstance(value, int) and not 0 <= value < len(levels):
                problems.append(f"{where}: level index {value} is outside the ladder (0..{len(levels) - 1})")

        def unknown(where: str, values: Any) -> None:
            if codes:  # without any valid state there is nothing to check against
                problems.extend(_unknown_code(where, m, codes) for m in text(values) if m not in codes)

        names = [t["name"] for _, t in entries("treaties") if isinstance(t.get("name"), str)]
        dup_names = sorted({n for n in names if names.count(n) > 1})
        if dup_names:
            problems.append(f"treaties: duplicate treaty name(s) {dup_names}; names label the results")
        for k, t in entries("treaties"):
            label = f"treaties[{k}] '{t.get('name')}'"
            unknown(f"{label} members", t.get("members"))
            trigger(f"{label} trigger", t.get("trigger"))
        for k, r in entries("rivalries"):
            unknown(f"rivalries[{k}] states", r.get("states"))
            trigger(f"rivalries[{k}] trigger", r.get("trigger"))
        for k, b in entries("borders"):
            unknown(f"borders[{k}] states", b.get("states"))
            trigger(f"borders[{k}] trigger", b.get("trigger"))
        for k, o in entries("origins"):
            for role in ("initiator", "target"):
                unknown(f"origins[{k}] {role}", o.get(role))
        return problems

    # -- conveniences -------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.states]

    def resolved(self) -> dict[str, Any]:
        """The resolved world as a plain dict (every default explicit; a world without borders
        leaves the key out, so worlds that do not use them keep their form and hash)."""
        data = self.model_dump(mode="json", exclude_none=True)
        if not data["borders"]:
            del data["borders"]
        return data

    def to_json(self) -> str:
        return json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.resolved(), sort_keys=False, allow_unicode=True)

    @property
    def hash(self) -> str:
        """sha256 of the canonical JSON of the resolved world."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


# -- loading ------------------------------------------------------------------------------------
def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with tripwire (``load_world(name)`` takes them)."""
    root = resources.files("tripwire.scenarios")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def _read_source(source: str | Path) -> tuple[dict, str]:
    path = Path(source)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"world file {str(path)!r} does not exist")
        label = str(path)
        if path.is_dir():
            hint = (
                "; it looks like a result store: `tripwire show` prints it"
                if (path / "zarr.json").is_file()
                else ""
            )
            raise WorldError(
                f"{label}: is a folder, not a world file{hint}; give a world file (.yaml) or the name "
                f"of a bundled scenario ({', '.join(bundled_scenarios())})"
            )
        text = read_text(path, "world", WorldError)
        data = read_mapping(text, label, "world", WorldError)
        if "states" not in data and {"world", "params"} & set(data):
            raise WorldError(
                f"{label}: this is a sweep file (it has `world:` and `params:`), not a world file; run it "
                f"with `tripwire sweep {label} --out STORE.zarr` (or tripwire.sweep in Python)"
            )
        return data, label
    else:
        name = str(source)
        res = resources.files("tripwire.scenarios") / f"{name}.yaml"
        if not res.is_file():
            raise FileNotFoundError(
                f"{name!r} is neither a world file nor a bundled scenario; "
                f"bundled scenarios: {', '.join(bundled_scenarios())}"
            )
        text, label = res.read_text(), f"scenario {name!r}"
    return read_mapping(text, label, "world", WorldError), label


def load_world(source: str | Path | dict | World) -> World:
    """Load and validate a world.

    Parameters
    ----------
    source
        A path to a YAML world file, the name of a bundled scenario (see
        :func:`bundled_scenarios`), a dict with the world-file keys, or a :class:`World` (validated
        again, so that a world changed after loading cannot bypass the checks).

    Raises
    ------
    WorldError
        Listing every problem with where it is and how to fix it.

    Examples
    --------
    >>> import tripwire
    >>> world = tripwire.load_world("july1914")
    >>> world.origins[0].label
    'AUH->SRB'
    """
    if isinstance(source, World):
        # validate again: the world may have been changed in ways assignment cannot see
        # (a list changed in place, a value that conflicts with another part of the world)
        try:
            again = World.model_validate(source.model_dump(mode="python", warnings=False))
        except ValidationError as exc:
            raise WorldError(problems(f"world {source.name!r} (changed after it was loaded)", exc)) from None
        return source if again == source else again
    if isinstance(source, dict):
        data, label = source, "world"
    else:
        data, label = _read_source(source)
    try:
        return World.model_validate(data)
    except ValidationError as exc:
        raise WorldError(problems(label, exc)) from None
