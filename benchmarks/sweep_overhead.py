"""Overhead of the sweep machinery: ``python benchmarks/sweep_overhead.py [--trials N] [--repeats R]``.

Runs the same work three ways and reports trials per second (median of repeats, min-max):

- ``simulate`` of the base world (July 1914) once, ``points x trials`` trials on 2 threads;
- ``simulate`` of each of the 64 point worlds, ``trials`` trials each, on 2 threads;
- ``tripwire.sweep`` of the 64 points on a ``LocalCluster`` of 2 workers x 1 thread into a fresh
  zarr store (the whole call: template, tasks, writes, opening the result). The workers' kernels
  are compiled (or loaded from the cache) by a warm-up sweep before timing.

The three run back to back in each repeat (so that they see the same load from other processes);
the sweep's efficiency is its rate over the ``simulate`` rate of the same repeat. Then the workers'
memory: resident and peak memory after sweeps with 10x and 100x the trials per point, which
should not grow.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import tripwire
from tripwire.sweep.run import sweep
from tripwire.world.params import apply_params

GRID = {
    "treaties.reliability": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    "escalation.misperception": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
}


def fmt(rates):
    return f"{statistics.median(rates):>12,.0f}  ({min(rates):,.0f} - {max(rates):,.0f})"


def worker_memory():
    import resource

    import psutil

    rss = psutil.Process().memory_info().rss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    return rss, peak


def show_memory(client, label):
    mem = client.run(worker_memory)
    parts = [f"rss {rss / 2**20:,.0f} MiB, peak {peak / 2**20:,.0f} MiB" for rss, peak in mem.values()]
    print(f"  workers after {label}: " + "; ".join(parts))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", default="july1914")
    parser.add_argument("--trials", type=int, default=100_000, help="trials per point")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--points-per-task", type=int, default=None)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    world = tripwire.load_world(args.world)
    points = [
        dict(zip(GRID, values, strict=True))
        for values in np.array(np.meshgrid(*GRID.values(), indexing="ij")).reshape(2, -1).T.tolist()
    ]
    point_worlds = [apply_params(world, p) for p in points]
    total = len(points) * args.trials
    print(f"{args.world}: {len(points)} points x {args.trials:,} trials = {total:,} trials")
    tripwire.simulate(world, 1_000, threads=2)  # compile

    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        sweep(
            world,
            {"policy.communication": [0.0, 0.5]},
            trials=1_000,
            store=Path(tmp) / "warm.zarr",
            client=client,
        )
        print(f"warm-up sweep (kernels compiled or loaded in the workers): {time.perf_counter() - t0:.1f} s")
        show_memory(client, "warm-up")
        # the three measurements of each repeat run back to back, so they see the same load
        one, each, rates, ratios = [], [], [], []
        for k in range(args.repeats):
            t0 = time.perf_counter()
            tripwire.simulate(world, total, seed=1, threads=2)
            one.append(total / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            ds = sweep(
                world,
                GRID,
                trials=args.trials,
                seed=1,
                store=Path(tmp) / f"s{k}.zarr",
                client=client,
                points_per_task=args.points_per_task,
            )
            rates.append(total / (time.perf_counter() - t0))
            assert bool(ds.done.all())
            ratios.append(rates[-1] / one[-1])
            t0 = time.perf_counter()
            for w in point_worlds:
                tripwire.simulate(w, args.trials, seed=1, threads=2)
            each.append(total / (time.perf_counter() - t0))
        chunk = ds.done.encoding["chunks"]
        tasks = len(points) // int(np.prod(chunk))
        print(f"simulate, base world, one run, 2 threads:  trials/s {fmt(one)}")
        print(f"simulate, each point world, 2 threads:     trials/s {fmt(each)}")
        print(
            f"sweep, 2 workers x 1 thread ({tasks} tasks of {'x'.join(map(str, chunk))} points): "
            f"trials/s {fmt(rates)}"
        )
        print(
            f"sweep / simulate (one run), per repeat: {', '.join(f'{r:.0%}' for r in ratios)}; "
            f"median {statistics.median(ratios):.0%}; "
            f"sweep / simulate (each point): {statistics.median(rates) / statistics.median(each):.0%}"
        )
        show_memory(client, f"{args.trials:,} trials per point")
        for factor in (10, 100):
            small = dict(zip(GRID, ([0.5, 1.0], [0.2, 0.6]), strict=True))
            t0 = time.perf_counter()
            sweep(
                world,
                small,
                trials=args.trials * factor,
                seed=1,
                store=Path(tmp) / f"m{factor}.zarr",
                client=client,
            )
            dt = time.perf_counter() - t0
            rate = 4 * args.trials * factor / dt
            show_memory(
                client,
                f"4 points x {args.trials * factor:,} trials ({dt:.1f} s, {rate:,.0f} trials/s, "
                f"{rate / statistics.median(one):.0%} of simulate)",
            )
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"cores: {len(os.sched_getaffinity(0))}")


if __name__ == "__main__":
    main()
