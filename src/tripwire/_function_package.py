"""A package that is also the function it is named after (``tripwire.sweep``, ``tripwire.horizon``).

``import tripwire.sweep`` makes ``tripwire.sweep`` the package whatever ``tripwire/__init__.py``
does, so the package itself is callable. The function's module is imported on first use, not at
import: until then nothing heavy (dask, numba, xarray) is loaded. ``inspect.signature``, IDEs and
``help()`` see the function's signature and docstring, read from it when asked for.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable
from importlib import import_module
from typing import Any


def make_callable(package: str, function: str, getattr_: Callable[[Any, str], Any] | None = None) -> None:
    """Make ``package`` (a module being imported) callable as ``function`` (``"module:name"``),
    with ``getattr_(module, name)`` as its module ``__getattr__`` when given."""
    module_name, name = function.split(":")

    def target() -> Any:
        return getattr(import_module(module_name), name)

    def call(self: types.ModuleType, *args: Any, **kwargs: Any) -> Any:
        return target()(*args, **kwargs)

    def signature(self: types.ModuleType) -> inspect.Signature:
        return inspect.signature(target())

    def doc(self: types.ModuleType) -> str:
        """The package's docstring, then the function's signature and docstring (its examples
        run as the function's doctests, not a second time as the package's)."""
        own = inspect.cleandoc(self.__dict__.get("__doc__") or "")
        fn = target()
        text = (inspect.getdoc(fn) or "").split("\nExamples\n--------", 1)[0].rstrip()
        return (
            f"{own}\n\n{package}{inspect.signature(fn)}\n\n{text}\n\n"
            f"Examples: help({fn.__module__}.{fn.__qualname__})"
        )

    namespace: dict[str, Any] = {
        "__call__": call,
        "__signature__": property(signature),
        "__doc__": property(doc),  # a data descriptor: it wins over the module's own __doc__
    }
    if getattr_ is not None:
        namespace["__getattr__"] = getattr_
    sys.modules[package].__class__ = type("FunctionPackage", (types.ModuleType,), namespace)
