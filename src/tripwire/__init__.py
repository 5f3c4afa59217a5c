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
    "World": "world.model",
    "WorldError": "world.model",
    "load_world": "world.model",
    "bundled_scenarios": "world.model",
    "compile_world": "crisis.compile",
    "CompiledWorld": "crisis.compile",
    "simulate": "crisis.simulate",
    "summarize": "crisis.results",
    "world_from_atop": "io.atop",
    "sweep": "sweep",
    "open_sweep": "sweep.store",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(f".{_LAZY[name]}", __name__)
        value = module if name == _LAZY[name] else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tripwire' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
