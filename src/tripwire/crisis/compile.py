"""Compile a world to the flat arrays the kernel reads (DESIGN.md §2.2). Pure numpy.

Edges are stored CSR by caller: the edges of caller ``i`` are ``edge_ptr[i]:edge_ptr[i+1]``, and an
edge ``i -> j`` means *j owes i*: when ``i`` takes part and the edge applies to ``i``'s side, ``j``
may join. Within a caller, edges are sorted by trigger level (stable: treaties in file order, then
rivalries), which is the documented draw order.

A treaty with guarantors yields edges only toward the guarantors (each guarantor owes every other
member); neutrality and non-aggression treaties yield *pledges* instead of edges: ``pledge_to``
row ``j`` lists the states ``j`` has pledged not to oppose.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from ..world.model import World

DEFEND, ASSIST, ALIGN, OPPOSE = 0, 1, 2, 3  # kernel edge kinds; must match kernels/cascade.py
EDGE_KINDS = ("DEFEND", "ASSIST", "ALIGN", "OPPOSE")
KIND_OF_TREATY = {"defense": DEFEND, "offense": ASSIST, "entente": ALIGN, "consultation": ALIGN}
#: Side rule per kernel kind: bit s = applies when the caller is on side s (0 initiator, 1 target);
#: bit 2 = the callee joins the opposing side (see kernels/cascade.py).
SIDE_RULE = np.array([0b010, 0b001, 0b011, 0b111], dtype=np.int8)
TWO53 = 2**53


def threshold(p: np.ndarray | float) -> np.ndarray:
    """``ceil(p * 2**53)``: ``u < p`` is then ``r53 < threshold`` on integers (see kernels/rng.py)."""
    return np.ceil(np.asarray(p, dtype=np.float64) * TWO53).astype(np.int64)


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
    edge_treaty: np.ndarray  # int32[edge], -1 for rivalry edges
    pledge_ptr: np.ndarray  # int64[state + 1]
    pledge_to: np.ndarray  # int32[pledge]
    origin_a: np.ndarray  # int32[origin]
    origin_b: np.ndarray  # int32[origin]
    origin_weight: np.ndarray  # float64[origin], sums to 1
    up: np.ndarray  # float64[level], effective (policies applied); 0 at the top
    settle: np.ndarray  # float64[level], effective
    deterrence: float
    sigma: float  # effective misperception
    defection: float
    max_rounds: int
    edge_thresh: np.ndarray = field(init=False)
    edge_rule: np.ndarray = field(init=False)  # int8[edge], SIDE_RULE of the edge's kind
    level_end: np.ndarray = field(
        init=False
    )  # int64[state, level]: end of the caller's edges with trigger <= level
    backing_from: np.ndarray = field(init=False)
    origin_cum: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
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
        # backing_from[e]: sum of p * cap(dst) over the DEFEND/ALIGN edges e' >= e of e's row
        backing = np.where(
            (self.edge_kind == DEFEND) | (self.edge_kind == ALIGN),
            self.edge_prob * self.capability[self.edge_dst],
            0.0,
        )
        suffix = np.zeros_like(backing)
        for i in range(len(self.codes)):
            lo, hi = self.edge_ptr[i], self.edge_ptr[i + 1]
            if hi > lo:
                suffix[lo:hi] = np.cumsum(backing[lo:hi][::-1])[::-1]
        set_(self, "backing_from", suffix)
        cum = np.cumsum(self.origin_weight)
        cum[-1] = 1.0
        set_(self, "origin_cum", cum)

    @property
    def n_states(self) -> int:
        return len(self.codes)

    @property
    def n_edges(self) -> int:
        return int(self.edge_dst.size)

    @property
    def tally_shape(self) -> tuple[int, int, int, int, int]:
        """Sizes of the kernel's tallies: (states, levels, origins, treaties, rounds)."""
        return (self.n_states, len(self.levels), len(self.origins), len(self.treaties), self.max_rounds + 1)

    def kernel_inputs(self) -> dict:
        """Every array and scalar of the compiled world by name, plus the integer defection
        threshold; ``tripwire.kernels.cascade.WORLD_FIELDS`` picks the kernel's inputs in order."""
        inputs = {f.name: getattr(self, f.name) for f in fields(self)}
        inputs["defection_thresh"] = int(threshold(self.defection))
        return inputs


def compile_world(world: World) -> CompiledWorld:
    """Compile a validated :class:`~tripwire.world.model.World` to flat arrays.

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

    src, dst, kind, prob, trig, tid = [], [], [], [], [], []
    pledger, pledgee = [], []
    for k, t in enumerate(world.treaties):
        owing = t.guarantors if t.guarantors is not None else t.members
        for g in owing:
            for m in t.members:
                if m == g:
                    continue
                if t.is_pledge:
                    pledger.append(index[g])
                    pledgee.append(index[m])
                else:
                    src.append(index[m])
                    dst.append(index[g])
                    kind.append(KIND_OF_TREATY[t.kind])
                    prob.append(t.reliability)
                    trig.append(level_of[t.trigger])
                    tid.append(k)
    for r in world.rivalries:
        x, y = (index[c] for c in r.states)
        for i, j in ((x, y), (y, x)):
            src.append(i)
            dst.append(j)
            kind.append(OPPOSE)
            prob.append(r.hostility)
            trig.append(level_of[r.trigger])
            tid.append(-1)

    n = len(codes)
    # sort by (caller, trigger), stable: file order breaks ties
    order = np.lexsort((np.asarray(trig, dtype=np.int64), np.asarray(src, dtype=np.int64))) if src else []
    edge_ptr = np.zeros(n + 1, dtype=np.int64)
    if src:
        edge_ptr[1:] = np.cumsum(np.bincount(np.asarray(src), minlength=n))
    pledge_ptr = np.zeros(n + 1, dtype=np.int64)
    p_order = np.argsort(np.asarray(pledger, dtype=np.int64), kind="stable")
    if pledger:
        pledge_ptr[1:] = np.cumsum(np.bincount(np.asarray(pledger), minlength=n))

    def take(values: list, dtype) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[order] if src else np.zeros(0, dtype=dtype)

    if world.origins == "rivalries":
        pairs = [
            (index[r.states[0]], index[r.states[1]], r.hostility / 2)
            for r in world.rivalries
            if r.hostility > 0
        ]
        pairs = [p for a, b, w in pairs for p in ((a, b, w), (b, a, w))]
    else:
        pairs = [(index[o.initiator], index[o.target], o.weight) for o in world.origins]
    weights = np.array([w for _, _, w in pairs], dtype=np.float64)

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
        origins=[f"{codes[a]}->{codes[b]}" for a, b, _ in pairs],
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
        origin_a=np.array([a for a, _, _ in pairs], dtype=np.int32),
        origin_b=np.array([b for _, b, _ in pairs], dtype=np.int32),
        origin_weight=weights / weights.sum(),
        up=up,
        settle=settle,
        deterrence=float(esc.deterrence),
        sigma=float(esc.misperception) * (1.0 - pol.communication),
        defection=float(pol.defection),
        max_rounds=int(esc.max_rounds),
    )
