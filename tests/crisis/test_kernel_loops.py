"""The entanglement and criticality loops against plain ``simulate`` runs, bit for bit: they call
the same single-trial function on the same random streams."""

import numpy as np
import pytest

import tripwire
from tests.helpers.worlds import random_world, small_world
from tripwire.crisis.compile import compile_world
from tripwire.crisis.simulate import criticality_tallies, entangle_tallies, run_tallies


def one_origin(world: tripwire.World, k: int) -> tripwire.World:
    data = world.resolved()
    data["origins"] = [data["origins"][k]]
    return tripwire.World.model_validate(data)


@pytest.mark.parametrize("borders", [False, True])
def test_entanglement_equals_one_simulate_per_origin(borders):
    rng = np.random.default_rng(5)
    world = tripwire.World.model_validate(
        random_world(rng, 7, 6, borders=borders) if borders else small_world()
    )
    cw = compile_world(world)
    trials = 3_000
    got = entangle_tallies(cw, trials, seed=9, threads=2)
    assert got["origin_level_count"].shape == (len(cw.origins), len(cw.levels))
    for k in range(len(cw.origins)):
        single = run_tallies(compile_world(one_origin(world, k)), trials, seed=9, threads=1)
        np.testing.assert_array_equal(got["origin_level_count"][k], single["outcome_count"].sum(axis=1))
        np.testing.assert_array_equal(got["origin_size_count"][k], single["outcome_count"].sum(axis=0))
        np.testing.assert_array_equal(got["origin_involved_count"][k], single["involved_count"])
        np.testing.assert_array_equal(got["origin_side_count"][k], single["side_count"])
        np.testing.assert_array_equal(
            got["origin_state_level_count"][k].sum(axis=1), single["involved_count"]
        )
        war = got["origin_state_level_count"][k][:, cw.war_level :].sum(axis=1)
        np.testing.assert_array_equal(war, single["war_count"])


def test_entanglement_does_not_depend_on_threads():
    cw = compile_world(tripwire.load_world("july1914"))
    a = entangle_tallies(cw, 2_000, seed=1, threads=1)
    b = entangle_tallies(cw, 2_000, seed=1, threads=2)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def without(world: tripwire.World, k: int) -> tripwire.World:
    data = world.resolved()
    del data["treaties"][k]
    return tripwire.World.model_validate(data)


def test_each_variant_equals_simulate_of_the_world_without_that_treaty():
    world = tripwire.World.model_validate(small_world())  # defence, offence, entente, a guarantee, a pledge
    cw = compile_world(world)
    trials = 4_000
    got = criticality_tallies(cw, trials, seed=4, threads=2)
    joint = got["joint_level_count"]
    assert joint.shape == (len(cw.treaties), len(cw.levels), len(cw.levels))
    base = run_tallies(cw, trials, seed=4)["outcome_count"].sum(axis=1)
    for k in range(len(cw.treaties)):
        np.testing.assert_array_equal(joint[k].sum(axis=1), base)
        variant = run_tallies(compile_world(without(world, k)), trials, seed=4)["outcome_count"].sum(axis=1)
        np.testing.assert_array_equal(joint[k].sum(axis=0), variant, err_msg=cw.treaties[k])
    # the pairing is real: most trials end at the same level in both worlds
    assert np.trace(joint[0]) > 0.5 * trials
    only = criticality_tallies(cw, trials, seed=4, treaties=[2])
    np.testing.assert_array_equal(only["joint_level_count"][0], joint[2])
    with pytest.raises(tripwire.ParamError, match="outside 0..4"):
        criticality_tallies(cw, 10, treaties=[7])
