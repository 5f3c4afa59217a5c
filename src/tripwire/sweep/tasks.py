"""The tasks a sweep runs in the workers: compute a chunk's points, write the chunk, mark it done.

Work is cut along the store's chunks (:mod:`tripwire.sweep.store`): one task computes every point
of one chunk and writes it, then marks it done. A point with more trials than ``trial_block`` is
split into trial blocks computed by separate tasks; their integer tallies are summed by the task
that writes the chunk. Inside a worker the kernel runs on as many threads as the worker has
(``threads_per_worker``), one kernel call at a time per worker process.

Treaty removal (``treaty.<name>.active: false``) keeps the base world's ``treaty`` coordinate: a
removed treaty's ``treaty_honoured`` and ``treaty_failed`` are 0 at that point, and the other
treaties' tallies equal those of ``simulate()`` on the world without it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..world.model import World
from ..world.params import Param, apply_to_dict, parse_path
from . import models
from .store import write_chunk


@dataclass(frozen=True)
class _Job:
    """What every task of one run needs; computed once on a worker and shared with the others
    (the scheduler recomputes it if the workers holding it die)."""

    path: str
    store_id: str
    world: dict
    params: tuple[Param, ...]
    treaties: dict[str, int]
    seed: int
    wait_s: float
    model: str = "crisis"
    years: int | None = None


_KERNEL_LOCK = threading.Lock()
#: How long a task waits for a template that the driver is still writing.
TEMPLATE_WAIT_S = 600.0


def _make_job(
    path: str,
    store_id: str,
    world_json: str,
    paths: list[str],
    seed: int,
    wait_s: float,
    model: str = "crisis",
    years: int | None = None,
) -> _Job:
    world = World.model_validate_json(world_json)
    params = tuple(parse_path(p, world) for p in paths)
    treaties = {t.name: k for k, t in enumerate(world.treaties)}
    return _Job(path, store_id, world.resolved(), params, treaties, seed, wait_s, model, years)


def _threads() -> int:
    import numba

    try:
        from distributed import get_worker

        n = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        n = 1
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


def _point(job: _Job, values: tuple, first: int, count: int, threads: int) -> dict[str, np.ndarray]:
    world = apply_to_dict(job.world, job.params, values)
    with _KERNEL_LOCK:
        return models.point_tallies(
            job.model,
            world,
            job.treaties,
            seed=job.seed,
            first=first,
            count=count,
            threads=threads,
            years=job.years,
        )


def _compute(job: _Job, points: list[tuple], first: int, count: int) -> dict[str, np.ndarray]:
    """Tallies of trials ``first .. first + count - 1`` of each point, stacked on a first axis."""
    threads = _threads()
    per_point = [_point(job, values, first, count, threads) for values in points]
    return {name: np.stack([p[name] for p in per_point]) for name in models.tallies(job.model)}


def _write(job: _Job, region: tuple[tuple[int, int], ...], *parts: dict) -> int:
    """Sum the trial blocks of one chunk, write it, then mark it done. Returns its point count."""
    total = {name: sum(p[name] for p in parts[1:]) + parts[0][name] for name in models.tallies(job.model)}
    shape = tuple(b - a for a, b in region)
    tallies = {k: v.reshape(shape + v.shape[1:]) for k, v in total.items()}
    write_chunk(job.path, job.store_id, region, tallies, wait_s=job.wait_s)
    return int(np.prod(shape))


def _compute_and_write(job: _Job, region: tuple[tuple[int, int], ...], points: list, trials: int) -> int:
    return _write(job, region, _compute(job, points, 0, trials))
