"""The output schema (DESIGN.md §3): tallies as a labelled ``xarray.Dataset``, derived probabilities
with standard errors, and a plain-data summary for reports.

Every variable is declared once in :mod:`tripwire.crisis.variables` with its doc string, which is
copied into its ``attrs["description"]``. :func:`derive` works on any dataset with these tallies,
including a sweep whose dimensions stand in front.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from ..kernels.encoding import SIDES
from .variables import STANDARD_ERRORS, TALLIES, VARIABLES


def _describe(ds: xr.Dataset) -> xr.Dataset:
    for name, var in ds.data_vars.items():
        if name in VARIABLES:
            var.attrs["description"] = VARIABLES[name].description
    return ds


def run_layout(cw, world, *, seed: int, trials: int) -> tuple[dict, dict]:
    """Coordinates and attributes of one run's dataset (shared by ``simulate`` and sweep stores)."""
    coords = {
        "level": list(cw.levels),
        "size": np.arange(2, cw.n_states + 1),
        "state": list(cw.codes),
        "side": list(SIDES),
        "origin": list(cw.origins),
        "treaty": list(cw.treaties),
        "round": np.arange(cw.max_rounds + 1),
        "state_name": ("state", [s.name for s in world.states]),
        "treaty_kind": ("treaty", [t.kind for t in world.treaties]),
    }
    attrs = {
        "title": f"tripwire crisis-cascade results: {world.name}",
        "world_name": world.name,
        "seed": int(seed),
        "trials": int(trials),
        "engine": "tripwire",
        "engine_version": __version__,
        "world_hash": world.hash,
        "world": world.to_json(),
        "war_level": cw.levels[cw.war_level],
    }
    return coords, attrs


def make_dataset(cw, world, tallies: dict[str, np.ndarray], *, seed: int, trials: int) -> xr.Dataset:
    """Label the kernel's tallies with the world's coordinates and add the derived variables."""
    data: dict[str, Any] = dict(tallies)
    data["outcome_count"] = data["outcome_count"][:, 2:]
    data["trials"] = np.int64(trials)
    coords, attrs = run_layout(cw, world, seed=seed, trials=trials)
    ds = xr.Dataset(
        {name: (VARIABLES[name][0], np.asarray(data[name])) for name in TALLIES}, coords=coords, attrs=attrs
    )
    return derive(ds)


def derive(ds: xr.Dataset) -> xr.Dataset:
    """Add derived probabilities and their standard errors (binomial, ``sqrt(p(1-p)/n)``)."""
    n = ds["trials"]
    out = ds.copy()
    level_count = ds["outcome_count"].sum("size")
    reverse = slice(None, None, -1)
    proportions = {
        "p_level": level_count / n,
        # from integer counts, so P(final level >= lowest) is exactly 1
        "p_exceed": level_count.isel(level=reverse).cumsum("level").isel(level=reverse) / n,
        "p_size": ds["outcome_count"].sum("level") / n,
        "p_involved": ds["involved_count"] / n,
        "p_war": ds["war_count"] / n,
        "p_side": ds["side_count"] / n,
    }
    for name in STANDARD_ERRORS:
        p = proportions[name]
        out[name] = p
        out[name + "_se"] = np.sqrt(p * (1 - p) / n)
    per_origin = ds["origin_level_count"].sum("level")
    out["p_origin_level"] = ds["origin_level_count"] / per_origin.where(per_origin > 0)
    sizes = ds["size"]
    out["expected_participants"] = (ds["outcome_count"].sum("level") * sizes).sum("size") / n
    tried = ds["treaty_honoured"] + ds["treaty_failed"]
    out["treaty_honoured_rate"] = ds["treaty_honoured"] / tried.where(tried > 0)
    return _describe(out)


def wilson_interval(count, n, z: float = 1.96):
    """Wilson score interval for ``count`` successes in ``n`` trials (arrays or DataArrays); NaN
    where ``n`` is 0.

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> float(lo), round(float(hi), 4)
    (0.0, 0.037)
    """
    count = np.asarray(count, dtype=float) if not isinstance(count, xr.DataArray) else count.astype(float)
    n = np.asarray(n, dtype=float) if not isinstance(n, xr.DataArray) else n.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = count / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)


def summarize(ds: xr.Dataset, top: int = 5) -> dict:
    """Plain-data summary of a single-run dataset, for reports and the command line.

    Parameters
    ----------
    ds
        A result of :func:`tripwire.simulate` (or :func:`tripwire.open_result`).
    top
        How many states and treaties to list (``None``: all).

    Returns
    -------
    dict
        ``world``, ``trials``, ``seed``, ``war_level``;
        ``exceed``: one row per level with ``level``, ``p`` = P(final level >= level) and its 95 %
        Wilson interval ``lo``, ``hi``;
        ``expected_participants`` and its standard error ``expected_participants_se``;
        ``states``: the states most likely drawn in, each with ``state``, ``name``,
        ``p_involved`` (and ``lo``, ``hi``), ``p_initiator`` and ``p_target`` (P(involved on that
        side)) and ``p_war`` (P(involved and the final level is at or above war));
        ``treaties``: the treaties whose obligations were called on most, each with ``treaty``,
        ``kind``, ``honoured_per_trial`` and ``failed_per_trial`` (obligation edges, i.e. one
        member's duty to one other member, that fired or failed, averaged over all trials) and
        ``share_honoured`` (honoured / (honoured + failed));
        ``origins``: when the world has several origins, one row each with ``origin``,
        ``trials`` (trials that started there), ``share`` and ``p_war`` = P(final level >= war |
        the crisis started there) with ``lo``, ``hi``; empty otherwise;
        ``note``: one line saying what the intervals cover and that everything is conditional on
        a crisis starting.

    Examples
    --------
    >>> import tripwire
    >>> s = tripwire.summarize(tripwire.simulate("july1914", 2_000, seed=1), top=3)
    >>> s["exceed"][0]["level"], s["exceed"][0]["p"]
    ('crisis', 1.0)
    >>> [row["state"] for row in s["states"]][:2]
    ['AUH', 'SRB']
    """
    n = int(ds["trials"])
    war = str(ds.attrs.get("war_level", ds["level"].values[-1]))
    level_counts = ds["outcome_count"].sum("size").values
    exceed_counts = level_counts[::-1].cumsum()[::-1]
    lo, hi = wilson_interval(exceed_counts, n)
    levels = [str(x) for x in ds["level"].values]
    sizes = ds["size"].values.astype(float)
    size_counts = ds["outcome_count"].sum("level").values
    mean = float((size_counts * sizes).sum() / n)
    var = max(float((size_counts * sizes**2).sum() / n) - mean**2, 0.0)

    def order(values: np.ndarray, k: int | None) -> list[int]:
        idx = np.argsort(-values, kind="stable")
        return [int(i) for i in idx[: len(idx) if k is None else k] if values[i] > 0]

    involved = ds["involved_count"].values
    p_lo, p_hi = wilson_interval(involved, n)
    names = ds["state_name"].values if "state_name" in ds.coords else ds["state"].values
    codes = ds["state"].values
    side = ds["side_count"].values
    states = [
        {
            "state": str(codes[i]),
            "name": str(names[i]),
            "p_involved": float(involved[i] / n),
            "lo": float(p_lo[i]),
            "hi": float(p_hi[i]),
            "p_initiator": float(side[i, 0] / n),
            "p_target": float(side[i, 1] / n),
            "p_war": float(ds["war_count"].values[i] / n),
        }
        for i in order(involved.astype(float), top)
    ]
    honoured = ds["treaty_honoured"].values
    failed = ds["treaty_failed"].values
    kinds = ds["treaty_kind"].values if "treaty_kind" in ds.coords else [""] * len(honoured)
    treaties = [
        {
            "treaty": str(ds["treaty"].values[i]),
            "kind": str(kinds[i]),
            "honoured_per_trial": float(honoured[i] / n),
            "failed_per_trial": float(failed[i] / n),
            "share_honoured": float(honoured[i] / (honoured[i] + failed[i])),
        }
        for i in order((honoured + failed).astype(float), top)
    ]
    origins = []
    if ds.sizes["origin"] > 1:
        counts = ds["origin_level_count"].values
        per_origin = counts.sum(axis=1)
        k = levels.index(war) if war in levels else len(levels) - 1
        at_war = counts[:, k:].sum(axis=1)
        o_lo, o_hi = wilson_interval(at_war, per_origin)
        for i, label in enumerate(ds["origin"].values):
            m = int(per_origin[i])
            origins.append(
                {
                    "origin": str(label),
                    "trials": m,
                    "share": m / n,
                    "p_war": float(at_war[i] / m) if m else float("nan"),
                    "lo": float(o_lo[i]),
                    "hi": float(o_hi[i]),
                }
            )
    return {
        "world": str(ds.attrs.get("world_name", "")),
        "trials": n,
        "seed": ds.attrs.get("seed"),
        "war_level": war,
        "exceed": [
            {"level": lv, "p": float(c / n), "lo": float(a), "hi": float(b)}
            for lv, c, a, b in zip(levels, exceed_counts, lo, hi, strict=True)
        ],
        "expected_participants": mean,
        "expected_participants_se": (var / n) ** 0.5,
        "states": states,
        "treaties": treaties,
        "origins": origins,
        "note": (
            f"Intervals are 95 % Wilson intervals for Monte Carlo error only ({n:,} trials); they do not "
            "include uncertainty in the world's parameters. Every probability is conditional on a crisis "
            "starting at one of the world's origins."
        ),
    }
