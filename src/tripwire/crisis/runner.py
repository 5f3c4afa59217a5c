"""Running trials in chunks, the one path of ``tripwire.simulate`` and ``tripwire run``: warm the
kernel, measure the rate and estimate the time, run with progress, and stop cleanly on Ctrl-C with
the trials done kept.

Tallies of consecutive trial ranges add up to the tallies of their union, so running in chunks
gives exactly the result of one kernel call, and the trials done before a Ctrl-C give exactly the
result of a run of that many trials (trial ``t``'s random stream depends only on the seed and ``t``).

Compiled kernels cannot be stopped halfway: a Ctrl-C that reaches Python while a kernel runs
surfaces inside numba's own machinery as a ``SystemError`` with a long traceback. So while kernels
run, Ctrl-C is *deferred* (:class:`Guard`): the handler notes it, and the loop checks for it
between chunks, where it can stop and keep what is done. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import check_int
from ..errors import PartialResultWarning

if TYPE_CHECKING:
    import xarray as xr
    from rich.console import Console

    from ..world.model import World
    from .compile import CompiledWorld

__all__ = [
    "CHUNK_S",
    "MEASURE_S",
    "Guard",
    "GUARD",
    "TrialRunner",
    "add_tallies",
    "measure_rate",
    "progress_bar",
    "run_simulation",
]

#: Seconds of trials per chunk: how long a Ctrl-C may wait, and how often progress moves.
CHUNK_S = 1.0
#: Seconds spent measuring the rate before a run (:meth:`TrialRunner.measure`).
MEASURE_S = 0.2
#: Trials of the first chunk when the rate has not been measured.
FIRST_CHUNK = 1 << 12

#: What ``progress=`` takes: ``None`` or ``False`` (nothing), ``True`` (a progress bar) or
#: ``advance(n)``, called with the trials finished since its last call.
Progress = bool | Callable[[int], Any] | None


class Guard:
    """A SIGINT handler that defers Ctrl-C while kernels run (install it with :meth:`installed`)."""

    def __init__(self) -> None:
        self.pending = False
        self.deferring = 0
        self.installs = 0

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.deferring and not self.pending:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self, *, only_default: bool = False) -> Iterator[Guard]:
        """Handle SIGINT with this guard inside the block. A no-op outside the main thread, inside
        another ``installed`` block, and with ``only_default`` when SIGINT has a handler other
        than Python's default (one a program installed for itself is left alone)."""
        if (
            self.installs
            or threading.current_thread() is not threading.main_thread()
            or (only_default and signal.getsignal(signal.SIGINT) is not signal.default_int_handler)
        ):
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        self.installs += 1
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)
            self.pending, self.deferring, self.installs = False, 0, 0

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


#: The guard of this process: the command line installs it for a whole command, ``simulate`` while it runs.
GUARD = Guard()


def add_tallies(total: dict[str, np.ndarray] | None, more: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``total + more``, tally by tally (``total`` may be ``None``)."""
    if total is None:
        return {k: np.array(v, copy=True) for k, v in more.items()}
    for k, v in more.items():
        total[k] = total[k] + v
    return total


class TrialRunner:
    """Runs trials of one or more compiled worlds under one seed, in chunks.

    After a Ctrl-C, :attr:`done` and :attr:`totals` hold the trials completed in the last call to
    :meth:`run` (a prefix of the range asked for) and their tallies.
    """

    def __init__(
        self,
        worlds: list[CompiledWorld],
        *,
        seed: int,
        threads: int | None,
        blocks: int | None = None,
        guard: Guard = GUARD,
    ) -> None:
        self.worlds = worlds
        self.seed = seed
        self.threads = threads
        self.blocks = blocks
        self.guard = guard
        self.rate = [0.0] * len(worlds)  # trials per second, per world
        self.overhead = [0.0] * len(worlds)  # seconds per call, per world
        self.warm = False
        self.run_s = 0.0  # seconds the last run took
        self.done = 0
        self.totals: dict[str, np.ndarray] | None = None

    def _call(self, k: int, first: int, n: int) -> dict[str, np.ndarray]:
        from .tallies import run_tallies

        return run_tallies(
            self.worlds[k], n, seed=self.seed, first_trial=first, threads=self.threads, blocks=self.blocks
        )

    def compile(self) -> float:
        """Compile the kernels (or load them from the cache) with one trial of each world; seconds
        taken. The inputs are checked on the way: a bad seed or thread count raises here."""
        t0 = time.perf_counter()
        for k in range(len(self.worlds)):
            self._call(k, 0, 1)
        self.warm = True
        return time.perf_counter() - t0

    def measure(self, most: int) -> None:
        """Measure each world's rate on at most ``most`` trials at a time (results are not kept).

        Chunks grow fourfold until about :data:`MEASURE_S` is spent; the rate is taken from the
        last two chunks (their difference in time over their difference in trials), so a fixed
        cost per call does not make a long run look slower than it is.
        """
        with self.guard.deferred():
            for k in range(len(self.worlds)):
                n, spent, prev = 1024, 0.0, None
                while True:
                    n = min(n, most)
                    t0 = time.perf_counter()
                    self._call(k, 0, n)
                    dt = max(time.perf_counter() - t0, 1e-9)
                    spent += dt
                    self.guard.check()
                    if prev is not None and n > prev[0] and dt > 1.5 * prev[1]:
                        self.rate[k] = (n - prev[0]) / (dt - prev[1])
                        self.overhead[k] = max(0.0, dt - n / self.rate[k])
                    else:
                        self.rate[k], self.overhead[k] = n / dt, 0.0
                    if n == most or (prev is not None and spent >= MEASURE_S / len(self.worlds)):
                        break
                    prev, n = (n, dt), 4 * n

    def estimate(self, trials: int, calls: int = 1) -> float:
        """Seconds to run ``trials`` trials of every world in at least ``calls`` runs each."""
        return sum(
            trials / r + a * max(calls, trials / (r * CHUNK_S))
            for r, a in zip(self.rate, self.overhead, strict=True)
            if r > 0
        )

    def run(
        self,
        k: int,
        first: int,
        n: int,
        advance: Callable[[int], Any] | None = None,
        *,
        most: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Tallies of trials ``first .. first + n - 1`` of world ``k``, in chunks of about
        :data:`CHUNK_S` seconds at the rate seen so far (at most ``most`` trials each);
        ``advance(m)`` after each chunk of ``m`` trials.

        Raises ``KeyboardInterrupt`` between chunks after a Ctrl-C (or from ``advance``);
        :attr:`done` and :attr:`totals` then hold what was completed. :attr:`run_s`: the seconds
        a run that finished took.
        """
        self.done, self.totals = 0, None
        start = time.perf_counter()
        with self.guard.deferred():
            while self.done < n:
                rate = self.rate[k]
                m = min(max(1, int(rate * CHUNK_S)) if rate else FIRST_CHUNK, n - self.done)
                if most is not None:
                    m = min(m, most)
                t0 = time.perf_counter()
                self.totals = add_tallies(self.totals, self._call(k, first + self.done, m))
                dt = time.perf_counter() - t0
                if m >= 1024 and dt > 0:
                    self.rate[k] = 0.5 * rate + 0.5 * m / dt if rate else m / dt
                self.done += m
                if advance is not None:
                    advance(m)
                self.guard.check()
        self.run_s = time.perf_counter() - start
        assert self.totals is not None
        return self.totals


def measure_rate(run: Callable[[int], object], start: int = 16, budget_s: float = MEASURE_S) -> float:
    """Units per second of ``run(n)`` (``n`` trials, histories, ...): ``n`` grows fourfold from
    ``start`` until one call takes about ``budget_s``."""
    n = start
    while True:
        t0 = time.perf_counter()
        run(n)
        dt = max(time.perf_counter() - t0, 1e-9)
        if dt >= budget_s / 4:
            return n / dt
        n *= 4


@contextlib.contextmanager
def progress_bar(
    total: int, label: str, *, console: Console | None = None, transient: bool = False
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)`` moving a rich progress bar of ``total`` trials (in a notebook, a live
    cell output): the label, the bar, trials done of ``total``, time spent and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=transient) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@contextlib.contextmanager
def _advance(progress: Progress, total: int, label: str) -> Iterator[Callable[[int], Any] | None]:
    """What ``progress=`` asks for, as ``advance(n)`` (``None``: nothing to report)."""
    if progress is True:
        with progress_bar(total, label) as advance:
            yield advance
    elif progress is None or progress is False:
        yield None
    elif callable(progress):
        yield progress
    else:
        from ..errors import ParamError

        raise ParamError(
            f"progress must be None, True or a callable taking the trials done, saw {type(progress).__name__}"
        )


def run_simulation(
    runner: TrialRunner,
    world: World,
    trials: int,
    *,
    progress: Progress = None,
    most: int | None = None,
) -> xr.Dataset:
    """The result of trials ``0 .. trials - 1`` of the runner's (first and only) world, run in
    chunks (see :meth:`TrialRunner.run`; ``most``: trials per chunk at most), labelled.

    ``progress`` is ``None`` (nothing), ``True`` (a rich progress bar) or a callable receiving the
    trials finished in each chunk. A Ctrl-C (or a ``KeyboardInterrupt`` raised by ``progress``)
    ends the run after the chunk it came in: the result then holds the trials done, exactly as a
    run of that many trials (``trials`` and ``attrs["trials"]``), ``attrs["trials_requested"]``
    says how many were asked for, and a :class:`~tripwire.errors.PartialResultWarning` says so.
    A Ctrl-C before any trial was done raises ``KeyboardInterrupt``.
    """
    from .results import make_dataset

    (cw,) = runner.worlds
    trials = check_int("trials", trials, 1)
    with _advance(progress, trials, world.name) as advance, runner.guard.installed(only_default=True):
        if not runner.warm:
            runner.compile()  # the first chunk's rate must not count the compilation
        try:
            tallies = runner.run(0, 0, trials, advance, most=most)
        except KeyboardInterrupt:
            if runner.done == 0 or runner.totals is None:
                raise
            ds = make_dataset(cw, world, runner.totals, seed=runner.seed, trials=runner.done)
            ds.attrs["trials_requested"] = trials
            warnings.warn(
                f"interrupted after {runner.done:,} of {trials:,} trials: the result holds the trials "
                f"done (the same result as trials={runner.done}); attrs['trials_requested'] = {trials}",
                PartialResultWarning,
                stacklevel=3,
            )
            return ds
    return make_dataset(cw, world, tallies, seed=runner.seed, trials=trials)
