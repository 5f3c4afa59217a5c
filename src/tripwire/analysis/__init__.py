"""After the run: sensitivity indices, scenario discovery, treaty criticality and the
entanglement map. Reads results and sweep stores; starts no cluster.

=======================  ====================================================================
function                 what it gives
=======================  ====================================================================
:func:`sobol`            Sobol' S1, ST, S2 with bootstrap intervals over every output, the
                         Monte Carlo noise share and convergence (a ``sobol`` store)
:func:`delta`            Borgonovo's delta and a given-data S1 (grid, list, LHS stores)
:func:`pawn`             PAWN indices (grid, list, LHS stores)
:func:`prim`             PRIM boxes: where in parameter space an output exceeds a threshold
:func:`salib_problem`    the SALib ``problem`` of a store
:func:`plan_sobol`       points, trials and expected wall time of a Sobol' sweep, measured here
:func:`criticality`      the effect of removing each treaty, with exact paired intervals
:func:`entanglement`     P(each state is drawn in | a crisis at each origin), impact, vulnerability
=======================  ====================================================================
"""

from __future__ import annotations

from .budget import SobolPlan, plan_sobol
from .criticality import criticality, criticality_from_joint, paired_interval
from .entanglement import entanglement, entanglement_origins
from .given_data import delta, pawn
from .noise import noise_share, sampling_variance
from .prim import PrimBox, PrimResult, prim, prim_boxes
from .sobol import salib_problem, sobol

__all__ = [
    "sobol",
    "delta",
    "pawn",
    "prim",
    "prim_boxes",
    "PrimBox",
    "PrimResult",
    "salib_problem",
    "plan_sobol",
    "SobolPlan",
    "criticality",
    "criticality_from_joint",
    "paired_interval",
    "entanglement",
    "entanglement_origins",
    "noise_share",
    "sampling_variance",
]
