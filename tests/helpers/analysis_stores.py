"""Tiny real sweep stores for the analysis tests, written without a cluster.

``build_store`` writes a store through the sweep's own template and chunk writer: either the real
tallies of every point (the kernel, as a sweep's tasks compute them) or tallies made so that one
output equals a given function of the parameters (``p_exceed`` at the top level = ``f(x)`` to
within ``1 / trials``), e.g. the Ishigami function.
"""

from __future__ import annotations

import itertools

import numpy as np

from tripwire.crisis.results import TALLIES
from tripwire.sweep.plan import plan_sweep
from tripwire.sweep.store import prepare, write_chunk
from tripwire.sweep.tasks import compute, make_job

TINY = {
    "name": "tiny",
    "ladder": {"levels": ["crisis", "clash", "war"], "war": "war"},
    "escalation": {"up": [0.4, 0.3], "settle": [0.2, 0.15, 0.1], "deterrence": 1.0, "max_rounds": 8},
    "states": [
        {"code": "A", "capability": 0.4, "ccode": 2},
        {"code": "B", "capability": 0.3, "ccode": 200},
        {"code": "C", "capability": 0.3, "ccode": 220},
    ],
    "treaties": [
        {"name": "BC pact", "kind": "defense", "members": ["B", "C"], "reliability": 0.6, "trigger": 0}
    ],
    "origins": [{"initiator": "A", "target": "B"}],
}

ISHIGAMI = {  # the three inputs live on [0, 2 pi]; the function shifts them to [-pi, pi]
    "escalation.deterrence": [0.0, 2 * np.pi],
    "escalation.misperception": [0.0, 2 * np.pi],
    "state.A.capability": [0.0, 2 * np.pi],
}


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = x - np.pi
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


#: Analytic indices of Ishigami (a = 7, b = 0.1).
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def build_store(path, world, params, *, design, trials, seed=0, n=None, fn=None, done=None):
    """Write a sweep store at ``path``.

    ``fn``: ``None`` for the kernel's tallies; else a function of the points' inputs
    (``float[point, param]``) whose values, scaled to [0, 1], become P(final level = top) with
    ``trials`` trials per point. ``done``: a bool mask of the points to write (default all).
    """
    plan = plan_sweep(world, params, design=design, trials=trials, seed=seed, n=n)
    whole = done is None  # one chunk holding every point; else a chunk per point
    state = prepare(plan, path, points_per_task=plan.n_points if whole else 1)
    shape = plan.design.shape
    index = list(itertools.product(*(range(s) for s in shape)))
    if fn is None:
        job = make_job(
            str(state.path), state.store_id, plan.world.to_json(), list(plan.design.paths), seed, 0.0
        )
        values = [plan.design.point(ix) for ix in index]
        stacked = compute(job, values, 0, trials)
        per_point = [{k: v[i] for k, v in stacked.items()} for i in range(len(index))]
    else:
        x = np.array([[float(v) for v in plan.design.point(ix)] for ix in index])
        f = np.asarray(fn(x), dtype=np.float64)
        g = (f - f.min()) / (f.max() - f.min())
        top_count = np.round(g * trials).astype(np.int64)
        from tripwire.crisis.compile import compile_world
        from tripwire.crisis.results import VARIABLES

        cw = compile_world(plan.world)
        sizes = {
            "level": len(cw.levels),
            "size": cw.n_states - 1,
            "state": cw.n_states,
            "side": 2,
            "origin": len(cw.origins),
            "treaty": len(cw.treaties),
            "round": cw.max_rounds + 1,
        }
        per_point = []
        for c in top_count:
            t = {k: np.zeros([sizes[d] for d in VARIABLES[k][0]], dtype=np.int64) for k in TALLIES}
            t["outcome_count"][-1, 0] = c
            t["outcome_count"][0, 0] = trials - c
            t["trials"] = np.int64(trials)
            per_point.append(t)
    if whole:
        region = tuple((0, s) for s in shape)
        full = {k: np.stack([np.asarray(t[k]) for t in per_point]) for k in per_point[0]}
        write_chunk(
            str(state.path),
            state.store_id,
            region,
            {k: v.reshape(shape + v.shape[1:]) for k, v in full.items()},
        )
        return plan
    for ix, t in zip(index, per_point, strict=True):
        if done is not None and not done[ix]:
            continue
        region = tuple((i, i + 1) for i in ix)
        write_chunk(
            str(state.path),
            state.store_id,
            region,
            {k: np.asarray(v).reshape((1,) * len(shape) + np.shape(v)) for k, v in t.items()},
        )
    return plan
