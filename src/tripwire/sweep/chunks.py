"""How a sweep store is cut into chunks: one chunk of sweep points is one task's work.

The chunk shape over the sweep dimensions (:func:`chunk_shape_for`), the default points per task,
the chunk files a store will hold (and the chunking that keeps them few), and the regions and
slices of the chunks.
"""

from __future__ import annotations

import itertools
import math

from ..defaults import SWEEP_FILES_WARN
from ..errors import SweepError
from .models import DEFAULT_MODEL, get_model

__all__ = [
    "TASKS_PER_WORKER",
    "FILES_WARN",
    "chunk_shape_for",
    "default_points_per_task",
    "files_estimate",
    "points_per_task_for",
    "chunk_regions",
    "region_slices",
]


def chunk_shape_for(shape: tuple[int, ...], points_per_task: int) -> tuple[int, ...]:
    """Chunk shape over the sweep dimensions holding at most ``points_per_task`` points.

    Fills the last dimension first, then the ones before it while whole rows fit (C order), so a
    chunk is a contiguous block of points.

    >>> chunk_shape_for((8, 8), 8), chunk_shape_for((8, 8), 20), chunk_shape_for((5, 5), 3)
    ((1, 8), (2, 8), (1, 3))
    """
    if points_per_task < 1:
        raise SweepError(f"points_per_task must be >= 1, saw {points_per_task}")
    chunk = [1] * len(shape)
    left = points_per_task
    for d in reversed(range(len(shape))):
        chunk[d] = min(shape[d], left)
        if chunk[d] < shape[d]:
            break
        left //= shape[d]
        if left <= 1:
            break
    return tuple(chunk)


#: Tasks per worker in the default chunking: enough to balance the load, few enough that each
#: task's fixed costs (scheduling, one chunk write) stay small (two gave 83 % of ``simulate``'s
#: throughput on 64 points x 100,000 trials and 2 workers, four gave 79 %).
TASKS_PER_WORKER = 2


def default_points_per_task(n_points: int, trials: int, trial_block: int, workers: int) -> int:
    """About ``TASKS_PER_WORKER`` tasks per worker, each carrying at most one trial block of work.

    A point with more trials than ``trial_block`` gets a chunk of its own, split into trial blocks.
    """
    most = max(1, trial_block // trials)
    return max(1, min(most, math.ceil(n_points / (TASKS_PER_WORKER * max(1, workers)))))


#: A chunking that would write more files than this gets a warning (each file costs a disk block
#: and a metadata operation; tens of thousands make a store slow to write, copy and read).
FILES_WARN = SWEEP_FILES_WARN


def files_estimate(shape: tuple[int, ...], chunk: tuple[int, ...], model: str = DEFAULT_MODEL) -> int:
    """Chunk files a store of this shape and chunking holds once done: one per array per chunk.

    >>> files_estimate((64, 64), (1, 1))
    49152
    """
    chunks = math.prod(math.ceil(s / c) for s, c in zip(shape, chunk, strict=True))
    return chunks * (len(get_model(model).tallies) + 1)


def points_per_task_for(n_points: int, files: int = FILES_WARN, model: str = DEFAULT_MODEL) -> int:
    """The fewest points per task that keep a store under ``files`` chunk files."""
    return max(1, math.ceil(n_points * (len(get_model(model).tallies) + 1) / files))


def chunk_regions(shape: tuple[int, ...], chunk: tuple[int, ...]) -> list[tuple[tuple[int, int], ...]]:
    """Every chunk of a store of this shape, as ``((start, stop), ...)`` over the sweep dimensions.

    >>> chunk_regions((3,), (2,))
    [((0, 2),), ((2, 3),)]
    """
    ranges = [[(a, min(a + c, s)) for a in range(0, s, c)] for s, c in zip(shape, chunk, strict=True)]
    return list(itertools.product(*ranges))


def region_slices(region: tuple[tuple[int, int], ...]) -> tuple[slice, ...]:
    """The slices that select one region (``((start, stop), ...)``) of an array."""
    return tuple(slice(a, b) for a, b in region)
