"""The entanglement map against one ``simulate`` per origin (bit for bit), and treaty criticality
against a hand count of the same trials, one at a time."""

import numpy as np
import pytest

import tripwire
from tests.helpers.worlds import small_world
from tripwire.analysis import criticality_from_joint, entanglement_origins, paired_interval
from tripwire.crisis.compile import compile_world
from tripwire.crisis.simulate import run_tallies
from tripwire.errors import ParamError
from tripwire.world.params import apply_params

TRIALS = 600
SEED = 11


def bordered_world():
    w = small_world()
    w["borders"] = [{"states": ["A", "E"], "type": "land"}]
    return tripwire.load_world(w)


def test_entanglement_equals_one_simulate_per_origin():
    world = bordered_world()
    ent = tripwire.entanglement(world, TRIALS, origins="all", seed=SEED)
    assert ent.sizes["origin"] == 5 * 4 and ent.p_drawn_in.dims == ("origin", "state")
    for o in ent.origin.values:
        a, b = o.split("->")
        data = world.resolved()
        data["origins"] = [{"initiator": a, "target": b}]
        sim = tripwire.simulate(data, TRIALS, seed=SEED)
        one = ent.sel(origin=o)
        np.testing.assert_array_equal(one.origin_involved_count.values, sim.involved_count.values)
        np.testing.assert_array_equal(one.origin_side_count.values, sim.side_count.values)
        np.testing.assert_array_equal(one.origin_level_count.values, sim.outcome_count.sum("size").values)
        np.testing.assert_array_equal(
            one.origin_size_count.sel(size=sim["size"].values).values, sim.outcome_count.sum("level").values
        )
        war = list(sim.level.values).index(sim.attrs["war_level"])
        np.testing.assert_array_equal(
            one.origin_state_level_count.isel(level=slice(war, None)).sum("level").values,
            sim.war_count.values,
        )
        assert one.initiator.item() == a and one.target.item() == b
        # derived: impact = expected participants - 2; originators are drawn in for sure
        assert float(one.impact) == pytest.approx(float(sim.expected_participants) - 2)
        assert one.p_drawn_in.sel(state=[a, b]).values.tolist() == [1.0, 1.0]
    # vulnerability: the mean over the origins the state does not start
    for s in ent.state.values:
        others = ent.sel(origin=[o for o in ent.origin.values if s not in o.split("->")])
        assert float(ent.vulnerability.sel(state=s)) == pytest.approx(
            float(others.p_drawn_in.sel(state=s).mean())
        )
    cap = np.array([st.capability for st in world.states])
    o = ent.origin.values[0]
    joined = np.where(ent.is_originator.sel(origin=o), 0.0, ent.p_drawn_in.sel(origin=o))
    assert float(ent.impact_capability.sel(origin=o)) == pytest.approx((joined * cap).sum() / cap.sum())


def test_entanglement_origins():
    world = bordered_world()
    rn = entanglement_origins(world)  # both directions of every rivalry and border
    assert set(rn) == {("A", "C"), ("C", "A"), ("D", "B"), ("B", "D"), ("A", "E"), ("E", "A")}
    assert entanglement_origins(world, ["A->B", ("C", "D")]) == [("A", "B"), ("C", "D")]
    for bad, msg in (
        ("some", "expected"),
        (["A->Z"], "unknown state"),
        (["A-B"], "INITIATOR->TARGET"),
        ([], "empty"),
    ):
        with pytest.raises(ParamError, match=msg):
            entanglement_origins(world, bad)
    ent = tripwire.entanglement(world, 50, seed=1)
    assert ent.sizes["origin"] == 6 and ent.attrs["origins"] == "rivals+neighbours"
    assert ent.attrs["tripwire_analysis"] == "entanglement" and ent.attrs["world_hash"] == world.hash


def _level(cw, t):
    counts = run_tallies(cw, 1, seed=SEED, first_trial=t)["outcome_count"].sum(1)
    return int(np.flatnonzero(counts)[0])


def test_criticality_equals_a_hand_count_of_the_same_trials():
    world = tripwire.load_world(small_world())
    trials = 300
    crit = tripwire.criticality(world, trials, seed=SEED)
    names = [t.name for t in world.treaties]
    assert list(crit.treaty.values) == names
    base_cw = compile_world(world)
    base = [_level(base_cw, t) for t in range(trials)]
    n_levels = len(base_cw.levels)
    for k, name in enumerate(names):
        cw = compile_world(apply_params(world, {f"treaty.{name}.active": False}))
        joint = np.zeros((n_levels, n_levels), dtype=np.int64)
        for t in range(trials):
            joint[base[t], _level(cw, t)] += 1
        np.testing.assert_array_equal(crit.joint_level_count.isel(treaty=k).values, joint, err_msg=name)
        # the paired effect by hand: D = 1[without >= l] - 1[with >= l], trial by trial
        without = np.array([_level(cw, t) for t in range(trials)])
        for li, level in enumerate(base_cw.levels):
            d = (without >= li).astype(float) - (np.array(base) >= li).astype(float)
            e = crit.sel(treaty=name, level=level)
            assert float(e.effect) == pytest.approx(d.mean(), abs=1e-15)
            assert float(e.effect_se) == pytest.approx(d.std() / np.sqrt(trials), abs=1e-15)
            assert int(e.n_without_only) == int((d > 0).sum()) and int(e.n_base_only) == int((d < 0).sum())
            assert float(e.effect_lo) <= float(e.effect) <= float(e.effect_hi)
        # the variant marginal is simulate() of the world without the treaty
        sim = tripwire.simulate(apply_params(world, {f"treaty.{name}.active": False}), trials, seed=SEED)
        np.testing.assert_allclose(
            crit.p_without.sel(treaty=name).values, sim.p_exceed.values, rtol=0, atol=0
        )
    with pytest.raises(ParamError, match="unknown treaty"):
        tripwire.criticality(world, 10, treaties=["Nope"])


def test_paired_interval_properties():
    # swapping the discordant counts negates the difference and mirrors the interval
    d1, se1, lo1, hi1 = paired_interval(40, 10, 2, 1000)
    d2, se2, lo2, hi2 = paired_interval(40, 2, 10, 1000)
    assert d1 == -d2 and se1 == se2 and lo1 == pytest.approx(-hi2) and hi1 == pytest.approx(-lo2)
    # no discordant trials: no difference, a zero paired SE, a narrow but honest interval
    d, se, lo, hi = paired_interval(50, 0, 0, 1000)
    assert d == 0 and se == 0 and lo < 0 < hi and hi - lo < 0.01
    # pairing: far narrower than the independent interval when the worlds agree on most trials
    joint = np.zeros((1, 2, 2), dtype=np.int64)
    joint[0] = [[900, 5], [15, 80]]  # rows: with-treaty level, columns: without
    ds = criticality_from_joint(joint, levels=["calm", "war"], treaties=["T"], trials=1000)
    e = ds.sel(treaty="T", level="war")
    assert float(e.effect) == pytest.approx((5 - 15) / 1000)
    assert float(e.effect_se) < 0.5 * float(e.effect_se_independent)
    assert float(ds.p_base.sel(level="war")) == pytest.approx(0.095)
