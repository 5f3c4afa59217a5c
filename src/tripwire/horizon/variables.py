"""Every output variable of a long-horizon run, declared once: name, dimensions, kind and meaning.

``tally`` variables are the kernel's integer counts (in the kernel's order after ``trials``);
``derived`` variables are computed from them by :func:`tripwire.horizon.results.derive`. Each
description is copied into the variable's ``attrs["description"]``.

>>> from tripwire.horizon.variables import VARIABLES
>>> VARIABLES["p_first_systemic"].dims, VARIABLES["p_first_systemic"].kind
(('year',), 'derived')
"""

from __future__ import annotations

from ..crisis.variables import Variable
from ..kernels.encoding import HORIZON_TALLY_DIMS, HorizonTallies

__all__ = ["Variable", "VARIABLES", "TALLIES", "KERNEL_TALLIES"]

#: The kernel's tallies (:class:`~tripwire.kernels.encoding.HorizonTallies`, whose dimensions they
#: keep), described.
_TALLY_DOCS: dict[str, str] = {
    "first_systemic_count": "histories whose first systemic war came in this year",
    "systemic_count": "systemic wars in this year, over all histories",
    "running_count": (
        "histories that reached this year (all, unless histories stop at their first systemic war); "
        "the denominator of every per-year share"
    ),
    "crisis_level_count": "crises in this year by final level, over all histories",
    "arms_hist": (
        "histories by the state's arms x in this year (x = military effort relative to the start year)"
    ),
    "treaty_alive_count": "histories in which the treaty was in force at the end of the year",
    "treaty_end_count": "histories in which the treaty ended, by cause",
    "treaty_honoured": "obligation edges of the treaty that fired in this year's crises",
    "treaty_failed": "obligation edges of the treaty tried in this year's crises that did not fire",
    "reliability_sum": (
        "sum over the histories in which the treaty was in force at the end of the year of its "
        "reliability, in units of 2**-24 (an integer, so that sums do not depend on the order of addition)"
    ),
    "crises": "crises run, over all histories and years (a work measure)",
}

#: name -> (dims, description) of the tallies: ``trials``, then the kernel's in its order.
_TALLIES: dict[str, tuple[tuple[str, ...], str]] = {
    "trials": ((), "histories run"),
    **{
        name: (dims, _TALLY_DOCS[name])
        for name, dims in zip(HorizonTallies._fields, HORIZON_TALLY_DIMS, strict=True)
    },
}

#: name -> (dims, description) of the derived variables.
_DERIVED: dict[str, tuple[tuple[str, ...], str]] = {
    "p_first_systemic": (("year",), "P(first systemic war in or before this year)"),
    "p_first_systemic_lo": (("year",), "lower end of the 95 % Wilson interval of p_first_systemic"),
    "p_first_systemic_hi": (("year",), "upper end of the 95 % Wilson interval of p_first_systemic"),
    "arms_quantile": (
        ("state", "year", "quantile"),
        "quantiles of the state's arms x among the histories that reached the year (interpolated "
        "within histogram bins; clipped to the histogram's range)",
    ),
    "treaty_survival": (
        ("treaty", "year"),
        "share of the histories reaching the year in which the treaty is in force",
    ),
    "treaty_end_share": (("treaty", "cause"), "share of histories in which the treaty ended, by cause"),
    "crisis_rate": (("year",), "crises per history in this year (among the histories that reached it)"),
    "p_crisis_level": (("year", "level"), "share of this year's crises ending at each level"),
    "mean_reliability": (
        ("treaty", "year"),
        "mean reliability of the treaty where it is in force at the end of the year",
    ),
    "treaty_honoured_rate": (
        ("treaty", "year"),
        "honoured / (honoured + failed) obligation edges in the year (NaN if none tried)",
    ),
}

#: name -> :class:`~tripwire.crisis.variables.Variable`; tallies first, then derived.
VARIABLES: dict[str, Variable] = {
    name: Variable(dims, doc, "tally") for name, (dims, doc) in _TALLIES.items()
}
VARIABLES.update({name: Variable(dims, doc, "derived") for name, (dims, doc) in _DERIVED.items()})

#: The tallies a run or a sweep point stores, in order.
TALLIES: tuple[str, ...] = tuple(name for name, v in VARIABLES.items() if v.kind == "tally")
#: The tallies the kernel returns, in order.
KERNEL_TALLIES: tuple[str, ...] = TALLIES[1:]
