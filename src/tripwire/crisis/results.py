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
    """Wilson score interval for ``count`` successes in ``n`` trials (arrays or DataArrays)."""
    p = count / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def summarize(ds: xr.Dataset, top: int = 5) -> dict:
    """Plain-data summary of a single-run dataset: exceedance with Wilson 95 % intervals, expected
    participants, the states most likely drawn in, and the treaties most often triggered/failed."""
    n = int(ds["trials"])
    exceed_counts = ds["outcome_count"].sum("size").values[::-1].cumsum()[::-1]
    lo, hi = wilson_interval(exceed_counts.astype(float), float(n))
    levels = list(ds["level"].values)
    per_trial_h = ds["treaty_honoured"] / n
    per_trial_f = ds["treaty_failed"] / n

    def ranked(values: xr.DataArray, k: int) -> list[tuple[str, float]]:
        order = np.argsort(-values.values, kind="stable")[:k]
        labels = values[values.dims[0]].values
        return [(str(labels[i]), float(values.values[i])) for i in order if values.values[i] > 0]

    return {
        "trials": n,
        "exceed": [
            (str(lv), float(c / n), float(a), float(b))
            for lv, c, a, b in zip(levels, exceed_counts, lo, hi, strict=True)
        ],
        "expected_participants": float(ds["expected_participants"]),
        "states": ranked(ds["p_involved"], top),
        "triggered": ranked(per_trial_h, top) if ds.sizes["treaty"] else [],
        "failed": ranked(per_trial_f, top) if ds.sizes["treaty"] else [],
    }
