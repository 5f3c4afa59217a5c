"""``simulate()``: run the crisis-cascade kernel on one world and label the result.

The kernel wrappers it runs live in :mod:`.tallies` and are importable from here too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..world.model import World, load_world
from .compile import compile_world
from .runner import TrialRunner, run_simulation
from .tallies import (
    CLOSURES,
    PROGRESS_CHUNK,
    choose_closure,
    criticality_tallies,
    entangle_tallies,
    max_threads,
    run_blocks,
    run_tallies,
    sum_trial_blocks,
    tally_arrays,
    tally_sizes,
    warm_kernels,
)

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "simulate",
    "run_tallies",
    "entangle_tallies",
    "criticality_tallies",
    "warm_kernels",
    "choose_closure",
    "max_threads",
    "run_blocks",
    "sum_trial_blocks",
    "tally_arrays",
    "tally_sizes",
    "CLOSURES",
    "PROGRESS_CHUNK",
]


def simulate(
    world: World | str | os.PathLike | dict,
    trials: int,
    *,
    seed: int = 0,
    threads: int | None = None,
    blocks: int | None = None,
    progress: bool | Callable[[int], Any] | None = None,
) -> xr.Dataset:
    """Run ``trials`` crisis cascades on a world and return the risk distributions.

    Parameters
    ----------
    world
        A :class:`~tripwire.World`, a world-file path, a bundled scenario name or a dict.
    trials
        Number of trials (>= 1). Memory use does not grow with it.
    seed
        Seed in ``[0, 2**63)``. Trial ``t`` uses a random stream that is a pure function of
        ``(seed, t)``, so results are bit-identical for any ``threads`` or ``blocks``.
    threads
        Threads for the kernel (default: all numba threads).
    blocks
        Trial blocks per kernel call (default ``8 * threads``); has no effect on results.
    progress
        ``True`` for a progress bar (rich; a live output in a notebook), or a callable called
        after each chunk with the trials finished in it (``tqdm(total=trials).update`` fits).
        Chunks take about a second and, with ``progress``, hold at most :data:`PROGRESS_CHUNK`
        trials; they have no effect on results.

    Returns
    -------
    xarray.Dataset
        Tallies and derived probabilities with labelled coordinates (``docs/model.md``); ``attrs``
        hold the seed, trials, engine version, the world's hash and the resolved world (JSON).

        On Ctrl-C (or a ``KeyboardInterrupt`` raised by ``progress``) the run stops after the
        chunk under way and returns the trials done: exactly ``simulate(world, done, seed=seed)``
        (``done = int(ds.trials)``), plus ``attrs["trials_requested"]``, with a
        :class:`~tripwire.errors.PartialResultWarning`. Before any trial is done, Ctrl-C raises
        ``KeyboardInterrupt``.

    Examples
    --------
    >>> import tripwire
    >>> ds = tripwire.simulate("july1914", trials=10_000, seed=1)
    >>> int(ds.trials)
    10000
    >>> float(ds.p_exceed.sel(level="crisis"))
    1.0
    """
    if not isinstance(world, Path | str | dict | World):
        raise TypeError(f"world must be a World, path, scenario name or dict, saw {type(world).__name__}")

    world = load_world(world)  # a World is validated again: it may have been changed since it was loaded
    cw = compile_world(world)
    runner = TrialRunner([cw], seed=seed, threads=threads, blocks=blocks)
    return run_simulation(runner, world, trials, progress=progress, most=PROGRESS_CHUNK if progress else None)
