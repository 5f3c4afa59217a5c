"""Signals that stop a sweep: SIGINT (Ctrl-C), SIGTERM (``kill``, a batch system) and SIGHUP (an SSH
session closed) all raise :class:`Interrupted` in the driver, so that the cluster is closed (queued
batch jobs cancelled) and the store's lock released on the way out.

A command line that catches it exits with ``128 + signal number``: 130, 143 and 129, the codes a
shell gives a process killed by the signal, so that a batch script sees a failure.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

#: The signals that stop a sweep, with the exit code a command gives for each.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The driver received SIGINT, SIGTERM or SIGHUP. ``signum`` says which; ``exit_code`` is
    ``128 + signum``."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code(exc: BaseException) -> int:
    """``128 + signal`` for an :class:`Interrupted`, 130 for a plain ``KeyboardInterrupt``."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in this (the main)
    thread; the handlers in place before are restored after. After the first signal, further ones
    are ignored until the block exits, so that closing the cluster is not cut short.

    Outside the main thread (where Python cannot install handlers) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    fired: list[int] = []
    quiet: dict[str, int] = {}

    def handler(signum, frame):
        if fired:
            return
        fired.append(signum)
        # closing a cluster in mid-task makes dask log warnings and errors about lost tasks: the
        # driver's one line says what happened
        for name in [
            "distributed",
            *(n for n in logging.Logger.manager.loggerDict if n.startswith("distributed.")),
        ]:
            logger = logging.getLogger(name)
            quiet.setdefault(name, logger.level)
            logger.setLevel(logging.CRITICAL)
        raise Interrupted(signum)

    try:
        for s in SIGNALS:
            signal.signal(s, handler)
        yield
    finally:
        for s, h in saved.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def restore_sigint(previous) -> None:
    """Put back the SIGINT handler that importing ``dask_jobqueue`` replaces with one that calls
    ``sys.exit()`` (which made an interrupted sweep exit 0)."""
    if threading.current_thread() is threading.main_thread() and previous is not None:
        signal.signal(signal.SIGINT, previous)
