"""The one place for numba settings.

Caching of compiled kernels is opt-in: set ``TRIPWIRE_NUMBA_CACHE=1`` (numba then writes its cache
next to the kernels, or in ``NUMBA_CACHE_DIR`` when that is set, e.g. a local scratch disk on a
cluster). ``fastmath`` stays off: results must not depend on the compiler's reassociation.
"""

import os

import numba

CACHE = os.environ.get("TRIPWIRE_NUMBA_CACHE", "0").lower() in ("1", "true", "yes", "on")

#: Options for scalar helpers that get inlined into the kernels.
SCALAR = dict(nogil=True, cache=CACHE, inline="always")
#: Options for the serial kernels.
SERIAL = dict(nogil=True, cache=CACHE)
#: Options for the multi-threaded kernels (``prange`` over trial blocks).
PARALLEL = dict(nogil=True, cache=CACHE, parallel=True)

njit = numba.njit
prange = numba.prange
