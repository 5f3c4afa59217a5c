"""The kernel contract, in one place: how a compiled world is encoded for the kernels and what the
kernels return. Everything else (the compile step, the result layout, the sweep store) derives
from these names.

Edges
-----
An edge ``i -> j`` of caller ``i`` means *j may join when i takes part*. Its kernel kind says on
which side of the crisis its caller must be and which side the callee joins:

=========  ==============================  ==================  =====================
kind       from                            caller on           callee joins
=========  ==============================  ==================  =====================
DEFEND     defense treaties                the target side     the caller's side
ASSIST     offense treaties                the initiator side  the caller's side
ALIGN      entente, consultation           either side         the caller's side
OPPOSE     rivalries, borders              either side         the opposing side
=========  ==============================  ==================  =====================

The kernel reads each kind as a *side rule* (one int8): bit ``s`` set means the edge applies when
its caller is on side ``s`` (0 initiator, 1 target); bit :data:`FLIP_SHIFT` set means the callee
joins the side opposing the caller.

Probabilities
-------------
A draw ``u < p`` is decided on integers as ``r53 < threshold(p)`` with
``threshold(p) = ceil(p * 2**53)`` (exact for ``p`` in {0, 1}; see :mod:`.rng`). A negative
threshold (:data:`ABSENT`) marks an edge that is not there: it is skipped without a draw or a
tally (a treaty removed or dissolved without recompiling the world).
"""

import numpy as np

#: Kernel edge kinds.
DEFEND, ASSIST, ALIGN, OPPOSE = 0, 1, 2, 3
#: Side rule per kernel kind (index = kind).
SIDE_RULE = np.array([0b010, 0b001, 0b011, 0b111], dtype=np.int8)
#: The bit of a side rule that says the callee joins the opposing side.
FLIP_SHIFT = 2

#: Sides of a crisis (``side`` coordinate order) and the mark of a state outside it.
SIDE_A, SIDE_B, OUTSIDE = 0, 1, -1
SIDES = ("initiator", "target")

#: 2**53: uniform draws are ``r53 / 2**53``.
TWO53 = 9007199254740992
#: Threshold of an absent edge.
ABSENT = -1


def threshold(p):
    """``ceil(p * 2**53)`` as int64 (array or scalar): ``u < p`` is then ``r53 < threshold``."""
    return np.ceil(np.asarray(p, dtype=np.float64) * TWO53).astype(np.int64)


#: The world tuple every crisis kernel takes, in order (built by ``CompiledWorld.kernel_world``).
WORLD_FIELDS = (
    "capability",  # float64[state]
    "edge_ptr",  # int64[state + 1]: the edges of caller i are edge_ptr[i]:edge_ptr[i + 1]
    "level_end",  # int64[state, level]: end of caller i's edges with trigger <= level
    "edge_dst",  # int32[edge]
    "edge_rule",  # int8[edge]: SIDE_RULE of the edge's kind
    "edge_thresh",  # int64[edge]: threshold(p), ABSENT for an absent edge
    "edge_treaty",  # int32[edge]: treaty index, -1 for rivalry and border edges
    "backing_from",  # float64[edge]: sum of p * cap(dst) over the DEFEND/ALIGN edges e' >= e of e's row
    "pledge_ptr",  # int64[state + 1]: the pledges of state j are pledge_ptr[j]:pledge_ptr[j + 1]
    "pledge_to",  # int32[pledge]: the state j has pledged not to oppose
    "pledge_on",  # int8[pledge]: 1 while the pledge is in force
    "origin_ptr",  # int64[origin + 1]: the originators of origin o are origin_ptr[o]:origin_ptr[o + 1]
    "origin_state",  # int32[originator]: initiator-side originators first, then the target side
    "origin_n_a",  # int32[origin]: how many of origin o's originators are on the initiator side
    "origin_cum",  # float64[origin]: cumulative origin weights (the last is exactly 1)
    "up",  # float64[level]: effective hazard of climbing (0 at the top)
    "settle",  # float64[level]: effective hazard of settling
    "war_level",  # int: the first level that counts as war
    "deterrence",  # float: gamma
    "sigma",  # float: effective misperception
    "defection_thresh",  # int: threshold(defection)
    "max_rounds",  # int
    "origin_guide",  # int32[guide]: first origin o with origin_cum[o] > g / guide, per g (guide a power of 2)
)

#: The bitset form of a world's edges (built by ``CompiledWorld.bits``), which the bitset joining
#: closure (``run_block_bits``, ``entangle_block_bits``) reads beside ``WORLD_FIELDS``. Edges are grouped
#: by (caller, trigger level); a group keeps the 64-bit words of callee indices in which it has
#: edges, and a *slot* is one (caller, trigger, callee): its edges, several for parallel edges,
#: are consecutive in the CSR arrays.
BITS_FIELDS = (
    "group_ptr",  # int64[state * level + 1]: words of caller i, trigger t: group_ptr[i*L+t]:[i*L+t+1]
    "word",  # uint64[word, 5]: word index w (callees 64w..64w+63), its first slot, callees with an edge,
    #          callees with an edge that applies on side 0, on side 1
    "slot_ptr",  # int64[slot + 1]: the edges of slot s are slot_ptr[s]:slot_ptr[s + 1]
    "pledge_word_ptr",  # int64[state + 1]: pledge words of state j (pledges in force only)
    "pledge_word",  # int64[pledge word]: word index of the states j has pledged not to oppose
    "pledge_bits",  # uint64[pledge word]: those states, as bits of the word
)

#: The integer tallies ``run_block`` returns, in order, with the dimensions of each (``size`` runs
#: over 0..n_states participants; results keep sizes from 2) and the sizes of those dimensions
#: (the ``tally_shape`` tuple: states, levels, origins, treaties, rounds).
TALLY_FIELDS = (
    ("outcome_count", ("level", "size")),
    ("involved_count", ("state",)),
    ("war_count", ("state",)),
    ("side_count", ("state", "side")),
    ("origin_level_count", ("origin", "level")),
    ("treaty_honoured", ("treaty",)),
    ("treaty_failed", ("treaty",)),
    ("rounds_count", ("round",)),
    ("edge_tries", ()),
    ("edge_draws", ()),
)
TALLY_NAMES = tuple(name for name, _ in TALLY_FIELDS)

#: Tallies of the entanglement kernel (every origin with its own trials), in order.
ENTANGLE_FIELDS = (
    ("origin_level_count", ("origin", "level")),
    ("origin_size_count", ("origin", "size")),
    ("origin_involved_count", ("origin", "state")),
    ("origin_side_count", ("origin", "state", "side")),
    ("origin_state_level_count", ("origin", "state", "level")),
)

#: Tallies of the paired treaty-criticality kernel.
CRITICALITY_FIELDS = (("joint_level_count", ("variant", "level", "level")),)
