"""Throughput of the core engine: ``python benchmarks/throughput.py [--trials N] [--repeats R]``.

Measures, in one process:
- ``import tripwire`` time (in a fresh interpreter) and the kernel's first-call compile time;
- July 1914 trials per second on 1 and 2 threads;
- the pure-cascade configuration on a 200-state synthetic bloc network: cascades per second and
  random edge tries per second per core (an edge try is one obligation edge examined, the unit
  of work of the joining closure).
Reports medians over repeats with min-max.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numba

import tripwire
from tripwire.compile import compile_world
from tripwire.simulation import run_tallies
from tripwire.synthetic import bloc_network, pure_cascade


def timed(cw, trials, threads, repeats):
    rates, tries = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run_tallies(cw, trials, seed=1, threads=threads)
        dt = time.perf_counter() - t0
        rates.append(trials / dt)
        tries.append(int(out["edge_tries"]) / dt / threads)
    return rates, tries


def fmt(values):
    return f"{statistics.median(values):>14,.0f}  ({min(values):,.0f} – {max(values):,.0f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    probe = "import time; t = time.perf_counter(); import tripwire; print(time.perf_counter() - t)"
    imp = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True, text=True, check=True,
    )
    print(f"import tripwire: {float(imp.stdout) * 1000:.0f} ms")
    july = compile_world(tripwire.load_world("july1914"))
    t0 = time.perf_counter()
    run_tallies(july, 1)
    print(f"first call (compile): {time.perf_counter() - t0:.2f} s")
    print(f"threads available: {numba.config.NUMBA_NUM_THREADS}")

    for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        rates, _ = timed(july, args.trials, threads, args.repeats)
        print(f"july1914, {threads} thread(s): trials/s {fmt(rates)}")

    world = pure_cascade(bloc_network(200, seed=0))
    cascade = compile_world(world)
    print(f"blocs200 pure cascade: {cascade.n_edges} edges, {len(world.origins)} origins")
    for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        rates, tries = timed(cascade, args.trials, threads, args.repeats)
        print(f"blocs200, {threads} thread(s): cascades/s {fmt(rates)}; edge tries/s/core {fmt(tries)}")


if __name__ == "__main__":
    main()
