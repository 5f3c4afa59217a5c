"""Ctrl-C at the command line: one line, exit status 130, nothing half-written.

The command line installs :data:`tripwire.crisis.runner.GUARD` for the whole command: while
kernels run, Ctrl-C is deferred to the end of the chunk of trials under way, where the command
stops and keeps what is done; a second Ctrl-C stops at once. Outside deferred sections Ctrl-C
raises ``KeyboardInterrupt`` as usual, and numba and dask may wrap it in errors of their own.
"""

from __future__ import annotations


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a ``KeyboardInterrupt`` (numba and dask
    wrap it in errors of their own)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
