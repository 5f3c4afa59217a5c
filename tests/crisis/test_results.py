"""The statistics layer against values computed by hand: proportions and their standard errors,
exceedance, sides, honoured rates, expected participants, Wilson intervals and the summary."""

import math

import numpy as np
import pytest

import tripwire
from tripwire.crisis.compile import compile_world
from tripwire.crisis.results import make_dataset, summarize, wilson_interval
from tripwire.crisis.variables import TALLIES, VARIABLES

WORLD = {
    "name": "hand",
    "ladder": {"levels": ["crisis", "war"], "war": "war"},
    "states": [{"code": c, "capability": 1.0} for c in "ABC"],
    "treaties": [
        {"name": "AC", "kind": "defense", "members": ["A", "C"]},
        {"name": "BC", "kind": "entente", "members": ["B", "C"]},
    ],
    "origins": [{"initiator": "A", "target": "B"}],
    "escalation": {"max_rounds": 2},
}


@pytest.fixture(scope="module")
def ds():
    """100 trials, tallied by hand: 60 end at crisis with 2 participants, 10 at crisis with 3, 30 at
    war with 3 (C joined on the target side in all 40 trials with 3 participants)."""
    world = tripwire.World.model_validate(WORLD)
    cw = compile_world(world)
    tallies = {
        "outcome_count": np.array([[0, 0, 60, 10], [0, 0, 0, 30]]),  # level x size 0..3
        "involved_count": np.array([100, 100, 40]),
        "war_count": np.array([30, 30, 30]),
        "side_count": np.array([[100, 0], [0, 100], [0, 40]]),
        "origin_level_count": np.array([[70, 30]]),
        "treaty_honoured": np.array([0, 40]),
        "treaty_failed": np.array([0, 20]),
        "rounds_count": np.array([50, 30, 20]),
        "edge_tries": np.int64(60),
        "edge_draws": np.int64(60),
    }
    return make_dataset(cw, world, tallies, seed=0, trials=100)


def test_proportions_and_standard_errors(ds):
    np.testing.assert_allclose(ds.p_level.values, [0.7, 0.3])
    np.testing.assert_allclose(ds.p_exceed.values, [1.0, 0.3])
    assert ds.p_exceed.values[0] == 1.0  # exactly, from integer counts
    np.testing.assert_allclose(ds.p_size.values, [0.6, 0.4])  # sizes 2 and 3
    np.testing.assert_allclose(ds.p_level_se.values, [math.sqrt(0.21 / 100)] * 2)
    np.testing.assert_allclose(ds.p_exceed_se.values, [0.0, math.sqrt(0.21 / 100)])
    np.testing.assert_allclose(ds.p_involved.values, [1.0, 1.0, 0.4])
    np.testing.assert_allclose(ds.p_involved_se.values, [0.0, 0.0, math.sqrt(0.4 * 0.6 / 100)])
    np.testing.assert_allclose(ds.p_war.values, [0.3, 0.3, 0.3])
    np.testing.assert_allclose(ds.p_side.sel(side="target").values, [0.0, 1.0, 0.4])
    np.testing.assert_allclose(ds.p_side.sum("side"), ds.p_involved)
    assert float(ds.expected_participants) == pytest.approx(0.6 * 2 + 0.4 * 3)
    np.testing.assert_allclose(ds.p_origin_level.values, [[0.7, 0.3]])


def test_honoured_rate_is_nan_for_a_treaty_never_tried(ds):
    rate = ds.treaty_honoured_rate
    assert math.isnan(float(rate.sel(treaty="AC")))
    assert float(rate.sel(treaty="BC")) == pytest.approx(40 / 60)


def test_every_variable_is_declared_and_described(ds):
    assert set(TALLIES) <= set(ds.data_vars)
    for name, var in ds.data_vars.items():
        assert name in VARIABLES, name
        assert var.dims == VARIABLES[name].dims, name
        assert var.attrs["description"] == VARIABLES[name].description, name
    assert all(ds[name].dtype == np.int64 for name in TALLIES)


def _wilson_by_quadratic(x, n, z=1.96):
    """The Wilson interval as the roots of (p - x/n)^2 = z^2 p (1 - p) / n."""
    phat = x / n
    a, b, c = 1 + z * z / n, -(2 * phat + z * z / n), phat * phat
    d = math.sqrt(b * b - 4 * a * c)
    return (-b - d) / (2 * a), (-b + d) / (2 * a)


@pytest.mark.parametrize("x,n", [(30, 100), (0, 50), (50, 50), (1, 1_000_000), (7, 9)])
def test_wilson_interval(x, n):
    lo, hi = wilson_interval(float(x), float(n))
    want = _wilson_by_quadratic(x, n)
    assert lo == pytest.approx(want[0], abs=1e-12) and hi == pytest.approx(want[1], abs=1e-12)
    assert 0.0 <= lo <= x / n <= hi <= 1.0


def test_wilson_interval_of_a_published_case():
    lo, hi = wilson_interval(30.0, 100.0, z=1.959963984540054)
    assert (round(lo, 4), round(hi, 4)) == (0.2189, 0.3958)


def test_summary_exceedance_carries_wilson_intervals(ds):
    s = summarize(ds)
    assert s["trials"] == 100
    first, second = s["exceed"]
    assert (first["level"], first["p"]) == ("crisis", 1.0) and (second["level"], second["p"]) == ("war", 0.3)
    assert (second["lo"], second["hi"]) == pytest.approx(_wilson_by_quadratic(30, 100), abs=1e-12)
    assert s["expected_participants"] == pytest.approx(2.4)
