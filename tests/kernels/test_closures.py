"""The two joining closures (CSR and bitset) give the same tallies, bit for bit; the origin guide
table gives the binary search's origin; ``edge_draws`` counts the edge draws."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tripwire
from tests.helpers.worlds import random_world
from tripwire.crisis.compile import compile_world, origin_guide
from tripwire.crisis.tallies import choose_closure, entangle_tallies, run_tallies, tally_arrays
from tripwire.errors import ParamError
from tripwire.kernels.cascade import draw_origin, run_block, run_block_bits
from tripwire.kernels.encoding import ABSENT
from tripwire.kernels.rng import next53
from tripwire.world.synthetic import network_world


def assert_same(a: dict, b: dict, what: str) -> None:
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=f"{what}: {name}")


def both(cw, trials: int, seed: int) -> tuple[dict, dict]:
    csr = run_tallies(cw, trials, seed=seed, threads=1, closure="csr")
    bits = run_tallies(cw, trials, seed=seed, threads=1, closure="bitset")
    return csr, bits


@pytest.mark.parametrize("name", tripwire.bundled_scenarios())
def test_bundled_scenarios(name):
    cw = compile_world(tripwire.load_world(name))
    csr, bits = both(cw, 4_000, seed=17)
    assert_same(csr, bits, name)
    assert csr["edge_draws"] > 0


@pytest.mark.parametrize(("kind", "n"), [("blocs", 64), ("blocs", 200), ("er", 200), ("er", 1000)])
def test_synthetic_networks(kind, n):
    cw = compile_world(network_world(kind, n))
    csr, bits = both(cw, 2_000, seed=3)
    assert_same(csr, bits, f"{kind}{n}")


def tangled_world(seed: int) -> tripwire.World:
    """150 states (three words of callees) with parallel edges (one pair owed by two treaties, a
    rivalry and a border), pledges, one-way guarantees, borders, defection and several levels."""
    rng = np.random.default_rng(seed)
    data = random_world(rng, 150, 140, levels=4, borders=True)
    data["policy"]["defection"] = 0.3
    for k, t in enumerate(list(data["treaties"][:40])):
        kind = "neutrality" if k % 5 == 0 else t["kind"]
        data["treaties"].append({**t, "name": f"{t['name']}-again", "kind": kind})
    data["treaties"].append({"name": "N", "kind": "nonaggression", "members": ["S0", "S1", "S70", "S140"]})
    return tripwire.World.model_validate(data)


def test_many_words_parallel_edges_pledges_borders_and_defection():
    cw = compile_world(tangled_world(1))
    group_ptr, word, slot_ptr, pledge_word_ptr, _, _ = cw.bits
    assert (np.diff(slot_ptr) > 1).any()  # parallel edges
    assert (word[:, 0] >= 2).any() and pledge_word_ptr[-1] > 0
    assert (np.diff(group_ptr) > 1).any()  # a group with several words
    csr, bits = both(cw, 3_000, seed=8)
    assert_same(csr, bits, "tangled")
    assert csr["treaty_failed"].sum() > 0 and csr["treaty_honoured"].sum() > 0
    ent_csr = entangle_tallies(cw, 200, seed=2, threads=1, closure="csr")
    ent_bits = entangle_tallies(cw, 200, seed=2, threads=1, closure="bitset")
    assert_same(ent_csr, ent_bits, "tangled entanglement")


def test_bits_cover_every_edge_in_csr_order():
    cw = compile_world(tangled_world(2))
    group_ptr, word, slot_ptr, _, _, _ = cw.bits
    n_levels = len(cw.levels)
    caller = np.repeat(np.arange(cw.n_states), np.diff(cw.edge_ptr))
    seen = []
    for g in range(group_ptr.size - 1):
        for w in range(group_ptr[g], group_ptr[g + 1]):
            all_bits = int(word[w, 2])
            assert (int(word[w, 3]) | int(word[w, 4])) & ~all_bits == 0
            for rank, b in enumerate(b for b in range(64) if all_bits >> b & 1):
                slot = int(word[w, 1]) + rank
                for e in range(slot_ptr[slot], slot_ptr[slot + 1]):
                    assert cw.edge_dst[e] == 64 * int(word[w, 0]) + b
                    assert caller[e] * n_levels + cw.edge_trigger[e] == g
                    seen.append(e)
    assert seen == list(range(cw.n_edges))


def test_absent_edges_are_skipped_alike():
    cw = compile_world(tangled_world(3))
    thresh = cw.edge_thresh.copy()
    thresh[::3] = ABSENT
    world = cw.kernel_world()._replace(edge_thresh=thresh)
    csr, bits = tally_arrays(cw.tally_shape), tally_arrays(cw.tally_shape)
    run_block(np.int64(5), np.int64(0), np.int64(2_000), world, csr)
    run_block_bits(np.int64(5), np.int64(0), np.int64(2_000), world, cw.bits, bits)
    for a, b in zip(csr, bits, strict=True):
        np.testing.assert_array_equal(a, b)
    full = tally_arrays(cw.tally_shape)
    run_block(np.int64(5), np.int64(0), np.int64(2_000), cw.kernel_world(), full)
    assert csr.edge_draws[0] < full.edge_draws[0]  # fewer draws without those edges


@st.composite
def worlds(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([3, 8, 40, 70, 130]))
    return random_world(
        rng,
        n_states=n,
        n_treaties=draw(st.integers(0, 2 * n)),
        levels=draw(st.integers(1, 5)),
        borders=draw(st.booleans()),
    )


@settings(max_examples=20, deadline=None)
@given(world=worlds(), seed=st.integers(0, 2**63 - 1))
def test_random_worlds(world, seed):
    cw = compile_world(tripwire.World.model_validate(world))
    csr, bits = both(cw, 300, seed)
    assert_same(csr, bits, "random")


def test_origin_guide_gives_the_binary_search_origin():
    rng = np.random.default_rng(4)
    for weights in ([1.0], [0.0, 1.0, 0.0], rng.uniform(size=7), [0.5, 0.0, 0.0, 0.5], rng.pareto(1, 300)):
        w = np.asarray(weights, dtype=np.float64)
        cum = np.cumsum(w / w.sum())
        cum[-1] = 1.0
        guide = origin_guide(cum)
        assert guide.size & (guide.size - 1) == 0 and guide.size >= 2 * cum.size
        for k in range(3_000):
            s0, s1 = np.uint64(rng.integers(1, 2**63)), np.uint64(k + 1)
            o, _, _ = draw_origin(s0, s1, cum, guide)
            r, _, _ = next53(s0, s1)
            want = min(np.searchsorted(cum, r / 2**53, side="right"), cum.size - 1)
            assert o == want
        steps = cum[cum < 1.0]
        for u in (*steps, *np.nextafter(steps, 0)):  # draws on and just below the steps (the table alone)
            r = np.int64(u * 2**53)
            want = min(np.searchsorted(cum, r / 2**53, side="right"), cum.size - 1)
            g = guide[int(r / 2**53 * guide.size)]
            while g < cum.size - 1 and cum[g] <= r / 2**53:
                g += 1
            assert g == want


def three_states(reliability: float, defection: float) -> tripwire.World:
    return tripwire.World.model_validate(
        {
            "name": "three",
            "ladder": {"levels": ["crisis"], "war": "crisis"},
            "escalation": {"up": [], "settle": [0.0], "deterrence": 0.0, "misperception": 0.0},
            "policy": {"defection": defection},
            "states": [{"code": c, "capability": 1.0} for c in "ABC"],
            "treaties": [
                {"name": "AC", "kind": "entente", "members": ["A", "C"], "reliability": reliability}
            ],
            "origins": [{"initiator": "A", "target": "B"}],
        }
    )


@pytest.mark.parametrize("closure", ["csr", "bitset"])
def test_edge_draws_and_tries(closure):
    # A calls C (one draw); C joins when it fires and then calls A, already in (no draw): two tries
    fired = run_tallies(compile_world(three_states(1.0, 0.0)), 100, seed=1, threads=1, closure=closure)
    assert fired["edge_draws"] == 100 and fired["edge_tries"] == 200
    # A calls C and fails, then a defection draw: C joins B's side and calls A (no draw)
    defect = run_tallies(compile_world(three_states(0.0, 1.0)), 100, seed=1, threads=1, closure=closure)
    assert defect["edge_draws"] == 200 and defect["edge_tries"] == 200
    assert defect["side_count"][2].tolist() == [0, 100]
    # fails without defection: C stays out, only A's edge is tried
    failed = run_tallies(compile_world(three_states(0.0, 0.0)), 100, seed=1, threads=1, closure=closure)
    assert failed["edge_draws"] == 100 and failed["edge_tries"] == 100


def test_choice_of_closure():
    assert choose_closure(compile_world(three_states(1.0, 0.0))) == "csr"  # few edges: no probe
    assert choose_closure(compile_world(network_world("er", 64, er_degree=20))) == "bitset"
    assert choose_closure(compile_world(network_world("er", 500, er_degree=20))) == "csr"  # 8 words
    assert choose_closure(compile_world(tripwire.load_world("today"))) == "csr"  # small cascades
    with pytest.raises(ParamError, match="closure must be one of"):
        run_tallies(compile_world(three_states(1.0, 0.0)), 10, closure="dense")
