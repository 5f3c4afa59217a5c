"""The long-horizon section of a world file (``horizon:``) and the arms matrix it implies.

A world runs over years when :func:`tripwire.horizon` is called on it; the ``horizon:`` section
sets how (every key optional, defaults in :mod:`tripwire.defaults`)::

    horizon:
      years: 40              # years per history
      start: 1955            # calendar year of year 0 (labels; the era of background exit rates;
                             # treaties signed later enter in their signing year)
      fatigue: 0.2           # Richardson a, one number or {state: a}
      reaction: 0.1          # k: K_ij = k * hostility_ij between rivals
      burden: 0.05           # s: K_ij = -s * w_ij between allies (w: the allies' capability shares)
      noise: 0.106           # b, one number or {state: b}: dx = (Mx + g) dt + diag(b) dW
      target: {USA: 1.2}     # the fixed point x* per state (default 1); or give `growth` (g)
      runaway: false         # true runs a matrix M with an eigenvalue of real part >= 0
      phi: 0.3333            # capability c(y) = c0 (1 + phi (x(y) - 1))
      lambda0: 0.18          # crises per dyad-year at intensity (hostility) 1
      beta: 0.571            # crisis rate x e^beta while both sides race
      tau: 0.26              # a race: both sides' arms grew by more than tau over three years
      arrivals: rivalries    # or [{states: [A, B], intensity: 0.5, initiator: A}, ...]
      alpha: 0.1             # trust: honoured r <- r + alpha (r_max - r)
      delta: 0.3             #        failed   r <- r (1 - delta)
      r_max: 1.0
      r_min: 0.1             # a treaty lowered below r_min dissolves
      pi_d: 0.5              # a treaty that failed in a crisis dissolves with this probability
      background: {defense: 0.04}   # exit hazard per year by kind (default: ATOP by era)
      epsilon: 0.1           # domino loss of reliability
      term: null             # a term for every treaty without its own (years; null: none)
      review: 5              # years between renewal decisions after the term
      renewal: 0.8           # probability of renewing at each decision
      systemic: {level: general_war, majors: 0}
      stop_at_systemic: true
      arms_bins: {lo: 0.0, hi: 4.0, n: 160}

Treaties take ``term`` (years; 0 = open-ended even when ``horizon.term`` is set), ``review`` and
``renewal`` of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from .. import defaults
from ..config import NonNegative, Probability, StrictModel
from . import kinds

if TYPE_CHECKING:
    from .model import World

__all__ = [
    "Horizon",
    "Arrival",
    "Systemic",
    "ArmsBins",
    "arms_system",
    "leading_eigenvalue",
    "horizon_problems",
]

PerState = NonNegative | dict[str, NonNegative]


class Arrival(StrictModel):
    """A dyad where crises arrive: ``lambda0 * intensity * e^(beta * race)`` a year."""

    states: tuple[str, str]
    intensity: NonNegative = 1.0
    initiator: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Arrival:
        if self.states[0] == self.states[1]:
            raise ValueError(f"an arrival dyad needs two different states, saw {list(self.states)}")
        if self.initiator is not None and self.initiator not in self.states:
            raise ValueError(
                f"arrival {list(self.states)}: initiator {self.initiator!r} is not one of the dyad's states; "
                "leave it out for either side with probability 1/2"
            )
        return self


class Systemic(StrictModel):
    """Which crises count as systemic wars: final level at or above ``level`` (default: the top
    level) with at least ``majors`` major powers on each side."""

    level: str | int | None = None
    majors: Annotated[int, Field(ge=0)] = defaults.SYSTEMIC_MAJORS


class ArmsBins(StrictModel):
    """Bins of the arms histogram: ``n`` equal bins on ``[lo, hi)`` plus one below and one above."""

    lo: float = defaults.ARMS_BINS[0]
    hi: float = defaults.ARMS_BINS[1]
    n: Annotated[int, Field(ge=1, le=10_000)] = defaults.ARMS_BINS[2]

    @model_validator(mode="after")
    def _check(self) -> ArmsBins:
        if not (np.isfinite(self.lo) and np.isfinite(self.hi) and self.hi > self.lo):
            raise ValueError(f"arms_bins: need finite lo < hi, saw lo={self.lo}, hi={self.hi}")
        return self


class Horizon(StrictModel):
    """The long-horizon model's parameters (see the module docstring and docs/horizon.md)."""

    years: Annotated[int, Field(ge=1, le=1000)] = defaults.HORIZON_YEARS
    start: int | None = None
    # arms
    fatigue: PerState = defaults.ARMS_FATIGUE
    reaction: NonNegative = defaults.ARMS_REACTION
    burden: NonNegative = defaults.ARMS_BURDEN
    noise: PerState = defaults.ARMS_NOISE
    target: dict[str, NonNegative] | None = None
    growth: dict[str, Annotated[float, Field(allow_inf_nan=False)]] | None = None
    runaway: bool = False
    phi: NonNegative = defaults.ARMS_PHI
    arms_bins: ArmsBins = Field(default_factory=ArmsBins)
    # crisis arrivals
    lambda0: NonNegative = defaults.LAMBDA0
    beta: Annotated[float, Field(allow_inf_nan=False)] = defaults.BETA
    tau: Annotated[float, Field(allow_inf_nan=False)] = defaults.RACE_TAU
    arrivals: Literal["rivalries"] | list[Arrival] = "rivalries"
    # trust and dissolution
    alpha: Probability = defaults.TRUST_ALPHA
    delta: Probability = defaults.TRUST_DELTA
    r_max: Probability = defaults.TRUST_R_MAX
    r_min: Probability = defaults.TRUST_R_MIN
    pi_d: Probability = defaults.DISSOLVE_PI
    background: dict[kinds.KindName, NonNegative] = Field(default_factory=dict)
    epsilon: Probability = defaults.DOMINO_EPSILON
    # sunset and review
    term: Annotated[int, Field(ge=0, le=10_000)] | None = None
    review: Annotated[int, Field(ge=1, le=10_000)] = defaults.REVIEW
    renewal: Probability = defaults.RENEWAL
    # systemic war
    systemic: Systemic = Field(default_factory=Systemic)
    stop_at_systemic: bool = defaults.STOP_AT_SYSTEMIC

    @model_validator(mode="after")
    def _check(self) -> Horizon:
        if self.target is not None and self.growth is not None:
            raise ValueError(
                "horizon: give either target (the fixed point x*) or growth (the drift g), not both"
            )
        return self

    def background_rate(self, kind: str, year: int | None) -> float:
        """Background exit hazard per year of a treaty kind in a calendar year (``None``: post-1945)."""
        if kind in self.background:
            return float(self.background[kind])
        era = kinds.ERAS[0] if year is not None and year < defaults.ERA_BREAK else kinds.ERAS[1]
        return kinds.get(kind).exit[era]


def _per_state(value: float | dict[str, float], codes: list[str], default: float) -> np.ndarray:
    if isinstance(value, dict):
        return np.array([float(value.get(c, default)) for c in codes])
    return np.full(len(codes), float(value))


def arms_system(world: World, horizon: Horizon | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Richardson system of a world: ``(M, g, b)`` with ``dx = (M x + g) dt + diag(b) dW``.

    ``M = K - A``: ``A = diag(fatigue)``; ``K_ij = reaction * hostility_ij`` between rivals and
    ``-burden * w_ij`` between allies (states sharing a defense, offense, entente or consultation
    treaty of the world), ``w_ij = c_j / sum of c_l over i's allies`` (equal shares when those
    capabilities are all 0). ``g = -M x*`` with ``x* = target`` (default 1 for every state), so
    the start ``x0 = 1`` is the fixed point unless the file says otherwise; ``growth`` gives
    ``g`` directly (states it leaves out keep ``-(M 1)_i``).

    Examples
    --------
    >>> import numpy as np
    >>> import tripwire
    >>> from tripwire.world.horizon import arms_system
    >>> M, g, b = arms_system(tripwire.load_world("july1914"))
    >>> bool(abs(M @ np.ones(len(M)) + g).max() < 1e-15)  # x0 = 1 is the fixed point
    True
    """
    horizon = horizon if horizon is not None else (world.horizon or Horizon())
    codes = world.codes
    n = len(codes)
    index = {c: k for k, c in enumerate(codes)}
    cap = np.array([s.capability for s in world.states], dtype=np.float64)
    m = np.zeros((n, n))
    for r in world.rivalries:
        i, j = index[r.states[0]], index[r.states[1]]
        m[i, j] += horizon.reaction * r.hostility
        m[j, i] += horizon.reaction * r.hostility
    allies = np.zeros((n, n), dtype=bool)
    for t in world.treaties:
        if not t.is_pledge:  # pledges make no allies
            ks = [index[c] for c in t.members]
            for i in ks:
                for j in ks:
                    if i != j:
                        allies[i, j] = True
    for i in range(n):
        js = np.flatnonzero(allies[i])
        if js.size:
            total = cap[js].sum()
            w = cap[js] / total if total > 0 else np.full(js.size, 1.0 / js.size)
            m[i, js] -= horizon.burden * w
    m -= np.diag(_per_state(horizon.fatigue, codes, defaults.ARMS_FATIGUE))
    target = _per_state(horizon.target or {}, codes, 1.0) if horizon.target else np.ones(n)
    g = -(m @ target)
    if horizon.growth is not None:
        for code, value in horizon.growth.items():
            g[index[code]] = value
    b = _per_state(horizon.noise, codes, defaults.ARMS_NOISE)
    return m, g, b


def leading_eigenvalue(m: np.ndarray) -> complex:
    """The eigenvalue of ``m`` with the largest real part."""
    if m.size == 0:
        return complex(-np.inf)
    w = np.linalg.eigvals(m)
    return complex(w[np.argmax(w.real)])


def horizon_problems(world: World) -> list[str]:
    """Cross-checks of a world's ``horizon:`` section and treaty terms against the rest of the world
    (state codes, levels, the stability of the arms system); one message per problem."""
    h = world.horizon
    if h is None:
        return []
    problems: list[str] = []
    codes = world.codes
    known = set(codes)
    for field in ("fatigue", "noise", "target", "growth"):
        value = getattr(h, field)
        if isinstance(value, dict):
            bad = [c for c in value if c not in known]
            if bad:
                problems.append(
                    f"horizon.{field} lists unknown state(s) {bad}; known codes: {', '.join(codes[:40])}"
                )
    if isinstance(h.arrivals, list):
        if not h.arrivals:
            problems.append("horizon.arrivals: the list is empty; give dyads or write 'rivalries'")
        for k, a in enumerate(h.arrivals):
            bad = [c for c in a.states if c not in known]
            if bad:
                problems.append(f"horizon.arrivals[{k}] lists unknown state(s) {bad}")
    elif not any(r.hostility > 0 for r in world.rivalries):
        problems.append(
            "horizon.arrivals: 'rivalries' needs at least one rivalry with hostility > 0 "
            "(crises arrive on rival dyads); add rivalries or list horizon.arrivals"
        )
    if h.systemic.level is None:
        h.systemic.level = world.ladder.levels[-1]
    else:
        try:
            h.systemic.level = world.ladder.levels[
                world.ladder.index(h.systemic.level, "horizon.systemic.level")
            ]
        except ValueError as exc:
            problems.append(str(exc))
    if h.systemic.majors > 0 and not any(s.major for s in world.states):
        problems.append(
            f"horizon.systemic.majors = {h.systemic.majors} but no state is marked major: true; "
            "mark the major powers or set majors to 0"
        )
    if h.r_min > h.r_max:
        problems.append(f"horizon: r_min = {h.r_min} is above r_max = {h.r_max}; need r_min <= r_max")
    if not problems and not h.runaway:
        m, _, _ = arms_system(world, h)
        lam = leading_eigenvalue(m)
        if lam.real >= 0:
            shown = f"{lam.real:.6g}" + (f"{lam.imag:+.6g}j" if lam.imag else "")
            problems.append(
                f"horizon: the arms system is unstable: the matrix M = K - A has the eigenvalue {shown} "
                "with a non-negative real part, so arms grow without bound (a runaway race); raise "
                "fatigue, lower reaction or burden, or set horizon.runaway: true to run it anyway"
            )
    return problems
