"""Parameter sweeps on dask.distributed into a resumable zarr store.

The package is also the function: ``tripwire.sweep(world, params, trials=..., store=...)`` runs a
sweep (:func:`tripwire.sweep.run.sweep`). Its other entry points are attributes of the package:
``tripwire.sweep.run_sweep`` (the driver behind the function and the command line),
``tripwire.sweep.jobqueue_cluster`` and ``tripwire.sweep.start_jobs`` (SLURM and PBS clusters),
``tripwire.sweep.Where``, ``tripwire.sweep.plan_sweep``, ``tripwire.sweep.load_sweep`` and
``tripwire.sweep.open_sweep``.

Modules, one idea each: :mod:`.designs` (grid, list, LHS, Sobol points), :mod:`.plan` (a checked
sweep), :mod:`.files` (sweep files), :mod:`.models` (the registry of the models a sweep runs: crisis
and long horizon), :mod:`.identity` (what a store must agree on to be resumed), :mod:`.chunks` (how
a store is cut into tasks), :mod:`.store` (the crash-safe zarr store), :mod:`.reader` (opening a
store, every chunk checked), :mod:`.lock` (one driver per store), :mod:`.tasks` (what the workers
run), :mod:`.connect` (where a sweep runs), :mod:`.clusters` (SLURM and PBS cluster files),
:mod:`.jobs` (watching batch jobs), :mod:`.signals` (SIGINT, SIGTERM, SIGHUP), :mod:`.run` (the
driver), :mod:`.verify` (checking and repairing a store's data). This is the only layer that
imports ``dask.distributed``.

>>> import tripwire
>>> callable(tripwire.sweep), tripwire.sweep.jobqueue_cluster.__name__
(True, 'jobqueue_cluster')
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .._function_package import make_callable

# name -> module defining it, imported on first use (``import tripwire`` stays cheap)
_LAZY = {
    "run_sweep": "run",
    "Where": "connect",
    "jobqueue_cluster": "clusters",
    "start_jobs": "clusters",
    "ClusterFile": "clusters",
    "plan_sweep": "plan",
    "load_sweep": "files",
    "open_sweep": "reader",
}


def _getattr(package: Any, name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
        setattr(package, name, value)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


make_callable(__name__, f"{__name__}.run:sweep", _getattr)
