"""Scenario discovery with PRIM (Friedman & Fisher 1999): boxes in parameter space where an output
is high.

A point of the sweep is a *case of interest* when its output exceeds a threshold (e.g.
P(final level >= war) > 0.2). PRIM starts from the box holding every point and **peels**: at each
step it removes the ``alpha`` share of the points at the low or the high end of one parameter,
choosing the peel that leaves the highest share of cases of interest in the box, until the box
holds fewer than ``min_mass`` of the points. Each box on this **peeling trajectory** has

* **coverage**: the share of all cases of interest that lie in the box (how much of the
  phenomenon the box explains),
* **density**: the share of the points in the box that are cases of interest (how sure one can
  be of the outcome inside it),
* **mass**: the share of all points in the box.

Peeling trades coverage for density. :func:`prim` keeps the box with the best balance of the two
(the highest harmonic mean of coverage and density, among the boxes with at least ``min_coverage``;
any other step can be read off the trajectory), then **pastes**: it widens the box again, one
``alpha`` slice at a time, while that raises the density (or keeps it and takes in more cases of
interest). Further boxes (``boxes > 1``) are found the same way among the points outside the boxes
found before (covering).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import StoreError
from ._source import Source, open_store, output
from .sobol import provenance

__all__ = ["PrimBox", "PrimResult", "prim", "prim_boxes"]


@dataclass
class PrimBox:
    """One box: limits per parameter and how well it picks out the cases of interest.

    Attributes
    ----------
    limits
        A table indexed by parameter: ``lo``, ``hi`` (the box) and ``restricted`` (the box is
        narrower than the values swept).
    coverage, density, mass
        See the module text. ``mass`` is a share of all points.
    points, cases
        Points in the box, cases of interest among them.
    trajectory
        The peeling trajectory of this box (one row per step: ``coverage``, ``density``,
        ``mass``, ``restricted``; ``chosen`` marks the step kept before pasting).
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    points: int
    cases: int
    trajectory: pd.DataFrame = field(repr=False)

    @property
    def restricted(self) -> list[str]:
        return [str(p) for p in self.limits.index[self.limits["restricted"]]]


@dataclass
class PrimResult:
    """What :func:`prim` found: the boxes, the rule that defined the cases of interest, and words.

    Attributes
    ----------
    boxes
        The boxes, in the order found.
    rule
        ``"p_exceed[level=war] > 0.2"`` and the like.
    n_points, n_cases
        Points analysed and cases of interest among them.
    attrs
        Provenance of the sweep.
    """

    boxes: list[PrimBox]
    rule: str
    n_points: int
    n_cases: int
    attrs: dict[str, Any] = field(default_factory=dict, repr=False)

    def table(self) -> pd.DataFrame:
        """One row per box and parameter: ``lo``, ``hi``, ``restricted``, and the box's coverage,
        density and mass."""
        rows = []
        for k, b in enumerate(self.boxes, 1):
            for param, r in b.limits.iterrows():
                rows.append(
                    {
                        "box": k,
                        "param": param,
                        "lo": r["lo"],
                        "hi": r["hi"],
                        "restricted": bool(r["restricted"]),
                        "coverage": b.coverage,
                        "density": b.density,
                        "mass": b.mass,
                    }
                )
        return pd.DataFrame(rows)

    def describe(self) -> str:
        """The boxes in words."""
        base = self.n_cases / self.n_points if self.n_points else float("nan")
        lines = [
            f"Cases of interest: {self.rule}, at {self.n_cases} of {self.n_points} points "
            f"({100 * base:.0f} %)."
        ]
        for k, b in enumerate(self.boxes, 1):
            lim = b.limits
            held = [f"{p} in [{lim.loc[p, 'lo']:.3g}, {lim.loc[p, 'hi']:.3g}]" for p in b.restricted]
            free = [str(p) for p in lim.index if p not in b.restricted]
            lines.append(
                f"Box {k}: "
                + (" and ".join(held) if held else "no restriction")
                + (f" (free: {', '.join(free)})" if free and held else "")
                + f". It holds {b.points} points ({100 * b.mass:.0f} % of all); {100 * b.density:.0f} % of "
                f"them are cases of interest (density, against {100 * base:.0f} % overall), and it holds "
                f"{100 * b.coverage:.0f} % of all cases of interest (coverage)."
            )
        return "\n".join(lines)

    def to_dataset(self) -> xr.Dataset:
        """The boxes as a labelled dataset (``box`` × ``param``) for writing to netCDF."""
        t = self.table()
        boxes = sorted(t["box"].unique())
        params = list(self.boxes[0].limits.index) if self.boxes else []
        grid = t.set_index(["box", "param"])

        def arr(col, dtype=float):
            return np.array([[grid.loc[(b, p), col] for p in params] for b in boxes], dtype=dtype)

        per_box = t.groupby("box")[["coverage", "density", "mass"]].first()
        return xr.Dataset(
            {
                "lo": (("box", "param"), arr("lo"), {"description": "lower limit of the box"}),
                "hi": (("box", "param"), arr("hi"), {"description": "upper limit of the box"}),
                "restricted": (("box", "param"), arr("restricted", bool), {"description": "limit binds"}),
                "coverage": ("box", per_box["coverage"].values, {"description": "share of cases in the box"}),
                "density": (
                    "box",
                    per_box["density"].values,
                    {"description": "share of the box that are cases"},
                ),
                "mass": ("box", per_box["mass"].values, {"description": "share of all points in the box"}),
            },
            coords={"box": boxes, "param": params},
            attrs={
                "title": "PRIM boxes",
                "tripwire_analysis": "prim",
                "rule": self.rule,
                "description": self.describe(),
                **self.attrs,
            },
        )


def _inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((x >= lo) & (x <= hi), axis=1)


def _peel_candidates(x, y, box, lo, hi, alpha, min_points):
    """Every one-step peel: ``(density, removed, dim, side, new_limit)``."""
    out = []
    xin = x[box]
    for j in range(x.shape[1]):
        v = xin[:, j]
        distinct = np.unique(v)
        if distinct.size < 2:
            continue
        for side in (0, 1):
            q = np.quantile(v, alpha if side == 0 else 1 - alpha)
            drop = v < q if side == 0 else v > q
            if not drop.any():  # discrete values: drop the extreme value
                drop = v == (distinct[0] if side == 0 else distinct[-1])
            keep = ~drop
            if keep.sum() < min_points or keep.all():
                continue
            limit = v[keep].min() if side == 0 else v[keep].max()
            out.append((y[box][keep].mean(), int(drop.sum()), j, side, limit))
    return out


def _paste(x, y, pool, lo, hi, alpha):
    """Widen the box while a one-slice paste raises its density (or keeps it and adds cases)."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        box = pool & _inside(x, lo, hi)
        density, n_box = y[box].mean(), box.sum()
        best = None
        for j in range(x.shape[1]):
            others = np.ones(x.shape[1], dtype=bool)
            others[j] = False
            in_others = pool & np.all((x[:, others] >= lo[others]) & (x[:, others] <= hi[others]), axis=1)
            for side in (0, 1):
                v = x[in_others, j]
                outside = v[v < lo[j]] if side == 0 else v[v > hi[j]]
                if outside.size == 0:
                    continue
                want = max(1, int(np.ceil(alpha * n_box)))
                order = np.sort(outside)[::-1] if side == 0 else np.sort(outside)
                limit = order[min(want, order.size) - 1]
                nlo, nhi = lo.copy(), hi.copy()
                if side == 0:
                    nlo[j] = limit
                else:
                    nhi[j] = limit
                nbox = pool & _inside(x, nlo, nhi)
                d, gained = y[nbox].mean(), int(y[nbox].sum() - y[box].sum())
                # paste when the density rises, or holds while the box gains cases of interest
                if (d > density + 1e-12 or (d >= density - 1e-12 and gained > 0)) and (
                    best is None or (d, gained) > best[:2]
                ):
                    best = (d, gained, nlo, nhi)
        if best is None:
            return lo, hi
        _, _, lo, hi = best


def _f1(step: dict) -> float:
    c, d = step["coverage"], step["density"]
    return 2 * c * d / (c + d) if c + d > 0 else 0.0


def _one_box(x, y, pool, full_lo, full_hi, alpha, min_mass, min_coverage, n_total, n_cases):
    lo, hi = full_lo.copy(), full_hi.copy()
    min_points = max(1, int(np.ceil(min_mass * n_total)))
    steps = []

    def record(lo, hi):
        box = pool & _inside(x, lo, hi)
        restricted = int(np.sum((lo > full_lo) | (hi < full_hi)))
        steps.append(
            {
                "coverage": y[box].sum() / n_cases,
                "density": y[box].mean(),
                "mass": box.sum() / n_total,
                "restricted": restricted,
                "lo": lo.copy(),
                "hi": hi.copy(),
            }
        )

    record(lo, hi)
    while True:
        box = pool & _inside(x, lo, hi)
        if y[box].all():
            break
        cands = _peel_candidates(x, y, box, lo, hi, alpha, min_points)
        if not cands:
            break
        density, _, j, side, limit = max(cands, key=lambda c: (c[0], -c[1]))
        if side == 0:
            lo[j] = limit
        else:
            hi[j] = limit
        record(lo, hi)
    ok = [k for k, s in enumerate(steps) if s["coverage"] >= min_coverage] or [0]
    chosen = max(ok, key=lambda k: (_f1(steps[k]), steps[k]["coverage"]))
    lo, hi = _paste(x, y, pool, steps[chosen]["lo"], steps[chosen]["hi"], alpha)
    trajectory = pd.DataFrame(
        [{k: s[k] for k in ("coverage", "density", "mass", "restricted")} for s in steps]
    ).rename_axis("step")
    trajectory["chosen"] = trajectory.index == chosen
    return lo, hi, trajectory


def prim_boxes(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.0,
    boxes: int = 1,
    rule: str = "y",
) -> PrimResult:
    """PRIM on plain arrays: ``x`` (points × parameters), ``y`` (bool: case of interest).

    Parameters
    ----------
    alpha
        Share of the box's points removed by one peel (0 < alpha < 0.5).
    min_mass
        Peeling stops before a box would hold fewer than this share of all points.
    min_coverage
        Only boxes with at least this coverage are kept; among them, the one with the highest
        harmonic mean of coverage and density.
    boxes
        Most boxes to find (each among the points outside the earlier ones; a further box no
        denser than the whole sweep is not kept).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(size=(1000, 2))
    >>> y = (x[:, 0] > 0.6) & (x[:, 1] < 0.5)
    >>> box = prim_boxes(x, y, ["a", "b"]).boxes[0]
    >>> box.restricted, round(box.density, 1), round(box.coverage, 2)
    (['a', 'b'], 1.0, 1.0)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or x.shape[0] != y.size or x.shape[1] != len(names):
        raise StoreError(f"prim: x must be points x {len(names)} parameters and y one flag per point")
    if not 0 < alpha < 0.5:
        raise StoreError(f"prim: alpha must be in (0, 0.5), saw {alpha}")
    if not 0 < min_mass < 1:
        raise StoreError(f"prim: min_mass must be in (0, 1), saw {min_mass}")
    n_total, n_cases = y.size, int(y.sum())
    result = PrimResult([], rule, n_total, n_cases)
    if n_cases == 0:
        return result
    full_lo, full_hi = x.min(axis=0), x.max(axis=0)
    pool = np.ones(n_total, dtype=bool)
    for _ in range(boxes):
        if not (y & pool).any():
            break
        lo, hi, trajectory = _one_box(
            x, y, pool, full_lo, full_hi, alpha, min_mass, min_coverage, n_total, n_cases
        )
        box = pool & _inside(x, lo, hi)
        if result.boxes and y[box].mean() <= n_cases / n_total:
            break  # a further box no denser than the whole sweep explains nothing
        limits = pd.DataFrame(
            {"lo": lo, "hi": hi, "restricted": (lo > full_lo) | (hi < full_hi)},
            index=pd.Index(names, name="param"),
        )
        result.boxes.append(
            PrimBox(
                limits,
                float(y[box].sum() / n_cases),
                float(y[box].mean()),
                float(box.sum() / n_total),
                int(box.sum()),
                int(y[box].sum()),
                trajectory,
            )
        )
        pool &= ~box
    return result


def prim(
    store: Source,
    var: str = "p_exceed",
    threshold: float | None = None,
    *,
    sel: Mapping[str, Any] | None = None,
    below: bool = False,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.0,
    boxes: int = 1,
    **sel_kwargs: Any,
) -> PrimResult:
    """Scenario discovery on a sweep store: where in parameter space does ``var`` exceed ``threshold``?

    Parameters
    ----------
    store
        A sweep store of any design (LHS and Sobol designs fill the space best).
    var, sel, **sel_kwargs
        The output, selected down to one value per point (e.g. ``level="war"``).
    threshold
        Cases of interest: points where the output is above it (below it with ``below=True``).
    alpha, min_mass, min_coverage, boxes
        See :func:`prim_boxes`.

    Returns
    -------
    PrimResult
        ``.describe()`` says it in words, ``.table()`` gives the limits, ``.to_dataset()`` writes.

    Examples
    --------
    >>> import tripwire.analysis as ta
    >>> res = ta.prim("cuba1962_policy.zarr", "p_exceed", 0.02, level="war")  # doctest: +SKIP
    >>> print(res.describe())  # doctest: +SKIP
    """
    if threshold is None:
        raise StoreError(
            "prim needs a threshold: the value of the output that makes a point a case of interest"
        )
    view = open_store(store)
    selection = {**dict(sel or {}), **sel_kwargs}
    da = output(view, var, selection)
    if da.ndim != len(view.dims):
        extra = [d for d in da.dims if d not in view.dims]
        raise StoreError(
            f"prim needs one value per point; {var} still varies over {extra}: select one, e.g. "
            + ", ".join(f"{d}={da[d].values[-1]!s}" for d in extra)
        )
    y = da.values.reshape(-1)
    cases = y < threshold if below else y > threshold
    sel_text = ", ".join(f"{k}={v}" for k, v in selection.items())
    rule = f"{var}{f'[{sel_text}]' if sel_text else ''} {'<' if below else '>'} {threshold:g}"
    res = prim_boxes(
        view.inputs(),
        cases,
        view.paths,
        alpha=alpha,
        min_mass=min_mass,
        min_coverage=min_coverage,
        boxes=boxes,
        rule=rule,
    )
    res.attrs = {
        **provenance(view),
        "var": var,
        "sel": json.dumps({k: str(v) for k, v in selection.items()}),
    }
    return res
