"""Slow, obvious reference implementation of one trial (docs/model.md, "One trial"), straight from the World.

It shares no code with the compile step or the kernel. Uniform draws come from a ``draw()``
callable: either :class:`TripwireStream` (a plain-integer port of the kernel's counter-based
generator, for exact comparison) or numpy's generator (for an independent statistical check).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

M64 = (1 << 64) - 1


def splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & M64


class TripwireStream:
    """xoroshiro128+ seeded from splitmix64 of (seed, trial), as docs/model.md describes."""

    def __init__(self, seed: int, trial: int):
        key = splitmix64((splitmix64(seed) + trial) & M64)
        self.s0 = splitmix64(key)
        self.s1 = splitmix64(key ^ 0xD1B54A32D192ED03)

    def __call__(self) -> float:
        s0, s1 = self.s0, self.s1
        result = ((s0 + s1) & M64) >> 11
        s1 ^= s0
        self.s0 = rotl(s0, 24) ^ s1 ^ ((s1 << 16) & M64)
        self.s1 = rotl(s1, 37)
        return result / 2.0**53


KINDS = {"defense": "DEFEND", "offense": "ASSIST", "entente": "ALIGN", "consultation": "ALIGN"}


def edges_of(world) -> dict[str, list[dict]]:
    """Outgoing edges per caller, in the documented order (by trigger, then callee index; ties in
    file order)."""
    levels = world.ladder.levels
    position = {s.code: k for k, s in enumerate(world.states)}
    out: dict[str, list[dict]] = {s.code: [] for s in world.states}
    for t in world.treaties:
        if t.kind in ("neutrality", "nonaggression"):
            continue
        owing = t.guarantors or t.members
        for g in owing:
            for m in t.members:
                if m != g:
                    out[m].append(
                        dict(
                            to=g,
                            kind=KINDS[t.kind],
                            p=t.reliability,
                            trigger=levels.index(t.trigger),
                            treaty=t.name,
                        )
                    )
    for r in world.rivalries:
        x, y = r.states
        for i, j in ((x, y), (y, x)):
            out[i].append(
                dict(to=j, kind="OPPOSE", p=r.hostility, trigger=levels.index(r.trigger), treaty=None)
            )
    for b in world.borders:
        x, y = b.states
        p = b.joining if b.joining is not None else getattr(world.neighbours.joining, b.type)
        trigger = levels.index(b.trigger if b.trigger is not None else world.neighbours.trigger)
        for i, j in ((x, y), (y, x)):
            out[i].append(dict(to=j, kind="OPPOSE", p=p, trigger=trigger, treaty=None))
    for code in out:
        out[code].sort(key=lambda e: (e["trigger"], position[e["to"]]))  # stable
    return out


def pledge_list(world) -> dict[str, list[tuple[str, str]]]:
    """pledges[j] = (x, treaty) for every state x that j has pledged never to oppose, by that treaty."""
    out: dict[str, list[tuple[str, str]]] = {s.code: [] for s in world.states}
    for t in world.treaties:
        if t.kind in ("neutrality", "nonaggression"):
            for g in t.guarantors or t.members:
                out[g] += [(m, t.name) for m in t.members if m != g]
    return out


def pledges_of(world) -> dict[str, set[str]]:
    """pledges[j] = the states j has pledged never to oppose."""
    return {j: {x for x, _ in row} for j, row in pledge_list(world).items()}


def origins_of(world) -> list[tuple[list[str], list[str], float]]:
    """(initiators, targets, weight) of every origin."""
    if world.origins == "rivalries":
        pairs = []
        for r in world.rivalries:
            if r.hostility > 0:
                x, y = r.states
                pairs += [([x], [y], r.hostility / 2), ([y], [x], r.hostility / 2)]
        return pairs
    return [(o.initiators, o.targets, o.weight) for o in world.origins]


class Escalation:
    """The effective escalation of a world (policies applied): ``up``, ``settle``, ``sigma``,
    ``deterrence``, ``max_rounds``, ``defection`` and the top level."""

    def __init__(self, world):
        levels = world.ladder.levels
        war = levels.index(world.ladder.war)
        esc, pol = world.escalation, world.policy
        self.top = len(levels) - 1
        self.sigma = esc.misperception * (1 - pol.communication)
        self.settle = [1 - (1 - s) * (1 - pol.dispute_resolution) for s in esc.settle]
        self.up = [u * (1 - pol.confidence_building) if lv < war else u for lv, u in enumerate(esc.up)]
        self.deterrence = esc.deterrence
        self.max_rounds = esc.max_rounds
        self.defection = pol.defection


def edge_step(e, si, restrained, p, defection, draw, honoured, failed):
    """Step 3 of "One trial" for edge ``e`` (probability ``p``) of a caller on side ``si`` toward
    a callee outside the crisis (``restrained(s)``: its pledges bar it from side ``s``): the side
    rule, the pledges, the draw, defection, and the treaty's honoured or failed obligation. Returns
    the side the callee joins, or None."""
    if (e["kind"] == "DEFEND" and si != 1) or (e["kind"] == "ASSIST" and si != 0):
        return None
    join = 1 - si if e["kind"] == "OPPOSE" else si
    if restrained(join):
        return None
    if draw() < p:
        if e["treaty"] is not None:
            honoured[e["treaty"]] += 1
        return join
    if e["treaty"] is None:
        return None
    failed[e["treaty"]] += 1
    if defection == 0 or draw() >= defection:
        return None
    join = 1 - join
    return None if restrained(join) else join


def crisis(esc, edges, pledged, cap, initiators, targets, draw, honoured, failed, prob=None, live=None):
    """One crisis (steps 2-5 of "One trial") from its originators to its end, under the escalation
    ``esc`` (:class:`Escalation`) with capabilities ``cap``: ``pledged(j)`` lists the states ``j``
    has pledged (in force) not to oppose, ``prob(e)`` is an edge's probability (default its own)
    and ``live(e)`` whether it is there (default: every edge); obligations honoured and failed are
    added to ``honoured`` and ``failed`` by treaty. Returns ``(level, rounds, order, side)``."""
    prob = prob or (lambda e: e["p"])
    live = live or (lambda e: True)
    m = 1.0
    if esc.sigma > 0:
        u1 = draw() + 2.0**-53  # (r + 1) / 2**53: in (0, 1]
        u2 = draw()
        z = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
        m = math.exp(esc.sigma * z - esc.sigma * esc.sigma / 2)
    side = {**{x: 0 for x in initiators}, **{x: 1 for x in targets}}
    order = [*initiators, *targets]
    tried: set[tuple[str, int]] = set()
    level, rnd = 0, 0

    def restrained(j: str, s: int) -> bool:
        return any(x in side and side[x] != s for x in pledged(j))

    while True:
        k = 0
        while k < len(order):
            i = order[k]
            for n, e in enumerate(edges[i]):
                if e["trigger"] > level or (i, n) in tried:
                    continue
                tried.add((i, n))
                j = e["to"]
                if j in side or not live(e):
                    continue
                join = edge_step(
                    e,
                    side[i],
                    lambda s, j=j: restrained(j, s),
                    prob(e),
                    esc.defection,
                    draw,
                    honoured,
                    failed,
                )
                if join is not None:
                    side[j] = join
                    order.append(j)
            k += 1
        if level == esc.top or rnd == esc.max_rounds:
            break
        # each target's untried DEFEND and ALIGN edges (a suffix of its row), summed from the last
        backing = 0.0
        for b in targets:
            row = 0.0
            for n in range(len(edges[b]) - 1, -1, -1):
                e = edges[b][n]
                if (b, n) in tried:
                    break
                if e["kind"] in ("DEFEND", "ALIGN"):
                    row += (prob(e) if live(e) else 0.0) * cap[e["to"]]
            backing += row
        s_a = sum(cap[x] for x in order if side[x] == 0)
        s_b = sum(cap[x] for x in order if side[x] == 1)
        denom = s_a + s_b + m * backing
        rho = 0.5 if denom == 0 else s_a / denom
        p_up = min(1.0, esc.up[level] * (2 * rho) ** esc.deterrence)
        p_settle = esc.settle[level]
        if p_up + p_settle > 1:
            p_up, p_settle = p_up / (p_up + p_settle), p_settle / (p_up + p_settle)
        u = draw()
        if u < p_settle:
            break
        if u < p_settle + p_up:
            level += 1
        rnd += 1
    return level, rnd, order, side


def run_reference(world, trials: int, draw_factory) -> dict:
    """Run ``trials`` trials; ``draw_factory(t)`` returns the uniform source of trial ``t``."""
    edges, pledges, origins = edges_of(world), pledges_of(world), origins_of(world)
    cap = {s.code: s.capability for s in world.states}
    esc = Escalation(world)
    war = world.ladder.levels.index(world.ladder.war)
    total_w = sum(w for *_, w in origins)
    tallies = dict(
        outcome=Counter(),
        involved=Counter(),
        war=Counter(),
        side=Counter(),
        origin_level=Counter(),
        honoured=Counter(),
        failed=Counter(),
        rounds=Counter(),
    )

    for t in range(trials):
        draw = draw_factory(t)
        u = draw()
        acc, o = 0.0, len(origins) - 1
        for k, (*_, w) in enumerate(origins):
            acc += w / total_w
            if u < acc:
                o = k
                break
        initiators, targets, _ = origins[o]
        level, rnd, order, side = crisis(
            esc,
            edges,
            pledges.__getitem__,
            cap,
            initiators,
            targets,
            draw,
            tallies["honoured"],
            tallies["failed"],
        )
        tallies["outcome"][(level, len(order))] += 1
        tallies["origin_level"][(o, level)] += 1
        tallies["rounds"][rnd] += 1
        for x in order:
            tallies["involved"][x] += 1
            tallies["side"][(x, side[x])] += 1
            if level >= war:
                tallies["war"][x] += 1
    return tallies


def as_arrays(world, tallies: dict) -> dict[str, np.ndarray]:
    """The reference tallies in the layout of ``tripwire.simulate``'s dataset."""
    codes = [s.code for s in world.states]
    n, n_levels = len(codes), len(world.ladder.levels)
    names = [t.name for t in world.treaties]
    n_origins = len(origins_of(world))
    out = {
        "outcome_count": np.zeros((n_levels, n - 1), dtype=np.int64),
        "involved_count": np.array([tallies["involved"][c] for c in codes], dtype=np.int64),
        "war_count": np.array([tallies["war"][c] for c in codes], dtype=np.int64),
        "side_count": np.array([[tallies["side"][(c, s)] for s in (0, 1)] for c in codes], dtype=np.int64),
        "origin_level_count": np.array(
            [[tallies["origin_level"][(o, lv)] for lv in range(n_levels)] for o in range(n_origins)],
            dtype=np.int64,
        ),
        "treaty_honoured": np.array([tallies["honoured"][x] for x in names], dtype=np.int64),
        "treaty_failed": np.array([tallies["failed"][x] for x in names], dtype=np.int64),
        "rounds_count": np.array(
            [tallies["rounds"][r] for r in range(world.escalation.max_rounds + 1)], dtype=np.int64
        ),
    }
    for (lv, size), count in tallies["outcome"].items():
        out["outcome_count"][lv, size - 2] = count
    return out
