"""Timing helpers shared by the sections: trial-count calibration, timed repeats, thread counts,
the load average and the progress log."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from .settings import Settings
from .stats import SizeStats


def calibrate_trials(run: Callable[[int], Any], target_s: float, start: int, cap: int) -> int:
    """Trials for which ``run(trials)`` takes about ``target_s`` seconds.

    The trial count grows until a run takes a fifth of the target; the last size is timed twice
    and the faster time is used, so that one disturbed run does not shrink the measurement.
    """

    def seconds(n: int) -> float:
        t0 = time.perf_counter()
        run(n)
        return time.perf_counter() - t0

    n = max(1, min(start, cap))
    while True:
        dt = seconds(n)
        if dt >= 0.2 * target_s or n >= cap:
            break
        n = min(cap, n * int(min(10.0, max(2.0, 0.3 * target_s / max(dt, 1e-9)))))
    dt = min(dt, seconds(n))
    return max(1, min(cap, int(n * target_s / max(dt, 1e-9))))


def timed_runs(engine, trials: int, seeds: list[int]) -> tuple[list[float], SizeStats, list[Any]]:
    """Run ``engine`` once per seed; per-run seconds, pooled size statistics and the runs
    (:class:`~tripwire.bench.engines.Run`: edge tries and draws where counted)."""
    seconds, runs, pooled = [], [], None
    for seed in seeds:
        t0 = time.perf_counter()
        result = engine.run(trials, seed)
        seconds.append(time.perf_counter() - t0)
        runs.append(result)
        pooled = result.sizes if pooled is None else pooled.merge(result.sizes)
    assert pooled is not None, "at least one seed"
    return seconds, pooled, runs


def measure(
    engine, seeds: list[int], target_s: float, cap: int, start: int = 10_000
) -> tuple[int, list[float], SizeStats, list[Any]]:
    """Warm ``engine`` up, calibrate its trial count to about ``target_s`` seconds (:func:`calibrate_trials`,
    starting at ``start``, at most ``cap``), then time one run per seed (:func:`timed_runs`).

    Returns the trial count, then what :func:`timed_runs` returns.
    """
    engine.warm_up()
    trials = calibrate_trials(lambda n: engine.run(n, 0), target_s, start, cap)
    return trials, *timed_runs(engine, trials, seeds)


def available_threads(settings: Settings) -> list[int]:
    """The thread counts of ``settings`` this machine can run (at most the kernel's threads)."""
    from ..crisis.simulate import max_threads

    return sorted({t for t in settings.threads if 1 <= t <= max_threads()})


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (empty where the platform has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - platforms without a load average
        return []


Log = Callable[[str], None]


def quiet(_: str) -> None:
    """A log that prints nothing."""
    pass
