"""The tasks a sweep runs in the workers: compute a chunk's points, write the chunk, mark it done.

Work is cut along the store's chunks (:mod:`tripwire.sweep.chunks`): one task computes every point
of one chunk and writes it, then marks it done. A point with more trials than ``trial_block`` is
split into trial blocks computed by separate tasks; their integer tallies are summed by the task
that writes the chunk. Inside a worker the kernel runs on as many threads as the worker has
(``threads_per_worker``), one kernel call at a time per worker process.

Treaty removal (``treaty.<name>.active: false``) keeps the base world's ``treaty`` coordinate: a
removed treaty's ``treaty_honoured`` and ``treaty_failed`` are 0 at that point, and the other
treaties' tallies equal those of ``simulate()`` on the world without it.

Every task checks that its worker sees the store. The driver writes a new store's template while
the first tasks compute and sets a ``distributed.Event`` once it is in place; a task started after
that (or on a store that existed already) checks before computing, the first ones before writing.
A worker that cannot see the store (not on a shared filesystem) fails its first task with a
message that says so.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..world.model import World
from ..world.params import Param, apply_to_dict, parse_path
from .models import get_model
from .store import VISIBLE_GRACE_S, check_store, store_problem, write_chunk


@dataclass(frozen=True)
class Job:
    """What every task of one run needs; computed once on a worker and shared with the others
    (the scheduler recomputes it if the workers holding it die).

    ``template`` names the ``distributed.Event`` the driver sets once it has written a new store's
    template (``None`` when the store existed before the tasks were submitted).
    """

    path: str
    store_id: str
    world: dict
    params: tuple[Param, ...]
    treaties: dict[str, int]
    seed: int
    template: str | None
    model: str = "crisis"
    years: int | None = None


_KERNEL_LOCK = threading.Lock()
#: How long a task waits for a template that the driver is still writing.
TEMPLATE_WAIT_S = 600.0
#: Stores this worker process has seen with the right id.
_SEEN: set[tuple[str, str]] = set()


def make_job(
    path: str,
    store_id: str,
    world_json: str,
    paths: list[str],
    seed: int,
    template: str | None,
    model: str = "crisis",
    years: int | None = None,
) -> Job:
    """The :class:`Job` of one run, from what the driver sends (the world as JSON, the paths)."""
    world = World.model_validate_json(world_json)
    params = tuple(parse_path(p, world) for p in paths)
    treaties = {t.name: k for k, t in enumerate(world.treaties)}
    return Job(path, store_id, world.resolved(), params, treaties, seed, template, model, years)


def _sees_store(job: Job) -> bool:
    key = (job.path, job.store_id)
    if key in _SEEN:
        return True
    if check_store(job.path, job.store_id) == "ok":
        _SEEN.add(key)
        return True
    return False


def _template_event(job: Job):
    from distributed import Event

    return Event(job.template)


def _fail_unless_seen(job: Job) -> None:
    """The store should be there: look for it a little while (a network filesystem may show a new
    folder late), then raise what is wrong."""
    deadline = time.monotonic() + VISIBLE_GRACE_S
    while not _sees_store(job):
        if (
            check_store(job.path, job.store_id) == "other"
            or not os.path.isdir(os.path.dirname(job.path))  # not even the folder it is in
            or time.monotonic() >= deadline
        ):
            raise store_problem(job.path, job.store_id)
        time.sleep(0.5)


def _check_store_before(job: Job) -> None:
    """At the start of a task: a worker that cannot see the store says so before computing (when
    the template is written already; the first tasks compute while it is written)."""
    if _sees_store(job):
        return
    if job.template is None or _template_event(job).is_set():
        _fail_unless_seen(job)


def _check_store_after(job: Job) -> None:
    """Before writing: wait for the template if the driver is still writing it, then check."""
    if _sees_store(job):
        return
    if job.template is not None and not _template_event(job).wait(timeout=TEMPLATE_WAIT_S):
        raise store_problem(job.path, job.store_id)
    _fail_unless_seen(job)


def _threads() -> int:
    from ..crisis.simulate import max_threads

    try:
        from distributed import get_worker

        n = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        n = 1
    return max(1, min(n, max_threads()))


def _point(job: Job, values: tuple, first: int, count: int, threads: int) -> dict[str, np.ndarray]:
    world = apply_to_dict(job.world, job.params, values)
    with _KERNEL_LOCK:
        return get_model(job.model).point_tallies(
            world,
            job.treaties,
            seed=job.seed,
            first=first,
            count=count,
            threads=threads,
            years=job.years,
        )


def compute(job: Job, points: list[tuple], first: int, count: int) -> dict[str, np.ndarray]:
    """Tallies of trials ``first .. first + count - 1`` of each point, stacked on a first axis."""
    _check_store_before(job)
    threads = _threads()
    per_point = [_point(job, values, first, count, threads) for values in points]
    return {name: np.stack([p[name] for p in per_point]) for name in get_model(job.model).tallies}


def write(job: Job, region: tuple[tuple[int, int], ...], *parts: dict) -> int:
    """Sum the trial blocks of one chunk, write it, then mark it done. Returns its point count."""
    total = {name: sum(p[name] for p in parts[1:]) + parts[0][name] for name in get_model(job.model).tallies}
    shape = tuple(b - a for a, b in region)
    tallies = {k: v.reshape(shape + v.shape[1:]) for k, v in total.items()}
    _check_store_after(job)
    write_chunk(job.path, job.store_id, region, tallies)
    return int(np.prod(shape))


def compute_and_write(job: Job, region: tuple[tuple[int, int], ...], points: list, trials: int) -> int:
    """Compute every trial of a chunk's points in one task, write the chunk and mark it done."""
    return write(job, region, compute(job, points, 0, trials))
