"""The full back-test: ``python benchmarks/backtest.py --data ../shared/data [--trials 20000]
[--workers 2] [--limit N] [--profile mid5]``.

Back-tests every MID training dispute (or the first ``--limit`` by start date) at ``--trials``
trials each, on a ``LocalCluster`` of ``--workers`` worker processes (one thread each; disputes
run side by side, grouped by start date so each date's world is built once), and reports:

- the wall time of the whole call (building every world, compiling, running, assembling the
  dataset), split into the build (worlds and compiled arrays, measured on one process for the
  same disputes at 1 trial) and the rest;
- disputes per second and trials per second.

The aim is the 1,827 training disputes at 20,000 trials each in under 10 minutes on 2 cores.
With ``--limit`` the full time is also extrapolated (linearly in disputes, which holds since
disputes are independent tasks; the dates of a prefix are earlier than the average, so their
worlds are smaller and the extrapolation is optimistic: prefer a random ``--sample``).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from tripwire.errors import DataWarning
from tripwire.history import backtest, engine, load_disputes
from tripwire.sweep.run import local_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="the first N disputes by start date")
    parser.add_argument("--sample", type=int, default=None, help="a random sample of N disputes (seed 0)")
    parser.add_argument("--profile", default="mid5")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DataWarning)

    disputes = load_disputes(f"{args.data}/mid5", data=args.data)
    total = len(disputes)
    if args.sample:
        ids = np.random.default_rng(0).choice(np.array(disputes.table.index), args.sample, replace=False)
        disputes = disputes.subset(sorted(ids.tolist()))
    elif args.limit:
        disputes = disputes.subset(disputes.table.sort_values("start").index[: args.limit])
    n = len(disputes)

    t0 = time.perf_counter()
    engine.build_cases(disputes.table, args.data)
    build_s = time.perf_counter() - t0

    with local_client(args.workers) as client:
        backtest(
            disputes.subset(disputes.table.index[:2]),
            data=args.data,
            profile=args.profile,
            trials=10,
            client=client,
        )  # warm the workers (kernel cache, data read)
        t0 = time.perf_counter()
        ds = backtest(disputes, data=args.data, profile=args.profile, trials=args.trials, client=client)
        wall = time.perf_counter() - t0
    print(f"disputes: {n:,} of {total:,}; trials each: {args.trials:,}; workers: {args.workers}")
    print(f"build on one process (worlds and compiled arrays): {build_s:8.1f} s")
    print(f"back-test wall time:                                {wall:8.1f} s")
    print(f"  {n / wall:,.2f} disputes/s, {n * args.trials / wall:,.0f} trials/s")
    print(f"  candidates: {ds.sizes['candidate']:,}")
    if n < total:
        print(f"  extrapolated to all {total:,} disputes: {wall * total / n:8.1f} s")


if __name__ == "__main__":
    main()
