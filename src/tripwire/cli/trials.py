"""Running trials from the command line: compile, measure the rate, estimate the time (and ask
before a run of more than a day), then run in chunks, stopping cleanly on Ctrl-C.

Tallies of consecutive trial ranges add up to the tallies of their union, so running in chunks
gives exactly the result of one call (``simulate`` with the same seed and trials).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
from rich.console import Console

from ..errors import ParamError
from ._common import duration
from .interrupts import GUARD, Guard

#: Runs estimated to take longer than this need ``--yes`` (or a "y" at the prompt).
DAY_S = 86_400.0
#: Seconds of trials per chunk: how long a Ctrl-C may wait, and how often progress moves.
CHUNK_S = 1.0
#: Seconds spent measuring the rate before a run.
MEASURE_S = 0.2


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

    def __init__(self, worlds: list, *, seed: int, threads: int | None, guard: Guard = GUARD) -> None:
        self.worlds = worlds
        self.seed = seed
        self.threads = threads
        self.guard = guard
        self.rate = [0.0] * len(worlds)  # trials per second, per world
        self.overhead = [0.0] * len(worlds)  # seconds per call, per world
        self.done = 0
        self.totals: dict[str, np.ndarray] | None = None

    def _call(self, k: int, first: int, n: int) -> dict[str, np.ndarray]:
        from ..crisis.simulate import run_tallies

        return run_tallies(self.worlds[k], n, seed=self.seed, first_trial=first, threads=self.threads)

    def compile(self) -> float:
        """Compile the kernels (or load them from the cache); seconds taken."""
        t0 = time.perf_counter()
        for k in range(len(self.worlds)):
            self._call(k, 0, 1)
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

    def run(self, k: int, first: int, n: int, advance: Callable[[int], None]) -> dict[str, np.ndarray]:
        """Tallies of trials ``first .. first + n - 1`` of world ``k``; ``advance(m)`` after each chunk.

        Raises ``KeyboardInterrupt`` between chunks after a Ctrl-C; :attr:`done` and
        :attr:`totals` then hold what was completed.
        """
        self.done, self.totals = 0, None
        with self.guard.deferred():
            while self.done < n:
                # chunks of about CHUNK_S seconds at the rate seen so far
                m = min(max(1, int(self.rate[k] * CHUNK_S)) if self.rate[k] else 1 << 12, n - self.done)
                t0 = time.perf_counter()
                self.totals = add_tallies(self.totals, self._call(k, first + self.done, m))
                dt = time.perf_counter() - t0
                if m >= 1024 and dt > 0:
                    self.rate[k] = 0.5 * self.rate[k] + 0.5 * m / dt if self.rate[k] else m / dt
                self.done += m
                advance(m)
                self.guard.check()
        assert self.totals is not None
        return self.totals


def confirm_long(estimate_s: float, what: str, *, yes: bool, console: Console) -> bool:
    """``True`` to go ahead. Beyond a day: ask on a terminal; refuse in batch mode unless ``yes``.

    Raises
    ------
    ParamError
        In batch mode (no terminal) when the estimate exceeds a day and ``yes`` is false.
    """
    if estimate_s <= DAY_S or yes:
        return True
    message = f"{what} would take about {duration(estimate_s)} on this machine"
    if sys.stdin.isatty() and console.is_terminal:
        answer = console.input(f"{message}. Run it anyway? [y/N] ")
        return answer.strip().lower() in ("y", "yes")
    raise ParamError(f"{message}; pass --yes to run it anyway, or ask for fewer trials with --trials")
