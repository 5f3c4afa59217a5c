"""The models a sweep can run, and what differs between them in a store: the crisis model
(``simulate``) and the long-horizon model (``tripwire.horizon``). A sweep file says which with
``model:`` (default ``crisis``); a horizon sweep may also give ``years``.

For each model: the integer tallies a store holds and their dimensions, the coordinates and
attributes of one run, the derived variables :func:`~tripwire.sweep.store.open_sweep` adds, and
the tallies of one point (trials ``first .. first + count - 1`` of the point's world, exactly
those of ``simulate`` / ``horizon`` on that world with the sweep's seed).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MODELS = ("crisis", "horizon")
#: Tallies of the horizon model with a ``treaty`` dimension (zero for a removed treaty).
_HORIZON_TREATY_TALLIES = (
    "treaty_alive_count",
    "treaty_end_count",
    "treaty_honoured",
    "treaty_failed",
    "reliability_sum",
)


def tallies(model: str) -> list[str]:
    """Names of the integer tallies a store of ``model`` holds."""
    from ..crisis import results as crisis_results
    from ..horizon import results as horizon_results

    return list(horizon_results.TALLIES if model == "horizon" else crisis_results.TALLIES)


def variables(model: str) -> dict[str, Any]:
    """``name -> (dims, description)`` of ``model``'s variables."""
    from ..crisis import results as crisis_results
    from ..horizon import results as horizon_results

    return dict(horizon_results.VARIABLES if model == "horizon" else crisis_results.VARIABLES)


def derive(model: str, ds):
    """``model``'s derived variables added to a dataset of its tallies."""
    if model == "horizon":
        from ..horizon.results import derive as horizon_derive

        return horizon_derive(ds)
    from ..crisis.results import derive as crisis_derive

    return crisis_derive(ds)


def layout(model: str, world, *, seed: int, trials: int, years: int | None) -> tuple[dict, dict]:
    """Coordinates and attributes of one run of ``model`` on ``world``."""
    if model == "horizon":
        from ..horizon.compile import compile_horizon
        from ..horizon.results import run_layout as horizon_layout

        return horizon_layout(compile_horizon(world, years), world, seed=seed, trials=trials)
    from ..crisis.compile import compile_world
    from ..crisis.results import run_layout as crisis_layout

    return crisis_layout(compile_world(world), world, seed=seed, trials=trials)


def point_tallies(
    model: str,
    world,
    treaties: dict[str, int],
    *,
    seed: int,
    first: int,
    count: int,
    threads: int,
    years: int | None,
) -> dict[str, Any]:
    """The tallies of trials ``first .. first + count - 1`` of one point's world, laid out as the
    store holds them (``treaties``: the base world's treaty index; a treaty the point removed
    keeps its place with zero tallies)."""
    names: list[str]
    treaty_tallies: tuple[str, ...]
    out: dict[str, Any]
    if model == "horizon":
        from ..horizon.compile import compile_horizon
        from ..horizon.simulate import run_horizon_tallies

        hc = compile_horizon(world, years)
        t = run_horizon_tallies(hc, count, seed=seed, first_trial=first, threads=threads)
        out = {name: t[name] for name in tallies(model) if name in t}
        names, treaty_tallies = hc.crisis.treaties, _HORIZON_TREATY_TALLIES
    else:
        from ..crisis.compile import compile_world
        from ..crisis.simulate import run_tallies

        cw = compile_world(world)
        t = run_tallies(cw, count, seed=seed, first_trial=first, threads=threads)
        out = {name: t[name] for name in tallies(model) if name in t}
        out["outcome_count"] = t["outcome_count"][:, 2:]  # sizes start at 2, as in make_dataset
        names, treaty_tallies = cw.treaties, ("treaty_honoured", "treaty_failed")
    out["trials"] = np.int64(count)
    if len(names) != len(treaties):
        where = np.array([treaties[name] for name in names], dtype=np.int64)
        for name in treaty_tallies:
            full = np.zeros((len(treaties), *out[name].shape[1:]), dtype=np.int64)
            full[where] = out[name]
            out[name] = full
    return out
