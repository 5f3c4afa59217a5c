"""Ctrl-C at the command line: one line, exit status 130, nothing half-written.

Compiled kernels cannot be stopped halfway: a Ctrl-C that reaches Python while a kernel runs
surfaces inside numba's own machinery as a ``SystemError`` with a long traceback. So while
kernels run, Ctrl-C is *deferred*: the handler notes it, and the command checks for it between
chunks of trials (:meth:`Guard.check`), where it can stop cleanly and keep what is done. A second
Ctrl-C stops at once. Outside deferred sections Ctrl-C raises ``KeyboardInterrupt`` as usual.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Guard:
    """The SIGINT handler of a command-line run (install it with :meth:`installed`)."""

    def __init__(self) -> None:
        self.pending = False
        self.deferring = 0

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.deferring and not self.pending:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[Guard]:
        """Handle SIGINT with this guard inside the block (main thread only; elsewhere a no-op)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)
            self.pending, self.deferring = False, 0

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Defer Ctrl-C inside the block; call :meth:`check` where stopping is safe."""
        self.deferring += 1
        try:
            yield
        finally:
            self.deferring -= 1
        self.check()

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed while deferred."""
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


#: The guard the command line installs; commands defer and check through it.
GUARD = Guard()


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
