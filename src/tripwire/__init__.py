"""tripwire: a Monte Carlo escalation engine for crisis cascades over alliance networks.

``import tripwire`` is cheap: it compiles nothing and starts no cluster. Kernels compile on first
use; sweeps start a dask cluster only when asked to run.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

# public name -> module that defines it (imported on first access)
_LAZY = {
    "World": "world",
    "WorldError": "world",
    "load_world": "world",
    "bundled_scenarios": "world",
    "compile_world": "compile",
    "CompiledWorld": "compile",
    "simulate": "simulation",
    "summarize": "results",
    "world_from_atop": "data",
    "sweep": "sweeps",
    "open_sweep": "sweepstore",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tripwire' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
