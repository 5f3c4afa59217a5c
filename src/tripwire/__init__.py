"""tripwire: a Monte Carlo escalation engine for crisis cascades over alliance networks.

``import tripwire`` is cheap: it compiles nothing and starts no cluster. Kernels compile on first
use; sweeps start a dask cluster only when asked to run.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # what static analysis sees; at run time each name is imported on first use
    from .analysis.criticality import criticality
    from .analysis.entanglement import entanglement
    from .crisis.compile import CompiledWorld, compile_world
    from .crisis.results import summarize
    from .crisis.simulate import simulate
    from .errors import (
        ClusterError,
        DataError,
        DataWarning,
        DesignError,
        ParamError,
        PartialResultWarning,
        StoreCorrupted,
        StoreError,
        StoreLocked,
        StoreMismatch,
        SweepError,
        TripwireError,
        WorldError,
    )
    from .horizon.simulate import horizon
    from .io.atop import world_from_atop
    from .io.results import open_result, write_dataset
    from .io.world_on import world_on
    from .sweep.reader import open_sweep
    from .sweep.run import sweep
    from .world.model import World, bundled_scenarios, load_world
    from .world.params import apply_params

# public name -> module that defines it (imported on first access)
_LAZY = {
    "World": "world.model",
    "WorldError": "errors",
    "load_world": "world.model",
    "bundled_scenarios": "world.model",
    "compile_world": "crisis.compile",
    "CompiledWorld": "crisis.compile",
    "simulate": "crisis.simulate",
    "summarize": "crisis.results",
    "world_from_atop": "io.atop",
    "world_on": "io.world_on",
    "write_dataset": "io.results",
    "open_result": "io.results",
    "apply_params": "world.params",
    "sweep": "sweep",
    "open_sweep": "sweep.reader",
    "entanglement": "analysis.entanglement",
    "criticality": "analysis.criticality",
    "horizon": "horizon",
    # errors and warnings
    "TripwireError": "errors",
    "ParamError": "errors",
    "DesignError": "errors",
    "SweepError": "errors",
    "StoreError": "errors",
    "StoreMismatch": "errors",
    "StoreCorrupted": "errors",
    "StoreLocked": "errors",
    "ClusterError": "errors",
    "DataError": "errors",
    "DataWarning": "errors",
    "PartialResultWarning": "errors",
}

__all__ = [
    "__version__",
    "World",
    "load_world",
    "bundled_scenarios",
    "compile_world",
    "CompiledWorld",
    "simulate",
    "summarize",
    "world_from_atop",
    "world_on",
    "write_dataset",
    "open_result",
    "apply_params",
    "sweep",
    "open_sweep",
    "entanglement",
    "criticality",
    "horizon",
    "TripwireError",
    "WorldError",
    "ParamError",
    "DesignError",
    "SweepError",
    "StoreError",
    "StoreMismatch",
    "StoreCorrupted",
    "StoreLocked",
    "ClusterError",
    "DataError",
    "DataWarning",
    "PartialResultWarning",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(f".{_LAZY[name]}", __name__)
        value = module if name == _LAZY[name] else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tripwire' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
