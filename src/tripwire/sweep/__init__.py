"""Parameter sweeps on dask.distributed into a resumable zarr store (DESIGN.md §4, §6).

The package is also the function: ``tripwire.sweep(world, params, trials=..., store=...)`` runs a
sweep (:func:`tripwire.sweep.run.sweep`).

Modules, one idea each: :mod:`.designs` (grid, list, LHS, Sobol points), :mod:`.plan` (a checked
sweep), :mod:`.files` (sweep files), :mod:`.store` (the crash-safe zarr store), :mod:`.tasks` (what
the workers run), :mod:`.run` (the driver and local clusters), :mod:`.clusters` (SLURM and PBS).
This is the only layer that imports ``dask.distributed``.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    """``tripwire.sweep`` is both this package and the function that runs a sweep."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .run import sweep

        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
