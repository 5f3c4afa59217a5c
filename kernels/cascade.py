"""The crisis-cascade kernel (one trial of the crisis model) and the loops that run it.

Inputs are the flat arrays of a compiled world (the named tuple :class:`.encoding.KernelWorld`,
built by ``tripwire.crisis.compile``); the kernels assume them valid (the compile step checks them).

:func:`trial` is one crisis, from its originators to its end: the loops here inline it and the
long-horizon kernel calls it for every crisis (as :func:`crisis_trial`). Three loops run it, each
over a block of work and without the GIL (``nogil``), so that the caller runs blocks on as many threads as
it likes (``tripwire.crisis.simulate`` does, with a thread pool); integer tallies of blocks add up,
so results never depend on the blocks or threads:

- :func:`run_block`: trials ``first .. last-1``;
- :func:`entangle_block`: origins ``o_first .. o_last-1``, each running the same trials (the
  entanglement map);
- :func:`criticality_block`: trials ``first .. last-1``, each on the world and on each variant
  without one treaty.

Two joining closures give the same draws and tallies, bit for bit: the CSR closure walks every
edge of a caller; the bitset closure (the ``*_bits`` loops, which take the world's
:class:`.encoding.KernelBits`) walks, per (caller, trigger level), only the callees still outside
the crisis with an edge that applies on the caller's side: ``applicable & ~involved`` word by word,
lowest bit first, each callee's edges found by a popcount rank. Both write out step 3 of "One
trial" for an edge (the same lines in each: a helper for it, inlined with scalar arguments, made
the heaviest scenario 5 % slower and the kernels' compile 2.6 s longer). The bitset closure reads
the world's own pledges, so loops that run variants with other pledges in force (criticality, the
long horizon) use the CSR closure.

Draw order within a trial (fixed, documented in the project docs):
1. one draw for the origin (made by the loop, even where the origin is fixed);
2. two draws for the misperception factor, only when ``sigma > 0``;
3. joining closure: participants in joining order, each one's edges in CSR order (within a caller,
   edges are sorted by trigger level, then callee index, so the tried edges of a caller are always
   a prefix of its row, ending at ``level_end[caller, level]``); one draw per edge that is tried
   with a draw, and a second one on failure when ``defection > 0`` (treaty edges only); absent
   edges (negative threshold) are skipped without a draw;
4. one draw per escalation step.
"""

import numpy as np
from numba import types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from .accelerate import SCALAR, SERIAL, njit
from .encoding import FLIP_SHIFT, OUTSIDE, SIDE_A, SIDE_B, BitsScratch, KernelBits
from .rng import INV53, next53, std_normal, trial_state

# Indices loaded from arrays are cast to unsigned: numba then skips its negative-index handling.
ONE = np.uint64(1)
SIX = np.uint64(6)
LOW6 = np.uint64(63)
ZERO64 = np.uint64(0)


@intrinsic
def popcount(typingctx, x):
    """The number of set bits of a uint64 (one ``popcnt``)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@njit(**SCALAR)
def draw_origin(s0, s1, origin_cum, origin_guide):
    """The origin draw: ``o, s0, s1 = draw_origin(s0, s1, origin_cum, origin_guide)``, the first
    origin whose cumulative weight exceeds the draw (the last one at most), found from the guide
    table's bucket of the draw."""
    r, s0, s1 = next53(s0, s1)
    u = r * INV53
    o = origin_guide[np.int64(u * origin_guide.size)]
    last = origin_cum.size - 1
    while o < last and origin_cum[o] <= u:
        o += 1
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


@njit(**SCALAR)
def no_bits():
    """The empty :class:`.encoding.KernelBits`: :func:`crisis_trial` then uses the CSR closure."""
    return KernelBits(
        np.zeros(1, dtype=np.int64),
        np.zeros((0, 5), dtype=np.uint64),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.uint64),
    )


@njit(**SCALAR)
def new_scratch(n_states, bits):
    """The per-thread :class:`.encoding.BitsScratch` of the bitset closure (empty for the CSR
    closure)."""
    n = n_states if bits.word.shape[0] > 0 else 0
    n_words = (n + 63) // 64
    return BitsScratch(
        np.zeros(n_words, dtype=np.uint64),
        np.zeros((2, n_words), dtype=np.uint64),
        np.full(n, -1, dtype=np.int64),
    )


@njit(**SCALAR)
def _odds(level, m, sa, sb, backing, up, settle, deterrence):
    """Step 5 of "One trial": ``(p_settle, p_settle + p_up)`` at ``level`` with these sides."""
    denom = sa + sb + m * backing
    rho = 0.5 if denom == 0.0 else sa / denom
    p_up = up[level]
    if p_up != 0.0:
        x = 2.0 * rho
        # pow only where its result is not known exactly
        if deterrence == 1.0:
            p_up *= x
        elif deterrence != 0.0 and x != 1.0:
            p_up *= x**deterrence
        p_up = min(1.0, p_up)
    p_settle = settle[level]
    total = p_up + p_settle
    if total > 1.0:
        p_up /= total
        p_settle /= total
    return p_settle, p_settle + p_up


@njit(**SCALAR)
def trial(s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on, parts, side, ptr,
          honoured, failed, bits, scratch, use_bits):  # fmt: skip
    """One crisis (docs/model.md, "One trial", steps 2-5) from its originators to its end.

    On entry ``parts[:n_init]`` holds the originators (the first ``n_a`` on the initiator side),
    ``side`` marks them and no one else, and ``ptr[i] == edge_ptr[i]`` for every state (no edge
    tried). The trial runs on the structure in ``world`` (a :class:`.encoding.KernelWorld`) with the
    values given apart (``capability``, ``edge_thresh``, ``backing_from``, ``pledge_on``: the
    world's own, or a variant's), adds the treaties' honoured and failed obligations to
    ``honoured`` and ``failed``, and leaves ``parts``, ``side`` and ``ptr`` as the trial ended
    (:func:`end_trial` resets them). ``use_bits`` (a constant where it is called, so the other
    closure's code is compiled away) selects the bitset closure, which reads ``bits``, the world's
    :class:`.encoding.KernelBits` (the world's own pledges only), and ``scratch`` from
    :func:`new_scratch`; the CSR closure takes :func:`no_bits`.

    The joining closure runs at level 0 and after each climb only: at an unchanged level it would
    try nothing. The escalation odds are recomputed only after a closure (sides and backing change
    nowhere else).

    Returns ``(level, n_parts, rounds, edge draws, s0, s1)``.
    """
    edge_ptr = world.edge_ptr
    level_end = world.level_end
    edge_dst = world.edge_dst
    edge_rule = world.edge_rule
    edge_treaty = world.edge_treaty
    pledge_ptr = world.pledge_ptr
    pledge_to = world.pledge_to
    up = world.up
    settle = world.settle
    deterrence = world.deterrence
    sigma = world.sigma
    defection_thresh = world.defection_thresh
    max_rounds = world.max_rounds
    group_ptr = bits.group_ptr
    word = bits.word
    slot_ptr = bits.slot_ptr
    pw_ptr = bits.pledge_word_ptr
    pw_word = bits.pledge_word
    pw_bits = bits.pledge_bits
    involved = scratch.involved
    on_side = scratch.on_side
    done = scratch.done
    top = settle.size - 1
    n_levels = level_end.shape[1]
    has_pledges = pledge_to.size > 0

    m = 1.0
    if sigma > 0.0:
        z, s0, s1 = std_normal(s0, s1)
        m = np.exp(sigma * z - 0.5 * sigma * sigma)

    parallel = slot_ptr.size - 1 != edge_dst.size
    if use_bits:
        for k in range(n_init):
            j = np.uint64(parts[k])
            bit = ONE << (j & LOW6)
            involved[j >> SIX] |= bit
            on_side[np.uint64(side[j]), j >> SIX] |= bit
    sa = 0.0
    sb = 0.0
    n_summed = 0
    n_parts = n_init
    level = 0
    rnd = 0
    draws = 0
    while True:
        # joining closure at this level: one pass over the growing participant list tries every
        # edge with trigger <= level not tried yet
        idx = 0
        while idx < n_parts:
            i = np.uint64(parts[idx])
            si = side[i]
            if use_bits:
                g = np.int64(i) * n_levels
                for t in range(done[i] + 1, level + 1):
                    for w in range(group_ptr[g + t], group_ptr[g + t + 1]):
                        wi = word[w, 0]
                        cand = word[w, 3 + si] & ~involved[wi]
                        while cand != ZERO64:
                            b = trailing_zeros(cand)
                            cand &= cand - ONE
                            j = (wi << SIX) | b
                            barred = 0
                            if has_pledges:
                                for q in range(pw_ptr[j], pw_ptr[j + ONE]):
                                    wq = pw_word[q]
                                    if pw_bits[q] & on_side[0, wq]:
                                        barred |= 2
                                    if pw_bits[q] & on_side[1, wq]:
                                        barred |= 1
                            slot = word[w, 1] + popcount(word[w, 2] & ((ONE << b) - ONE))
                            lo = slot
                            hi = slot + ONE
                            if parallel:
                                lo = np.uint64(slot_ptr[slot])
                                hi = np.uint64(slot_ptr[slot + ONE])
                            for ee in range(lo, hi):
                                # step 3 of "One trial" for edge ee (as in the CSR closure below)
                                th = edge_thresh[ee]
                                if th < 0:
                                    continue
                                rule = edge_rule[ee]
                                if not (rule >> si) & 1:
                                    continue
                                join = si ^ (rule >> FLIP_SHIFT)
                                if (barred >> join) & 1:
                                    continue
                                r, s0, s1 = next53(s0, s1)
                                draws += 1
                                k = edge_treaty[ee]
                                if r >= th:
                                    if k < 0:
                                        continue
                                    failed[k] += 1
                                    if defection_thresh == 0:
                                        continue
                                    r, s0, s1 = next53(s0, s1)
                                    draws += 1
                                    if r >= defection_thresh:
                                        continue
                                    join = 1 - join
                                    if (barred >> join) & 1:
                                        continue
                                elif k >= 0:
                                    honoured[k] += 1
                                side[j] = join
                                parts[n_parts] = j
                                n_parts += 1
                                bit = ONE << b
                                involved[wi] |= bit
                                if has_pledges:
                                    on_side[np.uint64(join), wi] |= bit
                                break
                done[i] = level
            else:
                for ee in range(np.uint64(ptr[i]), np.uint64(level_end[i, level])):
                    j = np.uint64(edge_dst[ee])
                    if side[j] != OUTSIDE:
                        continue
                    barred = 0
                    if has_pledges:
                        for q in range(pledge_ptr[j], pledge_ptr[j + ONE]):
                            sq = side[np.uint64(pledge_to[q])]
                            if sq != OUTSIDE and pledge_on[q]:
                                barred |= 1 << (1 - sq)
                    th = edge_thresh[ee]
                    if th < 0:
                        continue
                    rule = edge_rule[ee]
                    if not (rule >> si) & 1:
                        continue
                    join = si ^ (rule >> FLIP_SHIFT)
                    if (barred >> join) & 1:
                        continue
                    r, s0, s1 = next53(s0, s1)
                    draws += 1
                    k = edge_treaty[ee]
                    if r >= th:
                        if k < 0:
                            continue
                        failed[k] += 1
                        if defection_thresh == 0:
                            continue
                        r, s0, s1 = next53(s0, s1)
                        draws += 1
                        if r >= defection_thresh:
                            continue
                        join = 1 - join
                        if (barred >> join) & 1:
                            continue
                    elif k >= 0:
                        honoured[k] += 1
                    side[j] = join
                    parts[n_parts] = j
                    n_parts += 1
            ptr[i] = level_end[i, level]
            idx += 1

        # escalation steps until the crisis climbs (then the closure again) or ends; the odds
        # change only with the level and the sides
        p_settle = 0.0
        p_climb = 0.0
        fresh = True
        climbed = False
        while level != top and rnd != max_rounds:
            if fresh:
                # the sides' strengths, summed in joining order as the participants joined
                while n_summed < n_parts:
                    j = np.uint64(parts[n_summed])
                    if side[j] == SIDE_A:
                        sa += capability[j]
                    else:
                        sb += capability[j]
                    n_summed += 1
                backing = 0.0
                for k in range(n_a, n_init):
                    b0 = np.uint64(parts[k])
                    if ptr[b0] < edge_ptr[b0 + ONE]:
                        backing += backing_from[ptr[b0]]
                p_settle, p_climb = _odds(level, m, sa, sb, backing, up, settle, deterrence)
                fresh = False
            r, s0, s1 = next53(s0, s1)
            u = r * INV53
            if u < p_settle:
                break
            rnd += 1
            if u < p_climb:
                level += 1
                climbed = True
                break
        if not climbed:
            break
    return level, n_parts, rnd, draws, s0, s1


@njit(**SERIAL)
def crisis_trial(s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on, parts, side,
                 ptr, honoured, failed, bits, scratch):  # fmt: skip
    """:func:`trial` with the CSR closure, as a function of its own (the long-horizon kernel calls
    it; the loops here inline :func:`trial`)."""
    return trial(s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on, parts, side,
                 ptr, honoured, failed, bits, scratch, False)  # fmt: skip


@njit(**SCALAR)
def end_trial(parts, n_parts, side, ptr, edge_ptr, scratch, use_bits=False):
    """Reset what a trial touched (``side``, ``ptr``, with ``use_bits`` the bitset scratch);
    returns the number of edges it tried."""
    n_tried = 0
    for idx in range(n_parts):
        j = np.uint64(parts[idx])
        n_tried += ptr[j] - edge_ptr[j]
        ptr[j] = edge_ptr[j]
        side[j] = OUTSIDE
        if use_bits:
            w = j >> SIX
            scratch.involved[w] = ZERO64
            scratch.on_side[0, w] = ZERO64
            scratch.on_side[1, w] = ZERO64
            scratch.done[j] = -1
    return n_tried


@njit(**SCALAR)
def _tally_end(o, level, n_parts, rnd, war_level, parts, side, ptr, edge_ptr, scratch, use_bits, out, sides):
    """Add one trial to the :class:`.encoding.CrisisTallies` ``out`` (participants by side to
    ``sides``, added to ``out`` by the caller) and reset what it touched, as :func:`end_trial`, in
    one pass over the participants; returns the number of edges it tried."""
    war = out.war_count
    out.outcome_count[level, n_parts] += 1
    out.origin_level_count[o, level] += 1
    out.rounds_count[rnd] += 1
    at_war = level >= war_level
    n_tried = 0
    for idx in range(n_parts):
        j = np.uint64(parts[idx])
        sides[j, np.uint64(side[j])] += 1
        if at_war:
            war[j] += 1
        n_tried += ptr[j] - edge_ptr[j]
        ptr[j] = edge_ptr[j]
        side[j] = OUTSIDE
        if use_bits:
            w = j >> SIX
            scratch.involved[w] = ZERO64
            scratch.on_side[0, w] = ZERO64
            scratch.on_side[1, w] = ZERO64
            scratch.done[j] = -1
    return n_tried


@njit(**SCALAR)
def _block(seed, first, last, world, bits, out, use_bits):
    """:func:`run_block` with one closure (``use_bits`` a constant: the other one's code is gone)."""
    capability = world.capability
    edge_ptr = world.edge_ptr
    edge_thresh = world.edge_thresh
    backing_from = world.backing_from
    pledge_on = world.pledge_on
    origin_ptr = world.origin_ptr
    origin_state = world.origin_state
    origin_n_a = world.origin_n_a
    origin_cum = world.origin_cum
    war_level = world.war_level
    origin_guide = world.origin_guide
    honoured = out.treaty_honoured
    failed = out.treaty_failed
    n_states = capability.size
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    scratch = new_scratch(n_states, bits)
    sides = np.zeros((n_states, 2), dtype=np.int64)
    seed_u = np.uint64(seed)
    n_tried = 0
    n_draws = 0

    for t in range(first, last):
        s0, s1 = trial_state(seed_u, np.uint64(t))
        o, s0, s1 = draw_origin(s0, s1, origin_cum, origin_guide)
        n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
        level, n_parts, rnd, draws, s0, s1 = trial(
            s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on,
            parts, side, ptr, honoured, failed, bits, scratch, use_bits,
        )  # fmt: skip
        n_draws += draws
        n_tried += _tally_end(
            o, level, n_parts, rnd, war_level, parts, side, ptr, edge_ptr, scratch, use_bits, out, sides
        )
    involved = out.involved_count
    side_count = out.side_count
    for j in range(n_states):
        involved[j] += sides[j, 0] + sides[j, 1]
        side_count[j, 0] += sides[j, 0]
        side_count[j, 1] += sides[j, 1]
    out.edge_tries[0] += n_tried
    out.edge_draws[0] += n_draws


@njit(**SERIAL)
def run_block(seed, first, last, world, out):
    """Run trials ``first .. last-1`` of ``world`` (a :class:`.encoding.KernelWorld`) with the CSR
    closure and add their tallies to ``out``, a :class:`.encoding.CrisisTallies`
    (``outcome_count[level, size]`` with sizes 0..n_states, ``edge_tries`` and ``edge_draws`` as
    arrays of one)."""
    _block(seed, first, last, world, no_bits(), out, False)


@njit(**SERIAL)
def run_block_bits(seed, first, last, world, bits, out):
    """:func:`run_block` with the bitset closure (``bits``: the world's
    :class:`.encoding.KernelBits`): the same tallies. A kernel of its own, compiled only where it is
    used."""
    _block(seed, first, last, world, bits, out, True)


@njit(**SCALAR)
def _entangle(seed, n_trials, o_first, o_last, world, bits, out, use_bits):
    """:func:`entangle_block` with one closure."""
    capability = world.capability
    edge_ptr = world.edge_ptr
    edge_thresh = world.edge_thresh
    backing_from = world.backing_from
    pledge_on = world.pledge_on
    origin_ptr = world.origin_ptr
    origin_state = world.origin_state
    origin_n_a = world.origin_n_a
    origin_cum = world.origin_cum
    origin_guide = world.origin_guide
    level_count = out.origin_level_count
    size_count = out.origin_size_count
    involved = out.origin_involved_count
    side_count = out.origin_side_count
    state_level = out.origin_state_level_count
    n_states = capability.size
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    scratch = new_scratch(n_states, bits)
    n_treaties = edge_treaty_count(world)
    honoured = np.zeros(n_treaties, dtype=np.int64)
    failed = np.zeros(n_treaties, dtype=np.int64)
    seed_u = np.uint64(seed)
    for o in range(o_first, o_last):
        for t in range(n_trials):
            s0, s1 = trial_state(seed_u, np.uint64(t))
            _, s0, s1 = draw_origin(s0, s1, origin_cum, origin_guide)
            n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
            level, n_parts, rnd, _, s0, s1 = trial(
                s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on,
                parts, side, ptr, honoured, failed, bits, scratch, use_bits,
            )  # fmt: skip
            level_count[o, level] += 1
            size_count[o, n_parts] += 1
            for idx in range(n_parts):
                j = np.uint64(parts[idx])
                involved[o, j] += 1
                side_count[o, j, side[j]] += 1
                state_level[o, j, level] += 1
            end_trial(parts, n_parts, side, ptr, edge_ptr, scratch, use_bits)


@njit(**SERIAL)
def entangle_block(seed, n_trials, o_first, o_last, world, out):
    """Origins ``o_first .. o_last-1`` of ``world`` each run trials ``0 .. n_trials - 1`` with their
    originators fixed: the origin draw is made and ignored, so each origin's tallies equal those of
    :func:`run_block` on the world whose only origin it is, bit for bit. Adds to the rows of those
    origins in ``out``, a :class:`.encoding.EntangleTallies`.
    """
    _entangle(seed, n_trials, o_first, o_last, world, no_bits(), out, False)


@njit(**SERIAL)
def entangle_block_bits(seed, n_trials, o_first, o_last, world, bits, out):
    """:func:`entangle_block` with the bitset closure: the same tallies."""
    _entangle(seed, n_trials, o_first, o_last, world, bits, out, True)


@njit(**SCALAR)
def edge_treaty_count(world):
    """1 + the largest treaty index on an edge (0 without treaty edges): room for the tallies."""
    edge_treaty = world.edge_treaty
    return edge_treaty.max() + 1 if edge_treaty.size else 0


@njit(**SERIAL)
def criticality_block(seed, first, last, world, thresh_v, backing_v, pledge_on_v, out):
    """Trials ``first .. last-1``, each on ``world`` and on each variant ``v`` (its own edge
    thresholds, backing and pledges in force: the world without one treaty), on the same random
    stream; adds to ``out.joint_level_count[v, base_level, variant_level]`` (a
    :class:`.encoding.CriticalityTallies`). Variant ``v``
    alone equals :func:`run_block` on the world without that treaty, bit for bit. Runs the CSR
    closure (variants change the pledges in force).
    """
    n_variants = thresh_v.shape[0]
    joint = out.joint_level_count
    capability = world.capability
    edge_ptr = world.edge_ptr
    edge_thresh = world.edge_thresh
    backing_from = world.backing_from
    pledge_on = world.pledge_on
    origin_ptr = world.origin_ptr
    origin_state = world.origin_state
    origin_n_a = world.origin_n_a
    origin_cum = world.origin_cum
    origin_guide = world.origin_guide
    n_states = capability.size
    side = np.full(n_states, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n_states, dtype=np.uint32)
    bits = no_bits()
    scratch = new_scratch(n_states, bits)
    n_treaties = edge_treaty_count(world)
    honoured = np.zeros(n_treaties, dtype=np.int64)
    failed = np.zeros(n_treaties, dtype=np.int64)
    seed_u = np.uint64(seed)
    for t in range(first, last):
        s0, s1 = trial_state(seed_u, np.uint64(t))
        o, s0, s1 = draw_origin(s0, s1, origin_cum, origin_guide)
        n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
        base, n_parts, rnd, _, _, _ = trial(
            s0, s1, n_init, n_a, world, capability, edge_thresh, backing_from, pledge_on,
            parts, side, ptr, honoured, failed, bits, scratch, False,
        )  # fmt: skip
        end_trial(parts, n_parts, side, ptr, edge_ptr, scratch)
        for v in range(n_variants):
            n_init, n_a = place_origin(o, origin_ptr, origin_state, origin_n_a, parts, side)
            level, n_parts, rnd, _, _, _ = trial(
                s0, s1, n_init, n_a, world, capability, thresh_v[v], backing_v[v], pledge_on_v[v],
                parts, side, ptr, honoured, failed, bits, scratch, False,
            )  # fmt: skip
            end_trial(parts, n_parts, side, ptr, edge_ptr, scratch)
            joint[v, base, level] += 1
