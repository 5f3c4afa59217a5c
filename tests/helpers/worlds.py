"""Small worlds for the tests: a hand-made five-state world and random worlds of any size."""

from __future__ import annotations

import numpy as np


def small_world(**overrides) -> dict:
    """A five-state world that exercises every edge kind, a pledge and a one-way guarantee."""
    world = {
        "name": "small",
        "ladder": {"levels": ["crisis", "clash", "war", "general_war"], "war": "war"},
        "escalation": {
            "up": [0.4, 0.35, 0.3],
            "settle": [0.2, 0.15, 0.1, 0.05],
            "deterrence": 1.0,
            "misperception": 0.4,
            "max_rounds": 12,
        },
        "policy": {"defection": 0.2},
        "states": [
            {"code": "A", "capability": 0.3},
            {"code": "B", "capability": 0.1},
            {"code": "C", "capability": 0.25},
            {"code": "D", "capability": 0.2},
            {"code": "E", "capability": 0.15},
        ],
        "treaties": [
            {
                "name": "BC defense",
                "kind": "defense",
                "members": ["B", "C"],
                "reliability": 0.7,
                "trigger": "clash",
            },
            {
                "name": "AD offense",
                "kind": "offense",
                "members": ["A", "D"],
                "reliability": 0.6,
                "trigger": 0,
            },
            {
                "name": "CE entente",
                "kind": "entente",
                "members": ["C", "E"],
                "reliability": 0.5,
                "trigger": "war",
            },
            {
                "name": "E guarantees B",
                "kind": "defense",
                "members": ["B", "E"],
                "guarantors": ["E"],
                "reliability": 0.4,
                "trigger": "crisis",
            },
            {"name": "DE neutrality", "kind": "neutrality", "members": ["D", "E"]},
        ],
        "rivalries": [
            {"states": ["A", "C"], "hostility": 0.3, "trigger": "war"},
            {"states": ["D", "B"], "hostility": 0.2, "trigger": "clash"},
        ],
        "origins": [{"initiator": "A", "target": "B", "weight": 2.0}, {"initiator": "D", "target": "C"}],
    }
    world.update(overrides)
    return world


def random_world(
    rng: np.random.Generator,
    n_states: int,
    n_treaties: int,
    kinds=("defense", "entente", "offense", "consultation", "neutrality"),
    levels: int = 4,
    borders: bool = False,
) -> dict:
    """A random world with the given number of states and treaties (for reference comparisons).

    ``borders=True`` adds borders of every contiguity type (one with its own joining probability
    and trigger) and origins with several states a side (drawn after everything else, so the rest
    of the world is the same as without them)."""
    codes = [f"S{k}" for k in range(n_states)]
    ladder = [f"L{k}" for k in range(levels)]
    treaties = []
    for k in range(n_treaties):
        size = int(rng.integers(2, min(4, n_states) + 1))
        members = [str(c) for c in rng.choice(codes, size=size, replace=False)]
        t = {
            "name": f"T{k}",
            "kind": str(rng.choice(kinds)),
            "members": members,
            "reliability": float(rng.choice([0.0, 1.0, *rng.uniform(0, 1, 3)])),
            "trigger": int(rng.integers(0, levels)),
        }
        if rng.uniform() < 0.3:
            t["guarantors"] = members[:1]
        treaties.append(t)
    pairs = sorted({tuple(sorted(rng.choice(codes, 2, replace=False))) for _ in range(n_states // 2)})
    world = {
        "name": "random",
        "ladder": {"levels": ladder, "war": ladder[levels // 2]},
        "escalation": {
            "up": rng.uniform(0.1, 0.6, levels - 1).tolist(),
            "settle": rng.uniform(0.05, 0.3, levels).tolist(),
            "deterrence": float(rng.uniform(0, 2)),
            "misperception": float(rng.uniform(0, 0.6)),
            "max_rounds": int(rng.integers(1, 15)),
        },
        "policy": {
            "communication": float(rng.uniform(0, 1)),
            "dispute_resolution": float(rng.uniform(0, 0.3)),
            "confidence_building": float(rng.uniform(0, 0.5)),
            "defection": float(rng.choice([0, 0.3])),
        },
        "states": [{"code": c, "capability": float(rng.uniform(0, 1))} for c in codes],
        "treaties": treaties,
        "rivalries": [
            {
                "states": list(p),
                "hostility": float(rng.uniform(0, 1)),
                "trigger": int(rng.integers(0, levels)),
            }
            for p in pairs
        ],
        "origins": "rivalries"
        if pairs and rng.uniform() < 0.5
        else [
            {"initiator": codes[0], "target": codes[1]},
            {"initiator": codes[2], "target": codes[0], "weight": 0.5},
        ],
    }
    if borders and n_states >= 4:
        types = ["land", "sea12", "sea24", "sea150", "sea400"]
        links = sorted({tuple(sorted(rng.choice(codes, 2, replace=False))) for _ in range(n_states)})
        world["borders"] = [{"states": list(p), "type": types[k % len(types)]} for k, p in enumerate(links)]
        world["borders"][0].update(joining=float(rng.uniform(0.2, 0.9)), trigger=int(rng.integers(0, levels)))
        world["neighbours"] = {
            "joining": {t: float(rng.uniform(0, 1)) for t in types},
            "trigger": int(rng.integers(0, levels)),
        }
        world["origins"] = [
            {"initiator": [codes[0], codes[2]], "target": codes[1]},
            {"initiator": codes[3], "target": [codes[0], codes[1]], "weight": 0.7},
        ]
    return world
