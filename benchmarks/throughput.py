"""Throughput of the core engine: ``python benchmarks/throughput.py [--repeats R]``.

Now part of the benchmark suite (``benchmarks/run.py``, ``tripwire bench``); this runs the parts
that give the figures this script used to print, without the peers:
- ``import tripwire`` time, the kernel's first-call compile time and cached start-up;
- trials per second of every bundled scenario (July 1914 among them) on 1 and 2 threads;
- the independent-cascade configuration of 200-state bloc network: cascades per second and random
  edge tries per second per core, on 1 and 2 threads.
"""

from __future__ import annotations

import sys

from tripwire.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--only", "startup", "scenarios", "cascade", "--no-peers", *sys.argv[1:]]))
