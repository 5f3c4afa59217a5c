"""Profiles: global parameters fitted to history, which a world can take (``profile: mid5``).

A profile (``configs/profiles/<name>.yaml``, written by ``tripwire calibrate``) holds the values
of a few global parameters, their uncertainty and the scores of the fit. A world that names a
profile takes from it every value it leaves out; what the world file says itself always wins:

============================  ================================================================
world key left out            value from the profile
============================  ================================================================
``ladder``                    the profile's ladder (a world with another ladder cannot use
                              the profile's escalation values and is refused)
``escalation.up``             ``up.<level>`` for each level below the top, by era
``escalation.settle``         ``1 - up`` per level (each round climbs or settles when the two
                              sides are even), 0 at the top, where the crisis stops anyway
``escalation.deterrence``     ``deterrence``
``escalation.misperception``  ``misperception``
treaty ``reliability``        ``reliability.alliance`` (defense, offense) or
                              ``reliability.consultation`` (entente, consultation), by era;
                              with ``treaty_reliability: per_partner`` divided by the number
                              of partners (members - 1), so that a pact's pull on its members
                              does not grow with its size
treaty ``trigger``            ``triggers.<kind>``
rivalry ``hostility``         ``hostility.<type>`` when the rivalry has one type the profile
                              knows (the largest when several), else ``hostility.rivalry``
rivalry ``trigger``           ``triggers.rivalry``
border ``joining``            ``joining.land`` or ``joining.sea`` (every sea type)
``neighbours.trigger``        ``triggers.border``
============================  ================================================================

A value may depend on the era: ``up.use.before_1945`` and ``up.use.from_1945``. The era comes
from the world's ``year``; a world that needs an era-dependent value and gives no ``year`` is
refused with a message saying so.

Examples
--------
>>> from tripwire.world.profile import load_profile
>>> profile = load_profile("mid5")
>>> profile.ladder["levels"]
['threat', 'display', 'use', 'war']
>>> 0 <= profile.value("deterrence", 1914)
True
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import defaults
from ..errors import WorldError
from . import kinds

__all__ = ["Profile", "load_profile", "bundled_profiles", "apply_profile", "ERAS", "era_of"]

#: Eras of era-dependent values: ``before_1945`` (years < 1945) and ``from_1945``.
ERAS = ("before_1945", "from_1945")
ERA_SPLIT = defaults.ERA_SPLIT_YEAR
_SEA = ("sea12", "sea24", "sea150", "sea400")


def era_of(year: int) -> str:
    """``"before_1945"`` or ``"from_1945"``."""
    return ERAS[0] if year < ERA_SPLIT else ERAS[1]


@dataclass
class Profile:
    """A loaded profile: ``values`` by name (era-dependent ones as ``name.<era>``), the ladder,
    the trigger levels by channel, and everything else the file records in ``record``."""

    name: str
    ladder: dict
    triggers: dict[str, str]
    values: dict[str, float]
    max_rounds: int = 50
    record: dict = field(default_factory=dict)

    def value(self, name: str, year: int | None) -> float:
        """The value of ``name`` for ``year`` (the era's value when the profile has one)."""
        if name in self.values:
            return float(self.values[name])
        eras = [f"{name}.{e}" for e in ERAS]
        if all(e in self.values for e in eras):
            if year is None:
                raise WorldError(
                    f"profile {self.name!r}: {name} depends on the era (before 1945 / from 1945); "
                    "give the world a year (year: 1914) to use it"
                )
            return float(self.values[f"{name}.{era_of(year)}"])
        raise WorldError(
            f"profile {self.name!r} has no value {name!r}; it has: {', '.join(sorted(self.values))}"
        )

    @property
    def per_partner(self) -> bool:
        """Whether treaty reliabilities are per pact and shared among the partners
        (``treaty_reliability: per_partner``)."""
        return self.record.get("treaty_reliability") == "per_partner"

    def has(self, name: str) -> bool:
        return name in self.values or all(f"{name}.{e}" in self.values for e in ERAS)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            **{k: v for k, v in self.record.items() if k not in ("name",)},
            "ladder": self.ladder,
            "max_rounds": self.max_rounds,
            "triggers": self.triggers,
            "values": self.values,
        }


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped with tripwire."""
    root = resources.files("tripwire.profiles")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def load_profile(source: str | Path | dict | Profile) -> Profile:
    """Load a profile: a bundled name (``"mid5"``), a path to a profile file, or a dict.

    Raises
    ------
    FileNotFoundError
        Neither a file nor a bundled profile.
    WorldError
        A file without the keys a profile needs.
    """
    if isinstance(source, Profile):
        return source
    if isinstance(source, dict):
        data, label = source, "profile"
    else:
        path = Path(source)
        if path.suffix in (".yaml", ".yml") or path.exists():
            if not path.is_file():
                raise FileNotFoundError(f"profile file {str(path)!r} does not exist")
            text, label = path.read_text(), f"profile file {str(path)!r}"
        else:
            res = resources.files("tripwire.profiles") / f"{source}.yaml"
            if not res.is_file():
                raise FileNotFoundError(
                    f"{str(source)!r} is neither a profile file nor a bundled profile; "
                    f"bundled profiles: {', '.join(bundled_profiles()) or '(none)'}"
                )
            text, label = res.read_text(), f"profile {str(source)!r}"
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise WorldError(f"{label}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise WorldError(f"{label}: a profile must be a mapping, saw {type(data).__name__}")
    missing = [k for k in ("name", "ladder", "triggers", "values") if k not in data]
    if missing:
        raise WorldError(f"{label} lacks key(s) {missing}; a profile needs name, ladder, triggers and values")
    record = {k: v for k, v in data.items() if k not in ("ladder", "triggers", "values", "max_rounds")}
    return Profile(
        name=str(data["name"]),
        ladder=dict(data["ladder"]),
        triggers=dict(data["triggers"]),
        values={str(k): float(v) for k, v in data["values"].items()},
        max_rounds=int(data.get("max_rounds", 50)),
        record=record,
    )


def rivalry_hostility(profile: Profile, types: Sequence[str] | None, year: int | None) -> float:
    """A rivalry's hostility under a profile: the largest of its types' values the profile has,
    else ``hostility.rivalry``."""
    known = [profile.value(f"hostility.{t}", year) for t in types or () if profile.has(f"hostility.{t}")]
    return max(known) if known else profile.value("hostility.rivalry", year)


def border_joining(profile: Profile, kind: str, year: int | None) -> float:
    """A border's joining probability under a profile (``joining.<type>`` when present, else
    ``joining.land`` / ``joining.sea``)."""
    if profile.has(f"joining.{kind}"):
        return profile.value(f"joining.{kind}", year)
    return profile.value("joining.sea" if kind in _SEA else "joining.land", year)


def treaty_reliability(profile: Profile, kind: str, year: int | None, members: int = 2) -> float | None:
    """An obligation treaty's reliability under a profile (None for pledges); with a per-partner
    profile the value is shared among the ``members - 1`` partners each member owes."""
    group = kinds.channel_of(kind)
    if group is None:
        return None
    value = profile.value(f"reliability.{group}", year)
    return value / max(1, members - 1) if profile.per_partner else value


def escalation_values(profile: Profile, year: int | None) -> dict[str, Any]:
    """``up``, ``settle``, ``deterrence``, ``misperception`` and ``max_rounds`` under a profile."""
    levels = profile.ladder["levels"]
    up = [profile.value(f"up.{lv}", year) for lv in levels[:-1]]
    return {
        "up": up,
        "settle": [1.0 - u for u in up] + [0.0],
        "deterrence": profile.value("deterrence", year),
        "misperception": profile.value("misperception", year),
        "max_rounds": profile.max_rounds,
    }


def _needs_profile(data: dict) -> bool:
    """Whether a world dict leaves out any value a profile would fill (a resolved world does not,
    so it loads without its profile file)."""
    esc = data.get("escalation") or {}
    if "ladder" not in data or any(k not in esc for k in ("up", "settle", "deterrence", "misperception")):
        return True
    for t in data.get("treaties") or []:
        if (
            isinstance(t, dict)
            and kinds.channel_of(t.get("kind")) is not None
            and ("reliability" not in t or "trigger" not in t)
        ):
            return True
    for r in data.get("rivalries") or []:
        if isinstance(r, dict) and ("hostility" not in r or "trigger" not in r):
            return True
    for b in data.get("borders") or []:
        if isinstance(b, dict) and "joining" not in b:
            return True
    return bool(data.get("borders")) and "neighbours" not in data


def apply_profile(data: dict, profile: str | Path | dict | Profile | None = None) -> dict:
    """A copy of a world dict with every value it leaves out taken from its profile (the table
    in the module notes). ``profile`` defaults to the dict's own ``profile`` key."""
    source = data.get("profile") if profile is None else profile
    if source is None or not _needs_profile(data):
        return data
    prof = load_profile(source)
    out = copy.deepcopy(data)
    out["profile"] = str(source) if isinstance(source, str | Path) else prof.name
    year = out.get("year")
    if "ladder" not in out:
        out["ladder"] = copy.deepcopy(prof.ladder)
    elif list(out["ladder"].get("levels", [])) != list(prof.ladder["levels"]):
        raise WorldError(
            f"profile {prof.name!r} was fitted on the ladder {', '.join(prof.ladder['levels'])}; this "
            f"world's ladder is {', '.join(out['ladder'].get('levels', []))}: leave the ladder out to "
            "take the profile's, or leave the profile out"
        )
    esc = dict(out.get("escalation") or {})
    needed = [k for k in ("up", "settle", "deterrence", "misperception", "max_rounds") if k not in esc]
    if needed:
        values = escalation_values(prof, year)
        esc.update({k: values[k] for k in needed})
    out["escalation"] = esc
    for t in out.get("treaties") or []:
        if isinstance(t, dict):
            if "reliability" not in t and kinds.channel_of(t.get("kind")) is not None:
                t["reliability"] = treaty_reliability(prof, t["kind"], year, len(t.get("members") or ()))
            if "trigger" not in t and t.get("kind") in prof.triggers:
                t["trigger"] = prof.triggers[t["kind"]]
    for r in out.get("rivalries") or []:
        if isinstance(r, dict):
            if "hostility" not in r:
                r["hostility"] = rivalry_hostility(prof, r.get("types"), year)
            if "trigger" not in r and "rivalry" in prof.triggers:
                r["trigger"] = prof.triggers["rivalry"]
    for b in out.get("borders") or []:
        if isinstance(b, dict) and "joining" not in b and "type" in b:
            b["joining"] = border_joining(prof, b["type"], year)
    if "borders" in out and "neighbours" not in out and "border" in prof.triggers:
        out["neighbours"] = {"trigger": prof.triggers["border"]}
    return out
