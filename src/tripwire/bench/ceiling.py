"""The perfect-kernel bound: what a cascade would cost if nothing but its random draws, its origin
draw and its tallies cost anything.

- :func:`draw_and_compare` is the ceiling of the edge loop: one xoroshiro128+ draw of the engine's
  own generator (``tripwire.kernels.rng.next53``) and one integer compare (``r53 < ceil(p * 2**53)``)
  per step; :func:`draw_ns` times it.
- :func:`origin_and_tallies` is the rest of a perfect trial: the trial's stream set-up, an origin
  draw in constant time (one draw from an alias table of the world's origin weights,
  :func:`alias_table`) and the tallies (size and origin counts, and per participant its
  involvement and side); :func:`overhead_ns` times it on a compiled world at a given mean cascade
  size.
- :func:`bound` adds them up: ``draws per cascade x draw cost + origin and tallies``.

No closure can beat the bound on the same draws; the suite reports tripwire's cascades per second as
a fraction of it.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import numba
import numpy as np

from ..kernels.rng import INV53, next53, trial_state

#: Threshold of the draw-and-compare loop: ``p = 0.1`` as an integer test on 53 bits.
THRESH = np.int64(math.ceil(0.1 * 2**53))


@numba.njit(nogil=True)
def draw_and_compare(n, thresh):  # pragma: no cover - compiled
    """``n`` draws, each compared with ``thresh``; returns the hits (so nothing is optimised away)."""
    s0, s1 = trial_state(np.uint64(1), np.uint64(0))
    hits = 0
    for _ in range(n):
        r, s0, s1 = next53(s0, s1)
        if r < thresh:
            hits += 1
    return hits


def alias_table(weights) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table of ``weights`` (Vose's construction): ``(keep, alias)``. A draw ``u``
    in [0, 1) picks ``k = floor(u * n)`` and keeps it when ``u * n - k < keep[k]``, else takes
    ``alias[k]``; each index comes with probability proportional to its weight.

    Examples
    --------
    >>> keep, alias = alias_table([1.0, 3.0])
    >>> keep.tolist(), alias.tolist()
    ([0.5, 1.0], [1, 1])
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.size
    scaled = w * n / w.sum()
    keep = np.ones(n)
    alias = np.arange(n, dtype=np.int64)
    small = [k for k in range(n) if scaled[k] < 1.0]
    large = [k for k in range(n) if scaled[k] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        keep[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return keep, alias


@numba.njit(nogil=True)
def origin_and_tallies(
    seed, trials, keep, alias, sizes, order, outcome, origin_count, involved, side_count
):  # pragma: no cover - compiled
    """For each trial: its stream, the origin draw (alias table ``keep``, ``alias``), then the
    tallies of a cascade of ``sizes[t % sizes.size]`` participants (``order[:size]``, on alternate
    sides)."""
    seed_u = np.uint64(seed)
    n_origins = keep.size
    s0 = s1 = np.uint64(0)
    for t in range(trials):
        s0, s1 = trial_state(seed_u, np.uint64(t))
        r, s0, s1 = next53(s0, s1)
        u = r * INV53 * n_origins
        o = min(int(u), n_origins - 1)
        if u - o >= keep[o]:
            o = alias[o]
        size = sizes[t % sizes.size]
        outcome[size] += 1
        origin_count[o] += 1
        for k in range(size):
            j = order[k]
            involved[j] += 1
            side_count[j, k & 1] += 1
    return s0 ^ s1


def _median_seconds(call, repeats: int) -> float:
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def draw_ns(draws: int = 50_000_000, repeats: int = 3) -> dict[str, Any]:
    """Nanoseconds per draw and compare on one core: the median over ``repeats`` loops of ``draws``.

    Examples
    --------
    >>> cost = draw_ns(draws=10_000, repeats=1)
    >>> cost["draw_ns"] > 0 and cost["draws"] == 10_000
    True
    """
    draw_and_compare(10, THRESH)  # compile
    seconds = _median_seconds(lambda: draw_and_compare(draws, THRESH), repeats)
    return {"draws": draws, "repeats": repeats, "draw_ns": 1e9 * seconds / draws}


def cascade_sizes(mean_size: float, n_states: int, slots: int = 64) -> np.ndarray:
    """``slots`` integer sizes (at most ``n_states``) whose mean is ``mean_size`` to within
    ``1 / slots``: the floor, and the ceiling in the right share of slots.

    Examples
    --------
    >>> cascade_sizes(2.25, 10, slots=8).tolist()
    [3, 3, 2, 2, 2, 2, 2, 2]
    """
    mean_size = min(max(mean_size, 0.0), float(n_states))
    low = math.floor(mean_size)
    high = min(low + 1, n_states)
    n_high = round((mean_size - low) * slots)
    return np.array([high] * n_high + [low] * (slots - n_high), dtype=np.int64)


def overhead_ns(cw, mean_size: float, trials: int = 1_000_000, repeats: int = 3) -> dict[str, Any]:
    """Nanoseconds per trial of :func:`origin_and_tallies` on ``cw``'s origins and states, at
    cascades of ``mean_size`` participants on average (median over ``repeats`` loops of ``trials``).

    Examples
    --------
    >>> from tripwire.crisis.compile import compile_world
    >>> from tripwire.world.synthetic import network_world
    >>> cost = overhead_ns(compile_world(network_world("blocs", 16)), 3.5, trials=1000, repeats=1)
    >>> cost["overhead_ns"] > 0 and cost["mean_size"] == 3.5
    True
    """
    n = cw.n_states
    sizes = cascade_sizes(mean_size, n)
    order = np.random.default_rng(0).permutation(n).astype(np.int64)
    keep, alias = alias_table(cw.origin_weight)

    def run(count: int) -> None:
        origin_and_tallies(
            np.int64(1),
            np.int64(count),
            keep,
            alias,
            sizes,
            order,
            np.zeros(n + 1, dtype=np.int64),
            np.zeros(keep.size, dtype=np.int64),
            np.zeros(n, dtype=np.int64),
            np.zeros((n, 2), dtype=np.int64),
        )

    run(10)  # compile
    seconds = _median_seconds(lambda: run(trials), repeats)
    return {
        "trials": trials,
        "repeats": repeats,
        "mean_size": mean_size,
        "overhead_ns": 1e9 * seconds / trials,
    }


def bound(draws_per_cascade: float, draw_cost_ns: float, overhead_cost_ns: float) -> dict[str, float]:
    """The perfect-kernel bound of a network: ``ns_per_cascade = draws_per_cascade * draw_cost_ns +
    overhead_cost_ns`` and ``cascades_per_s = 1e9 / ns_per_cascade``.

    Examples
    --------
    >>> b = bound(30.0, 1.5, 20.0)
    >>> b["ns_per_cascade"], round(b["cascades_per_s"])
    (65.0, 15384615)
    """
    if draws_per_cascade < 0 or draw_cost_ns <= 0 or overhead_cost_ns < 0:
        raise ValueError(
            f"the bound needs draws >= 0, a positive draw cost and an overhead >= 0; saw draws="
            f"{draws_per_cascade}, draw_ns={draw_cost_ns}, overhead_ns={overhead_cost_ns}"
        )
    ns = draws_per_cascade * draw_cost_ns + overhead_cost_ns
    return {
        "draws_per_cascade": float(draws_per_cascade),
        "draw_ns": float(draw_cost_ns),
        "overhead_ns": float(overhead_cost_ns),
        "ns_per_cascade": float(ns),
        "cascades_per_s": 1e9 / ns,
    }
