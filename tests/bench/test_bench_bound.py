"""The benchmark suite's new parts: the dense alliance network, tripwire's joining closures (and
the fallback to one path), edge draws per cascade and the perfect-kernel bound.

Nothing here asserts a timing: the suite runs on tiny sizes with a tiny time target.
"""

import itertools
from dataclasses import replace

import numpy as np
import pytest
from rich.console import Console

from tests.helpers.naive import TripwireStream, run_reference
from tripwire import bench
from tripwire.bench import CLOSURES, QUICK, TripwireEngine, check_report
from tripwire.bench.ceiling import alias_table, bound, cascade_sizes, overhead_ns
from tripwire.bench.sections import cascade_section, scenario_section, tripwire_engines
from tripwire.crisis import simulate
from tripwire.crisis.compile import compile_world
from tripwire.errors import WorldError
from tripwire.world.model import load_world
from tripwire.world.synthetic import NETWORK_KINDS, alliance_network, network_world

TINY = replace(
    QUICK,
    name="tiny",
    repeats=2,
    target_s=0.02,
    networks=(("blocs", 16),),
    peers=(),
    tries_sample=50,
    threads=(1,),
    scenarios=("july1914",),
)


def render_text(report) -> str:
    console = Console(record=True, width=250, file=open("/dev/null", "w"))  # noqa: SIM115
    bench.render(report, console)
    return console.export_text()


@pytest.fixture(scope="module")
def blocs16():
    return compile_world(network_world("blocs", 16))


# --------------------------------------------------------------------------------------------
# the dense alliance network


def test_alliance_network_binds_every_pair_of_a_bloc():
    world = alliance_network(45, seed=3, bloc_size=10)
    codes = [s.code for s in world.states]
    assert len(codes) == 45
    bloc_of = {c: min(k // 10, 3) for k, c in enumerate(codes)}  # 4 blocs, the last of 15
    within = [t for t in world.treaties if bloc_of[t.members[0]] == bloc_of[t.members[1]]]
    across = [t for t in world.treaties if bloc_of[t.members[0]] != bloc_of[t.members[1]]]
    pairs = {frozenset(t.members) for t in within}
    assert len(pairs) == len(within) == 3 * 45 + 105  # C(10, 2) x 3 + C(15, 2)
    for a, b in itertools.combinations(codes, 2):
        assert (frozenset((a, b)) in pairs) == (bloc_of[a] == bloc_of[b])
    assert all(0.3 <= t.reliability <= 0.9 for t in within)
    assert len(across) == max(1, int(0.05 * 45)) and all(0.02 <= t.reliability <= 0.2 for t in across)
    assert all(t.kind == "entente" and len(t.members) == 2 for t in world.treaties)
    for o in world.origins:
        assert bloc_of[o.initiators[0]] != bloc_of[o.targets[0]]


def test_alliance_network_reliabilities_follow_the_range_and_the_seed():
    a = alliance_network(40, seed=1, reliability=(0.5, 0.6))
    b = alliance_network(40, seed=1, reliability=(0.5, 0.6))
    c = alliance_network(40, seed=2, reliability=(0.5, 0.6))
    rel = [t.reliability for t in a.treaties]
    assert rel == [t.reliability for t in b.treaties] and rel != [t.reliability for t in c.treaties]
    assert 0.5 <= min(rel[:-2]) and max(rel[:-2]) <= 0.6  # the last two are the cross-bloc ties
    with pytest.raises(WorldError, match="at least 4 states"):
        alliance_network(3)
    with pytest.raises(WorldError, match="bloc_size must be between 2 and"):
        alliance_network(40, bloc_size=21)


def test_network_world_alliance_is_an_independent_cascade_with_dense_cascades():
    assert NETWORK_KINDS == ("blocs", "alliance", "er")
    world = network_world("alliance", 60)
    assert {t.kind for t in world.treaties} == {"entente"} and len(world.ladder.levels) == 1
    cw = compile_world(world)
    assert cw.n_edges == 2 * len(world.treaties)
    out = simulate.run_tallies(cw, 2000, seed=1, threads=1)
    draws = int(out["treaty_honoured"].sum() + out["treaty_failed"].sum())
    # dense: most examined edges lead to states already drawn in, so they are tried without a draw
    assert draws < 0.5 * int(out["edge_tries"])
    with pytest.raises(WorldError, match="valid: blocs, alliance, er"):
        network_world("ring", 10)
    replace(QUICK, networks=(("alliance", 40),))  # a valid kind for the suite


# --------------------------------------------------------------------------------------------
# closures and draws


def _recording_kernel(monkeypatch) -> list:
    """Record the ``closure`` of every ``run_tallies`` call."""
    real = simulate.run_tallies
    calls: list = []

    def run_tallies(cw, trials, **kwargs):
        calls.append(kwargs.get("closure"))
        return real(cw, trials, **kwargs)

    monkeypatch.setattr(simulate, "run_tallies", run_tallies)
    return calls


@pytest.mark.parametrize("kind", ["blocs", "alliance"])
def test_engines_time_each_closure_the_chosen_one_first(monkeypatch, kind):
    cw = compile_world(network_world(kind, 40))
    chosen = simulate.choose_closure(cw)
    engines = tripwire_engines(cw, replace(TINY, threads=(1, 2)))
    other = next(c for c in CLOSURES if c != chosen)
    assert [(e.closure, e.threads, e.chosen) for e in engines[:2]] == [(chosen, 1, True), (other, 1, False)]
    assert all(e.closure == chosen and e.threads > 1 for e in engines[2:])
    calls = _recording_kernel(monkeypatch)
    runs = [TripwireEngine(cw, 1, c).run(3000, 7) for c in CLOSURES]
    assert calls == list(CLOSURES)  # each engine asks for its own closure
    # the closures give the same tallies, bit for bit: the same sizes, tries and draws
    assert runs[0] == runs[1] and 0 < runs[0].edge_draws <= runs[0].edge_tries
    with pytest.raises(ValueError, match="unknown closure 'auto'"):
        TripwireEngine(cw, 1, "auto")


def test_draws_per_cascade_count_every_edge_draw_of_the_reference(blocs16):
    # the reference draws once for the origin, then once per edge draw (one level, no escalation)
    world = network_world("blocs", 16)
    counts = []

    def counting(t):
        stream = TripwireStream(5, t)

        def draw():
            counts[-1] += 1
            return stream()

        counts.append(0)
        return draw

    run_reference(world, 300, counting)
    run = TripwireEngine(blocs16, 1).run(300, 5)
    assert run.edge_draws == sum(counts) - 300
    out = simulate.run_tallies(blocs16, 300, seed=5, threads=1)
    # no defection and only treaty edges: every draw is an honoured or failed obligation
    assert run.edge_draws == out["treaty_honoured"].sum() + out["treaty_failed"].sum()


# --------------------------------------------------------------------------------------------
# the perfect-kernel bound


@pytest.mark.parametrize("weights", [[1.0], [1.0, 3.0], [0.1, 0.0, 0.5, 0.2, 0.2], list(range(1, 12))])
def test_alias_table_gives_each_index_its_weight(weights):
    keep, alias = alias_table(weights)
    n = len(weights)
    assert ((0 <= keep) & (keep <= 1)).all() and ((0 <= alias) & (alias < n)).all()
    # P(k) = (keep[k] + sum of (1 - keep[j]) over the j that alias to k) / n
    p = keep / n
    np.add.at(p, alias, (1 - keep) / n)
    assert p == pytest.approx(np.asarray(weights) / sum(weights), abs=1e-12)


def test_cascade_sizes_have_the_asked_mean_within_the_network():
    for mean in (2.0, 2.25, 5.2, 21.72):
        sizes = cascade_sizes(mean, 200, slots=64)
        assert abs(sizes.mean() - mean) <= 1 / 64 and set(sizes) <= {int(mean), int(mean) + 1}
    assert cascade_sizes(40.0, 16).tolist() == [16] * 64


def test_bound_adds_draws_and_overhead():
    b = bound(28.0, 1.5, 25.0)
    assert b["ns_per_cascade"] == pytest.approx(28 * 1.5 + 25) and b["cascades_per_s"] == pytest.approx(
        1e9 / 67.0
    )
    assert bound(0.0, 1.0, 10.0)["cascades_per_s"] == pytest.approx(1e8)
    with pytest.raises(ValueError, match="positive draw cost"):
        bound(10.0, 0.0, 5.0)
    with pytest.raises(ValueError, match="draws >= 0"):
        bound(-1.0, 1.0, 5.0)


def test_overhead_loop_tallies_the_asked_sizes(blocs16):
    cost = overhead_ns(blocs16, 4.5, trials=2000, repeats=1)
    assert cost["overhead_ns"] > 0 and cost["trials"] == 2000
    from tripwire.bench.ceiling import origin_and_tallies

    keep, alias = alias_table(blocs16.origin_weight)
    sizes = cascade_sizes(4.5, 16, slots=4)
    outcome, origins = np.zeros(17, np.int64), np.zeros(keep.size, np.int64)
    involved, side = np.zeros(16, np.int64), np.zeros((16, 2), np.int64)
    order = np.arange(16, dtype=np.int64)
    origin_and_tallies(1, 400, keep, alias, sizes, order, outcome, origins, involved, side)
    assert outcome[4] == outcome[5] == 200 and origins.sum() == 400
    assert involved[:4].tolist() == [400] * 4 and involved[4] == 200 and side.sum() == involved.sum()


# --------------------------------------------------------------------------------------------
# the sections and the report


def test_cascade_section_reports_closures_draws_and_the_bound():
    (net,) = cascade_section(replace(TINY, networks=(("alliance", 40),)))
    choice = simulate.choose_closure(compile_world(network_world("alliance", 40)))
    assert net["info"]["closures"] == ["csr", "bitset"] and net["info"]["chosen_closure"] == choice
    (chosen, other) = net["engines"]
    assert (chosen["closure"], chosen["chosen"], other["closure"], other["chosen"]) == (
        choice,
        True,
        next(c for c in CLOSURES if c != choice),
        False,
    )
    for e in net["engines"]:
        # dense: most examined edges lead to states already drawn in
        assert 0 < e["draws_per_cascade"] < 0.5 * e["tries_per_cascade"] and not e["draws_estimated"]
        assert 0 < e["bound_fraction"]
    (closure,) = net["comparisons"]
    assert closure["kind"] == "closure" and closure["agree"] and closure["speedup"] > 0
    b = net["bound"]
    assert b["draws_per_cascade"] == chosen["draws_per_cascade"]
    assert b["ns_per_cascade"] == pytest.approx(b["draws_per_cascade"] * b["draw_ns"] + b["overhead_ns"])
    assert set(b["fraction"]) == {"csr", "bitset"}
    assert b["fraction"][other["closure"]] == pytest.approx(
        other["cascades_per_s"]["median"] / b["cascades_per_s"]
    )


def test_scenarios_time_each_closure_on_one_thread():
    (sc,) = scenario_section(replace(TINY, threads=(1, 2)))
    chosen = simulate.choose_closure(compile_world(load_world("july1914")))
    other = next(c for c in CLOSURES if c != chosen)
    runs = [(r["closure"], r["threads"], r["chosen"]) for r in sc["runs"]]
    expected = [(chosen, 1, True), (other, 1, False)]
    if simulate.max_threads() >= 2:
        expected.append((chosen, 2, True))
    assert runs == expected and sc["chosen_closure"] == chosen
    for r in sc["runs"]:
        assert 0 < r["draws_per_trial"] <= 2 * r["tries_per_trial"]  # a defection draw at most per try


def test_report_carries_and_prints_the_new_fields():
    report = bench.run_suite(replace(TINY, networks=(("alliance", 40),), sections=("cascade", "scenarios")))
    check_report(report)
    assert report["schema"] == "tripwire-bench/2"
    text = render_text(report)
    choice = report["cascade"][0]["info"]["chosen_closure"]
    other = next(c for c in CLOSURES if c != choice)
    assert f"{choice} (chosen)" in text and "perfect-kernel bound" in text
    assert "tries / draws per cascade" in text
    (row,) = [line for line in text.splitlines() if "alliance40" in line and f" % · {other} " in line]
    assert f"{choice} (chosen) " in row  # the bound table: each closure's fraction, the chosen one first
    # a report without the new fields, or with a closure ratio for engines that disagree, is rejected
    del report["cascade"][0]["engines"][0]["draws_per_cascade"]
    with pytest.raises(ValueError, match="lacks 'draws_per_cascade'"):
        check_report(report)
    report["cascade"][0]["engines"][0]["draws_per_cascade"] = 1.0
    report["cascade"][0]["comparisons"].append(
        {
            "engine": "x",
            "agree": False,
            "diff": 1.0,
            "se": 0.1,
            "ratio": None,
            "ratio_by_closure": {"csr": 2.0},
        }
    )
    with pytest.raises(ValueError, match="closure ratio is given for engines that disagree"):
        check_report(report)
