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

Layouts
-------
What the kernels take and return are named tuples of arrays and scalars, defined here and read by
name everywhere (``world.sigma``, ``out.edge_tries``; numba compiles attribute access to the same
code as an index): :class:`KernelWorld` and :class:`KernelBits` (a compiled crisis world),
:class:`KernelHorizon` (the long-horizon model beside it), and the tallies :class:`CrisisTallies`,
:class:`EntangleTallies`, :class:`CriticalityTallies` and :class:`HorizonTallies`. Each tally
layout comes with its dimensions (``TALLY_DIMS`` and the like, an instance of the same type), from
which :func:`zero_tallies` builds the arrays a kernel adds to and the result layouts take their
dimensions.
"""

from collections import namedtuple

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


#: Reliability is tallied as an integer, ``round(r * RELIABILITY_SCALE)`` (``reliability_sum``):
#: sums then do not depend on the order of addition.
RELIABILITY_SCALE = 16777216.0  # 2**24

#: Why a treaty ended (the ``cause`` dimension of ``treaty_end_count``), in order.
CAUSES = ("failure", "background", "domino", "lapse")


def _tally_layout(typename, dims):
    """The named tuple type of a tally layout (fields in the order of ``dims``, a dict
    ``name -> dimensions``) and the instance holding each tally's dimensions."""
    layout = namedtuple(typename, dims)
    return layout, layout(**dims)


#: The world every crisis kernel takes (built by ``CompiledWorld.kernel_world``).
KernelWorld = namedtuple(
    "KernelWorld",
    [
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
        # int32[guide]: first origin o with origin_cum[o] > g / guide, per g (guide a power of 2)
        "origin_guide",
    ],
)

#: The bitset form of a world's edges (built by ``CompiledWorld.bits``), which the bitset joining
#: closure (``run_block_bits``, ``entangle_block_bits``) reads beside the :class:`KernelWorld`. Edges
#: are grouped by (caller, trigger level); a group keeps the 64-bit words of callee indices in which
#: it has edges, and a *slot* is one (caller, trigger, callee): its edges, several for parallel
#: edges, are consecutive in the CSR arrays. An empty one (no words) selects the CSR closure.
KernelBits = namedtuple(
    "KernelBits",
    [
        "group_ptr",  # int64[state * level + 1]: words of caller i, trigger t: group_ptr[i*L+t]:[i*L+t+1]
        "word",  # uint64[word, 5]: word index w (callees 64w..64w+63), its first slot, callees with an
        #          edge, callees with an edge that applies on side 0, on side 1
        "slot_ptr",  # int64[slot + 1]: the edges of slot s are slot_ptr[s]:slot_ptr[s + 1]
        "pledge_word_ptr",  # int64[state + 1]: pledge words of state j (pledges in force only)
        "pledge_word",  # int64[pledge word]: word index of the states j has pledged not to oppose
        "pledge_bits",  # uint64[pledge word]: those states, as bits of the word
    ],
)

#: Per-thread work arrays of the bitset closure (empty for the CSR closure).
BitsScratch = namedtuple(
    "BitsScratch",
    [
        "involved",  # uint64[state word]: the participants, as bits
        "on_side",  # uint64[side, state word]: the participants on each side, as bits
        "done",  # int64[state]: the trigger level up to which the state's edges were tried (-1: none)
    ],
)

#: The long-horizon model the horizon kernel takes beside the crisis world (built by
#: ``HorizonCompiled.kernel_horizon``).
KernelHorizon = namedtuple(
    "KernelHorizon",
    [
        "years",  # int
        "phi_mat",  # float64[state, state]: e^M
        "drift",  # float64[state]: c
        "noise_l",  # float64[state, state]: L, L L^T = Q
        "has_noise",  # bool
        "noise_lower",  # bool: noise_l is lower-triangular
        "cap0",  # float64[state]
        "phi",  # float: capability share that moves with arms
        "dyad_a",  # int32[dyad]: first state (the initiator when the dyad's initiator is fixed)
        "dyad_b",  # int32[dyad]
        "dyad_fixed",  # int8[dyad]: 1 when dyad_a always initiates
        "rate_calm",  # float64[dyad]: expected crises a year without a race
        "rate_race",  # float64[dyad]: ... during a race
        "tau",  # float
        "treaty_r0",  # float64[treaty]: reliability at the start (1 for pledges)
        "treaty_obligation",  # int8[treaty]: 1 for obligation treaties (trust and domino apply)
        "treaty_entry",  # int64[treaty]: year it enters force (0: in force at the start)
        "treaty_age0",  # int64[treaty]: age at the start (or at entry: 0)
        "treaty_term",  # int64[treaty]: 0 for none
        "treaty_review",  # int64[treaty]
        "renew_thresh",  # int64[treaty]: threshold(renewal)
        "bg_thresh",  # int64[treaty, year]: threshold(1 - e^-nu) of the background exit
        "tedge_ptr",  # int64[treaty + 1]
        "tedge",  # int64[treaty edge]: crisis edges of each treaty
        "tpledge_ptr",  # int64[treaty + 1]
        "tpledge",  # int64[treaty pledge]: pledges of each treaty
        "share_ptr",  # int64[treaty + 1]
        "share_to",  # int64[share]: the other treaties that share a member, in treaty order
        "edge_backs",  # int8[edge]: 1 for DEFEND and ALIGN edges (they count in the target's backing)
        "edge_prob0",  # float64[edge]: the crisis world's probabilities (rivalries and borders keep theirs)
        "alpha",  # float
        "delta",  # float
        "r_max",  # float
        "r_min",  # float
        "pi_thresh",  # int: threshold(pi_d)
        "epsilon",  # float
        "sys_level",  # int
        "sys_majors",  # int
        "major",  # int8[state]
        "stop",  # bool
        "bin_lo",  # float
        "bin_width",  # float
        "n_bins",  # int
    ],
)

#: The integer tallies ``run_block`` adds to, with the dimensions of each: ``size`` runs over
#: 0..n_states participants (results keep sizes from 2), a tally without dimensions is an array of
#: one in the kernel.
CrisisTallies, TALLY_DIMS = _tally_layout(
    "CrisisTallies",
    {
        "outcome_count": ("level", "size"),
        "involved_count": ("state",),
        "war_count": ("state",),
        "side_count": ("state", "side"),
        "origin_level_count": ("origin", "level"),
        "treaty_honoured": ("treaty",),
        "treaty_failed": ("treaty",),
        "rounds_count": ("round",),
        "edge_tries": (),
        "edge_draws": (),
    },
)

#: Tallies of the entanglement kernel (every origin with its own trials).
EntangleTallies, ENTANGLE_DIMS = _tally_layout(
    "EntangleTallies",
    {
        "origin_level_count": ("origin", "level"),
        "origin_size_count": ("origin", "size"),
        "origin_involved_count": ("origin", "state"),
        "origin_side_count": ("origin", "state", "side"),
        "origin_state_level_count": ("origin", "state", "level"),
    },
)

#: Tallies of the paired treaty-criticality kernel.
CriticalityTallies, CRITICALITY_DIMS = _tally_layout(
    "CriticalityTallies", {"joint_level_count": ("variant", "level", "level")}
)

#: Tallies of the long-horizon kernel (``bin`` runs over the arms bins plus one below and one
#: above the histogram's range; ``cause`` over :data:`CAUSES`).
HorizonTallies, HORIZON_TALLY_DIMS = _tally_layout(
    "HorizonTallies",
    {
        "first_systemic_count": ("year",),
        "systemic_count": ("year",),
        "running_count": ("year",),
        "crisis_level_count": ("year", "level"),
        "arms_hist": ("state", "year", "bin"),
        "treaty_alive_count": ("treaty", "year"),
        "treaty_end_count": ("treaty", "cause"),
        "treaty_honoured": ("treaty", "year"),
        "treaty_failed": ("treaty", "year"),
        "reliability_sum": ("treaty", "year"),
        "crises": (),
    },
)


def zero_tallies(dims, sizes):
    """Zeroed int64 tally arrays of a layout: ``dims`` is its dimensions (``TALLY_DIMS``, ...),
    ``sizes`` the size of each dimension by name; a tally without dimensions is an array of one.
    Returns the layout's named tuple."""
    return type(dims)(*(np.zeros(tuple(sizes[d] for d in ds) or (1,), dtype=np.int64) for ds in dims))
