"""Every default of the world model, in one place.

A world file may leave these out; validation fills them in, and the resolved world (stored with
every result) records the values used.

Treaty defaults by kind
-----------------------
Each kind's default reliability and trigger (and its background exit hazards) live in the table
of treaty kinds, :mod:`tripwire.world.kinds`, with their sources.

Rivalries default to ``hostility = 0.5`` and trigger at the ladder's ``war`` level.

Borders
-------
A border makes each neighbour of a participant a possible joiner against it (one chance per
border and direction), from the ladder's ``war`` level, with a joining probability by contiguity
type: ``land 0.05, sea12 0.03, sea24 0.02, sea150 0.01, sea400 0.005``. These are assumptions of
the right order, not estimates: in MID 5.0 half of all war joiners had no alliance tie to their
side, and joining falls with distance; a calibrated profile (``tripwire calibrate``) replaces them.

Escalation defaults
-------------------
``up = 0.3`` for every level below the top, ``settle = 0.2`` for every level, ``deterrence = 1``,
``misperception = 0``, ``max_rounds = 50``. The default ladder is
``crisis, militarized, clash, war, general_war`` with ``war`` as the war level.
Policy knobs default to 0 (no policy, no defection).
"""

from __future__ import annotations

#: Stands for "the ladder's war level, whatever it is named" in the trigger defaults (treaty
#: kinds, rivalries, borders).
WAR_LEVEL = "<war>"

RIVALRY_HOSTILITY = 0.5
RIVALRY_TRIGGER = WAR_LEVEL

#: Joining probability of a neighbour against a participant, by contiguity type (COW direct
#: contiguity: land or river; water of at most 12, 24, 150, 400 miles). See "Borders" above.
BORDER_JOINING = {"land": 0.05, "sea12": 0.03, "sea24": 0.02, "sea150": 0.01, "sea400": 0.005}
BORDER_TRIGGER = WAR_LEVEL

LADDER_LEVELS = ("crisis", "militarized", "clash", "war", "general_war")
LADDER_WAR = "war"

UP = 0.3
SETTLE = 0.2
DETERRENCE = 1.0
MISPERCEPTION = 0.0
MAX_ROUNDS = 50

# -- sweeps left running on a cluster ---------------------------------------------------------------
# Each is a judgement about batch clusters, not a model parameter; none changes a result.

#: Seconds without a live worker before a sweep stops (store kept, resumable). Ten minutes covers a
#: batch job's start on a quiet queue and a local cluster's worker restarts many times over; a busy
#: queue needs more (``--worker-timeout 6h``) and ``0`` waits forever.
SWEEP_WORKER_TIMEOUT_S = 600.0
#: Seconds between status lines (workers, jobs) in batch logs: one a minute is a readable log.
SWEEP_REPORT_S = 60.0
#: Seconds between two looks at the batch queue (``squeue``, ``qstat``): SLURM's documentation asks
#: users not to poll it more often than about every 10-30 s.
SWEEP_QUEUE_CHECK_S = 15.0
#: Batch jobs in a row that end before their workers connect, with no worker alive, before a sweep
#: stops: one can be a bad node; three in a row is the job environment (python, prologue).
SWEEP_FAILED_STARTS = 3
#: Seconds between refreshes of a store lock's time stamp.
SWEEP_LOCK_REFRESH_S = 30.0
#: A lock not refreshed for this long (20 refreshes missed) may be taken over with ``--break-lock``.
SWEEP_LOCK_STALE_S = 600.0
#: Chunk files in a store above which a sweep warns: each file costs a disk block and a metadata
#: operation, and 45,000 files (4,096 one-point chunks) took minutes to write and 176 MiB of disk
#: for 1.6 MB of data (``benchmarks/sweep_small_chunks.py``).
SWEEP_FILES_WARN = 20_000
#: Seconds a worker keeps looking for a store it cannot see before saying so: NFS caches a missing
#: folder for up to ``acdirmax`` (60 s by default; 30 s is the usual ``acdirmin``).
SWEEP_VISIBLE_GRACE_S = 30.0

# -- the long-horizon model ------------------------------------------------------------------------
# Every default of a world file's ``horizon:`` section and of the per-treaty ``term`` / ``review`` /
# ``renewal`` fields, each with its source. docs/horizon.md repeats them in a table.

#: Years in one history.
HORIZON_YEARS = 40

#: Arms (a stochastic Richardson system, one state per row).
#: fatigue a: the share of the gap to the fixed point closed by a state's own restraint per year.
#: Assumption (Richardson 1960 estimated fatigue of 0.1-0.3 a year for the pre-1914 races); sweep it.
ARMS_FATIGUE = 0.2
#: reaction k: response of a state's arms to a rival's, times the rivalry's hostility. Assumption
#: (half the fatigue: a lone rival pair is stable at any hostility).
ARMS_REACTION = 0.1
#: burden sharing s: how far a state lowers its arms when its allies' arms grow (weights: the
#: allies' capability shares). Olson & Zeckhauser (1966) give the direction (allies free-ride on
#: larger partners); the size is an assumption.
ARMS_BURDEN = 0.05
#: noise b (per year, on x = arms relative to the start year): 0.106 is the median, over the six
#: major powers of 1955-1991 (USA 0.07, UKG 0.10, ITA 0.10, FRN 0.11, RUS 0.18, CHN 0.33), of the
#: standard deviation of the annual change in log military expenditure (COW NMC v6.0 ``milex``).
ARMS_NOISE = 0.106
#: phi: the share of a state's crisis capability that moves with its arms: two of CINC's six
#: components (military expenditure and personnel) are military (Singer, Bremer & Stuckey 1972).
ARMS_PHI = 1.0 / 3.0
#: Bins of the arms histogram (x from 0 to 4 in 160 bins of 0.025, plus one below and one above).
ARMS_BINS = (0.0, 4.0, 160)

#: Crisis arrivals: lambda0 crises per rival-dyad-year at hostility 1 (Thompson strategic rivals,
#: MID 5.0 disputes per rival dyad-year).
LAMBDA0 = 0.18
#: beta: log of the ratio of the rivals' crisis rate during an arms race to the rate without one,
#: 1.77 (Gibler, Rider & Hutchison 2005, arms races between rivals, 1854-1984).
BETA = 0.5709795465857378  # math.log(1.77)
#: tau: an arms race is on when both rivals' arms grew by more than tau over the last three years:
#: 0.26 = 1.08**3 - 1, i.e. 8 % a year for three years (Diehl 1983's race threshold, which Gibler,
#: Rider & Hutchison 2005 build on).
RACE_TAU = 0.26

#: Trust: honoured r <- r + alpha (r_max - r) (alpha, r_max: assumptions); failed r <- r (1 - delta).
TRUST_ALPHA = 0.1
TRUST_DELTA = 0.3
TRUST_R_MAX = 1.0
#: r_min: a treaty whose reliability is lowered (by a failure or a domino loss) below r_min
#: dissolves. Assumption.
TRUST_R_MIN = 0.1

#: Dissolution: probability that a treaty that failed in a crisis dissolves (per such crisis).
#: Assumption, meant to be swept.
DISSOLVE_PI = 0.5
#: Background exit hazards per year by treaty kind and era: in the table of treaty kinds
#: (:mod:`tripwire.world.kinds`), from ATOP v4.01. ERA_BREAK is the first year of the post-1945 rates.
ERA_BREAK = 1945

#: Domino: a live treaty sharing a member with one that dissolves loses this fraction of its
#: reliability. Assumption.
DOMINO_EPSILON = 0.1

#: Sunset and review. TERM is the commonest specified length in ATOP v4.01 (120 months: 206 of
#: the 451 alliances with a length); REVIEW the commonest renewal period (60 months: 275 of 365).
#: A treaty has a term only when its file (or ``horizon.term``) gives one: 277 of 728 ATOP
#: alliances specify none, and an implicit ten-year sunset would end NATO-like treaties that have
#: no such clause. RENEWAL (the probability of renewing at each decision) is an assumption.
TERM = 10
REVIEW = 5
RENEWAL = 0.8

#: A crisis is systemic when it ends at the top level (and, if the world asks, with at least this
#: many major powers on each side).
SYSTEMIC_MAJORS = 0
#: A history stops at its first systemic war (what follows is another world).
STOP_AT_SYSTEMIC = True

# -- history (back-tests and calibration; tripwire.history) ----------------------------------------
#: The MID ladder: hostility levels 2-5 (COW MID 5.0 codebook); level 1 is participant-only.
MID_LADDER_LEVELS = ("threat", "display", "use", "war")
#: Trigger level of each joining channel in back-tests and fitted profiles (fixed, not fitted).
#: Source: MID 5.0 training disputes: 7 % of display-level and 9 % of use-level disputes have a
#: joiner, 44 % of war-level ones, and joiners most often enter with a display of force (194 of
#: 574 joiner rows have hostility level 3); so consultation, entente and rivalry edges pull from
#: ``display`` and defence, offence and borders (the model's border default) at ``war``.
HISTORY_TRIGGERS = {
    "defense": "war",
    "offense": "war",
    "entente": "display",
    "consultation": "display",
    "rivalry": "display",
    "border": "war",
}
#: Eras of era-dependent profile values: war share of disputes 0.108 before 1945 and 0.017 after,
#: honoured commitments 0.66 and 0.22 (MID 5.0; Berkemeier & Fuhrmann 2018).
ERA_SPLIT_YEAR = 1945
