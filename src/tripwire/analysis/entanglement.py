"""The entanglement map: every crisis origin at once, and who each one drags in.

For a set of origins (initiator -> target dyads) the kernel runs ``trials`` trials from each one,
with the same random streams as :func:`tripwire.simulate` of the world whose only origin is that
dyad, and tallies per origin which states took part, on which side, and at which final level.
From those tallies:

* ``p_drawn_in[origin, state]``: P(the state takes part at all | the crisis starts at that origin)
  (1 for the origin's own two states);
* ``p_drawn_in_side[origin, state, side]`` and ``p_drawn_in_level[origin, state, level]``: the same
  broken down by the side it joins and by the level at which the crisis ended;
* ``impact[origin]``: the expected number of states dragged in (beyond the two that start it) and
  ``impact_capability[origin]`` their expected share of all capability;
* ``vulnerability[state]``: how often the state is dragged in, averaged over the origins it does
  not start (the DebtRank idea, for alliances).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from .._checks import MAX_SEED, check_int
from ..crisis.results import SIDES, run_layout
from ..errors import ParamError
from ..world.model import World, load_world

__all__ = ["entanglement", "entanglement_origins", "label_entanglement"]

ORIGIN_SETS = ("rivals+neighbours", "all")


def _pairs_of(items: Any) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        states = getattr(item, "states", None)
        if states is None and isinstance(item, dict):
            states = item.get("states")
        if states is not None and len(states) == 2:
            pairs.append((str(states[0]), str(states[1])))
    return pairs


def entanglement_origins(
    world: World, origins: str | Sequence = "rivals+neighbours"
) -> list[tuple[str, str]]:
    """The origin dyads ``(initiator, target)`` of an entanglement map.

    ``"rivals+neighbours"``: both directions of every rivalry and every border of the world;
    ``"all"``: every ordered pair of states; a list: ``"A->B"`` labels or ``(A, B)`` pairs.
    """
    codes = world.codes
    if isinstance(origins, str):
        if origins == "all":
            return [(a, b) for a in codes for b in codes if a != b]
        if origins != "rivals+neighbours":
            raise ParamError(
                f"origins={origins!r}: expected 'rivals+neighbours', 'all' or a list of 'A->B' dyads"
            )
        pairs = _pairs_of(world.rivalries) + _pairs_of(getattr(world, "borders", None))
        out = list(dict.fromkeys(p for a, b in pairs for p in ((a, b), (b, a))))
        if not out:
            raise ParamError(
                f"world {world.name!r} has no rivalries or borders to start crises from; "
                "use origins='all' or give a list of 'A->B' dyads"
            )
        return out
    out = []
    for item in origins:
        if isinstance(item, str):
            parts = item.split("->")
            if len(parts) != 2:
                raise ParamError(
                    f"origin {item!r}: expected 'INITIATOR->TARGET', e.g. '{codes[0]}->{codes[1]}'"
                )
            a, b = (p.strip() for p in parts)
        else:
            a, b = item
        for c in (a, b):
            if c not in codes:
                raise ParamError(
                    f"origin {a}->{b}: unknown state {c!r}; the world's states: {', '.join(codes)}"
                )
        if a == b:
            raise ParamError(f"origin {a}->{b}: initiator and target are the same state")
        out.append((a, b))
    if not out:
        raise ParamError("origins: the list is empty; give at least one 'A->B' dyad")
    return list(dict.fromkeys(out))


def world_with_origins(world: World, pairs: Sequence[tuple[str, str]]) -> World:
    """The world with these origins (equal weights) instead of its own."""
    data = world.resolved()
    data["origins"] = [{"initiator": a, "target": b, "weight": 1.0} for a, b in pairs]
    return World.model_validate(data)


def label_entanglement(
    tallies: dict[str, np.ndarray], world: World, cw, *, trials: int, seed: int
) -> xr.Dataset:
    """Label the kernel's per-origin tallies and derive the map (see the module text)."""
    n = float(trials)
    n_states = cw.n_states
    involved = np.asarray(tallies["origin_involved_count"], dtype=np.int64)
    n_origins = involved.shape[0]
    is_orig = np.zeros((n_origins, n_states), dtype=bool)
    sides: list[tuple[list[int], list[int]]] = []
    for o in range(n_origins):
        members = [int(i) for i in cw.origin_state[cw.origin_ptr[o] : cw.origin_ptr[o + 1]]]
        n_a = int(cw.origin_n_a[o])
        sides.append((members[:n_a], members[n_a:]))
        is_orig[o, members] = True
    p = involved / n
    p_joined = np.where(is_orig, 0.0, p)
    cap = np.asarray(cw.capability, dtype=np.float64)
    total_cap = cap.sum()
    level_count = np.asarray(tallies["origin_level_count"], dtype=np.int64)
    size_count = np.asarray(tallies["origin_size_count"], dtype=np.int64)
    reverse = slice(None, None, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        vulnerability = np.where((~is_orig).sum(0) > 0, p_joined.sum(0) / (~is_orig).sum(0), np.nan)
    codes = list(cw.codes)
    coords = {
        "origin": list(cw.origins),
        "initiator": ("origin", ["+".join(codes[i] for i in a) for a, _ in sides]),
        "target": ("origin", ["+".join(codes[i] for i in b) for _, b in sides]),
        "state": codes,
        "state_name": ("state", [s.name for s in world.states]),
        "level": list(cw.levels),
        "side": list(SIDES),
        "size": np.arange(size_count.shape[1]),
    }
    od, os_ = ("origin",), ("origin", "state")
    data = {
        "trials": ((), np.int64(trials), {"description": "trials run from each origin"}),
        "origin_involved_count": (os_, involved, {"description": "trials in which the state took part"}),
        "origin_side_count": (
            (*os_, "side"),
            np.asarray(tallies["origin_side_count"], dtype=np.int64),
            {"description": "trials in which the state took part, by side"},
        ),
        "origin_state_level_count": (
            (*os_, "level"),
            np.asarray(tallies["origin_state_level_count"], dtype=np.int64),
            {"description": "trials in which the state took part and the crisis ended at this level"},
        ),
        "origin_level_count": ((*od, "level"), level_count, {"description": "trials by final level"}),
        "origin_size_count": ((*od, "size"), size_count, {"description": "trials by number of participants"}),
        "p_drawn_in": (
            os_,
            p,
            {"description": "P(the state takes part | the crisis starts at this origin)", "units": "1"},
        ),
        "p_drawn_in_se": (os_, np.sqrt(p * (1 - p) / n), {"description": "standard error of p_drawn_in"}),
        "p_drawn_in_side": (
            (*os_, "side"),
            np.asarray(tallies["origin_side_count"]) / n,
            {"description": "P(the state takes part on this side | origin)", "units": "1"},
        ),
        "p_drawn_in_level": (
            (*os_, "level"),
            np.asarray(tallies["origin_state_level_count"]) / n,
            {
                "description": "P(the state takes part and the crisis ends at this level | origin)",
                "units": "1",
            },
        ),
        "is_originator": (os_, is_orig, {"description": "the state starts the crisis at this origin"}),
        "p_exceed": (
            (*od, "level"),
            level_count[:, reverse].cumsum(1)[:, reverse] / n,
            {"description": "P(final level >= l | origin)", "units": "1"},
        ),
        "impact": (
            od,
            p_joined.sum(1),
            {
                "description": "expected number of states dragged in beyond those that start the crisis",
                "units": "states",
            },
        ),
        "impact_capability": (
            od,
            (p_joined * cap).sum(1) / total_cap if total_cap > 0 else np.full(n_origins, np.nan),
            {
                "description": "expected capability of the states dragged in, as a share of all capability",
                "units": "1",
            },
        ),
        "vulnerability": (
            ("state",),
            vulnerability,
            {
                "description": "P(the state is dragged in), averaged over the origins it does not start",
                "units": "1",
            },
        ),
    }
    attrs = {
        **run_layout(cw, world, seed=seed, trials=trials)[1],
        "title": f"tripwire entanglement map: {world.name}",
        "tripwire_analysis": "entanglement",
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def entanglement(
    world: World | str | os.PathLike | dict,
    trials: int,
    *,
    origins: str | Sequence = "rivals+neighbours",
    seed: int = 0,
    threads: int | None = None,
) -> xr.Dataset:
    """The entanglement map of a world: P(each state is drawn in | a crisis starts at each origin).

    Parameters
    ----------
    world
        A world, world file, bundled scenario or dict (its own origins are replaced).
    trials
        Trials from each origin.
    origins
        ``"rivals+neighbours"`` (both directions of every rivalry and border), ``"all"`` (every
        ordered pair of states) or a list of ``"A->B"`` labels or ``(A, B)`` pairs.
    seed
        Seed; each origin's tallies equal ``simulate()`` of the world with that origin alone.
    threads
        Kernel threads.

    Returns
    -------
    xarray.Dataset
        ``p_drawn_in`` (origin × state), ``p_drawn_in_side``, ``p_drawn_in_level``, ``p_exceed``
        (origin × level), ``impact``, ``impact_capability`` (origin), ``vulnerability`` (state),
        and the integer tallies; ``origin`` is labelled ``A->B`` with ``initiator`` and ``target``
        coordinates.

    Examples
    --------
    >>> import tripwire
    >>> ent = tripwire.entanglement("july1914", 2_000, seed=1)  # doctest: +SKIP
    >>> ent.impact.to_pandas().sort_values().tail(3)  # doctest: +SKIP
    """
    from ..crisis.compile import compile_world
    from ..crisis.simulate import entangle_tallies

    if not isinstance(world, World):
        world = load_world(world if isinstance(world, dict) else str(world))
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    pairs = entanglement_origins(world, origins)
    w = world_with_origins(world, pairs)
    cw = compile_world(w)
    tallies = entangle_tallies(cw, trials, seed=seed, threads=threads)
    ds = label_entanglement(tallies, world, cw, trials=trials, seed=seed)
    ds.attrs["origins"] = origins if isinstance(origins, str) else "list"
    return ds
