"""Long-horizon throughput: ``python benchmarks/horizon.py [--quick] [--repeats R] [--json PATH]``.

Runs the ``horizon`` section of the benchmark suite (``tripwire bench --only horizon``):
- trial-years per second on ``coldwar1955`` and ``today`` on 1 and 2 threads;
- crises per second inside the horizon kernel against the crisis kernel's own rate on the same
  world (the horizon's crisis dyads as origins);
- peak memory of a fresh process against the number of histories (flat in trials).
"""

from __future__ import annotations

import sys

from tripwire.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--only", "horizon", "--no-peers", *sys.argv[1:]]))
