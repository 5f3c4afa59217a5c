"""Sweep designs: where in parameter space a sweep runs the engine.

=========  ===================================================  ==================================
design     ``params`` gives, per path                            result dimensions
=========  ===================================================  ==================================
grid       a list of values                                      one per path, named by the path,
                                                                 with the values as coordinates
list       a list of values; all lists the same length, zipped   ``point``, one coordinate per path
lhs        a range ``[lo, hi]``; ``n`` points, Latin hypercube  ``point``, one coordinate per path
sobol      a range ``[lo, hi]``; ``n`` base samples (a power    ``point``, one coordinate per path
           of 2) give ``n * (2 * d + 2)`` points (Saltelli's
           scheme with second-order terms, ``d`` paths), ready
           for ``SALib.analyze.sobol``
=========  ===================================================  ==================================

``lhs`` and ``sobol`` draw their points with SALib from the design seed (the sweep's seed unless
given), so the same design always gives the same points. Only number-valued paths can take
ranges; ``treaty.<name>.active`` belongs in a grid or a list.

Examples
--------
>>> import tripwire
>>> from tripwire.sweep.designs import make_design
>>> world = tripwire.load_world("taiwan1958")
>>> d = make_design("grid", {"policy.communication": [0, 0.5], "escalation.deterrence": [1, 2, 3]}, world)
>>> d.dims, d.shape
(('policy.communication', 'escalation.deterrence'), (2, 3))
>>> make_design("lhs", {"policy.communication": [0, 1]}, world, n=8, seed=1).shape
(8,)
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DesignError
from ..world.model import World
from ..world.params import Param, coerce_value, parse_path

__all__ = ["DESIGNS", "Design", "DesignError", "make_design"]

DESIGNS = ("grid", "list", "lhs", "sobol")
POINT = "point"


@dataclass(frozen=True, eq=False)
class Design:
    """Points in parameter space.

    Attributes
    ----------
    kind
        ``grid``, ``list``, ``lhs`` or ``sobol``.
    params
        The parsed paths, in the order given.
    values
        ``grid``: the coordinate values of each path; other designs: one column per path, one
        entry per point.
    spec
        The values or ranges as given (after type checks), for the record.
    n
        ``lhs``: points; ``sobol``: base samples; else ``None``.
    seed
        The sampling seed of ``lhs`` and ``sobol``; else ``None``.
    """

    kind: str
    params: tuple[Param, ...]
    values: tuple[np.ndarray, ...]
    spec: dict[str, list]
    n: int | None = None
    seed: int | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.params)

    @property
    def dims(self) -> tuple[str, ...]:
        """Result dimensions: the paths for a grid, ``("point",)`` otherwise."""
        return self.paths if self.kind == "grid" else (POINT,)

    @property
    def shape(self) -> tuple[int, ...]:
        if self.kind == "grid":
            return tuple(v.size for v in self.values)
        return (self.values[0].size,)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def coords(self) -> dict[str, Any]:
        """Coordinates for xarray: one per path (on its own dim for a grid, on ``point`` otherwise)."""
        if self.kind == "grid":
            return {
                p.path: (p.path, v, {"description": p.description})
                for p, v in zip(self.params, self.values, strict=True)
            }
        coords: dict[str, Any] = {
            POINT: (POINT, np.arange(self.size), {"description": f"{self.kind} design point"})
        }
        for p, v in zip(self.params, self.values, strict=True):
            coords[p.path] = (POINT, v, {"description": p.description})
        return coords

    def point(self, index: tuple[int, ...]) -> tuple:
        """The parameter values (one per path, as Python scalars) at a position of :attr:`shape`."""
        if self.kind == "grid":
            return tuple(v[i].item() for v, i in zip(self.values, index, strict=True))
        return tuple(v[index[0]].item() for v in self.values)

    def points(self) -> Iterator[tuple[tuple[int, ...], tuple]]:
        """``(index, values)`` for every point, in C order."""
        for index in itertools.product(*(range(s) for s in self.shape)):
            yield index, self.point(index)

    def values_hash(self) -> str:
        """sha256 over the points' values (catches a sampler that would now draw other points)."""
        h = hashlib.sha256()
        for v in self.values:
            h.update(str(v.dtype).encode())
            h.update(np.ascontiguousarray(v).tobytes())
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The design as plain data (stored in a sweep's attrs)."""
        out: dict[str, Any] = {"kind": self.kind, "paths": list(self.paths), "params": self.spec}
        if self.n is not None:
            out["n"] = self.n
        if self.seed is not None:
            out["seed"] = self.seed
        out["points"] = self.size
        out["values_sha256"] = self.values_hash()
        return out


def _as_list(path: str, given: Any, kind: str) -> list:
    if isinstance(given, str | bytes | Mapping) or not isinstance(given, Sequence | np.ndarray):
        what = "a list of values" if kind in ("grid", "list") else "a range [lo, hi]"
        raise DesignError(f"{kind} design: {path!r} needs {what}, saw {given!r}")
    return list(given.tolist() if isinstance(given, np.ndarray) else given)


def make_design(
    kind: str,
    params: Mapping[str, Sequence],
    world: World,
    *,
    n: int | None = None,
    seed: int | None = 0,
) -> Design:
    """Build and check a design.

    Parameters
    ----------
    kind
        ``grid``, ``list``, ``lhs`` or ``sobol``.
    params
        ``{path: values}`` for ``grid``/``list``, ``{path: [lo, hi]}`` for ``lhs``/``sobol``.
    world
        The world the paths refer to.
    n
        ``lhs``: number of points; ``sobol``: base samples (a power of 2). Not used otherwise.
    seed
        Sampling seed for ``lhs`` and ``sobol``.

    Raises
    ------
    DesignError
        An unknown design, no parameters, an empty or repeated grid, lists of different lengths,
        a bad range or ``n``.
    ParamError
        An unknown path or a value outside its range.
    """
    if kind not in DESIGNS:
        raise DesignError(f"unknown design {kind!r}; designs: {', '.join(DESIGNS)}")
    if not isinstance(params, Mapping) or not params:
        raise DesignError(
            f"{kind} design: no parameters given; give a mapping of parameter paths to "
            + ("values" if kind in ("grid", "list") else "ranges [lo, hi]")
        )
    parsed = tuple(parse_path(path, world) for path in params)
    paths = [p.path for p in parsed]
    seen: dict[tuple, str] = {}
    for p in parsed:
        if p.target in seen:
            raise DesignError(
                f"{kind} design: {seen[p.target]!r} and {p.path!r} set the same value; give it once"
            )
        seen[p.target] = p.path
    for p in parsed:
        if "/" in p.path:
            raise DesignError(
                f"{p.path!r}: a parameter path names a result dimension and cannot contain '/'; "
                "rename the treaty or state in the world file"
            )
    if kind in ("grid", "list"):
        if n is not None:
            raise DesignError(f"{kind} design: n is only for lhs and sobol designs (saw n={n})")
        columns: list[np.ndarray] = []
        for p in parsed:
            values = _as_list(p.path, params[p.path], kind)
            if not values:
                raise DesignError(f"{kind} design: {p.path!r} has no values; give at least one")
            checked = [coerce_value(p, v) for v in values]
            if kind == "grid" and len(set(checked)) != len(checked):
                dupes = sorted({v for v in checked if checked.count(v) > 1})
                raise DesignError(f"grid design: {p.path!r} repeats the value(s) {dupes}; each value once")
            columns.append(np.asarray(checked, dtype=bool if p.kind == "bool" else np.float64))
        if kind == "list":
            lengths = {p.path: c.size for p, c in zip(parsed, columns, strict=True)}
            if len(set(lengths.values())) > 1:
                raise DesignError(
                    f"list design: the value lists are zipped into points, so they need the same length; "
                    f"saw {', '.join(f'{k}: {v}' for k, v in lengths.items())}"
                )
        spec = {p.path: c.tolist() for p, c in zip(parsed, columns, strict=True)}
        return Design(kind, parsed, tuple(columns), spec)

    # lhs / sobol over ranges
    bounds = []
    for p in parsed:
        if p.kind != "float":
            raise DesignError(
                f"{kind} design: {p.path!r} takes true/false, which has no range; "
                "put it in a grid or list design"
            )
        rng = _as_list(p.path, params[p.path], kind)
        if len(rng) != 2:
            raise DesignError(f"{kind} design: {p.path!r} needs a range [lo, hi], saw {rng!r}")
        lo, hi = (coerce_value(p, v) for v in rng)
        if not lo < hi:
            raise DesignError(f"{kind} design: the range of {p.path!r} is [{lo}, {hi}]; it needs lo < hi")
        bounds.append([lo, hi])
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DesignError(
            f"{kind} design: n must be a whole number >= 1 "
            + ("(points)" if kind == "lhs" else "(base samples, a power of 2)")
            + f", saw {n!r}"
        )
    n = int(n)
    if seed is None or isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DesignError(f"{kind} design: the design seed must be a whole number >= 0, saw {seed!r}")
    seed = int(seed)
    problem = {"num_vars": len(parsed), "names": paths, "bounds": bounds}
    if kind == "lhs":
        from SALib.sample import latin

        table = latin.sample(problem, n, seed=seed)
    else:
        if n & (n - 1):
            lower = 1 << (n.bit_length() - 1)
            raise DesignError(
                f"sobol design: n = {n} base samples; Sobol' sequences keep their balance only for powers "
                f"of 2: use {lower} or {lower * 2}"
            )
        from SALib.sample import sobol

        table = sobol.sample(problem, n, calc_second_order=True, scramble=True, seed=seed)
    table = np.asarray(table, dtype=np.float64)
    clipped = tuple(np.clip(table[:, k], lo, hi) for k, (lo, hi) in enumerate(bounds))
    spec = {p.path: b for p, b in zip(parsed, bounds, strict=True)}
    return Design(kind, parsed, clipped, spec, n=n, seed=seed)
