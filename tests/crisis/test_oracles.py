"""Exact oracles (docs/model.md, "Cases with an exact answer"): live-edge enumeration, the isolated-dyad chain, p in {0, 1}."""

import itertools

import numpy as np
import pytest

import tripwire

K = 4.5  # standard errors allowed per compared probability


def pure_cascade(n_states, edges, origin=("S0", "S1")):
    """A one-level world whose involvement is reachability in the random live-edge graph.

    ``edges``: (kind, caller, callee, p); kind 'entente' (ALIGN), 'defense' (DEFEND), 'rivalry'
    or 'border' (OPPOSE, both ways). An edge caller -> callee is a one-way treaty the callee
    guarantees. ``origin``: (initiator, target), each a code or a list of codes.
    """
    treaties, rivalries, borders = [], [], []
    for k, (kind, i, j, p) in enumerate(edges):
        if kind == "rivalry":
            rivalries.append({"states": [f"S{i}", f"S{j}"], "hostility": p, "trigger": 0})
        elif kind == "border":
            borders.append({"states": [f"S{i}", f"S{j}"], "type": "land", "joining": p})
        else:
            treaties.append(
                {
                    "name": f"e{k}",
                    "kind": kind,
                    "members": [f"S{i}", f"S{j}"],
                    "guarantors": [f"S{j}"],
                    "reliability": p,
                    "trigger": 0,
                }
            )
    return {
        "name": "pure-cascade",
        "ladder": {"levels": ["crisis"], "war": "crisis"},
        "escalation": {"up": [], "settle": [0.0], "misperception": 0.0},
        "states": [{"code": f"S{k}", "capability": 1.0} for k in range(n_states)],
        "treaties": treaties,
        "rivalries": rivalries,
        "borders": borders,
        "neighbours": {"trigger": 0},
        "origins": [{"initiator": origin[0], "target": origin[1]}],
    }


def exact_involvement(n_states, directed, seeds):
    """P(involved) and P(size) by enumerating live-edge subsets of ``directed`` (i, j, p) edges,
    where an edge i -> j lets j join when i is involved."""
    p_inv = np.zeros(n_states)
    p_size = np.zeros(n_states + 1)
    for live in itertools.product((False, True), repeat=len(directed)):
        weight = 1.0
        for on, (_, _, p) in zip(live, directed, strict=True):
            weight *= p if on else 1 - p
        if weight == 0:
            continue
        reached = set(seeds)
        frontier = list(seeds)
        while frontier:
            i = frontier.pop()
            for on, (x, y, _) in zip(live, directed, strict=True):
                if on and x == i and y not in reached:
                    reached.add(y)
                    frontier.append(y)
        for s in reached:
            p_inv[s] += weight
        p_size[len(reached)] += weight
    return p_inv, p_size


def random_edges(rng, n_states, n_edges, kinds):
    edges, rival_pairs = [], set()
    for _ in range(n_edges):
        i, j = rng.choice(n_states, 2, replace=False)
        kind = str(rng.choice(kinds))
        if kind in ("rivalry", "border") and (kind, frozenset((i, j))) in rival_pairs:
            continue  # a rivalry or a border is listed once
        if kind in ("rivalry", "border"):
            rival_pairs.add((kind, frozenset((i, j))))
        edges.append((kind, int(i), int(j), float(rng.choice([rng.uniform(0.05, 0.95), 1.0]))))
    return edges


def assert_close(estimate, exact, trials, what):
    se = np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / trials)
    assert np.all(np.abs(estimate - exact) <= K * se + 1e-12), (what, estimate, exact)


@pytest.mark.parametrize("case", range(6))
def test_pure_cascade_align_and_oppose_is_reachability(case):
    """ALIGN and OPPOSE edges apply on either side: involvement is reachability from {a, b}."""
    rng = np.random.default_rng(case)
    n_states = int(rng.integers(4, 7))
    edges = random_edges(rng, n_states, int(rng.integers(5, 12)), ["entente", "rivalry"])
    directed = []
    for kind, i, j, p in edges:
        directed.append((i, j, p))
        if kind == "rivalry":  # a rivalry is an edge both ways
            directed.append((j, i, p))
    trials = 200_000
    ds = tripwire.simulate(pure_cascade(n_states, edges), trials, seed=case)
    p_inv, p_size = exact_involvement(n_states, directed, seeds=(0, 1))
    assert_close(ds.p_involved.values, p_inv, trials, "p_involved")
    assert_close(ds.p_size.values, p_size[2:], trials, "p_size")


@pytest.mark.parametrize("case", range(4))
def test_pure_cascade_with_borders_and_groups_is_reachability(case):
    """Borders are OPPOSE edges both ways; every originator starts involved: involvement is
    reachability from all originators (here S0 and S2 against S1)."""
    rng = np.random.default_rng(50 + case)
    n_states = int(rng.integers(4, 7))
    edges = random_edges(rng, n_states, int(rng.integers(5, 11)), ["entente", "border", "rivalry"])
    directed = []
    for kind, i, j, p in edges:
        directed.append((i, j, p))
        if kind in ("rivalry", "border"):
            directed.append((j, i, p))
    trials = 200_000
    world = pure_cascade(n_states, edges, origin=(["S0", "S2"], "S1"))
    ds = tripwire.simulate(world, trials, seed=case)
    p_inv, p_size = exact_involvement(n_states, directed, seeds=(0, 1, 2))
    assert_close(ds.p_involved.values, p_inv, trials, "p_involved")
    assert_close(ds.p_size.values, p_size[2:], trials, "p_size")
    assert float(ds.p_size.sel(size=2)) == 0.0  # three originators: never fewer than three participants


@pytest.mark.parametrize("case", range(4))
def test_pure_cascade_defend_spreads_from_the_target_only(case):
    """DEFEND edges apply on the target side only: involvement is {a} plus reachability from b."""
    rng = np.random.default_rng(100 + case)
    n_states = int(rng.integers(4, 7))
    edges = random_edges(rng, n_states, int(rng.integers(5, 12)), ["defense"])
    trials = 200_000
    ds = tripwire.simulate(pure_cascade(n_states, edges), trials, seed=case)
    directed = [(i, j, p) for _, i, j, p in edges if i != 0]  # S0 is the initiator: its edges never apply
    p_inv, _ = exact_involvement(n_states, directed, seeds=(1,))
    p_inv[0] = 1.0
    assert_close(ds.p_involved.values, p_inv, trials, "p_involved")
    assert np.all(ds.side_count.sel(side="initiator").values[1:] == 0)


def dyad_world(up, settle, cap_a, cap_b, gamma, max_rounds, policy=None):
    levels = [f"L{k}" for k in range(len(settle))]
    return {
        "name": "dyad",
        "ladder": {"levels": levels, "war": levels[len(levels) // 2]},
        "escalation": {
            "up": up,
            "settle": settle,
            "deterrence": gamma,
            "misperception": 0.5,
            "max_rounds": max_rounds,
        },
        "policy": policy or {},
        "states": [{"code": "A", "capability": cap_a}, {"code": "B", "capability": cap_b}],
        "origins": [{"initiator": "A", "target": "B"}],
    }


def test_groups_without_ties_follow_the_chain_of_their_summed_capabilities():
    """Several originators a side and no edges: the absorbing chain with rho from the sums."""
    world = dyad_world([0.35, 0.3, 0.3, 0.25], [0.25, 0.2, 0.15, 0.1, 0.05], 0.2, 0.1, 1.0, 30)
    world["states"] += [{"code": "C", "capability": 0.15}, {"code": "D", "capability": 0.05}]
    world["origins"] = [{"initiator": ["A", "C"], "target": ["B", "D"]}]
    trials = 200_000
    ds = tripwire.simulate(world, trials, seed=3)
    final, rounds = exact_dyad(
        world["escalation"]["up"],
        world["escalation"]["settle"],
        0.35 / 0.5,
        1.0,
        world["escalation"]["max_rounds"],
    )
    assert_close(ds.p_level.values, final, trials, "p_level")
    assert_close(ds.rounds_count.values / trials, rounds, trials, "rounds")
    assert (ds.involved_count.values == trials).all()
    assert ds.origin.values.tolist() == ["A+C->B+D"]


def exact_dyad(up, settle, rho, gamma, max_rounds):
    """Final-level and rounds distributions of the absorbing chain, by dynamic programming."""
    top = len(settle) - 1
    alive = np.zeros(len(settle))
    alive[0] = 1.0
    final = np.zeros(len(settle))
    rounds = np.zeros(max_rounds + 1)
    for rnd in range(max_rounds + 1):
        final[top] += alive[top]
        rounds[rnd] += alive[top]
        alive[top] = 0.0
        if rnd == max_rounds:
            final += alive
            rounds[rnd] += alive.sum()
            break
        nxt = np.zeros_like(alive)
        for lv in range(top):
            p_up = min(1.0, up[lv] * (2 * rho) ** gamma)
            p_settle = settle[lv]
            if p_up + p_settle > 1:
                p_up, p_settle = p_up / (p_up + p_settle), p_settle / (p_up + p_settle)
            final[lv] += alive[lv] * p_settle
            rounds[rnd] += alive[lv] * p_settle
            nxt[lv + 1] += alive[lv] * p_up
            nxt[lv] += alive[lv] * (1 - p_up - p_settle)
        alive = nxt
    return final, rounds


@pytest.mark.parametrize(
    "up,settle,caps,gamma,max_rounds,policy",
    [
        ([0.35, 0.3, 0.3, 0.25], [0.25, 0.2, 0.15, 0.1, 0.05], (0.3, 0.1), 1.0, 40, None),
        ([0.6, 0.5], [0.5, 0.3, 0.0], (0.2, 0.2), 2.0, 6, None),
        ([0.9, 0.9, 0.9], [0.2, 0.3, 0.2, 0.0], (0.7, 0.1), 1.5, 10, None),  # p_up + p_settle > 1
        (
            [0.35, 0.3, 0.3, 0.25],
            [0.25, 0.2, 0.15, 0.1, 0.05],
            (0.3, 0.1),
            1.0,
            40,
            {"dispute_resolution": 0.3, "confidence_building": 0.5, "communication": 0.9},
        ),
    ],
)
def test_isolated_dyad_follows_the_absorbing_chain(up, settle, caps, gamma, max_rounds, policy):
    trials = 200_000
    ds = tripwire.simulate(dyad_world(up, settle, *caps, gamma, max_rounds, policy), trials, seed=7)
    policy = policy or {}
    war = len(settle) // 2
    eff_up = [u * (1 - policy.get("confidence_building", 0)) if lv < war else u for lv, u in enumerate(up)]
    eff_settle = [1 - (1 - s) * (1 - policy.get("dispute_resolution", 0)) for s in settle]
    final, rounds = exact_dyad(eff_up, eff_settle, caps[0] / sum(caps), gamma, max_rounds)
    assert abs(final.sum() - 1) < 1e-12 and abs(rounds.sum() - 1) < 1e-12
    assert_close(ds.p_level.values, final, trials, "p_level")
    assert_close(ds.rounds_count.values / trials, rounds, trials, "rounds")


def deterministic(treaties, origins=(("A", "B"),), states="ABCDE", escalation=None, rivalries=()):
    return tripwire.simulate(
        {
            "name": "deterministic",
            "escalation": escalation or {"up": 1.0, "settle": 0.0, "misperception": 0.3},
            "states": [{"code": c, "capability": 1.0} for c in states],
            "treaties": treaties,
            "rivalries": list(rivalries),
            "origins": [{"initiator": a, "target": b} for a, b in origins],
        },
        2_000,
        seed=9,
    )


def involved(ds):
    return {str(s): int(c) for s, c in zip(ds.state.values, ds.involved_count.values, strict=True)}


def test_certain_and_impossible_obligations():
    ds = deterministic(
        [
            {"name": "BC", "kind": "defense", "members": ["B", "C"], "reliability": 1.0, "trigger": 0},
            {"name": "CD", "kind": "defense", "members": ["C", "D"], "reliability": 1.0, "trigger": "war"},
            {"name": "BE", "kind": "defense", "members": ["B", "E"], "reliability": 0.0, "trigger": 0},
        ]
    )
    assert involved(ds) == {"A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 0}
    # up = 1, settle = 0: every trial climbs to the top
    assert int(ds.outcome_count.sel(level="general_war", size=4)) == 2000
    assert int(ds.treaty_honoured.sel(treaty="BC")) == 2000
    assert int(ds.treaty_failed.sel(treaty="BE")) == 2000
    assert (ds.side_count.sel(side="target").sel(state=["B", "C", "D"]) == 2000).all()


def test_neutrality_pledge_keeps_a_state_out():
    pledge = {"name": "DA neutrality", "kind": "neutrality", "members": ["D", "A"], "guarantors": ["D"]}
    defense = {"name": "BD", "kind": "defense", "members": ["B", "D"], "reliability": 1.0, "trigger": 0}
    assert involved(deterministic([defense]))["D"] == 2000
    ds = deterministic([defense, pledge])
    assert involved(ds)["D"] == 0
    # restrained edges are tried without a draw: neither honoured nor failed
    assert int(ds.treaty_honoured.sel(treaty="BD")) == 0 and int(ds.treaty_failed.sel(treaty="BD")) == 0
    # a pledge toward A does not stop D joining A's side
    offense = {"name": "AD", "kind": "offense", "members": ["A", "D"], "reliability": 1.0, "trigger": 0}
    ds = deterministic([offense, pledge])
    assert int(ds.side_count.sel(state="D", side="initiator")) == 2000


def test_one_way_guarantee():
    guarantee = {
        "name": "London 1839",
        "kind": "defense",
        "members": ["C", "B"],
        "guarantors": ["C"],
        "reliability": 1.0,
        "trigger": 0,
    }
    assert involved(deterministic([guarantee], origins=[("A", "B")]))["C"] == 2000
    # B owes C nothing: a crisis against C does not bring B in
    assert involved(deterministic([guarantee], origins=[("A", "C")]))["B"] == 0


def test_offense_applies_only_on_the_initiator_side():
    offense = {
        "name": "BC offense",
        "kind": "offense",
        "members": ["B", "C"],
        "reliability": 1.0,
        "trigger": 0,
    }
    assert involved(deterministic([offense], origins=[("A", "B")]))["C"] == 0
    assert involved(deterministic([offense], origins=[("B", "A")]))["C"] == 2000


def test_certain_rival_joins_the_other_side_and_settlement_is_immediate():
    ds = deterministic(
        [],
        rivalries=[{"states": ["B", "E"], "hostility": 1.0, "trigger": 0}],
        escalation={"up": 0.0, "settle": 1.0},
    )
    assert int(ds.side_count.sel(state="E", side="initiator")) == 2000
    assert int(ds.outcome_count.sel(level="crisis", size=3)) == 2000
    assert int(ds.rounds_count.sel(round=0)) == 2000


def test_max_rounds_stops_the_ladder():
    ds = deterministic([], escalation={"up": 0.0, "settle": 0.0, "max_rounds": 3})
    assert int(ds.rounds_count.sel(round=3)) == 2000
    assert int(ds.outcome_count.sel(level="crisis", size=2)) == 2000
