"""The horizon kernel against the plain-Python reference of one history (tests/helpers/naive_horizon.py):
with the same random streams every tally must agree exactly."""

from __future__ import annotations

import numpy as np
import pytest

import tripwire
from tests.helpers.naive_horizon import History, tallies
from tests.helpers.worlds import random_world, small_world
from tripwire.horizon.compile import compile_horizon
from tripwire.horizon.simulate import run_horizon_tallies

#: A horizon that reaches every branch of a year: noise, races, entries, failures, r_min, domino,
#: background exits, lapses and reviews, systemic wars without stopping.
BUSY = {
    "years": 12,
    "start": 1940,
    "lambda0": 0.8,
    "noise": 0.3,
    "tau": 0.05,
    "delta": 0.4,
    "r_min": 0.3,
    "pi_d": 0.3,
    "epsilon": 0.2,
    "term": 3,
    "review": 2,
    "renewal": 0.7,
    "stop_at_systemic": False,
    "background": {"neutrality": 0.2},
}


def compare(world_dict: dict, trials: int, seed: int) -> dict[str, np.ndarray]:
    world = tripwire.World.model_validate(world_dict)
    hc = compile_horizon(world)
    ker = run_horizon_tallies(hc, trials, seed=seed, threads=1)
    ref = tallies(History(world, hc.phi_mat.tolist(), hc.drift.tolist(), hc.noise_l.tolist()), seed, trials)
    for name, expected in ref.items():
        np.testing.assert_array_equal(np.asarray(ker[name]), np.asarray(expected), err_msg=name)
    return ker


def test_small_world_histories_match_the_reference_exactly():
    w = small_world()
    w["states"][0]["major"] = True
    w["states"][2]["major"] = True
    w["treaties"][2]["signed"] = 1945  # enters in year 5
    w["horizon"] = BUSY
    ker = compare(w, 300, seed=11)
    ends = ker["treaty_end_count"].sum(axis=0)
    assert (ends > 0).all(), f"every cause of a treaty's end should occur: {ends}"
    assert ker["systemic_count"].sum() > ker["first_systemic_count"].sum() > 0


def test_stopping_at_the_first_systemic_war_matches_the_reference():
    w = small_world()
    w["horizon"] = {**BUSY, "stop_at_systemic": True, "systemic": {"level": "war"}}
    ker = compare(w, 200, seed=4)
    assert ker["running_count"][-1] < 200


def test_majors_rule_and_fixed_initiators_match_the_reference():
    w = small_world()
    for s in w["states"][:3]:
        s["major"] = True
    w["horizon"] = {
        **BUSY,
        "systemic": {"level": "clash", "majors": 1},
        "arrivals": [{"states": ["A", "B"], "intensity": 1.5, "initiator": "B"}, {"states": ["C", "D"]}],
    }
    compare(w, 200, seed=8)


@pytest.mark.parametrize("case", range(3))
def test_random_worlds_match_the_reference_exactly(case):
    rng = np.random.default_rng(500 + case)
    w = random_world(rng, n_states=int(rng.integers(3, 8)), n_treaties=int(rng.integers(1, 7)))
    w["rivalries"] = w["rivalries"] or [{"states": ["S0", "S1"], "hostility": 0.5}]
    w["horizon"] = {**BUSY, "start": None, "years": 6, "lambda0": 1.0, "background": {"defense": 0.1}}
    compare(w, 120, seed=case)
