"""tripwire.horizon(): labels, derived curves, determinism across threads and blocks, compile
tables, parameter paths."""

from __future__ import annotations

import numpy as np
import pytest

import tripwire
from tests.helpers.worlds import small_world
from tests.horizon.test_horizon_reference import BUSY
from tripwire.horizon.compile import CAUSES, compile_horizon
from tripwire.horizon.results import QUANTILES, _hist_quantiles, summarize
from tripwire.horizon.simulate import run_horizon_tallies
from tripwire.world import kinds
from tripwire.world.params import apply_params, parse_path


def busy_world(**overrides) -> tripwire.World:
    w = small_world()
    w["states"][0]["major"] = True
    w["horizon"] = {**BUSY, **overrides}
    return tripwire.World.model_validate(w)


def test_the_package_is_the_function():
    ds = tripwire.horizon(busy_world(), 50, years=4, seed=2)
    assert int(ds.trials) == 50 and ds.sizes["year"] == 4
    assert list(ds.cause.values) == list(CAUSES)


def test_dataset_is_labelled():
    world = busy_world()
    ds = tripwire.horizon(world, 200, seed=3)
    assert list(ds.year.values) == list(range(1, 13))
    assert list(ds.calendar_year.values) == list(range(1941, 1953))
    assert list(ds.state.values) == world.codes and list(ds.treaty.values) == [t.name for t in world.treaties]
    assert ds.attrs["model"] == "horizon" and ds.attrs["world_hash"] == world.hash
    assert tripwire.World.model_validate_json(ds.attrs["world"]).hash == world.hash
    for name, var in ds.data_vars.items():
        assert var.attrs.get("description"), name
    assert ds.arms_hist.dims == ("state", "year", "bin") and ds.sizes["bin"] == 162
    assert np.isneginf(ds.bin_lo.values[0]) and np.isposinf(ds.bin_hi.values[-1])
    assert ds.arms_quantile.dims == ("state", "year", "quantile")
    # every history is in one arms bin per state and year
    np.testing.assert_array_equal(
        ds.arms_hist.sum("bin").values, np.broadcast_to(ds.running_count.values, (5, 12))
    )


def test_derived_curves_follow_from_the_tallies():
    ds = tripwire.horizon(busy_world(stop_at_systemic=True), 400, seed=4)
    n = 400
    np.testing.assert_allclose(ds.p_first_systemic.values, np.cumsum(ds.first_systemic_count.values) / n)
    assert (ds.p_first_systemic.diff("year") >= 0).all()
    lo, hi = tripwire.crisis.results.wilson_interval(np.cumsum(ds.first_systemic_count.values), n)
    np.testing.assert_allclose(ds.p_first_systemic_lo.values, lo)
    np.testing.assert_allclose(ds.p_first_systemic_hi.values, hi)
    np.testing.assert_allclose(
        ds.treaty_survival.values, ds.treaty_alive_count.values / ds.running_count.values
    )
    alive = ds.treaty_alive_count.values
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(ds.mean_reliability.values, ds.reliability_sum.values / 2**24 / alive)
    assert ((ds.mean_reliability >= 0) & (ds.mean_reliability <= 1)).sum() == (alive > 0).sum()


def test_histogram_quantiles():
    edges = np.linspace(0.0, 4.0, 161)
    lo = np.concatenate([[-np.inf], edges])
    hi = np.concatenate([edges, [np.inf]])
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 0.3, 200_000)
    counts = np.bincount(
        np.where(x < 0, 0, np.minimum(1 + ((x - 0.0) / 0.025).astype(int), 161)), minlength=162
    )
    q = _hist_quantiles(counts[None], lo, hi, QUANTILES)[0]
    np.testing.assert_allclose(q, np.quantile(x, QUANTILES), atol=0.025 / 2)
    # all mass below the range: clipped to its lower end
    below = np.zeros(162)
    below[0] = 10
    np.testing.assert_array_equal(_hist_quantiles(below[None], lo, hi, (0.5,))[0], [0.0])


def test_results_do_not_depend_on_threads_blocks_or_chunks():
    world = busy_world()
    hc = compile_horizon(world)
    base = run_horizon_tallies(hc, 240, seed=77, threads=1, blocks=1)
    for kwargs in ({"threads": 2}, {"threads": 1, "blocks": 7}, {"threads": 2, "blocks": 240}):
        other = run_horizon_tallies(hc, 240, seed=77, **kwargs)
        for name in base:
            np.testing.assert_array_equal(other[name], base[name], err_msg=f"{name} {kwargs}")
    # consecutive trial ranges add up to their union
    a = run_horizon_tallies(hc, 100, seed=77, threads=1)
    b = run_horizon_tallies(hc, 140, seed=77, first_trial=100, threads=2)
    for name in base:
        np.testing.assert_array_equal(a[name] + b[name], base[name], err_msg=name)
    # with progress reporting (chunks) too
    seen = []
    c = run_horizon_tallies(hc, 240, seed=77, threads=2, progress=seen.append)
    assert sum(seen) == 240
    for name in base:
        np.testing.assert_array_equal(c[name], base[name], err_msg=name)
    # another seed gives other histories
    d = run_horizon_tallies(hc, 240, seed=78, threads=1)
    assert not np.array_equal(d["arms_hist"], base["arms_hist"])


def test_bad_arguments_are_refused():
    with pytest.raises(tripwire.ParamError, match="trials must be >= 1"):
        tripwire.horizon(busy_world(), 0)
    with pytest.raises(tripwire.ParamError, match="years must be in"):
        tripwire.horizon(busy_world(), 10, years=0)
    with pytest.raises(TypeError, match="world must be"):
        tripwire.horizon(42, 10)


def test_compile_tables():
    w = small_world()
    w["treaties"][0].update(signed=1930, term=10, review=4, renewal=0.5)  # BC defense: age 10 at 1940
    w["treaties"][1].update(signed=1946)  # AD offense: enters in year 6
    w["treaties"][2].update(signed=1930, ended=1935)  # CE entente: ended before the start
    w["horizon"] = {
        "start": 1940,
        "years": 10,
        "term": 7,
        "arrivals": [{"states": ["B", "A"], "intensity": 2.0, "initiator": "A"}, {"states": ["C", "D"]}],
    }
    hc = compile_horizon(tripwire.World.model_validate(w))
    assert list(hc.treaty_entry) == [0, 6, 11, 0, 0]
    assert list(hc.treaty_age0) == [10, 0, 0, 0, 0]
    assert list(hc.treaty_term) == [10, 7, 7, 7, 7]
    assert list(hc.treaty_review) == [4, 5, 5, 5, 5]
    assert hc.dyads == ["A->B", "C-D"]
    assert list(hc.dyad_a) == [0, 2] and list(hc.dyad_fixed) == [1, 0]
    np.testing.assert_allclose(hc.rate_calm, [0.18 * 2.0, 0.18])
    np.testing.assert_allclose(hc.rate_race, hc.rate_calm * 1.77)
    # background hazards switch era in 1945 (the 5th simulated year is 1945)
    assert hc.bg_rate[0, 3] == kinds.get("defense").exit["pre1945"]
    assert hc.bg_rate[0, 4] == kinds.get("defense").exit["post1945"]
    # treaty edges and pledges, and which treaties share members (BC shares with CE and E->B)
    assert all(
        hc.crisis.edge_treaty[hc.tedge[hc.tedge_ptr[k] : hc.tedge_ptr[k + 1]]].tolist()
        == [k] * int(hc.tedge_ptr[k + 1] - hc.tedge_ptr[k])
        for k in range(5)
    )
    assert hc.tpledge_ptr[-1] == hc.crisis.pledge_to.size
    assert hc.share_to[hc.share_ptr[0] : hc.share_ptr[1]].tolist() == [2, 3]


def test_horizon_parameter_paths():
    world = busy_world()
    assert apply_params(world, {"horizon.delta": 0.5}).horizon.delta == 0.5
    assert apply_params(world, {"horizon.term": 10}).horizon.term == 10
    changed = apply_params(
        world, {"treaties.term": 12, "treaty.BC defense.term": 5, "treaty.AD offense.renewal": 0.3}
    )
    assert [t.term for t in changed.treaties] == [5, 12, 12, 12, 12]
    assert changed.treaties[1].renewal == 0.3
    plain = tripwire.load_world(small_world())
    assert apply_params(plain, {"horizon.lambda0": 0.3}).horizon.lambda0 == 0.3
    with pytest.raises(tripwire.ParamError, match="whole number of years"):
        apply_params(world, {"horizon.term": 2.5})
    with pytest.raises(tripwire.ParamError, match="unknown treaty 'BC defence'"):
        parse_path("treaty.BC defence.term", world)
    with pytest.raises(tripwire.ParamError, match="outside its range"):
        apply_params(world, {"horizon.delta": 1.5})
    with pytest.raises(tripwire.WorldError, match="unstable"):
        apply_params(world, {"horizon.reaction": 5.0})


def test_summary():
    ds = tripwire.horizon(busy_world(stop_at_systemic=True), 300, seed=6)
    s = summarize(ds, at=(5, 10, 40))
    assert [y for y, *_ in s["p_first_systemic"]] == [5, 10, 12]
    for _, p, lo, hi in s["p_first_systemic"]:
        assert lo <= p <= hi
    assert s["treaties"] and all(abs(sum(c.values()) - total) < 1e-12 for _, total, c in s["treaties"])
    assert [code for code, _ in s["arms"]] == ds.attrs["main_rivals"].split(",")[:4]
