"""``horizon()``: run the long-horizon kernel on one world and label the result."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import xarray as xr

from .._checks import MAX_SEED, check_int
from ..crisis.compile import CompiledWorld
from ..kernels.encoding import WORLD_FIELDS
from ..kernels.horizon import run_horizon
from ..world.model import World, load_world
from .compile import HorizonCompiled, compile_horizon
from .results import KERNEL_TALLIES, make_dataset

__all__ = ["horizon", "run_horizon_tallies", "crisis_tuple"]

#: Histories per kernel call when reporting progress.
PROGRESS_CHUNK = 1 << 12


def crisis_tuple(cw: CompiledWorld) -> tuple:
    """The crisis world tuple (``WORLD_FIELDS``) the kernels take."""
    if hasattr(cw, "kernel_world"):
        return cw.kernel_world()
    inputs = cw.kernel_inputs()
    if "origin_ptr" not in inputs:  # a compiled world with one state a side per origin
        n_o = len(cw.origins)
        inputs["origin_ptr"] = np.arange(0, 2 * n_o + 1, 2, dtype=np.int64)
        inputs["origin_state"] = np.stack([cw.origin_a, cw.origin_b], axis=1).ravel().astype(np.int32)
        inputs["origin_n_a"] = np.ones(n_o, dtype=np.int32)
    inputs.setdefault("pledge_on", np.ones(cw.pledge_to.size, dtype=np.int8))
    return tuple(inputs[name] for name in WORLD_FIELDS)


def run_horizon_tallies(
    hc: HorizonCompiled,
    trials: int,
    *,
    seed: int = 0,
    first_trial: int = 0,
    blocks: int | None = None,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Run histories ``first_trial .. first_trial + trials - 1``; integer tallies by name.

    The tallies depend only on ``(world, seed, first_trial, trials)``, never on ``blocks``,
    ``threads`` or the progress chunks: the tallies of consecutive ranges add up to those of
    their union.
    """
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    first_trial = check_int("first_trial", first_trial, 0)
    max_threads = numba.config.NUMBA_NUM_THREADS
    threads = max_threads if threads is None else check_int("threads", threads, 1, max_threads)
    blocks = None if blocks is None else check_int("blocks", blocks, 1)
    chunk = PROGRESS_CHUNK if progress is not None else trials
    world = crisis_tuple(hc.crisis)
    hz = hc.kernel_tuple()
    totals: dict[str, np.ndarray] | None = None
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        done = 0
        while done < trials:
            n = min(chunk, trials - done)
            n_blocks = min(n, blocks if blocks is not None else 4 * threads)
            out = run_horizon(
                np.int64(seed),
                np.int64(first_trial + done),
                np.int64(n),
                np.int64(n_blocks),
                hc.tally_shape,
                world,
                hz,
            )
            if totals is None:
                totals = dict(zip(KERNEL_TALLIES, out, strict=True))
            else:
                for name, value in zip(KERNEL_TALLIES, out, strict=True):
                    totals[name] += value
            done += n
            if progress is not None:
                progress(n)
    finally:
        numba.set_num_threads(previous)
    totals["crises"] = np.int64(totals["crises"][0])
    return totals


def horizon(
    world: World | str | os.PathLike | dict,
    trials: int,
    *,
    years: int | None = None,
    seed: int = 0,
    threads: int | None = None,
    blocks: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> xr.Dataset:
    """Run ``trials`` histories of a world over the years and return the long-horizon outputs.

    Each history runs the world's ``horizon:`` section (or its defaults): arms follow a
    stochastic Richardson system, crises arrive on rival dyads and run the crisis model on that
    year's capabilities, trust in treaties rises and falls with what allies do, treaties dissolve,
    topple one another and lapse, until the first systemic war (see docs/horizon.md).

    Parameters
    ----------
    world
        A :class:`~tripwire.World`, a world-file path, a bundled scenario name or a dict.
    trials
        Histories (>= 1). Memory use does not grow with it.
    years
        Years per history (default: the world's ``horizon.years``, 40 when unset).
    seed
        Seed in ``[0, 2**63)``. History ``t`` draws from a stream that is a pure function of
        ``(seed, t)``, so results are bit-identical for any ``threads`` or ``blocks``.
    threads
        Threads for the kernel (default: all numba threads).
    blocks
        History blocks per kernel call (default ``4 * threads``); has no effect on results.
    progress
        Called with the number of histories completed after each chunk of 4,096.

    Returns
    -------
    xarray.Dataset
        The integer tallies (``first_systemic_count[year]``, ``arms_hist[state, year, bin]``,
        ``treaty_alive_count[treaty, year]``, ``treaty_end_count[treaty, cause]``,
        ``crisis_level_count[year, level]``, ``treaty_honoured`` / ``treaty_failed`` /
        ``reliability_sum[treaty, year]``, ...) and the derived curves (``p_first_systemic`` with
        its Wilson interval, ``arms_quantile``, ``treaty_survival``, ``mean_reliability``, ...);
        ``attrs`` hold the seed, trials, years, engine version and the resolved world.

    Examples
    --------
    >>> import tripwire
    >>> ds = tripwire.horizon("coldwar1955", trials=200, years=10, seed=1)
    >>> int(ds.trials), ds.sizes["year"]
    (200, 10)
    >>> bool((ds.p_first_systemic.diff("year") >= 0).all())
    True
    """
    if isinstance(world, Path | str | dict):
        world = load_world(world)
    elif not isinstance(world, World):
        raise TypeError(f"world must be a World, path, scenario name or dict, saw {type(world).__name__}")
    if years is not None:
        years = check_int("years", years, 1, 1000)
    hc = compile_horizon(world, years)
    tallies = run_horizon_tallies(hc, trials, seed=seed, blocks=blocks, threads=threads, progress=progress)
    return make_dataset(hc, world, tallies, seed=seed, trials=trials)
