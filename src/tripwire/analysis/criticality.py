"""Treaty criticality: how much each treaty changes the risk, with exact paired intervals.

For every treaty ``k`` the same trials (the same random streams) run on the world as it is and on
the world without treaty ``k`` (common random numbers). The kernel tallies them jointly:
``joint_level_count[k, base_level, variant_level]`` counts the trials by their final level in both
worlds. For a level ``l`` the trials split four ways (at or above ``l`` in both worlds, only with
the treaty, only without it, in neither), and the effect of removing the treaty on
P(final level >= l) is the paired difference

    effect = P_without - P_base = (n_without_only - n_base_only) / n,

with the paired standard error ``sqrt((E[D^2] - effect^2) / n)``, ``D`` in {-1, 0, 1} the
per-trial difference. Because the two worlds share their streams, this interval is much narrower
than one that treats the two runs as independent (``effect_se_independent``, given for
comparison). ``effect_lo`` / ``effect_hi`` are Newcombe's hybrid-score interval for a difference of
paired proportions (Newcombe 1998, *Statistics in Medicine* 17: 873-890, method 10), which stays
sensible when few trials differ.

A positive effect means the risk is higher without the treaty (the treaty restrains or deters); a
negative one that the treaty drags states in and raises it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import xarray as xr

from .._checks import MAX_SEED, check_int
from .._version import __version__
from ..crisis.results import wilson_interval
from ..errors import ParamError
from ..world.model import World, load_world

__all__ = ["criticality", "criticality_from_joint", "paired_interval"]


def paired_interval(both, base_only, without_only, n, z: float = 1.96):
    """Difference ``P_without - P_base`` of paired proportions, its paired standard error and
    Newcombe's hybrid-score interval (arrays broadcast).

    Examples
    --------
    >>> d, se, lo, hi = paired_interval(40, 10, 2, 1000)
    >>> round(float(d), 3), round(float(se), 4), float(lo) < float(d) < float(hi)
    (-0.008, 0.0035, True)
    """
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (both, base_only, without_only))
    n = np.asarray(n, dtype=np.float64)
    d_ = n - a - b - c  # neither
    p1 = (a + c) / n  # without
    p2 = (a + b) / n  # base
    diff = p1 - p2
    se = np.sqrt(np.maximum((b + c) / n - diff**2, 0.0) / n)
    l1, u1 = wilson_interval(a + c, n, z)
    l2, u2 = wilson_interval(a + b, n, z)
    denom = (a + c) * (b + d_) * (a + b) * (c + d_)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(denom > 0, (a * d_ - c * b) / np.sqrt(np.where(denom > 0, denom, 1.0)), 0.0)
    lo = diff - np.sqrt(np.maximum((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    hi = diff + np.sqrt(np.maximum((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return diff, se, lo, hi


def criticality_from_joint(
    joint: np.ndarray,
    *,
    levels: Sequence[str],
    treaties: Sequence[str],
    trials: int,
    z: float = 1.96,
) -> xr.Dataset:
    """Label a joint tally ``joint[treaty, base_level, without_level]`` and derive the effects.

    Returns
    -------
    xarray.Dataset
        Over ``treaty`` and ``level``: ``p_base`` (level only), ``p_without``, ``effect``,
        ``effect_se``, ``effect_lo``, ``effect_hi``, ``effect_se_independent``, ``n_both``,
        ``n_base_only``, ``n_without_only``; and ``joint_level_count``.
    """
    joint = np.asarray(joint, dtype=np.int64)
    k, nl, _ = joint.shape
    # at-or-above indicators: A[l, i] = (i >= l)
    above = (np.arange(nl)[None, :] >= np.arange(nl)[:, None]).astype(np.int64)
    both = np.einsum("li,kij,lj->kl", above, joint, above)
    base = np.einsum("li,kij->kl", above, joint)
    without = np.einsum("kij,lj->kl", joint, above)
    base_only, without_only = base - both, without - both
    diff, se, lo, hi = paired_interval(both, base_only, without_only, trials, z)
    p_base = base / trials
    p_without = without / trials
    se_ind = np.sqrt(p_base * (1 - p_base) / trials + p_without * (1 - p_without) / trials)
    dims = ("treaty", "level")
    pct = f"{100 * (2 * _norm_cdf(z) - 1):.0f} %"
    ds = xr.Dataset(
        {
            "p_base": (
                "level",
                p_base[0] if k else np.full(nl, np.nan),
                {"description": "P(final level >= l), world as it is"},
            ),
            "p_without": (dims, p_without, {"description": "P(final level >= l) without the treaty"}),
            "effect": (
                dims,
                diff,
                {"description": "P without the treaty - P with it (paired)", "units": "1"},
            ),
            "effect_se": (dims, se, {"description": "paired standard error of effect"}),
            "effect_lo": (
                dims,
                lo,
                {"description": f"{pct} interval of effect: lower (Newcombe hybrid score)"},
            ),
            "effect_hi": (
                dims,
                hi,
                {"description": f"{pct} interval of effect: upper (Newcombe hybrid score)"},
            ),
            "effect_se_independent": (
                dims,
                se_ind,
                {"description": "standard error of effect if the two runs were independent (for comparison)"},
            ),
            "n_both": (dims, both, {"description": "trials at or above the level in both worlds"}),
            "n_base_only": (
                dims,
                base_only,
                {"description": "trials at or above the level only with the treaty"},
            ),
            "n_without_only": (
                dims,
                without_only,
                {"description": "trials at or above the level only without the treaty"},
            ),
            "joint_level_count": (
                ("treaty", "level_base", "level_without"),
                joint,
                {"description": "trials by final level with the treaty and without it"},
            ),
        },
        coords={
            "treaty": list(treaties),
            "level": list(levels),
            "level_base": list(levels),
            "level_without": list(levels),
        },
        attrs={"trials": int(trials), "z": float(z)},
    )
    return ds


def _norm_cdf(z: float) -> float:
    import math

    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def criticality(
    world: World | str | os.PathLike | dict,
    trials: int,
    *,
    seed: int = 0,
    treaties: Sequence[str] | None = None,
    threads: int | None = None,
    z: float = 1.96,
) -> xr.Dataset:
    """The effect of removing each treaty on P(final level >= l), with exact paired intervals.

    Parameters
    ----------
    world
        A world, world file, bundled scenario or dict.
    trials
        Trials (the same ones run with and without each treaty).
    seed
        Seed of the trials.
    treaties
        Treaty names (default: every treaty).
    threads
        Kernel threads.
    z
        Normal quantile of the intervals (1.96: 95 %).

    Returns
    -------
    xarray.Dataset
        See :func:`criticality_from_joint`; ``attrs`` carry the seed, trials, engine version and
        world hash.

    Examples
    --------
    >>> import tripwire
    >>> crit = tripwire.criticality("july1914", 20_000, seed=1)  # doctest: +SKIP
    >>> crit.effect.sel(level="war").to_pandas().sort_values()  # doctest: +SKIP
    """
    from ..crisis.compile import compile_world
    from ..crisis.simulate import criticality_tallies

    if not isinstance(world, World):
        world = load_world(world if isinstance(world, dict) else str(world))
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    names = [t.name for t in world.treaties]
    if not names:
        raise ParamError(f"world {world.name!r} has no treaties; nothing to remove")
    if treaties is None:
        index = list(range(len(names)))
    else:
        unknown = [t for t in treaties if t not in names]
        if unknown:
            raise ParamError(f"unknown treaty name(s) {unknown}; the world's treaties: {names}")
        index = [names.index(t) for t in treaties]
    cw = compile_world(world)
    tallies = criticality_tallies(cw, trials, seed=seed, treaties=index, threads=threads)
    ds = criticality_from_joint(
        tallies["joint_level_count"], levels=cw.levels, treaties=[names[i] for i in index], trials=trials, z=z
    )
    ds = ds.assign_coords(treaty_kind=("treaty", [world.treaties[i].kind for i in index]))
    ds.attrs.update(
        title=f"treaty criticality: {world.name}",
        tripwire_analysis="criticality",
        world_name=world.name,
        world_hash=world.hash,
        world=world.to_json(),
        seed=seed,
        engine="tripwire",
        engine_version=__version__,
        war_level=cw.levels[cw.war_level],
    )
    return ds
