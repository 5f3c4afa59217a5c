"""Synthetic worlds for benchmarks and scaling studies, and the cascade configurations whose
answers are exact (``docs/model.md``, "Cases with an exact answer").

:func:`bloc_network` builds two rival superblocs: each bloc is cut into regional pacts (multilateral
ententes of about ``region_size`` states), each pact's first member is tied to its bloc leader by a
defence pact, and a few sparse ties cross the blocs. Crises start at random rival pairs (one state
from each bloc). :func:`erdos_renyi` gives a random graph of bilateral ententes.

Two configurations turn any world into a cascade:

- :func:`pure_cascade`: the pure-cascade configuration (one level, every trigger 0, no settling).
  Treaty kinds are kept, so each edge applies as its kind says: a defence pact still pulls allies
  only to the target side, and neutrality and non-aggression pledges still keep states out.
- :func:`independent_cascade`: the pure cascade with every obligation made an entente (ALIGN) and
  the pledges dropped: the plain independent-cascade model from a seed pair, which is what
  CyNetDiff and NDlib compute.

:func:`network_world` builds a bloc, alliance or Erdős–Rényi network in the independent-cascade
configuration.
"""

from __future__ import annotations

import numpy as np

from ..errors import WorldError
from . import kinds
from .model import World

#: The kinds of :func:`network_world`.
NETWORK_KINDS = ("blocs", "alliance", "er")


def _world(name: str, n_states: int, treaties: list[dict], origins: list[tuple[int, int]], rng) -> World:
    return World.model_validate(
        {
            "name": name,
            "states": [
                {"code": f"S{k:04d}", "capability": float(c)} for k, c in enumerate(rng.pareto(2.0, n_states))
            ],
            "treaties": treaties,
            "origins": [{"initiator": f"S{a:04d}", "target": f"S{b:04d}"} for a, b in origins],
        }
    )


def bloc_network(
    n_states: int,
    *,
    seed: int = 0,
    region_size: int = 8,
    reliability: tuple[float, float] = (0.02, 0.2),
    cross_ties: float = 0.05,
    n_origins: int | None = None,
) -> World:
    """Two rival superblocs of regional pacts with sparse cross-bloc ties.

    Parameters
    ----------
    n_states
        Number of states (>= 4), split evenly between the blocs.
    seed
        Seed of the network's construction (not of the trials).
    region_size
        States per regional pact.
    reliability
        Range of the uniform draw of each treaty's reliability.
    cross_ties
        Cross-bloc bilateral ententes per state.
    n_origins
        Rival pairs where crises start (default ``n_states // 4``), drawn one from each bloc.

    Examples
    --------
    >>> world = bloc_network(64, seed=1)
    >>> len(world.states)
    64
    """
    if n_states < 4:
        raise WorldError(f"a bloc network needs at least 4 states, saw n_states={n_states}")
    rng = np.random.default_rng(seed)
    blocs = [np.arange(0, n_states // 2), np.arange(n_states // 2, n_states)]
    treaties: list[dict] = []

    def add(members, kind: str = "entente") -> None:
        treaties.append(
            {
                "name": f"T{len(treaties)}",
                "kind": kind,
                "members": [f"S{m:04d}" for m in members],
                "reliability": float(rng.uniform(*reliability)),
                "trigger": 0,
            }
        )

    for bloc in blocs:
        leader = bloc[0]
        for start in range(0, bloc.size, region_size):
            region = bloc[start : start + region_size]
            if region.size >= 2:
                add(region)
            if region[0] != leader:
                add([leader, region[0]], "defense")
    for _ in range(max(1, int(cross_ties * n_states))):
        add([rng.choice(blocs[0]), rng.choice(blocs[1])])
    n_origins = n_origins or max(1, n_states // 4)
    origins = sorted({(int(rng.choice(blocs[0])), int(rng.choice(blocs[1]))) for _ in range(n_origins)})
    return _world(f"blocs{n_states}", n_states, treaties, origins, rng)


def alliance_network(
    n_states: int,
    *,
    seed: int = 0,
    bloc_size: int = 10,
    reliability: tuple[float, float] = (0.3, 0.9),
    cross_ties: float = 0.05,
    cross_reliability: tuple[float, float] = (0.02, 0.2),
    n_origins: int | None = None,
) -> World:
    """Dense alliance blocs: every pair of states in a bloc is bound by a bilateral pact.

    States are cut into blocs of ``bloc_size`` (the last bloc takes the remainder); each pair in a
    bloc gets a bilateral entente whose reliability is drawn uniformly from ``reliability``, so
    each state has ``bloc_size - 1`` strong ties and a crisis that reaches a bloc draws most of
    it in: most edges a cascade examines lead to states already drawn in. Sparse, weak ententes
    (``cross_ties`` per state, reliability from ``cross_reliability``) join random states of
    different blocs. Crises start at pairs of states in different blocs.

    Parameters
    ----------
    n_states
        Number of states (>= 4).
    seed
        Seed of the network's construction (not of the trials).
    bloc_size
        States per bloc (>= 2).
    reliability
        Range of the uniform draw of each within-bloc pact's reliability.
    cross_ties
        Cross-bloc bilateral ententes per state.
    cross_reliability
        Range of the uniform draw of each cross-bloc entente's reliability.
    n_origins
        Pairs where crises start (default ``n_states // 4``).

    Examples
    --------
    >>> world = alliance_network(200, seed=1)
    >>> len(world.states), len(world.treaties)
    (200, 910)
    >>> within = [t.reliability for t in world.treaties[:900]]
    >>> 0.3 <= min(within) and max(within) <= 0.9
    True
    """
    if n_states < 4:
        raise WorldError(f"an alliance network needs at least 4 states, saw n_states={n_states}")
    if bloc_size < 2 or bloc_size > n_states // 2:
        raise WorldError(
            f"bloc_size must be between 2 and n_states // 2 = {n_states // 2} (two blocs at least), "
            f"saw bloc_size={bloc_size}"
        )
    rng = np.random.default_rng(seed)
    n_blocs = n_states // bloc_size
    bloc_of = np.minimum(np.arange(n_states) // bloc_size, n_blocs - 1)
    treaties: list[dict] = []

    def add(i: int, j: int, lo_hi: tuple[float, float]) -> None:
        treaties.append(
            {
                "name": f"T{len(treaties)}",
                "kind": "entente",
                "members": [f"S{i:04d}", f"S{j:04d}"],
                "reliability": float(rng.uniform(*lo_hi)),
                "trigger": 0,
            }
        )

    for b in range(n_blocs):
        members = np.flatnonzero(bloc_of == b)
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                add(int(i), int(j), reliability)

    def cross_pair() -> tuple[int, int]:
        while True:
            i, j = (int(v) for v in rng.choice(n_states, 2, replace=False))
            if bloc_of[i] != bloc_of[j]:
                return i, j

    for _ in range(max(1, int(cross_ties * n_states))):
        add(*cross_pair(), cross_reliability)
    n_origins = n_origins or max(1, n_states // 4)
    origins = sorted({cross_pair() for _ in range(n_origins)})
    return _world(f"alliance{n_states}", n_states, treaties, origins, rng)


def erdos_renyi(
    n_states: int, mean_degree: float = 6.0, *, seed: int = 0, reliability: tuple[float, float] = (0.02, 0.2)
) -> World:
    """A G(n, p) graph of bilateral ententes with ``p = mean_degree / (n - 1)``; crises start at
    random pairs."""
    rng = np.random.default_rng(seed)
    p = mean_degree / (n_states - 1)
    iu, ju = np.triu_indices(n_states, k=1)
    keep = rng.random(iu.size) < p
    treaties = [
        {
            "name": f"T{k}",
            "kind": "entente",
            "members": [f"S{i:04d}", f"S{j:04d}"],
            "reliability": float(rng.uniform(*reliability)),
            "trigger": 0,
        }
        for k, (i, j) in enumerate(zip(iu[keep], ju[keep], strict=True))
    ]
    draws = (rng.choice(n_states, 2, replace=False) for _ in range(max(1, n_states // 4)))
    pairs = sorted({(int(a), int(b)) for a, b in draws})
    return _world(f"er{n_states}", n_states, treaties, pairs, rng)


def pure_cascade(world: World) -> World:
    """The pure-cascade configuration of ``world`` (``docs/model.md``, "Cases with an exact answer").

    One level, every trigger 0, ``settle = [0]``, no misperception, no policies. Involvement is
    then reachability from the seed pair in the random live-edge graph, each edge applying as its
    kind says: the world's treaty kinds are kept, so a defence pact still pulls allies only to the
    *target* side (an offence pact only to the initiator side), and neutrality and non-aggression
    pledges still keep states out. This is the plain independent-cascade model only when every
    obligation applies on either side and there are no pledges; :func:`independent_cascade` makes
    any world so.

    Examples
    --------
    >>> world = pure_cascade(bloc_network(64))
    >>> len(world.ladder.levels), sorted({t.kind for t in world.treaties})
    (1, ['defense', 'entente'])
    """
    data = world.model_dump(exclude_none=True)
    data["ladder"] = {"levels": ["crisis"], "war": "crisis"}
    data["escalation"] = {"up": [], "settle": [0.0], "misperception": 0.0, "max_rounds": 0}
    data["policy"] = {}
    for t in data["treaties"]:
        if "trigger" in t:
            t["trigger"] = 0
    for r in data["rivalries"]:
        r["trigger"] = 0
    return World.model_validate(data)


def independent_cascade(world: World) -> World:
    """The plain independent-cascade model on ``world`` (``docs/model.md``, "Cases with an exact answer").

    :func:`pure_cascade` (one level, every trigger 0, no settling), with every treaty obligation
    turned into an entente (kernel kind ALIGN), so that each edge applies whichever side its caller
    is on (in :func:`pure_cascade` a defence pact still pulls allies only to the *target* side), and
    without neutrality or non-aggression pledges, which would keep states out. Rivalries, which
    apply on either side already, are kept. Involvement is then exactly reachability from the seed
    pair in the random live-edge graph, which is what CyNetDiff and NDlib compute. Reliabilities are
    kept as resolved (not reset to the entente default).

    Examples
    --------
    >>> world = independent_cascade(bloc_network(64))
    >>> len(world.ladder.levels), sorted({t.kind for t in world.treaties})
    (1, ['entente'])
    """
    data = pure_cascade(world).model_dump(exclude_none=True)
    data["treaties"] = [{**t, "kind": "entente"} for t in data["treaties"] if not kinds.get(t["kind"]).pledge]
    return World.model_validate(data)


def network_world(kind: str, n_states: int, *, seed: int = 0, er_degree: float = 6.0) -> World:
    """A synthetic network in the independent-cascade configuration (:func:`independent_cascade`).

    Parameters
    ----------
    kind
        One of :data:`NETWORK_KINDS`: ``blocs`` (:func:`bloc_network`), ``alliance``
        (:func:`alliance_network`) or ``er`` (:func:`erdos_renyi` with mean degree ``er_degree``).
    n_states
        Number of states.
    seed
        Seed of the network's construction.
    er_degree
        Mean degree of the Erdős–Rényi graph.

    Examples
    --------
    >>> world = network_world("blocs", 64)
    >>> {t.kind for t in world.treaties}
    {'entente'}
    """
    if kind == "blocs":
        base = bloc_network(n_states, seed=seed)
    elif kind == "alliance":
        base = alliance_network(n_states, seed=seed)
    elif kind == "er":
        base = erdos_renyi(n_states, er_degree, seed=seed)
    else:
        raise WorldError(f"unknown network kind {kind!r}; valid: {', '.join(NETWORK_KINDS)}")
    return independent_cascade(base)
