"""The long-horizon model: histories of years in which arms race, crises arrive, trust in treaties
moves, treaties dissolve, topple one another and lapse, until a systemic war (see docs/horizon.md).

Modules, one idea each: :mod:`.compile` (the world as arrays: the exact one-year arms step, the
crisis arrivals, the treaty tables), :mod:`.simulate` (:func:`horizon` and the kernel wrapper),
:mod:`.results` (the output variables, derived curves and summary).

The package is also the function: ``tripwire.horizon(world, trials)`` runs the model
(:func:`tripwire.horizon.simulate.horizon`).
"""

from __future__ import annotations

from .._function_package import make_callable

make_callable(__name__, f"{__name__}.simulate:horizon")
