"""Sobol' indices through a real sweep store, given-data indices, the budget planner."""

import json
import warnings

import numpy as np
import pytest

import tripwire.analysis as ta
from tests.helpers.analysis_stores import ISHIGAMI, ISHIGAMI_S1, ISHIGAMI_ST, TINY, build_store, ishigami
from tripwire.errors import StoreError


@pytest.fixture(scope="module")
def ishigami_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("ish") / "ishigami.zarr"
    # 10**9 trials per point: P(top level) equals the scaled Ishigami value to 1e-9
    build_store(path, TINY, ISHIGAMI, design="sobol", n=1024, trials=10**9, seed=5, fn=ishigami)
    return path


def test_ishigami_indices_lie_within_their_intervals(ishigami_store):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        si = ta.sobol(ishigami_store, "p_exceed", conf_level=0.99)
    war = si.sel(level="war")
    for k in range(3):  # analytic values (a = 7, b = 0.1) inside the 99 % bootstrap intervals
        assert war.S1_lo.values[k] <= ISHIGAMI_S1[k] <= war.S1_hi.values[k], (k, war.S1.values[k])
        assert war.ST_lo.values[k] <= ISHIGAMI_ST[k] <= war.ST_hi.values[k], (k, war.ST.values[k])
    # the only interaction is x1-x3: S2[x1, x3] = 0.2437 analytically
    s13 = war.S2.sel(param="escalation.deterrence", param2="state.A.capability")
    assert (
        abs(float(s13) - 0.2437)
        <= float(war.S2_conf.sel(param="escalation.deterrence", param2="state.A.capability")) * 1.5
    )
    # P(final level >= crisis) is 1 everywhere: skipped, said so, NaN indices
    assert json.loads(si.attrs["skipped"]) == ["p_exceed[level=crisis]"]
    assert np.isnan(si.S1.sel(level="crisis")).all() and not bool(si.varies.sel(level="crisis"))
    assert any("never vary" in str(w.message) for w in caught)
    # labelled over every output dim; seed recorded and non-zero
    assert si.S1.dims == ("param", "level") and si.S2.dims == ("param", "param2", "level")
    assert si.attrs["salib_seed"] >= 1 and si.attrs["base_samples"] == 1024
    # noise share: binomial variance with 1e9 trials is negligible
    assert float(war.noise_share) < 1e-6
    # convergence: indices on 128, 256, 512, 1024 base samples; the last equals the full run
    assert list(si.base_samples.values) == [128, 256, 512, 1024]
    np.testing.assert_array_equal(war.S1_prefix.sel(base_samples=1024).values, war.S1.values)
    assert np.all(np.isfinite(war.S1_prefix.values))


def test_selection_and_problem(ishigami_store):
    si = ta.sobol(ishigami_store, "p_exceed", level="war", seed=7)
    assert si.S1.dims == ("param",) and si.attrs["salib_seed"] == 7
    again = ta.sobol(ishigami_store, "p_exceed", level="war", seed=7)
    np.testing.assert_array_equal(si.S1_conf.values, again.S1_conf.values)  # the bootstrap repeats
    problem = ta.salib_problem(ishigami_store)
    assert problem["names"] == list(ISHIGAMI) and problem["bounds"] == [[0.0, 2 * np.pi]] * 3
    with pytest.raises(StoreError, match="seed"):
        ta.sobol(ishigami_store, "p_exceed", level="war", seed=0)
    with pytest.raises(StoreError, match="no variable"):
        ta.sobol(ishigami_store, "p_nothing")
    with pytest.raises(StoreError, match="not a label"):
        ta.sobol(ishigami_store, "p_exceed", level="nuclear")


def test_incomplete_store_is_refused_with_count_and_resume_command(tmp_path):
    done = np.ones(8 * 4, dtype=bool)  # n (2d + 2) points, d = 1
    done[[2, 5, 11]] = False
    path = tmp_path / "part.zarr"
    build_store(
        path,
        TINY,
        {"escalation.deterrence": [0, 2]},
        design="sobol",
        n=8,
        trials=100,
        fn=lambda x: x[:, 0],
        done=done,
    )
    with pytest.raises(StoreError) as err:
        ta.sobol(path, "p_exceed", level="war")
    msg = str(err.value)
    assert "3 of 32 points are not done" in msg and f"tripwire sweep SWEEP.yaml --out {path}" in msg
    with pytest.raises(StoreError, match="not done"):
        ta.prim(path, "p_exceed", 0.5, level="war")


def test_wrong_design_is_refused(tmp_path):
    path = tmp_path / "grid.zarr"
    build_store(
        path, TINY, {"escalation.deterrence": [0.0, 1.0]}, design="grid", trials=10, fn=lambda x: x[:, 0]
    )
    with pytest.raises(StoreError, match="needs a sobol design"):
        ta.sobol(path)


def test_noise_share_of_a_real_store_warns(tmp_path):
    # a real kernel store with few trials: the binomial noise swamps the parameter's effect
    path = tmp_path / "noisy.zarr"
    build_store(path, TINY, {"escalation.deterrence": [0.5, 1.5]}, design="sobol", n=8, trials=200, seed=3)
    with pytest.warns(UserWarning, match="Monte Carlo noise"):
        si = ta.sobol(path, "p_exceed", level="war")
    ds = ta.sobol.__globals__["open_store"](path).ds
    p = ds.p_exceed.sel(level="war").values
    expected = np.mean(p * (1 - p) / 200) / np.var(p, ddof=1)  # the definition, by hand
    assert float(si.noise_share) == pytest.approx(expected, rel=1e-12)
    assert float(si.noise_share) > 0.05


@pytest.fixture(scope="module")
def lhs_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("lhs") / "lhs.zarr"
    build_store(path, TINY, ISHIGAMI, design="lhs", n=400, trials=10**9, seed=2, fn=ishigami)
    return path


@pytest.mark.slow  # SALib's delta with its bootstrap takes about 15 s here
def test_delta_and_pawn_rank_ishigami_on_given_data(lhs_store):
    state = np.random.get_state()  # noqa: NPY002 - checking that it is left alone
    d = ta.delta(lhs_store, "p_exceed", level="war", num_resamples=10)
    p = ta.pawn(lhs_store, "p_exceed", level="war")
    # SALib seeds numpy's global generator; tripwire restores it
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(after[1], state[1]) and after[2] == state[2]
    # x2 (a sin^2 term) and x1 matter, x3 alone does not (its S1 is 0)
    s1 = d.S1.values
    assert s1[2] < 0.1 and s1[1] > 0.3 and s1[0] > 0.2
    assert d.delta.values[2] < d.delta.values[1]
    assert p.pawn_median.values[2] < p.pawn_median.values[1]
    assert d.attrs["tripwire_analysis"] == "delta" and d.attrs["salib_seed"] >= 1


def test_plan_sobol_counts_points_and_measures_throughput():
    plan = ta.plan_sobol(
        TINY, {"policy.communication": [0, 0.9], "escalation.deterrence": [0, 2]}, 5_000, n=32, measure_s=0.2
    )
    assert plan.points == 32 * (2 * 2 + 2) and plan.total_trials == plan.points * 5_000
    assert plan.trials_per_s > 0 and plan.expected_s == pytest.approx(plan.total_trials / plan.trials_per_s)
    assert 0 <= plan.p_war <= 1 and plan.se_war == pytest.approx(
        np.sqrt(plan.p_war * (1 - plan.p_war) / 5_000)
    )
    assert "192 points" in str(plan)
