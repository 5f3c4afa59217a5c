"""``horizon()``: run the long-horizon kernel on one world and label the result."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .._checks import MAX_SEED, check_int
from ..crisis.simulate import max_threads, sum_trial_blocks
from ..kernels.encoding import CAUSES, HORIZON_TALLY_DIMS, HorizonTallies, zero_tallies
from ..world.model import World, load_world
from .compile import HorizonCompiled, compile_horizon
from .results import make_dataset

__all__ = ["horizon", "run_horizon_tallies", "tally_arrays"]

#: Histories per kernel call when reporting progress.
PROGRESS_CHUNK = 1 << 12


def tally_arrays(hc: HorizonCompiled) -> HorizonTallies:
    """Zeroed :class:`~tripwire.kernels.encoding.HorizonTallies` of one block (``crises`` as one
    value)."""
    n_states, n_years, n_levels, n_treaties, n_bins = hc.tally_shape
    sizes = {
        "year": n_years,
        "level": n_levels,
        "state": n_states,
        "bin": n_bins,
        "treaty": n_treaties,
        "cause": len(CAUSES),
    }
    return zero_tallies(HORIZON_TALLY_DIMS, sizes)


def run_horizon_tallies(
    hc: HorizonCompiled,
    trials: int,
    *,
    seed: int = 0,
    first_trial: int = 0,
    blocks: int | None = None,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run histories ``first_trial .. first_trial + trials - 1``; integer tallies by name.

    The tallies depend only on ``(world, seed, first_trial, trials)``, never on ``blocks``,
    ``threads`` or the progress chunks: the tallies of consecutive ranges add up to those of
    their union.
    """
    from ..kernels.horizon import horizon_block

    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    first_trial = check_int("first_trial", first_trial, 0)
    threads = max_threads() if threads is None else check_int("threads", threads, 1, max_threads())
    blocks = None if blocks is None else check_int("blocks", blocks, 1)
    chunk = PROGRESS_CHUNK if progress is not None else trials
    world = hc.crisis.kernel_world()
    hz = hc.kernel_horizon()

    def run(first: int, last: int, out: HorizonTallies) -> None:
        horizon_block(np.int64(seed), np.int64(first), np.int64(last), world, hz, out)

    n_blocks = 4 * threads if blocks is None else blocks
    totals = sum_trial_blocks(
        run, lambda: tally_arrays(hc), trials, first_trial, n_blocks, threads, chunk, progress
    )
    result: dict[str, Any] = totals._asdict()
    for name, dims in zip(HorizonTallies._fields, HORIZON_TALLY_DIMS, strict=True):
        if not dims:
            result[name] = np.int64(result[name][0])
    return result


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
        Threads for the kernel (default: every core this process may use).
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
