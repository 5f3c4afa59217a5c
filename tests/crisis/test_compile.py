"""The compile step: CSR edges, side rules, pledges, thresholds, origins and effective hazards."""

import dataclasses

import numpy as np
import pytest

import tripwire
from tests.helpers.worlds import small_world
from tripwire.crisis.compile import CompiledWorld, compile_world
from tripwire.errors import WorldError
from tripwire.kernels.encoding import ALIGN, DEFEND, OPPOSE, SIDE_RULE, threshold


def edges(cw):
    """(caller, callee, kind, p, trigger, treaty) per edge, in CSR order."""
    caller = np.repeat(np.arange(cw.n_states), np.diff(cw.edge_ptr))
    return [
        (cw.codes[i], cw.codes[j], int(k), float(p), int(t), int(d))
        for i, j, k, p, t, d in zip(
            caller, cw.edge_dst, cw.edge_kind, cw.edge_prob, cw.edge_trigger, cw.edge_treaty, strict=True
        )
    ]


def world(**overrides):
    return tripwire.World.model_validate(small_world(**overrides))


def test_mutual_treaty_gives_k_times_k_minus_1_edges():
    w = world(
        treaties=[{"name": "T", "kind": "defense", "members": ["A", "B", "C", "D"], "reliability": 0.6}],
        rivalries=[],
    )
    cw = compile_world(w)
    assert cw.n_edges == 12
    assert {(a, b) for a, b, *_ in edges(cw)} == {(a, b) for a in "ABCD" for b in "ABCD" if a != b}
    assert {tuple(e[2:]) for e in edges(cw)} == {(DEFEND, 0.6, 2, 0)}


def test_guarantors_owe_every_other_member():
    w = world(
        treaties=[
            {"name": "London", "kind": "entente", "members": ["A", "B", "C"], "guarantors": ["A", "B"]}
        ],
        rivalries=[],
    )
    got = {(a, b) for a, b, *_ in edges(compile_world(w))}
    # edge caller -> callee: the callee owes the caller
    assert got == {("B", "A"), ("C", "A"), ("A", "B"), ("C", "B")}


def test_rivalries_are_oppose_edges_both_ways_without_treaty():
    w = world(treaties=[], rivalries=[{"states": ["A", "C"], "hostility": 0.3, "trigger": "clash"}])
    assert sorted(edges(compile_world(w))) == [("A", "C", OPPOSE, 0.3, 1, -1), ("C", "A", OPPOSE, 0.3, 1, -1)]


def test_edges_sorted_by_trigger_then_callee_within_caller_and_level_ends():
    cw = compile_world(world())
    for i in range(cw.n_states):
        trig = cw.edge_trigger[cw.edge_ptr[i] : cw.edge_ptr[i + 1]]
        dst = cw.edge_dst[cw.edge_ptr[i] : cw.edge_ptr[i + 1]]
        assert np.all(np.diff(trig) >= 0)
        assert np.all((np.diff(trig) > 0) | (np.diff(dst) >= 0))
        for lv in range(len(cw.levels)):
            assert cw.level_end[i, lv] == cw.edge_ptr[i] + np.count_nonzero(trig <= lv)


def test_parallel_edges_keep_file_order_and_unsorted_edges_are_refused():
    w = world(
        treaties=[
            {"name": "AC", "kind": "entente", "members": ["A", "C"], "reliability": 0.5, "trigger": 0},
            {"name": "AB", "kind": "defense", "members": ["A", "B"], "reliability": 0.7, "trigger": 0},
            {"name": "AC2", "kind": "defense", "members": ["A", "C"], "reliability": 0.2, "trigger": 0},
        ],
        rivalries=[{"states": ["A", "C"], "hostility": 0.3, "trigger": 0}],
    )
    cw = compile_world(w)
    a = cw.codes.index("A")
    row = slice(cw.edge_ptr[a], cw.edge_ptr[a + 1])
    assert [cw.codes[j] for j in cw.edge_dst[row]] == ["B", "C", "C", "C"]
    assert list(cw.edge_treaty[row]) == [1, 0, 2, -1]  # toward C: file order, rivalry last
    fields = {f.name: getattr(cw, f.name) for f in dataclasses.fields(cw) if f.init}
    dst = cw.edge_dst.copy()
    dst[row] = dst[row][::-1]
    with pytest.raises(WorldError, match="then by callee"):
        CompiledWorld(**{**fields, "edge_dst": dst})


def test_pledges_and_side_rules():
    cw = compile_world(world())
    d, e = cw.codes.index("D"), cw.codes.index("E")
    assert list(cw.pledge_to[cw.pledge_ptr[d] : cw.pledge_ptr[d + 1]]) == [e]
    assert list(cw.pledge_to[cw.pledge_ptr[e] : cw.pledge_ptr[e + 1]]) == [d]
    assert cw.pledge_ptr[-1] == 2  # pledges never become edges
    assert all(cw.edge_treaty[k] != 4 for k in range(cw.n_edges))
    # DEFEND applies on the target side (bit 1), ALIGN on both, OPPOSE on both and flips
    assert SIDE_RULE[DEFEND] == 0b010 and SIDE_RULE[ALIGN] == 0b011 and SIDE_RULE[OPPOSE] == 0b111
    np.testing.assert_array_equal(cw.edge_rule, SIDE_RULE[cw.edge_kind])


def test_thresholds_are_exact_at_0_and_1():
    t = threshold([0.0, 1.0, 0.5, 1e-300])
    assert list(t) == [0, 2**53, 2**52, 1]


def test_backing_counts_untried_defend_and_align_edges():
    w = world(
        treaties=[
            {"name": "BC", "kind": "defense", "members": ["B", "C"], "reliability": 0.5, "trigger": 0},
            {"name": "BD", "kind": "entente", "members": ["B", "D"], "reliability": 0.25, "trigger": 1},
            {"name": "BE", "kind": "offense", "members": ["B", "E"], "reliability": 0.9, "trigger": 0},
        ],
        rivalries=[],
    )
    cw = compile_world(w)
    b = cw.codes.index("B")
    lo = cw.edge_ptr[b]
    cap = dict(zip(cw.codes, cw.capability, strict=True))
    assert cw.backing_from[lo] == pytest.approx(0.5 * cap["C"] + 0.25 * cap["D"])
    # after the trigger-0 edges (BC, BE) are tried, only BD remains
    assert cw.backing_from[cw.level_end[b, 0]] == pytest.approx(0.25 * cap["D"])


def test_origins_from_rivalries_and_weights():
    w = world(origins="rivalries")
    cw = compile_world(w)
    assert cw.origins == ["A->C", "C->A", "D->B", "B->D"]
    np.testing.assert_allclose(cw.origin_weight, [0.3, 0.3, 0.2, 0.2])
    assert cw.origin_cum[-1] == 1.0
    cw = compile_world(world())
    np.testing.assert_allclose(cw.origin_weight, [2 / 3, 1 / 3])


def test_policy_knobs_give_effective_hazards():
    w = world(policy={"communication": 0.5, "dispute_resolution": 0.2, "confidence_building": 0.5})
    cw = compile_world(w)
    assert cw.sigma == pytest.approx(0.4 * 0.5)
    np.testing.assert_allclose(cw.settle, 1 - (1 - np.array([0.2, 0.15, 0.1, 0.05])) * 0.8)
    # levels below war (index 2) scaled, at and above unchanged, top has no up hazard
    np.testing.assert_allclose(cw.up, [0.2, 0.175, 0.3, 0.0])


def _broken(cw, **changes):
    """A copy of a compiled world's inputs with some arrays replaced (validation runs on init)."""
    from dataclasses import fields

    from tripwire.crisis.compile import CompiledWorld

    kwargs = {f.name: getattr(cw, f.name) for f in fields(cw) if f.init}
    kwargs.update(changes)
    return CompiledWorld(**kwargs)


@pytest.mark.parametrize(
    "change,message",
    [
        (
            lambda cw: {"edge_dst": np.where(np.arange(cw.n_edges) == 0, 99, cw.edge_dst)},
            "edge_dst holds indices",
        ),
        (lambda cw: {"edge_ptr": cw.edge_ptr[::-1].copy()}, "edge_ptr must start at 0, never decrease"),
        (lambda cw: {"edge_prob": cw.edge_prob + 1.5}, "edge_prob must be probabilities"),
        (lambda cw: {"edge_trigger": cw.edge_trigger + 10}, "edge_trigger holds indices"),
        (lambda cw: {"edge_treaty": cw.edge_treaty + 50}, "edge_treaty holds indices"),
        (lambda cw: {"pledge_to": cw.pledge_to + 40}, "pledge_to holds indices"),
        (lambda cw: {"origin_state": cw.origin_state * 0}, "lists a state twice"),
        (lambda cw: {"origin_n_a": cw.origin_n_a * 0}, "at least one originator on each side"),
        (lambda cw: {"settle": cw.settle[:-1]}, "settle must be"),
        (lambda cw: {"max_rounds": -1}, "max_rounds must be in"),
        (lambda cw: {"capability": -cw.capability}, "capability must be finite"),
    ],
)
def test_invalid_compiled_worlds_are_refused_before_any_kernel(change, message):
    cw = compile_world(tripwire.World.model_validate(small_world()))
    with pytest.raises(tripwire.WorldError, match=message):
        _broken(cw, **change(cw))
