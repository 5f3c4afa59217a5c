"""Horizon sweeps: a real ``LocalCluster`` of worker processes writes every point of a horizon
world into the resumable store, bit for bit equal to ``tripwire.horizon`` of that point's world,
whatever the chunking; sweep files say which model; stores of the two models do not mix."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from distributed import Client

import tripwire
from tests.helpers.sweep_checks import sweep_points
from tests.helpers.worlds import small_world
from tripwire.horizon.results import TALLIES
from tripwire.sweep.files import load_sweep
from tripwire.sweep.run import sweep
from tripwire.world.params import apply_params

GRID = {"horizon.delta": [0.1, 0.6], "treaties.term": [0, 3], "treaty.AD offense.active": [True, False]}
TRIALS, YEARS, SEED = 300, 8, 77


@pytest.fixture(scope="module")
def world():
    w = small_world()
    w["horizon"] = {"lambda0": 0.8, "noise": 0.2, "pi_d": 0.2, "r_min": 0.3, "stop_at_systemic": False}
    return tripwire.World.model_validate(w)


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def store(tmp_path_factory, world, client):
    path = tmp_path_factory.mktemp("horizon") / "h.zarr"
    ds = sweep(
        world,
        GRID,
        trials=TRIALS,
        seed=SEED,
        store=path,
        client=client,
        points_per_task=3,
        model="horizon",
        years=YEARS,
    )
    return path, ds.load()


@pytest.mark.slow
def test_every_point_equals_horizon_of_its_world(store, world):
    _, ds = store
    assert bool(ds.done.all()) and ds.attrs["model"] == "horizon"
    seen = 0
    for sel, values in sweep_points(ds):
        point = ds.isel(sel)
        expected = tripwire.horizon(apply_params(world, values), TRIALS, years=YEARS, seed=SEED)
        removed = [t for t in point.treaty.values if t not in set(expected.treaty.values)]
        for name in TALLIES:
            got = point[name]
            if "treaty" in got.dims:
                for t in removed:
                    assert int(got.sel(treaty=t).sum()) == 0, (values, name, t)
                got = got.sel(treaty=expected.treaty.values)
            np.testing.assert_array_equal(got.values, expected[name].values, err_msg=f"{values} {name}")
        np.testing.assert_array_equal(point.p_first_systemic.values, expected.p_first_systemic.values)
        seen += 1
    assert seen == 8
    # common random numbers: terms and trust move the outcome
    assert float(ds.treaty_end_count.sum(["treaty", "cause"]).std()) > 0


@pytest.mark.slow
def test_chunking_does_not_change_the_store(store, world, client, tmp_path):
    _, ds = store
    other = sweep(
        world,
        GRID,
        trials=TRIALS,
        seed=SEED,
        store=tmp_path / "o.zarr",
        client=client,
        points_per_task=1,
        model="horizon",
        years=YEARS,
    ).load()
    for name in TALLIES:
        np.testing.assert_array_equal(other[name].values, ds[name].values, err_msg=name)


@pytest.mark.slow
def test_a_crisis_sweep_does_not_resume_a_horizon_store(store, world, client):
    path, _ = store
    with pytest.raises(tripwire.StoreMismatch, match="model: the store has 'horizon', this sweep None"):
        sweep(world, GRID, trials=TRIALS, seed=SEED, store=path, client=client, years=None)
    # the same horizon sweep resumes it at once (every point done)
    again = sweep(
        world, GRID, trials=TRIALS, seed=SEED, store=path, client=client, model="horizon", years=YEARS
    )
    assert bool(again.done.all())


def test_sweep_files_say_which_model(tmp_path, world):
    spec = {
        "world": world.resolved(),
        "model": "horizon",
        "years": 12,
        "params": {"horizon.term": [0, 10]},
        "trials": 100,
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    plan, _ = load_sweep(path)
    assert plan.model == "horizon" and plan.years == 12
    spec["model"] = "weather"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(tripwire.SweepError, match="model"):
        load_sweep(path)
    spec.update(model="crisis")
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(tripwire.SweepError, match="years is only for horizon sweeps"):
        load_sweep(path)
    spec.update(model="horizon", years=None, params={"horizon.reaction": [0.1, 9.0]})
    path.write_text(yaml.safe_dump({k: v for k, v in spec.items() if v is not None}))
    with pytest.raises(tripwire.SweepError, match="unstable"):
        load_sweep(path)
