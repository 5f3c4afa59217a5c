"""tripwire's errors and warnings, in one place.

Every error tripwire raises on purpose about its input is a :class:`TripwireError`; catch that to
handle them all. Each one also derives from ``ValueError``, so code that caught ``ValueError``
before keeps working. The message always says what was seen, what was expected and how to fix it.

>>> import tripwire
>>> issubclass(tripwire.WorldError, tripwire.TripwireError)
True
"""

from __future__ import annotations

__all__ = [
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


class TripwireError(ValueError):
    """Base class of the errors tripwire raises about its input (worlds, parameters, designs,
    sweeps, stores, data files)."""


class WorldError(TripwireError):
    """A world (file, dict or compiled arrays) that does not validate; the message lists every
    problem found."""


class ParamError(TripwireError):
    """A parameter path or value that does not fit the world; the message says how to fix it."""


class DesignError(TripwireError):
    """A sweep design that cannot be built; the message says what was seen and what is expected."""


class SweepError(TripwireError):
    """A sweep (file, arguments or cluster settings) that cannot run; the message says what to fix."""


class StoreError(TripwireError):
    """A result file or sweep store that cannot be read or written as asked."""


class StoreMismatch(StoreError):
    """An existing store made by a different sweep (or not a sweep store at all)."""


class DataError(TripwireError):
    """A data file (ATOP, COW, MID, ...) that cannot be read or does not cover what was asked."""


class DataWarning(UserWarning):
    """Something in the data was imputed or dropped while building a world."""


class PartialResultWarning(UserWarning):
    """A run stopped by Ctrl-C returned the trials done so far: the result is exactly a run of
    that many trials, and its ``attrs["trials_requested"]`` says how many were asked for."""


class StoreCorrupted(StoreError):
    """A store whose data cannot be trusted: a chunk that fails its checksum, a chunk missing for
    points marked done, or tallies that break their invariants. ``tripwire verify STORE`` lists
    every such point; ``--repair`` lets the next resume recompute them."""


class StoreLocked(StoreError):
    """A sweep store in use by another driver; the message names its host, process and start time."""


class ClusterError(SweepError):
    """The cluster cannot run the sweep: batch jobs refused or failing before their workers start,
    no worker alive for too long, or workers that cannot see the store. Points finished so far are
    kept; the same command resumes the sweep once the cause is fixed."""
