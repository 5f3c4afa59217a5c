"""The crisis-cascade kernel (one trial of the crisis model) and the loops that run it.

Inputs are the flat arrays of a compiled world (the tuple :data:`.encoding.WORLD_FIELDS`, built by
``tripwire.crisis.compile``); the kernels assume them valid (the compile step checks them).

:func:`crisis_trial` is one crisis, from its originators to its end: the long-horizon kernel calls
it for every crisis, as the loops here do. Three loops run it, each over a
block of work and without the GIL (``nogil``), so that the caller runs blocks on as many threads as
it likes (``tripwire.crisis.simulate`` does, with a thread pool); integer tallies of blocks add up,
so results never depend on the blocks or threads:

- :func:`run_block`: trials ``first .. last-1``;
- :func:`entangle_block`: origins ``o_first .. o_last-1``, each running the same trials (the
  entanglement map);
- :func:`criticality_block`: trials ``first .. last-1``, each on the world and on each variant
  without one treaty.

Draw order within a trial (fixed, documented in the project docs):
1. one draw for the origin (made by the loop, even where the origin is fixed);
2. two draws for the misperception factor, only when ``sigma > 0``;
3. joining closure: participants in joining order, each one's edges in CSR order (within a caller,
   edges are sorted by trigger level, then callee index, so the tried edges of a caller are always
   a prefix of its row, ending at ``level_end[caller, level]``); one draw per edge that is tried with a draw, and
   a second one on failure when ``defection > 0`` (treaty edges only); absent edges (negative
   threshold) are skipped without a draw;
4. one draw per escalation step.
"""

import numpy as np

from .accelerate import SCALAR, SERIAL, njit
from .encoding import FLIP_SHIFT, OUTSIDE, SIDE_A, SIDE_B
from .rng import INV53, next53, std_normal, trial_state

# Indices loaded from arrays are cast to unsigned: numba then skips its negative-index handling.
ONE = np.uint64(1)


@njit(**SCALAR)
def _restrained(j, join_side, side, pledge_ptr, pledge_to, pledge_on):
    """True when a pledge in force by ``j`` toward a participant on the other side bars ``j`` from
    ``join_side``."""
    for q in range(pledge_ptr[j], pledge_ptr[j + ONE]):
        s = side[np.uint64(pledge_to[q])]
        if s != OUTSIDE and s != join_side and pledge_on[q]:
            return True
    return False


@njit(**SCALAR)
def draw_origin(s0, s1, origin_cum):
    """The origin draw: ``o, s0, s1 = draw_origin(s0, s1, origin_cum)``."""
    r, s0, s1 = next53(s0, s1)
    o = min(np.searchsorted(origin_cum, r * INV53, side="right"), origin_cum.size - 1)
    return o, s0, s1


@njit(**SCALAR)
def place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side):
    """Put the originators of origin ``o`` on their sides: ``parts[:n_init]``, the first ``n_a`` on
    the initiator side. Returns ``(n_init, n_a)``."""
    lo = origin_ptr[o]
    n_init = origin_ptr[o + 1] - lo
    n_a = origin_n_a[o]
    for k in range(n_init):
        i = origin_state[lo + k]
        parts[k] = i
        side[np.uint64(i)] = SIDE_A if k < n_a else SIDE_B
    return n_init, n_a


@njit(**SERIAL)
def crisis_trial(
    s0,
    s1,
    n_init,
    n_a,
    world,
    capability,
    edge_thresh,
    backing_from,
    pledge_on,
    parts,
    side,
    ptr,
    honoured,
    failed,
):
    """One crisis (docs/model.md, "One trial", steps 2-5) from its originators to its end.

    On entry ``parts[:n_init]`` holds the originators (the first ``n_a`` on the initiator side),
    ``side`` marks them and no one else, and ``ptr[i] == edge_ptr[i]`` for every state (no edge
    tried). The trial runs on the structure in ``world`` (the tuple ``WORLD_FIELDS``) with the
    values given apart (``capability``, ``edge_thresh``, ``backing_from``, ``pledge_on``: the
    world's own, or a variant's), adds the treaties' honoured and failed obligations to
    ``honoured`` and ``failed``, and leaves ``parts``, ``side`` and ``ptr`` as the trial ended
    (:func:`end_trial` resets them).

    Returns ``(level, n_parts, rounds, s0, s1)``.
    """
    edge_ptr = world[1]
    level_end = world[2]
    edge_dst = world[3]
    edge_rule = world[4]
    edge_treaty = world[6]
    pledge_ptr = world[8]
    pledge_to = world[9]
    up = world[15]
    settle = world[16]
    deterrence = world[18]
    sigma = world[19]
    defection_thresh = world[20]
    max_rounds = world[21]
    top = settle.size - 1
    has_pledges = pledge_to.size > 0

    m = 1.0
    if sigma > 0.0:
        z, s0, s1 = std_normal(s0, s1)
        m = np.exp(sigma * z - 0.5 * sigma * sigma)

    strength_a = 0.0
    strength_b = 0.0
    for k in range(n_init):
        if k < n_a:
            strength_a += capability[np.uint64(parts[k])]
        else:
            strength_b += capability[np.uint64(parts[k])]
    n_parts = n_init
    level = 0
    rnd = 0

    while True:
        # joining closure: one pass over the growing participant list tries every edge with
        # trigger <= level exactly once
        idx = 0
        while idx < n_parts:
            i = np.uint64(parts[idx])
            si = side[i]
            end = level_end[i, level]
            for ee in range(np.uint64(ptr[i]), np.uint64(end)):
                th = edge_thresh[ee]
                if th < 0:
                    continue
                j = np.uint64(edge_dst[ee])
                if side[j] != OUTSIDE:
                    continue
                rule = edge_rule[ee]
                if not (rule >> si) & 1:
                    continue
                join = si ^ (rule >> FLIP_SHIFT)
                if has_pledges and _restrained(j, join, side, pledge_ptr, pledge_to, pledge_on):
                    continue
                r, s0, s1 = next53(s0, s1)
                k = edge_treaty[ee]
                if r >= th:
                    if k < 0:
                        continue
                    failed[k] += 1
                    if defection_thresh == 0:
                        continue
                    r, s0, s1 = next53(s0, s1)
                    if r >= defection_thresh:
                        continue
                    join = 1 - join
                    if _restrained(j, join, side, pledge_ptr, pledge_to, pledge_on):
                        continue
                elif k >= 0:
                    honoured[k] += 1
                side[j] = join
                parts[n_parts] = j
                n_parts += 1
                if join == SIDE_A:
                    strength_a += capability[j]
                else:
                    strength_b += capability[j]
            ptr[i] = end
            idx += 1

        # stop at the top of the ladder or after max_rounds
        if level == top or rnd == max_rounds:
            break

        # escalation step: the initiator sees the target originators' untried backing through m
        backing = 0.0
        for k in range(n_a, n_init):
            b = np.uint64(parts[k])
            if ptr[b] < edge_ptr[b + ONE]:
                backing += backing_from[ptr[b]]
        denom = strength_a + strength_b + m * backing
        rho = 0.5 if denom == 0.0 else strength_a / denom
        p_up = min(1.0, up[level] * (2.0 * rho) ** deterrence)
        p_settle = settle[level]
        total = p_up + p_settle
        if total > 1.0:
            p_up /= total
            p_settle /= total
        r, s0, s1 = next53(s0, s1)
        u = r * INV53
        if u < p_settle:
            break
        if u < p_settle + p_up:
            level += 1
        rnd += 1
    return level, n_parts, rnd, s0, s1


@njit(**SCALAR)
def end_trial(parts, n_parts, side, ptr, edge_ptr):
    """Reset what a trial touched (``side``, ``ptr``); returns the number of edges it tried."""
    n_tried = 0
    for idx in range(n_parts):
        j = np.uint64(parts[idx])
        n_tried += ptr[j] - edge_ptr[j]
        ptr[j] = edge_ptr[j]
        side[j] = OUTSIDE
    return n_tried


@njit(**SERIAL)
def run_block(seed, first, last, world, out):
    """Run trials ``first .. last-1`` of ``world`` (the tuple ``WORLD_FIELDS``) and add their
    tallies to ``out``: the arrays of ``TALLY_FIELDS`` (``outcome_count[level, size]`` with sizes
    0..n_states, ``edge_tries`` as an array of one).
    """
    capability = world[0]
    edge_ptr = world[1]
    edge_thresh = world[5]
    backing_from = world[7]
    pledge_on = world[10]
    origin_ptr = world[11]
    origin_state = world[12]
    origin_n_a = world[13]
    origin_cum = world[14]
    war_level = world[17]
    outcome, involved, war, side_count, origin_level, honoured, failed, rounds_hist, tries = out
    n_states = capability.size
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    seed_u = np.uint64(seed)
    n_tried = 0

    for t in range(first, last):
        s0, s1 = trial_state(seed_u, np.uint64(t))
        o, s0, s1 = draw_origin(s0, s1, origin_cum)
        n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
        level, n_parts, rnd, s0, s1 = crisis_trial(
            s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on,
            parts, side, ptr, honoured, failed,
        )  # fmt: skip
        outcome[level, n_parts] += 1
        origin_level[o, level] += 1
        rounds_hist[rnd] += 1
        at_war = level >= war_level
        for idx in range(n_parts):
            j = np.uint64(parts[idx])
            involved[j] += 1
            side_count[j, side[j]] += 1
            if at_war:
                war[j] += 1
        n_tried += end_trial(parts, n_parts, side, ptr, edge_ptr)
    tries[0] += n_tried


@njit(**SERIAL)
def entangle_block(seed, n_trials, o_first, o_last, world, out):
    """Origins ``o_first .. o_last-1`` of ``world`` each run trials ``0 .. n_trials - 1`` with their
    originators fixed: the origin draw is made and ignored, so each origin's tallies equal those of
    :func:`run_block` on the world whose only origin it is, bit for bit. Adds to the rows of those
    origins in ``out``, the arrays of ``ENTANGLE_FIELDS``.
    """
    capability = world[0]
    edge_ptr = world[1]
    edge_thresh = world[5]
    backing_from = world[7]
    pledge_on = world[10]
    origin_ptr = world[11]
    origin_state = world[12]
    origin_n_a = world[13]
    origin_cum = world[14]
    level_count, size_count, involved, side_count, state_level = out
    n_states = capability.size
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    n_treaties = edge_treaty_count(world)
    honoured = np.zeros(n_treaties, dtype=np.int64)
    failed = np.zeros(n_treaties, dtype=np.int64)
    seed_u = np.uint64(seed)
    for o in range(o_first, o_last):
        for t in range(n_trials):
            s0, s1 = trial_state(seed_u, np.uint64(t))
            _, s0, s1 = draw_origin(s0, s1, origin_cum)
            n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
            level, n_parts, rnd, s0, s1 = crisis_trial(
                s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on,
                parts, side, ptr, honoured, failed,
            )  # fmt: skip
            level_count[o, level] += 1
            size_count[o, n_parts] += 1
            for idx in range(n_parts):
                j = np.uint64(parts[idx])
                involved[o, j] += 1
                side_count[o, j, side[j]] += 1
                state_level[o, j, level] += 1
            end_trial(parts, n_parts, side, ptr, edge_ptr)


@njit(**SCALAR)
def edge_treaty_count(world):
    """1 + the largest treaty index on an edge (0 without treaty edges): room for the tallies."""
    edge_treaty = world[6]
    return edge_treaty.max() + 1 if edge_treaty.size else 0


@njit(**SERIAL)
def criticality_block(seed, first, last, world, thresh_v, backing_v, pledge_on_v, joint):
    """Trials ``first .. last-1``, each on ``world`` and on each variant ``v`` (its own edge
    thresholds, backing and pledges in force: the world without one treaty), on the same random
    stream; adds to ``joint[v, base_level, variant_level]`` (``CRITICALITY_FIELDS``). Variant ``v``
    alone equals :func:`run_block` on the world without that treaty, bit for bit.
    """
    n_variants = thresh_v.shape[0]
    capability = world[0]
    edge_ptr = world[1]
    edge_thresh = world[5]
    backing_from = world[7]
    pledge_on = world[10]
    origin_ptr = world[11]
    origin_state = world[12]
    origin_n_a = world[13]
    origin_cum = world[14]
    n_states = capability.size
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    n_treaties = edge_treaty_count(world)
    honoured = np.zeros(n_treaties, dtype=np.int64)
    failed = np.zeros(n_treaties, dtype=np.int64)
    seed_u = np.uint64(seed)
    for t in range(first, last):
        s0, s1 = trial_state(seed_u, np.uint64(t))
        o, s0, s1 = draw_origin(s0, s1, origin_cum)
        n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
        base, n_parts, rnd, _, _ = crisis_trial(
            s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on,
            parts, side, ptr, honoured, failed,
        )  # fmt: skip
        end_trial(parts, n_parts, side, ptr, edge_ptr)
        for v in range(n_variants):
            n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
            level, n_parts, rnd, _, _ = crisis_trial(
                s0, s1, n_init, n_a, world, capability, thresh_v[v], backing_v[v], pledge_on_v[v],
                parts, side, ptr, honoured, failed,
            )  # fmt: skip
            end_trial(parts, n_parts, side, ptr, edge_ptr)
            joint[v, base, level] += 1
