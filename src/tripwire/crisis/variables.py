"""Every output variable of a crisis run, declared once: name, dimensions, kind and meaning.

``tally`` variables are the kernel's integer counts (their names, order and dimensions come from
:data:`tripwire.kernels.encoding.TALLY_DIMS`, plus ``trials``); ``derived`` variables are computed
from them by :func:`tripwire.crisis.results.derive`. Each description is copied into the
variable's ``attrs["description"]``. Results keep participant counts (``size``) from 2 up: a crisis
has at least two participants.

>>> from tripwire.crisis.variables import VARIABLES
>>> VARIABLES["p_exceed"].dims, VARIABLES["p_exceed"].kind
(('level',), 'derived')
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from ..kernels.encoding import TALLY_DIMS

__all__ = ["Variable", "VARIABLES", "TALLIES", "STANDARD_ERRORS"]


class Variable(NamedTuple):
    dims: tuple[str, ...]
    description: str
    kind: Literal["tally", "derived"]


_TALLY_DOCS = {
    "trials": "trials run",
    "outcome_count": "trials by final level and number of participants",
    "involved_count": "trials in which the state participated",
    "war_count": "trials in which the state participated and the final level was at or above war",
    "side_count": "trials in which the state participated, by side",
    "origin_level_count": "trials by crisis origin and final level",
    "treaty_honoured": "obligations of the treaty honoured (edges that fired), summed over trials",
    "treaty_failed": (
        "obligations of the treaty failed (edges tried with a draw that did not fire), summed over trials"
    ),
    "rounds_count": "trials by number of escalation steps before the crisis ended",
    "edge_tries": "obligation, rivalry and border edges tried, summed over trials (a work measure)",
    "edge_draws": (
        "random draws made for edges (a second one on a defection), summed over trials (a work measure)"
    ),
}

_DERIVED = {
    "p_level": (("level",), "P(final level = l)"),
    "p_exceed": (("level",), "P(final level >= l)"),
    "p_size": (("size",), "P(number of participants = n)"),
    "p_involved": (("state",), "P(state participates)"),
    "p_war": (("state",), "P(state participates and the final level is at or above war)"),
    "p_side": (("state", "side"), "P(state participates on this side)"),
    "p_origin_level": (("origin", "level"), "P(final level = l | the crisis started at this origin)"),
    "expected_participants": ((), "expected number of participants"),
    "treaty_honoured_rate": (("treaty",), "honoured / (honoured + failed) obligations (NaN if never tried)"),
}

#: The derived proportions that carry a binomial standard error ``<name>_se``.
STANDARD_ERRORS = ("p_level", "p_exceed", "p_size", "p_involved", "p_war", "p_side")

#: name -> :class:`Variable`; tallies first (in the kernel's order after ``trials``), then derived.
VARIABLES: dict[str, Variable] = {"trials": Variable((), _TALLY_DOCS["trials"], "tally")}
VARIABLES.update(
    {name: Variable(dims, _TALLY_DOCS[name], "tally") for name, dims in TALLY_DIMS._asdict().items()}
)
VARIABLES.update({name: Variable(dims, doc, "derived") for name, (dims, doc) in _DERIVED.items()})
VARIABLES.update(
    {
        f"{name}_se": Variable(VARIABLES[name].dims, f"standard error of {name}", "derived")
        for name in STANDARD_ERRORS
    }
)

#: The tallies a run or a sweep point stores, in order.
TALLIES: tuple[str, ...] = tuple(name for name, v in VARIABLES.items() if v.kind == "tally")
