"""``simulate()``: run the crisis-cascade kernel on one world and label the result."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import xarray as xr

from .._checks import MAX_SEED, check_int
from ..kernels.cascade import WORLD_FIELDS, run_trials
from ..world.model import World, load_world
from .compile import CompiledWorld, compile_world
from .results import make_dataset

__all__ = ["simulate", "run_tallies", "TALLY_NAMES"]

#: Names of the tallies ``run_trials`` returns, in order.
TALLY_NAMES = (
    "outcome_count",
    "involved_count",
    "war_count",
    "side_count",
    "origin_level_count",
    "treaty_honoured",
    "treaty_failed",
    "rounds_count",
    "edge_tries",
)
#: Trials per kernel call when reporting progress.
PROGRESS_CHUNK = 1 << 20


def run_tallies(
    cw: CompiledWorld,
    trials: int,
    *,
    seed: int = 0,
    first_trial: int = 0,
    blocks: int | None = None,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Run trials ``first_trial .. first_trial + trials - 1`` of a compiled world; integer tallies.

    The tallies depend only on ``(world, seed, first_trial, trials)``, never on ``blocks``,
    ``threads`` or the chunking used for progress: summing the tallies of consecutive trial
    ranges gives the tallies of their union.
    """
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    first_trial = check_int("first_trial", first_trial, 0)
    max_threads = numba.config.NUMBA_NUM_THREADS
    threads = max_threads if threads is None else check_int("threads", threads, 1, max_threads)
    blocks = None if blocks is None else check_int("blocks", blocks, 1)
    chunk = PROGRESS_CHUNK if progress is not None else trials
    inputs = cw.kernel_inputs()
    world = tuple(inputs[name] for name in WORLD_FIELDS)
    totals: dict[str, np.ndarray] | None = None
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        done = 0
        while done < trials:
            n = min(chunk, trials - done)
            n_blocks = min(n, blocks if blocks is not None else 8 * threads)
            out = run_trials(
                np.int64(seed),
                np.int64(first_trial + done),
                np.int64(n),
                np.int64(n_blocks),
                cw.tally_shape,
                world,
            )
            if totals is None:
                totals = dict(zip(TALLY_NAMES, out, strict=True))
            else:
                for name, value in zip(TALLY_NAMES, out, strict=True):
                    totals[name] += value
            done += n
            if progress is not None:
                progress(n)
    finally:
        numba.set_num_threads(previous)
    totals["edge_tries"] = np.int64(totals["edge_tries"][0])
    return totals


def simulate(
    world: World | str | os.PathLike | dict,
    trials: int,
    *,
    seed: int = 0,
    threads: int | None = None,
    blocks: int | None = None,
    progress: Callable[[int], None] | None = None,
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
        Called with the number of trials completed after each chunk of about a million trials.

    Returns
    -------
    xarray.Dataset
        Tallies and derived probabilities with labelled coordinates (``docs/model.md``); ``attrs``
        hold the seed, trials, engine version, the world's hash and the resolved world (JSON).

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
    tallies = run_tallies(cw, trials, seed=seed, blocks=blocks, threads=threads, progress=progress)
    return make_dataset(cw, world, tallies, seed=seed, trials=trials)
