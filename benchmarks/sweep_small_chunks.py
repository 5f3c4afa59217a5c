"""Files written by a sweep cut into one-point chunks, and the time to open and read it:
``python benchmarks/sweep_small_chunks.py [--side 64] [--trials 100] [--workers 2]``.

A ``side x side`` grid of July 1914 (``treaties.reliability`` x ``escalation.misperception``) is
swept with one point per task (``points_per_task=1``) into a fresh store; the script then counts
the files and folders under the store, their size on disk (files and folders), and times
``open_sweep`` and reading two tallies.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from tripwire.sweep.reader import open_sweep
from tripwire.sweep.run import sweep


def tree(path: Path) -> tuple[int, int, int]:
    files = dirs = size = 0
    for root, dnames, fnames in os.walk(path):
        dirs += len(dnames)
        files += len(fnames)
        for name in (*fnames, *dnames):  # folders take disk blocks too
            size += os.stat(os.path.join(root, name)).st_blocks * 512
    return files, dirs, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    grid = {
        "treaties.reliability": np.linspace(0.2, 1.0, args.side).round(6).tolist(),
        "escalation.misperception": np.linspace(0.0, 1.0, args.side).round(6).tolist(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "small.zarr"
        t0 = time.perf_counter()
        from distributed import Client, LocalCluster

        with (
            LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            sweep("july1914", grid, trials=args.trials, seed=1, store=store, client=client, points_per_task=1)
        t_sweep = time.perf_counter() - t0
        files, dirs, size = tree(store)
        t0 = time.perf_counter()
        ds = open_sweep(store)
        t_open = time.perf_counter() - t0
        t0 = time.perf_counter()
        total = int(ds.trials.sum()) + int(ds.outcome_count.sum())
        t_read = time.perf_counter() - t0
        points = args.side**2
        print(f"{points:,} points, 1 point per task, {args.trials} trials per point")
        per_point = (files + dirs) / points
        print(
            f"sweep {t_sweep:.1f} s; files {files:,}, folders {dirs:,} ({per_point:.1f} per point), "
            f"{size / 2**20:.1f} MiB on disk"
        )
        print(f"open_sweep {t_open:.2f} s; reading trials and outcome_count {t_read:.2f} s (sum {total})")


if __name__ == "__main__":
    main()
