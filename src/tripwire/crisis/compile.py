"""Compile a world to the flat arrays the kernels read (the encoding of
:mod:`tripwire.kernels.encoding`). Pure numpy.

Edges are stored CSR by caller: the edges of caller ``i`` are ``edge_ptr[i]:edge_ptr[i+1]``, and an
edge ``i -> j`` means *j may join when i takes part*. Within a caller, edges are sorted by trigger
level, then by callee index (stable: parallel edges toward one callee keep their order, treaties in
file order, then rivalries, then borders), which is the documented draw order.

A treaty with guarantors yields edges only toward the guarantors (each guarantor owes every other
member); neutrality and non-aggression treaties yield *pledges* instead of edges: ``pledge_to``
row ``j`` lists the states ``j`` has pledged not to oppose. Rivalries and borders yield OPPOSE
edges in both directions. An origin lists its originators, initiator side first.

:meth:`CompiledWorld.check` refuses arrays the kernels cannot run safely (an index out of range,
pointers that go backwards, a threshold out of range): the kernels assume valid input and would
otherwise read outside their arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..errors import WorldError
from ..kernels.encoding import (
    ABSENT,
    ALIGN,
    DEFEND,
    OPPOSE,
    SIDE_A,
    SIDE_B,
    SIDE_RULE,
    KernelBits,
    KernelWorld,
    threshold,
)
from ..world.model import World

__all__ = ["CompiledWorld", "compile_world", "backing_suffix", "origin_guide"]


def backing_suffix(edge_ptr: np.ndarray, backing: np.ndarray) -> np.ndarray:
    """Per caller row, the suffix sums of ``backing`` (``out[e] = sum(backing[e:row_end])``)."""
    out = np.zeros_like(backing)
    for i in range(edge_ptr.size - 1):
        lo, hi = edge_ptr[i], edge_ptr[i + 1]
        if hi > lo:
            out[lo:hi] = np.cumsum(backing[lo:hi][::-1])[::-1]
    return out


def origin_guide(origin_cum: np.ndarray) -> np.ndarray:
    """The guide table of the origin draw: for ``g`` in ``0 .. G-1`` (``G`` the power of 2 at or
    above twice the number of origins), the first origin whose cumulative weight exceeds ``g / G``.
    A draw ``u`` in ``[g / G, (g + 1) / G)`` starts its search there and steps forward, landing on
    ``searchsorted(origin_cum, u, side="right")`` (the last origin at most)."""
    size = 1 << max(0, int(2 * origin_cum.size - 1).bit_length())
    guide = np.searchsorted(origin_cum, np.arange(size) / size, side="right")
    return np.minimum(guide, origin_cum.size - 1).astype(np.int32)


def _or_runs(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Bitwise OR of ``values`` over the runs that begin at ``starts`` (empty for no runs)."""
    if starts.size == 0:
        return np.zeros(0, dtype=np.uint64)
    return np.bitwise_or.reduceat(values, starts)


def _run_starts(*keys: np.ndarray) -> np.ndarray:
    """Positions where any of the (sorted) keys changes, the first position included."""
    if keys[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(keys[0].size, dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(change)


@dataclass(frozen=True)
class CompiledWorld:
    """A world as flat arrays, plus the labels the results carry."""

    codes: list[str]
    levels: list[str]
    treaties: list[str]
    origins: list[str]
    war_level: int
    capability: np.ndarray  # float64[state]
    edge_ptr: np.ndarray  # int64[state + 1]
    edge_dst: np.ndarray  # int32[edge]
    edge_kind: np.ndarray  # int8[edge]
    edge_prob: np.ndarray  # float64[edge]
    edge_trigger: np.ndarray  # int32[edge]
    edge_treaty: np.ndarray  # int32[edge], -1 for rivalry and border edges
    pledge_ptr: np.ndarray  # int64[state + 1]
    pledge_to: np.ndarray  # int32[pledge]
    pledge_treaty: np.ndarray  # int32[pledge]
    origin_ptr: np.ndarray  # int64[origin + 1]
    origin_state: np.ndarray  # int32[originator], initiator side first
    origin_n_a: np.ndarray  # int32[origin]
    origin_weight: np.ndarray  # float64[origin], sums to 1
    up: np.ndarray  # float64[level], effective (policies applied); 0 at the top
    settle: np.ndarray  # float64[level], effective
    deterrence: float
    sigma: float  # effective misperception
    defection: float
    max_rounds: int
    edge_thresh: np.ndarray = field(init=False)  # int64[edge]
    edge_rule: np.ndarray = field(init=False)  # int8[edge], SIDE_RULE of the edge's kind
    level_end: np.ndarray = field(init=False)  # int64[state, level]: end of the edges with trigger <= level
    backing_from: np.ndarray = field(init=False)  # float64[edge]
    pledge_on: np.ndarray = field(init=False)  # int8[pledge]
    origin_cum: np.ndarray = field(init=False)  # float64[origin]
    origin_guide: np.ndarray = field(init=False)  # int32[guide]

    def __post_init__(self) -> None:
        self.check()
        set_ = object.__setattr__
        set_(self, "edge_thresh", threshold(self.edge_prob))
        set_(self, "edge_rule", SIDE_RULE[self.edge_kind])
        caller = np.repeat(np.arange(len(self.codes)), np.diff(self.edge_ptr))
        level_end = np.empty((len(self.codes), len(self.levels)), dtype=np.int64)
        for lv in range(len(self.levels)):
            level_end[:, lv] = self.edge_ptr[:-1] + np.bincount(
                caller[self.edge_trigger <= lv], minlength=len(self.codes)
            )
        set_(self, "level_end", level_end)
        set_(self, "backing_from", backing_suffix(self.edge_ptr, self._backing(self.edge_prob)))
        set_(self, "pledge_on", np.ones(self.pledge_to.size, dtype=np.int8))
        cum = np.cumsum(self.origin_weight)
        cum[-1] = 1.0
        set_(self, "origin_cum", cum)
        set_(self, "origin_guide", origin_guide(cum))

    def _backing(self, prob: np.ndarray) -> np.ndarray:
        """``p * cap(dst)`` for DEFEND and ALIGN edges, 0 for the others."""
        mask = (self.edge_kind == DEFEND) | (self.edge_kind == ALIGN)
        return np.where(mask, prob * self.capability[self.edge_dst], 0.0)

    # -- checks ------------------------------------------------------------------------------------
    def check(self) -> None:
        """Refuse arrays the kernels cannot run: :class:`~tripwire.WorldError` listing each problem."""
        problems: list[str] = []
        n, n_levels = len(self.codes), len(self.levels)

        def pointers(name: str, ptr: np.ndarray, size: int, length: int) -> None:
            ptr = np.asarray(ptr)
            if ptr.shape != (length,):
                problems.append(f"{name} has shape {ptr.shape}; expected ({length},)")
            elif ptr.size and (ptr[0] != 0 or ptr[-1] != size or (np.diff(ptr) < 0).any()):
                problems.append(
                    f"{name} must start at 0, never decrease and end at {size}; saw {ptr[:3].tolist()} ... "
                    f"{ptr[-3:].tolist()}"
                )

        def indices(name: str, values: np.ndarray, hi: int, lo: int = 0) -> None:
            values = np.asarray(values)
            if values.size and (values.min() < lo or values.max() >= hi):
                problems.append(
                    f"{name} holds indices in [{values.min()}, {values.max()}]; expected [{lo}, {hi})"
                )

        n_edges = int(np.asarray(self.edge_dst).size)
        if np.asarray(self.capability).shape != (n,):
            problems.append(f"capability has shape {np.asarray(self.capability).shape}; expected ({n},)")
        elif not np.isfinite(self.capability).all() or (self.capability < 0).any():
            problems.append("capability must be finite and >= 0")
        pointers("edge_ptr", self.edge_ptr, n_edges, n + 1)
        for name in ("edge_kind", "edge_prob", "edge_trigger", "edge_treaty"):
            if np.asarray(getattr(self, name)).shape != (n_edges,):
                problems.append(
                    f"{name} has {np.asarray(getattr(self, name)).size} entries; expected {n_edges}"
                )
        indices("edge_dst", self.edge_dst, n)
        indices("edge_kind", self.edge_kind, len(SIDE_RULE))
        indices("edge_trigger", self.edge_trigger, n_levels)
        indices("edge_treaty", self.edge_treaty, len(self.treaties), lo=-1)
        prob = np.asarray(self.edge_prob, dtype=np.float64)
        if prob.size and (not np.isfinite(prob).all() or prob.min() < 0 or prob.max() > 1):
            problems.append("edge_prob must be probabilities in [0, 1]")
        if not problems and n_edges:
            caller = np.repeat(np.arange(n), np.diff(self.edge_ptr))
            order = np.lexsort((self.edge_dst, self.edge_trigger, caller))
            if (order != np.arange(n_edges)).any():
                problems.append("edges must be sorted by caller, then by trigger level, then by callee")
        pointers("pledge_ptr", self.pledge_ptr, int(np.asarray(self.pledge_to).size), n + 1)
        indices("pledge_to", self.pledge_to, n)
        indices("pledge_treaty", self.pledge_treaty, len(self.treaties))
        n_origins = len(self.origins)
        pointers("origin_ptr", self.origin_ptr, int(np.asarray(self.origin_state).size), n_origins + 1)
        indices("origin_state", self.origin_state, n)
        if n_origins == 0:
            problems.append("a world needs at least one origin")
        elif not problems:
            sizes = np.diff(self.origin_ptr)
            n_a = np.asarray(self.origin_n_a)
            if n_a.shape != (n_origins,) or (n_a < 1).any() or (n_a >= sizes).any():
                problems.append("every origin needs at least one originator on each side (origin_n_a)")
            for o in range(n_origins):
                members = self.origin_state[self.origin_ptr[o] : self.origin_ptr[o + 1]]
                if np.unique(members).size != members.size:
                    problems.append(f"origin {self.origins[o]} lists a state twice")
        weight = np.asarray(self.origin_weight, dtype=np.float64)
        if weight.shape != (n_origins,) or not np.isfinite(weight).all() or (weight < 0).any():
            problems.append("origin_weight must be finite and >= 0, one per origin")
        elif n_origins and not np.isclose(weight.sum(), 1.0):
            problems.append(f"origin_weight must sum to 1, saw {weight.sum()}")
        for name, want in (("up", n_levels), ("settle", n_levels)):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if (
                values.shape != (want,)
                or not np.isfinite(values).all()
                or (values < 0).any()
                or (values > 1).any()
            ):
                problems.append(f"{name} must be {want} probabilities in [0, 1]")
        if not 0 <= self.war_level < max(n_levels, 1):
            problems.append(f"war_level {self.war_level} is outside the ladder (0..{n_levels - 1})")
        for name in ("deterrence", "sigma"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                problems.append(f"{name} must be finite and >= 0, saw {value}")
        if not 0 <= self.defection <= 1:
            problems.append(f"defection must be in [0, 1], saw {self.defection}")
        if not 0 <= self.max_rounds <= 100_000:
            problems.append(f"max_rounds must be in [0, 100000], saw {self.max_rounds}")
        if problems:
            raise WorldError("compiled world: " + "; ".join(problems))

    # -- sizes and kernel input ----------------------------------------------------------------------
    @property
    def n_states(self) -> int:
        return len(self.codes)

    @property
    def n_edges(self) -> int:
        return int(self.edge_dst.size)

    @property
    def origin_a(self) -> np.ndarray:
        """The initiator of each origin (worlds whose origins have one state a side)."""
        return self._single_side(0)

    @property
    def origin_b(self) -> np.ndarray:
        """The target of each origin (worlds whose origins have one state a side)."""
        return self._single_side(1)

    def _single_side(self, side: int) -> np.ndarray:
        if (np.diff(self.origin_ptr) != 2).any():
            raise WorldError(
                "this world has origins with several states a side; use origin_ptr and origin_state"
            )
        return self.origin_state[side::2]

    @property
    def tally_shape(self) -> tuple[int, int, int, int, int]:
        """Sizes of the kernel's tallies: (states, levels, origins, treaties, rounds)."""
        return (self.n_states, len(self.levels), len(self.origins), len(self.treaties), self.max_rounds + 1)

    def kernel_world(self) -> KernelWorld:
        """The :class:`tripwire.kernels.encoding.KernelWorld` the kernels take."""
        values = {"defection_thresh": int(threshold(self.defection))}
        return KernelWorld(
            *(values[name] if name in values else getattr(self, name) for name in KernelWorld._fields)
        )

    @cached_property
    def bits(self) -> KernelBits:
        """The :class:`tripwire.kernels.encoding.KernelBits`: the edges grouped by
        (caller, trigger level) as 64-bit words of callees, for the bitset joining closure."""
        n, n_levels = self.n_states, len(self.levels)
        caller = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.edge_ptr))
        trig = self.edge_trigger.astype(np.int64)
        dst = self.edge_dst.astype(np.int64)
        slot = _run_starts(caller, trig, dst)  # edges sorted by (caller, trigger, callee)
        slot_ptr = np.append(slot, self.n_edges).astype(np.int64)
        s_caller, s_trig, s_dst = caller[slot], trig[slot], dst[slot]
        rule = np.bitwise_or.reduceat(self.edge_rule.astype(np.int64), slot) if slot.size else slot
        bit = np.left_shift(np.uint64(1), (s_dst & 63).astype(np.uint64))
        first = _run_starts(s_caller, s_trig, s_dst >> 6)
        word = np.zeros((first.size, 5), dtype=np.uint64)
        word[:, 0] = s_dst[first] >> 6
        word[:, 1] = first
        word[:, 2] = _or_runs(bit, first)
        for side in (SIDE_A, SIDE_B):
            word[:, 3 + side] = _or_runs(np.where((rule >> side) & 1 == 1, bit, np.uint64(0)), first)
        group = s_caller[first] * n_levels + s_trig[first]
        group_ptr = np.searchsorted(group, np.arange(n * n_levels + 1), side="left").astype(np.int64)
        pledger = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.pledge_ptr))[self.pledge_on == 1]
        to = self.pledge_to.astype(np.int64)[self.pledge_on == 1]
        order = np.lexsort((to, pledger))
        pledger, to = pledger[order], to[order]
        p_first = _run_starts(pledger, to >> 6)
        pledge_bits = _or_runs(np.left_shift(np.uint64(1), (to & 63).astype(np.uint64)), p_first)
        pledge_word_ptr = np.searchsorted(pledger[p_first], np.arange(n + 1), side="left").astype(np.int64)
        return KernelBits(
            group_ptr=group_ptr,
            word=word,
            slot_ptr=slot_ptr,
            pledge_word_ptr=pledge_word_ptr,
            pledge_word=(to[p_first] >> 6).astype(np.int64),
            pledge_bits=pledge_bits,
        )

    def without_treaties(self, removed: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edge thresholds, backing and pledges in force of the world without the given treaties
        (their edges absent), for kernels that run variants on the same structure."""
        gone = np.isin(self.edge_treaty, removed)
        thresh = np.where(gone, ABSENT, self.edge_thresh)
        backing = backing_suffix(self.edge_ptr, np.where(gone, 0.0, self._backing(self.edge_prob)))
        pledge_on = (~np.isin(self.pledge_treaty, removed)).astype(np.int8)
        return thresh, backing, pledge_on


def compile_world(world: World) -> CompiledWorld:
    """Compile a validated :class:`~tripwire.World` to flat arrays.

    Examples
    --------
    >>> import tripwire
    >>> cw = tripwire.compile_world(tripwire.load_world("july1914"))
    >>> cw.edge_ptr.size == cw.n_states + 1
    True
    """
    codes = world.codes
    index = {c: k for k, c in enumerate(codes)}
    levels = list(world.ladder.levels)
    level_of = {name: k for k, name in enumerate(levels)}

    src: list[int] = []
    dst: list[int] = []
    kind: list[int] = []
    prob: list[float] = []
    trig: list[int] = []
    tid: list[int] = []
    pledger: list[int] = []
    pledgee: list[int] = []
    pledge_tid: list[int] = []

    def edge(i: int, j: int, k: int, p: float, level: str | int | None, treaty: int) -> None:
        src.append(i)
        dst.append(j)
        kind.append(k)
        prob.append(p)
        trig.append(level_of[str(level)])
        tid.append(treaty)

    for k, t in enumerate(world.treaties):
        owing = t.guarantors if t.guarantors is not None else t.members
        for g in owing:
            for m in t.members:
                if m == g:
                    continue
                if t.is_pledge:
                    pledger.append(index[g])
                    pledgee.append(index[m])
                    pledge_tid.append(k)
                else:
                    edge(index[m], index[g], t.kernel_kind, float(t.reliability or 0.0), t.trigger, k)
    for r in world.rivalries:
        x, y = (index[c] for c in r.states)
        for i, j in ((x, y), (y, x)):
            edge(i, j, OPPOSE, r.hostility, r.trigger, -1)
    if world.borders:
        rules = world.neighbours
        assert rules is not None  # filled by validation when borders are given
        for b in world.borders:
            x, y = (index[c] for c in b.states)
            p = b.joining if b.joining is not None else getattr(rules.joining, b.type)
            level = b.trigger if b.trigger is not None else rules.trigger
            for i, j in ((x, y), (y, x)):
                edge(i, j, OPPOSE, p, level, -1)

    n = len(codes)
    # sort by (caller, trigger, callee), stable: file order breaks ties
    order = np.lexsort(
        (np.asarray(dst, dtype=np.int64), np.asarray(trig, dtype=np.int64), np.asarray(src, dtype=np.int64))
    )
    edge_ptr = np.zeros(n + 1, dtype=np.int64)
    edge_ptr[1:] = np.cumsum(np.bincount(np.asarray(src, dtype=np.int64), minlength=n))
    pledge_ptr = np.zeros(n + 1, dtype=np.int64)
    p_order = np.argsort(np.asarray(pledger, dtype=np.int64), kind="stable")
    pledge_ptr[1:] = np.cumsum(np.bincount(np.asarray(pledger, dtype=np.int64), minlength=n))

    def take(values: list, dtype) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[order]

    # origins: (initiators, targets, weight)
    if world.origins == "rivalries":
        pairs = [
            ([index[r.states[0]]], [index[r.states[1]]], r.hostility / 2)
            for r in world.rivalries
            if r.hostility > 0
        ]
        origins = [p for a, b, w in pairs for p in ((a, b, w), (b, a, w))]
        labels = [f"{codes[a[0]]}->{codes[b[0]]}" for a, b, _ in origins]
    else:
        origins = [
            ([index[c] for c in o.initiators], [index[c] for c in o.targets], o.weight) for o in world.origins
        ]
        labels = [o.label for o in world.origins]
    weights = np.array([w for _, _, w in origins], dtype=np.float64)
    origin_ptr = np.zeros(len(origins) + 1, dtype=np.int64)
    origin_ptr[1:] = np.cumsum([len(a) + len(b) for a, b, _ in origins])

    esc, pol = world.escalation, world.policy
    n_levels = len(levels)
    war_level = world.ladder.war_index
    up = np.zeros(n_levels)
    up[:-1] = esc.up
    up[:war_level] *= 1.0 - pol.confidence_building
    settle = 1.0 - (1.0 - np.asarray(esc.settle, dtype=np.float64)) * (1.0 - pol.dispute_resolution)

    return CompiledWorld(
        codes=codes,
        levels=levels,
        treaties=[t.name for t in world.treaties],
        origins=labels,
        war_level=war_level,
        capability=np.array([s.capability for s in world.states], dtype=np.float64),
        edge_ptr=edge_ptr,
        edge_dst=take(dst, np.int32),
        edge_kind=take(kind, np.int8),
        edge_prob=take(prob, np.float64),
        edge_trigger=take(trig, np.int32),
        edge_treaty=take(tid, np.int32),
        pledge_ptr=pledge_ptr,
        pledge_to=np.asarray(pledgee, dtype=np.int32)[p_order],
        pledge_treaty=np.asarray(pledge_tid, dtype=np.int32)[p_order],
        origin_ptr=origin_ptr,
        origin_state=np.asarray([s for a, b, _ in origins for s in (*a, *b)], dtype=np.int32),
        origin_n_a=np.asarray([len(a) for a, _, _ in origins], dtype=np.int32),
        origin_weight=weights / weights.sum(),
        up=up,
        settle=settle,
        deterrence=float(esc.deterrence),
        sigma=float(esc.misperception) * (1.0 - pol.communication),
        defection=float(pol.defection),
        max_rounds=int(esc.max_rounds),
    )
