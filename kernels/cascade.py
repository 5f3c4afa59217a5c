"""The crisis-cascade kernel (DESIGN.md §2.3).

Inputs are the flat arrays of a compiled world (see ``tripwire.crisis.compile``); the kernel assumes them
valid. Trials are split into blocks run over ``prange``; each block keeps its own integer tallies,
which are summed at the end, so the result does not depend on the number of blocks or threads.

Draw order within a trial (fixed, documented in the project docs):
1. one draw for the origin;
2. two draws for the misperception factor, only when ``sigma > 0``;
3. joining closure: participants in joining order, each one's edges in CSR order (within a caller,
   edges are sorted by trigger level, so the tried edges of a caller are always a prefix of its
   row, ending at ``level_end[caller, level]``); one draw per edge that is tried with a draw, and
   a second one on failure when ``defection > 0`` (treaty edges only);
4. one draw per escalation step.
"""

import numpy as np

from .accelerate import PARALLEL, SCALAR, SERIAL, njit, prange
from .rng import INV53, next53, std_normal, trial_state

# An edge's side rule (one int8): bit s set = the edge applies when its caller is on side s;
# bit 2 set = the callee joins the side opposing the caller. See tripwire.crisis.compile.SIDE_RULE.
FLIP_SHIFT = 2

#: The world tuple the kernels take, in order (built by ``tripwire.crisis.compile.CompiledWorld``).
WORLD_FIELDS = (
    "capability",
    "edge_ptr",
    "level_end",
    "edge_dst",
    "edge_rule",
    "edge_thresh",
    "edge_treaty",
    "backing_from",
    "pledge_ptr",
    "pledge_to",
    "origin_a",
    "origin_b",
    "origin_cum",
    "up",
    "settle",
    "war_level",
    "deterrence",
    "sigma",
    "defection_thresh",
    "max_rounds",
)

# Indices loaded from arrays are cast to unsigned: numba then skips its negative-index handling.
ONE = np.uint64(1)

SIDE_A = 0  # initiator side
SIDE_B = 1  # target side
OUTSIDE = -1


@njit(**SCALAR)
def _restrained(j, join_side, side, pledge_ptr, pledge_to):
    """True when a pledge by ``j`` toward a participant on the other side bars ``j`` from ``join_side``."""
    for q in range(pledge_ptr[j], pledge_ptr[j + ONE]):
        s = side[np.uint64(pledge_to[q])]
        if s != OUTSIDE and s != join_side:
            return True
    return False


@njit(**SERIAL)
def _block(seed, first, last, world, out):
    """Run trials ``first .. last-1`` of ``world`` (the tuple ``WORLD_FIELDS``) and add their
    tallies to ``out`` (the tuple of tally arrays, then ``tries[1]``).

    Tallies accumulate in arrays local to the block (no two threads write one cache line) and
    are added to the outputs once at the end.
    """
    (
        capability,
        edge_ptr,
        level_end,
        edge_dst,
        edge_rule,
        edge_thresh,
        edge_treaty,
        backing_from,
        pledge_ptr,
        pledge_to,
        origin_a,
        origin_b,
        origin_cum,
        up,
        settle,
        war_level,
        deterrence,
        sigma,
        defection_thresh,
        max_rounds,
    ) = world
    (
        out_outcome,
        out_involved,
        out_war,
        out_side_count,
        out_origin_level,
        out_honoured,
        out_failed,
        out_rounds_hist,
        out_tries,
    ) = out
    outcome = np.zeros_like(out_outcome)
    involved = np.zeros_like(out_involved)
    war = np.zeros_like(out_war)
    side_count = np.zeros_like(out_side_count)
    origin_level = np.zeros_like(out_origin_level)
    honoured = np.zeros_like(out_honoured)
    failed = np.zeros_like(out_failed)
    rounds_hist = np.zeros_like(out_rounds_hist)
    n_states = capability.size
    n_origins = origin_a.size
    top = settle.size - 1
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    seed_u = np.uint64(seed)
    has_pledges = pledge_to.size > 0
    half_sigma2 = 0.5 * sigma * sigma
    n_tried = 0

    for t in range(first, last):
        s0, s1 = trial_state(seed_u, np.uint64(t))

        # 1. origin
        r, s0, s1 = next53(s0, s1)
        u = r * INV53
        o = min(np.searchsorted(origin_cum, u, side="right"), n_origins - 1)
        a = np.uint64(origin_a[o])
        b = np.uint64(origin_b[o])

        # 2. misperception
        m = 1.0
        if sigma > 0.0:
            z, s0, s1 = std_normal(s0, s1)
            m = np.exp(sigma * z - half_sigma2)

        side[a] = SIDE_A
        side[b] = SIDE_B
        parts[0] = a
        parts[1] = b
        n_parts = 2
        strength_a = capability[a]
        strength_b = capability[b]
        level = 0
        rnd = 0

        while True:
            # 3. joining closure: one pass over the growing participant list tries every
            #    edge with trigger <= level exactly once
            idx = 0
            while idx < n_parts:
                i = np.uint64(parts[idx])
                si = side[i]
                end = level_end[i, level]
                for ee in range(np.uint64(ptr[i]), np.uint64(end)):
                    j = np.uint64(edge_dst[ee])
                    if side[j] != OUTSIDE:
                        continue
                    rule = edge_rule[ee]
                    if not (rule >> si) & 1:
                        continue
                    join = si ^ (rule >> FLIP_SHIFT)
                    if has_pledges and _restrained(j, join, side, pledge_ptr, pledge_to):
                        continue
                    r, s0, s1 = next53(s0, s1)
                    k = edge_treaty[ee]
                    if r >= edge_thresh[ee]:
                        if k < 0:
                            continue
                        failed[k] += 1
                        if defection_thresh == 0:
                            continue
                        r, s0, s1 = next53(s0, s1)
                        if r >= defection_thresh:
                            continue
                        join = 1 - join
                        if _restrained(j, join, side, pledge_ptr, pledge_to):
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

            # 4. stop at the top of the ladder or after max_rounds
            if level == top or rnd == max_rounds:
                break

            # 5. escalation step
            backing = backing_from[ptr[b]] if ptr[b] < edge_ptr[b + ONE] else 0.0
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

        # 6. record, then reset only what this trial touched
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
            n_tried += ptr[j] - edge_ptr[j]
            ptr[j] = edge_ptr[j]
            side[j] = OUTSIDE
    out_outcome += outcome
    out_involved += involved
    out_war += war
    out_side_count += side_count
    out_origin_level += origin_level
    out_honoured += honoured
    out_failed += failed
    out_rounds_hist += rounds_hist
    out_tries[0] += n_tried


@njit(**PARALLEL)
def run_trials(seed, first_trial, n_trials, n_blocks, shape, world):
    """Run trials ``first_trial .. first_trial + n_trials - 1`` of ``world`` (the tuple
    ``WORLD_FIELDS``) in ``n_blocks`` blocks. ``shape`` is ``(states, levels, origins, treaties,
    rounds)``, the sizes of the tallies (rivalry edges have treaty id -1).

    Returns the integer tallies ``(outcome[level, size], involved[state], war[state],
    side[state, 2], origin_level[origin, level], honoured[treaty], failed[treaty],
    rounds[round], tries[1])`` summed over blocks.
    """
    n_states, n_levels, n_origins, n_treaties, n_rounds = shape
    outcome = np.zeros((n_blocks, n_levels, n_states + 1), dtype=np.int64)
    involved = np.zeros((n_blocks, n_states), dtype=np.int64)
    war = np.zeros((n_blocks, n_states), dtype=np.int64)
    side_count = np.zeros((n_blocks, n_states, 2), dtype=np.int64)
    origin_level = np.zeros((n_blocks, n_origins, n_levels), dtype=np.int64)
    honoured = np.zeros((n_blocks, n_treaties), dtype=np.int64)
    failed = np.zeros((n_blocks, n_treaties), dtype=np.int64)
    rounds_hist = np.zeros((n_blocks, n_rounds), dtype=np.int64)
    tries = np.zeros((n_blocks, 1), dtype=np.int64)
    for blk in prange(n_blocks):
        first = first_trial + (n_trials * blk) // n_blocks
        last = first_trial + (n_trials * (blk + 1)) // n_blocks
        out = (
            outcome[blk],
            involved[blk],
            war[blk],
            side_count[blk],
            origin_level[blk],
            honoured[blk],
            failed[blk],
            rounds_hist[blk],
            tries[blk],
        )
        _block(seed, first, last, world, out)
    return (
        outcome.sum(axis=0),
        involved.sum(axis=0),
        war.sum(axis=0),
        side_count.sum(axis=0),
        origin_level.sum(axis=0),
        honoured.sum(axis=0),
        failed.sum(axis=0),
        rounds_hist.sum(axis=0),
        tries.sum(axis=0),
    )
