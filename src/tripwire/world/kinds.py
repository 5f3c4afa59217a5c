"""The table of treaty kinds: everything the package knows about a kind of treaty, in one place.

Each :class:`TreatyKind` gives a kind's name, its kernel edge kind (:mod:`tripwire.kernels.encoding`;
``None`` for a pledge, which yields no edge), its default reliability and trigger, its channel
(the group of fitted reliabilities in back-tests and profiles), its background exit hazards per
year by era (the long-horizon model), its ATOP obligation flag, its style in the network figure,
one line on what it means and the source of its defaults. World validation, the compile step,
the long-horizon model, the ATOP readers, profiles, the figures and the generated world-file
reference all read this table; a new kind needs one entry here and nothing else.

Examples
--------
>>> from tripwire.world import kinds
>>> kinds.names()
('defense', 'offense', 'entente', 'consultation', 'neutrality', 'nonaggression')
>>> kinds.get("neutrality").pledge, kinds.get("defense").reliability
(True, 0.75)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any

from .. import defaults
from ..config import OneOf
from ..kernels.encoding import ALIGN, ASSIST, DEFEND

__all__ = [
    "TreatyKind",
    "KindName",
    "KINDS",
    "ERAS",
    "get",
    "names",
    "pledges",
    "obligations",
    "channel_of",
    "atop_flags",
    "register",
    "unregister",
]

#: Eras of the background exit hazards: the calendar year before :data:`tripwire.defaults.ERA_BREAK`
#: or from it (worlds without ``horizon.start`` use the later era).
ERAS = ("pre1945", "post1945")


@dataclass(frozen=True)
class TreatyKind:
    """One kind of treaty (see the module docstring for what each field is read by)."""

    #: The ``kind`` of a world file's treaty.
    name: str
    #: Kernel edge kind (DEFEND, ASSIST, ALIGN; never OPPOSE), or ``None``: a pledge, no edge.
    kernel: int | None
    #: Default reliability (a pledge's is recorded but not used: pledges bind).
    reliability: float
    #: Default trigger: :data:`tripwire.defaults.WAR_LEVEL`, a level index, or ``None`` (a pledge).
    trigger: str | int | None
    #: Channel of fitted reliabilities (``reliability.<channel>`` in profiles and back-tests);
    #: ``None`` for a pledge.
    channel: str | None
    #: Background exit hazard per year by era (:data:`ERAS`).
    exit: dict[str, float]
    #: The ATOP member-level obligation flag (``None``: ATOP has none) and its place in ATOP's
    #: order of strength (defense > offense > neutral > nonagg > consul), in which the treaties of
    #: one alliance are built.
    atop: str | None
    atop_rank: int | None
    #: Line style, width and colour in the network figure (:func:`tripwire.plots.network`).
    style: dict[str, Any]
    #: What the kind means, in one line (the world-file reference shows it).
    meaning: str = ""
    #: Where the defaults come from.
    source: str = ""

    @property
    def pledge(self) -> bool:
        """A pledge (neutrality, non-aggression) keeps its members out of sides opposing one
        another; it is never called on and has no edge."""
        return self.kernel is None


# sources of the defaults
_PACT = "Leeds, Long & Mitchell (2000): 74.5 % of alliance commitments were honoured"
_LOOSE = "looser than a pact: roughly Sabrosky's share of allies that did not stand aside, rounded up"
_PLEDGE = "pledges bind; their reliability is not used by the crisis model (docs/model.md)"
_ATOP_EXIT = (
    "exit hazards: ATOP v4.01 alliance level, exits / alliance-years at risk, each alliance typed by "
    "its strongest obligation, before 1945 and from 1945 to 2016 (tests/horizon/test_horizon_defaults.py)"
)

_BUILT_IN = (
    TreatyKind(
        name="defense",
        kernel=DEFEND,
        reliability=0.75,
        trigger=defaults.WAR_LEVEL,
        channel="alliance",
        exit={"pre1945": 0.108, "post1945": 0.041},
        atop="defense",
        atop_rank=0,
        style={"linestyle": "-", "linewidth": 1.6, "color": "#222222"},
        meaning="members defend a member that is the *target* of a crisis",
        source=f"{_PACT}; {_ATOP_EXIT}",
    ),
    TreatyKind(
        name="offense",
        kernel=ASSIST,
        reliability=0.75,
        trigger=defaults.WAR_LEVEL,
        channel="alliance",
        # offence after 1945 has almost no exposure in ATOP (two short alliances): the defence rate
        exit={"pre1945": 0.194, "post1945": 0.041},
        atop="offense",
        atop_rank=1,
        style={"linestyle": (0, (6, 2)), "linewidth": 1.6, "color": "#222222"},
        meaning="members join a member that *initiates* a crisis",
        source=f"{_PACT}; {_ATOP_EXIT}; after 1945 the defence rate",
    ),
    TreatyKind(
        name="entente",
        kernel=ALIGN,
        reliability=0.5,
        trigger=defaults.WAR_LEVEL,
        channel="consultation",
        exit={"pre1945": 0.139, "post1945": 0.0115},  # no ATOP flag: the consultation rates
        atop=None,
        atop_rank=None,
        style={"linestyle": (0, (1, 1.5)), "linewidth": 1.4, "color": "#444444"},
        meaning="members join a member on either side",
        source=f"{_LOOSE}; exit hazards: the consultation rates (ATOP has no entente flag)",
    ),
    TreatyKind(
        name="consultation",
        kernel=ALIGN,
        reliability=0.5,
        trigger=0,
        channel="consultation",
        exit={"pre1945": 0.139, "post1945": 0.0115},
        atop="consul",
        atop_rank=4,
        style={"linestyle": (0, (4, 1.5, 1, 1.5)), "linewidth": 1.0, "color": "#666666"},
        meaning="members join a member on either side (called on from the first level)",
        source=f"{_LOOSE}; consultation is owed as soon as a crisis opens; {_ATOP_EXIT}",
    ),
    TreatyKind(
        name="neutrality",
        kernel=None,
        reliability=1.0,
        trigger=None,
        channel=None,
        exit={"pre1945": 0.103, "post1945": 0.0094},
        atop="neutral",
        atop_rank=2,
        style={"linestyle": (0, (1, 3)), "linewidth": 0.8, "color": "#999999"},
        meaning="a member never joins a side that opposes another member (binds; no draw)",
        source=f"{_PLEDGE}; {_ATOP_EXIT}",
    ),
    TreatyKind(
        name="nonaggression",
        kernel=None,
        reliability=1.0,
        trigger=None,
        channel=None,
        exit={"pre1945": 0.078, "post1945": 0.0113},
        atop="nonagg",
        atop_rank=3,
        style={"linestyle": (0, (1, 3)), "linewidth": 0.8, "color": "#999999"},
        meaning="as neutrality",
        source=f"{_PLEDGE}; {_ATOP_EXIT}",
    ),
)

_TABLE: dict[str, TreatyKind] = {k.name: k for k in _BUILT_IN}
#: The table, by name, in the order the documentation lists the kinds (read-only; see :func:`register`).
KINDS = MappingProxyType(_TABLE)


def names() -> tuple[str, ...]:
    """Every kind's name, in table order."""
    return tuple(_TABLE)


#: A treaty kind in a world file: one of the names in the table when the value is validated.
KindName = Annotated[str, OneOf(names)]


def get(name: str) -> TreatyKind:
    """The kind called ``name``; ``KeyError`` listing the kinds otherwise."""
    try:
        return _TABLE[name]
    except KeyError:
        raise KeyError(f"unknown treaty kind {name!r}; kinds: {', '.join(_TABLE)}") from None


def pledges() -> tuple[str, ...]:
    """The kinds that are pledges (no edge, never called on)."""
    return tuple(k.name for k in _TABLE.values() if k.pledge)


def obligations() -> tuple[str, ...]:
    """The kinds that are obligations (an edge per member pair; allies in the arms model)."""
    return tuple(k.name for k in _TABLE.values() if not k.pledge)


def channel_of(name: Any) -> str | None:
    """The reliability channel of a kind (``None`` for a pledge or a name that is not a kind)."""
    kind = _TABLE.get(name) if isinstance(name, str) else None
    return kind.channel if kind is not None else None


def atop_flags() -> dict[str, str]:
    """ATOP obligation flag -> kind, in ATOP's order of strength (the order treaties are built)."""
    coded = [k for k in _TABLE.values() if k.atop is not None]
    return {str(k.atop): k.name for k in sorted(coded, key=lambda k: k.atop_rank or 0)}


def register(kind: TreatyKind) -> TreatyKind:
    """Add a kind to the table (after checking it); :func:`unregister` takes it out again."""
    problems = []
    if not kind.name or kind.name in _TABLE:
        problems.append(f"a kind needs a new, non-empty name (have {', '.join(_TABLE)})")
    if kind.kernel not in (None, DEFEND, ASSIST, ALIGN):
        problems.append(f"kernel must be DEFEND, ASSIST, ALIGN or None (a pledge), saw {kind.kernel!r}")
    if not 0.0 <= kind.reliability <= 1.0:
        problems.append(f"reliability must lie in [0, 1], saw {kind.reliability}")
    if kind.pledge != (kind.trigger is None) or kind.pledge != (kind.channel is None):
        problems.append("a pledge (kernel None) has no trigger and no channel; an obligation has both")
    if sorted(kind.exit) != sorted(ERAS) or any(v < 0 for v in kind.exit.values()):
        problems.append(f"exit needs a hazard >= 0 for each era {ERAS}, saw {kind.exit}")
    if (kind.atop is None) != (kind.atop_rank is None):
        problems.append("atop and atop_rank go together")
    if problems:
        raise ValueError(f"treaty kind {kind.name!r}: " + "; ".join(problems))
    _TABLE[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Take a kind added by :func:`register` out of the table (the built-in kinds stay)."""
    if any(k.name == name for k in _BUILT_IN):
        raise ValueError(f"{name!r} is a built-in treaty kind")
    _TABLE.pop(name, None)
