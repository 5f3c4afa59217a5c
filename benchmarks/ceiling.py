"""The ceiling of the edge loop: one xoroshiro128+ draw and one integer compare per step.

``python benchmarks/ceiling.py [--draws N] [--repeats R]`` prints draws per second on one core,
using the engine's own generator (``tripwire.kernels.rng.next53``) and its integer threshold test
(``r53 < ceil(p * 2**53)``). No edge of the cascade can cost less than this; compare with the edge
tries per second per core of ``tripwire bench``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numba
import numpy as np
from tripwire.kernels.rng import next53, trial_state


@numba.njit(nogil=True)
def draw_and_compare(n, thresh):
    s0, s1 = trial_state(np.uint64(1), np.uint64(0))
    hits = 0
    for _ in range(n):
        r, s0, s1 = next53(s0, s1)
        if r < thresh:
            hits += 1
    return hits


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    thresh = np.int64(np.ceil(0.1 * 2**53))
    draw_and_compare(10, thresh)
    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        hits = draw_and_compare(args.draws, thresh)
        rates.append(args.draws / (time.perf_counter() - t0))
    print(
        f"draw + compare: {statistics.median(rates) / 1e9:.2f} G/s per core "
        f"(min {min(rates) / 1e9:.2f}, max {max(rates) / 1e9:.2f}); hit rate {hits / args.draws:.4f}"
    )


if __name__ == "__main__":
    main()
