"""The kernel against the slow reference (tests/helpers/naive.py).

With the same random streams the two must agree exactly; with independent streams (numpy's
generator) their distributions must agree within K standard errors.
"""

import numpy as np
import pytest

import tripwire
from tests.helpers.naive import TripwireStream, as_arrays, run_reference
from tests.helpers.worlds import random_world, small_world

K = 4.5  # standard errors; with ~100 compared cells the chance of a false alarm is below 1e-3


def compare_exact(world_dict, trials, seed):
    world = tripwire.World.model_validate(world_dict)
    ds = tripwire.simulate(world, trials, seed=seed)
    ref = as_arrays(world, run_reference(world, trials, lambda t: TripwireStream(seed, t)))
    for name, expected in ref.items():
        np.testing.assert_array_equal(ds[name].values, expected, err_msg=name)


def test_small_world_matches_reference_exactly():
    compare_exact(small_world(), 3000, seed=11)


@pytest.mark.parametrize("case", range(8))
def test_random_worlds_match_reference_exactly(case):
    rng = np.random.default_rng(1000 + case)
    world = random_world(rng, n_states=int(rng.integers(3, 9)), n_treaties=int(rng.integers(1, 8)))
    compare_exact(world, 600, seed=case)


@pytest.mark.parametrize("case", range(6))
def test_worlds_with_borders_and_groups_match_reference_exactly(case):
    rng = np.random.default_rng(2000 + case)
    world = random_world(
        rng, n_states=int(rng.integers(4, 9)), n_treaties=int(rng.integers(1, 8)), borders=True
    )
    compare_exact(world, 600, seed=case)


def test_bundled_scenario_matches_reference_exactly():
    world = tripwire.load_world("july1914").model_dump()
    compare_exact(world, 400, seed=3)


def test_distributions_agree_with_independent_streams():
    world = tripwire.World.model_validate(small_world())
    trials = 20_000
    ds = tripwire.simulate(world, trials, seed=5)
    rng = np.random.default_rng(12345)
    ref = as_arrays(world, run_reference(world, trials, lambda t: rng.random))
    for name in ("outcome_count", "involved_count", "war_count", "side_count", "rounds_count"):
        a = ds[name].values.astype(float) / trials
        b = ref[name].astype(float) / trials
        se = np.sqrt((a * (1 - a) + b * (1 - b)) / trials)
        se = np.maximum(se, 1.0 / trials)
        assert np.all(np.abs(a - b) <= K * se), (name, a, b)
