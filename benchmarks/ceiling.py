"""The ceiling of the edge loop: one xoroshiro128+ draw and one integer compare per step.

``python benchmarks/ceiling.py [--draws N] [--repeats R]`` prints draws per second on one core,
using the engine's own generator (``tripwire.kernels.rng.next53``) and its integer threshold test
(``r53 < ceil(p * 2**53)``): :func:`tripwire.bench.ceiling.draw_ns`, the draw cost of the
perfect-kernel bound that ``tripwire bench`` reports per network. No edge draw of the cascade can
cost less than this.
"""

from __future__ import annotations

import argparse

from tripwire.bench.ceiling import draw_ns


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    cost = draw_ns(draws=args.draws, repeats=args.repeats)
    rate = 1 / cost["draw_ns"]
    print(f"draw + compare: {cost['draw_ns']:.3f} ns ({rate:.2f} G/s per core, median of {args.repeats})")


if __name__ == "__main__":
    main()
