"""Run the benchmark suite: ``python benchmarks/run.py [--quick] [--json PATH] [--only SECTION ...]``.

The same suite and options as ``tripwire bench`` (see ``tripwire bench --help`` and
docs/benchmarks.md): tripwire side by side with CyNetDiff and NDlib on the same graphs, the full
model on every bundled scenario, scaling and start-up. Peers come with
``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import sys

from tripwire.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
