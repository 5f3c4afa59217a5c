"""How big a Sobol' sweep is, and how long it will take on this machine, before running it."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._checks import check_int
from ..world.model import World, load_world

__all__ = ["SobolPlan", "plan_sobol"]


@dataclass(frozen=True)
class SobolPlan:
    """A Sobol' sweep's size and expected wall time.

    Attributes
    ----------
    params
        The parameter paths.
    n
        Base samples (a power of 2).
    points
        Design points: ``n (2d + 2)``.
    trials
        Trials per point.
    total_trials
        ``points * trials``.
    trials_per_s
        Measured throughput of the kernel on this machine at a few of the design's points.
    threads
        Kernel threads measured with.
    expected_s
        ``total_trials / trials_per_s``: the computing time on these threads (a sweep on a local
        cluster of the same cores reaches about 80-100 % of it; more workers divide it).
    p_war
        P(final level >= war) measured at those points (mean), for judging the noise.
    se_war
        The Monte Carlo standard error of P(>= war) at one point with ``trials`` trials.
    """

    params: tuple[str, ...]
    n: int
    points: int
    trials: int
    total_trials: int
    trials_per_s: float
    threads: int
    expected_s: float
    p_war: float
    se_war: float

    def __str__(self) -> str:
        d = len(self.params)
        return (
            f"Sobol' sweep of {d} parameter(s) ({', '.join(self.params)}): n = {self.n} base samples -> "
            f"{self.points:,} points x {self.trials:,} trials = {self.total_trials:,} trials.\n"
            f"Measured here: {self.trials_per_s:,.0f} trials/s on {self.threads} thread(s) -> about "
            f"{_duration(self.expected_s)} of computing (divide by the workers of a cluster).\n"
            f"P(>= war) is about {self.p_war:.3g} at the points measured; with {self.trials:,} trials a "
            f"point's standard error is {self.se_war:.2g}. Compare it with how much the output moves over "
            "the design: the noise share of each output is reported by tripwire.analysis.sobol."
        )


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def plan_sobol(
    world: World | str | os.PathLike | dict,
    params: Mapping[str, Sequence[float]],
    trials: int,
    *,
    n: int = 256,
    seed: int = 0,
    threads: int | None = None,
    measure_s: float = 2.0,
    probes: int = 4,
) -> SobolPlan:
    """Plan a Sobol' sweep: its points and trials, and its wall time from measured throughput.

    Parameters
    ----------
    world
        The base world.
    params
        ``{path: [lo, hi]}``, as for a sobol sweep.
    trials
        Trials per point.
    n
        Base samples (a power of 2).
    seed
        The sweep's seed (also the design seed).
    threads
        Kernel threads to measure with (default: all).
    measure_s
        About how long to measure (spread over ``probes`` design points, after compiling).
    probes
        Design points to measure at (throughput changes with the parameters).

    Examples
    --------
    >>> import tripwire.analysis as ta
    >>> plan = ta.plan_sobol(
    ...     "cuba1962", {"policy.communication": [0, 0.9], "policy.dispute_resolution": [0, 0.9]}, 10_000,
    ...     n=64, measure_s=0.2)
    >>> plan.points
    384
    """
    from ..crisis.compile import compile_world
    from ..crisis.simulate import max_threads, run_tallies
    from ..sweep.designs import make_design
    from ..world.params import apply_params

    if not isinstance(world, World):
        world = load_world(world if isinstance(world, dict) else str(world))
    trials = check_int("trials", trials, 1)
    probes = check_int("probes", probes, 1)
    design = make_design("sobol", params, world, n=n, seed=seed)
    threads = max_threads() if threads is None else check_int("threads", threads, 1, max_threads())
    picks = np.linspace(0, design.size - 1, min(probes, design.size)).round().astype(int)
    run_tallies(compile_world(world), 1, threads=threads)  # compile (or load the cache) first
    spent, done, war = 0.0, 0, []
    for i in picks:
        w = apply_params(world, dict(zip(design.paths, design.point((int(i),)), strict=True)))
        cw = compile_world(w)
        budget = measure_s / len(picks)
        chunk, t_point, n_point, war_count = 1_000, 0.0, 0, 0
        while t_point < budget:
            t0 = time.perf_counter()
            t = run_tallies(cw, chunk, seed=seed, first_trial=n_point, threads=threads)
            t_point += time.perf_counter() - t0
            n_point += chunk
            war_count += int(t["outcome_count"][cw.war_level :].sum())
            chunk = min(chunk * 2, 1 << 22)
        spent += t_point
        done += n_point
        war.append(war_count / n_point)
    rate = done / spent if spent > 0 else float("inf")
    total = design.size * trials
    p = float(np.mean(war))
    return SobolPlan(
        params=design.paths,
        n=int(design.n if design.n is not None else n),
        points=design.size,
        trials=trials,
        total_trials=total,
        trials_per_s=rate,
        threads=threads,
        expected_s=total / rate,
        p_war=p,
        se_war=math.sqrt(p * (1 - p) / trials),
    )
