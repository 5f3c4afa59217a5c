"""The one place for numba settings, including where compiled kernels are cached.

Compiled kernels are cached on local disk by default, so only the first call on a machine pays
for compilation; every later process loads the machine code in well under a second. The cache
lives in a user cache directory: ``$TRIPWIRE_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/tripwire`` (``~/.cache/tripwire``), in a folder named after the numba version
and a hash of the kernels' sources, so an upgrade or an edited kernel never loads stale code.
``TRIPWIRE_NUMBA_CACHE=0`` turns caching off. Both are read when the kernels are first imported.
Where the folder cannot be written, numba's own cache locations are used.

``fastmath`` stays off: results must not depend on the compiler's reassociation.

This is the only kernel module that touches the environment, the file system and numba's start-up
(``os``, ``sys``, ``hashlib``, ``importlib``); the kernels themselves import only numpy, numba and
math.
"""

import hashlib
import importlib.util
import os
import sys

import numba
from numba.core import caching

CACHE = os.environ.get("TRIPWIRE_NUMBA_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")

_KERNELS = os.path.dirname(os.path.abspath(__file__))


def _sources_hash() -> str:
    digest = hashlib.sha256()
    for name in sorted(os.listdir(_KERNELS)):
        if name.endswith(".py"):
            with open(os.path.join(_KERNELS, name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
    return digest.hexdigest()[:16]


def cache_dir() -> str:
    """The folder this process caches compiled kernels in (whether or not caching is on)."""
    root = os.environ.get("TRIPWIRE_CACHE_DIR", "").strip()
    if not root:
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "tripwire")
    return os.path.join(os.path.abspath(root), f"numba-{numba.__version__}-{_sources_hash()}")


CACHE_DIR = cache_dir()


class _KernelCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """Caches the functions of this folder's modules in :data:`CACHE_DIR`; others are left to numba."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = CACHE_DIR

    def get_cache_path(self):
        return self._cache_path

    @classmethod
    def from_function(cls, py_func, py_file):
        if os.path.dirname(os.path.abspath(py_file)) != _KERNELS:
            return None
        return super().from_function(py_func, py_file)  # None when the folder cannot be written


if CACHE and _KernelCacheLocator not in caching.CacheImpl._locator_classes:
    caching.CacheImpl._locator_classes.insert(0, _KernelCacheLocator)


def _check_blas_without_scipy_import() -> None:
    """numba's first compile or cache load imports ``numba.np.arraymath``, which checks that BLAS
    is there by importing ``scipy.linalg``: half a second of every process's start-up. The kernels
    use no BLAS, so the check is answered from whether scipy is installed, without importing it;
    numba's own ``ensure_blas`` is in place again for everything after."""
    if "numba.np.arraymath" in sys.modules:
        return
    from numba.np import linalg

    original = linalg.ensure_blas

    def ensure_blas() -> None:
        if importlib.util.find_spec("scipy") is None:
            raise ImportError("scipy 0.16+ is required for linear algebra")

    linalg.ensure_blas = ensure_blas
    try:
        from numba.np import arraymath
    finally:
        linalg.ensure_blas = original
    arraymath.ensure_blas = original


_check_blas_without_scipy_import()

#: Options for scalar helpers that get inlined into the kernels.
SCALAR = dict(nogil=True, cache=CACHE, inline="always")
#: Options for the kernels. They release the GIL: callers run blocks of work on a thread pool, so
#: no kernel needs numba's ``parallel=True`` (which would double the compile time).
SERIAL = dict(nogil=True, cache=CACHE)

njit = numba.njit
